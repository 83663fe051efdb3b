"""Bit manipulation."""

from proctor.suite.spec import atomic
from proctor.suite.types import ints, lists, words

TOPIC = "bits"
NATURAL = ints(0, 5000)


@atomic(TOPIC, [(0,), (1,), (255,), (256,), (2**40 - 1,)], [NATURAL])
def popcount(n: int) -> int:
    """Return the number of 1 bits in the binary form of n. Raise ValueError if n is negative."""
    if n < 0:
        raise ValueError("negative")
    return bin(n).count("1")


@atomic(TOPIC, [(0,), (1,), (2,), (10,), (-5,), (255,)], [ints(-100, 5000)], formats={"return": "binary"})
def to_binary(n: int) -> str:
    """Return n in base 2 without a prefix, with a leading "-" if negative (10 -> "1010", 0 -> "0")."""
    return format(n, "b")


@atomic(
    TOPIC,
    [("0",), ("1",), ("1010",), ("-101",), ("0001",), ("11111111",)],
    [words(1, 12, "01")],
    formats={"text": "binary"},
)
def from_binary(text: str) -> int:
    """Return the integer written in base 2 by text (an optional leading "-", then binary digits).
    Raise ValueError if text is not such a number."""
    import re

    if not re.fullmatch(r"-?[01]+", text):
        raise ValueError("not a binary number")
    return int(text, 2)


@atomic(
    TOPIC,
    [(0,), (1,), (2,), (6,), (1024,), (-8,)],
    [lambda rng: rng.choice([1 << rng.randint(0, 12), rng.randint(-5, 5000)])],
)
def is_power_of_two(n: int) -> bool:
    """Return True if n is a positive power of two (1, 2, 4, ...), else False."""
    return n > 0 and n & (n - 1) == 0


@atomic(TOPIC, [(0, 8), (1, 8), (1, 1), (6, 4), (255, 8), (1, 16)], [ints(0, 255), ints(8, 12)])
def reverse_bits(n: int, width: int) -> int:
    """Reverse the lowest width bits of n and return the result (6 with width 4: 0110 -> 0110 = 6; 1 with
    width 8 -> 128). Raise ValueError unless 1 <= width <= 64 and 0 <= n < 2**width."""
    if not 1 <= width <= 64 or not 0 <= n < 1 << width:
        raise ValueError("out of range")
    return int(format(n, f"0{width}b")[::-1], 2)


@atomic(TOPIC, [([],), ([5],), ([5, 5],), ([1, 2, 3],), ([-1, 1],), ([7, 0, 7, 9],)], [lists(ints(0, 64), 0, 8)])
def xor_all(items: list[int]) -> int:
    """Return the bitwise XOR of all items (0 for an empty list)."""
    result = 0
    for x in items:
        result ^= x
    return result


@atomic(TOPIC, [(1,), (2,), (3,), (1024,), (1025,), (2**52,)], [ints(1, 5000)])
def highest_bit(n: int) -> int:
    """Return the 0-based position of the highest 1 bit of n (1 -> 0, 8 -> 3). Raise ValueError if n < 1."""
    if n < 1:
        raise ValueError("n must be positive")
    return n.bit_length() - 1


@atomic(TOPIC, [(0, 0), (1, 0), (5, 1), (8, 3), (-1, 2), (3, 40)], [ints(0, 1000), ints(0, 10)])
def toggle_bit(n: int, i: int) -> int:
    """Return n with bit i (0 is the lowest) flipped. Raise ValueError if i is negative or above 64."""
    if not 0 <= i <= 64:
        raise ValueError("bit index out of range")
    return n ^ (1 << i)


@atomic(TOPIC, [(0, 0), (1, 0), (7, 0), (5, 3), (255, 256), (2**20, 1)], [NATURAL, NATURAL])
def hamming_distance(a: int, b: int) -> int:
    """Return how many bit positions differ between a and b. Raise ValueError if either is negative."""
    if a < 0 or b < 0:
        raise ValueError("negative")
    return bin(a ^ b).count("1")


@atomic(TOPIC, [(1,), (2,), (12,), (1024,), (-8,), (7,)], [lambda rng: rng.randint(1, 300) << rng.randint(0, 6)])
def trailing_zeros(n: int) -> int:
    """Return how many 0 bits end the binary form of n (12 = 1100 -> 2). Raise ValueError if n is 0."""
    if n == 0:
        raise ValueError("zero has no lowest set bit")
    return (n & -n).bit_length() - 1
