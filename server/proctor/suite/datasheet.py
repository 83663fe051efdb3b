"""The datasheet, benchmarks/atomic/README.md, written by the build so that it always matches the files."""

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from proctor.suite.atomic import ATOMICS, TOPICS
from proctor.suite.filters import REASONS
from proctor.suite.splits import GENERATED_PER_ATOMIC, HELD_OUT_PER_TOPIC, INPUTS_PER_COMPOSITION, SYNTHETIC_SPLITS

if TYPE_CHECKING:
    from proctor.suite.build import Suite

INTRO = """\
# The atomic and synthetic function suite

Contamination-free training and evaluation tasks for code models, in the manner of the SFT-vs-RL study
(arXiv 2406.10305): {atomics} hand-written "atomic" Python functions over {topics} topics, and "synthetic"
functions composed from them. Everything here was written for Proctor; no task comes from a public benchmark.
Every expected output was produced by running the reference code in Proctor's sandbox (`call` tests), and
every reference passed all of its own tests through the service before these files were written.

This whole directory is generated: `proctor suite build --seed {seed}` (against a running service, default
`--url http://127.0.0.1:8000`) rewrites it byte for byte. Do not edit it by hand; edit
`server/proctor/suite/` and rebuild.

## Files

- `tasks/<split>.jsonl`: RL / evaluation tasks in the grading CLI's task format: `task_id`, `prompt` (a
  signature and docstring), `entry_point`, `reference` (the reference completion; `prompt + reference` is the
  reference program), `language`, `tests` (`call` tests) and `limits`.
- `sft/<split>.jsonl`: supervised fine-tuning pairs, `prompt` and `completion` (the reference completion).
- `manifest.jsonl`: per task, its `split`, `depth`, `shape` (`atomic`, `chain` or `combine`), the `atomics`
  it uses, their `topics`, `held_out`, and for a synthetic task its `composition` expression.
- `dropped.jsonl`: each candidate composition the filters removed, with the `reason` and the sandbox's `detail`.

Grade a model's samples (one JSON object per line: `task_id` and `completion`, the text after the prompt)
with the same path as HumanEval: `proctor grade benchmarks/atomic/tasks/synthetic_heldout.jsonl samples.jsonl`.

Train on them with the included trainer (`trainer/`, `proctor-train --list`): its `sft` recipe reads an
`sft/<split>.jsonl` file and its `grpo` recipe a `tasks/<split>.jsonl` file, rewarding `prompt + completion`
through the service against each task's tests and limits, e.g.
`proctor-train grpo --model MODEL --data benchmarks/atomic/tasks/synthetic_a.jsonl`; `sft-synthetic-a` and
`grpo-synthetic-b` are those recipes on those splits. Keep `synthetic_heldout` for evaluation.

## How it is built

- **Atomic functions** (`server/proctor/suite/atomic/`, one module per topic): a typed signature over a small
  vocabulary that maps to JSON (`int`, `float`, `str`, `bool`, `list[int]`, `list[str]`, `dict[str, int]`),
  the docstring as the prompt, the body as the reference, a seeded input generator and at least 5 hand-picked
  edge cases. An atomic task is tested on its edge cases plus {generated} generated inputs.
- **Synthetic functions** (`server/proctor/suite/compose.py`): a seeded composer chains one-argument functions
  whose output type is the next one's input type, or combines two branches with a two-argument function,
  `f(g(x), h(x))` (a branch may be `x` itself). The prompt describes each step with the atomic functions'
  own descriptions; the reference nests their sources inside the synthetic function. Each is run on
  {inputs} inputs from the generator of the first function that reads `x`. A string parameter that needs a
  format (an ISO date, a binary or Roman numeral, `H:MM:SS`, ...) is only fed values of that format.
- **Filters**, decided from the sandbox's results: a composition is dropped if on any input it ran past the
  time limit (`timeout`) or raised (`error`), returned `None` (`none`) or a value outside its declared type,
  such as an integer beyond 2**53 (`type`), or if all its outputs are equal (`constant`).
- **Held out**: {held_per_topic} atomic functions per topic, drawn with the seed, never appear in the training
  compositions (`synthetic_a/b/c`); every `synthetic_heldout` task uses at least one of them. The `atomic`
  split holds all {atomics} functions (`held_out` in the manifest marks the held-out ones: leave those out of
  training for a strictly unseen evaluation).
"""


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_datasheet(path: Path, suite: "Suite", seed: int) -> None:
    splits = suite.splits()
    about = {"atomic": "one task per atomic function"} | {s.name: s.about for s in SYNTHETIC_SPLITS}
    tasks_of = {s: [t for t in suite.tasks if t.split == s] for s in splits}
    dropped = Counter((d["split"], d["reason"]) for d in suite.dropped)
    parts = [
        INTRO.format(
            atomics=len(ATOMICS),
            topics=len(TOPICS),
            seed=seed,
            generated=GENERATED_PER_ATOMIC,
            inputs=INPUTS_PER_COMPOSITION,
            held_per_topic=HELD_OUT_PER_TOPIC,
        ),
        "\n## Splits\n\n",
        table(
            ["split", "what", "tasks", "tests", "chains", "combinations", "dropped"],
            [
                [
                    f"`{s}`",
                    about[s],
                    len(tasks_of[s]),
                    sum(len(t.inputs) for t in tasks_of[s]),
                    sum(t.info["shape"] == "chain" for t in tasks_of[s]),
                    sum(t.info["shape"] == "combine" for t in tasks_of[s]),
                    sum(n for (split, _), n in dropped.items() if split == s),
                ]
                for s in splits
            ],
        ),
        "\n## Tasks per depth\n\nDepth is the number of nested calls (an atomic task has depth 1).\n\n",
        table(
            ["depth", *splits],
            [[d, *(sum(t.info["depth"] == d for t in tasks_of[s]) for s in splits)] for d in range(1, 5)],
        ),
        "\n## Tasks per topic\n\nA synthetic task counts once for each topic among its atomic functions.\n\n",
        table(
            ["topic", "atomic functions", "held out", *splits[1:]],
            [
                [
                    topic,
                    sum(a.topic == topic for a in ATOMICS),
                    sum(a.topic == topic and a.name in suite.held_out for a in ATOMICS),
                    *(sum(topic in t.info["topics"] for t in tasks_of[s]) for s in splits[1:]),
                ]
                for topic in TOPICS
            ],
        ),
        "\n## Dropped by the filters\n\n",
        table(["split", *REASONS], [[s, *(dropped[(s, r)] for r in REASONS)] for s in splits[1:]]),
        "\n## Held-out atomic functions\n\n",
        ", ".join(f"`{name}`" for name in sorted(suite.held_out)) + "\n",
        "\n## Atomic functions\n\n",
        table(
            ["topic", "functions"],
            [[topic, ", ".join(f"`{a.name}`" for a in ATOMICS if a.topic == topic)] for topic in TOPICS],
        ),
    ]
    path.write_text("".join(parts), encoding="utf-8")
