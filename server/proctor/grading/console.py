"""The terminal side of `proctor grade`: a live progress bar and the summary table (rich)."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from proctor.grading.summary import STANDARD, Summary


class RateColumn(ProgressColumn):
    """Throughput in samples per second (rich's own speed columns are for bytes)."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed:.1f} samples/s" if task.speed else "– samples/s", style="progress.data.speed")


@contextmanager
def progress_bar(total: int, console: Console, enabled: bool = True) -> Iterator[Callable[[], None]]:
    """Yields the callback that counts one graded sample."""
    columns = (
        TextColumn("grading"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, disable=not enabled) as progress:
        task = progress.add_task("grading", total=total)
        yield lambda: progress.advance(task)


def summary_table(summary: Summary) -> Table:
    caption = None if summary.measurement == STANDARD else "not comparable with standard pass@k"
    table = Table(title="Proctor grade", caption=caption)
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("measurement", summary.measurement)
    for k, value in summary.pass_at_k.items():
        table.add_row(f"pass@{k}", f"{value:.4f}")
    if summary.mean_pass_rate is not None:
        table.add_row("mean test pass rate", f"{summary.mean_pass_rate:.4f}")
    table.add_section()
    for category, count in summary.categories.items():
        table.add_row(category, f"{count} ({count / summary.samples:.1%})" if summary.samples else "0")
    table.add_section()
    table.add_row("samples", str(summary.samples))
    table.add_row("tasks", str(len(summary.tasks)))
    return table
