"""`proctor prefs build`, the real command against the real service: TRL DPO rows and the report."""

import json
import re
import subprocess
import sys

from tests import planted


def build(service, tmp_path, problems: list, *options: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    source, target = tmp_path / "problems.jsonl", tmp_path / "pairs.jsonl"
    lines = [p if isinstance(p, str) else json.dumps(p) for p in problems]
    source.write_text("\n".join(lines) + "\n")
    command = [sys.executable, "-m", "proctor.cli", "prefs", "build", str(source), "-o", str(target)]
    done = subprocess.run(
        [*command, "--url", service.url, *options], capture_output=True, text=True, timeout=600, check=False
    )
    rows = [json.loads(line) for line in target.read_text().splitlines()]
    return done, rows


def count(report: str, *words: str) -> int:
    match = re.search(r"^\s+" + r"\s+".join(map(re.escape, words)) + r"\s+(\d+)$", report, re.MULTILINE)
    assert match, f"{words} not in the report:\n{report}"
    return int(match.group(1))


def test_codedpo_dataset_has_the_planted_pairs_and_says_what_it_dropped(service, tmp_path):
    problems = [
        {"prompt": "Sum of squares 0..n.", "codes": planted.CODES, "tests": planted.TESTS},
        {"prompt": "Only one answer.", "codes": [planted.FAST], "tests": planted.GOOD_TESTS},
        '{"prompt": "no codes"}',
        {"prompt": "Unknown language.", "codes": ["x"], "tests": planted.GOOD_TESTS, "language": "cobol"},
    ]
    done, rows = build(service, tmp_path, problems)
    assert done.returncode == 1, done.stderr  # two problems could not be ranked
    assert all(set(row) == {"prompt", "chosen", "rejected"} for row in rows)
    assert [row["prompt"] for row in rows] == ["Sum of squares 0..n."] * 2
    correctness, efficiency = rows
    assert correctness["chosen"] in (planted.FAST, planted.LOOP, planted.SLOW)
    assert correctness["rejected"] == planted.BROKEN
    assert efficiency["chosen"] in (planted.FAST, planted.LOOP) and efficiency["rejected"] == planted.SLOW
    report = done.stdout
    assert "problems: 4 read, 2 ranked, 2 not ranked" in report
    assert count(report, "correctness") == 1 and count(report, "efficiency") == 1
    assert count(report, "correctness", "all_scores_tied") == 1
    assert count(report, "efficiency", "fewer_than_two_correct") == 1
    assert count(report, "problem", "invalid_line") == 1
    assert count(report, "problem", "request_failed: unknown_language") == 1


def test_rrtf_dataset_drops_teacher_below_student_pairs(service, tmp_path):
    codes = [planted.FAST, planted.TRIANGLE, planted.FAST, planted.NEGATIVE]
    sources = ["student", "teacher", "student", "student"]
    problem = {"prompt": "p", "codes": codes, "tests": planted.GOOD_TESTS, "sources": sources}
    done, rows = build(service, tmp_path, [problem], "--method", "rrtf")
    assert done.returncode == 0, done.stderr
    assert [(row["chosen"], row["rejected"]) for row in rows] == [
        (planted.FAST, planted.NEGATIVE),
        (planted.TRIANGLE, planted.NEGATIVE),
    ]
    report = done.stdout
    assert count(report, "rank") == 2
    assert count(report, "rank", "teacher_below_student") == 2  # FAST (student) over TRIANGLE (teacher), twice
    assert count(report, "rank", "tied") == 1  # FAST and FAST
    assert count(report, "rank", "duplicate") == 1  # the second FAST over NEGATIVE
