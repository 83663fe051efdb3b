"""Infrastructure faults: a killed sandbox, a restarted Redis, a restarted Docker engine.

Every accepted request gets a verdict or an explicit error within its deadline (the HTTP timeout
below is that bound), and the service heals by itself.
"""

import subprocess
import threading
import time
from pathlib import Path

import docker
import httpx
import pytest
from proctor.embedded_redis import EmbeddedRedis

from tests.conftest import running_service

ROOT = Path(__file__).resolve().parents[1]
ADD = "def add(a, b):\n    return a + b\n"
QUICK = {"code": ADD, "tests": [{"kind": "call", "function": "add", "args": [1, 2], "expected": 3}], "cache": False}


def sleepy(seconds: float) -> dict:
    return {**QUICK, "code": f"import time\ntime.sleep({seconds})\n" + ADD, "limits": {"time_s": 20, "test_time_s": 20}}


def submit_in_background(url: str, body: dict, timeout: float) -> tuple[threading.Thread, dict]:
    box: dict = {}

    def call() -> None:
        try:
            box["response"] = httpx.post(f"{url}/v1/score", json=body, timeout=timeout)
        except httpx.HTTPError as exc:  # a hang past the deadline fails the test here
            box["response"] = exc

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread, box


def assert_verdict_or_explicit_error(response) -> None:
    assert isinstance(response, httpx.Response), f"no answer within the deadline: {response!r}"
    body = response.json()
    if response.status_code == 200:
        assert body["category"] == "passed"
    else:
        assert response.status_code == 503 and body["error"]["code"] and "category" not in body


def wait_until_it_scores(url: str, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            response = httpx.post(f"{url}/v1/score", json=QUICK, timeout=30)
            if response.status_code == 200 and response.json()["category"] == "passed":
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the service did not recover within {within} s")


def test_a_killed_sandbox_container_is_retried_on_a_fresh_one(redis_server, docker_engine):
    with running_service(redis_server, workers=1, PROCTOR_SLOTS="1") as svc:
        thread, box = submit_in_background(svc.url, sleepy(1.5), timeout=120)
        time.sleep(0.7)
        victims = docker_engine.containers.list(filters={"label": f"proctor.queue={svc.queue}"})
        assert victims
        for container in victims:
            container.kill()
        thread.join(150)
        response = box["response"]
        assert response.status_code == 200 and response.json()["category"] == "passed"
        wait_until_it_scores(svc.url, within=60)


def test_a_restarted_redis_costs_in_flight_requests_an_error_not_a_hang(tmp_path):
    socket_path = str(tmp_path / "redis.sock")
    redis = EmbeddedRedis(socket_path).start()
    try:
        with running_service(redis, workers=1, PROCTOR_QUEUE_WAIT_S="5") as svc:
            thread, box = submit_in_background(svc.url, sleepy(2), timeout=90)
            time.sleep(0.7)
            redis.stop()
            redis = EmbeddedRedis(socket_path).start()
            thread.join(100)
            assert_verdict_or_explicit_error(box["response"])
            wait_until_it_scores(svc.url, within=60)
    finally:
        redis.stop()


@pytest.mark.usefixtures("service")
def test_a_restarted_docker_engine_costs_an_error_not_a_hang(redis_server):
    with running_service(redis_server, workers=1, PROCTOR_SLOTS="1") as svc:
        thread, box = submit_in_background(svc.url, sleepy(2), timeout=150)
        time.sleep(0.7)
        pid = int(Path("/var/run/docker.pid").read_text())
        subprocess.run(["kill", "-TERM", str(pid)], check=True)
        while Path(f"/proc/{pid}").exists():
            time.sleep(0.2)
        subprocess.run(["bash", str(ROOT / "scripts/setup-host.sh")], check=True, capture_output=True)
        docker.from_env().ping()
        thread.join(160)
        assert_verdict_or_explicit_error(box["response"])
        wait_until_it_scores(svc.url, within=90)
