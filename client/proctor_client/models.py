"""Typed views of the server's JSON results.

Plain frozen dataclasses (no pydantic) so the client installs anywhere. Parsing
ignores keys it does not know, because the contract lets the server add fields,
and tolerates missing optional ones; ``ScoreResult.raw`` keeps the whole JSON so
newer fields remain reachable without a client upgrade.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import ProctorError

__all__ = [
    "CATEGORIES",
    "TEST_STATUSES",
    "CompileInfo",
    "ErrorInfo",
    "ScoreResult",
    "TestResult",
    "Timing",
]

#: Verdict categories, ordered worst to best (as in the API contract).
CATEGORIES: tuple[str, ...] = (
    "compile_error",
    "runtime_error",
    "wrong_answer",
    "partial",
    "passed",
)

#: Per-test statuses the contract defines (the server may add more).
TEST_STATUSES: tuple[str, ...] = (
    "passed",
    "failed",
    "error",
    "timeout",
    "memory_limit",
    "output_limit",
    "skipped",
)


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _require_mapping(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ProctorError(f"malformed {what}: expected a JSON object, got {type(data).__name__}")
    return data


@dataclass(frozen=True)
class ErrorInfo:
    """What went wrong inside a test (or at compile time): exception type, message, line.

    ``line`` is in the candidate's own code, or ``None`` when the error arose elsewhere.
    """

    type: str | None = None
    message: str | None = None
    line: int | None = None

    @classmethod
    def from_dict(cls, data: Any) -> ErrorInfo | None:
        """Parse ``null``, an object, or (leniently) a bare message string."""
        if data is None:
            return None
        if isinstance(data, str):
            return cls(message=data)
        data = _require_mapping(data, "error info")
        return cls(
            type=_opt_str(data.get("type")),
            message=_opt_str(data.get("message")),
            line=_opt_int(data.get("line")),
        )


@dataclass(frozen=True)
class CompileInfo:
    """Whether the candidate compiled; ``error`` says why not."""

    ok: bool = True
    error: ErrorInfo | None = None

    @classmethod
    def from_dict(cls, data: Any) -> CompileInfo:
        if data is None:
            return cls()
        data = _require_mapping(data, "compile info")
        return cls(ok=bool(data.get("ok", True)), error=ErrorInfo.from_dict(data.get("error")))


@dataclass(frozen=True)
class Timing:
    """Where the wall time of one request went (milliseconds)."""

    queue_ms: float | None = None
    run_ms: float | None = None
    total_ms: float | None = None

    @classmethod
    def from_dict(cls, data: Any) -> Timing:
        if data is None:
            return cls()
        data = _require_mapping(data, "timing")
        return cls(
            queue_ms=_opt_float(data.get("queue_ms")),
            run_ms=_opt_float(data.get("run_ms")),
            total_ms=_opt_float(data.get("total_ms")),
        )


_TEST_KEYS = frozenset({"status", "time_ms", "expected", "actual", "error", "stderr"})


@dataclass(frozen=True)
class TestResult:
    """The outcome of one test, in request order.

    ``expected``/``actual`` are set for a ``failed`` comparison; keys the client
    does not know are kept in ``extra`` rather than dropped (like ``ScoreResult.raw``,
    it is left out of equality, which compares the typed fields only).
    """

    __test__ = False  # not a pytest test class, despite the name

    status: str
    time_ms: float | None = None
    expected: Any = None
    actual: Any = None
    error: ErrorInfo | None = None
    stderr: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @classmethod
    def from_dict(cls, data: Any) -> TestResult:
        data = _require_mapping(data, "test result")
        if "status" not in data:
            raise ProctorError("malformed test result: missing 'status'")
        return cls(
            status=str(data["status"]),
            time_ms=_opt_float(data.get("time_ms")),
            expected=data.get("expected"),
            actual=data.get("actual"),
            error=ErrorInfo.from_dict(data.get("error")),
            stderr=_opt_str(data.get("stderr")),
            extra={k: v for k, v in data.items() if k not in _TEST_KEYS},
        )


@dataclass(frozen=True)
class ScoreResult:
    """The verdict for one submission (a ``POST /v1/score`` response)."""

    id: str
    category: str
    passed: int
    total: int
    pass_rate: float
    reward: float
    compile: CompileInfo = field(default_factory=CompileInfo)
    tests: list[TestResult] = field(default_factory=list)
    timing: Timing = field(default_factory=Timing)
    peak_memory_kb: int | None = None
    cached: bool = False
    #: The full JSON object as received, including fields newer than this client.
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(cls, data: Any) -> ScoreResult:
        """Parse a score response; raise ``ProctorError`` if a required field is missing."""
        data = _require_mapping(data, "score response")
        missing = [k for k in ("category", "passed", "total", "reward") if k not in data]
        if missing:
            raise ProctorError(f"malformed score response: missing {', '.join(missing)}")
        try:
            passed = int(data["passed"])
            total = int(data["total"])
            pass_rate = data.get("pass_rate")
            return cls(
                id=str(data.get("id", "")),
                category=str(data["category"]),
                passed=passed,
                total=total,
                pass_rate=float(pass_rate)
                if pass_rate is not None
                else (passed / total if total else 0.0),
                reward=float(data["reward"]),
                compile=CompileInfo.from_dict(data.get("compile")),
                tests=[TestResult.from_dict(t) for t in data.get("tests") or ()],
                timing=Timing.from_dict(data.get("timing")),
                peak_memory_kb=_opt_int(data.get("peak_memory_kb")),
                cached=bool(data.get("cached", False)),
                raw=dict(data),
            )
        except (TypeError, ValueError) as exc:
            raise ProctorError(f"malformed score response: {exc}") from exc
