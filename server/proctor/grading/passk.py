"""pass@k with the unbiased estimator of Chen et al. (2021): 1 - C(n-c, k) / C(n, k)."""

from math import comb


def pass_at_k(n: int, c: int, k: int) -> float:
    """Probability that at least one of k samples drawn from n (c of them correct) is correct."""
    if not 0 < k <= n:
        raise ValueError(f"pass@{k} needs at least {k} samples, not {n}")
    return 1.0 - comb(n - c, k) / comb(n, k)


def pass_at_ks(counts: dict[str, tuple[int, int]], ks: list[int]) -> dict[int, float]:
    """Mean pass@k over tasks (`task_id -> (n, c)`), only for the k every task has samples for."""
    if not counts:
        return {}
    fewest = min(n for n, _ in counts.values())
    return {k: sum(pass_at_k(n, c, k) for n, c in counts.values()) / len(counts) for k in ks if k <= fewest}
