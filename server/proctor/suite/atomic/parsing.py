"""Parsing and formatting."""

from proctor.suite.spec import atomic
from proctor.suite.types import floats, ints, lists, words

TOPIC = "parsing"


def _int_list_text(rng):
    return ", ".join(str(rng.randint(-50, 99)) for _ in range(rng.randint(0, 6)))


def _camel(rng):
    parts = [words(1, 5)(rng) for _ in range(rng.randint(1, 4))]
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


@atomic(
    TOPIC, [("",), ("7",), ("1,2,3",), (" 4 , -5 ,6 ",), ("-0, 10",)], [_int_list_text], formats={"text": "int-list"}
)
def parse_int_list(text: str) -> list[int]:
    """Parse comma-separated integers (spaces around them allowed) into a list; "" or blank gives [].
    Raise ValueError if any part is not an integer."""
    if not text.strip():
        return []
    return [int(part) for part in text.split(",")]


@atomic(TOPIC, [(0,), (999,), (1000,), (-1234567,), (10**9,)], [ints(-(10**7), 10**7)])
def format_thousands(n: int) -> str:
    """Return n in decimal with a comma between each group of three digits (1234567 -> "1,234,567")."""
    return f"{n:,}"


@atomic(TOPIC, [(1,), (4,), (9,), (14,), (1994,), (3999,)], [ints(1, 3999)], formats={"return": "roman"})
def roman_numeral(n: int) -> str:
    """Return n (1-3999) in Roman numerals, using subtractive pairs (4 -> "IV", 1994 -> "MCMXCIV").
    Raise ValueError otherwise."""
    if not 1 <= n <= 3999:
        raise ValueError("n out of range")
    table = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
             (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]  # fmt: skip
    out = []
    for value, letters in table:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


@atomic(
    TOPIC,
    [("I",), ("IV",), ("IX",), ("MCMXCIV",), ("MMMCMXCIX",), ("LVIII",)],
    [words(1, 6, "IVXLC")],
    formats={"text": "roman"},
)
def parse_roman(text: str) -> int:
    """Return the value of a Roman numeral made of I, V, X, L, C, D and M, where a symbol smaller than the
    next one is subtracted ("IV" -> 4). Raise ValueError if text is empty or has any other character."""
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    if not text or any(c not in values for c in text):
        raise ValueError("not a Roman numeral")
    total = 0
    for i, c in enumerate(text):
        if i + 1 < len(text) and values[c] < values[text[i + 1]]:
            total -= values[c]
        else:
            total += values[c]
    return total


@atomic(
    TOPIC,
    [("",), ("word",), ("snake_case",), ("a_b_c",), ("__private_name",), ("trailing_",)],
    [lambda rng: "_".join(words(1, 5)(rng) for _ in range(rng.randint(1, 4)))],
)
def snake_to_camel(text: str) -> str:
    """Convert snake_case to camelCase: drop the underscores, and upper-case the first letter of every
    non-empty part except the first non-empty one ("snake_case" -> "snakeCase")."""
    parts = [p for p in text.split("_") if p]
    if not parts:
        return ""
    return parts[0] + "".join(p[:1].upper() + p[1:] for p in parts[1:])


@atomic(TOPIC, [("",), ("word",), ("camelCase",), ("HTTPServer",), ("aB",), ("already_snake",)], [_camel])
def camel_to_snake(text: str) -> str:
    """Convert camelCase to snake_case: put "_" before every upper-case ASCII letter that is not the first
    character, then lower-case everything ("camelCase" -> "camel_case", "HTTP" -> "h_t_t_p")."""
    out = []
    for i, c in enumerate(text):
        if "A" <= c <= "Z" and i > 0:
            out.append("_")
        out.append(c.lower())
    return "".join(out)


@atomic(
    TOPIC,
    [("",), ("a=1",), ("a=1;b=2",), (" x = -3 ; y=4 ",), ("a=1;a=2",)],
    [lambda rng: ";".join(f"{words(1, 4)(rng)}={rng.randint(-9, 99)}" for _ in range(rng.randint(0, 4)))],
    formats={"text": "key-values"},
)
def parse_key_values(text: str) -> dict[str, int]:
    """Parse "key=value" pairs separated by ";" into a dict of integer values (spaces around keys and values
    are ignored; a repeated key keeps its last value; "" gives {}). Raise ValueError on a malformed pair."""
    result = {}
    if not text.strip():
        return result
    for pair in text.split(";"):
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"malformed pair {pair!r}")
        result[key.strip()] = int(value)
    return result


@atomic(TOPIC, [([],), (["a"],), (["a", "b"],), (["a", "b", "c"],), (["", "x"],)], [lists(words(1, 6), 0, 5)])
def format_list(items: list[str]) -> str:
    """Join items as English prose: "" for none, "a" for one, "a and b" for two, "a, b and c" for more."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


@atomic(
    TOPIC,
    [("",), ("no digits",), ("a1b22c333",), ("-5 and +6",), ("x-y 10-20",)],
    [
        lambda rng: " ".join(
            str(rng.randint(-99, 99)) if rng.random() < 0.5 else words(1, 4)(rng) for _ in range(rng.randint(0, 6))
        )
    ],
)
def extract_numbers(text: str) -> list[int]:
    """Return every integer written in text, in order: a run of digits, with a "-" directly before it
    making it negative ("a-12b3" -> [-12, 3])."""
    import re

    return [int(m) for m in re.findall(r"-?\d+", text)]


@atomic(TOPIC, [(0.0,), (1.0,), (0.5,), (0.12345,), (-0.25,)], [floats(-1, 2)])
def format_percent(value: float) -> str:
    """Format a fraction as a percentage with one decimal place (0.1234 -> "12.3%")."""
    return f"{value * 100:.1f}%"
