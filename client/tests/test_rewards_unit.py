"""Code extraction and label parsing of the reward adapters (pure functions)."""

from __future__ import annotations

import json

import pytest

from proctor_client.rewards import completion_text, extract_code, parse_label
from proctor_client.rewards.scoring import rewards_from, submissions_for

TESTS = [{"kind": "assert", "code": "assert f() == 1"}]


def test_extract_prefers_the_last_block_in_the_language() -> None:
    text = (
        "Plan:\n```python\nfirst = 1\n```\nthen\n```py\ndef f():\n    return 1\n```\n"
        "Run:\n```bash\npython x.py\n```"
    )
    assert extract_code(text) == "def f():\n    return 1\n"
    assert extract_code("```bash\nls\n```\n```\necho\n```", "python") == "echo\n"
    assert extract_code("def f(): return 1") == "def f(): return 1"


def test_extract_unterminated_fence_and_indented_fence() -> None:
    assert extract_code("```python\ndef f():\n    return 1") == "def f():\n    return 1"
    assert extract_code("  ```python\nx = 1\n  ```\n") == "x = 1\n"


def test_completion_text_of_messages() -> None:
    convo = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "```python\nx = 1\n```"},
    ]
    assert extract_code(convo) == "x = 1\n"
    parts = [
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "a"},
                {"type": "image"},
                {"type": "text", "text": "b"},
            ],
        }
    ]
    assert completion_text(parts) == "ab"
    assert completion_text({"role": "assistant", "content": None}) == ""
    with pytest.raises(TypeError):
        completion_text(3)


def test_parse_label_forms() -> None:
    assert parse_label(TESTS) == {"tests": TESTS}
    assert parse_label(json.dumps(TESTS)) == {"tests": TESTS}
    label = {"tests": json.dumps(TESTS), "language": "python", "limits": {"time_s": 2}, "other": 1}
    assert parse_label(label) == {"tests": TESTS, "language": "python", "limits": {"time_s": 2}}
    for bad in ([], "not json", {"tests": []}, [1, 2], None):
        with pytest.raises(ValueError, match="label"):
            parse_label(bad)


def test_rewards_from_masks_or_raises_failures() -> None:
    from proctor_client import ProctorUnavailable, ScoreResult

    ok = ScoreResult.from_dict({"category": "passed", "passed": 1, "total": 1, "reward": 1.0})
    down = ProctorUnavailable("down", status_code=503)
    assert rewards_from([ok, down], "none") == [1.0, None]
    with pytest.raises(ProctorUnavailable):
        rewards_from([ok, down], "raise")


def test_submissions_with_prompts_grade_prompt_plus_completion() -> None:
    prompt = 'def f(x: int) -> int:\n    """Return x plus one."""\n'
    labels = [TESTS, TESTS]
    raw, fenced = "    return x + 1\n", "```python\n    return x + 1\n```"
    subs = submissions_for(
        [raw, fenced], labels, reward="binary", language="python", limits=None, prompts=[prompt] * 2
    )
    assert [s["code"] for s in subs] == [prompt + "    return x + 1\n"] * 2
    plain = submissions_for([raw], [TESTS], reward="binary", language="python", limits=None)
    assert plain[0]["code"] == raw  # without prompts nothing changes
    with pytest.raises(ValueError, match="1 completions but 2 prompts"):
        submissions_for(
            [raw], [TESTS], reward="binary", language="python", limits=None, prompts=[prompt] * 2
        )
    convo = [{"role": "user", "content": prompt}]
    with pytest.raises(
        ValueError, match="sample 0: a prompt the completion continues must be text"
    ):
        submissions_for(
            [raw], [TESTS], reward="binary", language="python", limits=None, prompts=[convo]
        )
