"""The small type vocabulary that atomic functions are typed in, so compositions can match outputs to inputs.

Every type maps to a JSON value (tuples would come back as lists, so none is used), and each has a seeded
default generator. Generators take a `random.Random` and return one value; builders below make bounded ones.
"""

import math
import random
from collections.abc import Callable
from typing import Any

Gen = Callable[[random.Random], Any]

TYPE_NAMES: dict[Any, str] = {
    int: "int",
    float: "float",
    str: "str",
    bool: "bool",
    list[int]: "list[int]",
    list[str]: "list[str]",
    dict[str, int]: "dict[str, int]",
}

LETTERS = "abcdefghijklmnopqrstuvwxyz"
#: Integers beyond 2**53 lose precision in many JSON readers (and in the gateway's orjson), so none is shipped.
MAX_INT = 2**53 - 1


def fits(takes: str, gives: str) -> bool:
    """Whether a value of kind `gives` may feed a parameter of kind `takes`.

    A kind is a type name, optionally narrowed to a string format ("str:date"): a parameter narrowed to a
    format only takes values produced in that format, a plain `str` parameter takes any string.
    """
    return takes == gives or takes == gives.split(":")[0]


def base(kind: str) -> str:
    return kind.split(":")[0]


def type_name(annotation: Any) -> str:
    try:
        return TYPE_NAMES[annotation]
    except (KeyError, TypeError):
        raise TypeError(f"{annotation!r} is not in the suite's type vocabulary") from None


def conforms(value: Any, name: str) -> bool:
    """Whether a JSON value returned by the sandbox has the declared type (booleans are not ints)."""
    if name == "bool":
        return isinstance(value, bool)
    if name == "int":
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT
    if name == "float":
        return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if name == "str":
        return isinstance(value, str)
    if name.startswith("list["):
        inner = name[5:-1]
        return isinstance(value, list) and all(conforms(v, inner) for v in value)
    if name == "dict[str, int]":
        return isinstance(value, dict) and all(conforms(v, "int") for v in value.values())
    raise TypeError(f"unknown type {name!r}")


def ints(lo: int, hi: int) -> Gen:
    return lambda rng: rng.randint(lo, hi)


def floats(lo: float, hi: float) -> Gen:
    return lambda rng: round(rng.uniform(lo, hi), 2)


def bools() -> Gen:
    return lambda rng: rng.random() < 0.5


def words(min_len: int = 1, max_len: int = 8, alphabet: str = LETTERS) -> Gen:
    return lambda rng: "".join(rng.choice(alphabet) for _ in range(rng.randint(min_len, max_len)))


def texts(min_words: int = 1, max_words: int = 6) -> Gen:
    """Space-separated words, some capitalised, so case and spacing matter."""
    word = words(1, 7)

    def gen(rng: random.Random) -> str:
        parts = [word(rng) for _ in range(rng.randint(min_words, max_words))]
        return " ".join(p.capitalize() if rng.random() < 0.3 else p for p in parts)

    return gen


def lists(item: Gen, min_len: int = 0, max_len: int = 8) -> Gen:
    return lambda rng: [item(rng) for _ in range(rng.randint(min_len, max_len))]


def counts(max_keys: int = 6, max_count: int = 9) -> Gen:
    key = words(1, 5, "abcdef")
    return lambda rng: {key(rng): rng.randint(1, max_count) for _ in range(rng.randint(1, max_keys))}


def dates(first_year: int = 1950, last_year: int = 2050) -> Gen:
    """ISO dates (YYYY-MM-DD); day 1–28 keeps every month valid."""
    return lambda rng: f"{rng.randint(first_year, last_year):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"


DEFAULTS: dict[str, Gen] = {
    "int": ints(-50, 200),
    "float": floats(0, 100),
    "str": texts(),
    "bool": bools(),
    "list[int]": lists(ints(-20, 50)),
    "list[str]": lists(words(1, 6, "abcdefgh"), 0, 7),
    "dict[str, int]": counts(),
}
