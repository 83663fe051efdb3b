"""Unit tests of the client's parsing and retry logic, against httpx.MockTransport (no server)."""

from __future__ import annotations

import asyncio
import json
import pickle
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

import proctor_client
from proctor_client import (
    AsyncProctorClient,
    CompileInfo,
    ErrorInfo,
    ProctorClient,
    ProctorError,
    ProctorHTTPError,
    ProctorUnavailable,
    ScoreResult,
    TestResult,
    Timing,
    _core,
)

# The response example from API.md, verbatim.
API_EXAMPLE: dict[str, Any] = {
    "id": "…",
    "category": "partial",
    "passed": 2,
    "total": 3,
    "pass_rate": 0.6667,
    "reward": 0.6667,
    "compile": {"ok": True, "error": None},
    "tests": [
        {"status": "passed", "time_ms": 0.4},
        {"status": "failed", "time_ms": 0.3, "expected": 4, "actual": 5},
        {
            "status": "error",
            "time_ms": 0.9,
            "error": {"type": "ValueError", "message": "…", "line": 7},
            "stderr": "…",
        },
    ],
    "timing": {"queue_ms": 1.2, "run_ms": 3.4, "total_ms": 6.1},
    "peak_memory_kb": 10240,
    "cached": False,
}

TESTS = [
    {"kind": "assert", "code": "assert add(1, 2) == 3"},
    {"kind": "call", "function": "add", "args": [2, 2], "kwargs": {}, "expected": 4},
    {"kind": "stdio", "stdin": "1 2\n", "stdout": "3\n"},
]
CODE = "def add(a, b):\n    return a + b\n"


def score_json(category: str = "passed", **over: Any) -> dict[str, Any]:
    body = {
        "id": "x",
        "category": category,
        "passed": 1,
        "total": 1,
        "pass_rate": 1.0,
        "reward": 1.0,
        "tests": [{"status": "passed", "time_ms": 0.1}],
    }
    body.update(over)
    return body


def error_json(code: str, message: str = "m", **more: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **more}}


Responder = Callable[[httpx.Request], httpx.Response]


class Script:
    """A MockTransport handler that plays back responses (or raises) in order."""

    def __init__(self, *steps: httpx.Response | Exception | Responder) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return step(request)


def sync_client(script: Script, **kw: Any) -> tuple[ProctorClient, list[float]]:
    client = ProctorClient(transport=httpx.MockTransport(script), **kw)
    delays: list[float] = []
    client._sleep = delays.append
    return client, delays


def async_client(script: Script, **kw: Any) -> tuple[AsyncProctorClient, list[float]]:
    client = AsyncProctorClient(transport=httpx.MockTransport(script), **kw)
    delays: list[float] = []

    async def record(delay: float) -> None:
        delays.append(delay)

    client._sleep = record
    return client, delays


# --------------------------------------------------------------------------- parsing


def test_parse_full_api_example() -> None:
    r = ScoreResult.from_dict(API_EXAMPLE)
    assert (r.id, r.category, r.passed, r.total) == ("…", "partial", 2, 3)
    assert r.pass_rate == pytest.approx(0.6667)
    assert r.reward == pytest.approx(0.6667)
    assert r.compile == CompileInfo(ok=True, error=None)
    assert r.timing == Timing(queue_ms=1.2, run_ms=3.4, total_ms=6.1)
    assert r.peak_memory_kb == 10240
    assert r.cached is False
    assert [t.status for t in r.tests] == ["passed", "failed", "error"]
    assert r.tests[0].passed and r.tests[0].error is None
    assert (r.tests[1].expected, r.tests[1].actual) == (4, 5)
    assert r.tests[2].error == ErrorInfo(type="ValueError", message="…", line=7)
    assert r.tests[2].stderr == "…"
    assert r.raw == API_EXAMPLE


def test_unknown_fields_are_ignored_but_kept() -> None:
    data = json.loads(json.dumps(API_EXAMPLE))
    data["new_top_level"] = {"x": 1}
    data["timing"]["sandbox_ms"] = 9.9
    data["compile"]["duration_ms"] = 3
    data["tests"][0]["cpu_ms"] = 0.2
    data["tests"][2]["error"]["traceback"] = "…"
    r = ScoreResult.from_dict(data)
    assert r.raw["new_top_level"] == {"x": 1}
    assert r.tests[0].extra == {"cpu_ms": 0.2}
    assert r.tests[2].error == ErrorInfo(type="ValueError", message="…", line=7)
    assert r == ScoreResult.from_dict(API_EXAMPLE)  # raw is not part of equality


def test_missing_optional_fields_tolerated() -> None:
    r = ScoreResult.from_dict({"category": "compile_error", "passed": 0, "total": 2, "reward": 0})
    assert r.tests == [] and r.compile.ok and r.timing == Timing()
    assert r.pass_rate == 0.0 and r.peak_memory_kb is None and r.cached is False
    t = TestResult.from_dict({"status": "skipped"})
    assert t.time_ms is None and t.error is None and t.extra == {}
    c = CompileInfo.from_dict({"ok": False, "error": "SyntaxError: invalid syntax"})
    assert c == CompileInfo(ok=False, error=ErrorInfo(message="SyntaxError: invalid syntax"))


@pytest.mark.parametrize(
    "bad",
    [
        {"passed": 1, "total": 1, "reward": 1},  # no category
        {"category": "passed", "passed": "x", "total": 1, "reward": 1},
        {"category": "passed", "passed": 1, "total": 1, "reward": 1, "tests": [{}]},
        [],
    ],
)
def test_malformed_score_raises_proctor_error(bad: Any) -> None:
    with pytest.raises(ProctorError, match="malformed"):
        ScoreResult.from_dict(bad)


def test_error_body_to_exception() -> None:
    err = _core.error_from_response(
        422,
        json.dumps(error_json("invalid_field", "unknown kind", field="tests[1].kind")).encode(),
        httpx.Headers(),
    )
    assert isinstance(err, ProctorHTTPError) and not isinstance(err, ProctorUnavailable)
    assert (err.status_code, err.code, err.field) == (422, "invalid_field", "tests[1].kind")
    assert err.message == "unknown kind" and err.retry_after_s is None and not err.retryable
    assert "422" in str(err) and "tests[1].kind" in str(err)


def test_error_body_fallbacks() -> None:
    fastapi = {"detail": [{"loc": ["body", "tests", 0], "msg": "bad", "type": "missing"}]}
    err = _core.error_from_response(422, json.dumps(fastapi).encode(), httpx.Headers())
    assert (err.field, err.message, err.code) == ("tests.0", "bad", "missing")
    err = _core.error_from_response(502, b"<html>Bad Gateway</html>", httpx.Headers())
    assert err.status_code == 502 and "Bad Gateway" in err.message
    err = _core.error_from_response(503, b"", httpx.Headers({"Retry-After": "4"}))
    assert err.retry_after_s == 4.0 and err.retryable


def test_retry_after_header_forms() -> None:
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    later = format_datetime(now + timedelta(seconds=30), usegmt=True)
    assert _core.parse_retry_after(later, now=now) == pytest.approx(30.0)
    assert _core.parse_retry_after("2.5") == 2.5
    assert _core.parse_retry_after("-3") == 0.0
    assert _core.parse_retry_after("soon") is None
    assert _core.parse_retry_after(None) is None


def test_errors_pickle() -> None:
    err = ProctorUnavailable("busy", status_code=503, code="queue_full", retry_after_s=1.0)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is ProctorUnavailable
    assert (back.status_code, back.code, back.retry_after_s) == (503, "queue_full", 1.0)


# --------------------------------------------------------------------------- backoff


def test_backoff_is_exponential_jittered_capped_and_floored() -> None:
    lo = [_core.backoff_delay(a, 0.2, rand=lambda: 0.0) for a in range(4)]
    hi = [_core.backoff_delay(a, 0.2, rand=lambda: 0.999999) for a in range(4)]
    assert lo == pytest.approx([0.1, 0.2, 0.4, 0.8])
    assert hi == pytest.approx([0.2, 0.4, 0.8, 1.6], rel=1e-5)
    assert _core.backoff_delay(50, 1.0, rand=lambda: 1.0) == _core.MAX_BACKOFF_S
    assert _core.backoff_delay(0, 0.2, retry_after_s=2.0) == 2.0


# --------------------------------------------------------------------------- requests


def test_score_request_and_response() -> None:
    script = Script(httpx.Response(200, json=API_EXAMPLE))
    client, delays = sync_client(script, api_key="sekret", base_url="http://proctor:9000/")
    with client:
        r = client.score(CODE, TESTS, reward="rltf", limits={"time_s": 5}, seed=7)
    assert r.category == "partial" and delays == []
    (req,) = script.requests
    assert req.method == "POST" and str(req.url) == "http://proctor:9000/v1/score"
    assert req.headers["authorization"] == "Bearer sekret"
    assert req.headers["content-type"] == "application/json"
    assert req.headers["user-agent"].startswith("proctor-client/")
    assert json.loads(req.content) == {
        "language": "python",
        "code": CODE,
        "tests": TESTS,
        "stop_on_first_failure": False,
        "reward": "rltf",
        "timing_repeats": 1,
        "limits": {"time_s": 5},
        "seed": 7,
    }


def test_no_limits_key_and_no_auth_by_default() -> None:
    script = Script(httpx.Response(200, json=score_json()))
    client, _ = sync_client(script)
    client.score(CODE, TESTS[:1])
    (req,) = script.requests
    assert "limits" not in json.loads(req.content)
    assert "authorization" not in req.headers
    assert str(req.url) == "http://127.0.0.1:8000/v1/score"


def test_retry_on_503_honours_retry_after_s() -> None:
    busy = httpx.Response(503, json=error_json("sandbox_unavailable", retry_after_s=1.5))
    script = Script(busy, busy, httpx.Response(200, json=API_EXAMPLE))
    client, delays = sync_client(script, backoff_s=0.01)
    r = client.score(CODE, TESTS)
    assert r.category == "partial"
    assert len(script.requests) == 3
    assert len(delays) == 2 and all(d >= 1.5 for d in delays)
    # Every attempt resends the same body.
    assert len({req.content for req in script.requests}) == 1


def test_retry_on_429_uses_retry_after_header_and_backoff() -> None:
    script = Script(
        httpx.Response(429, headers={"Retry-After": "3"}, json=error_json("rate_limited")),
        httpx.Response(429, json=error_json("rate_limited")),  # no hint: plain backoff
        httpx.Response(200, json=score_json()),
    )
    client, delays = sync_client(script, backoff_s=0.2)
    client.score(CODE, TESTS)
    assert delays[0] >= 3.0
    assert 0.2 <= delays[1] < 0.4  # attempt 1: 0.2 * 2 * [0.5, 1)


def test_retries_exhausted_raise_unavailable() -> None:
    script = Script(httpx.Response(503, json=error_json("queue_full", retry_after_s=0.5)))
    client, delays = sync_client(script, retries=2)
    with pytest.raises(ProctorUnavailable) as info:
        client.score(CODE, TESTS)
    assert len(script.requests) == 3 and len(delays) == 2
    err = info.value
    assert (err.status_code, err.code, err.retry_after_s) == (503, "queue_full", 0.5)
    assert "3 attempts" in err.message


def test_no_retry_on_422() -> None:
    body = error_json("validation_error", "tests must not be empty", field="tests")
    script = Script(httpx.Response(422, json=body))
    client, delays = sync_client(script)
    with pytest.raises(ProctorHTTPError) as info:
        client.score(CODE, [])
    assert not isinstance(info.value, ProctorUnavailable)
    assert (info.value.status_code, info.value.field) == (422, "tests")
    assert len(script.requests) == 1 and delays == []


@pytest.mark.parametrize("status", [400, 401, 404, 413, 500])
def test_other_errors_not_retried(status: int) -> None:
    script = Script(httpx.Response(status, json=error_json("nope")))
    client, delays = sync_client(script)
    with pytest.raises(ProctorHTTPError) as info:
        client.score(CODE, TESTS)
    assert info.value.status_code == status and info.value.code == "nope"
    assert len(script.requests) == 1 and delays == []


def test_connection_errors_retried_then_succeed() -> None:
    script = Script(
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json=score_json()),
    )
    client, delays = sync_client(script)
    assert client.score(CODE, TESTS).category == "passed"
    assert len(delays) == 2


def test_connection_errors_exhausted_raise_unavailable() -> None:
    script = Script(httpx.ConnectError("refused"))
    client, delays = sync_client(script, retries=1)
    with pytest.raises(ProctorUnavailable) as info:
        client.score(CODE, TESTS)
    assert info.value.code == "connection_error" and info.value.status_code is None
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert len(script.requests) == 2 and len(delays) == 1


def test_non_json_success_is_an_error_not_a_score() -> None:
    client, _ = sync_client(Script(httpx.Response(200, text="oops")))
    with pytest.raises(ProctorError, match="not JSON"):
        client.score(CODE, TESTS)


# --------------------------------------------------------------------------- batch


def test_batch_with_one_error_item() -> None:
    results = [
        score_json("passed"),
        error_json("sandbox_unavailable", "worker died", retry_after_s=2),
        score_json("wrong_answer", passed=0, pass_rate=0.0, reward=0.0),
    ]
    script = Script(httpx.Response(200, json={"results": results}))
    client, _ = sync_client(script)
    subs = [{"code": CODE, "tests": TESTS} for _ in range(3)]
    out = client.score_many(subs)
    assert json.loads(script.requests[0].content) == {"submissions": subs}
    assert script.requests[0].url.path == "/v1/score/batch"
    assert isinstance(out[0], ScoreResult) and out[0].category == "passed"
    assert isinstance(out[1], ProctorHTTPError)
    assert (out[1].code, out[1].retry_after_s, out[1].status_code) == (
        "sandbox_unavailable",
        2.0,
        None,
    )
    assert out[1].retryable
    assert isinstance(out[2], ScoreResult) and out[2].reward == 0.0


def test_batch_length_mismatch_and_empty() -> None:
    client, _ = sync_client(Script(httpx.Response(200, json={"results": [score_json()]})))
    with pytest.raises(ProctorError, match="1 results for 2"):
        client.score_many([{"code": "a", "tests": TESTS}] * 2)
    script = Script(httpx.Response(500))
    client, _ = sync_client(script)
    assert client.score_many([]) == [] and script.requests == []


# --------------------------------------------------------------------------- streaming


def ndjson(*lines: Any) -> httpx.Response:
    text = "".join((json.dumps(x) if not isinstance(x, str) else x) + "\n" for x in lines)
    return httpx.Response(200, headers={"Content-Type": "application/x-ndjson"}, text=text)


def test_ndjson_stream_parsing() -> None:
    script = Script(
        ndjson(
            {"index": 2, **score_json("passed")},
            "",
            {"index": 0, **error_json("deadline_exceeded", retry_after_s=1)},
            {"index": 1, "result": score_json("partial", passed=1, total=2, pass_rate=0.5)},
        )
    )
    client, _ = sync_client(script)
    got = list(client.iter_score_many([{"code": str(i), "tests": TESTS} for i in range(3)]))
    req = script.requests[0]
    assert req.url.path == "/v1/score/batch" and req.url.params["stream"] == "true"
    assert [i for i, _ in got] == [2, 0, 1]
    assert isinstance(got[0][1], ScoreResult) and "index" not in got[0][1].raw
    assert isinstance(got[1][1], ProctorHTTPError) and got[1][1].code == "deadline_exceeded"
    assert isinstance(got[2][1], ScoreResult) and got[2][1].pass_rate == 0.5


def test_stream_cut_short_raises_after_yielding() -> None:
    client, _ = sync_client(Script(ndjson({"index": 1, **score_json()})))
    stream = client.iter_score_many([{"code": "a", "tests": TESTS}] * 3)
    assert next(stream)[0] == 1
    with pytest.raises(ProctorUnavailable) as info:
        next(stream)
    assert info.value.body == {"missing": [0, 2]}


def test_stream_bad_index_raises() -> None:
    client, _ = sync_client(Script(ndjson({"index": 5, **score_json()})))
    with pytest.raises(ProctorError, match="index 5"):
        list(client.iter_score_many([{"code": "a", "tests": TESTS}]))


def test_stream_retries_before_first_item_and_falls_back_to_json() -> None:
    script = Script(
        httpx.Response(503, json=error_json("queue_full", retry_after_s=0.7)),
        httpx.ConnectError("refused"),
        httpx.Response(200, json={"results": [score_json(), score_json("wrong_answer")]}),
    )
    client, delays = sync_client(script)
    got = list(client.iter_score_many([{"code": "a", "tests": TESTS}] * 2))
    assert [(i, r.category) for i, r in got] == [(0, "passed"), (1, "wrong_answer")]
    assert len(delays) == 2 and delays[0] >= 0.7


# --------------------------------------------------------------------------- probes


def test_health_ready_info() -> None:
    def route(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/healthz":
            return httpx.Response(200, json={"status": "ok"})
        if request.url.path == "/readyz":
            return httpx.Response(503, json=error_json("no_workers"))
        return httpx.Response(200, json={"version": "1", "languages": {}})

    client, _ = sync_client(Script(route))
    assert client.health() is True
    assert client.ready() is False
    assert client.info() == {"version": "1", "languages": {}}
    down, _ = sync_client(Script(httpx.ConnectError("refused")))
    assert down.health() is False and down.ready() is False


# --------------------------------------------------------------------------- async


def test_async_client_mirrors_sync() -> None:
    busy = httpx.Response(503, json=error_json("sandbox_unavailable", retry_after_s=1.0))
    script = Script(
        busy,
        httpx.Response(200, json=API_EXAMPLE),
        httpx.Response(200, json={"results": [score_json(), error_json("x")]}),
        ndjson({"index": 0, **score_json()}, {"index": 1, **error_json("y")}),
        httpx.Response(422, json=error_json("bad", field="language")),
    )

    async def main() -> tuple[list[float], list[Any]]:
        client, delays = async_client(script, api_key="k")
        async with client:
            r = await client.score(CODE, TESTS)
            batch = await client.score_many([{"code": "a", "tests": TESTS}] * 2)
            streamed = [
                p async for p in client.iter_score_many([{"code": "a", "tests": TESTS}] * 2)
            ]
            with pytest.raises(ProctorHTTPError) as info:
                await client.score(CODE, TESTS, language="cobol")
        return delays, [r, batch, streamed, info.value]

    delays, (r, batch, streamed, err) = asyncio.run(main())
    assert len(delays) == 1
    assert delays[0] >= 1.0
    assert r == ScoreResult.from_dict(API_EXAMPLE)
    assert isinstance(batch[0], ScoreResult) and isinstance(batch[1], ProctorHTTPError)
    assert [i for i, _ in streamed] == [0, 1] and isinstance(streamed[1][1], ProctorHTTPError)
    assert err.field == "language" and len(script.requests) == 5
    assert all(req.headers["authorization"] == "Bearer k" for req in script.requests)


def test_async_retries_exhausted() -> None:
    script = Script(httpx.ConnectError("refused"))

    async def main() -> list[float]:
        client, delays = async_client(script, retries=2)
        async with client:
            with pytest.raises(ProctorUnavailable):
                await client.score(CODE, TESTS)
            assert await client.ready() is False
        return delays

    assert len(asyncio.run(main())) == 2


def test_public_names() -> None:
    for name in proctor_client.__all__:
        assert hasattr(proctor_client, name)


def test_matrix_and_rank_send_contract_fields() -> None:
    script = Script(httpx.Response(200, json={"compile_ok": [True], "status": [["passed"]]}))
    client, _ = sync_client(script)
    assert client.matrix(["c"], TESTS[:1])["compile_ok"] == [True]
    client.rank(["a", "b"], TESTS[:1], method="rrtf", sources=["teacher", "student"])
    m, r = (json.loads(req.content) for req in script.requests)
    assert (script.requests[0].url.path, script.requests[1].url.path) == ("/v1/matrix", "/v1/rank")
    assert m == {"language": "python", "codes": ["c"], "tests": TESTS[:1]}
    assert r["method"] == "rrtf" and r["sources"] == ["teacher", "student"]


def test_constructor_rejects_bad_retry_settings() -> None:
    with pytest.raises(ValueError, match="retries"):
        ProctorClient(retries=-1)
    with pytest.raises(ValueError, match="backoff_s"):
        ProctorClient(backoff_s=-0.1)
