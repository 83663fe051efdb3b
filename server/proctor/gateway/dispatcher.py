"""Hands submissions to the workers through RQ and waits for their replies without polling.

Each gateway process blocks on one Redis list of its own (BLMPOP); workers push every finished
item onto it, and a single listener task takes what has arrived and resolves the waiting requests'
futures. Under load it lets replies gather between takes (Settings.reply_gather_ms).
"""

import asyncio
import logging
import math
import time
import uuid

import orjson
from redis import Redis
from redis import asyncio as aioredis
from redis.exceptions import RedisError
from rq import Callback, Queue, Retry
from starlette.concurrency import run_in_threadpool

from proctor import keys, wire
from proctor.cache import cache_key, decode_hit
from proctor.config import Settings
from proctor.gateway.errors import ApiError, error_from_reply
from proctor.gateway.metrics import CACHE, FAILURES, VERDICTS
from proctor.limits import outer_budget

log = logging.getLogger(__name__)
MAX_CHUNK = 64  # bounds what a lost worker's retry runs again
WORKER_CACHE_S = 1.0
REPLY_BATCH = 256  # replies taken per wake-up of the listener: under load one trip collects many
RETRY_DETECTION_S = 15.0  # a dead worker's job is noticed (heartbeat TTL + maintenance) and retried
# Above this many items waiting on the gateway, replies gather between takes (Settings.reply_gather_ms):
# the last replies of a batch come with fewer waiting, and are taken as they arrive.
GATHER_ABOVE = 48


def _chunk_size(items: int, chunks: int) -> int:
    """Submissions per RQ job when `items` are split into about `chunks` jobs."""
    return max(1, min(MAX_CHUNK, math.ceil(items / chunks)))


class Dispatcher:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.reply_to = keys.reply_key(uuid.uuid4().hex)
        self.redis = Redis.from_url(settings.redis_url, socket_timeout=10)
        self.queue = Queue(settings.queue_name, connection=self.redis)
        # The listener sends its one blocking command at a time straight on a connection of its
        # own: through a client, each also passes its pool and retry wrappers, which cost as much
        # CPU again per reply (benchmarks/README.md). It reconnects on its next command.
        self._listener = aioredis.ConnectionPool.from_url(settings.redis_url, socket_timeout=30).make_connection()
        self._pending: dict[tuple[str, int], asyncio.Future] = {}
        self._workers: tuple[float, list[dict]] = (0.0, [])
        self._task: asyncio.Task | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._listen())

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
        await self._listener.disconnect()
        self.redis.close()

    async def _listen(self) -> None:
        gather_s = self.settings.reply_gather_ms / 1000
        while True:
            try:
                await self._listener.send_command("BLMPOP", 5, 1, self.reply_to, "LEFT", "COUNT", REPLY_BATCH)
                popped = await self._listener.read_response()
            except (RedisError, OSError) as exc:
                await self._listener.disconnect()
                log.warning("reply listener lost Redis (%s); reconnecting", exc)
                self._fail_pending(f"the queue went away ({exc.__class__.__name__}); resubmit")
                await asyncio.sleep(0.5)
                continue
            for raw in popped[1] if popped else ():
                message = wire.loads(raw)
                future = self._pending.pop((message["rid"], message["i"]), None)
                if future is not None and not future.done():
                    future.set_result(message)
            if gather_s and len(self._pending) > GATHER_ABOVE:
                await asyncio.sleep(gather_s)

    def _fail_pending(self, message: str) -> None:
        """Jobs and replies may be lost with Redis: answer every waiting request at once with an
        explicit error rather than let it hang until its deadline."""
        error = {"code": "queue_lost", "message": message, "retry_after_s": 2, "status": 503}
        for future in list(self._pending.values()):
            if not future.done():
                future.set_result({"error": error, "result": None})
        self._pending.clear()

    def live_workers(self) -> list[dict]:
        """Workers whose registration has not lapsed (cached briefly: it is on every request's path)."""
        fetched_at, workers = self._workers
        if time.monotonic() - fetched_at < WORKER_CACHE_S:
            return workers
        names = self.redis.zrangebyscore(keys.workers_zset(self.queue.name), time.time(), "+inf")
        infos = self.redis.hmget(keys.worker_info(self.queue.name), names) if names else []
        workers = [orjson.loads(info) for info in infos if info]
        self._workers = (time.monotonic(), workers)
        return workers

    def _admit(self, count: int) -> tuple[int, list[str]]:
        """Refuse early when nothing can run the work or the queue is over its bound (counted in RQ
        jobs, as the queue counts them); returns the chunks to split work into and what runs it
        (image digest and runtime, both part of a verdict)."""
        try:
            workers = self.live_workers()
            queued = self.queue.count
        except RedisError as exc:
            raise ApiError(503, "queue_unavailable", f"Redis is unreachable: {exc}", retry_after_s=2) from exc
        if not workers:
            raise ApiError(503, "sandbox_unavailable", "no worker with a live sandbox pool", retry_after_s=2)
        # A worker process spreads a chunk's items over all its sandboxes, so one chunk per
        # process keeps every process busy; more would only add RQ's bookkeeping (about 2 ms of
        # worker CPU per job, benchmarks/README.md).
        chunks = len(workers)
        if queued + math.ceil(count / _chunk_size(count, chunks)) > self.settings.queue_max:
            raise ApiError(429, "queue_full", f"{queued} jobs are already queued", retry_after_s=5)
        sandboxes = sorted({f"{w.get('image_id')}/{w.get('runtime')}" for w in workers})
        return chunks, sandboxes

    def _admit_and_look_up(self, requests: list[dict]) -> tuple[int, list[str | None], list[bytes | None]]:
        """One trip off the event loop: admission, then the cache keys and their stored verdicts."""
        chunks, sandboxes = self._admit(len(requests))
        ttl = self.settings.cache_ttl_s
        keys_ = [cache_key(r, sandboxes) if ttl and r.get("cache", True) else None for r in requests]
        wanted = [k for k in keys_ if k]
        found = dict(zip(wanted, self.redis.mget(wanted), strict=True)) if wanted else {}
        return chunks, keys_, [found.get(k) if k else None for k in keys_]

    def _enqueue(self, items: list[dict], chunks: int) -> None:
        """One RQ job per chunk, in one transaction with the chunk's submissions, which the job
        names by key (keys.chunk_key); they are kept through the job's wait in the queue and a
        retry, and the worker removes them once every reply is out."""
        chunk, stretch = _chunk_size(len(items), chunks), self.settings.load_stretch
        jobs = []
        with self.redis.pipeline() as pipe:
            for start in range(0, len(items), chunk):
                part = items[start : start + chunk]
                timeout = int(sum(outer_budget(it["request"]["limits"], stretch) for it in part) + 30)
                key = keys.chunk_key(self.queue.name, uuid.uuid4().hex)
                keep = int(2 * (self.settings.queue_wait_s + timeout + RETRY_DETECTION_S))
                pipe.set(key, keys.encode_chunk(part), ex=keep)
                jobs.append(
                    Queue.prepare_data(
                        keys.JOB_FUNCTION,
                        args=(self.reply_to, key),
                        timeout=timeout,
                        result_ttl=self.settings.result_ttl_s,
                        failure_ttl=self.settings.result_ttl_s * 12,
                        retry=Retry(max=1),
                        on_failure=Callback("proctor.worker.jobs.report_lost"),
                        description=f"score {len(part)} submission(s)",
                    )
                )
            try:
                self.queue.enqueue_many(jobs, pipeline=pipe)
                pipe.execute()
            except RedisError as exc:
                raise ApiError(503, "queue_unavailable", f"could not enqueue: {exc}", retry_after_s=2) from exc

    async def submit(self, requests: list[dict]) -> list[asyncio.Future]:
        """Enqueue resolved requests (split so all workers share them); one future per request."""
        chunks, cache_keys, hits = await run_in_threadpool(self._admit_and_look_up, requests)
        loop = asyncio.get_running_loop()
        now = time.time()
        batch = uuid.uuid4().hex
        items, futures = [], []
        for i, (request, key, hit) in enumerate(zip(requests, cache_keys, hits, strict=True)):
            rid = batch if len(requests) == 1 else f"{batch}-{i}"
            future = loop.create_future()
            futures.append(future)
            if key:
                CACHE.labels("hit" if hit else "miss").inc()
            if hit:
                future.set_result({"rid": rid, "i": i, "hit": hit, "error": None})
                continue
            self._pending[(rid, i)] = future
            deadline = now + self.settings.queue_wait_s
            item = {"rid": rid, "i": i, "request": request, "enqueued_at": now, "deadline": deadline}
            if key:
                item["cache"] = {"key": key, "ttl_s": self.settings.cache_ttl_s}
            items.append(item)
        if not items:
            return futures
        try:
            await run_in_threadpool(self._enqueue, items, chunks)
        except ApiError:
            for item in items:
                self._pending.pop((item["rid"], item["i"]), None)
            raise
        for item in items:
            key = (item["rid"], item["i"])
            futures[item["i"]].add_done_callback(lambda _, key=key: self._pending.pop(key, None))
        return futures

    async def score_many(self, requests: list[dict]) -> list[dict | ApiError]:
        """Submit resolved requests and wait for all of them; a failed item is its ApiError.
        For routes that build on verdicts (matrices, rankings, reward adapters)."""
        received = time.time()
        futures = await self.submit(requests)

        async def settle(future: asyncio.Future, request: dict) -> dict | ApiError:
            try:
                return await self.wait(future, request, received)
            except ApiError as exc:
                return exc

        return list(await asyncio.gather(*map(settle, futures, requests)))

    async def wait(self, future: asyncio.Future, request: dict, received: float) -> dict:
        """The score response for one item, or ApiError when it failed or its deadline passed."""
        limit = self.settings.queue_wait_s + 2 * outer_budget(request["limits"], self.settings.load_stretch)
        limit += RETRY_DETECTION_S
        try:
            message = await asyncio.wait_for(future, limit)
        except TimeoutError:
            FAILURES.labels("deadline_exceeded").inc()
            message = "no verdict arrived before the deadline"
            raise ApiError(503, "deadline_exceeded", message, retry_after_s=1) from None
        if message["error"] is not None:
            FAILURES.labels(message["error"]["code"]).inc()
            raise error_from_reply(message["error"])
        total_ms = round((time.time() - received) * 1000, 3)
        if message.get("hit"):
            return decode_hit(message["hit"], message["rid"], total_ms)
        result = message["result"]
        VERDICTS.labels(result["category"]).inc()
        result["timing"]["total_ms"] = total_ms
        return result
