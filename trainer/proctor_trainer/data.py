"""Reading the recipes' data files (JSONL) and checking every row before TRL sees it.

A bad row caught here is one line naming the file and line; caught inside TRL it would be a stack
trace from a tokenizer or a collator, often after the model has loaded, or a reward that silently
never comes (Proctor refuses the submission, so the sample is masked for the whole run).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .tasks import check_limits, check_tests

__all__ = ["FORMATS", "DataError", "Format", "read_rows"]


class DataError(ValueError):
    """A data file that cannot be trained on as it is; the message names the file and line."""


Row = dict[str, Any]
Check = Callable[[Any], str | None]  # a problem with a value, or None when it is fine


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {type(value).__name__}"
    return None if value.strip() else "must not be empty"


def _optional_str(value: Any) -> str | None:
    return None if value is None or isinstance(value, str) else "must be a string"


class Format:
    """A file format: its required and optional columns, each with its check, and the row TRL gets.

    ``name`` reads as the start of "<name> row", e.g. "an SFT".
    """

    def __init__(
        self,
        name: str,
        required: dict[str, Check],
        optional: dict[str, Check] | None = None,
        shape: Callable[[Row], Row] | None = None,
    ) -> None:
        self.name = name
        self.required = required
        self.optional = optional or {}
        self.shape = shape or (lambda row: {k: row[k] for k in self.required})

    def row(self, data: Row, where: str) -> Row:
        """The training row for one line, or a ``DataError`` naming the line and the column."""
        missing = [name for name in self.required if name not in data]
        if missing:
            names = ", ".join(repr(n) for n in missing)
            plural = "s" if len(missing) > 1 else ""
            raise DataError(f"{where}: missing column{plural} {names} ({self.name} row has {self.columns})")
        checks = {**self.required, **{k: c for k, c in self.optional.items() if k in data}}
        for name, check in checks.items():
            problem = check(data[name])
            if problem:
                raise DataError(f"{where}: column {name!r}: {problem}")
        return self.shape(data)

    @property
    def columns(self) -> str:
        optional = f" (optional: {', '.join(self.optional)})" if self.optional else ""
        return ", ".join(self.required) + optional


def _task_row(data: Row) -> Row:
    """A GRPO row: the prompt, and the label the reward reads (tests, language, limits).

    The label is a JSON string because Arrow wants one type per column and tests differ in shape.
    """
    label = {"tests": data["tests"], "language": data.get("language") or "python"}
    if data.get("limits") is not None:
        label["limits"] = data["limits"]
    return {"task_id": data["task_id"], "prompt": data["prompt"], "label": json.dumps(label)}


FORMATS: dict[str, Format] = {
    "sft": Format("an SFT", {"prompt": _text, "completion": _text}),
    "dpo": Format("a preference", {"prompt": _text, "chosen": _text, "rejected": _text}),
    "task": Format(
        "a task",
        {"task_id": _text, "prompt": _text, "tests": check_tests},
        {
            "entry_point": _optional_str,
            "reference": _optional_str,
            "language": _optional_str,
            "limits": check_limits,
        },
        _task_row,
    ),
}


def _lines(path: Path) -> Iterator[tuple[str, Row]]:
    """``(where, object)`` for each non-blank line of a JSONL file."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                data = json.loads(line)
            except ValueError as exc:
                raise DataError(f"{where}: not JSON ({exc})") from exc
            if not isinstance(data, dict):
                raise DataError(f"{where}: expected a JSON object, not {type(data).__name__}")
            yield where, data


def read_rows(fmt: Format, paths: Sequence[Path], max_rows: int | None = None) -> list[Row]:
    """Every row of ``paths`` in order (the first ``max_rows`` of them), each one checked.

    Only the rows used are read, so a smoke run on a large file starts at once.
    """
    if not paths:
        raise DataError(f"no data file given (--data FILE: JSONL, {fmt.name} row per line: {fmt.columns})")
    rows: list[Row] = []
    ids: dict[str, str] = {}
    for path in paths:
        for where, data in _lines(path):
            if max_rows is not None and len(rows) >= max_rows:
                break  # the other files are still opened: a missing one is an error all the same
            row = fmt.row(data, where)
            if "task_id" in row:
                if row["task_id"] in ids:
                    first = ids[row["task_id"]]
                    raise DataError(f"{where}: task_id {row['task_id']!r} also at {first}")
                ids[row["task_id"]] = where
            rows.append(row)
    if not rows:
        raise DataError(f"{', '.join(map(str, paths))}: no rows")
    return rows
