"""Sync and async HTTP clients for the Proctor API (see the contract in API.md).

Both classes have the same methods; all request building, response parsing and
retry decisions live in ``_core`` so the two only differ in how they send and wait.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Any

import httpx

from . import _core
from ._core import BatchItem
from ._version import __version__
from .models import ScoreResult

__all__ = ["AsyncProctorClient", "ProctorClient"]

_JSON_HEADERS = {"Content-Type": _core.JSON_CONTENT_TYPE}
_STREAM_HEADERS = {
    "Content-Type": _core.JSON_CONTENT_TYPE,
    "Accept": f"{_core.NDJSON_CONTENT_TYPE}, {_core.JSON_CONTENT_TYPE}",
}
_STREAM_PARAMS = {"stream": "true"}
#: Default size of one batch request: enough submissions to keep every worker busy, and a
#: body far below the server's default limit (``PROCTOR_MAX_BODY_MB``, 64).
DEFAULT_BATCH_SIZE = 256
DEFAULT_BATCH_BYTES = 4 * 1024 * 1024


class _ClientConfig:
    """Constructor logic and payload builders shared by both clients."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None,
        timeout: float,
        retries: int,
        backoff_s: float,
        deadline_s: float | None,
        max_concurrency: int,
        batch_size: int,
        batch_bytes: int,
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        if backoff_s < 0:
            raise ValueError("backoff_s must be >= 0")
        if deadline_s is not None and deadline_s <= 0:
            raise ValueError("deadline_s must be > 0")
        if max_concurrency < 1 or batch_size < 1 or batch_bytes < 1:
            raise ValueError("max_concurrency, batch_size and batch_bytes must be >= 1")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff_s = backoff_s
        self.deadline_s = deadline_s
        self.max_concurrency = max_concurrency
        self.batch_size = batch_size
        self.batch_bytes = batch_bytes
        self._policy = _core.RetryPolicy(
            retries=retries, backoff_s=backoff_s, deadline_s=deadline_s
        )
        self._limits = httpx.Limits(
            max_connections=max_concurrency, max_keepalive_connections=max_concurrency
        )
        self._headers = _core.build_headers(api_key, f"proctor-client/{__version__}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

    def _plan(self, submissions: Sequence[Mapping[str, Any]]) -> list[_core.BatchPlan]:
        return _core.plan_batches(submissions, self.batch_size, self.batch_bytes)

    @staticmethod
    def _score_body(
        code: str,
        tests: Sequence[Mapping[str, Any]],
        language: str,
        limits: Mapping[str, Any] | None,
        stop_on_first_failure: bool,
        reward: str,
        timing_repeats: int,
        extra: Mapping[str, Any],
    ) -> bytes:
        """All contract fields are sent explicitly (their defaults equal the server's), except
        ``limits``, omitted when unset so the server's defaults apply. ``extra`` carries fields
        newer than this client and may override any of them."""
        payload: dict[str, Any] = {
            "language": language,
            "code": code,
            "tests": [dict(t) for t in tests],
            "stop_on_first_failure": stop_on_first_failure,
            "reward": reward,
            "timing_repeats": timing_repeats,
        }
        if limits is not None:
            payload["limits"] = dict(limits)
        payload.update(extra)
        return _core.encode_json(payload)

    @staticmethod
    def _matrix_body(
        codes: Sequence[str],
        tests: Sequence[Mapping[str, Any]],
        language: str,
        limits: Mapping[str, Any] | None,
        timing_repeats: int | None,
        extra: Mapping[str, Any],
    ) -> bytes:
        payload = {"language": language, "codes": list(codes), "tests": [dict(t) for t in tests]}
        payload.update(_core.optional_fields(limits=limits, timing_repeats=timing_repeats))
        payload.update(extra)
        return _core.encode_json(payload)

    @staticmethod
    def _rank_body(
        codes: Sequence[str],
        tests: Sequence[Mapping[str, Any]],
        method: str,
        language: str,
        limits: Mapping[str, Any] | None,
        extra: Mapping[str, Any],
    ) -> bytes:
        payload = {
            "language": language,
            "codes": list(codes),
            "tests": [dict(t) for t in tests],
            "method": method,
        }
        payload.update(_core.optional_fields(limits=limits))
        payload.update(extra)
        return _core.encode_json(payload)


class ProctorClient(_ClientConfig):
    """Blocking client, built on ``httpx.Client`` (thread-safe; reuse one per process).

    Infrastructure failures are raised (``ProctorUnavailable`` after retries,
    ``ProctorHTTPError`` for bad requests) and never returned as a zero score.
    ``timeout`` bounds each network operation (connect, each read), not a whole call;
    ``deadline_s`` bounds the retries of one request. At most ``max_concurrency``
    requests are in flight at once (over all threads), on a pool of as many connections;
    ``score_many`` splits long lists into requests of ``batch_size`` submissions and
    about ``batch_bytes`` of JSON. ``transport`` lets you pass a custom ``httpx``
    transport (tests).
    """

    def __init__(
        self,
        base_url: str = _core.DEFAULT_BASE_URL,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        retries: int = 3,
        backoff_s: float = 0.2,
        deadline_s: float | None = None,
        max_concurrency: int = 8,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            api_key=api_key,
            timeout=timeout,
            retries=retries,
            backoff_s=backoff_s,
            deadline_s=deadline_s,
            max_concurrency=max_concurrency,
            batch_size=batch_size,
            batch_bytes=batch_bytes,
        )
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=self._headers,
            timeout=httpx.Timeout(timeout),
            limits=self._limits,
            transport=transport,
        )
        self._slots = threading.BoundedSemaphore(max_concurrency)
        #: How the client waits between retries; replace it in tests to record delays.
        self._sleep: Callable[[float], None] = time.sleep

    # -- lifecycle

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ProctorClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- transport with retries

    def _request(self, method: str, path: str, *, content: bytes | None = None) -> httpx.Response:
        headers = _JSON_HEADERS if content is not None else None
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                with self._slots:
                    resp = self._http.request(method, path, content=content, headers=headers)
            except httpx.TransportError as exc:
                step = self._policy.after_transport_error(
                    attempt, exc, self.base_url, time.monotonic() - started
                )
            else:
                if resp.is_success:
                    return resp
                step = self._policy.after_error(
                    attempt,
                    resp.status_code,
                    resp.content,
                    resp.headers,
                    time.monotonic() - started,
                )
            if isinstance(step, Exception):
                raise step
            self._sleep(step)
            attempt += 1

    def _probe(self, path: str) -> bool:
        try:
            resp = self._http.get(path)
        except httpx.TransportError:
            return False
        return _core.probe_result(resp.status_code, resp.content, resp.headers)

    # -- API

    def score(
        self,
        code: str,
        tests: Sequence[Mapping[str, Any]],
        *,
        language: str = "python",
        limits: Mapping[str, Any] | None = None,
        stop_on_first_failure: bool = False,
        reward: str = "pass_rate",
        timing_repeats: int = 1,
        **extra: Any,
    ) -> ScoreResult:
        """Run one submission against its tests (``POST /v1/score``)."""
        body = self._score_body(
            code, tests, language, limits, stop_on_first_failure, reward, timing_repeats, extra
        )
        return _core.parse_score_response(
            self._request("POST", _core.SCORE_PATH, content=body).content
        )

    def score_many(self, submissions: Sequence[Mapping[str, Any]]) -> list[BatchItem]:
        """Score many submissions (``POST /v1/score/batch``), in order.

        A long list is sent as several right-sized requests, up to ``max_concurrency``
        at once. An item the server could not run comes back as a ``ProctorHTTPError``
        object in its slot (not raised), so the other items are not lost; a request
        that still fails after its retries raises.
        """
        plans = self._plan(submissions)
        if len(plans) <= 1:
            return [item for plan in plans for item in self._send_plan(plan)]
        with ThreadPoolExecutor(min(self.max_concurrency, len(plans))) as pool:
            return [item for part in pool.map(self._send_plan, plans) for item in part]

    def _send_plan(self, plan: _core.BatchPlan) -> list[BatchItem]:
        resp = self._request("POST", _core.BATCH_PATH, content=plan.body)
        return _core.parse_batch_response(resp.content, plan.count)

    def iter_score_many(
        self, submissions: Sequence[Mapping[str, Any]]
    ) -> Iterator[tuple[int, BatchItem]]:
        """Yield ``(index, result_or_error)`` as each submission finishes (NDJSON stream).

        A long list is streamed as consecutive right-sized requests. Retries apply until
        a request's first item arrives; a stream lost after that raises
        ``ProctorUnavailable`` whose ``body["missing"]`` lists the unanswered indices.
        """
        for plan in self._plan(submissions):
            yield from self._stream_plan(plan)

    def _stream_plan(self, plan: _core.BatchPlan) -> Iterator[tuple[int, BatchItem]]:
        n, started = plan.count, time.monotonic()
        attempt = 0
        while True:
            collector = _core.StreamCollector(n)
            try:
                with (
                    self._slots,
                    self._http.stream(
                        "POST",
                        _core.BATCH_PATH,
                        params=_STREAM_PARAMS,
                        content=plan.body,
                        headers=_STREAM_HEADERS,
                    ) as resp,
                ):
                    if not resp.is_success:
                        resp.read()
                        step = self._policy.after_error(
                            attempt,
                            resp.status_code,
                            resp.content,
                            resp.headers,
                            time.monotonic() - started,
                        )
                    elif not _core.is_ndjson(resp.headers):
                        # A server that ignores ?stream=true: take the whole batch at once.
                        resp.read()
                        for i, item in enumerate(_core.parse_batch_response(resp.content, n)):
                            yield plan.start + i, item
                        return
                    else:
                        for line in resp.iter_lines():
                            pair = collector.feed(line)
                            if pair is not None:
                                yield plan.start + pair[0], pair[1]
                        collector.finish()
                        return
            except httpx.TransportError as exc:
                if collector.seen:
                    raise collector.broken(exc) from exc
                step = self._policy.after_transport_error(
                    attempt, exc, self.base_url, time.monotonic() - started
                )
            if isinstance(step, Exception):
                raise step
            self._sleep(step)
            attempt += 1

    def matrix(
        self,
        codes: Sequence[str],
        tests: Sequence[Mapping[str, Any]],
        *,
        language: str = "python",
        limits: Mapping[str, Any] | None = None,
        timing_repeats: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Every code against every test (``POST /v1/matrix``); returns the raw JSON."""
        body = self._matrix_body(codes, tests, language, limits, timing_repeats, extra)
        return _core.decode_json_object(
            self._request("POST", _core.MATRIX_PATH, content=body).content
        )

    def rank(
        self,
        codes: Sequence[str],
        tests: Sequence[Mapping[str, Any]],
        *,
        method: str = "codedpo",
        language: str = "python",
        limits: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Scores and preference pairs (``POST /v1/rank``); returns the raw JSON."""
        body = self._rank_body(codes, tests, method, language, limits, extra)
        return _core.decode_json_object(
            self._request("POST", _core.RANK_PATH, content=body).content
        )

    def health(self) -> bool:
        """Whether the server process answers ``/healthz`` (one try, no retries)."""
        return self._probe(_core.HEALTH_PATH)

    def ready(self) -> bool:
        """Whether the server can run jobs now (``/readyz``; one try, no retries)."""
        return self._probe(_core.READY_PATH)

    def info(self) -> dict[str, Any]:
        """Server version, languages, limit maxima and workers (``GET /v1/info``)."""
        return _core.decode_json_object(self._request("GET", _core.INFO_PATH).content, "info")


class AsyncProctorClient(_ClientConfig):
    """Asyncio twin of ``ProctorClient`` (built on ``httpx.AsyncClient``), same methods.

    ``max_concurrency`` bounds the requests in flight from this client (an
    ``asyncio.Semaphore``); batches of a long ``score_many``/``iter_score_many`` run
    concurrently within it. Break out of ``iter_score_many`` early only inside
    ``contextlib.aclosing`` so the underlying streams are closed promptly.
    """

    def __init__(
        self,
        base_url: str = _core.DEFAULT_BASE_URL,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        retries: int = 3,
        backoff_s: float = 0.2,
        deadline_s: float | None = None,
        max_concurrency: int = 8,
        batch_size: int = DEFAULT_BATCH_SIZE,
        batch_bytes: int = DEFAULT_BATCH_BYTES,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            api_key=api_key,
            timeout=timeout,
            retries=retries,
            backoff_s=backoff_s,
            deadline_s=deadline_s,
            max_concurrency=max_concurrency,
            batch_size=batch_size,
            batch_bytes=batch_bytes,
        )
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=self._headers,
            timeout=httpx.Timeout(timeout),
            limits=self._limits,
            transport=transport,
        )
        self._slots = asyncio.Semaphore(max_concurrency)
        #: How the client waits between retries; replace it in tests to record delays.
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    # -- lifecycle

    async def close(self) -> None:
        await self._http.aclose()

    aclose = close

    async def __aenter__(self) -> AsyncProctorClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- transport with retries

    async def _request(
        self, method: str, path: str, *, content: bytes | None = None
    ) -> httpx.Response:
        headers = _JSON_HEADERS if content is not None else None
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                async with self._slots:
                    resp = await self._http.request(method, path, content=content, headers=headers)
            except httpx.TransportError as exc:
                step = self._policy.after_transport_error(
                    attempt, exc, self.base_url, time.monotonic() - started
                )
            else:
                if resp.is_success:
                    return resp
                step = self._policy.after_error(
                    attempt,
                    resp.status_code,
                    resp.content,
                    resp.headers,
                    time.monotonic() - started,
                )
            if isinstance(step, Exception):
                raise step
            await self._sleep(step)
            attempt += 1

    async def _probe(self, path: str) -> bool:
        try:
            resp = await self._http.get(path)
        except httpx.TransportError:
            return False
        return _core.probe_result(resp.status_code, resp.content, resp.headers)

    # -- API

    async def score(
        self,
        code: str,
        tests: Sequence[Mapping[str, Any]],
        *,
        language: str = "python",
        limits: Mapping[str, Any] | None = None,
        stop_on_first_failure: bool = False,
        reward: str = "pass_rate",
        timing_repeats: int = 1,
        **extra: Any,
    ) -> ScoreResult:
        """Run one submission against its tests (``POST /v1/score``)."""
        body = self._score_body(
            code, tests, language, limits, stop_on_first_failure, reward, timing_repeats, extra
        )
        resp = await self._request("POST", _core.SCORE_PATH, content=body)
        return _core.parse_score_response(resp.content)

    async def score_many(self, submissions: Sequence[Mapping[str, Any]]) -> list[BatchItem]:
        """Score many submissions in right-sized concurrent requests; failed items are
        returned as errors in their slots, a request that fails after retries raises."""
        parts = await asyncio.gather(*map(self._send_plan, self._plan(submissions)))
        return [item for part in parts for item in part]

    async def _send_plan(self, plan: _core.BatchPlan) -> list[BatchItem]:
        resp = await self._request("POST", _core.BATCH_PATH, content=plan.body)
        return _core.parse_batch_response(resp.content, plan.count)

    async def iter_score_many(
        self, submissions: Sequence[Mapping[str, Any]]
    ) -> AsyncIterator[tuple[int, BatchItem]]:
        """Yield ``(index, result_or_error)`` as each submission finishes (NDJSON streams,
        one per right-sized batch, run concurrently); the first failure raises."""
        plans = self._plan(submissions)
        if len(plans) == 1:
            async for pair in self._stream_plan(plans[0]):
                yield pair
            return
        done = object()
        queue: asyncio.Queue[Any] = asyncio.Queue()

        async def pump(plan: _core.BatchPlan) -> None:
            try:
                async for pair in self._stream_plan(plan):
                    queue.put_nowait(pair)
            except Exception as exc:  # handed to the consumer, which raises it
                queue.put_nowait(exc)
            finally:
                queue.put_nowait(done)

        tasks = [asyncio.create_task(pump(plan)) for plan in plans]
        try:
            running = len(tasks)
            while running:
                got = await queue.get()
                if got is done:
                    running -= 1
                elif isinstance(got, Exception):
                    raise got
                else:
                    yield got
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _stream_plan(self, plan: _core.BatchPlan) -> AsyncIterator[tuple[int, BatchItem]]:
        n, started = plan.count, time.monotonic()
        attempt = 0
        while True:
            collector = _core.StreamCollector(n)
            try:
                async with (
                    self._slots,
                    self._http.stream(
                        "POST",
                        _core.BATCH_PATH,
                        params=_STREAM_PARAMS,
                        content=plan.body,
                        headers=_STREAM_HEADERS,
                    ) as resp,
                ):
                    if not resp.is_success:
                        await resp.aread()
                        step = self._policy.after_error(
                            attempt,
                            resp.status_code,
                            resp.content,
                            resp.headers,
                            time.monotonic() - started,
                        )
                    elif not _core.is_ndjson(resp.headers):
                        await resp.aread()
                        for i, item in enumerate(_core.parse_batch_response(resp.content, n)):
                            yield plan.start + i, item
                        return
                    else:
                        async for line in resp.aiter_lines():
                            pair = collector.feed(line)
                            if pair is not None:
                                yield plan.start + pair[0], pair[1]
                        collector.finish()
                        return
            except httpx.TransportError as exc:
                if collector.seen:
                    raise collector.broken(exc) from exc
                step = self._policy.after_transport_error(
                    attempt, exc, self.base_url, time.monotonic() - started
                )
            if isinstance(step, Exception):
                raise step
            await self._sleep(step)
            attempt += 1

    async def matrix(
        self,
        codes: Sequence[str],
        tests: Sequence[Mapping[str, Any]],
        *,
        language: str = "python",
        limits: Mapping[str, Any] | None = None,
        timing_repeats: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Every code against every test (``POST /v1/matrix``); returns the raw JSON."""
        body = self._matrix_body(codes, tests, language, limits, timing_repeats, extra)
        resp = await self._request("POST", _core.MATRIX_PATH, content=body)
        return _core.decode_json_object(resp.content)

    async def rank(
        self,
        codes: Sequence[str],
        tests: Sequence[Mapping[str, Any]],
        *,
        method: str = "codedpo",
        language: str = "python",
        limits: Mapping[str, Any] | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Scores and preference pairs (``POST /v1/rank``); returns the raw JSON."""
        body = self._rank_body(codes, tests, method, language, limits, extra)
        resp = await self._request("POST", _core.RANK_PATH, content=body)
        return _core.decode_json_object(resp.content)

    async def health(self) -> bool:
        """Whether the server process answers ``/healthz`` (one try, no retries)."""
        return await self._probe(_core.HEALTH_PATH)

    async def ready(self) -> bool:
        """Whether the server can run jobs now (``/readyz``; one try, no retries)."""
        return await self._probe(_core.READY_PATH)

    async def info(self) -> dict[str, Any]:
        """Server version, languages, limit maxima and workers (``GET /v1/info``)."""
        resp = await self._request("GET", _core.INFO_PATH)
        return _core.decode_json_object(resp.content, "info")
