"""Reward adapters for RL trainers, importable without the trainers installed.

- TRL: ``proctor_client.rewards.trl.reward_func`` / ``async_reward_func``
- verl: ``proctor_client.rewards.verl.compute_score`` / ``compute_score_batch``
- OpenRLHF: the server's ``POST /get_reward`` route (``--remote_rm_url http://…/get_reward``)
"""

from .extract import completion_text, extract_code
from .labels import parse_label

__all__ = ["completion_text", "extract_code", "parse_label"]
