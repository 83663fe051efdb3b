"""The reward adapters, called exactly the way their frameworks call them, against the real service."""

import asyncio
import importlib.util
import inspect
import json
import logging

import httpx
import pytest
from proctor_client import ProctorUnavailable
from proctor_client.rewards import trl, verl

from tests.conftest import running_service

ADD_TESTS = [
    {"kind": "assert", "code": "assert add(1, 2) == 3"},
    {"kind": "call", "function": "add", "args": [2, 2], "expected": 4},
    {"kind": "call", "function": "add", "args": [-1, 1], "expected": 0},
]
RIGHT = "def add(a, b):\n    return a + b\n"
HALF = "def add(a, b):\n    return 3 if a == 1 else a * b\n"  # passes the assert and add(2, 2)
BROKEN = "def add(a, b) return a + b\n"


class TrainerState:
    """Stands in for transformers' TrainerState, which TRL passes along with the columns."""

    global_step = 7


def trl_inputs(completions: list, tests: list) -> dict:
    """The keyword arguments GRPOTrainer._calculate_rewards builds: prompts, completions,
    completion_ids, every other dataset column as a list, and trainer_state."""
    return {
        "prompts": [[{"role": "user", "content": "Write add(a, b)."}] for _ in completions],
        "completions": completions,
        "completion_ids": [[1, 2, 3] for _ in completions],
        "tests": tests,
        "difficulty": ["easy"] * len(completions),
        "trainer_state": TrainerState(),
    }


def chat(text: str) -> list[dict]:
    return [{"role": "assistant", "content": text}]


COMPLETIONS = [
    chat(f"Here you go:\n```python\n{RIGHT}```\nUsage:\n```\nadd(1, 2)\n```"),  # the python block counts
    chat(f"```py\n{HALF}```"),
    chat(f"```python\n{BROKEN}```"),
    chat(RIGHT),  # no fence: the whole message
]


def test_trl_sync_reward_func_scores_conversational_completions(service):
    reward = trl.reward_func(service.url, name="proctor_pass_rate")
    assert reward.__name__ == "proctor_pass_rate" and not inspect.iscoroutinefunction(reward)
    # Tests arrive as the dataset stores them: a list, or a JSON string.
    tests = [ADD_TESTS, json.dumps(ADD_TESTS), ADD_TESTS, {"tests": ADD_TESTS}]
    assert reward(**trl_inputs(COMPLETIONS, tests)) == pytest.approx([1.0, 2 / 3, 0.0, 1.0], abs=1e-3)


def test_trl_reward_scheme_is_selectable_and_plain_text_completions_work(service):
    reward = trl.reward_func(service.url, reward="coderl", tests_column="checks")
    inputs = trl_inputs([f"```python\n{c}```" for c in (RIGHT, HALF, BROKEN)], [])
    inputs["checks"] = inputs.pop("tests") or [ADD_TESTS] * 3
    assert reward(**inputs) == [1.0, -0.3, -1.0]


def test_trl_with_prompt_grades_prompt_plus_completion(service):
    # A completion-style prompt, as in the suite's task files: the model writes the body.
    prompt = 'def add(a, b):\n    """Return a + b."""\n'
    inputs = trl_inputs(["    return a + b\n", "```python\n    return a * b\n```", "    return a +\n"], [ADD_TESTS] * 3)
    inputs["prompts"] = [prompt] * 3
    assert trl.reward_func(service.url, with_prompt=True)(**inputs) == pytest.approx([1.0, 1 / 3, 0.0], abs=1e-3)
    assert trl.reward_func(service.url)(**inputs)[0] == 0.0  # the body alone does not compile


def test_trl_async_reward_func(service):
    reward = trl.async_reward_func(service.url, reward="binary")
    assert inspect.iscoroutinefunction(reward)
    rewards = asyncio.run(reward(**trl_inputs(COMPLETIONS, [ADD_TESTS] * 4)))
    assert rewards == [1.0, 0.0, 0.0, 1.0]


def test_trl_outage_is_none_or_raises_never_zero(redis_server, caplog):
    with running_service(redis_server, workers=0) as gateway_only:  # every submission answers 503
        masked = trl.reward_func(gateway_only.url, retries=0)
        with caplog.at_level(logging.WARNING, "proctor_client.rewards"):
            assert masked(**trl_inputs(COMPLETIONS[:2], [ADD_TESTS] * 2)) == [None, None]
        assert "could not score 2 of 2 samples" in caplog.text and "sandbox_unavailable" in caplog.text

        strict = trl.async_reward_func(gateway_only.url, on_error="raise", retries=3, deadline_s=0.5)
        with pytest.raises(ProctorUnavailable, match="deadline"):  # retry_after_s (2 s) is past the deadline
            asyncio.run(strict(**trl_inputs(COMPLETIONS[:1], [ADD_TESTS])))


def test_trl_missing_tests_column_is_a_dataset_error(service):
    reward = trl.reward_func(service.url)
    inputs = trl_inputs(COMPLETIONS[:1], [ADD_TESTS])
    del inputs["tests"]
    with pytest.raises(KeyError, match="no 'tests' column"):
        reward(**inputs)
    with pytest.raises(ValueError, match="sample 0: a label needs a non-empty list of tests"):
        reward(**trl_inputs(COMPLETIONS[:1], [[]]))


def load_like_verl(path: str, name: str):
    """verl's get_custom_reward_fn: import the configured file by path, then take the function."""
    spec = importlib.util.spec_from_file_location("custom_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)


def test_verl_compute_score(service, monkeypatch):
    monkeypatch.setenv("PROCTOR_URL", service.url)
    compute_score = load_like_verl(verl.__file__, "compute_score")
    compute_score_batch = load_like_verl(verl.__file__, "compute_score_batch")
    ground_truth = json.dumps({"tests": ADD_TESTS})
    # verl's NaiveRewardManager: keyword arguments, the decoded response as solution_str.
    score = compute_score(
        data_source="proctor/add", solution_str=f"```python\n{HALF}```", ground_truth=ground_truth, extra_info={}
    )
    assert score == pytest.approx(2 / 3, abs=1e-3)
    # reward_kwargs from the verl config reach compute_score as keywords.
    assert compute_score("proctor/add", RIGHT, ADD_TESTS, None, reward="rltf") == 1.0
    batch = compute_score_batch(
        data_sources=["a", "b"], solution_strs=[RIGHT, BROKEN], ground_truths=[ADD_TESTS] * 2, extra_infos=[{}, {}]
    )
    assert batch == [1.0, 0.0]


def test_verl_outage_raises(redis_server):
    with running_service(redis_server, workers=0) as gateway_only, pytest.raises(ProctorUnavailable):
        verl.compute_score("a", RIGHT, ADD_TESTS, url=gateway_only.url)


def test_openrlhf_get_reward(service):
    prompts = ["<|user|>add two numbers<|assistant|>"] * 3
    responses = [f"```python\n{RIGHT}```", HALF, BROKEN]
    body = {
        "query": [p + r for p, r in zip(prompts, responses, strict=True)],
        "prompts": prompts,
        "labels": [json.dumps(ADD_TESTS), ADD_TESTS, {"tests": ADD_TESTS, "limits": {"test_time_s": 2}}],
    }
    resp = httpx.post(f"{service.url}/get_reward", json=body, timeout=60)
    assert resp.status_code == 200, resp.text
    data = resp.json()
    assert data["rewards"] == pytest.approx([1.0, 0.6667, 0.0], abs=1e-3)
    assert data["scores"] == data["extra_logs"]["pass_rate"]
    assert data["extra_logs"]["all_passed"] == [1.0, 0.0, 0.0]
    assert data["extra_logs"]["compile_error"] == [0.0, 0.0, 1.0]
    coderl = httpx.post(f"{service.url}/get_reward", params={"reward": "coderl"}, json=body, timeout=60).json()
    assert coderl["rewards"] == [1.0, -0.3, -1.0]
    schemas = httpx.get(f"{service.url}/openapi.json").json()["components"]["schemas"]
    assert set(schemas["RewardRequest"]["properties"]) == {"query", "prompts", "labels"}
    assert set(schemas["RewardResponse"]["properties"]) == {"rewards", "scores", "extra_logs"}


def test_openrlhf_bad_labels_are_422_with_the_field(service):
    body = {"query": ["def f(): pass", "x"], "labels": [ADD_TESTS, [{"kind": "call", "function": "1bad"}]]}
    resp = httpx.post(f"{service.url}/get_reward", json=body, timeout=30)
    assert resp.status_code == 422
    assert resp.json()["error"]["field"].startswith("labels.1.tests.0")
    resp = httpx.post(f"{service.url}/get_reward", json={"query": ["x"], "labels": []}, timeout=30)
    assert resp.status_code == 422 and resp.json()["error"]["code"] == "length_mismatch"


def test_openrlhf_outage_is_an_http_error_not_rewards(redis_server):
    with running_service(redis_server, workers=0) as gateway_only:
        resp = httpx.post(f"{gateway_only.url}/get_reward", json={"query": [RIGHT], "labels": [ADD_TESTS]}, timeout=30)
    assert resp.status_code == 503
    error = resp.json()["error"]
    assert error["code"] == "sandbox_unavailable" and error["retry_after_s"] > 0
    assert "rewards" not in resp.json()


def test_a_refused_sample_costs_only_its_own_reward(service, caplog):
    # The server refuses a whole batch for one oversized program (the suite caps code at 256 KB) or
    # one malformed test; the adapters then score the samples one by one.
    huge = f"```python\n{RIGHT}# {'x' * 300_000}\n```"
    bad_tests = [{"kind": "call", "function": "not an identifier", "args": [], "expected": 1}]
    inputs = trl_inputs([RIGHT, huge, HALF, RIGHT], [ADD_TESTS, ADD_TESTS, ADD_TESTS, bad_tests])
    with caplog.at_level(logging.WARNING, "proctor_client.rewards"):
        assert trl.reward_func(service.url)(**inputs) == pytest.approx([1.0, None, 2 / 3, None], abs=1e-3)
    assert "could not score 2 of 4 samples" in caplog.text and "code_too_large" in caplog.text
    rewards = asyncio.run(trl.async_reward_func(service.url, reward="binary")(**inputs))
    assert rewards == [1.0, None, 0.0, None]
