"""Hostile requests: the gateway answers each with a clear error and keeps serving."""

import httpx
import pytest

GOOD = {"code": "x = 1\n", "tests": [{"kind": "assert", "code": "assert x == 1"}]}


def post(service, content: bytes, path: str = "/v1/score") -> httpx.Response:
    return httpx.post(f"{service.url}{path}", content=content, headers={"content-type": "application/json"}, timeout=60)


@pytest.mark.parametrize("depth", [1_000, 200_000])
def test_deeply_nested_json_is_refused(service, depth):
    nested = b"[" * depth + b"]" * depth
    body = b'{"code": "x = 1", "tests": [{"kind": "call", "function": "f", "expected": ' + nested + b"}]}"
    response = post(service, body)
    assert response.status_code in (400, 422), response.text[:300]
    assert response.json()["error"]["field"]
    assert httpx.post(f"{service.url}/v1/score", json=GOOD, timeout=30).json()["category"] == "passed"


def test_a_hundred_thousand_tests_is_413(service):
    body = httpx.Request("POST", "/", json={**GOOD, "tests": GOOD["tests"] * 100_000}).content
    response = post(service, body)
    assert response.status_code == 413
    assert response.json()["error"]["field"] in ("body", "tests")


def test_invalid_utf8_inside_strings_is_400(service):
    response = post(service, b'{"code": "x = \xff\xfe", "tests": [{"kind": "assert", "code": "pass"}]}')
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_json"


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b"null",
        b'"code"',
        b'{"code": ["x"], "tests": {}}',
        b'{"code": "x", "tests": [{"kind": "call", "function": "f", "args": "no", "expected": 1}]}',
        b'{"code": "x", "tests": [{"kind": "assert", "code": "pass"}], "limits": {"time_s": "1e999"}}',
        b'{"code": "x", "tests": [{"kind": "assert", "code": "pass"}], "timing_repeats": 1e300}',
        b'{"code": "x", "tests": [{"kind": "assert", "code": "pass"}], "limits": {"memory_mb": NaN}}',
    ],
)
def test_wrong_shapes_and_types_are_422(service, body):
    response = post(service, body)
    assert response.status_code in (400, 422), response.text[:300]
    assert response.json()["error"]["code"] in ("invalid_json", "invalid_request")
