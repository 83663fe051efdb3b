"""Every hostile program gets its exact verdict under runc and gVisor, with its tests in one
process (`job` isolation) or one process each (`test`), leaks nothing, and the next ordinary job
still passes."""

import json
from urllib.parse import urlparse

import pytest

from tests.hostile.cases import CASES
from tests.hostile.conftest import SECRET

LIMITS = {"time_s": 4, "test_time_s": 1, "memory_mb": 128, "output_kb": 64}


def fill(text: str, sandboxed) -> str:
    return (
        text.replace("GATEWAY_PORT", str(urlparse(sandboxed.service.url).port))
        .replace("REDIS_PORT", str(sandboxed.service.redis_port))
        .replace("SECRET_VALUE", SECRET)
    )


def test_the_suite_is_large_enough():
    assert len(CASES) >= 40 and len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("isolation", ["job", "test"])
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_program(sandboxed, case, isolation):
    tests = json.loads(fill(json.dumps(case.tests), sandboxed))
    limits = {**LIMITS, **case.limits}
    result = sandboxed.score(fill(case.code, sandboxed), tests, limits=limits, isolation=isolation)
    statuses = tuple(test.status for test in result.tests)
    assert statuses in case.allowed(sandboxed.runtime), [t.error for t in result.tests]
    shown = [{k: v for k, v in test.items() if k != "expected"} for test in result.raw["tests"]]
    assert SECRET not in json.dumps(shown)
    sandboxed.assert_still_serving()
