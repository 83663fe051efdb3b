"""What each standard piece on the hot path costs, beside the alternative it was chosen over.

The issue asks to measure before picking: JSON encoding (stdlib json vs orjson), the payload format
of a chunk's submissions in Redis (pickle, as RQ stores its jobs, vs orjson and msgpack), RQ's
per-job fork (its forking `Worker` vs the `SimpleWorker` Proctor runs), the event loop (asyncio vs
uvloop) on the gateway's cheapest path, a cache hit, and redis-py's protocol code (hiredis vs its
pure-Python parser and packer) on a worker's reply. Micro-benchmarks report the best of several
rounds, which repeats on a noisy machine; the event-loop figure is the best of three alternated
medians. Prints a table and writes benchmarks/results/pieces.json.
"""

import json
import os
import pickle
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import msgpack
import orjson
from proctor.embedded_redis import EmbeddedRedis, free_port
from proctor.launcher import serving, stop_service, wait_ready
from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"
ROUNDS = 7


def best_us(fn: Callable[[], object], number: int) -> float:
    """Microseconds per call: the best of ROUNDS rounds of `number` calls."""
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number * 1e6)
    return min(rounds)


def score_response(tests: int = 10) -> dict:
    """A typical score response: ten passing `call` tests."""
    test = {"status": "passed", "time_ms": 1.734, "cpu_ms": 1.5, "error": None, "stderr": None}
    return {
        "id": "a" * 32,
        "category": "passed",
        "passed": tests,
        "total": tests,
        "pass_rate": 1.0,
        "reward": 1.0,
        "compile": {"ok": True, "error": None},
        "tests": [dict(test) for _ in range(tests)],
        "peak_memory_kb": 10240,
        "timing": {"queue_ms": 0.8, "run_ms": 12.1, "total_ms": 13.0},
        "cached": False,
    }


def chunk(items: int = 16) -> list[dict]:
    """One chunk's submissions as the gateway stores them (keys.encode_chunk): `items` small ones."""
    request = {
        "code": "def f(x):\n    return x + 1\n" * 4,
        "tests": [{"kind": "call", "function": "f", "args": [i], "kwargs": {}, "expected": i + 1} for i in range(3)],
        "limits": {"time_s": 10, "test_time_s": 3, "memory_mb": 256, "output_kb": 64},
        "reward": "pass_rate",
        "stop_on_first_failure": False,
        "timing_repeats": 1,
    }
    return [
        {"rid": f"{i:032x}", "i": i, "request": {**request, "code": f"{request['code']}# {i}\n"}, "enqueued_at": 1.0}
        for i in range(items)
    ]


def encoding() -> dict:
    response = score_response()
    return {
        "json_dumps_loads_us": best_us(lambda: json.loads(json.dumps(response)), 2000),
        "orjson_dumps_loads_us": best_us(lambda: orjson.loads(orjson.dumps(response)), 2000),
    }


def queue_payload() -> dict:
    args = chunk()
    formats = {
        "pickle": (lambda: pickle.dumps(args, pickle.HIGHEST_PROTOCOL), pickle.loads),
        "orjson": (lambda: orjson.dumps(args), orjson.loads),
        "msgpack": (lambda: msgpack.packb(args), msgpack.unpackb),
    }
    out = {}
    for name, (dump, load) in formats.items():
        blob = dump()
        out[name] = {"us": best_us(lambda dump=dump, load=load: load(dump()), 2000), "bytes": len(blob)}
    return out


def worker_fork() -> dict:
    """What RQ's forking Worker adds per job: a fork of a process holding the worker's imports,
    and its exit (SimpleWorker runs the job in-process and keeps its sandboxes warm)."""
    code = (
        "import os, time, proctor.worker.process\n"
        "samples = []\n"
        "for _ in range(50):\n"
        "    t = time.perf_counter(); pid = os.fork()\n"
        "    if pid == 0: os._exit(0)\n"
        "    os.waitpid(pid, 0); samples.append((time.perf_counter() - t) * 1000)\n"
        "print(min(samples), sorted(samples)[25])\n"
    )
    best, median = map(
        float, subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
    )
    return {"fork_exit_ms_best": best, "fork_exit_ms_median": median}


def redis_reply_us(url: str, hiredis: bool) -> float:
    """A worker's reply to Redis (the pipeline `run_chunk` sends per item whose verdict is cached:
    the reply pushed, the verdict stored), in a fresh interpreter with or without hiredis: the
    client's CPU time, since the wall time is mostly the round trip's wait."""
    code = (
        "import sys, time\n"
        f"if not {hiredis}: sys.modules['hiredis'] = None  # redis-py falls back to pure Python\n"
        "from redis import Redis\n"
        f"redis = Redis.from_url({url!r})\n"
        "reply, verdict = b'r' * 600, b'v' * 1500\n"
        "def one():\n"
        "    with redis.pipeline(transaction=False) as pipe:\n"
        "        pipe.rpush('pieces:reply', reply)\n"
        "        pipe.set('pieces:verdict', verdict, ex=60); pipe.execute()\n"
        "rounds = []\n"
        "for _ in range(7):\n"
        "    start = time.process_time()\n"
        "    for _ in range(1000): one()\n"
        "    rounds.append((time.process_time() - start) * 1000)\n"
        "redis.delete('pieces:reply')\n"
        "print(min(rounds))\n"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def cache_hit_latency(loop: str, env: dict, requests: int = 400) -> float:
    """Median client-side latency of a cache hit through a fresh gateway on `loop`."""
    port = free_port()
    gateway_env = {**env, "PROCTOR_PORT": str(port)}
    cmd = [sys.executable, "-m", "uvicorn", "proctor.gateway.app:create_app", "--factory", "--loop", loop]
    gateway = subprocess.Popen([*cmd, "--port", str(port), "--log-level", "warning"], env=gateway_env)
    try:
        wait_ready(f"http://127.0.0.1:{port}", [gateway], 1)
        body = {"code": "x = 1\n", "tests": [{"kind": "assert", "code": "assert x == 1"}]}
        samples = []
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            client.post("/v1/score", json=body).raise_for_status()
            for _ in range(requests):
                start = time.perf_counter()
                assert client.post("/v1/score", json=body).json()["cached"]
                samples.append((time.perf_counter() - start) * 1000)
        return statistics.median(samples)
    finally:
        stop_service([gateway])


def report(results: dict) -> None:
    enc, q, fork, loops = results["encoding"], results["queue"], results["worker_fork"], results["event_loop"]
    resp = results["redis_reply_us"]
    json_ratio = enc["json_dumps_loads_us"] / enc["orjson_dumps_loads_us"]
    alternatives = ", ".join(f"{name} {q[name]['us']:.1f} us, {q[name]['bytes']} B" for name in ("orjson", "msgpack"))
    forked = f"forking Worker: fork + exit {fork['fork_exit_ms_median']:.2f} ms (best {fork['fork_exit_ms_best']:.2f})"
    rows = [
        ("score response, dumps + loads", f"orjson {enc['orjson_dumps_loads_us']:.1f} us",
         f"json {enc['json_dumps_loads_us']:.1f} us", f"{json_ratio:.1f}x"),
        ("chunk of 16 in Redis", f"pickle {q['pickle']['us']:.1f} us, {q['pickle']['bytes']} B", alternatives, ""),
        ("per RQ job", "SimpleWorker: no fork", forked, ""),
        ("cache hit through the gateway", f"uvloop {loops['uvloop_ms']:.2f} ms",
         f"asyncio {loops['asyncio_ms']:.2f} ms", f"{loops['asyncio_ms'] / loops['uvloop_ms']:.2f}x"),
        ("a worker's reply to Redis (2 commands), CPU", f"hiredis {resp['hiredis']:.1f} us",
         f"pure-Python redis-py {resp['python']:.1f} us", f"{resp['python'] / resp['hiredis']:.2f}x"),
    ]  # fmt: skip
    table = Table(title="Pieces on the hot path")
    for column in ("what", "chosen", "alternative", "ratio"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console().print(table)


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    results = {"encoding": encoding(), "queue": queue_payload(), "worker_fork": worker_fork()}
    with EmbeddedRedis() as redis:
        env = {**os.environ, "PROCTOR_REDIS_URL": redis.url, "PROCTOR_QUEUE_NAME": f"pieces-{os.getpid()}"}
        replies = {name: redis_reply_us(redis.url, hiredis=name == "hiredis") for name in ("hiredis", "python")}
        results["redis_reply_us"] = replies
        with serving(env, 1):
            # Alternated, best of three each: the machine's noise drifts over seconds.
            runs = {loop: [] for loop in ("uvloop", "asyncio")}
            for _ in range(3):
                for loop, samples in runs.items():
                    samples.append(cache_hit_latency(loop, env))
            results["event_loop"] = {f"{loop}_ms": min(samples) for loop, samples in runs.items()}
    report(results)
    (RESULTS / "pieces.json").write_text(json.dumps(results, indent=2))
    print(f"wrote {RESULTS / 'pieces.json'}")


if __name__ == "__main__":
    main()
