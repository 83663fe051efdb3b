"""The atomic and synthetic function suite: its shipped files, its composer and its filters.

The build and the references run through the real service; only the composer's typing and the split
bookkeeping are checked as pure logic.
"""

import ast
import json
import random
from collections import Counter
from pathlib import Path

import pytest
from proctor.cli import main as cli_main
from proctor.embedded_redis import free_port
from proctor.schemas import CallTest, Limits
from proctor.suite.atomic import ATOMICS, BY_NAME, TOPICS
from proctor.suite.build import compose_candidates, composition_task, run_candidates
from proctor.suite.compose import Call, Composer, Composition
from proctor.suite.spec import spec_of
from proctor.suite.splits import SYNTHETIC_SPLITS, held_out
from proctor.suite.types import base, conforms, fits

SHIPPED = Path(__file__).resolve().parents[1] / "benchmarks" / "atomic"
SPLITS = ["atomic", *(s.name for s in SYNTHETIC_SPLITS)]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def shipped_tasks() -> list[dict]:
    return [task for split in SPLITS for task in read_jsonl(SHIPPED / "tasks" / f"{split}.jsonl")]


@pytest.mark.timeout(600)
def test_build_writes_nothing_when_the_service_cannot_be_reached(tmp_path, capsys):
    out = tmp_path / "atomic"
    assert cli_main(["suite", "build", "--out", str(out), "--url", f"http://127.0.0.1:{free_port()}"]) == 1
    assert "nothing written" in capsys.readouterr().err and not out.exists()


def test_build_with_seed_0_reproduces_the_shipped_files_byte_for_byte(service, tmp_path):
    out = tmp_path / "atomic"
    assert cli_main(["suite", "build", "--seed", "0", "--out", str(out), "--url", service.url]) == 0
    built = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    shipped = sorted(p.relative_to(SHIPPED) for p in SHIPPED.rglob("*") if p.is_file())
    assert built == shipped
    for name in built:
        assert (out / name).read_bytes() == (SHIPPED / name).read_bytes(), name


def test_every_shipped_reference_passes_its_own_tests_and_a_wrong_one_does_not(service):
    tasks = shipped_tasks()
    with service.client(timeout=300) as client:
        results = client.score_many([{"code": t["prompt"] + t["reference"], "tests": t["tests"]} for t in tasks])
        wrong = client.score_many([{"code": t["prompt"] + "    return None\n", "tests": t["tests"]} for t in tasks])
    assert [r.category for r in results] == ["passed"] * len(tasks)
    assert all(r.passed == 0 for r in wrong)


def test_shipped_tasks_follow_the_grading_task_format():
    manifest = {m["task_id"]: m for m in read_jsonl(SHIPPED / "manifest.jsonl")}
    tasks = shipped_tasks()
    assert len(tasks) == len(manifest) == len({t["task_id"] for t in tasks})
    for task in tasks:
        assert task["language"] == "python" and task["task_id"] in manifest
        Limits.model_validate(task["limits"])
        assert task["prompt"].startswith(f"def {task['entry_point']}(")
        ast.parse(task["prompt"] + task["reference"])
        tests = [CallTest.model_validate(t) for t in task["tests"]]
        assert len(tests) >= 5 and {t.function for t in tests} == {task["entry_point"]}
    for split in SPLITS:
        sft = read_jsonl(SHIPPED / "sft" / f"{split}.jsonl")
        tasks = read_jsonl(SHIPPED / "tasks" / f"{split}.jsonl")
        assert sft == [{"prompt": t["prompt"], "completion": t["reference"]} for t in tasks]


def test_held_out_functions_never_appear_in_training_compositions():
    manifest = read_jsonl(SHIPPED / "manifest.jsonl")
    held = {m["atomics"][0] for m in manifest if m["split"] == "atomic" and m["held_out"]}
    assert held == held_out(ATOMICS, 0)
    for m in manifest:
        if m["split"] in ("synthetic_a", "synthetic_b", "synthetic_c"):
            assert not held & set(m["atomics"]), m["task_id"]
        elif m["split"] == "synthetic_heldout":
            assert held & set(m["atomics"]), m["task_id"]
    depths = Counter((m["split"], m["depth"]) for m in manifest)
    assert depths[("synthetic_a", 2)] and depths[("synthetic_b", 3)] and depths[("synthetic_c", 4)]
    assert len(SHIPPED.joinpath("README.md").read_text().split("## ")) > 5


def test_one_hundred_atomic_functions_over_ten_topics_each_with_five_edge_cases():
    assert len(ATOMICS) == len(BY_NAME) == 100
    assert Counter(a.topic for a in ATOMICS) == dict.fromkeys(TOPICS, 10)
    for a in ATOMICS:
        assert len(a.edges) >= 5 and a.description and a.body.strip()
        assert all(conforms(v, t) for edge in a.edges for v, (_, t) in zip(edge, a.params, strict=True)), a.name
        rng = random.Random(0)
        assert all(conforms(v, t) for v, (_, t) in zip(a.sample(rng), a.params, strict=True)), a.name


def test_the_composer_is_seeded_and_only_chains_matching_kinds():
    held = held_out(ATOMICS, 0)
    first, again = compose_candidates(0, held), compose_candidates(0, held)
    assert [t.prompt + t.reference for t in first] == [t.prompt + t.reference for t in again]
    assert [t.inputs for t in first] == [t.inputs for t in again]
    assert [t.prompt for t in compose_candidates(1, held_out(ATOMICS, 1))] != [t.prompt for t in first]
    composer = Composer(random.Random(7), ATOMICS)
    for _ in range(300):
        found = composer.draw(random.Random(_).choice([2, 3, 4]), allow_combine=True)
        if found is None:
            continue
        root, input_type = found
        for call in root.calls():
            for arg, takes in zip(call.args, call.atomic.takes, strict=True):
                if arg == "x":
                    assert base(takes) == input_type, root.key
                else:
                    assert fits(takes, arg.atomic.gives), root.key


# Deliberately bad atomic functions for the filter test (module level, so their source can be read).
def explodes(n: int) -> int:
    """Raise on odd numbers."""
    if n % 2:
        raise ValueError("odd")
    return n


def nothing(n: int) -> int:
    """Forget to return."""
    n + 1


def seven(n: int) -> int:
    """Ignore n."""
    return 7


def dawdles(n: int) -> int:
    """Sleep past the time limit on even numbers."""
    import time

    if n % 2 == 0:
        time.sleep(30)
    return n


def explodes_in_size(n: int) -> int:
    """An integer no JSON file can carry exactly."""
    return 2**70 + n


def doubled(n: int) -> int:
    """A good one, to show that the filters keep what passes."""
    return 2 * n


def test_the_filters_drop_bad_compositions_by_what_the_sandbox_reports(client):
    def make(fn):
        return spec_of(fn, "test", [(1,)] * 5)

    digits = BY_NAME["digit_sum"]
    functions = [explodes, nothing, seven, dawdles, explodes_in_size, doubled]
    candidates = [
        composition_task(
            Composition(f"case_{i}", "int", Call(make(f), (Call(digits, ("x",)),))), "filters", 0, frozenset()
        )
        for i, f in enumerate(functions)
    ]
    kept, dropped = run_candidates(client, candidates, {"time_s": 20, "test_time_s": 1})
    assert [(d["task_id"], d["reason"]) for d in dropped] == [
        ("filters/case_0", "error"),
        ("filters/case_1", "none"),
        ("filters/case_2", "constant"),
        ("filters/case_3", "timeout"),
        ("filters/case_4", "type"),
    ]
    assert "ValueError: odd" in dropped[0]["detail"]
    assert [t.task_id for t in kept] == ["filters/case_5"]
    assert kept[0].expected == [2 * sum(int(c) for c in str(abs(args[0]))) for args in kept[0].inputs]
