"""The task and sample file formats (JSONL), and the submission each sample becomes.

A task line: `task_id`, `prompt`, `tests` (the API's three kinds), and optionally `entry_point`,
`reference` (a reference completion), `language` (default python) and `limits`. A sample line:
`task_id` and either `completion` (graded as `prompt + completion`, as in HumanEval) or `code`
(graded as is). Unknown keys are kept in the results and otherwise ignored.
"""

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from proctor.schemas import Limits, Test


class GradingInputError(ValueError):
    """A task or sample file that cannot be graded as it is (bad line, unknown task)."""


class Task(BaseModel):
    model_config = ConfigDict(extra="ignore")

    task_id: str
    prompt: str
    tests: list[Test]
    entry_point: str | None = None
    reference: str | None = None
    language: str = "python"
    limits: Limits | None = None

    def program(self, sample: dict) -> str:
        """The program a sample stands for."""
        return sample["code"] if "code" in sample else self.prompt + sample["completion"]

    def submission(self, sample: dict) -> dict:
        """The `/v1/score` request for one sample of this task."""
        request: dict[str, Any] = {
            "language": self.language,
            "code": self.program(sample),
            "tests": [t.model_dump() for t in self.tests],
        }
        if self.limits is not None:
            request["limits"] = self.limits.model_dump(exclude_none=True)
        return request


@dataclass(frozen=True)
class Sample:
    line: int
    data: dict  # the sample line as read; the results file repeats it


def read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """`(line number, object)` for each non-blank line; `.gz` files are read compressed."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except ValueError as exc:
                raise GradingInputError(f"{path}:{number}: not JSON: {exc}") from exc
            if not isinstance(data, dict):
                raise GradingInputError(f"{path}:{number}: expected a JSON object")
            yield number, data


def load_tasks(path: Path) -> dict[str, Task]:
    tasks: dict[str, Task] = {}
    for number, data in read_jsonl(path):
        try:
            task = Task.model_validate(data)
        except ValidationError as exc:
            raise GradingInputError(f"{path}:{number}: not a task: {exc}") from exc
        if task.task_id in tasks:
            raise GradingInputError(f"{path}:{number}: task {task.task_id!r} appears twice")
        tasks[task.task_id] = task
    return tasks


def load_samples(path: Path, tasks: dict[str, Task]) -> list[Sample]:
    samples = []
    for number, data in read_jsonl(path):
        where = f"{path}:{number}"
        if data.get("task_id") not in tasks:
            raise GradingInputError(f"{where}: unknown task_id {data.get('task_id')!r}")
        if ("completion" in data) == ("code" in data):
            raise GradingInputError(f"{where}: a sample has either 'completion' or 'code'")
        if not isinstance(data.get("completion", data.get("code")), str):
            raise GradingInputError(f"{where}: 'completion' / 'code' must be a string")
        samples.append(Sample(number, data))
    return samples


def as_submissions(tasks: dict[str, Task], samples: list[Sample]) -> list[dict[str, Any]]:
    """Each sample as its task submits it (`POST /v1/score`'s body)."""
    return [tasks[s.data["task_id"]].submission(s.data) for s in samples]


def reference_samples(tasks: dict[str, Task]) -> list[Sample]:
    """One sample per task that has a `reference`: checks that a task file's tests pass."""
    return [
        Sample(i, {"task_id": t.task_id, "completion": t.reference})
        for i, t in enumerate(tasks.values(), 1)
        if t.reference is not None
    ]
