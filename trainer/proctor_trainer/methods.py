"""The methods the recipes name, each one TRL trainer with its config class and data format.

TRL is imported here only, when a trainer is built, so ``proctor-train --list`` and the checks of
recipes and data files answer at once.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .data import FORMATS, Format, Row
from .recipe import Recipe, RecipeError

if TYPE_CHECKING:
    from transformers import Trainer

__all__ = ["build_trainer", "data_format", "make_config"]

#: Each method's data format (``data.FORMATS``) and the names of its TRL trainer and config.
_METHODS = {
    "sft": ("sft", "SFTTrainer", "SFTConfig"),
    "grpo": ("task", "GRPOTrainer", "GRPOConfig"),
    "dpo": ("dpo", "DPOTrainer", "DPOConfig"),
}


def data_format(method: str) -> Format:
    """The format a method's data files are in."""
    return FORMATS[_METHODS[method][0]]


def make_config(recipe: Recipe) -> Any:
    """TRL's config for the recipe (``SFTConfig``, ``GRPOConfig``, ``DPOConfig``), each option of
    ``training`` checked first: built before the model loads, so a bad option costs nothing."""
    import trl

    return _config(getattr(trl, _METHODS[recipe.method][2]), recipe)


def build_trainer(
    recipe: Recipe,
    config: Any,
    rows: list[Row],
    eval_rows: list[Row] | None = None,
    reward_funcs: list[Callable[..., Any]] | None = None,
) -> Trainer:
    """The recipe's TRL trainer on ``rows``, with its model loaded (a local path or hub id)."""
    import trl
    from datasets import Dataset

    extra: dict[str, Any] = {"reward_funcs": reward_funcs} if recipe.method == "grpo" else {}
    if eval_rows:
        extra["eval_dataset"] = Dataset.from_list(eval_rows)
    trainer_class = getattr(trl, _METHODS[recipe.method][1])
    return trainer_class(model=recipe.model, args=config, train_dataset=Dataset.from_list(rows), **extra)


def _config(cls: type, recipe: Recipe) -> Any:
    """TRL's config from the recipe's ``training`` options, each one checked against ``cls``."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key, value in recipe.training.items():
        if key not in fields:
            raise RecipeError(f"recipe {recipe.name}: training.{key}: {cls.__name__} has no such option")
        problem = _type_problem(value, fields[key].type)
        if problem:
            raise RecipeError(f"recipe {recipe.name}: training.{key} {problem}, not {value!r}")
    try:
        config = cls(output_dir=str(recipe.output_dir), **recipe.training)
    except (ValueError, TypeError) as exc:
        hint = " (on a machine without a GPU, pass --cpu)" if "use_cpu" in str(exc) else ""
        raise RecipeError(f"recipe {recipe.name}: {cls.__name__} refused the training options: {exc}{hint}") from exc
    strategy = getattr(config.eval_strategy, "value", config.eval_strategy)
    if bool(recipe.eval_data) != (strategy != "no"):
        raise RecipeError(
            f"recipe {recipe.name}: 'eval_data' and training.eval_strategy (steps or epoch) go together"
            f" (eval_data: {len(recipe.eval_data)} files, eval_strategy: {strategy})"
        )
    return config


def _type_problem(value: Any, annotation: Any) -> str | None:
    """What is wrong with ``value`` for an option typed bool, int or float (optionally ``| None``).

    Other options (strings, enums, lists, dicts) are left to TRL's own checks.
    """
    allowed = set(typing.get_args(annotation)) or {annotation}
    nullable = type(None) in allowed
    allowed.discard(type(None))
    if not allowed or not allowed <= {bool, int, float}:
        return None
    if value is None:
        return None if nullable else "must not be null"
    if isinstance(value, bool):
        ok = bool in allowed
    else:
        ok = isinstance(value, float) and float in allowed or isinstance(value, int) and bool(allowed & {int, float})
    if ok:
        return None
    wanted = "true or false" if allowed == {bool} else "an integer" if float not in allowed else "a number"
    return f"must be {wanted}{' or null' if nullable else ''}"
