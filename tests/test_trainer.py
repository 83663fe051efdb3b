"""The included trainer (trainer/, proctor_trainer): every recipe trains for real on the suite's files.

A tiny Llama with a tokenizer trained here on the suite's text stands in for a real model (no model
hub is reachable); training runs on the CPU for two steps. GRPO is rewarded by the real service.
"""

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml
from proctor.cli import main as proctor_main
from proctor.embedded_redis import free_port
from proctor_trainer import tiny
from proctor_trainer.cli import main
from proctor_trainer.data import read_rows
from proctor_trainer.methods import data_format, make_config
from proctor_trainer.recipe import Recipe, load, override, shipped
from proctor_trainer.reward import connect, proctor_reward
from safetensors.torch import load_file

REPO = Path(__file__).resolve().parents[1]
SUITE = REPO / "benchmarks" / "atomic"
TASKS = SUITE / "tasks" / "synthetic_a.jsonl"
HELDOUT = SUITE / "tasks" / "synthetic_heldout.jsonl"
SFT = SUITE / "sft" / "synthetic_a.jsonl"
# Two steps on the CPU, each logged, saving a checkpoint at the second.
SMOKE = [
    "--cpu",
    "--set=training.max_steps=2",
    "--set=training.logging_steps=1",
    "--set=training.save_strategy=steps",
    "--set=training.save_steps=2",
]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("tiny") / "model"
    tiny.main([str(directory), str(SFT), str(TASKS)])
    return directory


@pytest.fixture
def in_repo(monkeypatch):
    """The suite recipes name their data relative to the repository root, where users run them."""
    monkeypatch.chdir(REPO)


def log_of(output: Path) -> list[dict]:
    """TRL's log, as the checkpoint of step 2 saved it."""
    return json.loads((output / "checkpoint-2" / "trainer_state.json").read_text())["log_history"]


def steps(log: list[dict], key: str) -> list[float]:
    return [entry[key] for entry in log if key in entry and "train_runtime" not in entry]


def score_requests(service) -> float:
    metrics = httpx.get(f"{service.url}/metrics").text
    found = re.search(r'^proctor_http_requests_total\{route="/v1/score/batch",status="200"\} (\S+)$', metrics, re.M)
    return float(found.group(1)) if found else 0.0


def test_sft_recipe_on_the_suite_trains_evaluates_and_saves(tiny_model, tmp_path, in_repo, capsys):
    out = tmp_path / "sft"
    args = ["sft-synthetic-a", "--model", str(tiny_model), "--output", str(out), *SMOKE, "--set=max_rows=4"]
    sizes = ["per_device_train_batch_size=2", "eval_strategy=steps", "eval_steps=2"]
    assert main([*args, *[f"--set=training.{s}" for s in sizes]]) == 0
    assert "trained 2 steps, train_loss " in capsys.readouterr().out
    log = log_of(out)
    losses, eval_losses = steps(log, "loss"), steps(log, "eval_loss")  # eval: the heldout split
    assert len(losses) == 2 and len(eval_losses) == 1 and all(math.isfinite(v) and v > 0 for v in losses + eval_losses)
    before, after = load_file(tiny_model / "model.safetensors"), load_file(out / "model.safetensors")
    assert before.keys() == after.keys() and any(not before[k].equal(after[k]) for k in before)
    assert (out / "tokenizer.json").is_file()


def test_grpo_recipe_is_rewarded_by_the_service(service, tiny_model, tmp_path, capsys):
    out = tmp_path / "grpo"
    args = ["grpo", "--model", str(tiny_model), "--data", str(TASKS), "--url", service.url, "--output", str(out)]
    args += [*SMOKE, "--set=max_rows=2", f"--set=eval_data={HELDOUT}"]
    sizes = ["num_generations=4", "per_device_train_batch_size=4", "per_device_eval_batch_size=4"]
    sizes += ["max_completion_length=24", "eval_strategy=steps", "eval_steps=2"]
    before = score_requests(service)
    assert main([*args, *[f"--set=training.{s}" for s in sizes]]) == 0
    log = log_of(out)
    rewards = steps(log, "rewards/proctor_pass_rate/mean")  # NaN had Proctor scored nothing
    assert len(rewards) == 2 and all(isinstance(r, float) and 0.0 <= r <= 1.0 for r in rewards)
    assert [0.0 <= r <= 1.0 for r in steps(log, "eval_rewards/proctor_pass_rate/mean")] == [True]
    assert all(math.isfinite(v) for v in steps(log, "loss"))
    assert score_requests(service) - before >= 3  # a batch per training step, one or more for the eval
    assert (out / "model.safetensors").is_file() and "trained 2 steps" in capsys.readouterr().out


def grpo_recipe(url: str, tasks: Path = TASKS) -> Recipe:
    name, raw = load("grpo")
    return Recipe.parse(name, override(raw, ["model=unused", f"data={tasks}", f"reward.url={url}"]))


def test_grpo_reward_scores_prompt_plus_completion_under_each_rows_limits(service, tmp_path):
    task = json.loads(TASKS.read_text().splitlines()[0])
    slow = "    import time\n    time.sleep(1.0)\n" + task["reference"]
    lines = [
        {**task, "tests": task["tests"][:1]},  # the shipped limits: 3 s a test
        {**task, "task_id": "tight", "tests": task["tests"][:1], "limits": {**task["limits"], "test_time_s": 0.5}},
    ]
    tasks = tmp_path / "tasks.jsonl"
    tasks.write_text("".join(json.dumps(line) + "\n" for line in lines))
    recipe = grpo_recipe(service.url, tasks)
    rows = read_rows(data_format("grpo"), recipe.data)
    with connect(recipe.reward) as client:
        reward = proctor_reward(recipe.reward, client)
        assert reward.__name__ == "proctor_pass_rate"

        def score(row: dict, completions: list[str]) -> list:
            n = len(completions)
            return reward(prompts=[row["prompt"]] * n, completions=completions, label=[row["label"]] * n)

        broken = task["reference"].replace("return", "retrun", 1)
        assert score(rows[0], [task["reference"], broken, "    return None\n"]) == [1.0, 0.0, 0.0]
        assert score(rows[0], [slow]) == [1.0] and score(rows[1], [slow]) == [0.0]  # the row's limit applies


def test_dpo_recipe_on_pairs_from_prefs_build(service, tiny_model, tmp_path, capsys):
    problems, pairs, out = tmp_path / "problems.jsonl", tmp_path / "pairs.jsonl", tmp_path / "dpo"
    tasks = [json.loads(line) for line in TASKS.read_text().splitlines()[:3]]
    with problems.open("w") as handle:
        for task in tasks:
            codes = [task["prompt"] + body for body in [task["reference"], "    return None\n", "    return x\n"]]
            handle.write(json.dumps({"prompt": task["prompt"], "codes": codes, "tests": task["tests"]}) + "\n")
    build = ["prefs", "build", str(problems), "-o", str(pairs), "--url", service.url, "--timing-repeats", "1"]
    assert proctor_main(build) == 0
    written = [json.loads(line) for line in pairs.read_text().splitlines()]
    assert {p["chosen"] for p in written} == {t["prompt"] + t["reference"] for t in tasks}  # the correct programs
    capsys.readouterr()
    args = ["dpo", "--model", str(tiny_model), "--data", str(pairs), "--output", str(out), *SMOKE]
    assert main([*args, "--set", "training.per_device_train_batch_size=2"]) == 0
    losses = steps(log_of(out), "loss")
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    assert (out / "model.safetensors").is_file() and "trained 2 steps" in capsys.readouterr().out


TASK = json.loads(TASKS.read_text().splitlines()[0])


@pytest.mark.parametrize(
    ("recipe", "lines", "message"),
    [
        ("sft", ['{"prompt": "p", "completion": "c"}', '{"prompt": "p"}'], r":2: missing column 'completion'"),
        ("sft", ['{"prompt": "p", "completion": "c"}', "", "{not json"], r":3: not JSON"),
        ("sft", ['["prompt", "completion"]'], r":1: expected a JSON object, not list"),
        ("sft", ['{"prompt": "p", "completion": 3}'], r":1: column 'completion': must be a string, not int"),
        ("dpo", ['{"prompt": "p", "chosen": "a"}'], r":1: missing column 'rejected' \(a preference row has"),
        ("grpo", [json.dumps({**TASK, "tests": []})], r":1: column 'tests': must be a non-empty list"),
        (
            "grpo",
            [json.dumps({**TASK, "tests": [{"kind": "call", "function": "f", "args": [1]}]})],
            r":1: column 'tests': test 0: a call test needs 'expected'",
        ),
        ("grpo", [json.dumps({**TASK, "limits": {"time_s": -1}})], r":1: column 'limits': 'time_s' must be more"),
        ("grpo", [json.dumps({**TASK, "limits": {"cpu": 1}})], r":1: column 'limits': has an unknown limit 'cpu'"),
        ("grpo", [json.dumps(TASK), json.dumps(TASK)], r":2: task_id 'synthetic_a/001' also at .*:1"),
        ("grpo", [json.dumps({"prompt": "p", "completion": "c"})], r":1: missing columns 'task_id', 'tests'"),
    ],
)
def test_malformed_data_files_are_named_by_file_and_line(recipe, lines, message, tmp_path, capsys):
    data = tmp_path / "data.jsonl"
    data.write_text("\n".join(lines) + "\n")
    assert main([recipe, "--model", "unused", "--data", str(data), "--cpu"]) == 2
    err = capsys.readouterr().err
    assert re.search(f"^proctor-train: {re.escape(str(data))}{message}", err) and "Traceback" not in err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--set", "training.learning_rate=fast"], r"training.learning_rate must be a number, not 'fast'"),
        (["--set", "training.lr=1e-5"], r"training.lr: GRPOConfig has no such option"),
        (["--set", "reward.scheme=pass_at_1"], r"'reward.scheme' must be one of pass_rate, binary, coderl, rltf"),
        (["--set", "epochs=1"], r"unknown key 'epochs'"),
        (["--set", "max_rows=0"], r"'max_rows' must be a positive integer"),
        (["--set", "training.max_steps"], r"--set 'training.max_steps': expected key=value"),
        (["--data", "missing.jsonl"], r"missing.jsonl: cannot read it"),
        (["--set", f"eval_data={TASKS}"], r"'eval_data' and training.eval_strategy \(steps or epoch\) go together"),
    ],
)
def test_bad_recipe_options_are_refused_before_training(options, message, capsys):
    assert main(["grpo", "--model", "unused", "--data", str(TASKS), "--cpu", *options]) == 2
    assert re.search(message, capsys.readouterr().err)


def test_grpo_refuses_tasks_the_service_would_refuse_on_every_step(service, tmp_path, capsys):
    data = tmp_path / "tasks.jsonl"
    data.write_text(json.dumps(TASK) + "\n" + json.dumps({**TASK, "task_id": "t2", "language": "cobol"}) + "\n")
    assert main(["grpo", "--model", "unused", "--data", str(data), "--cpu", "--url", service.url]) == 2
    assert f"task 't2': Proctor at {service.url} runs python, not 'cobol'" in capsys.readouterr().err


def test_grpo_refuses_to_start_without_a_ready_service(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["grpo", "--model", "unused", "--data", str(TASKS), "--cpu", "--url", url]) == 1
    assert f"Proctor at {url} is not ready" in capsys.readouterr().err


def test_every_shipped_recipe_is_listed_and_builds_its_trl_config(in_repo, capsys):
    assert main(["--list"]) == 0
    listed = capsys.readouterr().out
    assert {"sft", "grpo", "dpo", "sft-synthetic-a", "grpo-synthetic-b"} <= set(shipped())
    for name in shipped():
        assert re.search(rf"^{re.escape(name)} +(sft|grpo|dpo) +\S", listed, re.M), name
        _, raw = load(name)
        recipe = Recipe.parse(name, override(raw, ["model=unused", "training.use_cpu=true", "training.bf16=false"]))
        make_config(recipe)  # TRL accepts every option the recipe sets
        if recipe.data:  # a suite recipe: its files are in its method's format, every line of them
            assert len(read_rows(data_format(recipe.method), recipe.data)) > 10


def test_the_trainer_needs_no_server_package():
    """proctor-train's whole import graph stays off the server package: trainers' machines lack it."""
    script = (
        "import sys, proctor_trainer.cli, proctor_trainer.run, proctor_trainer.tiny; "
        "print(sorted(m for m in sys.modules if m == 'proctor' or m.startswith('proctor.')))"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
    from importlib.metadata import requires

    assert not [r for r in requires("proctor-trainer") if re.match(r"proctor\b(?!-)", r)]
    listed = subprocess.run([Path(sys.executable).with_name("proctor-train"), "--list"], capture_output=True, text=True)
    assert listed.returncode == 0 and "grpo" in listed.stdout


def test_show_prints_the_recipe_as_it_would_run(capsys):
    options = ["--model", "m", "--url", "http://127.0.0.1:8765", "--cpu", "--set", "reward.scheme=binary"]
    assert main(["grpo-synthetic-b", "--show", *options, "--set", "training.learning_rate=3e-6"]) == 0
    shown = yaml.safe_load(capsys.readouterr().out)
    assert shown["model"] == "m" and shown["data"] == "benchmarks/atomic/tasks/synthetic_b.jsonl"  # from extends
    assert shown["reward"] == {
        "url": "http://127.0.0.1:8765",
        "scheme": "binary",
        "with_prompt": True,
        "on_error": "none",
    }
    assert shown["training"]["learning_rate"] == 3e-6 and shown["training"]["use_cpu"] is True
    assert shown["training"]["eval_strategy"] == "steps" and shown["training"]["num_generations"] == 8  # merged
