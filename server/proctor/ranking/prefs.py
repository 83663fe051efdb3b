"""`proctor prefs build`: a preference dataset for TRL's DPOTrainer, built from execution.

Input, one problem per line: `{"prompt": str, "codes": [str, ...], "tests": [test, ...]}`, optionally
with `language`, `limits` and, for `--method rrtf`, `sources`. Each problem goes to POST /v1/rank of
a running service through `proctor_client`; every pair it returns becomes one output line
`{"prompt", "chosen", "rejected"}` holding the codes' text. The report counts the pairs written per
kind, and the pairs not written per kind and reason: those the ranking skipped (ties, no speed-up,
timing spread, teacher below student), identical or repeated pairs, and problems that could not be
read or ranked. A problem the service could not rank is never turned into pairs.
"""

import argparse
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

REQUIRED = ("prompt", "codes", "tests")
RANK_OPTIONS = ("damping", "iterations", "timing_repeats", "min_speedup")


@dataclass
class Report:
    problems: int = 0
    ranked: int = 0
    written: Counter = field(default_factory=Counter)  # kind → pairs written
    dropped: Counter = field(default_factory=Counter)  # (kind, reason) → pairs or problems not used

    def render(self, out: TextIO) -> None:
        failed = self.problems - self.ranked
        print(f"problems: {self.problems} read, {self.ranked} ranked, {failed} not ranked", file=out)
        print(f"pairs written: {sum(self.written.values())}", file=out)
        for kind, count in sorted(self.written.items()):
            print(f"  {kind:<12} {count:>6}", file=out)
        if self.dropped:
            print("not written:", file=out)
        for (kind, reason), count in sorted(self.dropped.items()):
            print(f"  {kind:<12} {reason:<40} {count:>6}", file=out)


def read_problems(lines: Iterable[str], report: Report) -> Iterator[dict | None]:
    """Each non-blank line as a problem, or None (counted and explained) when it cannot be one."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        report.problems += 1
        try:
            problem = json.loads(line)
            missing = [name for name in REQUIRED if name not in problem]
        except (ValueError, TypeError):
            problem, missing = None, ["a JSON object"]
        if missing:
            print(f"line {number}: not a problem (needs {', '.join(missing)})", file=sys.stderr)
            report.dropped["problem", "invalid_line"] += 1
            yield None
        else:
            yield problem


def pairs_of(problem: dict, ranked: dict, report: Report, seen: set) -> Iterator[dict]:
    """The DPO rows of one ranked problem; everything not written is counted in `report`."""
    for skipped in ranked["skipped"]:
        report.dropped[skipped["kind"], skipped["reason"]] += skipped["count"]
    codes = problem["codes"]
    for pair in ranked["pairs"]:
        chosen, rejected = codes[pair["chosen"]], codes[pair["rejected"]]
        key = (problem["prompt"], chosen, rejected)
        if chosen.strip() == rejected.strip():
            report.dropped[pair["kind"], "identical_code"] += 1
        elif key in seen:
            report.dropped[pair["kind"], "duplicate"] += 1
        else:
            seen.add(key)
            report.written[pair["kind"]] += 1
            yield {"prompt": problem["prompt"], "chosen": chosen, "rejected": rejected}


def build(lines: Iterable[str], rank: Callable[[dict], dict], out: TextIO, concurrency: int = 4) -> Report:
    """Rank every problem (`concurrency` at a time, output in input order) and write its pairs."""
    from proctor_client import ProctorError

    report, seen = Report(), set()

    def attempt(problem: dict | None) -> tuple[dict | None, dict | str | None]:
        if problem is None:
            return None, None
        try:
            return problem, rank(problem)
        except ProctorError as exc:
            print(f"problem {problem.get('id', problem['prompt'][:40])!r}: {exc}", file=sys.stderr)
            return problem, f"request_failed: {getattr(exc, 'code', None) or type(exc).__name__}"

    with ThreadPoolExecutor(concurrency) as pool:
        for problem, ranked in pool.map(attempt, read_problems(lines, report)):
            if isinstance(ranked, str):
                report.dropped["problem", ranked] += 1
            elif ranked is not None:
                report.ranked += 1
                for row in pairs_of(problem, ranked, report, seen):
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
    return report


def add_parser(commands: argparse._SubParsersAction) -> None:
    prefs = commands.add_parser("prefs", help="preference datasets from execution (CodeDPO, RRTF)")
    actions = prefs.add_subparsers(dest="prefs_command", required=True)
    build_cmd = actions.add_parser("build", help="problems JSONL → TRL DPOTrainer JSONL (prompt, chosen, rejected)")
    build_cmd.add_argument("problems", type=Path, help="JSONL: prompt, codes, tests (+ language, limits, sources)")
    build_cmd.add_argument("-o", "--output", type=Path, required=True)
    build_cmd.add_argument("--url", default="http://127.0.0.1:8000", help="a running Proctor service")
    build_cmd.add_argument("--api-key")
    build_cmd.add_argument("--method", choices=("codedpo", "rrtf"), default="codedpo")
    build_cmd.add_argument("--damping", type=float, help="codedpo d (server default 0.85)")
    build_cmd.add_argument("--iterations", type=int, help="codedpo T (server default 10)")
    build_cmd.add_argument("--timing-repeats", type=int, help="codedpo runs per timing (server default 5)")
    build_cmd.add_argument("--min-speedup", type=float, help="codedpo efficiency margin (server default 1.1)")
    build_cmd.add_argument("--concurrency", type=int, default=4, help="problems ranked at once")
    build_cmd.add_argument("--timeout", type=float, default=600.0, help="seconds per network operation")


def run(args: argparse.Namespace) -> int:
    """Exit status 0 when every problem was read and ranked, 1 otherwise (the report says why)."""
    from proctor_client import ProctorClient  # the client is its own distribution: `pip install ./client`

    options: dict[str, Any] = {name: getattr(args, name) for name in RANK_OPTIONS if getattr(args, name) is not None}
    if args.method == "rrtf" and options:
        raise SystemExit(f"--{next(iter(options)).replace('_', '-')} applies to --method codedpo only")

    with ProctorClient(args.url, api_key=args.api_key, timeout=args.timeout) as client:

        def rank(problem: dict) -> dict:
            extra = {name: problem[name] for name in ("language", "limits") if name in problem}
            if args.method == "rrtf" and "sources" in problem:
                extra["sources"] = problem["sources"]
            return client.rank(problem["codes"], problem["tests"], method=args.method, **extra, **options)

        with args.problems.open(encoding="utf-8") as lines, args.output.open("w", encoding="utf-8") as out:
            report = build(lines, rank, out, args.concurrency)
    report.render(sys.stdout)
    return 0 if report.ranked == report.problems else 1
