"""Arithmetic and number theory."""

from proctor.suite.spec import atomic
from proctor.suite.types import ints

TOPIC = "arithmetic"


@atomic(TOPIC, [(0,), (7,), (-4096,), (999999,), (2**53 - 1,)], [ints(-100000, 100000)])
def digit_sum(n: int) -> int:
    """Return the sum of the decimal digits of n, ignoring its sign."""
    return sum(int(c) for c in str(abs(n)))


@atomic(TOPIC, [(0,), (1,), (2,), (97,), (7919 * 7919,), (-7,)], [ints(-10, 500)])
def is_prime(n: int) -> bool:
    """Return True if n is a prime number, else False (numbers below 2 are not prime).
    Raise ValueError if n is above 10**12."""
    if n > 10**12:
        raise ValueError("n is too large")
    if n < 2:
        return False
    d = 2
    while d * d <= n:
        if n % d == 0:
            return False
        d += 1 if d == 2 else 2
    return True


@atomic(TOPIC, [(0, 0), (0, 9), (12, 18), (-12, 18), (17, 5), (2**40, 6**20)], [ints(-200, 200), ints(-200, 200)])
def gcd_of(a: int, b: int) -> int:
    """Return the greatest common divisor of a and b (always non-negative; gcd(0, 0) is 0)."""
    import math

    return math.gcd(a, b)


@atomic(TOPIC, [(0, 5), (4, 6), (-4, 6), (7, 13), (12, 12), (1, 1)], [ints(-50, 50), ints(-50, 50)])
def lcm_of(a: int, b: int) -> int:
    """Return the least common multiple of a and b, non-negative; it is 0 if either is 0."""
    import math

    if a == 0 or b == 0:
        return 0
    return abs(a * b) // math.gcd(a, b)


@atomic(TOPIC, [(1,), (2,), (3,), (27,), (97,), (1024,)], [ints(1, 5000)])
def collatz_steps(n: int) -> int:
    """Return how many Collatz steps (halve if even, else 3n + 1) take n down to 1.
    Raise ValueError if n is below 1 or above 10**9."""
    if n < 1 or n > 10**9:
        raise ValueError("n out of range")
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


@atomic(TOPIC, [(0,), (5,), (120,), (-123,), (1000001,), (-90,)], [ints(-100000, 100000)])
def reverse_digits(n: int) -> int:
    """Return n with its decimal digits reversed, keeping its sign (trailing zeros vanish: 120 -> 21)."""
    sign = -1 if n < 0 else 1
    return sign * int(str(abs(n))[::-1])


@atomic(TOPIC, [(1,), (2,), (12,), (36,), (97,), (720720,)], [ints(1, 10000)])
def count_divisors(n: int) -> int:
    """Return the number of positive divisors of n. Raise ValueError if n is below 1 or above 10**10."""
    if n < 1 or n > 10**10:
        raise ValueError("n out of range")
    count, d = 0, 1
    while d * d <= n:
        if n % d == 0:
            count += 1 if d * d == n else 2
        d += 1
    return count


@atomic(TOPIC, [(-5,), (0,), (2,), (13,), (89,), (1000,)], [ints(-10, 2000)])
def next_prime(n: int) -> int:
    """Return the smallest prime strictly greater than n. Raise ValueError if n is above 10**9."""
    if n > 10**9:
        raise ValueError("n is too large")
    candidate = max(n + 1, 2)
    while True:
        d, prime = 2, True
        while d * d <= candidate:
            if candidate % d == 0:
                prime = False
                break
            d += 1
        if prime:
            return candidate
        candidate += 1


@atomic(TOPIC, [(0,), (9,), (10,), (-38,), (999999999999,), (12345,)], [ints(-100000, 100000)])
def digital_root(n: int) -> int:
    """Return the digital root of |n|: sum its decimal digits repeatedly until one digit is left."""
    n = abs(n)
    while n >= 10:
        n = sum(int(c) for c in str(n))
    return n


@atomic(TOPIC, [(1,), (2,), (12,), (97,), (1024,), (600851475,)], [ints(1, 20000)])
def prime_factors(n: int) -> list[int]:
    """Return the prime factors of n in ascending order, with repetition (12 -> [2, 2, 3]; 1 -> []).
    Raise ValueError if n is below 1 or above 10**12."""
    if n < 1 or n > 10**12:
        raise ValueError("n out of range")
    factors, d = [], 2
    while d * d <= n:
        while n % d == 0:
            factors.append(d)
            n //= d
        d += 1
    if n > 1:
        factors.append(n)
    return factors
