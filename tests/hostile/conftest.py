"""The hostile suite runs every program under both container runtimes: runc and gVisor (runsc).

Each runtime gets one private service with a single worker and a single sandbox, so consecutive
jobs land in the same (reused) container whenever it is kept: the strongest test of isolation.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from proctor_client import ProctorClient

from tests.conftest import Service, running_service

SECRET = f"hostile-secret-{uuid.uuid4().hex}"
ORDINARY = ("def add(a, b):\n    return a + b\n", [{"kind": "call", "function": "add", "args": [2, 3], "expected": 5}])


@dataclass
class Sandboxed:
    runtime: str
    service: Service
    client: ProctorClient

    def score(self, code: str, tests: list[dict], **kwargs):
        return self.client.score(code, tests, **kwargs)

    def assert_still_serving(self) -> None:
        """The next ordinary job after a hostile one still gets its honest verdict."""
        result = self.client.score(*ORDINARY, cache=False)
        assert result.category == "passed", result.tests


@pytest.fixture(scope="session", params=["runc", "runsc"])
def sandboxed(request, redis_server) -> Iterator[Sandboxed]:
    env = {"PROCTOR_RUNTIME": request.param, "PROCTOR_SLOTS": "1", "HOSTILE_SECRET": SECRET}
    with running_service(redis_server, workers=1, **env) as service, service.client(timeout=120, retries=0) as client:
        yield Sandboxed(request.param, service, client)
