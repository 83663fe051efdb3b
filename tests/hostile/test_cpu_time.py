"""CPU time as the supervisor reports it, under both runtimes.

Looking fast by working elsewhere: CPU time counts every process a test started.

CodeDPO's efficiency pairs rank codes by CPU time. A test that hands its work to a process it
never waits for (an orphan, or a child it leaves a zombie) would look nearly free if only the
test's own process and what it reaped were counted; the supervisor reaps those processes itself
when the test ends and adds their CPU time (`test` isolation, which re-timed tests, the matrix and
the rankings use).
"""

import pytest

WORK = "sum(i * i for i in range(3_000_000))"
HONEST = f"def work():\n    return {WORK}\n"
# The work runs in a grandchild whose parent exits at once: the test never waits for it.
ORPHAN = (
    "import os\n"
    "def work():\n"
    "    r, w = os.pipe()\n"
    "    if os.fork() == 0:\n"
    "        if os.fork() == 0:\n"
    f"            os.write(w, str({WORK}).encode())\n"
    "        os._exit(0)\n"
    "    os.close(w)\n"
    "    return int(os.read(r, 100))\n"
)
# The work runs in a child the test leaves unreaped (a zombie when the test ends).
ZOMBIE = ORPHAN.replace("        if os.fork() == 0:\n", "        if True:\n")
TESTS = [{"kind": "call", "function": "work", "expected": sum(i * i for i in range(3_000_000))}]


@pytest.mark.parametrize("code", [ORPHAN, ZOMBIE], ids=["orphan", "zombie"])
@pytest.mark.parametrize("timing", [{"isolation": "test"}, {"timing_repeats": 2}], ids=["test", "retimed"])
def test_work_in_a_process_the_test_does_not_wait_for_counts(sandboxed, code, timing):
    honest = sandboxed.score(HONEST, TESTS, cache=False, **timing).tests[0]
    hidden = sandboxed.score(code, TESTS, cache=False, **timing).tests[0]
    assert honest.status == hidden.status == "passed", (honest, hidden)
    assert hidden.extra["cpu_ms"] > 0.5 * honest.extra["cpu_ms"], (honest, hidden)


def test_cpu_ref_only_where_the_cpu_clock_can_time_the_reference_loop(sandboxed):
    """gVisor's CPU clocks move in 10 ms steps, which cannot time a loop of a few milliseconds:
    there a re-timed test reports `cpu_ms` and no `cpu_ref` (ranking then falls back to `cpu_ms`)."""
    timed = sandboxed.score(HONEST, TESTS, cache=False, timing_repeats=3).tests[0]
    assert timed.status == "passed" and timed.extra["timing_runs"] == 3
    assert ("cpu_ref" in timed.extra) == (sandboxed.runtime == "runc"), timed.extra


# Seven helpers do about 3 s of work between them while the test's own process spins beside them,
# all on one CPU: its main thread waits for that CPU 7/8 of the time, but the wait is its own doing.
CROWD = (
    "import os\n"
    "def crowd():\n"
    "    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
    "    helpers = []\n"
    "    for _ in range(7):\n"
    "        pid = os.fork()\n"
    "        if pid == 0:\n"
    "            sum(i * i for i in range(10_000_000))\n"
    "            os._exit(0)\n"
    "        helpers.append(pid)\n"
    "    while helpers:\n"
    "        done, _ = os.waitpid(-1, os.WNOHANG)\n"
    "        if done:\n"
    "            helpers.remove(done)\n"
    "    return True\n"
)


@pytest.mark.parametrize("isolation", ["job", "test"])
def test_processes_of_the_test_competing_with_it_buy_it_no_time(sandboxed, isolation):
    """A test's limit does not count time it waited for a CPU that other sandboxes held, but the
    sandbox's own CPU time always counts: work spread over processes that crowd the test's main
    thread off the CPU still runs into the 1 s limit. (Two tests, so that under `job` isolation
    they share a fork: a job's lone test gets a fork of its own, as under `test`.)"""
    tests = [{"kind": "assert", "code": "assert crowd()"}, {"kind": "assert", "code": "assert True"}]
    result = sandboxed.score(CROWD, tests, limits={"test_time_s": 1}, isolation=isolation, cache=False)
    assert result.tests[0].status == "timeout", result.tests[0]
    sandboxed.assert_still_serving()
