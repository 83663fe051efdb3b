"""``proctor-train``: run a recipe (SFT, GRPO rewarded by Proctor, DPO) from the command line.

Exit status: 0 trained, 1 Proctor was not ready or failed (GRPO), 2 unusable recipe, options or data.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

import yaml
from proctor_client import ProctorError

from . import recipe as recipes
from .data import DataError
from .run import run

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="proctor-train",
        description="Train a model with one of the shipped recipes (proctor-train --list) or a recipe file.",
    )
    parser.add_argument("recipe", nargs="?", help="a shipped recipe's name, or a .yaml recipe file")
    parser.add_argument("--list", action="store_true", help="list the shipped recipes and exit")
    parser.add_argument("--show", action="store_true", help="print the recipe as it would run, and exit")
    parser.add_argument("--model", help="a local model directory or a hub id")
    parser.add_argument("--data", nargs="+", metavar="FILE", help="JSONL data files (replace the recipe's)")
    parser.add_argument("--output", metavar="DIR", help="where checkpoints and the final model go")
    parser.add_argument("--url", help="the Proctor service that scores completions (GRPO recipes)")
    parser.add_argument("--api-key", default=os.environ.get("PROCTOR_API_KEY"), help="or PROCTOR_API_KEY")
    parser.add_argument("--cpu", action="store_true", help="train on the CPU (use_cpu, no bf16): smoke runs")
    parser.add_argument(
        "--set",
        dest="assignments",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="change a recipe key, e.g. training.max_steps=2, reward.scheme=binary, max_rows=8",
    )
    return parser


def _options(args: argparse.Namespace, method: object) -> dict[str, Any]:
    """The recipe keys the command-line options set (``--set`` is applied after them, and wins)."""
    update: dict[str, Any] = {"model": args.model, "output_dir": args.output, "data": args.data}
    update = {key: value for key, value in update.items() if value is not None}
    if args.url and method == "grpo":
        update["reward"] = {"url": args.url}
    if args.cpu:
        update["training"] = {"use_cpu": True, "bf16": False, "fp16": False}
    return update


def _list() -> None:
    found = recipes.shipped()
    for name in found:
        _, raw = recipes.load(name)
        print(f"{name:<18} {raw.get('method', '?'):<5} {raw.get('description', '')}")
    folder = next(iter(found.values())).parent
    print(f"\n(in {folder}; copy one to change it, or use --set KEY=VALUE)")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.list:
        _list()
        return 0
    if not args.recipe:
        parser.error("name a recipe (proctor-train --list shows them)")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        name, raw = recipes.load(args.recipe)
        raw = recipes.override(recipes.merge(raw, _options(args, raw.get("method"))), args.assignments)
        if args.show:
            print(yaml.safe_dump(raw, sort_keys=False), end="")
            return 0
        recipe = recipes.Recipe.parse(name, raw)
        result = run(recipe, api_key=args.api_key)
    except (recipes.RecipeError, DataError) as exc:
        print(f"proctor-train: {exc}", file=sys.stderr)
        return 2
    except ProctorError as exc:
        print(f"proctor-train: {exc}", file=sys.stderr)
        return 1
    print(result.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
