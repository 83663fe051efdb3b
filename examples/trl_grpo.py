"""GRPO with TRL, rewarded by Proctor: each completion's code is run against its row's tests.

    pip install ./client trl datasets     # the client needs only httpx; no server packages
    make up                               # Proctor on http://127.0.0.1:8000 (another terminal)
    python examples/trl_grpo.py

A sample Proctor cannot score (the service is down or overloaded past the client's retries) gets
the reward None, which TRL masks, instead of a false zero.
"""

import json

from datasets import Dataset
from proctor_client.rewards.trl import reward_func
from trl import GRPOConfig, GRPOTrainer

INSTRUCTION = "Answer with a single ```python code block that defines the function."


def row(task: str, tests: list[dict]) -> dict:
    # Nested test lists are stored as a JSON string: Arrow columns need one type per field.
    return {"prompt": [{"role": "user", "content": f"{task}\n{INSTRUCTION}"}], "tests": json.dumps(tests)}


dataset = Dataset.from_list(
    [
        row(
            "Write add(a, b) returning the sum of two integers.",
            [
                {"kind": "call", "function": "add", "args": [1, 2], "expected": 3},
                {"kind": "call", "function": "add", "args": [-5, 5], "expected": 0},
            ],
        ),
        row(
            "Write is_palindrome(s) telling whether a string reads the same backwards.",
            [
                {"kind": "assert", "code": "assert is_palindrome('abba') and not is_palindrome('ab')"},
                {"kind": "call", "function": "is_palindrome", "args": [""], "expected": True},
            ],
        ),
    ]
)

trainer = GRPOTrainer(
    model="Qwen/Qwen2.5-Coder-0.5B-Instruct",
    # The reward scheme is selectable: pass_rate, binary, coderl or rltf (see shared/API.md).
    reward_funcs=[reward_func("http://127.0.0.1:8000", reward="pass_rate", tests_column="tests")],
    args=GRPOConfig(
        output_dir="grpo-proctor",
        num_generations=4,
        per_device_train_batch_size=4,
        max_completion_length=256,
        logging_steps=1,
    ),
    train_dataset=dataset,
)
trainer.train()
