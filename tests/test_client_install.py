"""`pip install ./client` into a fresh virtualenv gives a working reward adapter, without the server."""

import json
import subprocess
import venv
from pathlib import Path

CLIENT = Path(__file__).resolve().parent.parent / "client"
SCRIPT = """
import json, sys
from proctor_client.rewards.trl import reward_func
reward = reward_func(sys.argv[1])
tests = [{"kind": "call", "function": "add", "args": [1, 2], "expected": 3}]
completions = [[{"role": "assistant", "content": "```python\\ndef add(a, b):\\n    return a + b\\n```"}]]
rewards = reward(prompts=["p"], completions=completions, completion_ids=[[1]], tests=[tests], trainer_state=None)
server_side = sorted(m for m in sys.modules if m.split(".")[0] in ("proctor", "fastapi", "pydantic", "redis", "rq"))
print(json.dumps({"rewards": rewards, "server_side": server_side}))
"""


def test_fresh_virtualenv_install_scores_through_the_adapter(service, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = str(env_dir / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(CLIENT)],
        check=True,
        capture_output=True,
        timeout=240,
    )
    installed = subprocess.run([python, "-m", "pip", "list", "--format=json"], capture_output=True, text=True)
    names = {p["name"].lower() for p in json.loads(installed.stdout)}
    assert "proctor-client" in names and "proctor" not in names and "fastapi" not in names
    run = subprocess.run([python, "-c", SCRIPT, service.url], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == {"rewards": [1.0], "server_side": []}
