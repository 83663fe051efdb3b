"""Recursion: every reference solves its problem by calling itself (or a recursive inner function)."""

from proctor.suite.spec import atomic
from proctor.suite.types import ints, lists, words

TOPIC = "recursion"


@atomic(TOPIC, [(0,), (1,), (5,), (10,), (18,), (3,)], [ints(0, 18)])
def factorial(n: int) -> int:
    """Return n! (0! is 1). Raise ValueError if n is negative or above 300."""
    if n < 0 or n > 300:
        raise ValueError("n out of range")
    return 1 if n == 0 else n * factorial(n - 1)


@atomic(TOPIC, [(0,), (1,), (2,), (10,), (50,), (78,)], [ints(0, 60)])
def fibonacci(n: int) -> int:
    """Return the n-th Fibonacci number, with fibonacci(0) = 0 and fibonacci(1) = 1.
    Raise ValueError if n is negative or above 10000."""
    if n < 0 or n > 10000:
        raise ValueError("n out of range")

    def pair(k: int) -> tuple[int, int]:
        if k == 0:
            return 0, 1
        a, b = pair(k // 2)
        c, d = a * (2 * b - a), a * a + b * b
        return (d, c + d) if k % 2 else (c, d)

    return pair(n)[0]


@atomic(TOPIC, [(0,), (1,), (2,), (3,), (4,)], [ints(0, 4)])
def binary_strings(n: int) -> list[str]:
    """Return every string of n characters drawn from "0" and "1", in ascending order ([""] for n = 0).
    Raise ValueError if n is negative or above 10."""
    if n < 0 or n > 10:
        raise ValueError("n out of range")
    if n == 0:
        return [""]
    shorter = binary_strings(n - 1)
    return [p + s for p in "01" for s in shorter]


@atomic(TOPIC, [("",), ("a",), ("ab",), ("aab",), ("cba",), ("aaaa",)], [words(0, 4, "abcd")])
def permutations_of(s: str) -> list[str]:
    """Return the distinct rearrangements of the characters of s, in ascending order ([""] for "").
    Raise ValueError if s is longer than 7."""
    if len(s) > 7:
        raise ValueError("s is too long")
    if len(s) <= 1:
        return [s]
    result = set()
    for i, c in enumerate(s):
        for rest in permutations_of(s[:i] + s[i + 1 :]):
            result.add(c + rest)
    return sorted(result)


@atomic(
    TOPIC,
    [([], 0), ([], 1), ([1, 2, 3], 3), ([1, 1, 1], 2), ([5, -5, 0], 0), ([2, 4, 6], 5)],
    [lists(ints(-5, 9), 0, 10), ints(-5, 15)],
)
def subset_sum_count(items: list[int], target: int) -> int:
    """Return how many subsets of the positions of items have values summing to target (the empty subset
    sums to 0). Raise ValueError if items has more than 18 elements."""
    if len(items) > 18:
        raise ValueError("too many items")
    if not items:
        return 1 if target == 0 else 0
    return subset_sum_count(items[1:], target - items[0]) + subset_sum_count(items[1:], target)


@atomic(TOPIC, [(0,), (1,), (2,), (3,), (10,), (30,)], [ints(0, 20)])
def hanoi_moves(n: int) -> int:
    """Return the fewest moves that solve the Towers of Hanoi with n discs. Raise ValueError if n is
    negative or above 500."""
    if n < 0 or n > 500:
        raise ValueError("n out of range")
    return 0 if n == 0 else 2 * hanoi_moves(n - 1) + 1


@atomic(TOPIC, [([],), ([1],), ([2, 1],), ([3, 1, 2, 3],), ([-1, -5, 0, 9, -5],), ([9, 8, 7, 6, 5, 4],)])
def merge_sort(items: list[int]) -> list[int]:
    """Return items sorted in ascending order, using merge sort (split in halves, sort each, merge)."""
    if len(items) <= 1:
        return list(items)
    mid = len(items) // 2
    left, right = merge_sort(items[:mid]), merge_sort(items[mid:])
    merged, i, j = [], 0, 0
    while i < len(left) and j < len(right):
        if left[i] <= right[j]:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    return merged + left[i:] + right[j:]


@atomic(TOPIC, [(0,), (1,), (2,), (3,), (4,)], [ints(0, 5)])
def gray_code(n: int) -> list[int]:
    """Return the n-bit reflected binary Gray code sequence as integers, starting at 0 ([0] for n = 0).
    Raise ValueError if n is negative or above 12."""
    if n < 0 or n > 12:
        raise ValueError("n out of range")
    if n == 0:
        return [0]
    previous = gray_code(n - 1)
    return previous + [(1 << (n - 1)) | x for x in reversed(previous)]


@atomic(TOPIC, [(0,), (1,), (4,), (5,), (10,), (100,)], [ints(0, 60)])
def partition_count(n: int) -> int:
    """Return the number of ways to write n as a sum of positive integers, ignoring order (1 for n = 0).
    Raise ValueError if n is negative or above 300."""
    if n < 0 or n > 300:
        raise ValueError("n out of range")
    memo = {}

    def ways(total: int, largest: int) -> int:
        if total == 0:
            return 1
        if largest == 0:
            return 0
        key = (total, largest)
        if key not in memo:
            memo[key] = ways(total, largest - 1) + (ways(total - largest, largest) if largest <= total else 0)
        return memo[key]

    return ways(n, n)


@atomic(TOPIC, [(0, 0), (5, 0), (5, 5), (5, 2), (10, 3), (3, 7)], [ints(0, 20), ints(0, 10)])
def binomial(n: int, k: int) -> int:
    """Return the binomial coefficient C(n, k) using Pascal's rule (0 when k > n).
    Raise ValueError if n or k is negative or n is above 200."""
    if n < 0 or k < 0 or n > 200:
        raise ValueError("out of range")
    memo = {}

    def choose(m: int, r: int) -> int:
        if r > m:
            return 0
        if r == 0 or r == m:
            return 1
        if (m, r) not in memo:
            memo[(m, r)] = choose(m - 1, r - 1) + choose(m - 1, r)
        return memo[(m, r)]

    return choose(n, k)
