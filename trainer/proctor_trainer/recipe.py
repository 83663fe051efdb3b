"""Recipes: shipped YAML files naming a method, its data, its reward and TRL's options for it.

A recipe is data, not code, so a run is reproducible from the file and the command line alone:
``method`` (``sft``, ``grpo`` or ``dpo``), ``model``, ``data`` (JSONL files), ``eval_data`` (the
same format, evaluated as ``training.eval_strategy`` says), ``output_dir``, ``max_rows`` (use only
the first rows of each, for smoke runs), ``reward`` (GRPO: how Proctor scores), and
``training``: options of TRL's config class for the method, as TRL names them. ``extends: NAME``
starts from another shipped recipe. Every key is checked here, and ``training`` against TRL's
config class when the trainer is built, so a misspelt option is an error, not a silent default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["METHODS", "SCHEMES", "Recipe", "RecipeError", "Reward", "load", "merge", "override", "shipped"]

METHODS = ("sft", "grpo", "dpo")
SCHEMES = ("pass_rate", "binary", "coderl", "rltf")  # Proctor's reward schemes (shared/API.md)
ON_ERROR = ("none", "raise")
TOP_KEYS = {"description", "method", "model", "data", "eval_data", "output_dir", "max_rows", "reward", "training"}
REWARD_KEYS = {"url", "scheme", "with_prompt", "on_error"}


class RecipeError(ValueError):
    """A recipe, or an override of one, that cannot be run as it is."""


class _Loader(yaml.SafeLoader):
    """YAML with YAML 1.2's floats, so ``1e-6`` is a number as it is in TRL's own configs."""


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)$|^[-+]?(?:\d+\.\d*|\.\d+)$"),
    list("-+0123456789."),
)


def parse_value(text: str) -> Any:
    """A value as YAML reads it: ``2`` is an int, ``1e-5`` a float, ``none`` a string."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


@dataclass(frozen=True)
class Reward:
    """How GRPO's completions are scored by Proctor."""

    url: str
    scheme: str
    with_prompt: bool  # grade prompt + completion (the task files' prompts are completion-style)
    on_error: str  # "none": a sample Proctor could not score is masked; "raise": the run stops


@dataclass(frozen=True)
class Recipe:
    name: str
    method: str
    description: str
    model: str
    data: tuple[Path, ...]
    eval_data: tuple[Path, ...]
    output_dir: Path
    max_rows: int | None
    reward: Reward | None
    training: dict[str, Any]

    @classmethod
    def parse(cls, name: str, raw: Mapping[str, Any]) -> Recipe:
        """A checked recipe; ``RecipeError`` names the first key that is wrong."""
        unknown = sorted(set(raw) - TOP_KEYS)
        if unknown:
            raise RecipeError(f"recipe {name}: unknown key {unknown[0]!r} (keys: {', '.join(sorted(TOP_KEYS))})")
        method = raw.get("method")
        if method not in METHODS:
            raise RecipeError(f"recipe {name}: 'method' must be one of {', '.join(METHODS)}, not {method!r}")
        model = raw.get("model")
        if not isinstance(model, str) or not model:
            raise RecipeError(f"recipe {name}: no model (--model PATH_OR_HUB_ID)")
        output_dir = raw.get("output_dir")
        if not isinstance(output_dir, str) or not output_dir:
            raise RecipeError(f"recipe {name}: 'output_dir' must be a directory")
        max_rows = raw.get("max_rows")
        if max_rows is not None and (isinstance(max_rows, bool) or not isinstance(max_rows, int) or max_rows < 1):
            raise RecipeError(f"recipe {name}: 'max_rows' must be a positive integer or null")
        training = raw.get("training") or {}
        if not isinstance(training, Mapping):
            raise RecipeError(f"recipe {name}: 'training' must be a mapping of TRL options")
        if "output_dir" in training:
            raise RecipeError(f"recipe {name}: set 'output_dir' at the top of the recipe, not in 'training'")
        return cls(
            name=name,
            method=method,
            description=str(raw.get("description") or ""),
            model=model,
            data=_files(name, raw, "data"),
            eval_data=_files(name, raw, "eval_data"),
            output_dir=Path(output_dir),
            max_rows=max_rows,
            reward=_reward(name, method, raw.get("reward")),
            training=dict(training),
        )


def _files(name: str, raw: Mapping[str, Any], key: str) -> tuple[Path, ...]:
    files = raw.get(key) or []
    files = [files] if isinstance(files, str) else files
    if not isinstance(files, list) or not all(isinstance(f, str) and f for f in files):
        raise RecipeError(f"recipe {name}: {key!r} must be a file or a list of files")
    return tuple(Path(f) for f in files)


def _reward(name: str, method: str, raw: Any) -> Reward | None:
    if method != "grpo":
        if raw is not None:
            raise RecipeError(f"recipe {name}: 'reward' is for grpo recipes, not {method}")
        return None
    if not isinstance(raw, Mapping):
        raise RecipeError(f"recipe {name}: a grpo recipe needs 'reward' ({', '.join(sorted(REWARD_KEYS))})")
    unknown = sorted(set(raw) - REWARD_KEYS)
    if unknown:
        raise RecipeError(f"recipe {name}: unknown key 'reward.{unknown[0]}' (keys: {', '.join(sorted(REWARD_KEYS))})")
    reward = Reward(
        url=raw.get("url", "http://127.0.0.1:8000"),
        scheme=raw.get("scheme", "pass_rate"),
        with_prompt=raw.get("with_prompt", True),
        on_error=raw.get("on_error", "none"),
    )
    if not isinstance(reward.url, str) or not re.match(r"^https?://", reward.url):
        raise RecipeError(f"recipe {name}: 'reward.url' must be an http(s) URL, not {reward.url!r}")
    if reward.scheme not in SCHEMES:
        raise RecipeError(f"recipe {name}: 'reward.scheme' must be one of {', '.join(SCHEMES)}, not {reward.scheme!r}")
    if not isinstance(reward.with_prompt, bool):
        raise RecipeError(f"recipe {name}: 'reward.with_prompt' must be true or false")
    if reward.on_error not in ON_ERROR:
        raise RecipeError(f"recipe {name}: 'reward.on_error' must be one of {', '.join(ON_ERROR)}")
    return reward


def shipped() -> dict[str, Path]:
    """The recipes that come with the package, by name."""
    paths = Path(__file__).with_name("recipes").glob("*.yaml")
    return {path.stem: path for path in sorted(paths, key=lambda path: path.stem)}


def load(name_or_path: str) -> tuple[str, dict[str, Any]]:
    """The recipe's name and its raw keys, ``extends`` resolved: a shipped name or a YAML file."""
    recipes = shipped()
    if name_or_path in recipes:
        name, path = name_or_path, recipes[name_or_path]
    elif name_or_path.endswith((".yaml", ".yml")) and Path(name_or_path).is_file():
        name, path = Path(name_or_path).stem, Path(name_or_path)
    else:
        raise RecipeError(f"no recipe {name_or_path!r}: a shipped one ({', '.join(recipes)}) or a .yaml file")
    return name, _read(path, recipes, seen=())


def _read(path: Path, recipes: Mapping[str, Path], seen: Sequence[Path]) -> dict[str, Any]:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506
    except (OSError, yaml.YAMLError) as exc:
        raise RecipeError(f"{path}: not a readable YAML recipe ({exc})") from exc
    if not isinstance(raw, dict):
        raise RecipeError(f"{path}: a recipe is a YAML mapping")
    base = raw.pop("extends", None)
    if base is None:
        return raw
    if base not in recipes or recipes[base] in (*seen, path):
        raise RecipeError(f"{path}: 'extends: {base}' must name another shipped recipe ({', '.join(recipes)})")
    return merge(_read(recipes[base], recipes, (*seen, path)), raw)


def merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """``top`` over ``base``; nested mappings merge key by key."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def override(raw: dict[str, Any], assignments: Sequence[str]) -> dict[str, Any]:
    """``raw`` with each ``key=value`` applied; a dotted key reaches into a mapping."""
    result = raw
    for assignment in assignments:
        key, sep, text = assignment.partition("=")
        if not sep or not key or any(not part for part in key.split(".")):
            raise RecipeError(f"--set {assignment!r}: expected key=value, e.g. training.max_steps=2")
        update: dict[str, Any] = {}
        node = update
        *parents, last = key.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        try:
            node[last] = parse_value(text)
        except yaml.YAMLError as exc:
            raise RecipeError(f"--set {assignment!r}: the value is not YAML ({exc})") from exc
        result = merge(result, update)
    return result
