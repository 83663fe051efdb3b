"""One worker process: an RQ worker that owns a pool of warm sandboxes.

RQ's `SimpleWorker` runs jobs in-process (no fork per job), which is what lets the containers stay
warm across jobs. A heartbeat thread keeps the running job's RQ heartbeat short-lived, so a worker
that dies is noticed within seconds and its job retried, and it advertises the pool to the gateway.
"""

import logging
import os
import socket
import threading
import time

import orjson
from redis import Redis
from rq import Queue, SimpleWorker
from rq.worker import WorkerStatus

from proctor import keys
from proctor.config import Settings
from proctor.worker import jobs
from proctor.worker.sandbox import SandboxPool
from proctor.worker.timing_lock import TimingLock

log = logging.getLogger(__name__)
HEARTBEAT_S = 1.0
REGISTRATION_TTL_S = 5.0
JOB_HEARTBEAT_TTL_S = 6


class ProctorWorker(SimpleWorker):
    """A SimpleWorker whose running job is heartbeated from a thread."""

    max_connection_wait_time = 2.0  # back in service within seconds of Redis returning

    def __init__(self, *args, pool_info: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool_info = pool_info
        queue = self.queues[0].name
        self._zset, self._info = keys.workers_zset(queue), keys.worker_info(queue)
        self._current: tuple | None = None
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat_loop, name="heartbeat", daemon=True)

    def execute_job(self, job, queue) -> None:
        execution = self.prepare_execution(job)
        self._current = (job, execution)
        try:
            self.perform_job(job, queue, execution)
        finally:
            self._current = None
        self.set_state(WorkerStatus.IDLE)

    def get_heartbeat_ttl(self, job, working_time: float = 0.0) -> int:
        return JOB_HEARTBEAT_TTL_S

    def work(self, *args, **kwargs) -> bool:
        self._beat.start()
        try:
            return super().work(*args, **kwargs)
        finally:
            self._stop.set()
            self.connection.zrem(self._zset, self.name)
            self.connection.hdel(self._info, self.name)

    def _heartbeat_loop(self) -> None:
        info = orjson.dumps(self.pool_info)
        while not self._stop.is_set():
            try:
                with self.connection.pipeline() as pipe:
                    pipe.zadd(self._zset, {self.name: time.time() + REGISTRATION_TTL_S})
                    pipe.hset(self._info, self.name, info)
                    pipe.execute()
                current = self._current
                if current is not None:
                    self.maintain_heartbeats(*current)
            except Exception as exc:  # Redis away: keep beating, the registration lapses meanwhile
                log.warning("heartbeat failed: %s", exc)
            self._stop.wait(HEARTBEAT_S)


def run_worker(settings: Settings, slots: int | None = None) -> None:
    """Start the sandboxes, then serve the queue until stopped."""
    slots = slots or settings.slots
    connection = Redis.from_url(settings.redis_url)
    pool = SandboxPool(settings, slots)
    jobs.install(pool, TimingLock(settings.timing_lock) if settings.timing_lock else None)
    name = f"{socket.gethostname()}.{os.getpid()}"
    pool_info = {
        "name": name,
        "slots": slots,
        "image": settings.image,
        "image_id": pool.image_id(),
        "runtime": settings.runtime,
        "languages": {"python": {"image": settings.image, "version": f"Python {pool.python_version}"}},
    }
    worker = ProctorWorker(
        [Queue(settings.queue_name, connection=connection)],
        connection=connection,
        name=name,
        worker_ttl=18,
        maintenance_interval=3,
        pool_info=pool_info,
    )
    log.info("worker %s ready with %d warm sandboxes (%s)", name, slots, settings.runtime)
    try:
        worker.work(with_scheduler=False, logging_level="WARNING")
    finally:
        pool.close()
