"""Unit tests of the pure judging logic (comparisons, categories, rewards)."""

import statistics

import pytest
from proctor.verdict import categorize, json_equal, judge_test, normalize_stdout, reward, summarize


@pytest.mark.parametrize(
    ("actual", "expected", "equal"),
    [
        (4, 4, True),
        (4.0, 4, True),
        (True, 1, False),
        (1, True, False),
        (False, False, True),
        (None, None, True),
        ([1, [2, 3]], [1, [2, 3]], True),
        ([1, 2], [1, 2, 3], False),
        ({"a": [1]}, {"a": [1.0]}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ("1", 1, False),
        ([True], [1], False),
    ],
)
def test_json_equal(actual, expected, equal):
    assert json_equal(actual, expected) is equal


def test_stdout_ignores_trailing_whitespace_only():
    assert normalize_stdout("3  \n4\t\n\n\n") == normalize_stdout("3\n4")
    assert normalize_stdout(" 3\n") != normalize_stdout("3\n")
    assert normalize_stdout("3\n\n4") != normalize_stdout("3\n4")


@pytest.mark.parametrize(
    ("compile_ok", "statuses", "category"),
    [
        (False, ["skipped", "skipped"], "compile_error"),
        (True, ["passed", "passed"], "passed"),
        (True, ["passed", "failed"], "partial"),
        (True, ["passed", "timeout"], "partial"),
        (True, ["failed", "failed"], "wrong_answer"),
        (True, ["failed", "skipped"], "wrong_answer"),
        (True, ["failed", "error"], "runtime_error"),
        (True, ["memory_limit"], "runtime_error"),
        (True, ["output_limit", "failed"], "runtime_error"),
        (True, ["timeout", "skipped"], "runtime_error"),
    ],
)
def test_categories(compile_ok, statuses, category):
    assert categorize(compile_ok, statuses) == category


@pytest.mark.parametrize(
    ("scheme", "category", "rate", "value"),
    [
        ("pass_rate", "partial", 0.5, 0.5),
        ("pass_rate", "compile_error", 0.0, 0.0),
        ("binary", "partial", 0.5, 0.0),
        ("binary", "passed", 1.0, 1.0),
        ("coderl", "compile_error", 0.0, -1.0),
        ("coderl", "runtime_error", 0.0, -0.6),
        ("coderl", "wrong_answer", 0.0, -0.3),
        ("coderl", "partial", 0.5, -0.3),
        ("coderl", "passed", 1.0, 1.0),
        ("rltf", "partial", 0.5, -0.3 + 1.3 * 0.5),
        ("rltf", "runtime_error", 0.0, -0.6),
    ],
)
def test_rewards(scheme, category, rate, value):
    assert reward(scheme, category, rate) == pytest.approx(value)


def test_call_is_judged_on_the_trusted_side():
    test = {"kind": "call", "function": "f", "args": [], "kwargs": {}, "expected": [1, 2]}
    assert judge_test(test, {"status": "completed", "time_ms": 1, "value": [1, 2]})["status"] == "passed"
    failed = judge_test(test, {"status": "completed", "time_ms": 1, "value": [2, 1]})
    assert failed == {"status": "failed", "time_ms": 1, "expected": [1, 2], "actual": [2, 1]}
    unserializable = {"status": "completed", "time_ms": 1, "value": None, "value_repr": "<Eq object>"}
    assert judge_test(test, unserializable)["status"] == "failed"


def test_summary_counts_and_rewards():
    request = {
        "reward": "rltf",
        "tests": [{"kind": "stdio", "stdin": "", "stdout": "1\n"}, {"kind": "assert", "code": "assert 0"}],
    }
    raw = {
        "compile": {"ok": True, "error": None},
        "tests": [{"status": "completed", "time_ms": 1, "stdout": "1 \n"}, {"status": "failed", "time_ms": 1}],
        "peak_memory_kb": 1,
    }
    summary = summarize(request, raw)
    assert (summary["category"], summary["passed"], summary["total"]) == ("partial", 1, 2)
    assert summary["reward"] == pytest.approx(-0.3 + 1.3 * 0.5)


def test_a_re_timed_test_reports_its_least_cpu_time_and_the_spread_of_its_runs():
    test = {"kind": "assert", "code": "f()"}
    runs = {"cpu_ms": [30.0, 20.0, 21.0, 29.0], "time_ms": [31.0, 22.0, 25.0, 40.0]}
    judged = judge_test(test, {"status": "passed", "time_ms": 31.0, "cpu_ms": 30.0, "runs": runs})
    assert "runs" not in judged
    assert (judged["cpu_ms"], judged["time_ms"], judged["timing_runs"]) == (20.0, 28.0, 4)
    assert judged["cpu_spread"] == pytest.approx(statistics.pstdev(runs["cpu_ms"]) / 25.0, abs=1e-4)


def test_a_re_timed_test_reports_its_cpu_time_in_reference_loops():
    """Runs 2 and 3 fell in a slow spell: the reference loop around them slowed as much."""
    runs = {"cpu_ms": [20.0, 30.0, 29.0], "time_ms": [21.0, 31.0, 30.0], "ref_ms": [4.0, 6.0, 5.0]}
    judged = judge_test({"kind": "assert", "code": "f()"}, {"status": "passed", "time_ms": 21.0, "runs": runs})
    assert judged["cpu_ms"] == 20.0 and judged["cpu_ref"] == 5.0  # median of 5.0, 5.0, 5.8
    ratios = [5.0, 5.0, 5.8]
    assert judged["cpu_ref_spread"] == pytest.approx(statistics.pstdev(ratios) / statistics.mean(ratios), abs=1e-4)
    assert "ref_ms" not in judged


def test_no_reference_figure_without_a_reference_time_for_every_run():
    runs = {"cpu_ms": [20.0, 30.0], "time_ms": [21.0, 31.0], "ref_ms": [4.0, 0.0]}  # a clock too coarse (gVisor)
    judged = judge_test({"kind": "assert", "code": "f()"}, {"status": "passed", "time_ms": 21.0, "runs": runs})
    assert judged["cpu_ms"] == 20.0 and "cpu_ref" not in judged and "cpu_ref_spread" not in judged


def test_a_test_timed_once_has_no_spread():
    judged = judge_test({"kind": "assert", "code": "f()"}, {"status": "passed", "time_ms": 2.0, "cpu_ms": 1.5})
    assert (judged["cpu_ms"], judged["time_ms"]) == (1.5, 2.0) and "cpu_spread" not in judged
