"""A/B the sandbox CPU per job of supervisor variants, without building an image per variant.

Each variant is a supervisor file on this host, run as PID 1 of a real sandbox of one image
(bind-mounted read-only, as `python3 -I -S -B`). The image runs a compiled copy: give `.pyc`
files (`py_compile`) to measure as it does, since a `.py` file compiled at PID 1's start leaves
~2.3 MB more in it, which every fork copies (absolute figures ~0.1 ms higher). Every job runs on
every variant's sandbox, in a shuffled order, so a slow spell of the machine falls on all of
them alike; a round is `--jobs` jobs, and its figure per variant is the container's cgroup CPU
(cgroup v1 cpuacct) per job. Paired per round, the difference of two runs of one file stays
within 0.01 ms (A/A), where timing each variant in blocks of its own left 0.06 ms of noise.
Workloads: trivial jobs of `--tests` tests (in `job` isolation, the service's default for them,
unless `--isolation test`), or HumanEval's canonical solutions (`--humaneval`, all but
HumanEval/75, whose 0.2 s of its own would swamp the rest):

    .venv/bin/python benchmarks/ab_supervisors.py base.py variant.py --rounds 8 --humaneval

Needs Docker and the image (`scripts/build-images.sh`); runs under runc only.
"""

import argparse
import os
import random
import secrets
import statistics
import time

import docker
import proctor.worker.sandbox as sandbox_module
from proctor.config import Settings
from proctor.grading.humaneval import humaneval_tasks
from proctor.grading.tasks import as_submissions, reference_samples

LIMITS = {"time_s": 10, "test_time_s": 5, "memory_mb": 256, "output_kb": 64}


def start(path: str, image: str) -> sandbox_module.Sandbox:
    """A sandbox whose PID 1 is the supervisor file `path`."""
    original = sandbox_module.container_config
    folder, name = os.path.split(os.path.abspath(path))

    def config(settings: Settings, rendezvous: str) -> dict:
        cfg = original(settings, rendezvous)
        cfg["host_config"]["binds"][folder] = {"bind": "/variant", "mode": "ro"}
        cfg["entrypoint"] = ["python3", "-I", "-S", "-B", f"/variant/{name}"]
        return cfg

    sandbox_module.container_config = config
    try:
        return sandbox_module.Sandbox(docker.from_env(), Settings(image=image))
    finally:
        sandbox_module.container_config = original


def job(i: int, tests: int, isolation: str) -> dict:
    return {
        "code": f"def f(x):\n    return x + {i}\n",
        "tests": [{"kind": "assert", "code": f"assert f({j}) == {j + i}"} for j in range(tests)],
        "limits": LIMITS,
        "isolation": isolation,
    }


def humaneval_jobs() -> list[dict]:
    """The canonical solutions as `proctor grade` submits them, as jobs for the supervisor."""
    tasks = {task_id: task for task_id, task in humaneval_tasks().items() if task_id != "HumanEval/75"}
    return [
        {"code": s["code"], "tests": s["tests"], "limits": LIMITS, "isolation": "job"}
        for s in as_submissions(tasks, reference_samples(tasks))
    ]


def cpu_ns(box: sandbox_module.Sandbox) -> int:
    with open(f"/sys/fs/cgroup/cpuacct/docker/{box.container.id}/cpuacct.usage") as fh:
        return int(fh.read())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="+", help="supervisor files; the first is the baseline")
    parser.add_argument("--image", default=os.environ.get("PROCTOR_IMAGE", "proctor-python:latest"))
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--jobs", type=int, default=160, help="jobs per round (trivial jobs)")
    parser.add_argument("--tests", type=int, default=1, help="tests per trivial job")
    parser.add_argument("--isolation", choices=("job", "test"), default="job", help="as a request sets it")
    parser.add_argument("--humaneval", action="store_true", help="HumanEval's canonical solutions instead")
    args = parser.parse_args()
    jobs = humaneval_jobs() if args.humaneval else [job(i, args.tests, args.isolation) for i in range(args.jobs)]
    boxes = {path: start(path, args.image) for path in args.files}
    per_job: dict[str, list[float]] = {path: [] for path in args.files}
    try:
        for box in boxes.values():  # warm up: first forks and imports cost more
            for spec in jobs[:30]:
                box.run(spec, secrets.token_hex(16), time.monotonic() + 10)
        for _ in range(args.rounds):
            before = {path: cpu_ns(box) for path, box in boxes.items()}
            for spec in jobs:
                order = list(boxes.values())
                random.shuffle(order)
                for box in order:
                    box.run(spec, secrets.token_hex(16), time.monotonic() + 10)
            for path, box in boxes.items():
                per_job[path].append((cpu_ns(box) - before[path]) / 1e6 / len(jobs))
    finally:
        for box in boxes.values():
            box.destroy()
    base = args.files[0]
    for path in args.files:
        print(f"{path}: cgroup CPU per job median {statistics.median(per_job[path]):.3f} ms")
    for path in args.files[1:]:
        diffs = sorted(b - a for a, b in zip(per_job[base], per_job[path], strict=True))
        quarter = len(diffs) // 4
        print(
            f"{path} - {base}: paired median {statistics.median(diffs):+.3f} ms per job"
            f" (IQR {diffs[quarter]:+.3f} .. {diffs[-quarter - 1]:+.3f})"
        )


if __name__ == "__main__":
    main()
