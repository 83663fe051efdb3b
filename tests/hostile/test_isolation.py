"""Per-job isolation in a reused container: nothing of one job is visible to the next.

The `sandboxed` service has one worker with one sandbox, so consecutive jobs share a container
whenever it is kept; when the supervisor cannot vouch that a job left nothing behind, the
container is replaced, which these tests cannot tell apart from a clean reuse: both are correct.
"""

import threading

PLANT = (
    "import os, signal, time\n"
    "def plant():\n"
    "    for path in ('/tmp/planted', '/dev/shm/planted', os.path.expanduser('~/planted'), 'planted'):\n"
    "        with open(path, 'w') as fh:\n"
    "            fh.write('job 1')\n"
    "    if os.fork() == 0:\n"
    "        os.setsid()\n"
    "        if os.fork() == 0:\n"
    "            signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "            signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
    "            while True:\n"
    "                time.sleep(0.01)\n"
    "        os._exit(0)\n"
    "    time.sleep(0.1)\n"
)
INSPECT = (
    "import os\n"
    "def inspect():\n"
    "    leftovers = [p for p in ('/tmp/planted', '/dev/shm/planted', os.path.expanduser('~/planted'), 'planted')\n"
    "                 if os.path.exists(p)]\n"
    "    pids = {int(p) for p in os.listdir('/proc') if p.isdigit()}\n"
    "    return {'files': leftovers, 'others': sorted(pids - {1, os.getpid()})}\n"
)


def test_files_and_daemons_do_not_reach_the_next_job(sandboxed):
    planted = sandboxed.score(PLANT, [{"kind": "assert", "code": "plant()"}])
    assert planted.category == "passed", planted.tests
    inspected = sandboxed.score(
        INSPECT, [{"kind": "call", "function": "inspect", "expected": {"files": [], "others": []}}]
    )
    assert inspected.category == "passed", inspected.tests[0]


def test_sysv_ipc_objects_do_not_reach_the_next_job(sandboxed):
    """A SysV segment, semaphore set or message queue, like a POSIX message queue, would outlive
    its job in the container's IPC namespace: the supervisor's seccomp filter keeps any from
    being created."""
    libc = "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nKEY = 0x5EC2E7\n"
    create = libc + (
        "def create():\n"
        "    return [libc.shmget(KEY, 4096, 0o1666) >= 0, libc.semget(KEY, 1, 0o1666) >= 0,\n"
        "            libc.msgget(KEY, 0o1666) >= 0]\n"
    )
    lookup = libc + (
        "def lookup():\n"
        "    return [libc.shmget(KEY, 0, 0o666) >= 0, libc.semget(KEY, 0, 0o666) >= 0, libc.msgget(KEY, 0o666) >= 0]\n"
    )
    none = [False, False, False]
    created = sandboxed.score(create, [{"kind": "call", "function": "create", "expected": none}])
    assert created.category == "passed", created.tests[0]
    found = sandboxed.score(lookup, [{"kind": "call", "function": "lookup", "expected": none}])
    assert found.category == "passed", found.tests[0]


def test_posix_message_queues_do_not_reach_the_next_job(sandboxed):
    """A POSIX message queue outlives its job in the container's IPC namespace, where the
    supervisor cannot count it: its seccomp filter keeps any from being created."""
    libc = "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
    create = libc + (
        "def create():\n"
        "    fd = libc.mq_open(b'/planted', os.O_CREAT | os.O_RDWR, 0o666, None)\n"
        "    return fd >= 0 and libc.mq_send(fd, b'job 1', 5, 0) == 0\n"
    )
    lookup = libc + "def lookup():\n    return libc.mq_open(b'/planted', os.O_RDONLY) >= 0\n"
    created = sandboxed.score(create, [{"kind": "call", "function": "create", "expected": False}])
    assert created.category == "passed", created.tests[0]
    found = sandboxed.score(lookup, [{"kind": "call", "function": "lookup", "expected": False}])
    assert found.category == "passed", found.tests[0]


def test_concurrent_jobs_do_not_see_each_other(service):
    """Two jobs at once (the shared service has 4 sandboxes): each sees only its own file."""
    code = (
        "import os, time\n"
        "def mine(tag):\n"
        "    open(f'/tmp/{tag}', 'w').close()\n"
        "    time.sleep(0.5)\n"
        "    return sorted(os.listdir('/tmp'))\n"
    )
    results = {}

    def run(tag: str) -> None:
        with service.client(timeout=60) as client:
            results[tag] = client.score(code, [{"kind": "call", "function": "mine", "args": [tag], "expected": [tag]}])

    threads = [threading.Thread(target=run, args=(tag,)) for tag in ("alpha", "beta")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [results[tag].category for tag in ("alpha", "beta")] == ["passed", "passed"]


def test_a_job_cannot_signal_the_supervisor_or_see_other_jobs(sandboxed):
    code = (
        "import os, signal\n"
        "def probe():\n"
        "    denied = 0\n"
        "    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGUSR1):\n"
        "        os.kill(1, sig)\n"
        "    return sorted(int(p) for p in os.listdir('/proc') if p.isdigit() and int(p) not in (1, os.getpid()))\n"
    )
    result = sandboxed.score(code, [{"kind": "call", "function": "probe", "expected": []}])
    assert result.category == "passed", result.tests[0]
    sandboxed.assert_still_serving()
