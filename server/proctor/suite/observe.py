"""Running reference code in the real sandbox through the client, to learn what it returns.

A `call` test whose expected value can never match (PROBE) fails with the actual return value in its
result, so the trusted side reports every output without the builder ever executing the code itself.
The call goes through GUARD, which raises UnsafeInteger instead of returning an integer beyond 2**53:
such a value cannot be shipped exactly, and the service cannot carry one beyond 64 bits back at all.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from proctor_client import ProctorClient, ProctorHTTPError

from proctor.suite.types import MAX_INT

#: No function of the vocabulary returns a dict holding a list, so no output equals this.
PROBE = {"__proctor_suite_probe__": []}
LIMITS = {"time_s": 30, "test_time_s": 3, "memory_mb": 256}
CHUNK = 100
OBSERVE = "__suite_observe__"
UNSAFE = "UnsafeInteger"
GUARD = f"""

class {UNSAFE}(Exception):
    pass


def {OBSERVE}(*args):
    value = {{function}}(*args)
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, int) and not isinstance(item, bool) and abs(item) > {MAX_INT}:
            raise {UNSAFE}("an integer beyond 2**53")
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return value
"""


class BuildError(RuntimeError):
    """The service failed, or a reference that must work did not: nothing is written."""


@dataclass(frozen=True)
class Outcome:
    status: str  # "returned", or the test status the sandbox reported (error, timeout, ...)
    value: Any = None
    detail: str = ""


@dataclass(frozen=True)
class Program:
    code: str
    function: str
    inputs: Sequence[Sequence[Any]]


def call_tests(function: str, inputs: Sequence[Sequence[Any]], expected: Sequence[Any]) -> list[dict]:
    return [
        {"kind": "call", "function": function, "args": list(args), "kwargs": {}, "expected": value}
        for args, value in zip(inputs, expected, strict=True)
    ]


def score_all(client: ProctorClient, submissions: list[dict]) -> list[Any]:
    """Score submissions in chunks; an infrastructure failure stops the build instead of becoming a verdict."""
    results = []
    for start in range(0, len(submissions), CHUNK):
        for item in client.score_many(submissions[start : start + CHUNK]):
            if isinstance(item, ProctorHTTPError):
                raise BuildError(f"the service failed a submission: {item}")
            results.append(item)
    return results


def observe(client: ProctorClient, programs: Sequence[Program], limits: dict = LIMITS) -> list[list[Outcome]]:
    """What each program's function returned (or how it failed) on each of its inputs."""
    submissions = [
        {
            "code": p.code + GUARD.format(function=p.function),
            "tests": call_tests(OBSERVE, p.inputs, [PROBE] * len(p.inputs)),
            "limits": limits,
        }
        for p in programs
    ]
    return [[_outcome(t) for t in result.tests] for result in score_all(client, submissions)]


def _outcome(test: Any) -> Outcome:
    if test.status == "failed" and test.error is None:
        return Outcome("returned", test.actual)
    if test.status == "passed":
        return Outcome("returned", PROBE)
    error = test.error
    detail = f"{error.type}: {error.message}" if error is not None else ""
    return Outcome(test.status, detail=detail[:200])


def canonical(value: Any) -> str:
    """The one spelling of a JSON value that every file of the suite uses."""
    return json.dumps(value, sort_keys=True)
