"""The result records a test's fork writes: the ones formatted by hand read back as json would write them."""

import importlib.util
import json
from pathlib import Path

import pytest

SUPERVISOR = Path(__file__).resolve().parents[1] / "sandbox_images" / "python" / "supervisor.py"


@pytest.fixture(scope="module")
def supervisor():
    spec = importlib.util.spec_from_file_location("supervisor_under_test", SUPERVISOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(
    "record",
    [
        {"status": "passed", "nonce": "0f" * 16},
        {"status": "passed", "i": 12, "nonce": "0f" * 16},
        {"status": "exited", "nonce": "ab" * 16},
        {"status": "passed", "nonce": "ab" * 16, "error": None},
        {"status": "failed", "i": 0, "nonce": "ab", "error": {"type": "E", "message": 'a "b"\n', "line": 3}},
        {"status": "returned", "value": [1, 2**70, "\u00e9"], "nonce": "ab", "i": 1},
    ],
)
def test_a_record_is_one_line_of_the_same_json(supervisor, record):
    line = supervisor._record_line(record)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert json.loads(line) == record
