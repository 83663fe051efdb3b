"""RRTF ranking (PanGu-Coder2, arXiv 2307.14936): order responses by their execution result.

Each response's score is the number that orders it:

- the category: compile_error 0 < runtime_error 1 < wrong_answer 2 < passed 3;
- partial: 2 + passed/total, strictly between wrong_answer and passed, higher with more tests passed;
- a teacher's response gets half a test's worth more (0.5/total), so it ranks above a student's
  with the same result and below any response that passed one test more.

Every pair of responses with different scores is a pair, the higher one chosen, with the score
difference as its margin (the ranking loss weights by it), except that pairs where the teacher
ranks below the student are dropped, as in the paper.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from proctor.ranking import Pair, Skipped

Source = Literal["teacher", "student"]
CATEGORY_SCORE = {"compile_error": 0.0, "runtime_error": 1.0, "wrong_answer": 2.0, "passed": 3.0}
DIGITS = 6


@dataclass(frozen=True)
class Ranking:
    scores: list[float]
    ranks: list[int]
    pairs: list[Pair]
    skipped: list[Skipped]


def score(category: str, passed: int, total: int, source: Source | None = None) -> float:
    """The number a response is ranked by (see the module docstring)."""
    base = 2.0 + passed / total if category == "partial" else CATEGORY_SCORE[category]
    return round(base + (0.5 / total if source == "teacher" else 0.0), DIGITS)


def rank(
    categories: Sequence[str], passed: Sequence[int], total: int, sources: Sequence[Source] | None = None
) -> Ranking:
    """Scores, ranks (0 is the best; equal scores share a rank) and the ordered pairs."""
    who = list(sources) if sources is not None else [None] * len(categories)
    scores = [score(c, p, total, s) for c, p, s in zip(categories, passed, who, strict=True)]
    ranks = [sum(other > mine for other in scores) for mine in scores]
    order = sorted(range(len(scores)), key=lambda i: (ranks[i], i))
    pairs, tied, dropped = [], 0, 0
    for a, i in enumerate(order):
        for j in order[a + 1 :]:
            if scores[i] == scores[j]:
                tied += 1
            elif who[i] == "student" and who[j] == "teacher":
                dropped += 1
            else:
                pairs.append(Pair("rank", i, j, round(scores[i] - scores[j], DIGITS)))
    skipped = [Skipped("rank", reason, n) for reason, n in (("tied", tied), ("teacher_below_student", dropped)) if n]
    return Ranking(scores, ranks, pairs, skipped)
