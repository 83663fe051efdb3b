"""Batch splitting, the concurrency limit and the retry deadline, against httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import httpx
import pytest

from proctor_client import AsyncProctorClient, ProctorClient, ProctorUnavailable, ScoreResult, _core

TESTS = [{"kind": "assert", "code": "assert True"}]


def echo_batch(request: httpx.Request) -> httpx.Response:
    """Answer each submission with a score whose id is its code, so order can be checked."""
    subs = json.loads(request.content)["submissions"]
    results = [
        {"id": s["code"], "category": "passed", "passed": 1, "total": 1, "reward": 1.0}
        for s in subs
    ]
    if request.url.params.get("stream") == "true":
        lines = "".join(
            json.dumps({"index": i, **r}) + "\n" for i, r in reversed(list(enumerate(results)))
        )
        return httpx.Response(200, headers={"Content-Type": "application/x-ndjson"}, text=lines)
    return httpx.Response(200, json={"results": results})


class InFlight:
    """Counts concurrent requests (from threads or tasks) and remembers the most seen at once."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()
        self.batches: list[int] = []

    def enter(self, request: httpx.Request) -> None:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
            self.batches.append(len(json.loads(request.content)["submissions"]))

    def leave(self) -> None:
        with self.lock:
            self.now -= 1


def subs(n: int) -> list[dict[str, Any]]:
    return [{"code": str(i), "tests": TESTS} for i in range(n)]


def test_plan_batches_by_count_and_bytes() -> None:
    plans = _core.plan_batches(subs(10), max_items=4, max_bytes=10**6)
    assert [(p.start, p.count) for p in plans] == [(0, 4), (4, 4), (8, 2)]
    assert json.loads(plans[1].body) == {"submissions": subs(10)[4:8]}
    one = len(_core.encode_json(subs(1)[0]))
    plans = _core.plan_batches(subs(5), max_items=100, max_bytes=2 * one + 2)
    assert [p.count for p in plans] == [2, 2, 1]
    big = [{"code": "x" * 1000, "tests": TESTS}]
    assert [p.count for p in _core.plan_batches(big, 10, 10)] == [1]  # too big alone: still sent
    assert _core.plan_batches([], 10, 10) == []


def test_sync_score_many_splits_and_limits_concurrency() -> None:
    seen = InFlight()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.enter(request)
        time.sleep(0.05)
        seen.leave()
        return echo_batch(request)

    client = ProctorClient(transport=httpx.MockTransport(handler), batch_size=3, max_concurrency=2)
    out = client.score_many(subs(10))
    assert [r.id for r in out if isinstance(r, ScoreResult)] == [str(i) for i in range(10)]
    assert sorted(seen.batches) == [1, 3, 3, 3] and seen.most == 2


def test_sync_iter_score_many_offsets_indices_across_batches() -> None:
    client = ProctorClient(transport=httpx.MockTransport(echo_batch), batch_size=4)
    got = list(client.iter_score_many(subs(6)))
    assert sorted(i for i, _ in got) == list(range(6))
    assert all(isinstance(r, ScoreResult) and r.id == str(i) for i, r in got)


def test_async_batches_run_concurrently_within_the_limit() -> None:
    seen = InFlight()

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.enter(request)
        await asyncio.sleep(0.02)
        seen.leave()
        return echo_batch(request)

    async def main() -> tuple[list[Any], list[tuple[int, Any]]]:
        transport = httpx.MockTransport(handler)
        async with AsyncProctorClient(
            transport=transport, batch_size=2, max_concurrency=3
        ) as client:
            return await client.score_many(subs(9)), [
                p async for p in client.iter_score_many(subs(9))
            ]

    batch, streamed = asyncio.run(main())
    assert [r.id for r in batch] == [str(i) for i in range(9)]
    assert sorted(i for i, _ in streamed) == list(range(9))
    assert all(r.id == str(i) for i, r in streamed)
    assert seen.most == 3


def test_async_stream_failure_of_one_batch_raises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["submissions"][0]["code"] == "2":
            return httpx.Response(422, json={"error": {"code": "bad", "message": "no"}})
        return echo_batch(request)

    async def main() -> None:
        async with AsyncProctorClient(
            transport=httpx.MockTransport(handler), batch_size=2
        ) as client:
            async for _ in client.iter_score_many(subs(6)):
                pass

    with pytest.raises(Exception, match="no"):
        asyncio.run(main())


def test_deadline_stops_retries_that_would_end_after_it() -> None:
    busy = httpx.Response(
        503, json={"error": {"code": "queue_full", "message": "busy", "retry_after_s": 5}}
    )
    client = ProctorClient(transport=httpx.MockTransport(lambda _: busy), retries=5, deadline_s=1.0)
    delays: list[float] = []
    client._sleep = delays.append
    with pytest.raises(ProctorUnavailable, match=r"deadline of 1\.0 s") as info:
        client.score("x", TESTS)
    assert delays == [] and info.value.code == "queue_full"

    policy = _core.RetryPolicy(retries=5, backoff_s=0.1, rand=lambda: 0.0, deadline_s=1.0)
    assert policy.after_transport_error(0, OSError("down"), "u", elapsed_s=0.5) == 0.05
    late = policy.after_transport_error(1, OSError("down"), "u", elapsed_s=0.99)
    assert isinstance(late, ProctorUnavailable) and "deadline" in str(late)


def test_constructor_rejects_bad_limits() -> None:
    for bad in ({"deadline_s": 0}, {"max_concurrency": 0}, {"batch_size": 0}, {"batch_bytes": 0}):
        with pytest.raises(ValueError, match="must be"):
            ProctorClient(**bad)


@pytest.mark.parametrize(
    "text",
    [
        "def f():\n    return '\\t'\n",
        "# überall 例子\nx = '€'\n",
        "s = '\\\\u00e9'  # a backslash-u in code\n",
    ],
)
def test_encoded_requests_are_compact_json_of_the_same_value(text: str) -> None:
    """ASCII code takes the fast encoder; code with other text is sent as UTF-8, never as
    `\\uXXXX` escapes that would double its size against the server's byte limits."""
    payload = {"code": text, "tests": TESTS}
    body = _core.encode_json(payload)
    assert json.loads(body) == payload
    assert body == json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "\ud800"])
def test_values_json_cannot_carry_are_refused_before_sending(bad: Any) -> None:
    with pytest.raises(ValueError, match=r"JSON compliant|surrogate"):  # incl. UnicodeEncodeError
        _core.encode_json({"code": "x = 1", "args": [bad]})
