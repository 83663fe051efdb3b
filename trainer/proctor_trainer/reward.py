"""GRPO's reward: each completion scored by a running Proctor against its task's tests.

The task's tests, language and limits travel in the row's ``label`` column (``data._task_row``),
so every row is scored under its own limits. A sample Proctor could not score is ``None``, which
TRL masks, or stops the run (``on_error: raise``); never a false 0.
"""

from __future__ import annotations

from proctor_client import ProctorClient, ProctorUnavailable
from proctor_client.rewards.trl import RewardFunc, reward_func

from .recipe import Reward

__all__ = ["connect", "proctor_reward"]


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
