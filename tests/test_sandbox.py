"""The hardening baseline of the sandbox containers, checked on live containers and from inside."""

import os
import uuid

import pytest

from tests.conftest import running_service, wait_for


def test_live_sandboxes_carry_the_hardening_baseline(service, docker_engine):
    containers = docker_engine.containers.list(filters={"label": f"proctor.queue={service.queue}"})
    assert len(containers) == 4  # 2 workers x 2 sandboxes
    for container in containers:
        host, config = container.attrs["HostConfig"], container.attrs["Config"]
        assert host["NetworkMode"] == "none"
        assert host["ReadonlyRootfs"] is True
        assert "size=" in host["Tmpfs"]["/tmp"] and "noexec" in host["Tmpfs"]["/tmp"]
        assert host["CapDrop"] == ["ALL"] and not host["CapAdd"]
        assert "no-new-privileges" in host["SecurityOpt"]
        assert host["Privileged"] is False
        assert host["Runtime"] == "runc" and host["PidsLimit"] == 64
        assert 0 < host["Memory"] == host["MemorySwap"]
        assert host["NanoCpus"] > 0
        assert {u["Name"] for u in host["Ulimits"]} == {"cpu", "nofile", "fsize", "core"}
        assert config["User"] == "10001:10001"
        # Nothing of the host's environment: only the image's own (PID 1 clears it for tests).
        assert {e.split("=", 1)[0] for e in config["Env"] or []} <= {"PATH", "LD_BIND_NOW"}
        assert not any("docker.sock" in m.get("Source", "") for m in container.attrs["Mounts"])


def passes(client, check: str, code: str = "") -> None:
    result = client.score(code or "x = 1\n", [{"kind": "assert", "code": check}])
    assert result.category == "passed", (check, result.tests[0])


@pytest.mark.parametrize(
    "check",
    [
        "import os\nassert os.getuid() == 10001 and os.getgid() == 10001",
        "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2)\n    ok = False\n"
        "except OSError:\n    ok = True\nassert ok",
        "import socket\ntry:\n    socket.getaddrinfo('example.com', 80)\n    ok = False\n"
        "except OSError:\n    ok = True\nassert ok",
        "for path in ('/etc/passwd', '/opt/proctor/supervisor.py', '/usr/lib/python3/dist-packages/x.py'):\n"
        "    try:\n        open(path, 'a').close()\n        raise SystemError(path)\n    except OSError:\n        pass",
        "import os\nassert set(os.environ) <= {'PATH', 'HOME', 'LANG'}, os.environ",
        "import os\nassert not os.path.exists('/var/run/docker.sock')",
    ],
    ids=["non-root", "no-network", "no-dns", "read-only-root", "no-env", "no-docker-socket"],
)
def test_inside_the_sandbox(client, check):
    passes(client, check)


def test_host_files_are_not_visible(client):
    canary = f"/tmp/proctor-canary-{uuid.uuid4().hex}"
    with open(canary, "w") as fh:
        fh.write("secret")
    try:
        passes(client, f"import os\nassert not os.path.exists({canary!r})")
    finally:
        os.unlink(canary)


def test_a_daemon_does_not_outlive_its_test_or_job(client):
    code = (
        "import os, signal, time\n"
        "def spawn():\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "            while True:\n"
        "                time.sleep(0.01)\n"
        "        os._exit(0)\n"
        "    time.sleep(0.2)\n"
    )
    alone = (
        "import os\npids = {int(p) for p in os.listdir('/proc') if p.isdigit()}\nassert pids == {1, os.getpid()}, pids"
    )
    tests = [{"kind": "assert", "code": "spawn()"}, {"kind": "assert", "code": alone}]
    assert [t.status for t in client.score(code, tests, isolation="test").tests] == ["passed", "passed"]
    # One process runs a job's tests by default: the daemon lives until the job ends.
    assert [t.status for t in client.score(code, tests).tests] == ["passed", "failed"]
    assert client.score("x = 1\n", [{"kind": "assert", "code": alone}]).category == "passed"


def test_worn_out_sandboxes_are_replaced(redis_server, docker_engine):
    """After `recycle_after` jobs a sandbox is killed and another started in its place (its start
    may wait for the process to be idle): a batch that wears out every sandbox still passes, and
    the pool is whole again afterwards, with none of the first containers left."""
    with running_service(redis_server, workers=1, PROCTOR_SLOTS="2", PROCTOR_RECYCLE_AFTER="3") as svc:

        def sandboxes() -> set[str]:
            return {c.id for c in docker_engine.containers.list(filters={"label": f"proctor.queue={svc.queue}"})}

        first = sandboxes()
        assert len(first) == 2
        code = "def add(a, b):\n    return a + b\n"
        subs = [
            {"code": code + f"# {i}\n", "tests": [{"kind": "assert", "code": "assert add(1, 2) == 3"}]}
            for i in range(12)
        ]
        with svc.client(timeout=120) as client:
            assert [r.category for r in client.score_many(subs)] == ["passed"] * 12
        wait_for(lambda: len(now := sandboxes()) == 2 and not now & first, what="two fresh sandboxes")
