"""Request-scoped dependencies shared by every router: settings, the dispatcher, and API keys."""

import secrets
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from proctor.config import Settings
from proctor.gateway.dispatcher import Dispatcher
from proctor.gateway.errors import ApiError


def settings(request: Request) -> Settings:
    return request.app.state.settings


def dispatcher(request: Request) -> Dispatcher:
    return request.app.state.dispatcher


def caller(request: Request) -> str:
    """Who is asking: the API key when keys are configured, else the client's address."""
    if request.app.state.settings.api_key_set:
        return request.headers.get("authorization", "").partition(" ")[2]
    return request.client.host if request.client else "unknown"


async def charge(request: Request, submissions: int) -> None:
    """Count submissions against the caller's rate limit (429 once over it)."""
    limiter = request.app.state.limiter
    if limiter is not None:
        await run_in_threadpool(limiter.charge, caller(request), submissions)


def authorize(request: Request) -> None:
    """When API keys are configured, every /v1 route needs `Authorization: Bearer <key>`."""
    keys = request.app.state.settings.api_key_set
    if not keys:
        return
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not any(secrets.compare_digest(token, k) for k in keys):
        raise ApiError(401, "unauthorized", "a valid 'Authorization: Bearer <key>' header is required")


SettingsDep = Annotated[Settings, Depends(settings)]
DispatcherDep = Annotated[Dispatcher, Depends(dispatcher)]
