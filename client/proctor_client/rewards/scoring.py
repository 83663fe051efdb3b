"""The part every adapter shares: completions and labels in, rewards (or ``None``) out.

An infrastructure failure that survived the client's retries is never turned into a number:
it becomes ``None`` for that sample (TRL masks it) or is raised, as the adapter is configured,
and it is logged either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any, Literal

from ..errors import ProctorError
from ..models import ScoreResult
from .extract import extract_code
from .labels import parse_label

__all__ = ["Extractor", "OnError", "rewards_from", "submissions_for"]

log = logging.getLogger("proctor_client.rewards")

OnError = Literal["none", "raise"]
Extractor = Callable[[Any, str], str]


def submissions_for(
    completions: Sequence[Any],
    labels: Sequence[Any],
    *,
    reward: str,
    language: str,
    limits: dict[str, Any] | None,
    extract: Extractor = extract_code,
) -> list[dict[str, Any]]:
    """One ``/v1/score`` submission per completion, its tests from the matching label."""
    if len(labels) != len(completions):
        raise ValueError(f"{len(completions)} completions but {len(labels)} labels")
    submissions = []
    for i, (completion, label) in enumerate(zip(completions, labels, strict=True)):
        try:
            fields = parse_label(label)
        except ValueError as exc:
            raise ValueError(f"sample {i}: {exc}") from exc
        lang = fields.pop("language", language)
        submission = {"code": extract(completion, lang), "language": lang, "reward": reward}
        if limits is not None:
            submission["limits"] = limits
        submissions.append({**submission, **fields})
    return submissions


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
