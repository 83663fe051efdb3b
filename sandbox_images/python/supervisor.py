"""Proctor's in-container supervisor: PID 1 of every Python sandbox.

It reads one job per line (JSON) on stdin and answers one line on stdout. Each test runs in a
fresh fork, so no test can change another's state, and this process never runs candidate code.

A fork costs mostly copy-on-write faults: every page of ours a test touches is copied. So this
process stays small (no `secrets`, `statistics` or `hashlib`), and everything a test inherits
unchanged (environment, working directory, standard streams, signal dispositions) is set once
here instead of in every fork. Each fork is made with our objects frozen (`gc.freeze`), so the
test's garbage collections never walk them, which would copy every page they lie on.

Why PID 1: the kernel delivers no signal to a namespace's init from inside the namespace unless
init handles it, so candidate code (same uid) cannot kill or stop the supervisor. It also marks
itself non-dumpable, so candidates cannot ptrace it or open /proc/1/fd. Expected values of
`call` and `stdio` tests never enter the container: the worker compares them outside.

Stdlib only; runs as `python3 -I -S -B`.
"""

import contextlib
import ctypes
import gc
import json
import math
import os
import resource
import select
import signal
import sys
import time
import types

PR_SET_DUMPABLE = 4
SHM_INFO, SEM_INFO, MSG_INFO = 14, 19, 12
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
SCRATCH_DIRS = ("/tmp", "/dev/shm")
OOM_COUNTERS = ("/sys/fs/cgroup/memory/memory.oom_control", "/sys/fs/cgroup/memory.events")
_oom_seen = 0  # the container's OOM-kill counter as of the last test
CHILD_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8"}
MAX_RECORD_BYTES = 4 << 20
MAX_STDERR_CHARS = 4096
AS_OVERHEAD_MB = 64  # address space of the forked interpreter itself, on top of memory_mb

_wake_r, _wake_w = -1, -1
_libc = ctypes.CDLL(None, use_errno=True)
TOKEN_LEN = 32
_token = bytearray(TOKEN_LEN)
# Bound before any candidate code runs, so rebinding `os.write` or `json.dumps` does not reach us.
_write, _dumps = os.write, json.dumps


def main() -> None:
    global _wake_r, _wake_w, _oom_seen
    _libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
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
    _oom_seen = _oom_kills()
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
        # The worker sends one job and waits for its reply, so bytes already waiting now were
        # written by the job itself (a runtime that lets it reopen /proc/1/fd/0): distrust us.
        reply["clean"] = reply["clean"] and not pending and not select.select([0], [], [], 0)[0]
        # ensure_ascii=False + "replace": lone surrogates from the candidate's strings become "?",
        # so the reply is always valid UTF-8 JSON.
        body = json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")
        _write_all(1, b'{"token":"')
        _write_all(1, _token)
        _write_all(1, b'",' + body[1:] + b"\n")
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


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def run_job(job: dict) -> dict:
    """Run each test in its own fork. The first one also tells whether the code compiles: each
    fork compiles the source before running any of it, so that report comes before candidate
    code could forge one, and a pathological source can at worst kill that fork, not PID 1."""
    limits = job["limits"]
    budget_end = time.monotonic() + limits["time_s"]
    reply: dict = {"compile": {"ok": True, "error": None}, "tests": []}
    peak_kb = 0
    clean, stop = True, False
    for test in job["tests"]:
        if stop:
            reply["tests"].append({"status": "skipped", "time_ms": 0.0})
            continue
        remaining = budget_end - time.monotonic()
        if remaining <= 0:
            reply["tests"].append(
                {"status": "timeout", "time_ms": 0.0, "error": _err("Timeout", "job time budget exhausted")}
            )
            continue
        result = run_timed(job, test, limits, budget_end)
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


def run_timed(job: dict, test: dict, limits: dict, budget_end: float) -> dict:
    """Run a test; if it completed, re-run it `timing_repeats` times and report every run's times
    (`runs`): the worker turns them into the figures it reports (least CPU time, median wall
    time, spread), which keeps `statistics` out of this process."""
    first = run_test(job, test, limits, budget_end)
    repeats = int(job.get("timing_repeats", 1))
    if repeats <= 1 or first["status"] not in ("passed", "completed"):
        return first
    runs = {"time_ms": [first["time_ms"]], "cpu_ms": [first["cpu_ms"]]}
    for _ in range(repeats - 1):
        if time.monotonic() >= budget_end:
            break
        again = run_test(job, test, limits, budget_end)
        first["clean"] &= again["clean"]
        if again["status"] != first["status"]:
            break
        runs["time_ms"].append(again["time_ms"])
        runs["cpu_ms"].append(again["cpu_ms"])
    first["runs"] = runs
    return first


def run_test(job: dict, test: dict, limits: dict, budget_end: float) -> dict:
    timeout = min(limits["test_time_s"], max(budget_end - time.monotonic(), 0.001))
    stdin = test.get("stdin", "").encode() if test["kind"] == "stdio" else b""
    nonce = os.urandom(16).hex()
    res = run_child(lambda: _test_child(job["code"], test, nonce), limits, timeout, stdin)
    result = {"status": res["status"], "time_ms": res["time_ms"], "cpu_ms": res["cpu_ms"]}
    result["memory_kb"], result["clean"] = res["memory_kb"], res["clean"]
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


def _judge_exit(kind: str, record: dict | None, exit_code: int, nonce: str) -> dict:
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


def run_child(target, limits: dict, timeout: float, stdin: bytes) -> dict:
    """Fork `target`, feed stdin, collect stdout/stderr/result records under the limits.

    After the child ends, every other process in the container is killed, so nothing a test
    started (daemons, double forks, setsid) outlives it.
    """
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    res_r, res_w = os.pipe()
    in_fd = os.memfd_create("stdin")
    os.write(in_fd, stdin)
    os.lseek(in_fd, 0, os.SEEK_SET)
    start = time.perf_counter()
    gc.freeze()  # in the fork, ours stay out of every collection; here they are thawed at once
    try:
        pid = os.fork()
    except BaseException:
        gc.unfreeze()
        raise
    if pid == 0:
        _become_child(target, limits, timeout, in_fd, out_w, err_w, res_w)
    gc.unfreeze()
    for fd in (out_w, err_w, res_w, in_fd):
        os.close(fd)
    output_cap = limits["output_kb"] * 1024
    bufs = {out_r: bytearray(), err_r: bytearray(), res_r: bytearray()}
    deadline = time.monotonic() + timeout
    status, wait_status, rusage = None, None, None
    open_fds = set(bufs)
    while wait_status is None:
        left = deadline - time.monotonic()
        if left <= 0:
            status = "timeout"
            break
        readable, _, _ = select.select([*open_fds, _wake_r], [], [], left)
        for fd in readable:
            if fd == _wake_r:
                _drain(_wake_r)
                continue
            if not _read_into(fd, bufs[fd]):
                open_fds.discard(fd)
        if len(bufs[out_r]) + len(bufs[err_r]) > output_cap or len(bufs[res_r]) > MAX_RECORD_BYTES:
            status = "output_limit"
            break
        got, wait_status, rusage = os.wait4(pid, os.WNOHANG)
        if got == 0:
            wait_status = None
    elapsed_ms = (time.perf_counter() - start) * 1000
    killed_rusage = kill_everything(pid if wait_status is None else None)
    rusage = rusage or killed_rusage
    for fd in open_fds:
        while _read_into(fd, bufs[fd], limit=output_cap + MAX_RECORD_BYTES):
            pass
    for fd in bufs:
        os.close(fd)
    clean = reset_scratch()
    result = {
        "time_ms": round(elapsed_ms, 3),
        "cpu_ms": round((rusage.ru_utime + rusage.ru_stime) * 1000, 3) if rusage else 0.0,
        "memory_kb": rusage.ru_maxrss if rusage else 0,
        "clean": clean,
        "stdout": bytes(bufs[out_r][:output_cap]),
        "stderr": bytes(bufs[err_r][:output_cap]),
        "exit_code": None,
        "signal": None,
    }
    result.update(_parse_records(bytes(bufs[res_r])))
    result["oom_killed"] = _new_oom_kill()
    if status is None:
        if os.WIFSIGNALED(wait_status):
            status, result["signal"] = "signaled", os.WTERMSIG(wait_status)
        else:
            status, result["exit_code"] = "exited", os.WEXITSTATUS(wait_status)
    result["status"] = status
    return result


def _new_oom_kill() -> bool:
    """Whether the OOM killer struck during the test just ended (one read of the counter a test)."""
    global _oom_seen
    before, _oom_seen = _oom_seen, _oom_kills()
    return _oom_seen > before


def _oom_kills() -> int:
    """The container's OOM-kill counter (cgroup v1 or v2), so a SIGKILL can be told apart from
    an out-of-memory kill; 0 where the runtime does not expose it (gVisor)."""
    for path in OOM_COUNTERS:
        try:
            with open(path) as fh:
                for line in fh:
                    if line.startswith("oom_kill "):
                        return int(line.split()[1])
        except OSError:
            continue
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


def kill_everything(pid: int | None):
    """SIGKILL every process but PID 1 and reap them all; returns `pid`'s rusage if given."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)
    rusage = None
    while True:
        try:
            got, _, ru = os.wait4(-1, 0)
        except ChildProcessError:
            return rusage
        except InterruptedError:
            continue
        if got == pid:
            rusage = ru


def reset_scratch() -> bool:
    """Empty the writable mounts and check no SysV IPC object survives; False means recycle."""
    clean = True
    for top in SCRATCH_DIRS:
        clean &= _wipe_dir(top)
    return clean and _sysv_objects() == 0


def _sysv_objects() -> int:
    """How many SysV shared-memory segments, semaphore sets and message queues exist in the
    container's IPC namespace (they outlive processes); asked of the kernel, not /proc/sysvipc,
    which gVisor lacks."""
    buf = (ctypes.c_int * 64)()
    shm_used = _libc.shmctl(0, SHM_INFO, buf) >= 0 and buf[0]  # shm_info.used_ids
    sem_used = _libc.semctl(0, 0, SEM_INFO, buf) >= 0 and buf[7]  # seminfo.semusz
    msg_used = _libc.msgctl(0, MSG_INFO, buf) >= 0 and buf[0]  # msginfo.msgpool
    return int(shm_used or 0) + int(sem_used or 0) + int(msg_used or 0)


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


def _read_into(fd: int, buf: bytearray, limit: int = 1 << 16) -> bool:
    try:
        chunk = os.read(fd, min(limit, 1 << 16))
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


def _become_child(target, limits: dict, timeout: float, in_fd: int, out_w: int, err_w: int, res_w: int):
    """Runs in the fork: rewire fds, drop to the test's limits, run, and never return."""
    _token[:] = bytes(TOKEN_LEN)  # this fork's copy of the reply token, gone before any candidate code
    try:
        os.setsid()  # its own session and group, so kill(0, ...) reaches only the test's processes
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, ())  # signals as in any Python program
        os.dup2(in_fd, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(res_w, RESULT_FD)
        os.closerange(RESULT_FD + 1, 1 << 16)
        cpu = math.ceil(timeout) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        mem = (limits["memory_mb"] + AS_OVERHEAD_MB) << 20
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        record = target()
    except BaseException as exc:  # the harness itself must never escape into the supervisor loop
        record = {"status": "error", "error": _err(type(exc).__name__, _safe_str(exc))}
    _finish(record)


def _finish(record: dict | None) -> None:
    # Plain try/except, not contextlib: candidate code has run in this process and may have patched it.
    for stream in (sys.stdout, sys.stderr):
        try:  # noqa: SIM105
            stream.flush()
        except BaseException:
            pass
    if record is not None:
        try:
            _write(RESULT_FD, _dumps(record, separators=(",", ":")).encode() + b"\n")
        except BaseException:
            os._exit(70)
    os._exit(0 if record is None or record.get("status") in ("passed", "returned", "exited") else 1)


def _test_child(code: str, test: dict, nonce: str) -> dict | None:
    kind = test["kind"]
    name = "__main__" if kind == "stdio" else "solution"
    module = types.ModuleType(name)
    module.__file__ = "main.py"
    namespace = module.__dict__
    sys.modules[name] = module
    sys.argv = ["main.py"]
    try:
        compiled = compile(code, "<candidate>", "exec")
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as exc:
        line = exc.lineno if isinstance(exc, SyntaxError) else None
        return {"status": "compile_error", "error": _err(type(exc).__name__, _safe_str(exc), line), "nonce": nonce}
    try:
        exec(compiled, namespace)
        if kind == "assert":
            exec(compile(test["code"], "<test>", "exec"), namespace)
            record = {"status": "passed"}
        elif kind == "call":
            value = namespace[test["function"]](*test.get("args", []), **test.get("kwargs", {}))
            record = _returned(value)
        else:
            record = {"status": "exited"}
    except SystemExit as exc:
        code_ = exc.code
        if kind == "stdio" and code_ in (None, 0):
            record = {"status": "exited"}
        else:
            record = {"status": "error", "error": _err("SystemExit", _safe_str(code_), _candidate_line(exc))}
    except AssertionError as exc:
        record = {"status": "failed", "error": _err("AssertionError", _safe_str(exc), _candidate_line(exc))}
    except MemoryError as exc:
        record = {"status": "memory_limit", "error": _err("MemoryError", _safe_str(exc), _candidate_line(exc))}
    except BaseException as exc:
        record = {"status": "error", "error": _err(_type_name(exc), _safe_str(exc), _candidate_line(exc))}
    record["nonce"] = nonce
    return record


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
