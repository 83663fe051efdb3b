"""The contract of POST /v1/matrix and POST /v1/rank (shared/API.md), as pydantic models.

Fields beyond API.md are extensions: `cache` in both requests, per-cell `cpu_ms`, `cpu_spread`, `cpu_ref`,
`cpu_ref_spread` and `timing_runs` in the matrix, `cpu_ref` in CodeDPO's efficiency entries, and
`skipped` (pairs not emitted, by kind and reason) in both rank responses.
"""

from typing import Literal

from pydantic import BaseModel, Field

from proctor.ranking import codedpo
from proctor.ranking.rrtf import Source
from proctor.schemas import Category, Limits, Strict, Test, TestStatus

CODEDPO_ONLY = ("damping", "iterations", "timing_repeats", "min_speedup")
RRTF_ONLY = ("sources",)


class MatrixRequest(Strict):
    language: str = "python"
    codes: list[str] = Field(min_length=1, description="one submission per code, carrying every test")
    tests: list[Test] = Field(min_length=1)
    limits: Limits | None = None
    timing_repeats: int = Field(1, ge=1, description="above 1, each passing cell's least CPU time and spread")
    cache: bool = Field(True, description="answer each code from the verdict cache when possible (extension)")


class RankRequest(Strict):
    language: str = "python"
    codes: list[str] = Field(min_length=1)
    tests: list[Test] = Field(min_length=1)
    method: Literal["codedpo", "rrtf"]
    limits: Limits | None = None
    damping: float = Field(codedpo.DAMPING, gt=0, le=1, description="codedpo: d")
    iterations: int = Field(codedpo.ITERATIONS, ge=1, le=100, description="codedpo: T")
    timing_repeats: int = Field(5, ge=1, description="codedpo: runs behind each cell's CPU time (the least)")
    min_speedup: float = Field(codedpo.MIN_SPEEDUP, ge=1, description="codedpo: least slow/fast CPU time ratio")
    sources: list[Source] | None = Field(None, description="rrtf: teacher or student, one per code")
    cache: bool = Field(True, description="answer each code from the verdict cache when possible (extension)")


class MatrixResponse(BaseModel):
    compile_ok: list[bool]
    status: list[list[TestStatus]]
    time_ms: list[list[float]]
    cpu_ms: list[list[float | None]] = Field(description="CPU time (least over timing_repeats runs; extension)")
    cpu_spread: list[list[float | None]] = Field(description="coefficient of variation over the runs (extension)")
    cpu_ref: list[list[float | None]] = Field(
        description="re-timed cells: CPU time in units of the supervisor's reference loop (median; extension)"
    )
    cpu_ref_spread: list[list[float | None]] = Field(description="coefficient of variation of cpu_ref (extension)")
    timing_runs: list[list[int | None]] = Field(description="runs behind the CPU times (extension)")


class PairOut(BaseModel):
    kind: Literal["correctness", "efficiency", "rank"]
    chosen: int
    rejected: int
    margin: float = Field(
        description="score difference, or for efficiency the CPU time difference: milliseconds, or reference"
        " loops when the efficiency entries carry cpu_ref"
    )


class SkippedOut(BaseModel):
    kind: Literal["correctness", "efficiency", "rank"]
    reason: str
    count: int


class EfficiencyOut(BaseModel):
    code: int
    cpu_ms: float
    spread: float | None
    speedup: float
    cpu_ref: float | None = Field(None, description="set when spread and speedup come from cpu_ref (extension)")


class CodeDpoResponse(BaseModel):
    method: Literal["codedpo"]
    code_scores: list[float]
    test_scores: list[float]
    trusted_tests: list[int]
    efficiency: list[EfficiencyOut]
    pairs: list[PairOut]
    skipped: list[SkippedOut]
    matrix: MatrixResponse


class RrtfResponse(BaseModel):
    method: Literal["rrtf"]
    categories: list[Category]
    scores: list[float]
    ranks: list[int]
    pairs: list[PairOut]
    skipped: list[SkippedOut]
    matrix: MatrixResponse
