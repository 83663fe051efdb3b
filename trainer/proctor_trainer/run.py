"""One recipe run: check the data, connect to Proctor (GRPO), train, save the model."""

from __future__ import annotations

import math
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .data import read_rows
from .methods import build_trainer, data_format, make_config
from .recipe import Recipe
from .reward import check_supported, connect, proctor_reward

__all__ = ["Result", "run"]


@dataclass(frozen=True)
class Result:
    """What a run left: the saved model's directory and TRL's log, one entry per logging step."""

    output_dir: Path
    steps: int
    log_history: list[dict[str, Any]]

    def last(self, key: str) -> float | None:
        """The last logged value of ``key`` (``loss``, ``reward``, ...), if it was logged."""
        values = [entry[key] for entry in self.log_history if key in entry]
        return values[-1] if values else None

    def summary(self) -> str:
        parts = [f"{self.steps} step{'' if self.steps == 1 else 's'}"]
        for key in ("train_loss", "reward", "eval_loss", "eval_reward"):
            value = self.last(key)
            if value is not None:
                parts.append(f"{key} {value:.4g}" if math.isfinite(value) else f"{key} {value}")
        return f"trained {', '.join(parts)}; model saved to {self.output_dir}"


def run(recipe: Recipe, api_key: str | None = None) -> Result:
    """Train as the recipe says. Bad data (``DataError``) or training options (``RecipeError``)
    fail before the model loads, and so does a GRPO run against a Proctor that is not ready
    (``ProctorUnavailable``)."""
    fmt = data_format(recipe.method)
    rows = read_rows(fmt, recipe.data, recipe.max_rows)
    eval_rows = read_rows(fmt, recipe.eval_data, recipe.max_rows) if recipe.eval_data else None
    config = make_config(recipe)
    with ExitStack() as stack:
        reward_funcs = None
        if recipe.reward is not None:
            client = stack.enter_context(connect(recipe.reward, api_key))
            check_supported(client, rows + (eval_rows or []))
            reward_funcs = [proctor_reward(recipe.reward, client)]
        trainer = build_trainer(recipe, config, rows, eval_rows, reward_funcs)
        trainer.train()
        trainer.save_model()
    return Result(recipe.output_dir, trainer.state.global_step, list(trainer.state.log_history))
