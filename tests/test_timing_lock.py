"""The host's timing lock (real flock on real files): exclusive holders run alone, and a waiting
exclusive holder is not starved by shared holders that arrive after it."""

import threading
import time

from proctor.worker.timing_lock import TimingLock


def test_a_waiting_timed_job_goes_before_jobs_that_arrive_after_it(tmp_path):
    lock = TimingLock(str(tmp_path / "timing.lock"))
    order: list[str] = []
    release_first = threading.Event()

    def hold(name: str, exclusive: bool, until: threading.Event | None = None) -> None:
        with lock.held(exclusive):
            order.append(name)
            if until:
                until.wait(10)

    first = threading.Thread(target=hold, args=("shared-1", False, release_first))
    first.start()
    while not order:
        time.sleep(0.01)
    timed = threading.Thread(target=hold, args=("timed", True))
    timed.start()
    time.sleep(0.2)  # ordering only: the timed job is now waiting behind shared-1
    later = threading.Thread(target=hold, args=("shared-2", False))
    later.start()
    time.sleep(0.2)
    assert order == ["shared-1"]  # neither may start while shared-1 holds it and timed waits
    release_first.set()
    for thread in (first, timed, later):
        thread.join(10)
    assert order == ["shared-1", "timed", "shared-2"]


def test_shared_holders_run_together(tmp_path):
    lock = TimingLock(str(tmp_path / "timing.lock"))
    inside = threading.Barrier(3, timeout=10)  # breaks unless all three hold the lock at once

    def hold() -> None:
        with lock.held(exclusive=False):
            inside.wait()

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)
    assert not inside.broken
