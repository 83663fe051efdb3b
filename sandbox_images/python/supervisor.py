"""Proctor's in-container supervisor: PID 1 of every Python sandbox.

It reads one job per line (JSON) and answers one line, over the unix socket the worker listens on
(bind-mounted at SOCKET_PATH; fds 0 and 1 become it, so the rest of this file reads and writes
those as streams, and every fork replaces them with its own pipes). This process never runs
candidate code: tests run in forks of it. With `"isolation": "test"` each test gets a fresh fork,
so no test can change another's state. With `"job"` (the service's default for `assert` and `call`
tests) one fork loads the candidate once and runs the tests in order, each when we say go, so we
time each test from outside (its wall time here, its CPU time from the fork's CPU clock); a test
that ends that fork (timeout, crash, exit, output limit) costs only itself: the tests after it get
a fresh fork. A lone test (a job of one, or one between `stdio` tests) runs as under `"test"`: the
same isolation, without the go and record round trips. Re-timed jobs (`timing_repeats` > 1)
always use a fresh fork per run.

A fork costs mostly copy-on-write faults: every page of ours a test touches is copied. So this
process stays small (no `secrets`, `statistics` or `hashlib`), and everything a test inherits
unchanged (environment, working directory, standard streams, signal dispositions) is set once
here instead of in every fork. The exception is PRELOADED: modules generated code imports all
the time, which cost a fork milliseconds to import (`typing` 6 ms) and next to nothing to
inherit; and `compile()`, whose first call in a process builds the `ast` module's types (about
1 ms in every fork that has not inherited them). Each fork is made with our objects frozen
(`gc.freeze`), so the test's garbage collections never walk them, which would copy every page
they lie on.

Why PID 1: the kernel delivers no signal to a namespace's init from inside the namespace unless
init handles it, so candidate code (same uid) cannot kill or stop the supervisor. It also marks
itself non-dumpable, so candidates cannot ptrace it or open /proc/1/fd. Expected values of
`call` and `stdio` tests never enter the container: the worker compares them outside.

Stdlib only; runs as `python3 -I -S -B`, from bytecode compiled when the image is built.
"""

import _signal  # the fork's signal calls: `signal`'s wrappers map every result onto enums
import _socket  # one connection, made once: `socket` would import far more than it does
import contextlib
import ctypes
import gc
import json
import math
import os
import resource
import select
import signal
import struct
import sys
import time
import types

PR_SET_DUMPABLE = 4
SOCKET_PATH = "/run/proctor/supervisor.sock"  # the worker unlinks it once we are connected
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
# (AUDIT_ARCH_*, numbers of mq_open, shmget, semget, msgget) of the machines the image is built for.
IPC_CALLS_BY_MACHINE = {"x86_64": (0xC000003E, (240, 29, 64, 68)), "aarch64": (0xC00000B7, (180, 194, 190, 186))}
# Catchable signals that are not faults of our own: blocked in PID 1, unblocked in each test.
UNTOUCHED = {
    signal.SIGKILL,
    signal.SIGSTOP,
    signal.SIGCHLD,
    signal.SIGSEGV,
    signal.SIGBUS,
    signal.SIGFPE,
    signal.SIGILL,
}
IGNORED_SIGNALS = tuple(sorted(signal.valid_signals() - UNTOUCHED))
RESULT_FD = 3
GO_FD = 4  # `job` isolation: one byte from us starts the next test; end of file ends the fork
SCRATCH_DIRS = ("/tmp", "/dev/shm")
OOM_COUNTERS = ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events")
# The CPU time of every process in the container: cgroup v1 (ns), or v2 (first line, usage_usec).
SANDBOX_CPU_FILES = ("/sys/fs/cgroup/cpuacct/cpuacct.usage", "/sys/fs/cgroup/cpu.stat")
# How many processes the container holds (cgroup v1, v2): charged at fork, uncharged at the reap.
PIDS_COUNTERS = ("/sys/fs/cgroup/pids/pids.current", "/sys/fs/cgroup/pids.current")
_oom_seen = 0  # the container's OOM-kill counter as of the last test
_oom_fd = -1  # one of OOM_COUNTERS, open for the container's life; -1 where none is (gVisor)
_pids_fd = -1  # one of PIDS_COUNTERS, the same way
NOT_OPENED = -2  # a file descriptor to be opened when first needed (-1: could not be)
CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
REFERENCE_UNIT = 100_000  # iterations of the loop re-timed tests are also measured in
REFERENCE_LOOPS_PER_MS = 25_000  # about, in this image on this kind of machine; sizes the loop only
# Imported once here, so a test's `from typing import List` finds them loaded (measured in
# benchmarks/README.md: each adds well under 0.1 ms to a fork, and saves 1-6 ms per import).
PRELOADED = ("typing", "heapq", "bisect", "string", "copy")
MAX_RECORD_BYTES = 4 << 20
MAX_STDERR_CHARS = 4096
AS_OVERHEAD_MB = 64  # address space of the forked interpreter itself, on top of memory_mb

_wake_r, _wake_w = -1, -1
_sandbox_cpu_fd = -1  # one of SANDBOX_CPU_FILES, open for the container's life; -1 where none is (gVisor)
_fine_cpu_clock = False  # whether our CPU clock can time the reference loop (gVisor's moves in 10 ms steps)
_solution: dict = {}  # the namespace of the candidate's `solution` module, made once by main()
_libc = ctypes.CDLL(None, use_errno=True)
TOKEN_LEN = 32
_token = bytearray(TOKEN_LEN)
# Bound before any candidate code runs, so rebinding `os.write` or `json.dumps` does not reach us.
# The encoders are built once: `json.dumps` with any non-default argument builds a JSONEncoder per
# call, whose allocations a fork pays for in copied pages (0.05-0.08 ms a job, benchmarks/README.md).
_read, _write = os.read, os.write
_dumps = json.JSONEncoder(separators=(",", ":")).encode
_dumps_reply = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
# The record of a test that ran through holds only these keys, its status one of these: it is
# formatted directly, as the json encoder's first call in a fork copies pages of ours that the test
# never touched (0.05 ms a HumanEval job, benchmarks/README.md). Any other record goes through json.
PLAIN_RECORD_KEYS = frozenset({"status", "i", "nonce"})
PLAIN_STATUSES = frozenset({"passed", "exited"})


def main() -> None:
    global _wake_r, _wake_w, _oom_seen, _oom_fd, _fine_cpu_clock, _sandbox_cpu_fd, _solution, _pids_fd
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    _deny_ipc_objects()
    worker = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    worker.connect(SOCKET_PATH)
    os.dup2(worker.fileno(), 0)
    os.dup2(worker.fileno(), 1)
    worker.close()
    for name in PRELOADED:
        __import__(name)
    compile("", "<warm>", "exec")
    # No code ever runs in it here, so every fork inherits it pristine; made in each fork, it
    # copied ~15 pages of ours (0.026 ms a HumanEval job, benchmarks/README.md).
    _solution = _module("solution")
    # The kernel drops signals sent to a namespace's init from inside it unless init handles them;
    # gVisor does not, so block every catchable one as well: they stay pending here forever, and a
    # fork (whose pending set starts empty) unblocks them all with one call. SIGKILL/SIGSTOP are
    # judged outside. Python's own dispositions (SIGINT raises, SIGPIPE ignored) stay for tests.
    signal.pthread_sigmask(signal.SIG_BLOCK, IGNORED_SIGNALS)
    os.environ.clear()
    os.environ.update(CHILD_ENV)
    os.chdir("/tmp")
    # The tests' standard streams: after dup2 in a fork these objects write to the test's pipes.
    # This process itself only ever uses os.read/os.write on fds 0 and 1.
    sys.stdin.reconfigure(encoding="utf-8", errors="surrogateescape")
    sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace", line_buffering=False)
    sys.stderr.reconfigure(encoding="utf-8", errors="backslashreplace", line_buffering=True)
    _oom_fd, _pids_fd = _open_first(OOM_COUNTERS), _open_first(PIDS_COUNTERS)
    _oom_seen = _oom_kills()
    _fine_cpu_clock = _cpu_clock_step_ms() < 0.1
    _sandbox_cpu_fd = _open_first(SANDBOX_CPU_FILES)
    _wake_r, _wake_w = os.pipe()
    os.set_blocking(_wake_w, False)
    os.set_blocking(_wake_r, False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.set_wakeup_fd(_wake_w)
    hello = {"ready": True, "python": ".".join(map(str, sys.version_info[:3]))}
    os.write(1, json.dumps(hello).encode() + b"\n")
    pending = b""
    while _read_token():
        while b"\n" not in pending:
            chunk = os.read(0, 1 << 20)
            if not chunk:
                return
            pending += chunk
        line, _, pending = pending.partition(b"\n")
        reply = run_job(json.loads(line))
        # The worker sends one job and waits for its reply, so bytes already waiting now did not
        # come from the worker: distrust us.
        reply["clean"] = reply["clean"] and not pending and not select.select([0], [], [], 0)[0]
        # ensure_ascii=False + "replace": lone surrogates from the candidate's strings become "?",
        # so the reply is always valid UTF-8 JSON.
        body = _dumps_reply(reply).encode("utf-8", "replace")
        _write_line(1, [b'{"token":"', _token, b'",' + body[1:] + b"\n"])
        _token[:] = bytes(TOKEN_LEN)


def _read_token() -> bool:
    """Read the next job's token straight into `_token`, so it never exists as an immutable
    object that a test's copy of our memory could still hold after `_token` is wiped there.

    Why a token: where the runtime lets candidate code reopen /proc/1/fd/1 (gVisor), it can write
    lines onto our output; it cannot know this token, so the worker rejects them. False at EOF
    (the worker is gone, so the container ends with it)."""
    view = memoryview(_token)
    while view:
        got = os.readv(0, [view])
        if not got:
            return False
        view = view[got:]
    return True


def _write_line(fd: int, parts: list) -> None:
    """Write `parts` with as few writes as the socket takes (one, normally), so the worker wakes
    once for the whole reply; `_token` goes out from its own buffer."""
    views = [memoryview(part) for part in parts]
    while views:
        done = os.writev(fd, views)
        while views and done >= len(views[0]):
            done -= len(views.pop(0))
        if views:
            views[0] = views[0][done:]


def run_job(job: dict) -> dict:
    """Run the tests in order, under the job's isolation. The first test run also tells whether
    the code compiles: each fork compiles the source before running any of it, so that report
    comes before candidate code could forge one, and a pathological source can at worst kill that
    fork, not PID 1."""
    limits, tests = job["limits"], job["tests"]
    budget = Budget(limits["time_s"], float(job.get("load_stretch", 1)))
    retimed = int(job.get("timing_repeats", 1)) > 1
    shared = job.get("isolation") == "job" and not retimed
    reply: dict = {"compile": {"ok": True, "error": None}, "tests": []}
    peak_kb = 0
    clean, stop = True, False
    while len(reply["tests"]) < len(tests):
        i = len(reply["tests"])
        if stop:
            reply["tests"].append({"status": "skipped", "time_ms": 0.0})
            continue
        if budget.end <= time.monotonic():
            reply["tests"].append(
                {"status": "timeout", "time_ms": 0.0, "error": _err("Timeout", "job time budget exhausted")}
            )
            continue
        end = i + 1
        if shared and tests[i]["kind"] != "stdio":
            end = next((j for j in range(i, len(tests)) if tests[j]["kind"] == "stdio"), len(tests))
        if end - i > 1:
            results = run_batch(job, tests[i:end], limits, budget)
        else:  # a lone test: its own fork isolates it the same, without the go and record round trips
            budget.final = end == len(tests) and not retimed
            results = [run_timed(job, tests[i], limits, budget)]
        for result in results:
            peak_kb = max(peak_kb, result.pop("memory_kb", 0))
            clean &= result.pop("clean")
            if result["status"] == "compile_error":  # no test runs: this one is skipped like the rest
                reply["compile"] = {"ok": False, "error": result.get("error")}
                result, stop = {"status": "skipped", "time_ms": 0.0}, True
            reply["tests"].append(result)
            if job.get("stop_on_first_failure") and result["status"] not in ("passed", "completed"):
                stop = True
    reply["peak_memory_kb"] = peak_kb
    reply["clean"] = clean
    reply["supervisor_cpu_s"] = round(sum(os.times()[:2]), 3)
    return reply


def run_timed(job: dict, test: dict, limits: dict, budget: "Budget") -> dict:
    """Run a test; if it completed, re-run it `timing_repeats` times and report every run's times
    (`runs`): the worker turns them into the figures it reports (least CPU time, median wall
    time, spread), which keeps `statistics` out of this process.

    Run k of a re-timed test is pinned to the k-th of our CPUs in turn: on a shared host one core
    can run ~1.8x slow for a second or two (a busy SMT sibling), so runs back to back on whatever
    core the scheduler picked measure that spell, while the least of runs spread over the cores
    measures the code. When both cores are slow for longer than all the runs take, only a
    yardstick timed beside each run tells: every run also gets `ref_ms`, the CPU time of a fixed
    loop (per `REFERENCE_UNIT` iterations) timed here on its CPU just before and just after it
    (the first run: after it, once it has told how long the loop should be). Timed once per CPU
    instead, at the job's start and end, it missed too many spells (benchmarks/README.md)."""
    repeats = int(job.get("timing_repeats", 1))
    if repeats <= 1:
        return run_test(job, test, limits, budget)
    cpus = sorted(os.sched_getaffinity(0))
    try:
        os.sched_setaffinity(0, (cpus[0],))  # each run's fork inherits our affinity
        first = run_test(job, test, limits, budget)
        if first["status"] not in ("passed", "completed"):
            return first
        # An eighth of the test each side, within bounds: the yardstick costs a part of what it measures.
        loops = min(max(int(first["cpu_ms"] * REFERENCE_LOOPS_PER_MS / 8), 2_000), 150_000) if _fine_cpu_clock else 0
        runs = {"time_ms": [first["time_ms"]], "cpu_ms": [first["cpu_ms"]], "ref_ms": [_reference_ms(loops)]}
        for k in range(1, repeats):
            if time.monotonic() >= budget.end:
                break
            os.sched_setaffinity(0, (cpus[k % len(cpus)],))
            before = _reference_ms(loops)
            again = run_test(job, test, limits, budget)
            after = _reference_ms(loops)
            first["clean"] &= again["clean"]
            if again["status"] != first["status"]:
                break
            runs["time_ms"].append(again["time_ms"])
            runs["cpu_ms"].append(again["cpu_ms"])
            runs["ref_ms"].append((before + after) / 2)
    finally:
        os.sched_setaffinity(0, cpus)
    runs["ref_ms"] = [round(ref, 4) for ref in runs["ref_ms"]]
    first["runs"] = runs
    return first


def _reference_ms(loops: int) -> float:
    """Our CPU time, on the CPU we are pinned to, for a fixed pure-Python loop, per
    `REFERENCE_UNIT` iterations: the unit re-timed tests are also reported in, as a slow spell of
    the core stretches both alike. Timed here, with every process of the test gone, so no
    candidate code runs beside it."""
    if not loops:  # a CPU clock too coarse to time it: 0, and the worker reports no `cpu_ref`
        return 0.0
    start = time.thread_time()
    sum(i * i for i in range(loops))
    return (time.thread_time() - start) * 1000 * REFERENCE_UNIT / loops


def _cpu_clock_step_ms() -> float:
    """The least step our CPU clock moves by: nanoseconds under runc, 10 ms under gVisor."""
    start = time.thread_time()
    while (now := time.thread_time()) == start:
        pass
    return (now - start) * 1000


def run_test(job: dict, test: dict, limits: dict, budget: "Budget") -> dict:
    """One test in a fresh fork (`test` isolation)."""
    timeout = _test_timeout(limits, budget)
    stdin = test.get("stdin", "").encode() if test["kind"] == "stdio" else b""
    nonce = os.urandom(16).hex()
    # A `call` test's record holds its return value, which may not fit the pipe until we read it.
    big_record = test["kind"] == "call"
    res = run_child(lambda: _test_child(job["code"], test, nonce), limits, timeout, stdin, budget, big_record)
    return _outcome(res, test, limits, timeout, nonce)


def run_batch(job: dict, tests: list[dict], limits: dict, budget: "Budget") -> list[dict]:
    """`job` isolation: one fork loads the candidate and runs `tests` in order, one record each.

    Returns the results of a prefix of `tests`, at least one: it stops after a test that ended
    the fork (the caller starts a fresh one for the rest), a compile error, a failure under
    `stop_on_first_failure`, or when the job's budget is spent. Each test's wall time is measured
    here from its go to its record, its CPU time from the fork's CPU clock while it waits for
    the next go, so neither comes from the candidate's own process."""
    nonce = os.urandom(16).hex()
    go_r, go_w = os.pipe()
    child = Child(lambda: _batch_child(job["code"], tests, nonce), limits, budget.end - time.monotonic(), b"", go_r)
    os.close(go_r)
    clock = _cpu_clock(child.pid)
    cap = limits["output_kb"] * 1024
    results: list[dict] = []
    failure = test_clock = None
    while len(results) < len(tests) and failure is None:
        test = tests[len(results)]
        timeout = _test_timeout(limits, budget)
        if results and budget.end <= time.monotonic():
            break
        child.reset_output()
        start, cpu_start = time.perf_counter(), _cpu_seconds(clock)
        test_clock = TestClock(child, timeout, budget, after=test_clock)
        with contextlib.suppress(BrokenPipeError):  # it has ended: the wait below says how
            os.write(go_w, b"g")
        while (failure := child.wait_record(test_clock.deadline, cap)) == "timeout" and test_clock.extend():
            pass
        res = {"time_ms": round((time.perf_counter() - start) * 1000, 3), "stderr": bytes(child.err)}
        test_clock.settle()
        if failure is not None:
            break
        record, record_ok, record_error = child.take_record(len(results), nonce)
        cpu_ms = max(_cpu_seconds(clock) - cpu_start, 0.0) * 1000
        res.update(status="exited", exit_code=0, signal=None, cpu_ms=round(cpu_ms, 3), oom_killed=False)
        res.update(record=record, record_ok=record_ok, record_error=record_error)
        results.append(_outcome(res, test, limits, timeout, nonce))
        if results[-1]["status"] == "compile_error" or not record_ok:
            break
        if job.get("stop_on_first_failure") and results[-1]["status"] not in ("passed", "completed"):
            break
    os.close(go_w)
    clean = child.finish()
    rusage = child.rusage
    if failure is not None:
        res.update(status=failure, exit_code=None, signal=None, record=None, record_ok=False, record_error=None)
        if failure == "ended":
            res.update(child.exit_info())
        cpu_s = (rusage.ru_utime + rusage.ru_stime) if rusage else cpu_start
        res["cpu_ms"] = round(max(cpu_s - cpu_start, 0.0) * 1000, 3)
        res["oom_killed"] = _new_oom_kill()
        results.append(_outcome(res, test, limits, timeout, nonce))
    results[-1].update(memory_kb=rusage.ru_maxrss if rusage else 0, clean=clean)
    return results


def _cpu_clock(pid: int) -> int:
    """The id of the clock that counts `pid`'s CPU time (all its threads): readable from here,
    unlike anything the child could report about itself. Computed as glibc's
    `clock_getcpuclockid` does (Linux's process CPU clock ids: ~pid << 3 | CPUCLOCK_SCHED), which
    spares each job a `ctypes` call; reading it fails where the runtime has no such clock."""
    return (~pid << 3) | 2


def _cpu_seconds(clock: int) -> float:
    try:
        return time.clock_gettime(clock)
    except OSError:
        return 0.0


def _test_timeout(limits: dict, budget: "Budget") -> float:
    return min(limits["test_time_s"], max(budget.end - time.monotonic(), 0.001))


class Budget:
    """The job's `time_s`, counted as its tests' time is (TestClock): each test's wait for a CPU
    moves the end, until it lies `stretch` times the budget after the start."""

    def __init__(self, seconds: float, stretch: float):
        now = time.monotonic()
        self.stretch = max(stretch, 1.0)
        self.end, self._last = now + seconds, now + seconds * self.stretch
        # True while the job's last test runs in a fork of its own: nothing draws on the budget
        # after it, so its wait for a CPU is not credited, and its run delay is read only if it
        # reaches its limit (0.01-0.02 ms a HumanEval job, benchmarks/README.md).
        self.final = False

    def credit(self, seconds: float) -> None:
        self.end = min(self.end + seconds, self._last)


class TestClock:
    """A test's time against its limit: wall time less what its process waited for a CPU (the
    kernel's run delay for its main thread), but never less than the CPU time the whole sandbox
    ran meanwhile.

    With more sandboxes than cores, a busy host shares each core among many tests: one that needs
    0.15 s of CPU took 2.4 s of wall time with 32 sandboxes busy on 2 cores, so a wall-clock limit
    turned the host's load into timeout verdicts. The floor is what keeps a test from earning
    time by making its own processes compete with it: they wait for one another, but the CPU time
    of every one counts. Wall time may reach the budget's `stretch` times the limit; where the
    runtime shows neither figure (gVisor), the limit is on wall time alone."""

    def __init__(
        self,
        child: "Child",
        limit: float,
        budget: Budget,
        after: "TestClock | None" = None,
        forked: tuple[float, float | None] | None = None,
    ):
        """`after`: the clock of the test just before in the same fork, whose last reading (as
        it settled) serves as this one's start. `forked`: the time and the sandbox's CPU time
        just before the fork was made, for a test that is its fork's whole life (a new process
        has waited for no CPU yet)."""
        self.limit, self.budget, self._child = limit, budget, child
        self.start = forked[0] if forked else time.monotonic()
        self.deadline, self._last = self.start + limit, self.start + limit * budget.stretch
        if forked:
            self.reading = (0.0, forked[1])
        else:
            self.reading = after.reading if after else (child.run_delay_s(), _sandbox_cpu_s())
        self._start_reading = self.reading

    def used(self) -> tuple[float, float]:
        """(seconds counted against the limit, seconds of wall time) so far."""
        wall = time.monotonic() - self.start
        self.reading = (self._child.run_delay_s(), _sandbox_cpu_s())
        (waited, cpu), (waited0, cpu0) = self.reading, self._start_reading
        if None in (waited, cpu, waited0, cpu0):
            return wall, wall
        return min(wall, max(wall - (waited - waited0), cpu - cpu0)), wall

    def extend(self) -> bool:
        """Once `deadline` has passed: move it by the time spent waiting for a CPU since the
        start; False when the limit is spent (or the wall time may run no further)."""
        used, _ = self.used()
        now = time.monotonic()
        if used >= self.limit or now >= self._last:
            return False
        self.deadline = min(now + self.limit - used, self._last)
        return True

    def settle(self) -> None:
        """The test is over: the job's budget does not count its wait either."""
        used, wall = self.used()
        self.budget.credit(wall - used)


def _open_first(paths: tuple[str, ...]) -> int:
    """The first of `paths` (one per cgroup version) that opens, kept open; -1 where none does."""
    return next((fd for fd in map(_open_or_none, paths) if fd >= 0), -1)


def _open_or_none(path: str) -> int:
    try:
        return os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return -1


def _sandbox_cpu_s() -> float | None:
    """CPU seconds of every process this container has run, PID 1 included."""
    if _sandbox_cpu_fd < 0:
        return None
    try:
        raw = os.pread(_sandbox_cpu_fd, 128, 0)
        return int(raw.split()[1]) / 1e6 if raw.startswith(b"usage_usec") else int(raw) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def _outcome(res: dict, test: dict, limits: dict, timeout: float, nonce: str) -> dict:
    """A test's result from how its run ended (`res`: what the supervisor saw)."""
    result = {"status": res["status"], "time_ms": res["time_ms"], "cpu_ms": res["cpu_ms"]}
    result["memory_kb"], result["clean"] = res.get("memory_kb", 0), res.get("clean", True)
    stderr = res["stderr"].decode("utf-8", "replace")
    record = res["record"] if res["record_ok"] else None
    if res["status"] == "exited":
        result.update(_judge_exit(test["kind"], record, res["exit_code"], nonce))
    if test["kind"] == "stdio" and result["status"] == "completed":
        result["stdout"] = res["stdout"].decode("utf-8", "replace")
    if result["status"] not in ("passed", "completed") and stderr:
        result["stderr"] = stderr[-MAX_STDERR_CHARS:]
    if res["status"] == "timeout":
        result["error"] = _err("Timeout", f"test exceeded {timeout:.3g} s")
    elif res["status"] == "signaled":
        result.update(_judge_signal(res["signal"], res["oom_killed"]))
    elif res["status"] == "output_limit":
        result["error"] = _err("OutputLimit", f"output exceeded {limits['output_kb']} KB")
    elif not res["record_ok"] and res["record_error"]:
        result.update(status="error", error=_err("ProtocolError", res["record_error"]))
    return result


def _judge_exit(kind: str, record: dict | None, exit_code: int | None, nonce: str) -> dict:
    """Turn a child that exited by itself into a status; only a nonce-bearing record counts."""
    if record is not None and record.get("nonce") == nonce:
        status = record["status"]
        out = {"status": "completed" if status == "exited" else status}
        if "error" in record:
            out["error"] = record["error"]
        if status == "returned":
            out["status"] = "completed"
            out["value"] = record.get("value")
            out["value_repr"] = record.get("value_repr")
        return out
    if kind == "stdio" and exit_code == 0:
        return {"status": "completed"}  # a script may end with os._exit(0); its output is the evidence
    why = f"the process ended (exit code {exit_code}) before the test finished"
    return {"status": "error", "error": _err("EarlyExit", why)}


def _judge_signal(signum: int, oom_killed: bool) -> dict:
    if oom_killed:
        return {"status": "memory_limit", "error": _err("MemoryLimit", "killed by the out-of-memory killer")}
    if signum == signal.SIGXCPU:
        return {"status": "timeout", "error": _err("Timeout", "CPU time limit exceeded")}
    if signum == signal.SIGXFSZ:
        return {"status": "output_limit", "error": _err("FileSizeLimit", "file size limit exceeded")}
    name = signal.Signals(signum).name if signum in signal.Signals._value2member_map_ else str(signum)
    return {"status": "error", "error": _err("Signal", f"killed by {name}")}


def run_child(target, limits: dict, timeout: float, stdin: bytes, budget: Budget, big_record: bool) -> dict:
    """Fork `target`, feed stdin, collect stdout/stderr/result records under the limits.

    After the child ends, every other process in the container is killed, so nothing a test
    started (daemons, double forks, setsid) outlives it. `big_record`: its record may outgrow
    its pipe (see `Child`).
    """
    forked = (time.monotonic(), _sandbox_cpu_s())
    child = Child(target, limits, timeout, stdin, idle_s=timeout, big_record=big_record, track_delay=not budget.final)
    output_cap = limits["output_kb"] * 1024
    clock = TestClock(child, timeout, budget, forked=forked)
    status = None
    while child.wait_status is None:
        if not child.pump(clock.deadline):
            if clock.extend():
                continue
            status = "timeout"
            break
        if len(child.out) + len(child.err) > output_cap or len(child.res) > MAX_RECORD_BYTES:
            status = "output_limit"
            break
    elapsed_ms = (time.perf_counter() - child.started) * 1000
    if not budget.final:
        clock.settle()
    clean = child.finish()
    rusage = child.rusage
    result = {
        "status": status,
        "time_ms": round(elapsed_ms, 3),
        "cpu_ms": round(((rusage.ru_utime + rusage.ru_stime if rusage else 0.0) + child.others_cpu_s) * 1000, 3),
        "memory_kb": rusage.ru_maxrss if rusage else 0,
        "clean": clean,
        "stdout": bytes(child.out[:output_cap]),
        "stderr": bytes(child.err[:output_cap]),
        "exit_code": None,
        "signal": None,
    }
    result.update(_parse_records(bytes(child.res)))
    result["oom_killed"] = _new_oom_kill()
    if status is None:
        result.update(child.exit_info())
    return result


class Child:
    """A forked test process and what it writes: stdout, stderr and result records (fd 3)."""

    def __init__(
        self,
        target,
        limits: dict,
        timeout: float,
        stdin: bytes,
        go_fd: int | None = None,
        idle_s: float = 0.0,
        big_record: bool = True,
        track_delay: bool = True,
    ):
        """`idle_s`: how long to do nothing at all once forked, unless the fork ends or writes
        first: every page of ours written while it lives is copied, so bookkeeping done after it
        ended costs less (0.19 ms of a HumanEval job, benchmarks/README.md). Its output wakes us,
        so a pipe never fills; so does its result record where that may be large (`big_record`),
        and otherwise the record waits in its pipe (records of `assert` and `stdio` tests are a
        few KB at most). The caller's clock starts before the fork, so this wait counts.
        `track_delay`: its run delay is read once more just before it is reaped, for the budget's
        credit; otherwise only when a clock asks while it runs."""
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        res_r, res_w = os.pipe()
        in_fd = os.memfd_create("stdin")
        os.write(in_fd, stdin)
        os.lseek(in_fd, 0, os.SEEK_SET)
        # Made before the fork even where unused (`run_batch`): made after, it is a page written while the fork lives.
        wakers = [out_r, err_r, res_r, _wake_r] if big_record else [out_r, err_r, _wake_r]
        self.started = time.perf_counter()
        gc.freeze()  # in the fork, ours stay out of every collection; here they are thawed at once
        try:
            pid = os.fork()
        except BaseException:
            gc.unfreeze()
            raise
        if pid == 0:
            _become_child(target, limits, timeout, in_fd, out_w, err_w, res_w, go_fd)
        if idle_s > 0:
            select.select(wakers, [], [], idle_s)
        gc.unfreeze()
        for fd in (out_w, err_w, res_w, in_fd):
            os.close(fd)
        self.pid = pid
        self._track_delay = track_delay
        self._schedstat = NOT_OPENED  # its schedstat, opened when first read (-1 under gVisor)
        self._run_delay: float | None = None
        self.out, self.err, self.res = bytearray(), bytearray(), bytearray()
        self._bufs = {out_r: self.out, err_r: self.err, res_r: self.res}
        self._open = set(self._bufs)
        self.wait_status: int | None = None
        self.rusage = None
        self.others_cpu_s = 0.0  # what the processes it left behind ran, once `finish` reaped them

    def pump(self, deadline: float) -> bool:
        """Take what arrives until something does, the child ends, or `deadline`; False past it."""
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        self._read_ready(left)
        if not self._open and self._track_delay:  # it is likely ending: the last value before the reap
            self.run_delay_s()
        got, status, rusage = os.wait4(self.pid, os.WNOHANG)
        if got:
            self.wait_status, self.rusage = status, rusage
        return True

    def run_delay_s(self) -> float | None:
        """Seconds its main thread has been runnable but not running (schedstat's second field),
        as last read before it was reaped; None where the runtime does not show it (gVisor)."""
        if self.wait_status is None and self._schedstat == NOT_OPENED:
            self._schedstat = _open_or_none(f"/proc/{self.pid}/schedstat")
        if self.wait_status is None and self._schedstat >= 0:
            with contextlib.suppress(OSError, IndexError, ValueError):
                self._run_delay = int(os.pread(self._schedstat, 128, 0).split()[1]) / 1e9
        return self._run_delay

    def _read_ready(self, timeout: float) -> bool:
        """Read once from each pipe that has data (or ends); whether any did."""
        readable, _, _ = select.select([*self._open, _wake_r], [], [], timeout)
        for fd in readable:
            if fd == _wake_r:
                _drain(_wake_r)
            elif not _read_into(fd, self._bufs[fd]):
                self._open.discard(fd)
        return any(fd != _wake_r for fd in readable)

    def reset_output(self) -> None:
        """A new test starts: its output limit and its stderr count from here."""
        self.out.clear()
        self.err.clear()

    def wait_record(self, deadline: float, output_cap: int) -> str | None:
        """Wait for the running test's record: None once one is here, else why not: "timeout",
        "output_limit", or "ended" (the child is gone without one)."""
        while b"\n" not in self.res:
            if len(self.out) + len(self.err) > output_cap or len(self.res) > MAX_RECORD_BYTES:
                return "output_limit"
            if self.wait_status is not None:
                if not self._read_ready(0):  # nothing more of what it wrote before it ended
                    return "ended"
            elif not self.pump(deadline):
                return "timeout"
        return None

    def take_record(self, index: int, nonce: str) -> tuple[dict | None, bool, str | None]:
        """The running test's record, checked: (record, well formed, why not)."""
        line, _, rest = bytes(self.res).partition(b"\n")
        self.res.clear()
        if rest:  # the child waits for our go after each record, so nothing else may follow it
            return None, False, "more than one result record"
        parsed = _parse_records(line)
        record = parsed["record"]
        if record is not None and (record.get("i") != index or record.get("nonce") != nonce):
            return None, False, "a result record that is not this test's"
        return record, parsed["record_ok"], parsed["record_error"]

    def exit_info(self) -> dict:
        """How a child that ended by itself ended: a signal or an exit code."""
        if os.WIFSIGNALED(self.wait_status):
            return {"status": "signaled", "signal": os.WTERMSIG(self.wait_status), "exit_code": None}
        return {"status": "exited", "exit_code": os.WEXITSTATUS(self.wait_status), "signal": None}

    def finish(self) -> bool:
        """Kill the child and everything it started, take the rest of its output, empty the
        scratch space; False when that could not be done (the sandbox is then recycled)."""
        rusage, self.others_cpu_s = kill_everything(self.pid if self.wait_status is None else None)
        self.rusage = self.rusage or rusage
        for fd in self._open:
            while _read_into(fd, self._bufs[fd]):
                pass
        for fd in self._bufs:
            os.close(fd)
        if self._schedstat >= 0:
            os.close(self._schedstat)
        return reset_scratch()


def _new_oom_kill() -> bool:
    """Whether the OOM killer struck during the test just ended (one read of the counter a test)."""
    global _oom_seen
    before, _oom_seen = _oom_seen, _oom_kills()
    return _oom_seen > before


def _oom_kills() -> int:
    """The container's OOM-kill counter (cgroup v1 or v2), so a SIGKILL can be told apart from
    an out-of-memory kill; 0 where the runtime does not expose it (gVisor). One `pread` of a file
    kept open: opening and reading it as a text file cost every test 0.1 ms."""
    if _oom_fd < 0:
        return 0
    try:
        raw = os.pread(_oom_fd, 1024, 0)
    except OSError:
        return 0
    for line in raw.split(b"\n"):
        if line.startswith(b"oom_kill "):
            return int(line.split()[1])
    return 0


def _parse_records(raw: bytes) -> dict:
    """Exactly one well-formed record is positive evidence; zero or several is a failure."""
    lines = [ln for ln in raw.split(b"\n") if ln]
    if len(lines) != 1:
        error = "more than one result record" if lines else None
        return {"record": None, "record_ok": False, "record_error": error}
    try:
        record = json.loads(lines[0])
    except ValueError:
        return {"record": None, "record_ok": False, "record_error": "malformed result record"}
    if not isinstance(record, dict) or not isinstance(record.get("status"), str):
        return {"record": None, "record_ok": False, "record_error": "malformed result record"}
    return {"record": record, "record_ok": True, "record_error": None}


def kill_everything(pid: int | None) -> tuple[resource.struct_rusage | None, float]:
    """SIGKILL every process but PID 1 and reap them all; returns `pid`'s rusage if given, and the
    CPU seconds of every other process reaped: ones the test started and never waited for (orphans
    come to us, zombies too once their parent is gone), whose time no rusage of the test holds.
    With the test's process reaped and the container's count at 1 (PID 1 alone), nothing is left:
    and nothing can appear meanwhile, as only a process can fork (0.02 ms a job fewer than a kill
    and a wait that both fail, benchmarks/README.md)."""
    if pid is None and _processes() == 1:
        return None, 0.0
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)
    rusage, others = None, 0.0
    while True:
        try:
            got, _, ru = os.wait4(-1, 0)
        except ChildProcessError:
            return rusage, others
        except InterruptedError:
            continue
        if got == pid:
            rusage = ru
        else:
            others += ru.ru_utime + ru.ru_stime


def _processes() -> int | None:
    """How many processes the container holds, PID 1 included; None where that is not shown."""
    if _pids_fd < 0:
        return None
    try:
        return int(os.pread(_pids_fd, 32, 0))
    except (OSError, ValueError):
        return None


def reset_scratch() -> bool:
    """Empty the writable mounts; False means recycle. No IPC object can survive a job: none
    can be made (`_deny_ipc_objects`)."""
    clean = True
    for top in SCRATCH_DIRS:
        clean &= _wipe_dir(top)
    return clean


def _deny_ipc_objects() -> None:
    """Forbid this process and every fork of it to make an IPC object (a seccomp filter: POSIX
    message queues, SysV shared memory, semaphore sets and message queues; any other
    architecture's system calls fail too). Such an object outlives its job in the container's
    IPC namespace; a POSIX queue cannot even be counted without mounting the mqueue filesystem,
    and counting the SysV ones after every job cost each job 0.03 ms (benchmarks/README.md). The
    filter holds under gVisor, which ignores RLIMIT_MSGQUEUE and Docker's seccomp profile."""
    arch, calls = IPC_CALLS_BY_MACHINE[os.uname().machine]
    program = (
        (0x20, 0, 0, 4),  # load the architecture
        (0x15, 0, len(calls) + 3, arch),  # not ours: to EPERM
        (0x20, 0, 0, 0),  # load the system call's number
        (0x54, 0, 0, 0xBFFFFFFF),  # less x32's bit
        *((0x15, len(calls) - i, 0, nr) for i, nr in enumerate(calls)),  # one of them: to EPERM
        (0x06, 0, 0, 0x7FFF0000),  # SECCOMP_RET_ALLOW
        (0x06, 0, 0, 0x00050000 | 1),  # SECCOMP_RET_ERRNO | EPERM
    )
    filters = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *op) for op in program))
    fprog = struct.pack("HxxxxxxP", len(program), ctypes.addressof(filters))
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) or _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, fprog, 0, 0):
        raise OSError(ctypes.get_errno(), "could not install the seccomp filter")


def _wipe_dir(path: str) -> bool:
    ok = True
    try:
        entries = list(os.scandir(path))
    except FileNotFoundError:
        return True
    except OSError:
        return False
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                os.chmod(entry.path, 0o700)
                ok &= _wipe_dir(entry.path)
                os.rmdir(entry.path)
            else:
                os.unlink(entry.path)
        except OSError:
            ok = False
    return ok


def _read_into(fd: int, buf: bytearray) -> bool:
    try:
        chunk = os.read(fd, 1 << 16)
    except BlockingIOError:
        return False
    if chunk:
        buf += chunk
    return bool(chunk)


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except BlockingIOError:
        pass


# ---------------------------------------------------------------- the child side


def _become_child(target, limits: dict, timeout: float, in_fd, out_w, err_w, res_w, go_fd=None):
    """Runs in the fork: rewire fds, drop to the test's limits, run, and never return."""
    _token[:] = bytes(TOKEN_LEN)  # this fork's copy of the reply token, gone before any candidate code
    try:
        os.setsid()  # its own session and group, so kill(0, ...) reaches only the test's processes
        signal.set_wakeup_fd(-1)
        # `_signal`, not `signal`: its wrappers turn the ~60 blocked signals returned into enum
        # members, which costs every fork 0.3 ms, most of it copying the pages enums lie on.
        _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
        _signal.pthread_sigmask(_signal.SIG_SETMASK, ())  # signals as in any Python program
        os.dup2(in_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(res_w, RESULT_FD)
        if go_fd is not None:
            os.dup2(go_fd, GO_FD)
        os.closerange(RESULT_FD + 1 if go_fd is None else GO_FD + 1, 1 << 16)
        cpu = math.ceil(timeout) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        mem = (limits["memory_mb"] + AS_OVERHEAD_MB) << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        record = target()
    except BaseException as exc:  # the harness itself must never escape into the supervisor loop
        record = {"status": "error", "error": _err(type(exc).__name__, _safe_str(exc))}
    _finish(record)


def _flush_streams() -> None:
    # Plain try/except, not contextlib: candidate code has run in this process and may have patched it.
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105
            stream.flush()
        except BaseException:
            pass


def _finish(record: dict | None) -> None:
    _flush_streams()
    if record is not None:
        try:
            _write(RESULT_FD, _record_line(record))
        except BaseException:
            os._exit(70)
    os._exit(0 if record is None or record.get("status") in ("passed", "returned", "exited") else 1)


def _record_line(record: dict) -> bytes:
    """A record as one line of JSON (the nonce is hex, `i` an int: neither needs escaping)."""
    if record.get("status") in PLAIN_STATUSES and record.keys() <= PLAIN_RECORD_KEYS:
        index = b'"i":%d,' % record["i"] if "i" in record else b""
        return b'{"status":"%b",%b"nonce":"%b"}\n' % (record["status"].encode(), index, record["nonce"].encode())
    return _dumps(record).encode() + b"\n"


def _test_child(code: str, test: dict, nonce: str) -> dict:
    """`test` isolation: compile, load and run the candidate for this one test."""
    kind = test["kind"]
    compiled, record = _compile(code)
    if record is None:
        namespace = _module("__main__") if kind == "stdio" else _solution
        record = _guarded(kind, _load_and_run, compiled, namespace, test)
    record["nonce"] = nonce
    return record


def _batch_child(code: str, tests: list[dict], nonce: str) -> None:
    """`job` isolation: compile and load the candidate once, then run each test when the
    supervisor says go, writing one record per test (loading counts as part of the first test;
    if it failed, every test reports that failure, as each would have in its own fork)."""
    compiled, failed = _compile(code)
    namespace = _solution
    for i, test in enumerate(tests):
        if not _read(GO_FD, 1):
            return None
        if failed is None and i == 0:
            failed = _guarded(test["kind"], exec, compiled, namespace)
        record = dict(failed) if failed is not None else _guarded(test["kind"], _run_loaded, namespace, test)
        record.update(i=i, nonce=nonce)
        _flush_streams()
        _write(RESULT_FD, _record_line(record))
    _read(GO_FD, 1)  # alive until the supervisor has read our CPU clock for the last test
    return None


def _compile(code: str) -> tuple[types.CodeType | None, dict | None]:
    """The compiled candidate, or a compile_error record."""
    try:
        return compile(code, "<candidate>", "exec"), None
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
        line = exc.lineno if isinstance(exc, SyntaxError) else None
        return None, {"status": "compile_error", "error": _err(type(exc).__name__, _safe_str(exc), line)}


def _module(name: str) -> dict:
    """A fresh module for the candidate, importable by its name; its namespace (`solution` is
    made once by PID 1, a `stdio` test's `__main__` in its fork)."""
    module = types.ModuleType(name)
    module.__file__ = "main.py"
    sys.modules[name] = module
    sys.argv = ["main.py"]
    return module.__dict__


def _load_and_run(compiled: types.CodeType, namespace: dict, test: dict) -> dict:
    exec(compiled, namespace)
    return _run_loaded(namespace, test)


def _run_loaded(namespace: dict, test: dict) -> dict:
    kind = test["kind"]
    if kind == "assert":
        exec(compile(test["code"], "<test>", "exec"), namespace)
        return {"status": "passed"}
    if kind == "call":
        return _returned(namespace[test["function"]](*test.get("args", []), **test.get("kwargs", {})))
    return {"status": "exited"}


def _guarded(kind: str, step, *args) -> dict | None:
    """`step(*args)`'s record, or the record of the exception that ended it."""
    try:
        return step(*args)
    except SystemExit as exc:
        code_ = exc.code
        if kind == "stdio" and code_ in (None, 0):
            return {"status": "exited"}
        return {"status": "error", "error": _err("SystemExit", _safe_str(code_), _candidate_line(exc))}
    except AssertionError as exc:
        return {"status": "failed", "error": _err("AssertionError", _safe_str(exc), _candidate_line(exc))}
    except MemoryError as exc:
        return {"status": "memory_limit", "error": _err("MemoryError", _safe_str(exc), _candidate_line(exc))}
    except BaseException as exc:
        return {"status": "error", "error": _err(_type_name(exc), _safe_str(exc), _candidate_line(exc))}


def _returned(value) -> dict:
    """Serialise the return value as JSON; the worker compares it with the expected value."""
    try:
        return {"status": "returned", "value": json.loads(json.dumps(value))}
    except BaseException:
        return {"status": "returned", "value": None, "value_repr": _safe_repr(value)}


def _candidate_line(exc: BaseException) -> int | None:
    """The deepest traceback line that lies in the candidate's own code."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<candidate>":
            line = tb.tb_lineno
        tb = tb.tb_next
    if line is None and isinstance(exc, SyntaxError) and exc.filename == "<candidate>":
        line = exc.lineno
    return line


def _type_name(exc: BaseException) -> str:
    try:
        return str(type(exc).__name__)[:100]
    except BaseException:
        return "Exception"


def _safe_str(value) -> str:
    try:
        return str(value)[:2000]
    except BaseException:
        return "<unprintable>"


def _safe_repr(value) -> str:
    try:
        return repr(value)[:2000]
    except BaseException:
        return "<unrepresentable>"


def _err(type_: str, message: str, line: int | None = None) -> dict:
    return {"type": type_, "message": message, "line": line}


if __name__ == "__main__":
    main()
