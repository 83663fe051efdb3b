"""Reward functions for TRL's ``GRPOTrainer(reward_funcs=[...])`` (TRL itself is not imported).

TRL calls a reward function with keyword arguments ``prompts``, ``completions``,
``completion_ids`` and every other dataset column, one list entry per generated sample, and
accepts ``None`` in the returned list for a sample it should not learn from. ``async def``
reward functions are awaited concurrently with the others by recent TRL versions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from .._core import DEFAULT_BASE_URL
from ..client import AsyncProctorClient, ProctorClient
from .extract import extract_code
from .scoring import (
    Extractor,
    OnError,
    ascore_isolating,
    rewards_from,
    score_isolating,
    submissions_for,
)

__all__ = ["async_reward_func", "reward_func"]

RewardFunc = Callable[..., list[float | None]]
AsyncRewardFunc = Callable[..., Awaitable[list[float | None]]]


def reward_func(
    url: str = DEFAULT_BASE_URL,
    *,
    tests_column: str = "tests",
    reward: str = "pass_rate",
    on_error: OnError = "none",
    language: str = "python",
    limits: dict[str, Any] | None = None,
    extract: Extractor = extract_code,
    with_prompt: bool = False,
    name: str = "proctor",
    client: ProctorClient | None = None,
    **client_kwargs: Any,
) -> RewardFunc:
    """A TRL reward function that scores each completion against its row's tests.

    ``tests_column`` names the dataset column with the tests (see ``labels.parse_label``);
    ``reward`` is the scheme (``pass_rate``, ``binary``, ``coderl``, ``rltf``); ``on_error``
    says whether a sample Proctor could not score gets ``None`` (TRL masks it) or raises.
    ``with_prompt`` grades ``prompt + completion``, for completion-style text prompts (a
    signature and docstring the model continues, as in Proctor's task files and HumanEval).
    ``name`` is what TRL logs the reward under. Other keywords go to ``ProctorClient``.
    """
    proctor = client or ProctorClient(url, **client_kwargs)

    def score(
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Sequence[Any] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        subs = submissions_for(
            completions,
            _column(columns, tests_column),
            reward=reward,
            language=language,
            limits=limits,
            extract=extract,
            prompts=_prompts(prompts, with_prompt),
        )
        return rewards_from(score_isolating(proctor, subs), on_error)

    score.__name__ = score.__qualname__ = name
    return score


def async_reward_func(
    url: str = DEFAULT_BASE_URL,
    *,
    tests_column: str = "tests",
    reward: str = "pass_rate",
    on_error: OnError = "none",
    language: str = "python",
    limits: dict[str, Any] | None = None,
    extract: Extractor = extract_code,
    with_prompt: bool = False,
    name: str = "proctor",
    **client_kwargs: Any,
) -> AsyncRewardFunc:
    """The ``async def`` twin of ``reward_func``, for TRL's asynchronous reward functions.

    It opens an ``AsyncProctorClient`` per call, because TRL may call it from an event loop
    of its own and an httpx async pool must not outlive the loop it was made on.
    """

    async def score(
        prompts: Sequence[Any] | None = None,
        completions: Sequence[Any] = (),
        completion_ids: Sequence[Any] | None = None,
        **columns: Any,
    ) -> list[float | None]:
        subs = submissions_for(
            completions,
            _column(columns, tests_column),
            reward=reward,
            language=language,
            limits=limits,
            extract=extract,
            prompts=_prompts(prompts, with_prompt),
        )
        async with AsyncProctorClient(url, **client_kwargs) as proctor:
            items = await ascore_isolating(proctor, subs)
        return rewards_from(items, on_error)

    score.__name__ = score.__qualname__ = name
    return score


def _prompts(prompts: Sequence[Any] | None, with_prompt: bool) -> Sequence[Any] | None:
    if with_prompt and prompts is None:
        raise ValueError("with_prompt=True grades prompt + completion, but no prompts were passed")
    return prompts if with_prompt else None


def _column(columns: dict[str, Any], name: str) -> Sequence[Any]:
    if name not in columns:
        raise KeyError(
            f"the dataset has no {name!r} column with the tests (columns: {sorted(columns)})"
        )
    return columns[name]
