"""Configuration: every setting comes from a `PROCTOR_*` environment variable (see README)."""

import os
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """One place for every knob, so gateway, workers and the launcher agree."""

    model_config = SettingsConfigDict(env_prefix="PROCTOR_", extra="ignore")

    redis_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    api_keys: str = ""
    rate_limit_per_min: int = 0
    queue_name: str = "proctor"

    image: str = "proctor-python:latest"
    runtime: str = "runc"
    # A worker process serves `slots` sandboxes, one RQ worker thread each, so a sleeping job holds
    # one sandbox while the others keep working; a process per core spreads the workers' own CPU
    # work over the cores. 16 sandboxes per core either way; as one process per core, each
    # starting `starting` jobs at once, HumanEval ran 12-15 % faster than as two (measured in
    # benchmarks/README.md).
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    slots: int = 16
    # Of those, how many jobs may be starting at once (worker/intake.py: Admission); a job that
    # has run 0.1 s no longer counts, so a sleeper holds only its sandbox.
    starting: int = Field(default=2, ge=1)
    recycle_after: int = 500
    cpus: float = 1.0
    pids_limit: int = 64
    tmpfs_mb: int = 64
    # Re-timed jobs run alone on the host (worker/timing_lock.py); every worker of a host must see
    # the same file. Empty: timed jobs run beside others.
    timing_lock: str = "/tmp/proctor-timing.lock"
    # Workers listen here for their sandboxes' supervisors (worker/sandbox.py); Docker bind-mounts
    # from it, so the path must mean the same on the worker and on the Docker engine's host.
    socket_dir: str = "/tmp/proctor-sockets"

    default_time_s: float = 10.0
    max_time_s: float = 60.0
    default_test_time_s: float = 3.0
    max_test_time_s: float = 30.0
    default_memory_mb: int = 512
    max_memory_mb: int = 1024
    default_output_kb: int = 64
    max_output_kb: int = 1024
    max_timing_repeats: int = 50
    # A test's limits count wall time less its wait for a CPU held by other sandboxes (supervisor:
    # TestClock); its wall time may run to this many times the limit. At the defaults a saturated
    # host gives each busy sandbox 1/16 of a core, so tests using up to half their limit of CPU
    # keep their verdicts under any load; the worker's outer deadline grows by the same factor.
    load_stretch: float = Field(default=8.0, ge=1.0)

    # While more than `GATHER_ABOVE` (gateway/dispatcher.py) items wait on a gateway, its reply
    # listener lets replies gather this long between takes, so one wake-up serves several: taking
    # each as it came cost the gateway ~0.26 ms a reply and took CPU from the sandboxes (HumanEval
    # ~3 % faster, benchmarks/README.md). 0: each reply is taken as it arrives.
    reply_gather_ms: float = Field(default=20.0, ge=0.0)

    max_body_mb: float = 64.0
    max_code_kb: int = 512
    max_tests: int = 1000
    max_batch: int = 4096
    queue_max: int = 20000
    queue_wait_s: float = 120.0
    result_ttl_s: int = 300
    cache_ttl_s: int = 3600  # 0 turns the verdict cache off

    @property
    def api_key_set(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.api_keys.split(",") if k.strip())

    @property
    def sandbox_load_stretch(self) -> float:
        """What the sandboxes' supervisors may stretch limits by: gVisor shows them neither a run
        delay nor the container's CPU time, so there limits stay wall-clock and need none."""
        return 1.0 if self.runtime == "runsc" else self.load_stretch

    @property
    def container_memory_mb(self) -> int:
        """The container's cgroup cap: the largest per-test limit plus the supervisor's share."""
        return self.max_memory_mb + 128


@lru_cache
def get_settings() -> Settings:
    return Settings()
