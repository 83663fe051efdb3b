"""CodeDPO and RRTF as pure functions of a pass matrix, on examples computed by hand."""

import itertools
import math

import pytest
from proctor.ranking import Pair, Skipped, codedpo, rrtf

T, F = True, False
PHI = (1 + math.sqrt(5)) / 2


def test_all_pass_matrix_grows_uniformly_and_ties():
    """2×2, all pass, d = 0.5: every score becomes 0.5·s + 0.5·2·s = 1.5·s per iteration."""
    codes, tests = codedpo.self_verify([[T, T], [T, T]], damping=0.5, iterations=3)
    assert codes == tests == [1.5**3, 1.5**3]
    ranking = codedpo.rank([[T, T], [T, T]], [[1.0, 1.0], [1.0, 1.0]], [[None] * 2] * 2, 0.5, 3)
    assert ranking.trusted_tests == [0, 1]
    assert ranking.pairs == []
    assert Skipped("correctness", "all_scores_tied") in ranking.skipped
    assert Skipped("efficiency", "below_min_speedup") in ranking.skipped


def test_a_wrong_test_only_wrong_code_passes_scores_lowest():
    """c0, c1 correct pass t0, t1; wrong c2 passes only the wrong test t2. With d = 0.5:
    after 1 iteration c0 = 0.5 + 0.5·2 = 1.5, c2 = 0.5 + 0.5·1 = 1; after 2, c0 = 0.75 + 1.5 = 2.25,
    c2 = 0.5 + 0.5 = 1, and the tests mirror the codes."""
    links = [[T, T, F], [T, T, F], [F, F, T]]
    codes, tests = codedpo.self_verify(links, damping=0.5, iterations=2)
    assert codes == [2.25, 2.25, 1.0]
    assert tests == [2.25, 2.25, 1.0]
    assert codedpo.trusted_tests(links, codes) == [0, 1]
    assert codedpo.correctness_pair(codes) == Pair("correctness", 0, 2, 1.25)


def test_default_parameters_by_hand_one_iteration():
    """d = 0.85, one iteration: c0 passes both tests → 0.15 + 0.85·2 = 1.85; c1 passes one → 1.0."""
    codes, tests = codedpo.self_verify([[T, T], [T, F]], iterations=1)
    assert codes == pytest.approx([1.85, 1.0])
    assert tests == pytest.approx([1.85, 1.0])


def test_a_tie_at_the_top_trusts_only_what_all_leaders_pass():
    """Symmetric: c0 passes t0, c1 passes t1. Nothing tells which is right, so no test is trusted,
    no correctness pair (all tied) and no efficiency pair."""
    links = [[T, F], [F, T]]
    ranking = codedpo.rank(links, [[1.0, None], [None, 5.0]], [[0.0, None], [None, 0.0]])
    assert ranking.code_scores[0] == ranking.code_scores[1]
    assert ranking.trusted_tests == []
    assert ranking.pairs == [] and ranking.efficiency == []
    assert set(ranking.skipped) == {
        Skipped("correctness", "all_scores_tied"),
        Skipped("efficiency", "no_trusted_tests"),
    }


def test_ties_pick_the_lowest_index_on_each_side():
    codes, _ = codedpo.self_verify([[T, T], [T, T], [F, F], [F, F]])
    assert codedpo.correctness_pair(codes).chosen == 0
    assert codedpo.correctness_pair(codes).rejected == 2


def test_iteration_converges_to_the_principal_singular_vectors():
    """For L = [[1, 1], [1, 0]] the joint vector converges (power iteration) to L's principal
    singular vectors, here (φ, 1) for codes and tests; the raw scores keep growing."""
    codes, tests = codedpo.self_verify([[T, T], [T, F]], damping=0.5, iterations=60)
    assert codes[0] / codes[1] == pytest.approx(PHI, rel=1e-9)
    assert tests[0] / tests[1] == pytest.approx(PHI, rel=1e-9)
    assert codes[0] > 1e6  # raw, not normalised
    errors = []
    for iterations in range(1, 9):
        codes, _ = codedpo.self_verify([[T, T], [T, F]], damping=0.5, iterations=iterations)
        errors.append(abs(codes[0] / codes[1] - PHI))
    assert all(later < 0.2 * earlier for earlier, later in itertools.pairwise(errors))  # geometric


def test_rankings_are_stable_across_iterations_with_the_defaults():
    links = [[T, T, T, F], [T, T, F, F], [T, F, F, T], [F, F, F, T]]
    order = None
    for iterations in (10, 30, 100):
        codes, _ = codedpo.self_verify(links, iterations=iterations)
        ranked = sorted(range(4), key=lambda c: -codes[c])
        assert order in (None, ranked)
        order = ranked
    assert order == [0, 1, 2, 3]


def test_overflow_is_reported_not_returned_as_inf():
    with pytest.raises(OverflowError):
        codedpo.self_verify([[T, T], [T, T]], iterations=2000)


def test_efficiency_pair_needs_the_margin_and_the_spread():
    links = [[T, T], [T, T], [T, T]]
    cpu = [[1.0, 1.0], [5.0, 5.0], [1.1, 1.0]]
    timed = codedpo.measure(links, [0, 1], cpu, [[0.01, 0.01], [0.01, 0.01], [0.01, 0.01]])
    assert [(e.code, e.cpu_ms, e.speedup) for e in timed] == [(0, 2.0, 5.0), (1, 10.0, 1.0), (2, 2.1, 4.7619)]
    assert timed[0].spread == pytest.approx(math.sqrt(2 * 0.01**2) / 2, abs=1e-4)
    assert codedpo.efficiency_pair(timed, [0, 1], 1.1) == Pair("efficiency", 0, 1, 8.0)
    noisy = codedpo.measure(links, [0, 1], cpu, [[1.0, 1.0], [1.0, 1.0], [1.0, 1.0]])
    assert codedpo.efficiency_pair(noisy, [0, 1], 1.1) == Skipped("efficiency", "within_timing_spread")
    close = codedpo.measure(links[:2], [0, 1], [[1.0, 1.0], [1.05, 1.05]], [[None] * 2] * 2)
    assert close[0].spread is None
    assert codedpo.efficiency_pair(close, [0, 1], 1.1) == Skipped("efficiency", "below_min_speedup")


def test_efficiency_ranks_on_reference_loop_units_when_every_code_has_them():
    """Code 0 was timed in a slow spell: more milliseconds than code 1, fewer reference loops."""
    links = [[T, T], [T, T]]
    cpu, spread = [[6.0, 6.0], [5.0, 5.0]], [[0.01, 0.01], [0.01, 0.01]]
    ref, ref_spread = [[1.0, 1.0], [2.5, 2.5]], [[0.02, 0.02], [0.02, 0.02]]
    timed = codedpo.measure(links, [0, 1], cpu, spread, ref, ref_spread)
    assert [(e.code, e.cpu_ms, e.cpu_ref, e.speedup) for e in timed] == [(0, 12.0, 2.0, 2.5), (1, 10.0, 5.0, 1.0)]
    assert timed[0].spread == pytest.approx(math.sqrt(2 * 0.02**2) / 2, abs=1e-4)
    assert codedpo.efficiency_pair(timed, [0, 1], 1.1) == Pair("efficiency", 0, 1, 3.0)  # in reference loops
    # One cell without a reference time (timed once, or a coarse clock): milliseconds for every code.
    by_ms = codedpo.measure(links, [0, 1], cpu, spread, [[1.0, None], [2.5, 2.5]], ref_spread)
    assert [(e.code, e.cpu_ref, e.speedup) for e in by_ms] == [(0, None, 1.0), (1, None, 1.2)]
    assert codedpo.efficiency_pair(by_ms, [0, 1], 1.1) == Pair("efficiency", 1, 0, 2.0)


def test_efficiency_counts_only_codes_passing_every_trusted_test():
    links = [[T, T, F], [T, F, T], [T, T, T]]
    timed = codedpo.measure(links, [0, 1], [[1.0, 1.0, None], [1.0, None, 1.0], [3.0, 3.0, 3.0]], [[None] * 3] * 3)
    assert [e.code for e in timed] == [0, 2]
    assert timed[1].cpu_ms == 6.0  # the untrusted test t2 is not counted
    assert codedpo.efficiency_pair(timed[:1], [0, 1], 1.1) == Skipped("efficiency", "fewer_than_two_correct")


def test_rrtf_scores_follow_the_category_order_and_tests_passed():
    categories = ["passed", "partial", "partial", "wrong_answer", "runtime_error", "compile_error"]
    ranking = rrtf.rank(categories, [4, 3, 1, 0, 0, 0], 4)
    assert ranking.scores == [3.0, 2.75, 2.25, 2.0, 1.0, 0.0]
    assert ranking.ranks == [0, 1, 2, 3, 4, 5]
    assert len(ranking.pairs) == 15 and ranking.skipped == []
    assert ranking.pairs[0] == Pair("rank", 0, 1, 0.25)
    assert Pair("rank", 0, 5, 3.0) in ranking.pairs


def test_rrtf_teacher_breaks_ties_and_pairs_with_the_teacher_below_are_dropped():
    """Teacher bonus 0.5/total = 0.125: student partial 2/4 = 2.5 < teacher 2/4 = 2.625 < student 3/4 = 2.75."""
    ranking = rrtf.rank(["partial", "partial", "partial"], [2, 2, 3], 4, ["student", "teacher", "student"])
    assert ranking.scores == [2.5, 2.625, 2.75]
    assert ranking.ranks == [2, 1, 0]
    assert ranking.pairs == [Pair("rank", 2, 0, 0.25), Pair("rank", 1, 0, 0.125)]
    assert ranking.skipped == [Skipped("rank", "teacher_below_student", 1)]


def test_rrtf_equal_results_share_a_rank_and_make_no_pair():
    ranking = rrtf.rank(["passed", "passed", "wrong_answer"], [2, 2, 0], 2)
    assert ranking.ranks == [0, 0, 2]
    assert ranking.pairs == [Pair("rank", 0, 2, 1.0), Pair("rank", 1, 2, 1.0)]
    assert ranking.skipped == [Skipped("rank", "tied", 1)]
