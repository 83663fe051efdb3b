"""A private `redis-server` for when no PROCTOR_REDIS_URL is given: the embedded default."""

import os
import shutil
import socket
import subprocess
import tempfile
import time

from redis import Redis
from redis.exceptions import RedisError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EmbeddedRedis:
    """Starts redis-server with no persistence; stops it on exit.

    Proctor's processes reach it over a unix socket (`url`): every reply a worker pushes and every
    wake-up of the gateway's listener is a round trip, and over loopback TCP each one ran the
    kernel's TCP path twice (HumanEval's batch took 4-6 % longer, benchmarks/README.md). It also
    listens on a free loopback port (`port`), for tools such as `redis-cli` and `rq info`.
    `socket_path`: where the socket goes (default: in its private directory), so a restarted
    server can be reached at the same URL."""

    def __init__(self, socket_path: str | None = None):
        self.port = free_port()
        self._dir = tempfile.mkdtemp(prefix="proctor-redis-")
        self.socket_path = socket_path or os.path.join(self._dir, "redis.sock")
        self.url = f"unix://{self.socket_path}?db=0"
        self._proc: subprocess.Popen | None = None

    def start(self) -> "EmbeddedRedis":
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        args = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        args += ["--unixsocket", self.socket_path, "--unixsocketperm", "700"]
        self._proc = subprocess.Popen([*args, "--dir", self._dir], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                Redis.from_url(self.url).ping()
                return self
            except RedisError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self._proc and self._proc.poll() is None:
            self._proc.terminate()
            self._proc.wait(10)
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> "EmbeddedRedis":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
