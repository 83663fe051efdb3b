"""Sans-I/O core shared by the sync and async clients.

Everything here is a pure function of bytes, status codes and headers (no
sockets, no sleeping), so the two client classes differ only in how they wait
and send, and every decision — payload shape, error parsing, whether and how
long to back off — is written and tested once.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from .errors import ProctorError, ProctorHTTPError, ProctorUnavailable
from .models import ScoreResult

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: Cap for the computed exponential backoff (a server's Retry-After is honoured as is).
MAX_BACKOFF_S = 30.0
#: Statuses that mean "not now" rather than "not ever": the only ones retried.
RETRYABLE_STATUSES = frozenset({429, 503})

SCORE_PATH = "/v1/score"
BATCH_PATH = "/v1/score/batch"
MATRIX_PATH = "/v1/matrix"
RANK_PATH = "/v1/rank"
INFO_PATH = "/v1/info"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"

JSON_CONTENT_TYPE = "application/json"
NDJSON_CONTENT_TYPE = "application/x-ndjson"

BatchItem = ScoreResult | ProctorHTTPError

# A retry decision after a failed attempt: sleep that many seconds and try
# again, or give up and raise the exception.
Step = float | ProctorError


# --------------------------------------------------------------------------- requests


def build_headers(api_key: str | None, user_agent: str) -> dict[str, str]:
    headers = {"Accept": JSON_CONTENT_TYPE, "User-Agent": user_agent}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    return headers


def batch_payload(submissions: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    return {"submissions": [dict(s) for s in submissions]}


@dataclass(frozen=True)
class BatchPlan:
    """One request of a split batch: submissions ``[start, start + count)``, already encoded."""

    start: int
    count: int
    body: bytes


def plan_batches(
    submissions: Sequence[Mapping[str, Any]], max_items: int, max_bytes: int
) -> list[BatchPlan]:
    """Split a long list of submissions into requests of at most ``max_items`` submissions
    and about ``max_bytes`` of JSON each (a single larger submission gets a request of its own).

    Right-sized requests keep every worker busy, stay under the server's batch and body
    limits, and let a failed request be retried without resending everything.
    """
    plans: list[BatchPlan] = []
    parts: list[bytes] = []
    size = start = 0

    def flush() -> None:
        body = b'{"submissions":[' + b",".join(parts) + b"]}"
        plans.append(BatchPlan(start, len(parts), body))

    for i, submission in enumerate(submissions):
        part = encode_json(dict(submission))
        if parts and (len(parts) >= max_items or size + len(part) + 1 > max_bytes):
            flush()
            parts, size, start = [], 0, i
        parts.append(part)
        size += len(part) + 1
    if parts:
        flush()
    return plans


def optional_fields(**fields: Any) -> dict[str, Any]:
    """Drop ``None`` values, so unset optional fields fall back to the server's defaults."""
    return {k: v for k, v in fields.items() if v is not None}


_encode_ascii = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode
_encode_text = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode


def encode_json(payload: Any) -> bytes:
    """Serialise once, so retries resend identical bytes without re-encoding a large batch.

    ASCII-escaped first, which the C encoder does in half the time (1.4 against 2.8 ms for
    HumanEval's 164 submissions); where that escaped anything, as UTF-8 instead, so text in other
    scripts keeps its size against the server's byte limits (and a lone surrogate still fails here).
    """
    text = _encode_ascii(payload)
    if "\\u" in text:
        text = _encode_text(payload)
    return text.encode()


# --------------------------------------------------------------------------- responses


def decode_json_object(content: bytes, what: str = "response") -> dict[str, Any]:
    data = decode_json(content, what)
    if not isinstance(data, dict):
        raise ProctorError(f"malformed {what}: expected a JSON object")
    return data


def decode_json(content: bytes, what: str = "response") -> Any:
    try:
        return json.loads(content)
    except ValueError as exc:
        snippet = content[:200].decode("utf-8", "replace")
        raise ProctorError(f"malformed {what}: not JSON: {snippet!r}") from exc


def parse_score_response(content: bytes) -> ScoreResult:
    return ScoreResult.from_dict(decode_json(content, "score response"))


def parse_item(item: Any) -> BatchItem:
    """One batch entry: a score, or the item's own infrastructure error (returned, not raised)."""
    if isinstance(item, Mapping) and "error" in item and "category" not in item:
        return error_from_body(item, status_code=None)
    return ScoreResult.from_dict(item)


def parse_batch_response(content: bytes, expected: int) -> list[BatchItem]:
    data = decode_json(content, "batch response")
    results = data.get("results") if isinstance(data, Mapping) else None
    if not isinstance(results, list):
        raise ProctorError("malformed batch response: no 'results' list")
    if len(results) != expected:
        raise ProctorError(
            f"malformed batch response: {len(results)} results for {expected} submissions"
        )
    return [parse_item(r) for r in results]


def is_ndjson(headers: Mapping[str, str]) -> bool:
    return headers.get("content-type", "").split(";")[0].strip().lower() == NDJSON_CONTENT_TYPE


@dataclass
class StreamCollector:
    """Turns NDJSON lines of a streamed batch into ``(index, item)`` pairs.

    It checks each index once and in range, and at the end that none is missing,
    so a stream cut short is reported instead of silently losing samples.
    """

    expected: int
    seen: set[int] = field(default_factory=set)

    def feed(self, line: str) -> tuple[int, BatchItem] | None:
        line = line.strip()
        if not line:
            return None
        data = decode_json(line.encode(), "stream line")
        if not isinstance(data, Mapping) or "index" not in data:
            raise ProctorError(f"malformed stream line: no 'index': {line[:200]!r}")
        index = data["index"]
        if not isinstance(index, int) or isinstance(index, bool):
            raise ProctorError(f"malformed stream line: bad index {index!r}")
        if not 0 <= index < self.expected or index in self.seen:
            raise ProctorError(f"malformed stream: unexpected or repeated index {index}")
        self.seen.add(index)
        # Accept both {"index": i, <score fields>} and {"index": i, "result": {...}}.
        result = data.get("result")
        if isinstance(result, Mapping) and "error" not in data:
            return index, parse_item(result)
        return index, parse_item({k: v for k, v in data.items() if k != "index"})

    def missing(self) -> list[int]:
        return [i for i in range(self.expected) if i not in self.seen]

    def finish(self) -> None:
        """Raise if the stream ended before every submission was answered."""
        missing = self.missing()
        if missing:
            raise ProctorUnavailable(
                f"batch stream ended after {len(self.seen)} of {self.expected} items",
                code="stream_incomplete",
                body={"missing": missing},
            )

    def broken(self, exc: BaseException) -> ProctorUnavailable:
        """The error for a connection lost mid-stream (not retried: items were already yielded)."""
        err = ProctorUnavailable(
            f"batch stream broke after {len(self.seen)} of {self.expected} items: {exc!r}",
            code="stream_broken",
            body={"missing": self.missing()},
        )
        err.__cause__ = exc
        return err


# --------------------------------------------------------------------------- errors


def _opt_float(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


def error_from_body(
    data: Any,
    *,
    status_code: int | None,
    headers: Mapping[str, str] | None = None,
) -> ProctorHTTPError:
    """Build the exception for a contract error body ``{"error": {...}}``.

    Also copes with FastAPI's default ``{"detail": ...}`` and with non-JSON text
    (e.g. from a proxy), so an unexpected body still yields a useful error.
    """
    code: str | None = None
    field_name: str | None = None
    retry_after: float | None = None
    message = ""
    err = data.get("error") if isinstance(data, Mapping) else None
    if isinstance(err, Mapping):
        code = _str_or_none(err.get("code"))
        message = str(err.get("message") or "")
        field_name = _str_or_none(err.get("field"))
        retry_after = _opt_float(err.get("retry_after_s"))
        if status_code is None:
            # A batch item may say which HTTP status it would have had.
            raw_status = err.get("status", err.get("status_code"))
            if isinstance(raw_status, int) and not isinstance(raw_status, bool):
                status_code = raw_status
    elif isinstance(err, str):
        message = err
    elif isinstance(data, Mapping) and "detail" in data:
        detail = data["detail"]
        if isinstance(detail, list) and detail and isinstance(detail[0], Mapping):
            first = detail[0]
            message = str(first.get("msg", ""))
            loc = [str(p) for p in first.get("loc", ()) if p != "body"]
            field_name = ".".join(loc) or None
            code = _str_or_none(first.get("type"))
        else:
            message = str(detail)
    elif isinstance(data, str):
        message = data[:500]
    if retry_after is None and headers is not None:
        retry_after = parse_retry_after(headers.get("retry-after"))
    if not message:
        message = f"HTTP {status_code}" if status_code is not None else "error"
    return ProctorHTTPError(
        message,
        status_code=status_code,
        code=code,
        field=field_name,
        retry_after_s=retry_after,
        body=data,
    )


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def error_from_response(
    status_code: int, content: bytes, headers: Mapping[str, str]
) -> ProctorHTTPError:
    try:
        data: Any = json.loads(content) if content else None
    except ValueError:
        data = content.decode("utf-8", "replace")
    return error_from_body(data, status_code=status_code, headers=headers)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Parse a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    seconds = _opt_float(value)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def unavailable(err: ProctorHTTPError, attempts: int, reason: str = "") -> ProctorUnavailable:
    """Re-type a last retryable error once retries (or the deadline) are spent."""
    why = f", {reason}" if reason else ""
    return ProctorUnavailable(
        f"{err.message} (gave up after {attempts} attempt{'s' if attempts != 1 else ''}{why})",
        status_code=err.status_code,
        code=err.code,
        field=err.field,
        retry_after_s=err.retry_after_s,
        body=err.body,
    )


def backoff_delay(
    attempt: int,
    backoff_s: float,
    retry_after_s: float | None = None,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait before retry number ``attempt + 1``.

    Exponential (``backoff_s * 2**attempt``, capped) with "equal jitter" — a
    random factor in [0.5, 1) — so many trainer workers hit by the same overload
    do not retry in lockstep. A server-given ``retry_after_s`` is a floor: we
    never come back sooner than the server asked.
    """
    base = min(MAX_BACKOFF_S, backoff_s * (2.0**attempt))
    delay = base * (0.5 + 0.5 * rand())
    if retry_after_s is not None:
        delay = max(delay, retry_after_s)
    return max(0.0, delay)


@dataclass(frozen=True)
class RetryPolicy:
    """Decides, after each failed attempt, whether to wait and retry or to raise.

    Only 429, 503 and transport failures (connection errors, timeouts) are
    retried; any other error is the caller's to fix and is raised at once.
    """

    retries: int = 3
    backoff_s: float = 0.2
    rand: Callable[[], float] = random.random
    #: Seconds after a call's first attempt past which no retry starts (``None``: no deadline).
    #: A trainer step then waits a bounded time for a reward instead of ``retries`` backoffs.
    deadline_s: float | None = None

    def _past_deadline(self, elapsed_s: float, delay: float) -> bool:
        return self.deadline_s is not None and elapsed_s + delay > self.deadline_s

    def after_error(
        self,
        attempt: int,
        status_code: int,
        content: bytes,
        headers: Mapping[str, str],
        elapsed_s: float = 0.0,
    ) -> Step:
        """Decide what follows a non-2xx answer to attempt number ``attempt`` (from 0),
        ``elapsed_s`` seconds after the call's first attempt began."""
        err = error_from_response(status_code, content, headers)
        if status_code not in RETRYABLE_STATUSES:
            return err
        if attempt >= self.retries:
            return unavailable(err, attempt + 1)
        delay = backoff_delay(attempt, self.backoff_s, err.retry_after_s, self.rand)
        if self._past_deadline(elapsed_s, delay):
            return unavailable(err, attempt + 1, f"deadline of {self.deadline_s} s")
        return delay

    def after_transport_error(
        self, attempt: int, exc: Exception, base_url: str, elapsed_s: float = 0.0
    ) -> Step:
        delay = backoff_delay(attempt, self.backoff_s, None, self.rand)
        if attempt < self.retries and not self._past_deadline(elapsed_s, delay):
            return delay
        limit = "" if attempt >= self.retries else f", deadline of {self.deadline_s} s"
        err = ProctorUnavailable(
            f"cannot reach Proctor at {base_url}: {type(exc).__name__}: {exc} "
            f"(gave up after {attempt + 1} attempt{'s' if attempt else ''}{limit})",
            code="connection_error",
        )
        err.__cause__ = exc
        return err


def probe_result(status_code: int, content: bytes, headers: Mapping[str, str]) -> bool:
    """``/healthz``/``/readyz``: 2xx is up, 503 is "not (yet) ready"; anything else is raised."""
    if 200 <= status_code < 300:
        return True
    if status_code == 503:
        return False
    raise error_from_response(status_code, content, headers)
