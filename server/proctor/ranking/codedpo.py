"""CodeDPO self-verification (arXiv 2410.05605): codes and tests vouch for each other, PageRank style.

`Link(c, t)` is 1 when code c passes test t. Every code and test score starts at 1; then, T times,
both vectors are updated together from the previous iteration:

    score_c ← (1 − d)·score_c + d·Σ_t score_t·Link(c, t)
    score_t ← (1 − d)·score_t + d·Σ_c score_c·Link(c, t)

Normalisation: none; the raw scores are returned. Scaling the joint vector by one factor would keep
every ranking, but scaling codes and tests separately would shift the balance between the (1 − d)
and the d terms and so change the rankings, so we do neither. Raw scores grow roughly like
(1 − d + d·σ)^T, σ the largest singular value of the link matrix; only their order is meaningful.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from proctor.ranking import Pair, Skipped

DAMPING = 0.85
ITERATIONS = 10
MIN_SPEEDUP = 1.1
TIE_TOLERANCE = 1e-12  # relative; equal rows give bit-identical scores, this only absorbs rounding
CPU_FLOOR_MS = 0.001  # the supervisor reports microseconds; keeps a speed-up finite


@dataclass(frozen=True)
class Efficiency:
    """One code that passes every trusted test: its CPU time on them, the spread, the speed-up,
    and, where every timed code has it, its time in reference-loop units (`cpu_ref`), which
    the spread, the speed-up and the efficiency pair are then taken from."""

    code: int
    cpu_ms: float
    spread: float | None
    speedup: float
    cpu_ref: float | None = None

    @property
    def basis(self) -> float:
        """What the speed-up and the efficiency pair compare."""
        return self.cpu_ms if self.cpu_ref is None else self.cpu_ref


@dataclass(frozen=True)
class Ranking:
    code_scores: list[float]
    test_scores: list[float]
    trusted_tests: list[int]
    efficiency: list[Efficiency]
    pairs: list[Pair]
    skipped: list[Skipped]


def self_verify(
    links: Sequence[Sequence[bool]], damping: float = DAMPING, iterations: int = ITERATIONS
) -> tuple[list[float], list[float]]:
    """Raw code and test scores after `iterations` simultaneous updates (see the module docstring)."""
    n, m = len(links), len(links[0]) if links else 0
    if any(len(row) != m for row in links):
        raise ValueError("the link matrix must have one entry per test in every row")
    passed_by = [[t for t, ok in enumerate(row) if ok] for row in links]
    passers = [[c for c in range(n) if links[c][t]] for t in range(m)]
    codes, tests = [1.0] * n, [1.0] * m
    keep = 1.0 - damping
    for _ in range(iterations):
        codes, tests = (
            [keep * codes[c] + damping * sum(tests[t] for t in passed_by[c]) for c in range(n)],
            [keep * tests[t] + damping * sum(codes[c] for c in passers[t]) for t in range(m)],
        )
    if not all(map(math.isfinite, codes + tests)):
        raise OverflowError("the raw scores overflow a float; use fewer iterations")
    return codes, tests


def _tied(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TIE_TOLERANCE)


def trusted_tests(links: Sequence[Sequence[bool]], code_scores: Sequence[float]) -> list[int]:
    """The tests passed by the top-scored code. When several codes tie at the top, only the tests
    all of them pass: execution cannot say which of them is right, so nothing else is trusted."""
    top = max(code_scores)
    leaders = [c for c, s in enumerate(code_scores) if _tied(s, top)]
    return [t for t in range(len(links[0])) if all(links[c][t] for c in leaders)]


def correctness_pair(code_scores: Sequence[float]) -> Pair | Skipped:
    """Highest self-verification score over the lowest (the lowest index among equals)."""
    best = max(range(len(code_scores)), key=code_scores.__getitem__)
    worst = min(range(len(code_scores)), key=code_scores.__getitem__)
    if _tied(code_scores[best], code_scores[worst]):
        return Skipped("correctness", "all_scores_tied")
    return Pair("correctness", best, worst, code_scores[best] - code_scores[worst])


Cells = Sequence[Sequence[float | None]]


def measure(
    links: Sequence[Sequence[bool]],
    trusted: Sequence[int],
    cpu_ms: Cells,
    cpu_spread: Cells,
    cpu_ref: Cells | None = None,
    cpu_ref_spread: Cells | None = None,
) -> list[Efficiency]:
    """CPU time on the trusted tests of every code that passes them all, and its speed-up against
    the slowest of them. A code's time is the sum of its per-test CPU times (each the least over
    its runs); its spread (coefficient of variation) combines the per-test spreads as independent
    errors. A test measured only once has no spread and adds none; a code none of whose tests has
    one gets `spread` None. A cell's CPU time includes loading the candidate, so speed-ups of fast
    codes are understated. When every trusted cell of every timed code has `cpu_ref` (re-timed
    against the supervisor's reference loop), spreads and speed-ups come from those instead: a
    slow spell of the host's CPUs during some codes' runs shifts their `cpu_ms`, not their `cpu_ref`."""
    if not trusted:
        return []
    codes = [c for c, row in enumerate(links) if all(row[t] for t in trusted)]
    by_ref = (
        cpu_ref is not None
        and cpu_ref_spread is not None
        and all(cpu_ref[c][t] is not None for c in codes for t in trusted)
    )
    times, time_spreads = (cpu_ref, cpu_ref_spread) if by_ref else (cpu_ms, cpu_spread)
    timed = []
    for c in codes:
        total = sum(times[c][t] or 0.0 for t in trusted)
        spreads = [(time_spreads[c][t], times[c][t] or 0.0) for t in trusted if time_spreads[c][t] is not None]
        spread = math.sqrt(sum((s * x) ** 2 for s, x in spreads)) / total if spreads and total > 0 else None
        timed.append((c, total, spread))
    slowest = max((total for _, total, _ in timed), default=0.0)
    return [
        Efficiency(
            c,
            round(sum(cpu_ms[c][t] or 0.0 for t in trusted), 3),
            spread and round(spread, 4),
            round(slowest / max(total, CPU_FLOOR_MS), 4),
            round(total, 4) if by_ref else None,
        )
        for c, total, spread in timed
    ]


def efficiency_pair(timed: Sequence[Efficiency], trusted: Sequence[int], min_speedup: float) -> Pair | Skipped:
    """Fastest over slowest, only when the slowest takes at least `min_speedup` times as long even
    after each time is moved one spread (one standard deviation) toward the other:
    slow·(1 − spread_slow) ≥ min_speedup · fast·(1 + spread_fast). With no spread (timing_repeats 1)
    only the speed-up margin applies."""
    if not trusted:
        return Skipped("efficiency", "no_trusted_tests")
    if len(timed) < 2:
        return Skipped("efficiency", "fewer_than_two_correct")
    fast = min(timed, key=lambda e: e.basis)
    slow = max(timed, key=lambda e: e.basis)
    if slow.basis < min_speedup * fast.basis:
        return Skipped("efficiency", "below_min_speedup")
    if slow.basis * (1 - (slow.spread or 0.0)) < min_speedup * fast.basis * (1 + (fast.spread or 0.0)):
        return Skipped("efficiency", "within_timing_spread")
    return Pair("efficiency", fast.code, slow.code, round(slow.basis - fast.basis, 4))


def rank(
    links: Sequence[Sequence[bool]],
    cpu_ms: Cells,
    cpu_spread: Cells,
    damping: float = DAMPING,
    iterations: int = ITERATIONS,
    min_speedup: float = MIN_SPEEDUP,
    cpu_ref: Cells | None = None,
    cpu_ref_spread: Cells | None = None,
) -> Ranking:
    """Scores, trusted tests, efficiency and the two pairs CodeDPO builds from one problem."""
    code_scores, test_scores = self_verify(links, damping, iterations)
    trusted = trusted_tests(links, code_scores)
    timed = measure(links, trusted, cpu_ms, cpu_spread, cpu_ref, cpu_ref_spread)
    pairs, skipped = [], []
    for found in (correctness_pair(code_scores), efficiency_pair(timed, trusted, min_speedup)):
        (pairs if isinstance(found, Pair) else skipped).append(found)
    return Ranking(code_scores, test_scores, trusted, timed, pairs, skipped)
