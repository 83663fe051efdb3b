"""Sets; every result is sorted, so it never depends on hash order."""

from proctor.suite.spec import atomic
from proctor.suite.types import ints, lists, words

TOPIC = "sets"
SMALL = lists(ints(0, 12), 0, 8)
PAIR = [SMALL, SMALL]


@atomic(TOPIC, [([], []), ([1], []), ([], [2]), ([1, 2], [2, 3]), ([3, 3, 1], [1]), ([-1, 5], [5, -1])], PAIR)
def set_union(a: list[int], b: list[int]) -> list[int]:
    """Return the distinct values that occur in a or in b, in ascending order."""
    return sorted(set(a) | set(b))


@atomic(TOPIC, [([], []), ([1], []), ([1, 2, 2], [2, 3]), ([1, 2], [3, 4]), ([5, 5], [5]), ([-2, 0], [0, -2])], PAIR)
def set_intersection(a: list[int], b: list[int]) -> list[int]:
    """Return the distinct values that occur in both a and b, in ascending order."""
    return sorted(set(a) & set(b))


@atomic(TOPIC, [([], [1]), ([1], []), ([1, 2, 3], [2]), ([1, 1], [1]), ([4, 3], [5]), ([0, -1], [-1])], PAIR)
def set_difference(a: list[int], b: list[int]) -> list[int]:
    """Return the distinct values of a that do not occur in b, in ascending order."""
    return sorted(set(a) - set(b))


@atomic(TOPIC, [([], []), ([1], [1]), ([1, 2], [2, 3]), ([1], []), ([], [4, 4]), ([3, 2, 1], [1, 2, 3, 4])], PAIR)
def symmetric_difference(a: list[int], b: list[int]) -> list[int]:
    """Return the distinct values that occur in exactly one of a and b, in ascending order."""
    return sorted(set(a) ^ set(b))


@atomic(TOPIC, [([],), ([1],), ([1, 1, 1],), ([1, 2, 3],), ([-1, 1, -1],), ([0, 0, 5],)], [SMALL])
def distinct_count(items: list[int]) -> int:
    """Return how many distinct values items contains."""
    return len(set(items))


@atomic(TOPIC, [([],), ([1],), ([1, 1],), ([1, 2, 3],), ([3, 2, 3],), ([-1, 1],)], [SMALL])
def has_duplicates(items: list[int]) -> bool:
    """Return True if some value occurs more than once in items, else False."""
    return len(set(items)) != len(items)


@atomic(TOPIC, [([], []), ([1], []), ([1, 2], [1, 2]), ([1, 2], [2, 3]), ([1, 1, 2], [2]), ([1], [2])], PAIR)
def jaccard_similarity(a: list[int], b: list[int]) -> float:
    """Return |A ∩ B| / |A ∪ B| for the sets A and B of the values of a and b, rounded to 4 decimal places;
    it is 1.0 when both are empty."""
    union = set(a) | set(b)
    if not union:
        return 1.0
    return round(len(set(a) & set(b)) / len(union), 4)


@atomic(
    TOPIC,
    [("", ""), ("abc", ""), ("abc", "cab"), ("Hello", "WORLD"), ("a1b2", "b2c3"), ("xyz", "abc")],
    [words(0, 8), words(0, 8)],
)
def common_letters(a: str, b: str) -> str:
    """Return the distinct letters (compared in lower case) found in both a and b, lower-cased and in
    alphabetical order, as one string."""
    shared = {c for c in a.lower() if c.isalpha()} & {c for c in b.lower() if c.isalpha()}
    return "".join(sorted(shared))


@atomic(TOPIC, [([],), ([5],), ([1, 3],), ([3, 1, 6],), ([1, 2, 3],), ([-2, 2, 2],)], [SMALL])
def missing_numbers(items: list[int]) -> list[int]:
    """Return, in ascending order, the integers between min(items) and max(items) that are not in items
    ([] for an empty list). Raise ValueError if max(items) - min(items) is above 100000."""
    if not items:
        return []
    low, high = min(items), max(items)
    if high - low > 100000:
        raise ValueError("range too large")
    present = set(items)
    return [n for n in range(low, high + 1) if n not in present]


@atomic(TOPIC, [([],), (["a"],), (["b", "a", "b"],), (["B", "b"],), (["", "x", ""],), (["z", "y", "x"],)])
def unique_words(words: list[str]) -> list[str]:
    """Return the distinct strings of words in alphabetical (code point) order."""
    return sorted(set(words))
