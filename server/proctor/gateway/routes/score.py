"""POST /v1/score and POST /v1/score/batch (plain or streamed NDJSON)."""

import asyncio
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from proctor import wire
from proctor.gateway import deps
from proctor.gateway.errors import ApiError
from proctor.gateway.intake import resolve
from proctor.gateway.responses import JSONBytes
from proctor.schemas import BatchRequest, BatchResponse, ErrorResponse, ScoreRequest, ScoreResponse

ERROR_RESPONSES = {code: {"model": ErrorResponse} for code in (400, 401, 413, 422, 429, 503)}
router = APIRouter(prefix="/v1", dependencies=[Depends(deps.authorize)], responses=ERROR_RESPONSES)


@router.post("/score", response_model=ScoreResponse)
async def score(
    raw: Request,
    body: ScoreRequest,
    settings: deps.SettingsDep,
    dispatcher: deps.DispatcherDep,
):
    """Run one submission against its tests."""
    received = time.time()
    request = resolve(body, settings)
    await deps.charge(raw, 1)
    (future,) = await dispatcher.submit([request])
    return JSONBytes(await dispatcher.wait(future, request, received))


@router.post(
    "/score/batch",
    response_model=BatchResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
async def score_batch(
    raw: Request,
    body: BatchRequest,
    settings: deps.SettingsDep,
    dispatcher: deps.DispatcherDep,
    stream: bool = False,
):
    """Score many submissions; one infrastructure failure is that item's error, not the batch's.
    With `?stream=true`, one NDJSON line per finished item, with its `index`, as soon as it is done."""
    received = time.time()
    if len(body.submissions) > settings.max_batch:
        raise ApiError(413, "batch_too_large", f"more than {settings.max_batch} submissions", "submissions")
    requests = [resolve(s, settings, f"submissions.{i}.") for i, s in enumerate(body.submissions)]
    await deps.charge(raw, len(requests))
    futures = await dispatcher.submit(requests)

    async def item(i: int) -> tuple[int, dict]:
        try:
            return i, await dispatcher.wait(futures[i], requests[i], received)
        except ApiError as exc:
            return i, exc.body()

    tasks = [asyncio.ensure_future(item(i)) for i in range(len(requests))]
    if not stream:
        return JSONBytes({"results": [result for _, result in await asyncio.gather(*tasks)]})

    async def lines() -> AsyncIterator[bytes]:
        try:
            for done in asyncio.as_completed(tasks):
                i, result = await done
                yield wire.dumps({"index": i, **result}) + b"\n"
        finally:
            for task in tasks:
                task.cancel()

    return StreamingResponse(lines(), media_type="application/x-ndjson")
