"""Fixtures: a real Redis, real Docker sandboxes, real worker and gateway processes.

Nothing here is mocked. `make test` installs and starts Docker and builds the image first; if
Docker is still unreachable the run stops with an error rather than skipping.
"""

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import docker
import pytest
from proctor.embedded_redis import EmbeddedRedis
from proctor.launcher import serving
from proctor_client import ProctorClient

TEST_ENV = {
    "PROCTOR_SLOTS": "2",
    "PROCTOR_MAX_BODY_MB": "4",
    "PROCTOR_MAX_CODE_KB": "256",
    "PROCTOR_MAX_TESTS": "200",
    "PROCTOR_MAX_BATCH": "500",
    "PROCTOR_MAX_MEMORY_MB": "512",
}


@dataclass
class Service:
    url: str
    redis_url: str
    queue: str
    env: dict
    procs: list = field(default_factory=list)
    redis_port: int = 0  # Redis's loopback TCP port (the service itself uses its unix socket)

    @property
    def workers(self) -> list:
        return self.procs[:-1]

    def client(self, **kwargs) -> ProctorClient:
        return ProctorClient(self.url, **kwargs)


@contextmanager
def running_service(redis: EmbeddedRedis, workers: int = 2, **overrides: str) -> Iterator[Service]:
    """Gateway plus `workers` worker processes on their own queue and port."""
    env = {**os.environ, **TEST_ENV, "PROCTOR_REDIS_URL": redis.url}
    env.update({"PROCTOR_QUEUE_NAME": f"test-{uuid.uuid4().hex[:8]}", **overrides})
    with serving(env, workers) as (url, procs):
        yield Service(url, redis.url, env["PROCTOR_QUEUE_NAME"], env, procs, redis.port)


def wait_for(predicate, timeout: float = 60, what: str = "condition") -> None:
    """Poll `predicate` until it holds; fail after `timeout` seconds (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="session", autouse=True)
def docker_engine() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.exit(f"Docker is required and unreachable ({exc}); run the suite with `make test`", returncode=3)
    return client


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis]:
    with EmbeddedRedis() as redis:
        yield redis


@pytest.fixture(scope="session")
def service(redis_server) -> Iterator[Service]:
    with running_service(redis_server) as svc:
        yield svc


@pytest.fixture
def client(service) -> Iterator[ProctorClient]:
    with service.client(retries=0) as c:
        yield c
