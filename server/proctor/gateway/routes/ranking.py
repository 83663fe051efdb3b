"""POST /v1/matrix (every code against every test) and POST /v1/rank (CodeDPO and RRTF)."""

from dataclasses import asdict

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from proctor.gateway import deps, matrix
from proctor.gateway.errors import ApiError
from proctor.gateway.responses import JSONBytes
from proctor.gateway.routes.score import ERROR_RESPONSES
from proctor.ranking import codedpo, rrtf
from proctor.ranking.schemas import (
    CODEDPO_ONLY,
    RRTF_ONLY,
    CodeDpoResponse,
    MatrixRequest,
    MatrixResponse,
    RankRequest,
    RrtfResponse,
)
from proctor.verdict import categorize

router = APIRouter(prefix="/v1", dependencies=[Depends(deps.authorize)], responses=ERROR_RESPONSES)


@router.post("/matrix", response_model=MatrixResponse)
async def run_matrix(raw: Request, body: MatrixRequest, settings: deps.SettingsDep, dispatcher: deps.DispatcherDep):
    """Every code against every test; each code is one submission, each cell its own fork."""
    requests = matrix.admit(body, body.timing_repeats, settings)
    await deps.charge(raw, len(requests))
    return JSONBytes(await matrix.run(dispatcher, requests))


@router.post("/rank", response_model=CodeDpoResponse | RrtfResponse)
async def rank(raw: Request, body: RankRequest, settings: deps.SettingsDep, dispatcher: deps.DispatcherDep):
    """CodeDPO self-verification scores and pairs, or RRTF ranks and pairs, from one matrix run."""
    foreign = RRTF_ONLY if body.method == "codedpo" else CODEDPO_ONLY
    for name in foreign:
        if name in body.model_fields_set:
            raise ApiError(422, "invalid_request", f"{name} does not apply to method {body.method!r}", name)
    if body.sources is not None and len(body.sources) != len(body.codes):
        raise ApiError(422, "invalid_request", "sources needs one entry per code", "sources")
    repeats = body.timing_repeats if body.method == "codedpo" else 1
    requests = matrix.admit(body, repeats, settings)
    await deps.charge(raw, len(requests))
    cells = await matrix.run(dispatcher, requests)
    links = [[status == "passed" for status in row] for row in cells["status"]]
    if body.method == "rrtf":
        categories = [categorize(ok, row) for ok, row in zip(cells["compile_ok"], cells["status"], strict=True)]
        passed = [row.count(True) for row in links]
        ranked = await run_in_threadpool(rrtf.rank, categories, passed, len(body.tests), body.sources)
        return JSONBytes({"method": "rrtf", "categories": categories, **asdict(ranked), "matrix": cells})
    try:
        ranked = await run_in_threadpool(
            codedpo.rank,
            links,
            cells["cpu_ms"],
            cells["cpu_spread"],
            body.damping,
            body.iterations,
            body.min_speedup,
            cpu_ref=cells["cpu_ref"],
            cpu_ref_spread=cells["cpu_ref_spread"],
        )
    except OverflowError as exc:
        raise ApiError(422, "invalid_request", str(exc), "iterations") from exc
    return JSONBytes({"method": "codedpo", **asdict(ranked), "matrix": cells})
