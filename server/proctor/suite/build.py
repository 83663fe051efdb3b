"""`proctor suite build`: from the atomic functions and a seed to the shipped files of benchmarks/atomic.

Every expected output comes from the sandbox (through a running service), and every task's reference is
scored against its own tests before anything is written. Given the same seed and the same service,
the files come out byte for byte the same.
"""

import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from proctor_client import ProctorClient, ProctorError

from proctor.suite.atomic import ATOMICS
from proctor.suite.compose import Composer, Composition
from proctor.suite.datasheet import write_datasheet
from proctor.suite.filters import screen
from proctor.suite.observe import LIMITS, BuildError, Program, call_tests, canonical, observe, score_all
from proctor.suite.spec import Atomic
from proctor.suite.splits import (
    GENERATED_PER_ATOMIC,
    INPUTS_PER_COMPOSITION,
    SYNTHETIC_SPLITS,
    SyntheticSplit,
    held_out,
)
from proctor.suite.types import Gen, conforms

DRAWS_PER_CANDIDATE = 200


@dataclass
class Task:
    task_id: str
    split: str
    entry_point: str
    prompt: str
    reference: str
    inputs: list[list[Any]]
    returns: str
    info: dict[str, Any]
    expected: list[Any] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        """One line of the task file, in the grading CLI's generic task format."""
        return {
            "task_id": self.task_id,
            "prompt": self.prompt,
            "entry_point": self.entry_point,
            "reference": self.reference,
            "language": "python",
            "tests": call_tests(self.entry_point, self.inputs, self.expected),
            "limits": LIMITS,
        }


@dataclass
class Suite:
    tasks: list[Task]
    dropped: list[dict[str, Any]]
    held_out: frozenset[str]

    def splits(self) -> list[str]:
        return list(dict.fromkeys(t.split for t in self.tasks))


def unique_inputs(gen: Gen, rng: random.Random, count: int, taken: Sequence[Any] = ()) -> list[Any]:
    """`count` distinct generated values (fewer if the generator cannot make that many), none in `taken`."""
    seen = {canonical(v) for v in taken}
    values = []
    for _ in range(count * 20):
        value = gen(rng)
        if canonical(value) not in seen:
            seen.add(canonical(value))
            values.append(value)
            if len(values) == count:
                break
    return values


def atomic_task(atomic: Atomic, seed: int, held: frozenset[str]) -> Task:
    edges = [list(e) for e in atomic.edges]
    rng = random.Random(f"{seed}:atomic:{atomic.name}")
    inputs = edges + unique_inputs(atomic.sample, rng, GENERATED_PER_ATOMIC, edges)
    info = {"depth": 1, "shape": "atomic", "atomics": [atomic.name], "topics": [atomic.topic]}
    info["held_out"] = atomic.name in held
    return Task(
        f"atomic/{atomic.name}", "atomic", atomic.name, atomic.prompt, atomic.body, inputs, atomic.returns, info
    )


def composition_task(composition: Composition, split: str, seed: int, held: frozenset[str]) -> Task:
    entry, position = composition.entry()
    rng = random.Random(f"{seed}:{composition.name}")
    inputs = [[x] for x in unique_inputs(entry.gens[position], rng, INPUTS_PER_COMPOSITION)]
    names = [a.name for a in composition.atomics]
    info = {
        "depth": composition.root.depth,
        "shape": "combine" if composition.root.atomic.arity == 2 else "chain",
        "atomics": names,
        "topics": sorted({a.topic for a in composition.atomics}),
        "held_out": any(n in held for n in names),
        "composition": composition.root.key,
    }
    return Task(
        f"{split}/{composition.name.removeprefix(f'{split}_')}",
        split,
        composition.name,
        composition.prompt,
        composition.reference,
        inputs,
        composition.returns,
        info,
    )


def draw_split(split: SyntheticSplit, seed: int, held: frozenset[str], taken: set[str]) -> list[Composition]:
    """`split.candidates` new compositions (skipping any already drawn for another split)."""
    rng = random.Random(f"{seed}:{split.name}")
    pool = ATOMICS if split.held_out else [a for a in ATOMICS if a.name not in held]
    composer = Composer(rng, pool)
    drawn: list[Composition] = []
    for _ in range(split.candidates * DRAWS_PER_CANDIDATE):
        if len(drawn) == split.candidates:
            break
        found = composer.draw(rng.choice(split.depths), split.combine)
        if found is None or found[0].key in taken:
            continue
        root, input_type = found
        if split.held_out and not any(c.atomic.name in held for c in root.calls()):
            continue
        taken.add(root.key)
        drawn.append(Composition(f"{split.name}_{len(drawn) + 1:03d}", input_type, root))
    return drawn


def compose_candidates(seed: int, held: frozenset[str]) -> list[Task]:
    taken: set[str] = set()
    return [
        composition_task(c, split.name, seed, held)
        for split in SYNTHETIC_SPLITS
        for c in draw_split(split, seed, held, taken)
    ]


def run_candidates(
    client: ProctorClient, candidates: Sequence[Task], limits: dict = LIMITS
) -> tuple[list[Task], list[dict[str, Any]]]:
    """Execute each candidate's reference in the sandbox; keep those that pass the filters, with their outputs."""
    programs = [Program(t.prompt + t.reference, t.entry_point, t.inputs) for t in candidates]
    outcomes = observe(client, programs, limits)
    kept, dropped = [], []
    for task, results in zip(candidates, outcomes, strict=True):
        verdict = screen(results, task.returns) if task.inputs else ("constant", "no inputs")
        if verdict is None:
            task.expected = [o.value for o in results]
            kept.append(task)
        else:
            reason, detail = verdict
            dropped.append({"task_id": task.task_id, "split": task.split, "reason": reason, "detail": detail})
    return kept, dropped


def run_atomics(client: ProctorClient, tasks: Sequence[Task]) -> None:
    """Fill in the atomic tasks' expected outputs; an atomic reference that fails on its own inputs is a bug."""
    outcomes = observe(client, [Program(t.prompt + t.reference, t.entry_point, t.inputs) for t in tasks])
    for task, results in zip(tasks, outcomes, strict=True):
        pairs = zip(task.inputs, results, strict=True)
        bad = [(args, o) for args, o in pairs if o.status != "returned" or not conforms(o.value, task.returns)]
        if bad:
            raise BuildError(f"{task.task_id} fails on its own inputs: {bad[:3]}")
        task.expected = [o.value for o in results]


def validate(client: ProctorClient, tasks: Sequence[Task]) -> None:
    """Every reference passes every one of its own tests through the service, or nothing is written."""
    submissions = [{"code": t.prompt + t.reference, "tests": t.record()["tests"], "limits": LIMITS} for t in tasks]
    failed = [t.task_id for t, r in zip(tasks, score_all(client, submissions), strict=True) if r.category != "passed"]
    if failed:
        raise BuildError(f"references that fail their own tests: {failed}")


def build(client: ProctorClient, seed: int) -> Suite:
    held = held_out(ATOMICS, seed)
    atomic_tasks = [atomic_task(a, seed, held) for a in ATOMICS]
    run_atomics(client, atomic_tasks)
    kept, dropped = run_candidates(client, compose_candidates(seed, held))
    tasks = atomic_tasks + kept
    validate(client, tasks)
    return Suite(tasks, dropped, held)


def write(suite: Suite, out: Path, seed: int) -> None:
    (out / "tasks").mkdir(parents=True, exist_ok=True)
    (out / "sft").mkdir(exist_ok=True)
    for split in suite.splits():
        tasks = [t for t in suite.tasks if t.split == split]
        write_jsonl(out / "tasks" / f"{split}.jsonl", [t.record() for t in tasks])
        write_jsonl(out / "sft" / f"{split}.jsonl", [{"prompt": t.prompt, "completion": t.reference} for t in tasks])
    write_jsonl(out / "manifest.jsonl", [{"task_id": t.task_id, "split": t.split, **t.info} for t in suite.tasks])
    write_jsonl(out / "dropped.jsonl", suite.dropped)
    write_datasheet(out / "README.md", suite, seed)


def write_jsonl(path: Path, records: Sequence[dict[str, Any]]) -> None:
    path.write_text("".join(canonical(r) + "\n" for r in records), encoding="utf-8")


def main(seed: int, out: Path, url: str, api_key: str | None) -> int:
    try:
        with ProctorClient(url, api_key=api_key, timeout=300) as client:
            suite = build(client, seed)
    except (BuildError, ProctorError) as exc:
        print(f"proctor suite build: nothing written: {exc}", file=sys.stderr)
        return 1
    write(suite, out, seed)
    kept = Counter(t.split for t in suite.tasks)
    dropped = Counter(f"{d['split']}: {d['reason']}" for d in suite.dropped)
    print(f"wrote {len(suite.tasks)} tasks to {out}: {dict(kept)}; dropped {dict(sorted(dropped.items()))}")
    return 0
