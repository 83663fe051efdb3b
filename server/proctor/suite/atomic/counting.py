"""Dictionaries and counting."""

from proctor.suite.spec import atomic
from proctor.suite.types import counts, ints, lists, texts, words

TOPIC = "dictionaries"
WORDS = lists(words(1, 3, "abc"), 0, 8)


@atomic(TOPIC, [("",), ("a",), ("banana",), ("Aa",), ("a b a",), ("112",)], [texts(1, 3)])
def char_frequencies(s: str) -> dict[str, int]:
    """Return how often each character occurs in s, keyed by character in order of first appearance."""
    freq = {}
    for c in s:
        freq[c] = freq.get(c, 0) + 1
    return freq


@atomic(TOPIC, [([],), (["a"],), (["a", "b", "a"],), (["x", "x", "x"],), (["B", "b"],), (["", ""],)], [WORDS])
def word_counts(words: list[str]) -> dict[str, int]:
    """Return how often each string occurs in words, keyed by string in order of first appearance."""
    result = {}
    for w in words:
        result[w] = result.get(w, 0) + 1
    return result


@atomic(
    TOPIC, [({"a": 1},), ({"a": 2, "b": 2},), ({"z": 5, "a": 1},), ({"b": 3, "a": 3, "c": 1},), ({"x": -1, "y": -2},)]
)
def most_common_key(counts: dict[str, int]) -> str:
    """Return the key of counts with the largest value; on ties, the alphabetically smallest such key.
    Raise ValueError if counts is empty."""
    if not counts:
        raise ValueError("empty counts")
    return min(counts, key=lambda k: (-counts[k], k))


@atomic(TOPIC, [({},), ({"a": 1},), ({"a": 1, "b": 2},), ({"b": 2, "a": 2},), ({"c": 0, "a": 5, "b": -1},)])
def keys_sorted_by_value(counts: dict[str, int]) -> list[str]:
    """Return the keys of counts ordered by value, largest first; keys with equal values in alphabetical order."""
    return sorted(counts, key=lambda k: (-counts[k], k))


@atomic(TOPIC, [({},), ({"a": 1},), ({"a": 2, "b": 3},), ({"a": -2, "b": 2},), ({"x": 10**9, "y": 10**9},)])
def total_count(counts: dict[str, int]) -> int:
    """Return the sum of the values of counts (0 when empty)."""
    return sum(counts.values())


@atomic(
    TOPIC,
    [({}, 1), ({"a": 1}, 2), ({"a": 1, "b": 2}, 2), ({"a": 3, "b": 1}, 0), ({"a": 5, "c": 5}, 5), ({"a": 1}, -1)],
    [counts(), ints(0, 6)],
)
def filter_counts(counts: dict[str, int], minimum: int) -> dict[str, int]:
    """Return the entries of counts whose value is at least minimum, in their original order."""
    return {k: v for k, v in counts.items() if v >= minimum}


@atomic(
    TOPIC,
    [
        ({}, {}),
        ({"a": 1}, {}),
        ({}, {"b": 2}),
        ({"a": 1, "b": 2}, {"b": 3, "c": 4}),
        ({"z": 1}, {"a": 1}),
        ({"a": 2}, {"a": -2}),
    ],
)
def merge_counts(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    """Return a dict with every key of a or b mapped to the sum of its values in both, keys in alphabetical order."""
    merged = {}
    for key in sorted(set(a) | set(b)):
        merged[key] = a.get(key, 0) + b.get(key, 0)
    return merged


@atomic(TOPIC, [([],), ([""],), (["a", "bb", "cc"],), (["abc", "d", "ef", "g"],), (["x"] * 3,), (["ten letters"],)])
def count_by_length(words: list[str]) -> dict[str, int]:
    """Count the strings in words by their length; keys are the lengths written as decimal strings,
    in ascending numeric order."""
    by_length = {}
    for w in words:
        by_length[len(w)] = by_length.get(len(w), 0) + 1
    return {str(n): by_length[n] for n in sorted(by_length)}


@atomic(TOPIC, [(0,), (7,), (-112,), (1234567890,), (1000,), (99,)], [ints(-100000, 100000)])
def digit_histogram(n: int) -> dict[str, int]:
    """Count the decimal digits of |n|; keys are the digit characters that occur, in ascending order."""
    text = str(abs(n))
    return {d: text.count(d) for d in sorted(set(text))}


@atomic(
    TOPIC,
    [([], 2), (["a"], 0), (["a", "b", "a"], 1), (["b", "a", "b", "a", "c"], 2), (["x", "y"], 5), (["c", "b", "a"], 2)],
    [WORDS, ints(0, 4)],
)
def top_k_words(words: list[str], k: int) -> list[str]:
    """Return the k most frequent distinct strings of words, most frequent first, ties in alphabetical order
    (fewer if there are fewer distinct strings). Raise ValueError if k is negative."""
    if k < 0:
        raise ValueError("k must be non-negative")
    freq = {}
    for w in words:
        freq[w] = freq.get(w, 0) + 1
    return sorted(freq, key=lambda w: (-freq[w], w))[:k]
