"""verl's custom reward function (``custom_reward_function.name=compute_score``).

verl calls ``compute_score(data_source, solution_str, ground_truth, extra_info)`` once per sample
(its batch reward manager calls ``compute_score_batch`` with lists), and expects a number. It
has no way to mask a sample, so a sample Proctor could not score raises instead of becoming a
false zero. The server and scheme come from ``custom_reward_function.reward_kwargs``
(``url``, ``api_key``, ``reward``) or the environment (``PROCTOR_URL``, ``PROCTOR_API_KEY``,
``PROCTOR_REWARD``); ``ground_truth`` carries the tests (see ``labels.parse_label``).
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

# Absolute imports: verl loads this file by path, as a module outside its package.
from proctor_client._core import DEFAULT_BASE_URL
from proctor_client.client import ProctorClient
from proctor_client.rewards.scoring import rewards_from, score_isolating, submissions_for

__all__ = ["compute_score", "compute_score_batch"]


@cache
def _client(url: str, api_key: str | None) -> ProctorClient:
    """One pooled client per reward worker process and server."""
    return ProctorClient(url, api_key=api_key)


def compute_score_batch(
    data_sources: list[str],
    solution_strs: list[str],
    ground_truths: list[Any],
    extra_infos: list[Any] | None = None,
    *,
    url: str | None = None,
    api_key: str | None = None,
    reward: str | None = None,
    language: str = "python",
    **_: Any,
) -> list[float]:
    """Rewards for many samples in one batch request; raises ``ProctorError`` on an unscored one."""
    proctor = _client(
        url or os.environ.get("PROCTOR_URL", DEFAULT_BASE_URL),
        api_key or os.environ.get("PROCTOR_API_KEY"),
    )
    scheme = reward or os.environ.get("PROCTOR_REWARD", "pass_rate")
    subs = submissions_for(
        solution_strs, ground_truths, reward=scheme, language=language, limits=None
    )
    return rewards_from(score_isolating(proctor, subs), "raise")  # type: ignore[return-value]


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    **kwargs: Any,
) -> float:
    """The reward of one sample, under verl's calling convention."""
    return compute_score_batch(
        [data_source], [solution_str], [ground_truth], [extra_info], **kwargs
    )[0]
