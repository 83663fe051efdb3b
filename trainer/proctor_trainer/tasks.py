"""Checks of a task row's ``tests`` and ``limits``, as Proctor's API defines them.

Proctor refuses a submission whose tests or limits are malformed, and a refused sample gets no
reward (``None``, masked) rather than a false zero. So a malformed task would be masked on every
step of a run, silently; these checks turn it into an error before training starts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["check_limits", "check_tests"]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: The fields each kind of test may have besides ``kind`` (the API rejects any other).
_FIELDS = {
    "assert": {"code"},
    "call": {"function", "args", "kwargs", "expected"},
    "stdio": {"stdin", "stdout"},
}
#: Each limit's smallest value and whether it must be an integer (``shared/API.md``).
_LIMITS = {
    "time_s": (0, False),
    "test_time_s": (0, False),
    "memory_mb": (16, True),
    "output_kb": (1, True),
}


def check_tests(tests: Any) -> str | None:
    """What is wrong with a list of tests, or None when each one is a well-formed test."""
    if not isinstance(tests, list) or not tests:
        return "must be a non-empty list of tests"
    for i, test in enumerate(tests):
        problem = _check_test(test)
        if problem:
            return f"test {i}: {problem}"
    return None


def _check_test(test: Any) -> str | None:
    if not isinstance(test, Mapping):
        return "must be an object"
    kind = test.get("kind")
    if not isinstance(kind, str) or kind not in _FIELDS:
        return f"'kind' must be 'assert', 'call' or 'stdio', not {kind!r}"
    unknown = sorted(set(test) - _FIELDS[kind] - {"kind"})
    if unknown:
        return f"a {kind} test has no field {unknown[0]!r} (it has {', '.join(sorted(_FIELDS[kind]))})"
    if kind == "assert" and not (isinstance(test.get("code"), str) and test["code"]):
        return "an assert test needs 'code', a non-empty string"
    if kind == "call":
        if not isinstance(test.get("function"), str) or not _IDENTIFIER.match(test["function"]):
            return "a call test needs 'function', a Python identifier"
        if "expected" not in test:
            return "a call test needs 'expected'"
        if not isinstance(test.get("args", []), list):
            return "'args' must be a list"
        if not isinstance(test.get("kwargs", {}), Mapping):
            return "'kwargs' must be an object"
    if kind == "stdio":
        if not isinstance(test.get("stdout"), str):
            return "a stdio test needs 'stdout', a string"
        if not isinstance(test.get("stdin", ""), str):
            return "'stdin' must be a string"
    return None


def check_limits(limits: Any) -> str | None:
    """What is wrong with a task's limits, or None (absent limits are the server's defaults)."""
    if limits is None:
        return None
    if not isinstance(limits, Mapping):
        return "must be an object"
    for name, value in limits.items():
        if name not in _LIMITS:
            return f"has an unknown limit {name!r} (known: {', '.join(_LIMITS)})"
        if value is None:
            continue
        least, integer = _LIMITS[name]
        if isinstance(value, bool) or not isinstance(value, int if integer else int | float):
            return f"{name!r} must be {'an integer' if integer else 'a number'}"
        if not math.isfinite(value) or value < least or (value == least and not integer):
            return f"{name!r} must be {'at least' if integer else 'more than'} {least}"
    return None
