"""Judging on the trusted side: comparisons, categories and rewards. Pure functions, no I/O."""

import statistics
from typing import Any

CRASH_STATUSES = frozenset({"error", "timeout", "memory_limit", "output_limit"})
CODERL_REWARD = {"compile_error": -1.0, "runtime_error": -0.6, "wrong_answer": -0.3, "partial": -0.3, "passed": 1.0}


def json_equal(actual: Any, expected: Any) -> bool:
    """Equality of JSON values: numbers by value (1 == 1.0), but booleans are not numbers."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        return actual == expected
    if isinstance(expected, list) and isinstance(actual, list):
        return len(actual) == len(expected) and all(map(json_equal, actual, expected))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(json_equal(actual[k], expected[k]) for k in expected)
    return type(actual) is type(expected) and actual == expected


def normalize_stdout(text: str) -> str:
    """Trailing whitespace on each line and at the end does not count."""
    return "\n".join(line.rstrip() for line in text.rstrip().splitlines())


def timing_summary(runs: dict) -> dict:
    """A re-timed test's figures (`timing_repeats`): its least CPU time, because neighbours on a
    shared core (other jobs, a busy hyperthread sibling) only ever add CPU time, so the minimum is
    the estimate that repeats; the median wall time; and the spread of the CPU times (coefficient
    of variation), which CodeDPO uses to skip speed differences within the noise. Where the
    supervisor timed its reference loop around each run, also `cpu_ref`, the median of the runs'
    CPU times over the loop's: a spell that slows the whole host for longer than the runs take
    moves every run's CPU time (so the least, too), and the loop's by as much, not their ratio."""
    cpus, walls = runs["cpu_ms"], runs["time_ms"]
    summary = {
        "time_ms": round(statistics.median(walls), 3),
        "cpu_ms": round(min(cpus), 3),
        "timing_runs": len(cpus),
    }
    if len(cpus) > 1 and summary["cpu_ms"] > 0:
        summary["cpu_spread"] = _spread(cpus)
    refs = runs.get("ref_ms", [])
    if len(refs) == len(cpus) and all(ref > 0 for ref in refs):
        ratios = [cpu / ref for cpu, ref in zip(cpus, refs, strict=True)]
        summary["cpu_ref"] = round(statistics.median(ratios), 4)
        if len(ratios) > 1 and summary["cpu_ref"] > 0:
            summary["cpu_ref_spread"] = _spread(ratios)
    return summary


def _spread(values: list[float]) -> float:
    """Coefficient of variation."""
    return round(statistics.pstdev(values) / statistics.mean(values), 4)


def judge_test(test: dict, raw: dict) -> dict:
    """Turn the supervisor's report on one test into the contract's test result."""
    result = {k: v for k, v in raw.items() if k not in ("value", "value_repr", "stdout", "runs")}
    if "runs" in raw:
        result.update(timing_summary(raw["runs"]))
    if raw["status"] != "completed":
        return result
    if test["kind"] == "call":
        actual = raw["value"] if raw.get("value_repr") is None else raw["value_repr"]
        ok = raw.get("value_repr") is None and json_equal(raw["value"], test["expected"])
        expected = test["expected"]
    else:
        actual, expected = raw.get("stdout", ""), test["stdout"]
        ok = normalize_stdout(actual) == normalize_stdout(expected)
    result["status"] = "passed" if ok else "failed"
    if not ok:
        result.update(expected=expected, actual=actual)
    return result


def categorize(compile_ok: bool, statuses: list[str]) -> str:
    """RRTF's order, with CodeRL's split between a crash and a wrong answer."""
    if not compile_ok:
        return "compile_error"
    passed = statuses.count("passed")
    if statuses and passed == len(statuses):
        return "passed"
    if passed:
        return "partial"
    return "runtime_error" if any(s in CRASH_STATUSES for s in statuses) else "wrong_answer"


def reward(scheme: str, category: str, pass_rate: float) -> float:
    if scheme == "pass_rate":
        return 0.0 if category == "compile_error" else pass_rate
    if scheme == "binary":
        return 1.0 if category == "passed" else 0.0
    if scheme == "coderl":
        return CODERL_REWARD[category]
    if scheme == "rltf":
        return -0.3 + 1.3 * pass_rate if category == "partial" else CODERL_REWARD[category]
    raise ValueError(f"unknown reward scheme {scheme!r}")


def summarize(request: dict, raw: dict) -> dict:
    """Everything in a score response that follows from the request and the supervisor's reply."""
    tests = [judge_test(t, r) for t, r in zip(request["tests"], raw["tests"], strict=True)]
    statuses = [t["status"] for t in tests]
    passed, total = statuses.count("passed"), len(statuses)
    pass_rate = round(passed / total, 4)
    category = categorize(raw["compile"]["ok"], statuses)
    return {
        "category": category,
        "passed": passed,
        "total": total,
        "pass_rate": pass_rate,
        "reward": round(reward(request["reward"], category, pass_rate), 4),
        "compile": raw["compile"],
        "tests": tests,
        "peak_memory_kb": raw.get("peak_memory_kb", 0),
    }
