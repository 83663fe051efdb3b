"""Sync and async HTTP clients for the Proctor API (see the contract in API.md).

Both classes have the same methods; all request building, response parsing and
retry decisions live in ``_core`` so the two only differ in how they send and wait.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
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
    ) -> None:
        if retries < 0:
            raise ValueError("retries must be >= 0")
        if backoff_s < 0:
            raise ValueError("backoff_s must be >= 0")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff_s = backoff_s
        self._policy = _core.RetryPolicy(retries=retries, backoff_s=backoff_s)
        self._headers = _core.build_headers(api_key, f"proctor-client/{__version__}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r})"

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
        return _core.encode_json(
            _core.score_payload(
                code,
                tests,
                language=language,
                limits=limits,
                stop_on_first_failure=stop_on_first_failure,
                reward=reward,
                timing_repeats=timing_repeats,
                extra=extra,
            )
        )

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
    ``timeout`` bounds each network operation (connect, each read), not a whole call.
    ``transport`` lets you pass a custom ``httpx`` transport (pool limits, tests).
    """

    def __init__(
        self,
        base_url: str = _core.DEFAULT_BASE_URL,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        retries: int = 3,
        backoff_s: float = 0.2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url, api_key=api_key, timeout=timeout, retries=retries, backoff_s=backoff_s
        )
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=self._headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )
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
        attempt = 0
        while True:
            try:
                resp = self._http.request(method, path, content=content, headers=headers)
            except httpx.TransportError as exc:
                step = self._policy.after_transport_error(attempt, exc, self.base_url)
            else:
                if resp.is_success:
                    return resp
                step = self._policy.after_error(
                    attempt, resp.status_code, resp.content, resp.headers
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
        """Score many submissions in one request (``POST /v1/score/batch``), in order.

        An item the server could not run comes back as a ``ProctorHTTPError``
        object in its slot (not raised), so the other items are not lost.
        """
        if not submissions:
            return []
        body = _core.encode_json(_core.batch_payload(submissions))
        resp = self._request("POST", _core.BATCH_PATH, content=body)
        return _core.parse_batch_response(resp.content, len(submissions))

    def iter_score_many(
        self, submissions: Sequence[Mapping[str, Any]]
    ) -> Iterator[tuple[int, BatchItem]]:
        """Yield ``(index, result_or_error)`` as each submission finishes (NDJSON stream).

        Retries apply until the first item arrives; a stream lost after that raises
        ``ProctorUnavailable`` whose ``body["missing"]`` lists the unanswered indices.
        """
        n = len(submissions)
        if not n:
            return
        body = _core.encode_json(_core.batch_payload(submissions))
        attempt = 0
        while True:
            collector = _core.StreamCollector(n)
            try:
                with self._http.stream(
                    "POST",
                    _core.BATCH_PATH,
                    params=_STREAM_PARAMS,
                    content=body,
                    headers=_STREAM_HEADERS,
                ) as resp:
                    if not resp.is_success:
                        resp.read()
                        step = self._policy.after_error(
                            attempt, resp.status_code, resp.content, resp.headers
                        )
                    elif not _core.is_ndjson(resp.headers):
                        # A server that ignores ?stream=true: take the whole batch at once.
                        resp.read()
                        yield from enumerate(_core.parse_batch_response(resp.content, n))
                        return
                    else:
                        for line in resp.iter_lines():
                            pair = collector.feed(line)
                            if pair is not None:
                                yield pair
                        collector.finish()
                        return
            except httpx.TransportError as exc:
                if collector.seen:
                    raise collector.broken(exc) from exc
                step = self._policy.after_transport_error(attempt, exc, self.base_url)
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

    Break out of ``iter_score_many`` early only inside ``contextlib.aclosing`` so
    the underlying stream is closed promptly.
    """

    def __init__(
        self,
        base_url: str = _core.DEFAULT_BASE_URL,
        *,
        api_key: str | None = None,
        timeout: float = 120.0,
        retries: int = 3,
        backoff_s: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url, api_key=api_key, timeout=timeout, retries=retries, backoff_s=backoff_s
        )
        self._http = httpx.AsyncClient(
            base_url=self.base_url,
            headers=self._headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )
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
        attempt = 0
        while True:
            try:
                resp = await self._http.request(method, path, content=content, headers=headers)
            except httpx.TransportError as exc:
                step = self._policy.after_transport_error(attempt, exc, self.base_url)
            else:
                if resp.is_success:
                    return resp
                step = self._policy.after_error(
                    attempt, resp.status_code, resp.content, resp.headers
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
        """Score many submissions in one request; failed items are returned as errors."""
        if not submissions:
            return []
        body = _core.encode_json(_core.batch_payload(submissions))
        resp = await self._request("POST", _core.BATCH_PATH, content=body)
        return _core.parse_batch_response(resp.content, len(submissions))

    async def iter_score_many(
        self, submissions: Sequence[Mapping[str, Any]]
    ) -> AsyncIterator[tuple[int, BatchItem]]:
        """Yield ``(index, result_or_error)`` as each submission finishes (NDJSON stream)."""
        n = len(submissions)
        if not n:
            return
        body = _core.encode_json(_core.batch_payload(submissions))
        attempt = 0
        while True:
            collector = _core.StreamCollector(n)
            try:
                async with self._http.stream(
                    "POST",
                    _core.BATCH_PATH,
                    params=_STREAM_PARAMS,
                    content=body,
                    headers=_STREAM_HEADERS,
                ) as resp:
                    if not resp.is_success:
                        await resp.aread()
                        step = self._policy.after_error(
                            attempt, resp.status_code, resp.content, resp.headers
                        )
                    elif not _core.is_ndjson(resp.headers):
                        await resp.aread()
                        for item in enumerate(_core.parse_batch_response(resp.content, n)):
                            yield item
                        return
                    else:
                        async for line in resp.aiter_lines():
                            pair = collector.feed(line)
                            if pair is not None:
                                yield pair
                        collector.finish()
                        return
            except httpx.TransportError as exc:
                if collector.seen:
                    raise collector.broken(exc) from exc
                step = self._policy.after_transport_error(attempt, exc, self.base_url)
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
