"""A/B two configurations of the whole service on HumanEval's batch, paired per round.

Both services are up at once (one embedded Redis, a queue each), each configured by environment
overrides, and they take turns, each round in the opposite order of the last: a slow spell of the
machine, which lasts seconds, then falls on both alike, where timing each configuration in a run
of its own left more noise than most changes are worth. Per round and configuration it records
the batch's wall time, the CPU time of its gateway and of its workers, and the machine's busy and
idle CPU time while the batch ran (`/proc/stat`); then it prints each figure's median and B's
ratio to A paired per round (median, interquartile range) and on average:

    .venv/bin/python benchmarks/ab_services.py --b PROCTOR_REPLY_GATHER_MS=0 --rounds 36

Needs what `make bench` needs (Docker, the image, redis-server). The gateway's and the workers'
images, code and sandboxes are the same for both: an override can change any setting, or
`PROCTOR_IMAGE` to compare sandbox images.
"""

import argparse
import contextlib
import glob
import os
import statistics
import time

from bench_service import humaneval_batch, wait_for_sandboxes, warm_up
from proctor.embedded_redis import EmbeddedRedis
from proctor.grading.humaneval import humaneval_tasks
from proctor.grading.tasks import reference_samples
from proctor.launcher import serving
from proctor_client import ProctorClient

FIGURES = ("wall", "gateway", "workers", "busy", "idle")


def cpu_s(pid: int) -> float:
    """CPU seconds of every thread of `pid` so far (schedstat: nanoseconds on a CPU)."""
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        with contextlib.suppress(OSError), open(path) as fh:
            total += int(fh.read().split()[0])
    return total / 1e9


def machine_s() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine so far."""
    with open("/proc/stat") as fh:
        ticks = [int(x) for x in fh.readline().split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks) - idle) / hz, idle / hz


def overrides(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(",") if pair)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--a", default="", help="A's overrides, VAR=value[,VAR=value...]")
    parser.add_argument("--b", default="", help="B's overrides")
    parser.add_argument("--rounds", type=int, default=24)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--slots", type=int, default=16)
    args = parser.parse_args()
    tasks = humaneval_tasks()
    batch = humaneval_batch(tasks, reference_samples(tasks))
    configs = {"A": overrides(args.a), "B": overrides(args.b)}
    rows: dict[str, list[dict[str, float]]] = {name: [] for name in configs}
    with EmbeddedRedis() as redis, contextlib.ExitStack() as stack:
        services = {}
        for name, extra in configs.items():
            queue = f"ab-{name}-{os.getpid()}"
            env = {**os.environ, "PROCTOR_REDIS_URL": redis.url, "PROCTOR_QUEUE_NAME": queue}
            env.update({"PROCTOR_SLOTS": str(args.slots), **extra})
            url, procs = stack.enter_context(serving(env, args.workers))
            client = stack.enter_context(ProctorClient(url, timeout=600))
            warm_up(client, args.workers * args.slots)
            client.score_many(batch)
            services[name] = (client, procs, queue)
        for round_ in range(args.rounds):
            for name in sorted(services, reverse=bool(round_ % 2)):
                client, procs, queue = services[name]
                wait_for_sandboxes(queue, args.workers * args.slots)
                gateway, workers = cpu_s(procs[-1].pid), sum(cpu_s(p.pid) for p in procs[:-1])
                busy, idle = machine_s()
                start = time.perf_counter()
                client.score_many(batch)
                wall = time.perf_counter() - start
                busy_after, idle_after = machine_s()
                rows[name].append(
                    {
                        "wall": wall,
                        "gateway": cpu_s(procs[-1].pid) - gateway,
                        "workers": sum(cpu_s(p.pid) for p in procs[:-1]) - workers,
                        "busy": busy_after - busy,
                        "idle": idle_after - idle,
                    }
                )
    for name, extra in configs.items():
        medians = " ".join(f"{f} {statistics.median(r[f] for r in rows[name]):.4f}" for f in FIGURES)
        print(f"{name} {extra or '(defaults)'}: median {medians} (s)")
    for figure in FIGURES:  # rounds where A's figure is 0 (no idle CPU at all) have no ratio
        ratios = sorted(b[figure] / a[figure] for a, b in zip(rows["A"], rows["B"], strict=True) if a[figure])
        quarter = len(ratios) // 4
        mean_a = statistics.mean(r[figure] for r in rows["A"])
        mean_b = statistics.mean(r[figure] for r in rows["B"])
        print(
            f"{figure}: B/A paired median {statistics.median(ratios):.3f} (IQR {ratios[quarter]:.3f}"
            f"..{ratios[-quarter - 1]:.3f}, {len(ratios)} rounds), means {mean_b / mean_a:.3f}"
        )


if __name__ == "__main__":
    main()
