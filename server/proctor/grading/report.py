"""`--report report.html`: one self-contained page (inline CSS and SVG, no scripts or fetches)
with the category histogram, per-task outcomes, the slowest tests and the most frequent errors."""

from collections import Counter
from html import escape

from proctor.grading.summary import STANDARD, UNSCORED, Summary

COLOURS = {
    "compile_error": "#8e44ad",
    "runtime_error": "#c0392b",
    "wrong_answer": "#e67e22",
    "partial": "#f1c40f",
    "passed": "#27ae60",
    UNSCORED: "#7f8c8d",
}
CRASHES = ("timeout", "memory_limit", "output_limit")
TOP = 20

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left}
td.n{text-align:right;font-variant-numeric:tabular-nums}.note{color:#a04000}
.dot{display:inline-block;width:10px;height:10px;margin-right:1px;border-radius:2px}
code{font-size:12px;white-space:pre-wrap}
"""


def render(summary: Summary, lines: list[dict], source: str) -> str:
    parts = [
        f"<h1>Proctor grade: {escape(source)}</h1>",
        _overview(summary),
        "<h2>Categories</h2>",
        _histogram(summary.categories),
        "<h2>Per-task outcomes</h2>",
        _tasks(summary),
        "<h2>Slowest tests</h2>",
        _slowest(lines),
        "<h2>Most frequent errors</h2>",
        _errors(lines),
    ]
    body = "\n".join(parts)
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>Proctor grade: {escape(source)}</title>"
        f"<style>{STYLE}</style></head><body>\n{body}\n</body></html>\n"
    )


def _overview(summary: Summary) -> str:
    rows = [("measurement", summary.measurement), ("samples", summary.samples), ("tasks", len(summary.tasks))]
    rows += [(f"pass@{k}", f"{v:.4f}") for k, v in summary.pass_at_k.items()]
    if summary.mean_pass_rate is not None:
        rows.append(("mean test pass rate", f"{summary.mean_pass_rate:.4f}"))
    note = ""
    if summary.measurement != STANDARD:
        note = "<p class=note>Per-assert tests: not comparable with the standard pass@k of other reports.</p>"
    if summary.unscored:
        note += f"<p class=note>{summary.unscored} samples could not be scored and are left out of pass@k.</p>"
    return _table(("", ""), rows) + note


def _histogram(categories: dict[str, int]) -> str:
    width, bar_h, gap = 640, 22, 6
    top = max(categories.values()) or 1
    bars = []
    for row, (category, count) in enumerate(categories.items()):
        y = row * (bar_h + gap)
        w = round((width - 260) * count / top)
        bars.append(
            f'<text x="0" y="{y + 16}">{escape(category)}</text>'
            f'<rect x="130" y="{y}" width="{w}" height="{bar_h}" fill="{COLOURS[category]}"/>'
            f'<text x="{136 + w}" y="{y + 16}">{count}</text>'
        )
    height = len(categories) * (bar_h + gap)
    return f'<svg width="{width}" height="{height}" role="img" font-size="13">{"".join(bars)}</svg>'


def _tasks(summary: Summary) -> str:
    rows = []
    for task_id, outcome in summary.tasks.items():
        dots = "".join(
            f'<span class=dot title="{escape(c)}" style="background:{COLOURS[c]}"></span>' * n
            for c, n in sorted(outcome.categories.items(), key=lambda kv: list(COLOURS).index(kv[0]))
        )
        rate = f"{outcome.correct / outcome.samples:.2f}" if outcome.samples else "–"
        rows.append((task_id, outcome.samples, outcome.correct, rate, _Raw(dots)))
    return _table(("task", "scored", "passed", "pass@1", "samples by category"), rows)


def _slowest(lines: list[dict]) -> str:
    timed = [
        (test["time_ms"], line["task_id"], n, i, test["status"])
        for n, line in enumerate(lines)
        for i, test in enumerate(line.get("tests") or ())
        if test.get("time_ms") is not None
    ]
    timed.sort(reverse=True)
    rows = [(task, sample, test, status, f"{ms:.1f}") for ms, task, sample, test, status in timed[:TOP]]
    return _table(("task", "sample", "test", "status", "time (ms)"), rows)


def _errors(lines: list[dict]) -> str:
    seen: Counter = Counter()
    where: dict[str, str] = {}
    for line in lines:
        for message in _error_messages(line):
            seen[message] += 1
            where.setdefault(message, line["task_id"])
    rows = [(_Raw(f"<code>{escape(m)}</code>"), n, where[m]) for m, n in seen.most_common(TOP)]
    return _table(("error", "count", "first seen in"), rows)


def _error_messages(line: dict) -> list[str]:
    if line["category"] is None:
        return [line["result"]]
    compile_info = line.get("compile") or {}
    if compile_info.get("error"):
        return [_describe(compile_info["error"])]
    out = []
    for test in line.get("tests") or ():
        if test["status"] in CRASHES:
            out.append(test["status"])
        elif test.get("error"):
            out.append(_describe(test["error"]))
    return out


def _describe(error: dict) -> str:
    message = (error.get("message") or "").strip().splitlines()
    return f"{error.get('type') or 'Error'}: {message[0][:160] if message else ''}".rstrip(": ")


class _Raw(str):
    """Markup built here, inserted without escaping."""


def _table(head: tuple, rows: list[tuple]) -> str:
    def cell(value: object, tag: str = "td") -> str:
        if isinstance(value, _Raw):
            return f"<{tag}>{value}</{tag}>"
        numeric = isinstance(value, int | float) or (isinstance(value, str) and value.replace(".", "", 1).isdigit())
        return f"<{tag}{' class=n' if numeric else ''}>{escape(str(value))}</{tag}>"

    header = "<tr>" + "".join(cell(h, "th") for h in head) + "</tr>" if any(head) else ""
    body = "".join("<tr>" + "".join(map(cell, row)) + "</tr>" for row in rows)
    return f"<table>{header}{body}</table>" if rows else "<p>None.</p>"
