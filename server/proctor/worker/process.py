"""One worker process: a pool of warm sandboxes, each served by an RQ worker in a thread of its own.

RQ's `SimpleWorker` runs jobs in-process (no fork per job), which is what lets the containers stay
warm across jobs. One RQ worker per sandbox, all in one process, means a job that sleeps holds
only its own sandbox: the process's other sandboxes keep taking jobs, while their RQ workers
share one interpreter (tens of MB) instead of a process each. A heartbeat thread keeps every
running job's RQ heartbeat short-lived, so a process that dies is noticed within seconds and its
jobs retried, and it advertises the pool to the gateway.
"""

import gc
import logging
import math
import os
import signal
import socket
import threading
import time

import orjson
from redis import Redis
from rq import Queue, SimpleWorker
from rq.timeouts import TimerDeathPenalty
from rq.worker import WorkerStatus

from proctor import keys
from proctor.config import Settings
from proctor.worker import jobs
from proctor.worker.intake import Intake
from proctor.worker.sandbox import SandboxPool
from proctor.worker.timing_lock import TimingLock

log = logging.getLogger(__name__)
HEARTBEAT_S = 1.0
REGISTRATION_TTL_S = 5.0
JOB_HEARTBEAT_TTL_S = 6
STOP_GRACE_S = 10.0
MAINTENANCE_S = 3.0
DEFAULT_HEARTBEAT_EVERY_S = 1.0  # at most, for RQ's refreshes of a worker's key with its default TTL


class ProctorWorker(SimpleWorker):
    """A SimpleWorker that runs in a thread: the process owns the signals (SIGALRM-based job
    timeouts only reach the main thread, so the timeout is a timer), and its running job is
    heartbeated from the process's heartbeat thread."""

    death_penalty_class = TimerDeathPenalty
    max_connection_wait_time = 2.0  # back in service within seconds of Redis returning

    intake: Intake
    stopping: threading.Event

    def __init__(self, *args, **kwargs):
        self._default_beat = -math.inf  # when the last refresh with RQ's default TTL went
        super().__init__(*args, **kwargs)
        self.current: tuple | None = None

    def _install_signal_handlers(self) -> None:
        """Signals belong to the process (run_worker), which stops every worker thread."""

    @property
    def should_run_maintenance_tasks(self) -> bool:
        """Never in a worker thread: run_worker runs RQ's maintenance in the main thread, because
        RQ runs the failure callbacks of abandoned jobs under a SIGALRM timeout."""
        return False

    def dequeue_job_and_maintain_ttl(self, timeout: int | None, max_idle_time: int | None = None):
        """Wait on the queue only in this process's turn (worker/intake.py); None ends the thread."""
        with self.intake.turn(self.stopping) as ours:
            return super().dequeue_job_and_maintain_ttl(timeout, max_idle_time) if ours else None

    def execute_job(self, job, queue) -> None:
        execution = self.prepare_execution(job)
        self.current = (job, execution)
        try:
            self.perform_job(job, queue, execution)
        finally:
            self.current = None
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return JOB_HEARTBEAT_TTL_S

    def heartbeat(self, timeout: int | None = None, pipeline=None) -> None:
        """RQ refreshes a worker's key three times a job with its default TTL (`worker_ttl` + 60 s),
        each three commands outside any pipeline, one of them between taking a job and starting
        it. One within DEFAULT_HEARTBEAT_EVERY_S of the last is skipped, as that TTL has not run
        down: 0.4-0.5 ms off a lone request's latency (benchmarks/README.md). One that sets another
        TTL (a job's, in a pipeline) always goes, and so does the next default one after it."""
        if timeout is None and pipeline is None:
            beat = time.monotonic()
            if beat - self._default_beat < DEFAULT_HEARTBEAT_EVERY_S:
                return
            self._default_beat = beat
        else:
            self._default_beat = -math.inf
        super().heartbeat(timeout, pipeline)


def run_worker(settings: Settings, slots: int | None = None) -> None:
    """Start the sandboxes and one RQ worker thread per sandbox; serve until SIGTERM or SIGINT,
    then let running jobs finish (up to STOP_GRACE_S) and remove the sandboxes."""
    slots = slots or settings.slots
    pool = SandboxPool(settings, slots)
    intake = Intake(slots)
    jobs.install(pool, TimingLock(settings.timing_lock) if settings.timing_lock else None, intake)
    name = f"{socket.gethostname()}.{os.getpid()}"
    stop = threading.Event()
    workers = []
    for i in range(slots):
        connection = Redis.from_url(settings.redis_url)
        queue = Queue(settings.queue_name, connection=connection)
        worker = ProctorWorker([queue], connection=connection, name=f"{name}.{i}", worker_ttl=18)
        worker.intake, worker.stopping = intake, stop
        workers.append(worker)
    # Daemons: one idle in a blocking dequeue must not hold up the exit.
    threads = [
        threading.Thread(
            target=w.work, kwargs={"with_scheduler": False, "logging_level": "WARNING"}, name=w.name, daemon=True
        )
        for w in workers
    ]
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    pool_info = {
        "name": name,
        "slots": slots,
        "image": settings.image,
        "image_id": pool.image_id(),
        "runtime": settings.runtime,
        "languages": {"python": {"image": settings.image, "version": f"Python {pool.python_version}"}},
    }
    registry = Redis.from_url(settings.redis_url)
    beat = threading.Thread(target=_heartbeat, args=(registry, settings.queue_name, pool_info, workers, stop))
    beat.start()
    gc.freeze()  # startup's ~70k objects, as in gateway/app.py: a full collection stalled all threads 40-55 ms
    for thread in threads:
        thread.start()
    log.info("worker %s ready with %d warm sandboxes (%s)", name, slots, settings.runtime)
    try:
        while not stop.wait(MAINTENANCE_S):
            if not any(t.is_alive() for t in threads):  # every worker quit (e.g. Redis gone for good)
                break
            try:
                workers[0].run_maintenance_tasks()  # abandoned jobs: retried, or reported lost
            except Exception as exc:
                log.warning("maintenance failed: %s", exc)
    finally:
        stop.set()
        intake.wake()
        for worker in workers:
            worker._stop_requested = True  # RQ's flag: finish the running job, take no other
        deadline = time.monotonic() + STOP_GRACE_S
        while any(w.current for w in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        beat.join()
        pool.close()


def _heartbeat(redis: Redis, queue: str, pool_info: dict, workers: list[ProctorWorker], stop: threading.Event):
    """Advertise the pool to the gateway and keep each running job's RQ heartbeat short."""
    zset, info_key = keys.workers_zset(queue), keys.worker_info(queue)
    name, info = pool_info["name"], orjson.dumps(pool_info)
    while not stop.is_set():
        try:
            with redis.pipeline() as pipe:
                pipe.zadd(zset, {name: time.time() + REGISTRATION_TTL_S})
                pipe.hset(info_key, name, info)
                pipe.execute()
            for worker in workers:
                current = worker.current
                if current is not None:
                    worker.maintain_heartbeats(*current)
        except Exception as exc:  # Redis away: keep beating, the registration lapses meanwhile
            log.warning("heartbeat failed: %s", exc)
        stop.wait(HEARTBEAT_S)
    try:
        redis.zrem(zset, name)
        redis.hdel(info_key, name)
    except Exception as exc:
        log.warning("could not deregister %s: %s", name, exc)
