"""POST /get_reward: OpenRLHF's remote reward model protocol (`--remote_rm_url http://…/get_reward`).

OpenRLHF sends each sample's full text (`query`, prompt plus response), its `prompts` and its
`labels`; a label carries the sample's tests (the adapters' shared label format). A sample that
could not be scored fails the whole request with the item's HTTP error (503/429 with
`retry_after_s`): OpenRLHF retries a failed request, and there is no way to hand it "no reward"
for one sample, so an outage must never become a number in `rewards`.
"""

from fastapi import APIRouter, Depends, Request
from proctor_client.rewards import extract_code, parse_label
from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from proctor.config import Settings
from proctor.gateway import deps
from proctor.gateway.errors import ApiError
from proctor.gateway.intake import resolve
from proctor.gateway.routes.score import ERROR_RESPONSES
from proctor.schemas import RewardScheme, ScoreRequest

router = APIRouter(dependencies=[Depends(deps.authorize)], responses=ERROR_RESPONSES, tags=["openrlhf"])


class RewardRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")  # OpenRLHF versions differ in what else they send

    query: list[str] = Field(min_length=1, description="prompt + response of each sample")
    prompts: list[str] | None = Field(None, description="the prompt of each sample, stripped from its query")
    labels: list[JsonValue] = Field(description="tests of each sample: a list, or {tests, language, limits}")


class RewardResponse(BaseModel):
    rewards: list[float] = Field(description="the chosen reward scheme's value per sample")
    scores: list[float] = Field(description="pass rate per sample, in [0, 1] (OpenRLHF's dynamic filtering)")
    extra_logs: dict[str, list[float]] = Field(description="per-sample values OpenRLHF logs")


@router.post("/get_reward", response_model=RewardResponse)
async def get_reward(
    raw: Request,
    body: RewardRequest,
    settings: deps.SettingsDep,
    dispatcher: deps.DispatcherDep,
    reward: RewardScheme = "pass_rate",
) -> RewardResponse:
    """Score each response (code taken from its Markdown fence, if any) against its label's tests."""
    n = len(body.query)
    if len(body.labels) != n or (body.prompts is not None and len(body.prompts) != n):
        raise ApiError(422, "length_mismatch", "query, prompts and labels need one entry per sample", "labels")
    if n > settings.max_batch:
        raise ApiError(413, "batch_too_large", f"more than {settings.max_batch} samples", "query")
    requests = [_request(body, i, reward, settings) for i in range(n)]
    await deps.charge(raw, n)
    results = await dispatcher.score_many(requests)
    failed = [(i, r) for i, r in enumerate(results) if isinstance(r, ApiError)]
    if failed:
        i, first = failed[0]
        raise ApiError(
            first.status if first.status in (429, 503) else 503,
            first.code,
            f"{len(failed)} of {n} samples could not be scored (sample {i}: {first.message}); "
            "no rewards are given for this request",
            retry_after_s=first.retry_after_s or 1,
        )
    return RewardResponse(
        rewards=[r["reward"] for r in results],
        scores=[r["pass_rate"] for r in results],
        extra_logs={
            "pass_rate": [r["pass_rate"] for r in results],
            "all_passed": [float(r["category"] == "passed") for r in results],
            "compile_error": [float(r["category"] == "compile_error") for r in results],
        },
    )


def _request(body: RewardRequest, i: int, reward: str, settings: Settings) -> dict:
    query, prompt = body.query[i], body.prompts[i] if body.prompts else ""
    response = query[len(prompt) :] if prompt and query.startswith(prompt) else query
    try:
        fields = parse_label(body.labels[i])
        request = ScoreRequest.model_validate(
            {"code": extract_code(response, fields.get("language", "python")), "reward": reward, **fields}
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ApiError(422, "invalid_label", f"labels.{i}: {where}: {first['msg']}", f"labels.{i}.{where}") from None
    except ValueError as exc:
        raise ApiError(422, "invalid_label", f"labels.{i}: {exc}", f"labels.{i}") from None
    return resolve(request, settings, f"labels.{i}.")
