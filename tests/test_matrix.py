"""POST /v1/matrix against the real service: every code against every test, each cell on its own."""

import httpx
import pytest

from tests.conftest import running_service
from tests.planted import FAST

# Every call leaves traces (a file, a module-level list) and some inputs crash or hang, so a cell
# that saw another cell's state or fate would not return its own input.
STATEFUL = """import os

calls = []


def echo(x):
    if os.path.exists("/tmp/seen"):
        return "saw another cell's file"
    open("/tmp/seen", "w").close()
    calls.append(x)
    if x == 2:
        os._exit(1)
    while x == 3:
        pass
    return x if len(calls) == 1 else "saw another cell's call"
"""
PLAIN = "def echo(x):\n    return x\n"
ECHO_TESTS = [{"kind": "call", "function": "echo", "args": [x], "expected": x} for x in (1, 2, 3, 3, 4, 5)]
TIGHT = {"time_s": 0.8, "test_time_s": 0.4}  # the two hanging cells use up the whole budget of a submission
ADD_TESTS = [{"kind": "assert", "code": "assert sum_squares(2) == 5"}]


def post(service, path: str, body: dict, timeout: float = 120) -> httpx.Response:
    return httpx.post(f"{service.url}{path}", json=body, timeout=timeout)


def test_cells_are_isolated_from_each_others_state_crash_and_timeout(service):
    body = {"codes": [STATEFUL, PLAIN, "def echo(x) return x"], "tests": ECHO_TESTS, "limits": TIGHT}
    response = post(service, "/v1/matrix", body)
    assert response.status_code == 200, response.text
    matrix = response.json()
    assert matrix["compile_ok"] == [True, True, False]
    assert matrix["status"][0] == ["passed", "error", "timeout", "timeout", "passed", "passed"]
    assert matrix["status"][1] == ["passed"] * 6
    assert matrix["status"][2] == ["skipped"] * 6
    for name in ("time_ms", "cpu_ms", "cpu_spread", "cpu_ref", "cpu_ref_spread", "timing_runs"):
        assert [len(row) for row in matrix[name]] == [6, 6, 6]
    assert all(t > 0 for t in matrix["time_ms"][1]) and all(c > 0 for c in matrix["cpu_ms"][1])


def test_a_slow_cell_does_not_eat_the_budget_of_the_cells_after_it(client):
    """The same submission through /v1/score (a fresh process per test, as the matrix runs cells)
    cuts the cells after the two hanging ones; the matrix runs them again on a fresh budget, so
    they get their own result."""
    scored = client.score(STATEFUL, ECHO_TESTS, limits=TIGHT, isolation="test")
    assert [t.status for t in scored.tests][4:] == ["timeout", "timeout"]
    matrix = client.matrix([STATEFUL], ECHO_TESTS, limits=TIGHT)
    assert matrix["status"][0][4:] == ["passed", "passed"]


def test_timing_repeats_report_median_cpu_and_spread(client):
    tests = [{"kind": "assert", "code": "assert sum_squares(3) == 14"}, {"kind": "assert", "code": "assert False"}]
    matrix = client.matrix([FAST], tests, timing_repeats=3)
    assert matrix["status"] == [["passed", "failed"]]
    assert matrix["timing_runs"] == [[3, None]]  # only a passing cell is timed again
    assert matrix["cpu_spread"][0][0] is not None and matrix["cpu_spread"][0][1] is None
    assert matrix["cpu_ref"][0][0] > 0 and matrix["cpu_ref"][0][1] is None


def test_an_infrastructure_failure_fails_the_whole_matrix(redis_server):
    """Every item misses its queue deadline here; the answer is the item's HTTP error, not a row of
    failed cells. (The routes need the API key like every /v1 route.)"""
    body = {"codes": [FAST, PLAIN], "tests": ADD_TESTS}
    key = {"Authorization": "Bearer k1"}
    env = {"PROCTOR_SLOTS": "1", "PROCTOR_QUEUE_WAIT_S": "0", "PROCTOR_API_KEYS": "k1"}
    with running_service(redis_server, workers=1, **env) as svc:
        assert httpx.post(f"{svc.url}/v1/matrix", json=body, timeout=30).status_code == 401
        assert httpx.post(f"{svc.url}/v1/rank", json={**body, "method": "rrtf"}, timeout=30).status_code == 401
        response = httpx.post(f"{svc.url}/v1/matrix", json=body, headers=key, timeout=120)
        ranked = httpx.post(f"{svc.url}/v1/rank", json={**body, "method": "codedpo"}, headers=key, timeout=120)
    for answer in (response, ranked):
        assert answer.status_code == 503, answer.text
        error = answer.json()["error"]
        assert error["code"] == "deadline_exceeded" and error["message"].startswith("code ")
        assert error["retry_after_s"] > 0


GOOD = {"codes": [FAST], "tests": ADD_TESTS}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"tests": ADD_TESTS}, 422, "codes"),
        ({**GOOD, "codes": []}, 422, "codes"),
        ({**GOOD, "codes": [FAST, 7]}, 422, "codes.1"),
        ({**GOOD, "tests": []}, 422, "tests"),
        ({**GOOD, "tests": [{"kind": "fuzz"}]}, 422, "tests.0.kind"),
        ({**GOOD, "language": "cobol"}, 422, "language"),
        ({**GOOD, "timing_repeats": 0}, 422, "timing_repeats"),
        ({**GOOD, "limits": {"time_s": -1}}, 422, "limits.time_s"),
        ({**GOOD, "method": "codedpo"}, 422, "method"),
        ({**GOOD, "codes": [FAST, "x" * 300 * 1024]}, 413, "codes.1"),
        ({**GOOD, "codes": [FAST] * 501}, 413, "codes"),
        ({**GOOD, "tests": ADD_TESTS * 201}, 413, "tests"),
    ],
)
def test_invalid_matrix_requests_name_the_field(service, body, status, field):
    response = post(service, "/v1/matrix", body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["field"] == field


def _cache_hits(service) -> float:
    metrics = httpx.get(f"{service.url}/metrics").text
    lines = [line for line in metrics.splitlines() if line.startswith('proctor_cache_total{outcome="hit"}')]
    return float(lines[0].split()[-1]) if lines else 0.0


@pytest.mark.parametrize("path", ["/v1/matrix", "/v1/rank"])
def test_cache_false_runs_every_code_again(service, path):
    body = {"codes": [PLAIN + f"# {path} cache\n", PLAIN + "# other\n"], "tests": ECHO_TESTS[:1]}
    if path == "/v1/rank":
        body.update(method="codedpo", timing_repeats=2)
    assert post(service, path, body).status_code == 200
    before = _cache_hits(service)
    assert post(service, path, {**body, "cache": False}).status_code == 200
    assert _cache_hits(service) == before
    assert post(service, path, body).status_code == 200
    assert _cache_hits(service) == before + 2
