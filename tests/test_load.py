"""A busy service: work spreads over every worker process, and the load never becomes a verdict."""

import os
import time
import uuid

from redis import Redis
from rq import Queue
from rq.registry import FinishedJobRegistry, StartedJobRegistry

from tests.conftest import running_service
from tests.test_worker_faults import in_background, wait_for

ADD = "def add(a, b):\n    return a + b\n"
# Runs until the test's own process has used `seconds` of CPU, however long that takes.
BURN = (
    "import time\n"
    "def burn(seconds):\n"
    "    start = time.process_time()\n"
    "    while time.process_time() - start < seconds:\n"
    "        pass\n"
    "    return True\n"
)


def test_each_worker_process_takes_a_share_of_a_batch(redis_server):
    """Every RQ thread of every process waits on one Redis list, which hands jobs to whoever has
    waited longest: a batch's chunks all went to the threads of one process, round after round,
    while the other process's sandboxes idled."""
    with running_service(redis_server, workers=2, PROCTOR_SLOTS="2") as svc, svc.client(retries=0) as client:
        finished = FinishedJobRegistry(queue=Queue(svc.queue, connection=Redis.from_url(svc.redis_url)))
        for _ in range(3):
            names = workers_of_a_batch(client, finished)
            assert len({name.rsplit(".", 1)[0] for name in names}) == 2, names


def workers_of_a_batch(client, finished: FinishedJobRegistry) -> list[str]:
    """Score a batch of four (two chunks, one per process); the RQ workers that ran its chunks."""
    marker = uuid.uuid4().hex
    tests = [[{"kind": "assert", "code": f"assert add({i}, 1) == {i + 1}"}] for i in range(4)]
    results = client.score_many([{"code": f"{ADD}# {marker}\n", "tests": t} for t in tests])
    assert [r.category for r in results] == ["passed"] * 4
    ids = {r.id for r in results}

    def chunks() -> list:
        jobs = [finished.get_queue().fetch_job(job_id) for job_id in finished.get_job_ids()]
        return [job for job in jobs if job and ids & {item["id"] for item in job.return_value()}]

    # RQ files a job as finished just after its last reply went out.
    wait_for(lambda: len(chunks()) == 2, what="both chunks filed as finished")
    return [job.worker_name for job in chunks()]


def test_waiting_for_a_cpu_is_not_counted_against_a_tests_limit(redis_server):
    """Six busy sandboxes per core: a test that needs 0.25 s of CPU takes about 1.5 s of wall
    time, past its 1 s limit, yet gets the verdict an idle host gives, under either isolation.
    A test that sleeps past the limit still times out: sleeping is not waiting for a CPU. (A
    second test, so that under `job` isolation the two share a fork: a job's lone test gets a
    fork of its own, as under `test`.)"""
    sandboxes = 6 * (os.cpu_count() or 1)
    burn = {
        "code": BURN,
        "tests": [{"kind": "assert", "code": "assert burn(0.25)"}, {"kind": "assert", "code": "assert True"}],
        "limits": {"test_time_s": 1},
        "cache": False,
    }
    sleep = {
        "code": "import time\n",
        "tests": [{"kind": "assert", "code": "time.sleep(3)"}],
        "limits": {"test_time_s": 1},
        "cache": False,
    }
    burns = [{**burn, "isolation": isolation} for isolation in ("job", "test")] * (sandboxes - 1)
    with running_service(redis_server, workers=1, PROCTOR_SLOTS=str(sandboxes)) as svc, svc.client(retries=0) as client:
        results = client.score_many([*burns, sleep, sleep])
    burned = [r.tests[0] for r in results[:-2]]
    assert [t.status for t in burned] == ["passed"] * len(burns), [(t.status, t.time_ms) for t in burned]
    assert max(t.time_ms for t in burned) > 1000  # they did wait: a wall-clock limit would have ended them
    assert [r.tests[0].status for r in results[-2:]] == ["timeout"] * 2


def test_a_sleeping_job_lets_the_next_one_start(redis_server):
    """Only `PROCTOR_STARTING` jobs of a process start at once (here one), each until it ends or
    has run 0.1 s: a job that sleeps then gives its place up, so the next starts beside it."""
    sleeper = "import time\ndef nap():\n    time.sleep(5)\n    return 1\n"
    with running_service(redis_server, workers=1, PROCTOR_SLOTS="2", PROCTOR_STARTING="1") as svc:
        started = StartedJobRegistry(queue=Queue(svc.queue, connection=Redis.from_url(svc.redis_url)))
        with svc.client(retries=0) as client:
            nap = [{"kind": "assert", "code": "assert nap() == 1"}]
            thread, box = in_background(lambda: client.score(sleeper, nap, limits={"test_time_s": 10}, cache=False))
            wait_for(lambda: started.count == 1, what="the sleeper to start")
            time.sleep(0.5)  # well into its nap
            quick = client.score(ADD, [{"kind": "assert", "code": "assert add(1, 2) == 3"}], cache=False)
            assert quick.category == "passed"
            assert thread.is_alive()  # the sleeper is still asleep: the quick job did not wait for it
            thread.join(60)
        assert box["value"].category == "passed"
