"""Warm, hardened containers, each with the supervisor as PID 1, and the pool that lends them out.

A container is started once and reused: per job the cost is a line over a unix socket plus a fork
inside. The worker listens on that socket in a directory of its own, bind-mounted read-only into
the container; the supervisor connects at start, and the socket file is unlinked as soon as it has,
so nothing else in the sandbox can ever connect. Talking directly, not through Docker's attach
stream, spares dockerd and the runtime shim two copies each way (0.5 ms of host CPU a job,
benchmarks/README.md). A container is discarded whenever its supervisor cannot vouch that nothing
of a job is left (`clean` false), when it misses a deadline, or after `recycle_after` jobs.
"""

import contextlib
import json
import logging
import os
import queue
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable

import docker
from docker.types import Ulimit

from proctor.config import Settings

log = logging.getLogger(__name__)
# The Docker SDK raises its own errors, or requests' (OSError) when the engine is unreachable.
DOCKER_ERRORS = (docker.errors.DockerException, OSError)
MAX_REPLY_BYTES = 64 << 20
# gVisor's ptrace platform backs guest processes with host processes and threads of its own, all
# counted by the container's pids cgroup; give it room so ordinary programs fit.
GVISOR_PIDS_FACTOR = 4
# Where the supervisor finds the worker's socket (sandbox_images/python/supervisor.py: SOCKET_PATH).
RENDEZVOUS_MOUNT = "/run/proctor"
SOCKET_NAME = "supervisor.sock"
START_TIMEOUT_S = 30
REPLACE_WITHIN_S = 1.0  # a discarded sandbox's replacement waits for an idle moment at most this long
REPLACE_POLL_S = 0.05


class SandboxError(RuntimeError):
    """The sandbox broke (not the candidate's verdict): the job must be retried or reported."""


class SandboxTimeout(SandboxError):
    """The supervisor did not answer within the job's outer deadline."""


class SandboxTampered(SandboxError):
    """The reply stream carried something the supervisor did not write: only the job can have."""


class SandboxDied(SandboxError):
    """The container ended while it held a job (its supervisor was killed, or Docker went away)."""


def container_config(settings: Settings, rendezvous: str) -> dict:
    """The hardening baseline, in one place so it can be read and tested: arguments of Docker's
    low-level `create_container` (with `host_config` as arguments of `create_host_config`).
    `rendezvous` is the host directory holding the worker's socket."""
    mb = settings.container_memory_mb
    host_config = dict(
        network_mode="none",
        read_only=True,
        binds={rendezvous: {"bind": RENDEZVOUS_MOUNT, "mode": "ro"}},
        tmpfs={"/tmp": f"rw,nosuid,nodev,noexec,size={settings.tmpfs_mb}m,nr_inodes=4096,mode=1777"},
        shm_size=f"{settings.tmpfs_mb // 4}m",
        ipc_mode="private",
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        pids_limit=settings.pids_limit * (GVISOR_PIDS_FACTOR if settings.runtime == "runsc" else 1),
        mem_limit=f"{mb}m",
        memswap_limit=f"{mb}m",
        nano_cpus=int(settings.cpus * 1e9),
        ulimits=[
            Ulimit(name="cpu", soft=3600, hard=3600),
            Ulimit(name="nofile", soft=256, hard=256),
            Ulimit(name="fsize", soft=settings.tmpfs_mb << 20, hard=settings.tmpfs_mb << 20),
            Ulimit(name="core", soft=0, hard=0),
        ],
        runtime=settings.runtime,
        auto_remove=True,
    )
    return dict(
        image=settings.image,
        user="10001:10001",
        # No attach stream: when the worker's socket closes (the worker ended), the supervisor
        # sees EOF and the container ends by itself.
        stdin_open=False,
        detach=True,
        tty=False,
        environment={},
        hostname="sandbox",
        labels={"proctor.sandbox": "python", "proctor.queue": settings.queue_name},
        stop_signal="SIGKILL",  # PID 1 ignores SIGTERM; stopping (and dockerd's shutdown) must not wait
        host_config=host_config,
    )


class Sandbox:
    """One warm container, spoken to over a unix socket (JSON lines each way)."""

    def __init__(self, client: docker.DockerClient, settings: Settings):
        self.jobs_run = 0
        self._buffer = b""
        self._sock: socket.socket | None = None
        self.container = None
        try:
            self._start(client, settings)
            hello = self._read_line(time.monotonic() + START_TIMEOUT_S)
            self.python_version = hello["python"]
        except BaseException:
            self.destroy()
            raise

    def _start(self, client: docker.DockerClient, settings: Settings) -> None:
        """Start the container and take the one connection its supervisor makes."""
        os.makedirs(settings.socket_dir, mode=0o711, exist_ok=True)
        rendezvous = tempfile.mkdtemp(dir=settings.socket_dir)
        path = os.path.join(rendezvous, SOCKET_NAME)
        try:
            os.chmod(rendezvous, 0o711)  # the sandbox's uid may pass through, but not list it
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
                listener.bind(path)
                os.chmod(path, 0o666)
                listener.listen(1)
                config = container_config(settings, rendezvous)
                config["host_config"] = client.api.create_host_config(**config["host_config"])
                created = client.api.create_container(**config, name=f"proctor-{uuid.uuid4().hex[:12]}")
                self.container = client.containers.get(created["Id"])
                self.container.start()
                listener.settimeout(START_TIMEOUT_S)
                try:
                    self._sock, _ = listener.accept()
                except TimeoutError:
                    raise SandboxError("the sandbox's supervisor did not connect") from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
            with contextlib.suppress(OSError):
                os.rmdir(rendezvous)

    def run(
        self, job: dict, token: str, deadline: float, settle: tuple[float, Callable[[], None]] | None = None
    ) -> dict:
        """Send one job and wait for its reply until `deadline` (monotonic). The supervisor echoes
        `token` (32 hex characters, sent ahead of the job line) in its reply. `settle`, (when,
        callback): the callback runs once if no reply has come by then."""
        try:
            self._sock.settimeout(None)
            self._sock.sendall(token.encode() + json.dumps(job, separators=(",", ":")).encode() + b"\n")
        except OSError as exc:
            raise SandboxDied(f"the sandbox stopped accepting jobs: {exc}") from exc
        self.jobs_run += 1
        if settle is not None:
            when, settled = settle
            try:
                return self._read_line(min(when, deadline))
            except SandboxTimeout:
                if time.monotonic() >= deadline:
                    raise
            settled()
        return self._read_line(deadline)

    def _read_line(self, deadline: float) -> dict:
        """Read until a whole line arrived, or `deadline` (monotonic) passed."""
        while b"\n" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SandboxTimeout("sandbox did not answer before the deadline")
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(1 << 16)
            except TimeoutError as exc:
                raise SandboxTimeout("sandbox did not answer before the deadline") from exc
            except OSError as exc:
                raise SandboxError(f"sandbox stream broke: {exc}") from exc
            if not chunk:
                raise SandboxDied("the sandbox ended while running the job")
            self._buffer += chunk
            if len(self._buffer) > MAX_REPLY_BYTES:
                raise SandboxTampered("the reply stream overflowed")
        line, _, self._buffer = self._buffer.partition(b"\n")
        try:
            reply = json.loads(line)
        except ValueError as exc:
            raise SandboxTampered("the reply stream carried a malformed line") from exc
        if not isinstance(reply, dict):
            raise SandboxTampered("the reply stream carried a malformed line")
        return reply

    def alive(self) -> bool:
        try:
            self.container.reload()
        except DOCKER_ERRORS:
            return False
        return self.container.status == "running"

    def destroy(self) -> None:
        """Kill the container; `auto_remove` deletes it. Never raises: it runs on error paths."""
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.close()
        if self.container is not None:
            with contextlib.suppress(*DOCKER_ERRORS):
                self.container.kill()


class SandboxPool:
    """`size` warm sandboxes for one worker process; threads borrow them one job at a time, the
    one returned last first (its supervisor's memory is the likeliest to be in the CPU's caches).

    A sandbox that is discarded is killed at once, but its replacement starts only when the
    process runs nothing, when no sandbox is left idle, or REPLACE_WITHIN_S later: starting a
    container costs ~0.25 s of CPU (dockerd, runc, Python), a third of what HumanEval's whole
    batch needs, and a batch that paid for it took that much longer (benchmarks/README.md).
    Under a sustained load the start is postponed, not saved."""

    def __init__(self, settings: Settings, size: int):
        self.settings = settings
        self.size = size
        self.client = docker.from_env(timeout=60)
        self.python_version = ""
        self._idle: queue.LifoQueue[Sandbox] = queue.LifoQueue()
        self._retired: queue.SimpleQueue[Sandbox] = queue.SimpleQueue()
        for _ in range(size):
            self._idle.put(self._new())
        threading.Thread(target=self._recycle, daemon=True, name="recycler").start()

    def _new(self) -> Sandbox:
        box = Sandbox(self.client, self.settings)
        self.python_version = box.python_version
        return box

    def acquire(self, timeout: float) -> Sandbox:
        try:
            return self._idle.get(timeout=timeout)
        except queue.Empty:
            raise SandboxError("no sandbox became free in time") from None

    def release(self, box: Sandbox, healthy: bool) -> None:
        """Return a sandbox, or have it replaced when it cannot be trusted or is worn out."""
        if healthy and box.jobs_run < self.settings.recycle_after:
            self._idle.put(box)
        else:
            self._retired.put(box)

    def _recycle(self) -> None:
        """Kill each retired sandbox at once, and start its replacement when the process can
        spare the CPU. A start that fails (Docker down) is tried again later, backing off, while
        retired sandboxes are still killed as they come: the pool must heal by itself."""
        missing: list[float] = []  # when each sandbox still to be replaced left
        backoff = 0.0
        while True:
            try:
                box = self._retired.get(timeout=max(backoff, REPLACE_POLL_S) if missing else None)
            except queue.Empty:
                pass
            else:
                box.destroy()
                missing.append(time.monotonic())
                continue
            idle = self._idle.qsize()
            if idle + len(missing) < self.size and idle and time.monotonic() - missing[0] < REPLACE_WITHIN_S:
                continue  # jobs are running and a sandbox is free: not now
            try:
                self._idle.put(self._new())
            except Exception as exc:
                backoff = min(max(backoff * 2, 0.5), 10)
                log.warning("could not start a sandbox (%s); retrying in %.1fs", exc, backoff)
            else:
                missing.pop(0)
                backoff = 0.0

    def purge_dead(self) -> None:
        """After a sandbox failed, check the idle ones too (Docker may have restarted), so the
        retry does not land on another corpse."""
        alive = []
        while True:
            try:
                box = self._idle.get_nowait()
            except queue.Empty:
                break
            if box.alive():
                alive.append(box)
            else:
                self.release(box, healthy=False)
        for box in alive:
            self._idle.put(box)

    def docker_answers(self) -> bool:
        try:
            return bool(self.client.ping())
        except DOCKER_ERRORS:
            return False

    def image_id(self) -> str:
        return self.client.images.get(self.settings.image).id

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().destroy()
            except queue.Empty:
                return
