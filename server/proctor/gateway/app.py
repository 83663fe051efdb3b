"""The FastAPI gateway: validates submissions, queues them, and answers with verdicts."""

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from proctor import __version__, limits
from proctor.config import Settings, get_settings
from proctor.gateway import errors
from proctor.gateway.body_limit import BodyLimit
from proctor.gateway.dispatcher import Dispatcher
from proctor.gateway.errors import ApiError
from proctor.gateway.metrics import FAILURES, REGISTRY, VERDICTS, MetricsMiddleware, QueueCollector
from proctor.gateway.responses import JSONBytes
from proctor.schemas import BatchRequest, BatchResponse, ErrorResponse, ScoreRequest, ScoreResponse

LANGUAGES = ("python",)
ERROR_RESPONSES = {code: {"model": ErrorResponse} for code in (400, 401, 413, 422, 429, 503)}


def resolve(request: ScoreRequest, settings: Settings, field_prefix: str = "") -> dict:
    """Check what the schema cannot (server-side sizes, languages) and apply the server's limits."""
    if request.language not in LANGUAGES:
        raise ApiError(
            422,
            "unknown_language",
            f"language {request.language!r} is not available; GET /v1/info lists those that are",
            f"{field_prefix}language",
        )
    if len(request.code.encode()) > settings.max_code_kb * 1024:
        raise ApiError(413, "code_too_large", f"code is over {settings.max_code_kb} KB", f"{field_prefix}code")
    if len(request.tests) > settings.max_tests:
        raise ApiError(413, "too_many_tests", f"more than {settings.max_tests} tests", f"{field_prefix}tests")
    data = request.model_dump(exclude={"limits"})
    data["limits"] = limits.resolve(request.limits.model_dump() if request.limits else None, settings)
    data["timing_repeats"] = min(request.timing_repeats, settings.max_timing_repeats)
    return data


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    dispatcher = Dispatcher(settings)
    collector = QueueCollector(dispatcher)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        REGISTRY.register(collector)
        await dispatcher.start()
        yield
        await dispatcher.stop()
        REGISTRY.unregister(collector)

    app = FastAPI(
        title="Proctor",
        version=__version__,
        description="Secure code execution and rewards for code language models (see shared/API.md).",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=int(settings.max_body_mb * 1024 * 1024))
    app.add_middleware(MetricsMiddleware)
    errors.install(app)

    def authorize(request: Request) -> None:
        keys = settings.api_key_set
        if not keys:
            return
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not any(secrets.compare_digest(token, k) for k in keys):
            raise ApiError(401, "unauthorized", "a valid 'Authorization: Bearer <key>' header is required")

    async def score_one(request: dict, future: asyncio.Future, received: float) -> dict:
        try:
            result = await dispatcher.wait(future, request, received)
        except ApiError as exc:
            FAILURES.labels(exc.code).inc()
            raise
        VERDICTS.labels(result["category"]).inc()
        return result

    @app.post("/v1/score", response_model=ScoreResponse, responses=ERROR_RESPONSES, dependencies=[Depends(authorize)])
    async def score(body: ScoreRequest):
        """Run one submission against its tests."""
        received = time.time()
        request = resolve(body, settings)
        (future,) = await dispatcher.submit([request])
        return JSONBytes(await score_one(request, future, received))

    @app.post(
        "/v1/score/batch",
        response_model=BatchResponse,
        responses={**ERROR_RESPONSES, 200: {"content": {"application/x-ndjson": {}}}},
        dependencies=[Depends(authorize)],
    )
    async def score_batch(body: BatchRequest, stream: bool = False):
        """Score many submissions; one infrastructure failure is that item's error, not the batch's.
        With `?stream=true`, one NDJSON line per finished item, with its `index`, as soon as it is done."""
        received = time.time()
        if len(body.submissions) > settings.max_batch:
            raise ApiError(413, "batch_too_large", f"more than {settings.max_batch} submissions", "submissions")
        requests = [resolve(s, settings, f"submissions.{i}.") for i, s in enumerate(body.submissions)]
        futures = await dispatcher.submit(requests)

        async def item(i: int) -> tuple[int, dict]:
            try:
                return i, await score_one(requests[i], futures[i], received)
            except ApiError as exc:
                return i, exc.body()

        tasks = [asyncio.ensure_future(item(i)) for i in range(len(requests))]
        if not stream:
            results = await asyncio.gather(*tasks)
            return JSONBytes({"results": [r for _, r in results]})

        async def lines() -> AsyncIterator[bytes]:
            try:
                for done in asyncio.as_completed(tasks):
                    i, result = await done
                    yield orjson.dumps({"index": i, **result}) + b"\n"
            finally:
                for task in tasks:
                    task.cancel()

        return StreamingResponse(lines(), media_type="application/x-ndjson")

    @app.get("/healthz")
    async def healthz():
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz():
        try:
            await run_in_threadpool(dispatcher.redis.ping)
            workers = await run_in_threadpool(dispatcher.live_workers)
        except Exception as exc:
            raise ApiError(503, "not_ready", f"Redis does not answer: {exc}", retry_after_s=2) from exc
        if not workers:
            raise ApiError(503, "not_ready", "no worker with a live sandbox pool is registered", retry_after_s=2)
        return {"status": "ready", "workers": len(workers)}

    @app.get("/v1/info", dependencies=[Depends(authorize)])
    async def info():
        workers = await run_in_threadpool(dispatcher.live_workers)
        languages: dict = {}
        for worker in workers:
            languages.update(worker.get("languages", {}))
        maxima = {n: getattr(settings, f"max_{n}") for n in ("time_s", "test_time_s", "memory_mb", "output_kb")}
        defaults = {n: getattr(settings, f"default_{n}") for n in maxima}
        return {
            "version": __version__,
            "languages": languages,
            "limits": {"defaults": defaults, "maxima": maxima},
            "max_timing_repeats": settings.max_timing_repeats,
            "max_batch": settings.max_batch,
            "max_tests": settings.max_tests,
            "max_code_kb": settings.max_code_kb,
            "workers": workers,
        }

    @app.get("/metrics")
    async def metrics():
        body = await run_in_threadpool(generate_latest, REGISTRY)
        return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)

    return app
