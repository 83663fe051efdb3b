"""The part every adapter shares: completions and labels in, rewards (or ``None``) out.

An infrastructure failure that survived the client's retries is never turned into a number:
it becomes ``None`` for that sample (TRL masks it) or is raised, as the adapter is configured,
and it is logged either way. So is a sample the server refuses (code over its size limit,
malformed tests): the server refuses a whole batch for one such sample, so the batch is then
re-sent one sample at a time and only the refused ones go without a reward.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from ..client import AsyncProctorClient, ProctorClient
from ..errors import ProctorError, ProctorHTTPError, ProctorUnavailable
from ..models import ScoreResult
from .extract import extract_code
from .labels import parse_label

__all__ = [
    "Extractor",
    "OnError",
    "ascore_isolating",
    "rewards_from",
    "score_isolating",
    "submissions_for",
]

log = logging.getLogger("proctor_client.rewards")

OnError = Literal["none", "raise"]
Extractor = Callable[[Any, str], str]
Item = ScoreResult | ProctorError
Submissions = Sequence[Mapping[str, Any]]


def _refused(exc: ProctorError, count: int) -> bool:
    """Whether a failed batch was refused for its content, so scoring its items alone may help."""
    return (
        isinstance(exc, ProctorHTTPError) and not isinstance(exc, ProctorUnavailable) and count > 1
    )


def score_isolating(proctor: ProctorClient, submissions: Submissions) -> list[Item]:
    """``score_many``; a failure becomes every item's error, and a refused batch is re-sent
    one submission at a time so one bad sample cannot cost the others their rewards."""
    try:
        return list(proctor.score_many(submissions))
    except ProctorError as exc:
        if not _refused(exc, len(submissions)):
            return [exc] * len(submissions)
    log.info("Proctor refused a batch of %d; scoring its samples one by one", len(submissions))
    return [score_isolating(proctor, [s])[0] for s in submissions]


async def ascore_isolating(proctor: AsyncProctorClient, submissions: Submissions) -> list[Item]:
    """The asyncio twin of ``score_isolating`` (re-sends refused samples concurrently)."""
    try:
        return list(await proctor.score_many(submissions))
    except ProctorError as exc:
        if not _refused(exc, len(submissions)):
            return [exc] * len(submissions)
    log.info("Proctor refused a batch of %d; scoring its samples one by one", len(submissions))
    alone = await asyncio.gather(*(ascore_isolating(proctor, [s]) for s in submissions))
    return [items[0] for items in alone]


def submissions_for(
    completions: Sequence[Any],
    labels: Sequence[Any],
    *,
    reward: str,
    language: str,
    limits: dict[str, Any] | None,
    extract: Extractor = extract_code,
    prompts: Sequence[Any] | None = None,
) -> list[dict[str, Any]]:
    """One ``/v1/score`` submission per completion, its tests from the matching label.

    With ``prompts``, each completion continues its prompt (a signature and docstring, as in
    HumanEval and Proctor's task files), so the program is the prompt's text followed by the
    completion's code: a completion without a fence is graded as ``prompt + completion``,
    exactly as ``proctor grade`` grades a task file's samples.
    """
    if len(labels) != len(completions):
        raise ValueError(f"{len(completions)} completions but {len(labels)} labels")
    if prompts is not None and len(prompts) != len(completions):
        raise ValueError(f"{len(completions)} completions but {len(prompts)} prompts")
    submissions = []
    for i, (completion, label) in enumerate(zip(completions, labels, strict=True)):
        try:
            fields = parse_label(label)
        except ValueError as exc:
            raise ValueError(f"sample {i}: {exc}") from exc
        lang = fields.pop("language", language)
        code = extract(completion, lang)
        if prompts is not None:
            code = _prompt_text(prompts[i], i) + code
        submission = {"code": code, "language": lang, "reward": reward}
        if limits is not None:
            submission["limits"] = limits
        submissions.append({**submission, **fields})
    return submissions


def _prompt_text(prompt: Any, index: int) -> str:
    """A completion-style prompt: text that the completion continues, never a conversation."""
    if not isinstance(prompt, str):
        raise ValueError(
            f"sample {index}: a prompt the completion continues must be text, "
            f"not {type(prompt).__name__} (a conversational prompt has no program to continue)"
        )
    return prompt


def rewards_from(
    items: Sequence[ScoreResult | ProctorError], on_error: OnError
) -> list[float | None]:
    """Each score's reward; a failed item is ``None`` or raised (``on_error``), and logged."""
    failed = [(i, item) for i, item in enumerate(items) if isinstance(item, ProctorError)]
    if failed:
        first = failed[0][1]
        log.warning(
            "Proctor could not score %d of %d samples (first: sample %d, %s); %s",
            len(failed),
            len(items),
            failed[0][0],
            first,
            "raising" if on_error == "raise" else "their reward is None",
        )
        if on_error == "raise":
            raise first
    return [None if isinstance(item, ProctorError) else item.reward for item in items]
