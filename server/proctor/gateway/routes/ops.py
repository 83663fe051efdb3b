"""Operations: health, readiness, service info and Prometheus metrics."""

from fastapi import APIRouter, Depends
from fastapi.responses import PlainTextResponse
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.concurrency import run_in_threadpool

from proctor import __version__
from proctor.gateway import deps
from proctor.gateway.errors import ApiError
from proctor.gateway.metrics import REGISTRY

router = APIRouter()
LIMITS = ("time_s", "test_time_s", "memory_mb", "output_kb")


@router.get("/healthz")
async def healthz():
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(dispatcher: deps.DispatcherDep):
    """Ready only when Redis answers and a worker with a live sandbox pool serves our queue."""
    try:
        await run_in_threadpool(dispatcher.redis.ping)
        workers = await run_in_threadpool(dispatcher.live_workers)
    except Exception as exc:
        raise ApiError(503, "not_ready", f"Redis does not answer: {exc}", retry_after_s=2) from exc
    if not workers:
        raise ApiError(503, "not_ready", "no worker with a live sandbox pool is registered", retry_after_s=2)
    return {"status": "ready", "workers": len(workers)}


@router.get("/v1/info", dependencies=[Depends(deps.authorize)])
async def info(settings: deps.SettingsDep, dispatcher: deps.DispatcherDep):
    workers = await run_in_threadpool(dispatcher.live_workers)
    languages: dict = {}
    for worker in workers:
        languages.update(worker.get("languages", {}))
    return {
        "version": __version__,
        "languages": languages,
        "limits": {
            "defaults": {n: getattr(settings, f"default_{n}") for n in LIMITS},
            "maxima": {n: getattr(settings, f"max_{n}") for n in LIMITS},
        },
        "max_timing_repeats": settings.max_timing_repeats,
        "max_batch": settings.max_batch,
        "max_tests": settings.max_tests,
        "max_code_kb": settings.max_code_kb,
        "workers": workers,
    }


@router.get("/metrics")
async def metrics():
    body = await run_in_threadpool(generate_latest, REGISTRY)
    return PlainTextResponse(body, media_type=CONTENT_TYPE_LATEST)
