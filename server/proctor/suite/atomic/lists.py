"""Lists and sorting."""

from proctor.suite.spec import atomic
from proctor.suite.types import DEFAULTS, ints, lists

TOPIC = "lists"
INTS = DEFAULTS["list[int]"]


@atomic(TOPIC, [([],), ([1],), ([3, 1, 2],), ([5, -1, 5, 0],), ([-3, -3, -3],), ([9, 8, 7, 6, 5],)])
def sort_ascending(items: list[int]) -> list[int]:
    """Return a new list with the items of items in ascending order."""
    return sorted(items)


@atomic(TOPIC, [([],), ([4],), ([1, 2, 3],), ([5, -5, 5],), ([0, 0],), ([-1, -2, -3],)])
def running_sum(items: list[int]) -> list[int]:
    """Return the running (prefix) sums of items: element i is the sum of items[0..i]."""
    total, out = 0, []
    for x in items:
        total += x
        out.append(total)
    return out


@atomic(TOPIC, [([],), ([-3],), ([1, -2, 3, 4],), ([-5, -1, -8],), ([2, 2, -10, 7],), ([0, 0, 0],)])
def max_subarray_sum(items: list[int]) -> int:
    """Return the largest sum of a non-empty contiguous run of items, or 0 if items is empty."""
    if not items:
        return 0
    best = current = items[0]
    for x in items[1:]:
        current = max(x, current + x)
        best = max(best, current)
    return best


@atomic(
    TOPIC,
    [([], 3), ([1, 2, 3], 0), ([1, 2, 3], 1), ([1, 2, 3], 4), ([1, 2, 3], -1), ([7], 100)],
    [INTS, ints(-5, 10)],
)
def rotate_left(items: list[int], k: int) -> list[int]:
    """Rotate items left by k places (negative k rotates right; k wraps around the length)."""
    if not items:
        return []
    k %= len(items)
    return items[k:] + items[:k]


@atomic(
    TOPIC, [([],), ([1, 1, 1],), ([3, 1, 3, 2, 1],), ([-1, 0, -1],), ([5],), ([2, 3, 4],)], [lists(ints(0, 6), 0, 10)]
)
def unique_in_order(items: list[int]) -> list[int]:
    """Return items without repeated values, keeping the first occurrence of each in order."""
    seen, out = set(), []
    for x in items:
        if x not in seen:
            seen.add(x)
            out.append(x)
    return out


@atomic(
    TOPIC,
    [([1, 2],), ([5, 5, 3],), ([-1, -2, -3],), ([10, 9, 10, 8],), ([0, 100],), ([4, 4, 4, 1],)],
    [lists(ints(-20, 50), 2, 8)],
)
def second_largest(items: list[int]) -> int:
    """Return the second largest distinct value in items. Raise ValueError if there are fewer than 2 distinct values."""
    distinct = sorted(set(items))
    if len(distinct) < 2:
        raise ValueError("fewer than two distinct values")
    return distinct[-2]


@atomic(TOPIC, [([],), ([0],), ([1, 2, 3],), ([-5, 5],), ([10**12, 10**12],), ([-1, -1, -1],)])
def list_sum(items: list[int]) -> int:
    """Return the sum of items (0 for an empty list)."""
    return sum(items)


@atomic(
    TOPIC,
    [([], 2), ([1, 2, 3, 4], 2), ([1, 2, 3, 4, 5], 2), ([1, 2, 3], 1), ([1, 2, 3], 5), ([-1, 1], 2)],
    [INTS, ints(1, 4)],
)
def chunk_sums(items: list[int], size: int) -> list[int]:
    """Split items into consecutive chunks of length size (the last may be shorter) and return each chunk's sum.
    Raise ValueError if size is below 1."""
    if size < 1:
        raise ValueError("size must be positive")
    return [sum(items[i : i + size]) for i in range(0, len(items), size)]


@atomic(TOPIC, [([],), ([5],), ([1, 4, 9],), ([3, 3, 3],), ([10, -10, 10],), ([0, 1],)])
def pairwise_differences(items: list[int]) -> list[int]:
    """Return the differences between consecutive items: items[i + 1] - items[i] for each i."""
    return [items[i + 1] - items[i] for i in range(len(items) - 1)]


@atomic(
    TOPIC, [([1],), ([2, 1],), ([3, 1, 2],), ([4, 1, 3, 2],), ([-5, -5, 10],), ([7, 7],)], [lists(ints(-20, 50), 1, 8)]
)
def median_of(items: list[int]) -> float:
    """Return the median of items as a float (the mean of the two middle values for an even count).
    Raise ValueError if items is empty."""
    if not items:
        raise ValueError("empty list")
    ordered = sorted(items)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2
