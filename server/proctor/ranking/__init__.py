"""Preference data from execution: CodeDPO self-verification (`codedpo`) and RRTF ranking (`rrtf`).

The algorithms are pure functions of a pass matrix (and, for efficiency, its CPU times), so they
run without HTTP; `/v1/rank` and `proctor prefs build` are thin layers over them.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Pair:
    """A preference: `chosen` over `rejected` (indices into the codes), and by how much."""

    kind: str
    chosen: int
    rejected: int
    margin: float


@dataclass(frozen=True)
class Skipped:
    """Pairs of one kind that were not emitted, and why (so a dataset report can say so)."""

    kind: str
    reason: str
    count: int = 1
