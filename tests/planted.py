"""A small problem with planted correct, wrong and slow-but-correct solutions and planted wrong tests."""

FAST = "def sum_squares(n):\n    return n * (n + 1) * (2 * n + 1) // 6\n"
LOOP = "def sum_squares(n):\n    return sum(i * i for i in range(n + 1))\n"
# Correct, and clearly slower (about 3-5x the CPU time on the tests below): it counts to i² one by one.
SLOW = "def sum_squares(n):\n    return sum(sum(1 for _ in range(i * i)) for i in range(n + 1))\n"
TRIANGLE = "def sum_squares(n):\n    return n * (n + 1) // 2\n"  # wrong: the sum, not of squares
OFF_BY_ONE = "def sum_squares(n):\n    return sum(i * i for i in range(n))\n"
BROKEN = "def sum_squares(n)\n    return n\n"
CRASH = "def sum_squares(n):\n    raise ValueError('no')\n"
NEGATIVE = "def sum_squares(n):\n    return -1\n"

CODES = [FAST, LOOP, SLOW, TRIANGLE, OFF_BY_ONE, BROKEN]
CORRECT, WRONG = (0, 1, 2), (3, 4, 5)


def call(n: int, expected: int) -> dict:
    return {"kind": "call", "function": "sum_squares", "args": [n], "expected": expected}


def squares(n: int) -> int:
    return n * (n + 1) * (2 * n + 1) // 6


GOOD_TESTS = [call(0, 0), call(1, 1), call(100, squares(100)), call(120, squares(120)), call(140, squares(140))]
# Planted wrong tests: the first only the wrong TRIANGLE passes (1 + 2 + 3), the second nobody does.
WRONG_TESTS = [call(3, 6), call(10, 386)]
TESTS = GOOD_TESTS + WRONG_TESTS
PLANTED_WRONG_TESTS = (5, 6)
