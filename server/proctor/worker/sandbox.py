"""Warm, hardened containers, each with the supervisor as PID 1, and the pool that lends them out.

A container is started once and reused: per job the cost is a line over the attach stream plus a
fork inside. It is discarded whenever its supervisor cannot vouch that nothing of a job is left
(`clean` false), when it misses a deadline, or after `recycle_after` jobs.
"""

import contextlib
import json
import logging
import queue
import socket
import struct
import threading
import time
import uuid

import docker
from docker.types import Ulimit

from proctor.config import Settings

log = logging.getLogger(__name__)
STDOUT = 1
# The Docker SDK raises its own errors, or requests' (OSError) when the engine is unreachable.
DOCKER_ERRORS = (docker.errors.DockerException, OSError)
MAX_REPLY_BYTES = 64 << 20
# gVisor's ptrace platform backs guest processes with host processes and threads of its own, all
# counted by the container's pids cgroup; give it room so ordinary programs fit.
GVISOR_PIDS_FACTOR = 4


class SandboxError(RuntimeError):
    """The sandbox broke (not the candidate's verdict): the job must be retried or reported."""


class SandboxTimeout(SandboxError):
    """The supervisor did not answer within the job's outer deadline."""


class SandboxTampered(SandboxError):
    """The reply stream carried something the supervisor did not write: only the job can have."""


class SandboxDied(SandboxError):
    """The container ended while it held a job (its supervisor was killed, or Docker went away)."""


def container_config(settings: Settings) -> dict:
    """The hardening baseline, in one place so it can be read and tested: arguments of Docker's
    low-level `create_container` (with `host_config` as arguments of `create_host_config`)."""
    mb = settings.container_memory_mb
    host_config = dict(
        network_mode="none",
        read_only=True,
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
        stdin_open=True,  # with detach=False this also sets StdinOnce: when the worker's attach
        detach=False,  # stream closes, the supervisor sees EOF and the container ends by itself
        tty=False,
        environment={},
        hostname="sandbox",
        labels={"proctor.sandbox": "python", "proctor.queue": settings.queue_name},
        stop_signal="SIGKILL",  # PID 1 ignores SIGTERM; stopping (and dockerd's shutdown) must not wait
        host_config=host_config,
    )


class Sandbox:
    """One warm container, spoken to through its attach stream (stdin/stdout JSON lines)."""

    def __init__(self, client: docker.DockerClient, settings: Settings):
        self.jobs_run = 0
        self._settings = settings
        self._buffer = b""
        config = container_config(settings)
        config["host_config"] = client.api.create_host_config(**config["host_config"])
        created = client.api.create_container(**config, name=f"proctor-{uuid.uuid4().hex[:12]}")
        self.container = client.containers.get(created["Id"])
        try:
            attach = client.api.attach_socket(self.container.id, params={"stdin": 1, "stdout": 1, "stream": 1})
            self._sock: socket.socket = getattr(attach, "_sock", attach)
            self._attach = attach
            self.container.start()
            hello = self._read_line(time.monotonic() + 30)
            self.python_version = hello["python"]
        except BaseException:
            self.destroy()
            raise

    def run(self, job: dict, token: str, deadline: float) -> dict:
        """Send one job and wait for its reply until `deadline` (monotonic). The supervisor echoes
        `token` (32 hex characters, sent ahead of the job line) in its reply."""
        try:
            self._sock.settimeout(None)
            self._sock.sendall(token.encode() + json.dumps(job, separators=(",", ":")).encode() + b"\n")
        except OSError as exc:
            raise SandboxDied(f"the sandbox stopped accepting jobs: {exc}") from exc
        self.jobs_run += 1
        return self._read_line(deadline)

    def _read_line(self, deadline: float) -> dict:
        """Demultiplex Docker's attach stream (8-byte frame headers) until a whole line arrived."""
        while b"\n" not in self._buffer:
            stream, size = struct.unpack(">BxxxL", self._recv_exactly(8, deadline))
            data = self._recv_exactly(size, deadline)
            if stream == STDOUT:
                self._buffer += data
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

    def _recv_exactly(self, n: int, deadline: float) -> bytes:
        chunks, got = [], 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SandboxTimeout("sandbox did not answer before the deadline")
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(n - got)
            except TimeoutError as exc:
                raise SandboxTimeout("sandbox did not answer before the deadline") from exc
            except OSError as exc:
                raise SandboxError(f"sandbox stream broke: {exc}") from exc
            if not chunk:
                raise SandboxDied("the sandbox ended while running the job")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def alive(self) -> bool:
        try:
            self.container.reload()
        except DOCKER_ERRORS:
            return False
        return self.container.status == "running"

    def destroy(self) -> None:
        """Kill the container; `auto_remove` deletes it. Never raises: it runs on error paths."""
        for close in (getattr(self, "_attach", None), getattr(self, "_sock", None)):
            try:
                if close is not None:
                    close.close()
            except OSError:
                pass
        with contextlib.suppress(*DOCKER_ERRORS):
            self.container.kill()


class SandboxPool:
    """`size` warm sandboxes for one worker process; threads borrow them one job at a time."""

    def __init__(self, settings: Settings, size: int):
        self.settings = settings
        self.size = size
        self.client = docker.from_env(timeout=60)
        self.python_version = ""
        self._idle: queue.Queue[Sandbox] = queue.Queue()
        for _ in range(size):
            self._idle.put(self._new())

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
        """Return a sandbox, or replace it when it cannot be trusted or is worn out."""
        if healthy and box.jobs_run < self.settings.recycle_after:
            self._idle.put(box)
            return
        box.destroy()
        threading.Thread(target=self._replace, daemon=True).start()

    def _replace(self) -> None:
        delay = 0.5
        while True:
            try:
                self._idle.put(self._new())
                return
            except Exception as exc:  # docker down: keep trying, the pool must heal by itself
                log.warning("could not start a sandbox (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 10)

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
