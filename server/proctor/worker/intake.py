"""When a worker process takes work from the queue, and how many of its jobs start at once.

Every RQ thread of every worker process blocks on the same Redis list, and Redis hands each job
to the client that has waited longest, not to the least busy process: the chunks of one batch
(one per process, gateway/dispatcher.py) all went to the threads of one process, which ran the
whole batch on its own sandboxes while the others idled. So a process lets one thread at a time
wait on the queue, and only while it holds fewer items than it has sandboxes; a chunk it takes
counts from the moment its job starts until each of its items is done. Processes with nothing to
do are then the ones waiting when a batch arrives, and each takes one chunk. (In the instant
between taking a job and starting it, the next thread may already wait on the queue; it gets a
job only if no process that waited longer is left, so at worst a busy process takes one more:
HumanEval's 3 chunks on 2 processes go 2 and 1 at once. Holding the turn until the chunk counts
only sends the third later, still to one process, and bought nothing (benchmarks/README.md).)
"""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class Intake:
    """The items this process holds (taken, not yet finished) against its `sandboxes`."""

    def __init__(self, sandboxes: int):
        self.sandboxes = sandboxes
        self.held = 0
        self._waiting = False  # a thread of this process is taking its turn at the queue
        self._changed = threading.Condition()

    @contextmanager
    def turn(self, stopping: threading.Event) -> Iterator[bool]:
        """Wait until this thread may take work: no other thread of the process is waiting on the
        queue, and a sandbox would be free. Yields False when `stopping` is set instead."""
        with self._changed:
            self._changed.wait_for(lambda: stopping.is_set() or (not self._waiting and self.held < self.sandboxes))
            if stopping.is_set():
                yield False
                return
            self._waiting = True
        try:
            yield True
        finally:
            with self._changed:
                self._waiting = False
                self._changed.notify()  # one waiter: each waits for the same thing

    def take(self, items: int) -> None:
        with self._changed:
            self.held += items

    def done(self) -> None:
        """One item finished: its sandbox may take the next."""
        with self._changed:
            self.held -= 1
            if self.held == self.sandboxes - 1:  # a sandbox just became free: only now may a waiter go
                self._changed.notify()

    def wake(self) -> None:
        """Let waiting threads see that the process is stopping."""
        with self._changed:
            self._changed.notify_all()


# A job counts against Admission until it ends or has run this long: by then it is sleeping
# (holding its sandbox and nothing else) or a long computation, and the next may start beside it.
SETTLE_S = 0.1


class Admission:
    """At most `size` jobs of this process starting at once, each until it ends or settles.

    A process holds as many jobs as it has sandboxes, so that sleepers do not stall the rest; but
    every one of them computing at once shares the cores so thinly (32 sandboxes on 2 cores) that
    the longest test of a batch gets 1/16 of a core until everything else is done, and caches
    are shared that many ways: HumanEval's 164 took 0.56 s instead of 0.46 s (benchmarks/README.md).
    So a job starts only when fewer than `size` have started and not yet settled."""

    def __init__(self, size: int):
        self._free = threading.Semaphore(size)

    @contextmanager
    def slot(self) -> Iterator[Callable[[], None]]:
        """Wait for a place; yields the callback that gives it up early (once the job settles)."""
        self._free.acquire()
        given_up = False

        def give_up() -> None:
            nonlocal given_up
            if not given_up:
                given_up = True
                self._free.release()

        try:
            yield give_up
        finally:
            give_up()
