"""Every code against every test on the workers: one submission per code, carrying all the tests.

Cells are isolated by the supervisor (`"isolation": "test"`): each test runs in a fresh fork of
the trusted PID 1, which kills whatever the test left behind and empties the scratch mounts
before the next one, and the compile check runs once per code. Loading the candidate is
deliberately not shared between cells (the default `job` isolation would share it): a cell's
result must not depend on which cells ran before it in the same process.

One cell could still reach another through the submission's shared `time_s` budget: tests after a
slow one would be cut with "job time budget exhausted". Those cells are run again, in a follow-up
submission of that code holding only them, so that a cell's result depends on that cell alone.

An infrastructure failure of any code's submission fails the whole request with that item's HTTP
error: a matrix with a hole would rank the missing code as if it had failed every test.
"""

from proctor.config import Settings
from proctor.gateway.dispatcher import Dispatcher
from proctor.gateway.errors import ApiError
from proctor.gateway.intake import resolve
from proctor.ranking.schemas import MatrixRequest, RankRequest
from proctor.schemas import ScoreRequest

BUDGET_EXHAUSTED = "job time budget exhausted"  # the supervisor's error for a test it never started
CELL_FIELDS = ("time_ms", "cpu_ms", "cpu_spread", "cpu_ref", "cpu_ref_spread", "timing_runs")


def admit(body: MatrixRequest | RankRequest, timing_repeats: int, settings: Settings) -> list[dict]:
    """One resolved score request per code, validated like /v1/score; fields are named as sent."""
    codes = body.codes
    if len(codes) > settings.max_batch:
        raise ApiError(413, "too_many_codes", f"more than {settings.max_batch} codes", "codes")
    request = ScoreRequest(
        language=body.language,
        code="",
        tests=body.tests,
        limits=body.limits,
        timing_repeats=timing_repeats,
        cache=body.cache,
        isolation="test",
    )
    base = resolve(request, settings)
    for i, code in enumerate(codes):
        if len(code.encode()) > settings.max_code_kb * 1024:
            raise ApiError(413, "code_too_large", f"code {i} is over {settings.max_code_kb} KB", f"codes.{i}")
    return [{**base, "code": code} for code in codes]


def _cut(cell: dict) -> bool:
    return cell["status"] == "timeout" and (cell.get("error") or {}).get("message") == BUDGET_EXHAUSTED


async def run(dispatcher: Dispatcher, requests: list[dict]) -> dict:
    """The matrix response (`compile_ok`, and per cell `status` and the `CELL_FIELDS`) for resolved
    requests that differ only in their code."""
    compile_ok: list[bool | None] = [None] * len(requests)
    cells: list[list[dict | None]] = [[None] * len(r["tests"]) for r in requests]
    pending = {c: list(range(len(r["tests"]))) for c, r in enumerate(requests)}
    while pending:
        order = list(pending)
        batch = [{**requests[c], "tests": [requests[c]["tests"][t] for t in pending[c]]} for c in order]
        results = await dispatcher.score_many(batch)
        cut_off = {}
        for c, result in zip(order, results, strict=True):
            if isinstance(result, ApiError):
                message = f"code {c} could not be run: {result.message}"
                raise ApiError(result.status, result.code, message, retry_after_s=result.retry_after_s)
            if compile_ok[c] is None:
                compile_ok[c] = result["compile"]["ok"]
            for t, cell in zip(pending[c], result["tests"], strict=True):
                cells[c][t] = cell
            cut = [t for t in pending[c] if _cut(cells[c][t])]
            # Cut-off cells get a fresh budget, unless nothing ran at all: then the budget fits no test.
            if cut and len(cut) < len(pending[c]):
                cut_off[c] = cut
        pending = cut_off
    matrix: dict = {"compile_ok": compile_ok, "status": [[cell["status"] for cell in row] for row in cells]}
    for name in CELL_FIELDS:
        matrix[name] = [[cell.get(name) for cell in row] for row in cells]
    return matrix
