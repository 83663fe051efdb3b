"""Bad input gets the contract's error body, naming the field, and loses nothing."""

import socket

import httpx
import pytest

GOOD = {"code": "def f():\n    return 1\n", "tests": [{"kind": "call", "function": "f", "expected": 1}]}


def post(service, body=None, content=None, path="/v1/score", headers=None):
    return httpx.post(f"{service.url}{path}", json=body, content=content, headers=headers, timeout=30)


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"tests": GOOD["tests"]}, 422, "code"),
        ({**GOOD, "tests": []}, 422, "tests"),
        ({**GOOD, "tests": [{"kind": "fuzz"}]}, 422, "tests.0.kind"),
        ({**GOOD, "tests": [{"kind": "call", "expected": 1}]}, 422, "tests.0.function"),
        ({**GOOD, "tests": [{"kind": "call", "function": "1bad", "expected": 1}]}, 422, "tests.0.function"),
        ({**GOOD, "tests": [{"kind": "stdio", "stdin": 5, "stdout": ""}]}, 422, "tests.0.stdin"),
        ({**GOOD, "code": 12}, 422, "code"),
        ({**GOOD, "language": "cobol"}, 422, "language"),
        ({**GOOD, "reward": "vibes"}, 422, "reward"),
        ({**GOOD, "timing_repeats": 0}, 422, "timing_repeats"),
        ({**GOOD, "limits": {"time_s": -1}}, 422, "limits.time_s"),
        ({**GOOD, "limits": {"memroy_mb": 5}}, 422, "limits.memroy_mb"),
        ({**GOOD, "stop_on_first_failure": "perhaps"}, 422, "stop_on_first_failure"),
        ({**GOOD, "surprise": 1}, 422, "surprise"),
        ({**GOOD, "code": "x" * 300 * 1024}, 413, "code"),
        ({**GOOD, "tests": GOOD["tests"] * 201}, 413, "tests"),
    ],
)
def test_invalid_requests_name_the_field(service, body, status, field):
    response = post(service, body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field and error["code"] and error["message"]


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00", b""])
def test_malformed_json_is_a_400(service, content):
    response = post(service, content=content, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_json"


def test_batch_fields_are_named_with_their_index(service):
    response = post(service, {"submissions": [GOOD, {**GOOD, "tests": []}]}, path="/v1/score/batch")
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "submissions.1.tests"
    assert post(service, {"submissions": []}, path="/v1/score/batch").json()["error"]["field"] == "submissions"


def test_body_over_the_limit_is_refused_before_it_is_read(service):
    """Declare 100 MB, send 1 KB: the 413 must come back without the rest being sent."""
    port = int(service.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            "POST /v1/score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {100 * 1024 * 1024}\r\n\r\n"
        )
        sock.sendall(head.encode() + b"{" * 1024)
        reply = b""
        while b"}}" not in reply:  # the end of the JSON error body
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
        reply = reply.decode(errors="replace")
    assert reply.startswith("HTTP/1.1 413")
    assert '"body_too_large"' in reply


def test_chunked_body_over_the_limit_is_cut_off(service):
    def chunks():
        for _ in range(64):
            yield b" " * (128 * 1024)

    response = httpx.post(f"{service.url}/v1/score", content=chunks(), timeout=30)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_the_service_still_scores_after_bad_input(client):
    assert client.score(GOOD["code"], GOOD["tests"]).category == "passed"
