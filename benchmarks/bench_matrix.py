"""How long the everyday CodeDPO matrix takes: 15 sampled codes × 15 tests of a function-level problem.

Starts a private service (embedded Redis, the gateway, and the default workers and sandboxes,
or PROCTOR_WORKERS × PROCTOR_SLOTS), then times POST /v1/matrix (one run per cell) and POST /v1/rank codedpo
(five timed runs per passing cell) on three problems, a few rounds each. Prints a table and writes
benchmarks/results/matrix.json. Run with `make bench`.
"""

import json
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

import httpx
from proctor.config import Settings
from proctor.embedded_redis import EmbeddedRedis
from proctor.launcher import serving

ROUNDS = 5
SIZE = 15
RESULTS = Path(__file__).parent / "results" / "matrix.json"


def call(function: str, arg, expected) -> dict:
    return {"kind": "call", "function": function, "args": [arg], "expected": expected}


def sum_squares() -> tuple[list[str], list[dict]]:
    variants = [
        "def sum_squares(n):\n    return n * (n + 1) * (2 * n + 1) // 6\n",
        "def sum_squares(n):\n    return sum(i * i for i in range(n + 1))\n",
        "def sum_squares(n):\n    total = 0\n    for i in range(1, n + 1):\n        total += i**2\n    return total\n",
        "def sum_squares(n):\n    return sum(i * i for i in range(n))\n",
        "def sum_squares(n):\n    return n * (n + 1) // 2\n",
        "def sum_squares(n)\n    return n\n",
        "def sum_squares(n):\n    return sum_squares(n - 1) + n * n\n",
    ]
    return variants, [call("sum_squares", n, n * (n + 1) * (2 * n + 1) // 6) for n in range(SIZE)]


def is_palindrome() -> tuple[list[str], list[dict]]:
    variants = [
        "def is_palindrome(s):\n    return s == s[::-1]\n",
        "def is_palindrome(s):\n    return all(s[i] == s[-1 - i] for i in range(len(s) // 2))\n",
        "def is_palindrome(s):\n    return list(s) == list(reversed(s))\n",
        "def is_palindrome(s):\n    return s[0] == s[-1]\n",
        "def is_palindrome(s):\n    return s.lower() == s.lower()[::-1]\n",
        "def is_palindrome(s):\n    return s == reversed(s)\n",
    ]
    words = [
        "",
        "a",
        "aa",
        "ab",
        "aba",
        "abba",
        "abca",
        "Aa",
        "racecar",
        "level",
        "hello",
        "noon",
        "xyzzyx",
        "ab a",
        "tt",
    ]
    return variants, [call("is_palindrome", w, w == w[::-1]) for w in words]


def running_max() -> tuple[list[str], list[dict]]:
    variants = [
        "from itertools import accumulate\n\ndef running_max(xs):\n    return list(accumulate(xs, max))\n",
        "def running_max(xs):\n    out = []\n    for x in xs:\n        out.append(x if not out else max(out[-1], x))\n"
        "    return out\n",
        "def running_max(xs):\n    return [max(xs[: i + 1]) for i in range(len(xs))]\n",
        "def running_max(xs):\n    return sorted(xs)\n",
        "def running_max(xs):\n    return [max(xs)] * len(xs)\n",
        "def running_max(xs):\n    import sys\n    sys.exit(3)\n",
    ]
    inputs = [[], [1], [2, 1], [1, 2], [3, 1, 2], [5, 5, 5], [-1, -2, -3], [1, 3, 2, 4], [9, 0, 9, 1]]
    inputs += [[0] * 7, list(range(10)), list(range(10, 0, -1)), [4, 8, 15, 16, 23, 42], [2, 7, 1, 8, 2, 8], [100]]
    expected = [[max(xs[: i + 1]) for i in range(len(xs))] for xs in inputs]
    return variants, [call("running_max", xs, want) for xs, want in zip(inputs, expected, strict=True)]


def sampled(variants: list[str], tag: str) -> list[str]:
    """Fifteen samples, as a model would give them: the same few answers, each written down again.
    `tag` makes every round's samples new, so no round is answered from the verdict cache."""
    return [variants[i % len(variants)] + f"# {tag} sample {i}\n" for i in range(SIZE)]


def measure(client: httpx.Client, path: str, variants: list[str], tests: list[dict], extra: dict) -> list[float]:
    seconds = []
    for round_ in range(ROUNDS):
        body = {"codes": sampled(variants, f"{path} round {round_}"), "tests": tests, **extra}
        started = time.perf_counter()
        response = client.post(path, json=body)
        seconds.append(time.perf_counter() - started)
        response.raise_for_status()
    return seconds


def main() -> int:
    settings = Settings()
    rows = []
    with EmbeddedRedis() as redis:
        env = {**os.environ, "PROCTOR_REDIS_URL": redis.url, "PROCTOR_QUEUE_NAME": f"bench-{uuid.uuid4().hex[:8]}"}
        with serving(env, settings.workers) as (url, _), httpx.Client(base_url=url, timeout=600) as client:
            for problem in (sum_squares, is_palindrome, running_max):
                variants, tests = problem()
                body = {"codes": sampled(variants, "warm-up"), "tests": tests}
                client.post("/v1/matrix", json=body).raise_for_status()  # warm the sandboxes
                for path, extra in (("/v1/matrix", {}), ("/v1/rank", {"method": "codedpo"})):
                    seconds = measure(client, path, variants, tests, extra)
                    rows.append(row(problem.__name__, path, extra, seconds))
    report(rows, settings.workers, settings.slots)
    return 0


def row(problem: str, path: str, extra: dict, seconds: list[float]) -> dict:
    median = statistics.median(seconds)
    return {
        "problem": problem,
        "route": path + (f" {extra['method']}" if extra else ""),
        "codes": SIZE,
        "tests": SIZE,
        "rounds": ROUNDS,
        "median_s": round(median, 3),
        "min_s": round(min(seconds), 3),
        "max_s": round(max(seconds), 3),
        "cells_per_s": round(SIZE * SIZE / median, 1),
    }


def report(rows: list[dict], workers: int, slots: int) -> None:
    print(f"15 x 15 matrices, {workers} workers x {slots} sandboxes, {os.cpu_count()} CPUs, {ROUNDS} rounds each")
    print(f"{'problem':<15} {'route':<18} {'median s':>9} {'min s':>7} {'max s':>7} {'cells/s':>8}")
    for r in rows:
        print(
            f"{r['problem']:<15} {r['route']:<18} {r['median_s']:>9.3f} {r['min_s']:>7.3f} "
            f"{r['max_s']:>7.3f} {r['cells_per_s']:>8.1f}"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    machine = {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()}
    RESULTS.write_text(json.dumps({"machine": machine, "workers": workers, "slots": slots, "rows": rows}, indent=2))
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    sys.exit(main())
