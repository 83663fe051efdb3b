"""docker-compose.yml is valid, builds the sandbox from a real FROM, and gives the socket to workers only."""

import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_compose_file_validates_and_isolates_the_docker_socket():
    out = subprocess.run(["docker-compose", "config"], cwd=ROOT, capture_output=True, text=True, check=True)
    services = yaml.safe_load(out.stdout)["services"]
    assert set(services) == {"redis", "sandbox-image", "gateway", "worker"}
    with_socket = {
        name for name, svc in services.items() if any("docker.sock" in str(v) for v in svc.get("volumes", []))
    }
    assert with_socket == {"worker"}
    assert services["sandbox-image"]["build"]["args"]["BASE_IMAGE"] == "debian:bookworm-slim"
    assert str(services["gateway"]["ports"][0]).startswith("127.0.0.1:8000:8000")
    assert services["worker"]["environment"]["PROCTOR_REDIS_URL"] == "redis://redis:6379/0"
    # The engine bind-mounts the worker's socket directory into sandboxes by its host path.
    socket_dir = services["worker"]["environment"]["PROCTOR_SOCKET_DIR"]
    assert f"{socket_dir}:{socket_dir}:rw" in services["worker"]["volumes"]


def test_sandbox_dockerfile_keeps_a_real_from_line():
    dockerfile = (ROOT / "sandbox_images/python/Dockerfile").read_text()
    assert "ARG BASE_IMAGE=debian:bookworm-slim" in dockerfile
    assert "FROM ${BASE_IMAGE}" in dockerfile
