"""Health, readiness, info, metrics, the OpenAPI document and API keys."""

import os

import httpx
import pytest

from tests.conftest import running_service

ASSERT_OK = {"code": "x = 1\n", "tests": [{"kind": "assert", "code": "assert x == 1"}]}


def get(service, path, **kwargs):
    return httpx.get(f"{service.url}{path}", timeout=10, **kwargs)


def test_health_and_readiness(service):
    assert get(service, "/healthz").status_code == 200
    ready = get(service, "/readyz")
    assert ready.status_code == 200 and ready.json()["workers"] == 2


def test_info_lists_languages_limits_and_workers(service):
    info = get(service, "/v1/info").json()
    assert info["languages"]["python"]["version"].startswith("Python 3.")
    assert info["languages"]["python"]["image"] == os.environ.get("PROCTOR_IMAGE", "proctor-python:latest")
    assert info["limits"]["maxima"]["memory_mb"] == 512
    assert len(info["workers"]) == 2 and all(w["slots"] == 2 for w in info["workers"])


def test_limits_are_clamped_to_the_maxima(client):
    code = "def hog():\n    return bytearray(700 * 1024 * 1024)\n"
    result = client.score(code, [{"kind": "assert", "code": "hog()"}], limits={"memory_mb": 100_000})
    assert result.tests[0].status == "memory_limit"


def test_metrics_count_requests_and_verdicts(service, client):
    client.score(**{k: v for k, v in ASSERT_OK.items()})
    text = get(service, "/metrics").text
    assert 'proctor_http_requests_total{route="/v1/score",status="200"}' in text
    assert 'proctor_verdicts_total{category="passed"}' in text
    assert "proctor_queue_depth" in text and "proctor_workers 2.0" in text
    assert "proctor_http_request_seconds_bucket" in text


def test_openapi_matches_the_contract(service):
    spec = get(service, "/openapi.json").json()
    for path in ("/v1/score", "/v1/score/batch", "/healthz", "/readyz", "/v1/info", "/metrics"):
        assert path in spec["paths"]
    schemas = spec["components"]["schemas"]
    assert {
        "language",
        "code",
        "tests",
        "limits",
        "stop_on_first_failure",
        "reward",
        "timing_repeats",
    } <= set(schemas["ScoreRequest"]["properties"])
    assert {
        "id",
        "category",
        "passed",
        "total",
        "pass_rate",
        "reward",
        "compile",
        "tests",
        "timing",
        "peak_memory_kb",
        "cached",
    } <= set(schemas["ScoreResponse"]["properties"])
    assert set(schemas["Limits"]["properties"]) == {"time_s", "test_time_s", "memory_mb", "output_kb"}
    assert set(schemas["CallTest"]["properties"]) == {"kind", "function", "args", "kwargs", "expected"}


def test_no_worker_means_503_not_a_verdict(redis_server):
    with running_service(redis_server, workers=0) as lonely:
        assert httpx.get(f"{lonely.url}/readyz").status_code == 503
        response = httpx.post(f"{lonely.url}/v1/score", json=ASSERT_OK, timeout=10)
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "sandbox_unavailable" and error["retry_after_s"] > 0
        assert "category" not in response.json()


def test_api_keys_guard_every_v1_route(redis_server, service):
    """A second gateway with keys, sharing the first one's Redis, queue and workers."""
    with running_service(
        redis_server, workers=0, PROCTOR_API_KEYS="k1,k2", PROCTOR_QUEUE_NAME=service.queue
    ) as guarded:
        for path in ("/v1/score", "/v1/score/batch"):
            response = httpx.post(f"{guarded.url}{path}", json=ASSERT_OK, timeout=10)
            assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
        assert httpx.get(f"{guarded.url}/v1/info").status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert httpx.post(f"{guarded.url}/v1/score", json=ASSERT_OK, headers=wrong).status_code == 401
        ok = httpx.post(f"{guarded.url}/v1/score", json=ASSERT_OK, headers={"Authorization": "Bearer k2"}, timeout=30)
        assert ok.status_code == 200 and ok.json()["category"] == "passed"
        assert httpx.get(f"{guarded.url}/healthz").status_code == 200


@pytest.mark.parametrize("path", ["/v1/nope", "/v2/score"])
def test_unknown_routes_use_the_error_body(service, path):
    response = httpx.post(f"{service.url}{path}", json={})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_rate_limit_is_per_key_and_answers_429(redis_server, service):
    with running_service(
        redis_server,
        workers=0,
        PROCTOR_API_KEYS="k1,k2",
        PROCTOR_RATE_LIMIT_PER_MIN="3",
        PROCTOR_QUEUE_NAME=service.queue,
    ) as limited:

        def score(key: str, body: dict = ASSERT_OK, path: str = "/v1/score") -> httpx.Response:
            return httpx.post(f"{limited.url}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=30)

        assert [score("k1").status_code for _ in range(3)] == [200, 200, 200]
        refused = score("k1")
        assert refused.status_code == 429
        error = refused.json()["error"]
        assert error["code"] == "rate_limited" and 0 < error["retry_after_s"] <= 60
        assert refused.headers["Retry-After"]
        assert score("k2").status_code == 200  # another key has its own budget
        batch = {"submissions": [ASSERT_OK] * 3}
        assert score("k2", batch, "/v1/score/batch").status_code == 429  # a batch counts each submission
