"""What a grading run adds up to: pass@k, counts per category, and per-task outcomes."""

from collections import Counter
from dataclasses import dataclass, field

from proctor_client import CATEGORIES

from proctor.grading.passk import pass_at_ks

UNSCORED = "unscored"
STANDARD = "standard"  # the measurement every other report of the benchmark uses


@dataclass
class TaskOutcome:
    samples: int = 0  # scored samples only
    correct: int = 0
    categories: Counter = field(default_factory=Counter)


@dataclass
class Summary:
    measurement: str
    samples: int
    categories: dict[str, int]  # every category (worst to best), then `unscored`
    pass_at_k: dict[int, float]
    mean_pass_rate: float | None
    tasks: dict[str, TaskOutcome]

    @property
    def unscored(self) -> int:
        return self.categories[UNSCORED]


def summarize(lines: list[dict], ks: list[int], measurement: str) -> Summary:
    tasks: dict[str, TaskOutcome] = {}
    counts = Counter()
    rates = []
    for line in lines:
        task = tasks.setdefault(line["task_id"], TaskOutcome())
        category = line["category"] or UNSCORED
        counts[category] += 1
        task.categories[category] += 1
        if line["passed"] is not None:
            task.samples += 1
            task.correct += line["passed"]
            rates.append(line["pass_rate"])
    scored = {tid: (t.samples, t.correct) for tid, t in tasks.items() if t.samples}
    return Summary(
        measurement=measurement,
        samples=len(lines),
        categories={c: counts[c] for c in (*CATEGORIES, UNSCORED)},
        pass_at_k=pass_at_ks(scored, ks),
        mean_pass_rate=sum(rates) / len(rates) if rates else None,
        tasks=tasks,
    )
