"""The named splits, and which atomic functions are held out of every training composition."""

import random
from collections.abc import Sequence
from dataclasses import dataclass

from proctor.suite.atomic import TOPICS
from proctor.suite.spec import Atomic

HELD_OUT_PER_TOPIC = 2
GENERATED_PER_ATOMIC = 5  # generated inputs an atomic task is tested on, besides its edge cases
INPUTS_PER_COMPOSITION = 8


@dataclass(frozen=True)
class SyntheticSplit:
    name: str
    depths: tuple[int, ...]
    combine: bool  # whether f(g(x), h(x)) shapes appear, and with them the two-argument functions
    held_out: bool  # True: every composition uses a held-out function; False: none does
    candidates: int
    about: str


SYNTHETIC_SPLITS = (
    SyntheticSplit("synthetic_a", (2,), False, False, 60, "chains of 2 one-argument functions"),
    SyntheticSplit("synthetic_b", (3,), True, False, 80, "depth 3: chains, and two-argument functions combining"),
    SyntheticSplit("synthetic_c", (4,), True, False, 120, "depth 4: chains and combinations"),
    SyntheticSplit("synthetic_heldout", (2, 3, 4), True, True, 80, "depth 2-4, each using a held-out function"),
)


def held_out(atomics: Sequence[Atomic], seed: int) -> frozenset[str]:
    """HELD_OUT_PER_TOPIC functions of each topic, drawn with the seed."""
    rng = random.Random(f"{seed}:held-out")
    names: set[str] = set()
    for topic in TOPICS:
        names.update(rng.sample(sorted(a.name for a in atomics if a.topic == topic), HELD_OUT_PER_TOPIC))
    return frozenset(names)
