"""The RQ job: score a chunk of submissions on this worker's warm sandboxes and push each reply.

Expected values never leave this process: the sandbox gets tests without `expected` or `stdout`,
and the comparison happens here, where candidate code cannot reach.
"""

import contextlib
import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from redis import Redis
from redis.exceptions import RedisError
from rq import get_current_job

from proctor import cache, keys
from proctor.limits import outer_budget
from proctor.verdict import summarize
from proctor.worker.intake import SETTLE_S, Admission, Intake
from proctor.worker.sandbox import SandboxDied, SandboxError, SandboxPool, SandboxTampered, SandboxTimeout
from proctor.worker.timing_lock import TimingLock

log = logging.getLogger(__name__)
SUPERVISOR_FIELDS = {
    "assert": ("kind", "code"),
    "call": ("kind", "function", "args", "kwargs"),
    "stdio": ("kind", "stdin"),
}


class _State:
    pool: SandboxPool | None = None
    executor: ThreadPoolExecutor | None = None
    timing: TimingLock | None = None
    intake: Intake | None = None
    admission: Admission | None = None


def install(pool: SandboxPool, timing: TimingLock | None, intake: Intake) -> None:
    """Give this process's jobs their sandboxes, the host's timing lock (None: timed jobs run
    beside others) and the count of items the process holds; called once by the worker at start."""
    _State.pool, _State.timing, _State.intake = pool, timing, intake
    _State.admission = Admission(pool.settings.starting)
    _State.executor = ThreadPoolExecutor(pool.size, thread_name_prefix="sandbox")


def run_chunk(reply_to: str, chunk: str) -> list[dict]:
    """Score every item of the chunk stored under `chunk` (keys.chunk_key) on this process's
    sandboxes, pushing each reply as soon as it is ready, then remove the chunk; the return value
    is a summary kept in RQ's result registry. Items of every chunk the process holds share its
    sandboxes first come, first served, so a sleeping item holds one sandbox, not the rest of its
    chunk."""
    redis: Redis = get_current_job().connection
    raw = redis.get(chunk)
    if raw is None:  # a retry of a chunk whose replies all went out before its worker died
        log.warning("chunk %s is gone: nothing to run", chunk)
        return []
    items = keys.decode_chunk(raw)
    intake = _State.intake
    intake.take(len(items))

    def one(item: dict) -> dict:
        try:
            outcome = score_item(item)
        finally:
            intake.done()
        res, err = outcome.get("result"), outcome.get("error")
        commands = [("RPUSH", reply_to, keys.encode_reply(item["rid"], item["i"], **outcome))]
        if res and "cache" in item:
            commands.append(("SET", item["cache"]["key"], cache.encode(res), "EX", item["cache"]["ttl_s"]))
        _replies.send(redis, commands)
        return {"id": item["rid"], "index": item["i"], "category": res["category"] if res else None, "error": err}

    # Every item runs even if one raises (map would cancel the rest), so each is counted done.
    futures = [_State.executor.submit(one, item) for item in items]
    summary = [future.result() for future in futures]
    _chunk_done(redis, reply_to, chunk)
    return summary


class _Replies(threading.local):
    """Each thread sends its replies (and the verdicts the cache keeps) straight on a connection
    of its own, in one round trip: through the client, a push also passes the pool, which polls
    the socket before lending it, and the retry wrapper, and cost the thread 0.126 ms of CPU per
    reply against 0.067 (benchmarks/README.md). After an error the commands go through the
    client, with its retries (a reply pushed twice is taken once), and the next send reconnects."""

    connection = None

    def send(self, redis: Redis, commands: list[tuple]) -> None:
        if self.connection is None:
            self.connection = redis.connection_pool.make_connection()
        try:
            self.connection.send_packed_command(self.connection.pack_commands(commands))
            for _ in commands:
                self.connection.read_response()
        except (RedisError, OSError):
            self.connection.disconnect()
            with redis.pipeline(transaction=False) as pipe:
                for command in commands:
                    pipe.execute_command(*command)
                pipe.execute()


_replies = _Replies()


def report_lost(job, connection: Redis, exc_type, exc_value, traceback) -> None:
    """RQ failure callback: once a chunk has no retry left, every item gets an explicit error."""
    if job.retries_left:
        return
    reply_to, chunk = job.args
    raw = connection.get(chunk)
    if raw is None:  # every reply went out (or the chunk outlived its keep): nothing to report
        return
    message = f"the worker running this item failed and its retry failed too ({exc_type.__name__})"
    for item in keys.decode_chunk(raw):
        error = {"code": "worker_lost", "message": message, "retry_after_s": 1, "status": 503}
        connection.rpush(reply_to, keys.encode_reply(item["rid"], item["i"], error=error))
    _chunk_done(connection, reply_to, chunk)


def _chunk_done(redis: Redis, reply_to: str, chunk: str) -> None:
    """Every reply of the chunk is out: remove the chunk, and let replies that their gateway never
    takes (it is gone) expire, once per chunk rather than with every reply."""
    with redis.pipeline(transaction=False) as pipe:
        pipe.expire(reply_to, keys.REPLY_TTL_S)
        pipe.delete(chunk)
        pipe.execute()


def score_item(item: dict) -> dict:
    """Run one submission: `{"result": response}` for a verdict, `{"error": …}` for a failure of ours."""
    started = time.time()
    if started > item["deadline"]:
        return _error("deadline_exceeded", "the submission waited in the queue past its deadline", 503)
    request = item["request"]
    job = {"code": request["code"], "limits": request["limits"]}
    job["tests"] = [{k: t[k] for k in SUPERVISOR_FIELDS[t["kind"]] if k in t} for t in request["tests"]]
    job["stop_on_first_failure"] = request["stop_on_first_failure"]
    job["timing_repeats"] = request["timing_repeats"]
    job["isolation"] = request["isolation"]
    job["load_stretch"] = _State.pool.settings.sandbox_load_stretch
    budget = outer_budget(request["limits"], job["load_stretch"])
    for attempt in (1, 2):
        try:
            raw = _run_on_sandbox(job, budget)
            break
        except SandboxError as exc:
            log.warning("sandbox failure on attempt %d for %s: %s", attempt, item["rid"], exc)
            _State.pool.purge_dead()
            last = exc
    else:
        if isinstance(last, SandboxDied) and _State.pool.docker_answers():
            # Two fresh sandboxes ended under this program while Docker stayed up: the program
            # killed its own sandbox (e.g. signalled PID 1 where the runtime allows it). That is
            # its verdict, not our outage, so it cannot dodge a low reward by being masked.
            raw = _all_failed(job, "error", "Killed", "the program ended its sandbox")
        else:
            return _error("sandbox_unavailable", f"the sandbox failed twice: {last}", 503)
    result = {"id": item["rid"], **summarize(request, raw)}
    result["timing"] = {
        "queue_ms": round((started - item["enqueued_at"]) * 1000, 3),
        "run_ms": round((time.time() - started) * 1000, 3),
    }
    result["cached"] = False
    return {"result": result}


def _run_on_sandbox(job: dict, budget: float) -> dict:
    """Run the job on a sandbox once admitted (worker/intake.py). The sandbox is taken only then,
    so it is the one that finished a job last (the pool is last in, first out), whose supervisor
    is still in the CPU's caches: taken before, every sandbox of the process waited with a job in
    turn, and each ran one job in 16 (benchmarks/README.md: ~10 % of their CPU)."""
    pool = _State.pool
    token = secrets.token_hex(16)
    timing = _State.timing
    held = timing.held(exclusive=job["timing_repeats"] > 1) if timing else contextlib.nullcontext()
    with _State.admission.slot() as settled, held:
        box = pool.acquire(timeout=budget)
        healthy = False
        try:
            raw = box.run(job, token, time.monotonic() + budget, (time.monotonic() + SETTLE_S, settled))
            if raw.get("token") != token or not _well_formed(raw, job):
                raise SandboxTampered("a reply without the job's token")
            healthy = bool(raw.get("clean")) and raw.get("supervisor_cpu_s", 0) < 600
            return raw
        except SandboxTampered:
            # Only the job's own processes can write into the container's output stream.
            return _all_failed(job, "error", "HarnessTampering", "the program wrote into the supervisor's output")
        except SandboxTimeout:
            if not box.alive():
                raise
            # The container is up but its supervisor missed the outer deadline: the candidate starved it.
            return _all_failed(job, "timeout", "Timeout", "the sandbox did not answer within the job's deadline")
        finally:
            pool.release(box, healthy)


def _well_formed(raw: dict, job: dict) -> bool:
    tests = raw.get("tests")
    compiled = raw.get("compile")
    return (
        isinstance(tests, list)
        and len(tests) == len(job["tests"])
        and all(isinstance(t, dict) and isinstance(t.get("status"), str) for t in tests)
        and isinstance(compiled, dict)
        and isinstance(compiled.get("ok"), bool)
    )


def _all_failed(job: dict, status: str, error_type: str, message: str) -> dict:
    """A verdict decided outside the sandbox, when the supervisor could not report one."""
    error = {"type": error_type, "message": message, "line": None}
    tests = [{"status": status, "time_ms": 0.0, "error": error} for _ in job["tests"]]
    return {"compile": {"ok": True, "error": None}, "tests": tests, "peak_memory_kb": 0}


def _error(code: str, message: str, status: int) -> dict:
    return {"error": {"code": code, "message": message, "retry_after_s": 1, "status": status}}
