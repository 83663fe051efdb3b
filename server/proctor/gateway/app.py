"""The FastAPI gateway: validates submissions, queues them, and answers with verdicts."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from proctor import __version__
from proctor.config import Settings, get_settings
from proctor.gateway import errors
from proctor.gateway.body_limit import BodyLimit
from proctor.gateway.dispatcher import Dispatcher
from proctor.gateway.metrics import REGISTRY, MetricsMiddleware, QueueCollector
from proctor.gateway.rate_limit import RateLimiter
from proctor.gateway.routes import openrlhf, ops, ranking, score


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    dispatcher = Dispatcher(settings)
    collector = QueueCollector(dispatcher)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        REGISTRY.register(collector)
        await dispatcher.start()
        # What startup built (~90k objects: FastAPI, pydantic, redis) lives as long as the
        # process: out of every collection. Each batch leaves survivors in the oldest generation,
        # and about once in ten HumanEval batches a full collection of them all stopped the event
        # loop for 40-70 ms (benchmarks/README.md).
        gc.freeze()
        yield
        await dispatcher.stop()
        REGISTRY.unregister(collector)

    app = FastAPI(
        title="Proctor",
        version=__version__,
        description="Secure code execution and rewards for code language models (see shared/API.md).",
        lifespan=lifespan,
    )
    app.state.settings, app.state.dispatcher = settings, dispatcher
    per_minute = settings.rate_limit_per_min
    app.state.limiter = RateLimiter(dispatcher.redis, per_minute) if per_minute > 0 else None
    app.add_middleware(BodyLimit, max_bytes=int(settings.max_body_mb * 1024 * 1024))
    app.add_middleware(MetricsMiddleware)
    errors.install(app)
    for module in (score, ops, ranking, openrlhf):
        app.include_router(module.router)
    return app
