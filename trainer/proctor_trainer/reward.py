"""GRPO's reward: each completion scored by a running Proctor against its task's tests.

The task's tests, language and limits travel in the row's ``label`` column (``data._task_row``),
so every row is scored under its own limits. A sample Proctor could not score is ``None``, which
TRL masks, or stops the run (``on_error: raise``); never a false 0.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from proctor_client import ProctorClient, ProctorUnavailable
from proctor_client.rewards.trl import RewardFunc, reward_func

from .data import DataError, Row
from .recipe import Reward

__all__ = ["check_supported", "connect", "proctor_reward"]


def connect(reward: Reward, api_key: str | None = None) -> ProctorClient:
    """A client for the recipe's Proctor, checked ready first: a run against a service that is down
    would only mask every reward, for hours, before anyone noticed."""
    client = ProctorClient(reward.url, api_key=api_key)
    if not client.ready():
        client.close()
        raise ProctorUnavailable(
            f"Proctor at {reward.url} is not ready to run code (start it with `make up`, or pass --url)"
        )
    return client


def check_supported(client: ProctorClient, rows: Sequence[Row]) -> None:
    """Raise ``DataError`` for a task this Proctor would refuse on every step (a language it does
    not run, more tests than it takes in one submission); its limits it clamps, so they pass."""
    info = client.info()
    languages, max_tests = sorted(info.get("languages", {})), info.get("max_tests")
    for row in rows:
        label = json.loads(row["label"])
        if label["language"] not in languages:
            runs = ", ".join(languages)
            raise DataError(
                f"task {row['task_id']!r}: Proctor at {client.base_url} runs {runs}, not {label['language']!r}"
            )
        if max_tests is not None and len(label["tests"]) > max_tests:
            raise DataError(
                f"task {row['task_id']!r}: {len(label['tests'])} tests, Proctor takes at most {max_tests} a submission"
            )


def proctor_reward(reward: Reward, client: ProctorClient) -> RewardFunc:
    """The reward function ``GRPOTrainer`` calls; TRL logs it as ``proctor_<scheme>``."""
    return reward_func(
        tests_column="label",
        reward=reward.scheme,
        on_error=reward.on_error,
        with_prompt=reward.with_prompt,
        name=f"proctor_{reward.scheme}",
        client=client,
    )
