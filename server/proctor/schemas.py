"""The HTTP contract (shared/API.md) as pydantic models; FastAPI derives the OpenAPI document from them."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue

Isolation = Literal["job", "test"]
Category = Literal["compile_error", "runtime_error", "wrong_answer", "partial", "passed"]
TestStatus = Literal["passed", "failed", "error", "timeout", "memory_limit", "output_limit", "skipped"]
RewardScheme = Literal["pass_rate", "binary", "coderl", "rltf"]
IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"


class Strict(BaseModel):
    """Unknown fields are rejected, so a misspelt option fails loudly instead of being ignored."""

    model_config = ConfigDict(extra="forbid")


class Limits(Strict):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    time_s: float | None = Field(None, gt=0, description="wall-clock budget for the whole submission")
    test_time_s: float | None = Field(None, gt=0, description="wall-clock limit of one test")
    memory_mb: int | None = Field(None, ge=16, description="address-space limit of one test")
    output_kb: int | None = Field(None, ge=1, description="stdout plus stderr of one test")


class AssertTest(Strict):
    kind: Literal["assert"]
    code: str = Field(min_length=1)


class CallTest(Strict):
    kind: Literal["call"]
    function: str = Field(pattern=IDENTIFIER)
    args: list[JsonValue] = []
    kwargs: dict[str, JsonValue] = {}
    expected: JsonValue


class StdioTest(Strict):
    kind: Literal["stdio"]
    stdin: str = ""
    stdout: str


Test = Annotated[AssertTest | CallTest | StdioTest, Field(discriminator="kind")]


class ScoreRequest(Strict):
    language: str = "python"
    code: str
    tests: list[Test] = Field(min_length=1)
    limits: Limits | None = None
    stop_on_first_failure: bool = False
    reward: RewardScheme = "pass_rate"
    timing_repeats: int = Field(1, ge=1)
    cache: bool = Field(True, description="answer from the verdict cache when possible (extension)")
    isolation: Isolation = Field(
        "job",
        description="`job`: one process loads the code and runs the assert/call tests in order, a fresh one "
        "after any test that ends it; `test`: a fresh process per test, so no test sees another's state. "
        "stdio tests and re-timed jobs (timing_repeats > 1) always get a fresh process per run (extension)",
    )


class BatchRequest(Strict):
    submissions: list[ScoreRequest] = Field(min_length=1)


class ErrorInfo(BaseModel):
    type: str
    message: str
    line: int | None = None


class CompileInfo(BaseModel):
    ok: bool
    error: ErrorInfo | None = None


class TestResult(BaseModel):
    status: TestStatus
    time_ms: float
    cpu_ms: float | None = Field(None, description="CPU time measured by the supervisor (extension)")
    expected: Any = None
    actual: Any = None
    error: ErrorInfo | None = None
    stderr: str | None = None
    timing_runs: int | None = Field(None, description="runs behind cpu_ms (least) and time_ms (median)")
    cpu_spread: float | None = Field(None, description="coefficient of variation of the runs' CPU times")
    cpu_ref: float | None = Field(
        None,
        description="re-timed tests: CPU time as a multiple of the supervisor's reference loop timed on the same"
        " CPU around each run (median over the runs), steady through a host's slow spells (extension)",
    )
    cpu_ref_spread: float | None = Field(None, description="coefficient of variation of the runs' cpu_ref")


class Timing(BaseModel):
    queue_ms: float
    run_ms: float
    total_ms: float


class ScoreResponse(BaseModel):
    id: str
    category: Category
    passed: int
    total: int
    pass_rate: float
    reward: float
    compile: CompileInfo
    tests: list[TestResult]
    timing: Timing
    peak_memory_kb: int
    cached: bool


class ErrorBody(BaseModel):
    code: str
    message: str
    field: str | None = None
    retry_after_s: float | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


class BatchResponse(BaseModel):
    results: list[ScoreResponse | ErrorResponse]
