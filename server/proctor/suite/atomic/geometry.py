"""Geometry; floating-point results are rounded so they compare exactly as JSON."""

from proctor.suite.spec import atomic
from proctor.suite.types import floats, ints, lists

TOPIC = "geometry"
COORDS = lists(ints(-10, 10), 0, 5)


def _rectangle(rng):
    return sorted(rng.sample(range(10), 2)) + sorted(rng.sample(range(10), 2))


@atomic(TOPIC, [(0.0,), (1.0,), (0.5,), (2.5,), (100.0,)], [floats(0, 20)])
def circle_area(radius: float) -> float:
    """Return the area of a circle of the given radius, rounded to 4 decimal places.
    Raise ValueError if radius is negative."""
    import math

    if radius < 0:
        raise ValueError("negative radius")
    return round(math.pi * radius * radius, 4)


@atomic(TOPIC, [(0.0, 0.0), (3.0, 4.0), (1.0, 1.0), (5.0, 12.0), (-3.0, 4.0)], [floats(0, 50), floats(0, 50)])
def hypotenuse(a: float, b: float) -> float:
    """Return the length of the hypotenuse of a right triangle with legs a and b, rounded to 4 decimal places."""
    import math

    return round(math.hypot(a, b), 4)


@atomic(
    TOPIC,
    [(3.0, 4.0, 5.0), (1.0, 1.0, 1.0), (2.0, 2.0, 3.0), (1.0, 2.0, 3.0), (10.0, 10.0, 0.5)],
    [floats(5, 10), floats(5, 10), floats(5, 10)],
)
def triangle_area(a: float, b: float, c: float) -> float:
    """Return the area of the triangle with side lengths a, b and c (Heron's formula), rounded to
    4 decimal places; a degenerate triangle has area 0.0. Raise ValueError if no such triangle exists."""
    import math

    if min(a, b, c) < 0 or a + b < c or a + c < b or b + c < a:
        raise ValueError("no such triangle")
    s = (a + b + c) / 2
    return round(math.sqrt(max(s * (s - a) * (s - b) * (s - c), 0.0)), 4)


@atomic(
    TOPIC,
    [([], []), ([1], [4]), ([0, 0], [3, 4]), ([-1, -1], [1, 1]), ([1, 2, 3], [3, 2, 1])],
    [lists(ints(-9, 9), 2, 2), lists(ints(-9, 9), 2, 2)],
)
def manhattan_distance(p: list[int], q: list[int]) -> int:
    """Return the Manhattan distance between points p and q, given as coordinate lists of equal length.
    Raise ValueError if the lengths differ."""
    if len(p) != len(q):
        raise ValueError("dimension mismatch")
    return sum(abs(a - b) for a, b in zip(p, q, strict=True))


@atomic(
    TOPIC,
    [
        ([0, 2, 0, 2], [1, 3, 1, 3]),
        ([0, 1, 0, 1], [1, 2, 1, 2]),
        ([0, 5, 0, 5], [1, 2, 1, 2]),
        ([0, 1, 0, 1], [5, 6, 5, 6]),
        ([0, 4, 0, 3], [0, 4, 0, 3]),
        ([2, 2, 0, 9], [0, 9, 4, 4]),
    ],
    [_rectangle, _rectangle],
)
def rectangle_overlap_area(a: list[int], b: list[int]) -> int:
    """Rectangles are [x1, x2, y1, y2] with x1 <= x2 and y1 <= y2. Return the area where a and b overlap
    (0 if they only touch or are apart). Raise ValueError unless both have exactly 4 numbers."""
    if len(a) != 4 or len(b) != 4:
        raise ValueError("a rectangle has 4 numbers")
    width = min(a[1], b[1]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[2], b[2])
    return max(width, 0) * max(height, 0)


@atomic(
    TOPIC,
    [
        ([],),
        ([0, 0, 4, 0, 4, 3],),
        ([0, 0, 1, 0, 1, 1, 0, 1],),
        ([0, 0, 0, 1, 1, 1, 1, 0],),
        ([0, 0, 2, 2],),
        ([5, 5],),
    ],
    [lists(ints(-10, 10), 6, 6)],
)
def polygon_area(coords: list[int]) -> float:
    """coords lists a polygon's vertices as x0, y0, x1, y1, ... Return its area by the shoelace formula
    (always non-negative, 0.0 for fewer than 3 vertices). Raise ValueError if coords has odd length."""
    if len(coords) % 2:
        raise ValueError("odd number of coordinates")
    xs, ys = coords[0::2], coords[1::2]
    n = len(xs)
    twice = sum(xs[i] * ys[(i + 1) % n] - xs[(i + 1) % n] * ys[i] for i in range(n))
    return abs(twice) / 2


@atomic(TOPIC, [(0.0,), (90.0,), (180.0,), (-45.0,), (360.0,)], [floats(-360, 360)])
def degrees_to_radians(degrees: float) -> float:
    """Convert an angle from degrees to radians, rounded to 6 decimal places."""
    import math

    return round(math.radians(degrees), 6)


@atomic(
    TOPIC,
    [(3, 4, 5), (5, 3, 4), (1, 1, 1), (0, 0, 0), (5, 12, 13), (6, 8, 11)],
    [ints(1, 15), ints(1, 15), ints(1, 20)],
)
def is_right_triangle(a: int, b: int, c: int) -> bool:
    """Return True if positive side lengths a, b and c (in any order) form a right triangle, else False."""
    x, y, z = sorted((a, b, c))
    return x > 0 and x * x + y * y == z * z


@atomic(TOPIC, [([],), ([3, 4],), ([1, 1],), ([-2],), ([1, 2, 2],)], [COORDS])
def euclidean_norm(v: list[int]) -> float:
    """Return the Euclidean length of the vector v, rounded to 4 decimal places (0.0 for an empty vector)."""
    import math

    return round(math.sqrt(sum(x * x for x in v)), 4)


@atomic(TOPIC, [(0.0,), (1.0,), (0.5,), (3.0,), (10.0,)], [floats(0, 20)])
def sphere_volume(radius: float) -> float:
    """Return the volume of a sphere of the given radius, rounded to 4 decimal places.
    Raise ValueError if radius is negative."""
    import math

    if radius < 0:
        raise ValueError("negative radius")
    return round(4 / 3 * math.pi * radius**3, 4)
