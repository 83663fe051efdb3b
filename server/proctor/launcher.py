"""`proctor up`: Redis (embedded unless PROCTOR_REDIS_URL is set), the gateway and the workers,
in the foreground until Ctrl-C, stopping everything it started on the way out."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

from proctor.config import Settings
from proctor.embedded_redis import EmbeddedRedis, free_port


def start_service(env: dict[str, str], workers: int) -> list[subprocess.Popen]:
    """Start the gateway and `workers` worker processes (configured by `env`); returns them."""
    cli = [sys.executable, "-m", "proctor.cli"]
    procs = [subprocess.Popen([*cli, "worker"], env=env) for _ in range(workers)]
    procs.append(subprocess.Popen([*cli, "serve"], env=env))
    return procs


def wait_ready(url: str, procs: list[subprocess.Popen], workers: int, timeout: float = 120) -> None:
    """Until /readyz counts all `workers` (with none: until the gateway answers /healthz), or a
    process dies, or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in procs):
            raise RuntimeError("a service process exited during start-up")
        with contextlib.suppress(httpx.HTTPError):
            if workers == 0:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return
            else:
                ready = httpx.get(f"{url}/readyz", timeout=2)
                if ready.status_code == 200 and ready.json()["workers"] >= workers:
                    return
        time.sleep(0.3)
    raise RuntimeError(f"the service was not ready within {timeout:.0f} s")


@contextlib.contextmanager
def serving(env: dict[str, str], workers: int) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """A gateway on a free loopback port plus `workers` workers, configured by `env` (tests and
    benchmarks): ready on entry, stopped on exit. Yields the URL and the processes."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    procs = start_service({**env, "PROCTOR_PORT": str(port)}, workers)
    try:
        wait_ready(url, procs, workers)
        yield url, procs
    finally:
        stop_service(procs)


def stop_service(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


def up(settings: Settings) -> int:
    with contextlib.ExitStack() as stack:
        env = dict(os.environ)
        if not settings.redis_url:
            redis = stack.enter_context(EmbeddedRedis())
            env["PROCTOR_REDIS_URL"] = redis.url
            print(f"proctor: embedded Redis at {redis.url}", flush=True)
        procs = start_service(env, settings.workers)
        stack.callback(stop_service, procs)
        url = f"http://{settings.host}:{settings.port}"
        wait_ready(url, procs, settings.workers)
        print(f"proctor: ready at {url} ({settings.workers} workers x {settings.slots} sandboxes); Ctrl-C stops")
        # Ctrl-C and SIGTERM both stop everything started here (also when launched with SIGINT
        # ignored, as background jobs of scripts are).
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        with contextlib.suppress(KeyboardInterrupt):
            while all(p.poll() is None for p in procs):
                time.sleep(0.5)
            print("proctor: a service process exited; stopping", file=sys.stderr)
            return 1
        print("proctor: stopping", flush=True)
    return 0
