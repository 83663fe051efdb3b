"""A worker that dies mid-job: its job is retried once, then reported as an error, never as a verdict.
And the queue's bound, which a busy worker lets fill."""

import signal
import socket
import subprocess
import sys
import threading

import docker
import httpx
from proctor import keys
from proctor.worker.process import ProctorWorker
from redis import Redis
from rq import Queue
from rq.registry import FailedJobRegistry, FinishedJobRegistry, StartedJobRegistry

from tests.conftest import running_service, wait_for

ADD = "def add(a, b):\n    return a + b\n"


def sleepy(seconds: float) -> dict:
    code = f"import time\ntime.sleep({seconds})\n" + ADD
    limits = {"time_s": 30, "test_time_s": 30}
    return {"code": code, "tests": [{"kind": "assert", "code": "assert add(1, 2) == 3"}], "limits": limits}


def chunks_left(svc) -> list[bytes]:
    """Chunks of submissions still stored for the service's queue (keys.chunk_key)."""
    return Redis.from_url(svc.redis_url).keys(keys.chunk_key(svc.queue, "*"))


def in_background(fn) -> tuple[threading.Thread, dict]:
    box: dict = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    thread.start()
    return thread, box


def test_killing_a_worker_mid_batch_loses_no_item(redis_server):
    with running_service(redis_server, workers=2, PROCTOR_SLOTS="1") as svc:
        queue = Queue(svc.queue, connection=Redis.from_url(svc.redis_url))
        started = StartedJobRegistry(queue=queue)
        with svc.client(timeout=300, retries=0) as client:
            thread, box = in_background(lambda: client.score_many([sleepy(0.4) for _ in range(16)]))
            wait_for(lambda: started.count >= 2, what="both workers busy")
            svc.workers[0].send_signal(signal.SIGKILL)
            thread.join(240)
        results = box["value"]
        assert len(results) == 16
        assert [r.category for r in results] == ["passed"] * 16  # the lost chunk was retried elsewhere
        assert FailedJobRegistry(queue=queue).count == 0
        finished = FinishedJobRegistry(queue=queue)
        assert finished.count >= 1
        job = queue.fetch_job(finished.get_job_ids()[0])
        assert all(item["category"] == "passed" for item in job.return_value())
        # The retried chunk's submissions are removed once its last reply is out.
        wait_for(lambda: chunks_left(svc) == [], timeout=10, what="no chunk left in Redis")


def test_a_job_whose_worker_dies_twice_is_an_explicit_error(redis_server):
    with running_service(redis_server, workers=1, PROCTOR_SLOTS="1") as svc:
        queue = Queue(svc.queue, connection=Redis.from_url(svc.redis_url))
        started = StartedJobRegistry(queue=queue)
        spares: list[subprocess.Popen] = []

        def start_spare() -> subprocess.Popen:
            spares.append(subprocess.Popen([sys.executable, "-m", "proctor.cli", "worker"], env=svc.env))
            return spares[-1]

        def runs_on(proc: subprocess.Popen, job_id: str) -> bool:
            job = queue.fetch_job(job_id)
            return job.get_status() == "started" and job.worker_name.startswith(f"{socket.gethostname()}.{proc.pid}.")

        try:
            thread, box = in_background(lambda: httpx.post(f"{svc.url}/v1/score", json=sleepy(20), timeout=300))
            wait_for(lambda: started.count == 1, what="the job to start")
            (job_id,) = started.get_job_ids()
            svc.workers[0].send_signal(signal.SIGKILL)
            spare = start_spare()
            wait_for(lambda: runs_on(spare, job_id), what="the retry to start on the new worker")
            spare.send_signal(signal.SIGKILL)  # second death: no retry left
            start_spare()
            thread.join(120)
            response = box["value"]
            assert response.status_code == 503, response.text
            assert response.json()["error"]["code"] == "worker_lost"
            assert "category" not in response.json()
            failed = FailedJobRegistry(queue=queue)
            wait_for(lambda: failed.get_job_ids() == [job_id], timeout=10, what="the job in FailedJobRegistry")
            wait_for(lambda: chunks_left(svc) == [], timeout=10, what="the lost chunk removed once reported")
        finally:
            for proc in spares:
                proc.kill()
                proc.wait()


def test_the_queue_bound_counts_rq_jobs_not_submissions(redis_server):
    """`PROCTOR_QUEUE_MAX` bounds queued RQ jobs: a batch that becomes one job fits a bound of one,
    and while one job waits behind a running one, the next request gets 429 queue_full."""
    with running_service(redis_server, workers=1, PROCTOR_SLOTS="1", PROCTOR_QUEUE_MAX="1") as svc:
        queue = Queue(svc.queue, connection=Redis.from_url(svc.redis_url))
        with svc.client(timeout=120, retries=0) as client:
            batch = [{"code": f"x = {i}\n", "tests": [{"kind": "assert", "code": f"assert x=={i}"}]} for i in range(4)]
            assert [r.category for r in client.score_many(batch)] == ["passed"] * 4
            running, _ = in_background(lambda: client.score_many([sleepy(3)]))
            wait_for(lambda: StartedJobRegistry(queue=queue).count == 1, what="the sleeper running")
            waiting, _ = in_background(lambda: client.score_many([sleepy(0.1)]))
            wait_for(lambda: queue.count == 1, what="a job waiting behind it")
            response = httpx.post(f"{svc.url}/v1/score", json=batch[0] | {"cache": False}, timeout=30)
            assert response.status_code == 429, response.text
            assert response.json()["error"]["code"] == "queue_full"
            running.join(60)
            waiting.join(60)


def test_a_killed_workers_sandboxes_end_with_it(redis_server):
    """No cleanup code runs in a SIGKILLed worker: its sandboxes must end by themselves (their
    supervisor sees its socket close), not linger holding memory."""
    engine = docker.from_env()

    def sandboxes() -> list:
        return engine.containers.list(filters={"label": f"proctor.queue={svc.queue}"})

    with running_service(redis_server, workers=1, PROCTOR_SLOTS="2") as svc:
        wait_for(lambda: len(sandboxes()) == 2, what="the worker's two sandboxes")
        svc.workers[0].send_signal(signal.SIGKILL)
        wait_for(lambda: not sandboxes(), timeout=30, what="the sandboxes to end")


def test_a_worker_refreshes_its_key_by_default_at_most_once_a_second(redis_server):
    """RQ's default refreshes within a second of the last one are skipped (they cost every job
    round trips, one between taking it and starting it); a refresh with a job's TTL always goes,
    and so does the default one after it, so the key never keeps the job's short TTL."""
    connection = Redis.from_url(redis_server.url)
    worker = ProctorWorker([Queue("heartbeat-test", connection=connection)], connection=connection, worker_ttl=18)
    try:

        def beat() -> tuple[bytes, int]:
            return connection.hget(worker.key, "last_heartbeat"), connection.ttl(worker.key)

        worker.heartbeat()
        first = beat()
        worker.heartbeat()
        assert beat() == first and first[1] > 60  # skipped: the default TTL (worker_ttl + 60 s) stands
        with connection.pipeline() as pipe:
            worker.heartbeat(6, pipeline=pipe)
            pipe.execute()
        assert 0 < beat()[1] <= 6
        worker.heartbeat()
        assert beat()[0] != first[0] and beat()[1] > 60
    finally:
        connection.delete(worker.key, worker.executions_key)
