"""Exclusive timing: a re-timed job runs while no other sandbox of this host runs a job.

CPU time measured beside other work drifts by tens of per cent (cores share caches and memory
bandwidth; on a VM the other vCPU may be this one's hyperthread sibling), which buries the 10 %
speed differences CodeDPO ranks on. So a job that asks for timing (`timing_repeats` > 1) holds
this host's timing lock exclusively, and every other job holds it shared: a timed job waits for
the running jobs to end, and jobs that arrive meanwhile wait for it.

`flock`, because what must be exclusive is the host's CPUs, which exactly the workers of one host
share (under compose: a volume they all mount), and a lock dies with the process holding it. A
gate in front of the lock keeps a waiting timed job from being starved by a stream of shared
holders. Each thread opens its own descriptors: flock locks belong to an open file, so threads
sharing one would release each other's.
"""

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class TimingLock:
    """A readers-writer lock across this host's worker processes and threads, on `path` and
    `path`.gate."""

    def __init__(self, path: str):
        self._paths = (f"{path}.gate", path)
        self._local = threading.local()

    def _fds(self) -> tuple[int, int]:
        fds = getattr(self._local, "fds", None)
        if fds is None:
            fds = self._local.fds = tuple(os.open(p, os.O_RDONLY | os.O_CREAT, 0o644) for p in self._paths)
        return fds

    @contextmanager
    def held(self, exclusive: bool) -> Iterator[None]:
        """Hold the lock for a job: exclusively for a timed one, shared for any other."""
        gate, lock = self._fds()
        fcntl.flock(gate, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        except BaseException:
            fcntl.flock(gate, fcntl.LOCK_UN)
            raise
        if not exclusive:
            fcntl.flock(gate, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
            if exclusive:
                fcntl.flock(gate, fcntl.LOCK_UN)
