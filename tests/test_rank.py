"""POST /v1/rank against the real service, on planted correct, wrong and slow-but-correct codes and
planted wrong tests: the Done-when points of CodeDPO and RRTF."""

import httpx
import pytest
from proctor.ranking.schemas import CodeDpoResponse, RrtfResponse

from tests import planted
from tests.planted import CORRECT, FAST, PLANTED_WRONG_TESTS, SLOW, WRONG


@pytest.fixture(scope="module")
def codedpo(service) -> dict:
    with service.client(timeout=300, retries=0) as client:
        return client.rank(planted.CODES, planted.TESTS, method="codedpo")


def test_correct_codes_outrank_the_wrong_ones(codedpo):
    scores = codedpo["code_scores"]
    assert min(scores[c] for c in CORRECT) > max(scores[w] for w in WRONG)
    (pair,) = [p for p in codedpo["pairs"] if p["kind"] == "correctness"]
    assert pair["chosen"] in CORRECT and pair["rejected"] == planted.CODES.index(planted.BROKEN)
    assert pair["margin"] == pytest.approx(scores[pair["chosen"]] - scores[pair["rejected"]])


def test_planted_wrong_tests_get_the_lowest_test_scores(codedpo):
    scores = codedpo["test_scores"]
    good = [t for t in range(len(planted.TESTS)) if t not in PLANTED_WRONG_TESTS]
    assert max(scores[t] for t in PLANTED_WRONG_TESTS) < min(scores[t] for t in good)
    assert codedpo["trusted_tests"] == good


def test_the_slow_solution_is_rejected_in_the_efficiency_pair(codedpo):
    assert sorted(e["code"] for e in codedpo["efficiency"]) == list(CORRECT)
    slowest = max(codedpo["efficiency"], key=lambda e: e["cpu_ms"])
    assert slowest["code"] == planted.CODES.index(SLOW) and slowest["speedup"] == 1.0
    (pair,) = [p for p in codedpo["pairs"] if p["kind"] == "efficiency"]
    assert pair["rejected"] == planted.CODES.index(SLOW)
    assert pair["chosen"] in CORRECT and pair["chosen"] != pair["rejected"]
    assert pair["margin"] > 0
    assert codedpo["skipped"] == []


def test_codedpo_returns_the_matrix_it_ranked(codedpo):
    CodeDpoResponse.model_validate(codedpo)  # the answer is what the OpenAPI document declares
    matrix = codedpo["matrix"]
    assert matrix["compile_ok"] == [True] * 5 + [False]
    assert matrix["status"][planted.CODES.index(planted.TRIANGLE)][5] == "passed"  # the planted wrong test
    assert all(runs == 5 for c in CORRECT for runs in matrix["timing_runs"][c][:5])  # default timing_repeats


def test_rrtf_orders_by_category_then_teacher(client):
    codes = [FAST, planted.LOOP, planted.TRIANGLE, planted.OFF_BY_ONE, planted.BROKEN, planted.CRASH, planted.NEGATIVE]
    sources = ["student", "teacher", "student", "teacher", "student", "student", "student"]
    ranked = client.rank(codes, planted.GOOD_TESTS, method="rrtf", sources=sources)
    RrtfResponse.model_validate(ranked)
    assert ranked["categories"] == [
        "passed",
        "passed",
        "partial",
        "partial",
        "compile_error",
        "runtime_error",
        "wrong_answer",
    ]
    # total 5 tests: teacher bonus 0.1; TRIANGLE passes 2 of 5, OFF_BY_ONE 1 of 5
    assert ranked["scores"] == [3.0, 3.1, 2.4, 2.3, 0.0, 1.0, 2.0]
    assert ranked["ranks"] == [1, 0, 2, 3, 6, 5, 4]
    pairs = {(p["chosen"], p["rejected"]): p["margin"] for p in ranked["pairs"]}
    assert pairs[1, 0] == pytest.approx(0.1)  # same category: the teacher above the student
    assert (2, 3) not in pairs  # the teacher ranks below the student: dropped, as in the paper
    assert {"kind": "rank", "reason": "teacher_below_student", "count": 2} in ranked["skipped"]
    assert len(pairs) == 21 - 2
    assert all(ranked["scores"][i] > ranked["scores"][j] for i, j in pairs)


GOOD = {"codes": [FAST], "tests": planted.GOOD_TESTS[:1], "method": "codedpo"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({k: v for k, v in GOOD.items() if k != "method"}, "method"),
        ({**GOOD, "method": "elo"}, "method"),
        ({**GOOD, "damping": 0}, "damping"),
        ({**GOOD, "damping": 1.5}, "damping"),
        ({**GOOD, "iterations": 0}, "iterations"),
        ({**GOOD, "iterations": 101}, "iterations"),
        ({**GOOD, "min_speedup": 0.9}, "min_speedup"),
        ({**GOOD, "timing_repeats": 0}, "timing_repeats"),
        ({**GOOD, "sources": ["teacher"]}, "sources"),
        ({**GOOD, "method": "rrtf", "damping": 0.5}, "damping"),
        ({**GOOD, "method": "rrtf", "timing_repeats": 3}, "timing_repeats"),
        ({**GOOD, "method": "rrtf", "sources": ["teacher", "student"]}, "sources"),
        ({**GOOD, "method": "rrtf", "sources": ["boss"]}, "sources.0"),
        ({**GOOD, "tests": [{"kind": "call", "function": "1x", "expected": 1}]}, "tests.0.function"),
    ],
)
def test_invalid_rank_requests_name_the_field(service, body, field):
    response = httpx.post(f"{service.url}/v1/rank", json=body, timeout=30)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_rank_code_over_the_size_limit_is_a_413(service):
    body = {**GOOD, "codes": [FAST, "x" * 300 * 1024]}
    response = httpx.post(f"{service.url}/v1/rank", json=body, timeout=30)
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "codes.1"


def test_openapi_has_the_contracts_fields(service):
    schemas = httpx.get(f"{service.url}/openapi.json", timeout=30).json()["components"]["schemas"]
    fields = {name: set(schema.get("properties", ())) for name, schema in schemas.items()}
    assert fields["MatrixRequest"] == {"language", "codes", "tests", "limits", "timing_repeats", "cache"}
    assert {"compile_ok", "status", "time_ms"} <= fields["MatrixResponse"]
    assert fields["RankRequest"] == {
        *("language", "codes", "tests", "method", "limits"),
        *("damping", "iterations", "timing_repeats", "min_speedup", "sources", "cache"),
    }
    codedpo = {"method", "code_scores", "test_scores", "trusted_tests", "efficiency", "pairs", "matrix"}
    assert codedpo <= fields["CodeDpoResponse"]
    assert {"method", "categories", "scores", "ranks", "pairs"} <= fields["RrtfResponse"]
    assert fields["EfficiencyOut"] == {"code", "cpu_ms", "spread", "speedup", "cpu_ref"}  # cpu_ref: extension
    assert fields["PairOut"] == {"kind", "chosen", "rejected", "margin"}
