# ruff: noqa: E501 -- the hostile programs are data: one program per line reads best
"""Hostile programs and the exact test statuses Proctor must answer for each.

Tokens GATEWAY_PORT, REDIS_PORT and SECRET_VALUE are filled in from the live service. Where the
two runtimes contain a threat differently, `expect` maps each runtime to its statuses; either way
the program is contained and never earns credit it did not earn.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    name: str
    code: str
    tests: list = field(default_factory=lambda: [{"kind": "assert", "code": "run()"}])
    expect: tuple | dict = ("error",)  # test statuses, or runtime -> statuses
    limits: dict = field(default_factory=dict)

    def allowed(self, runtime: str) -> set[tuple]:
        """The exact status tuples accepted under `runtime` (one, but for a race gVisor leaves open)."""
        expected = self.expect[runtime] if isinstance(self.expect, dict) else self.expect
        return expected if isinstance(expected, set) else {expected}


def run(body: str, imports: str = "import os, sys, time, signal, socket, ctypes, threading") -> str:
    """A module whose `run()` executes `body` (indented here)."""
    return imports + "\n\ndef run():\n" + "\n".join("    " + line for line in body.splitlines()) + "\n"


WRONG_ADD = "def add(a, b):\n    return a - b\n"
ADD_TESTS = [
    {"kind": "assert", "code": "assert add(2, 3) == 5"},
    {"kind": "call", "function": "add", "args": [2, 3], "expected": 5},
]
# Looks through this process's memory (forked from the supervisor) for anything like the reply
# token, and forges a passing reply with each guess on every way to the worker it can think of:
# the supervisor's fds through /proc (its socket to the worker), and the socket's path. The
# supervisor forks with its objects frozen out of the garbage collector's lists: thaw them all.
FORGE_WITH_STOLEN_TOKEN = """
import gc, json, os, re, socket
WORKER_SOCKET = '/run/proctor/supervisor.sock'
gc.unfreeze()
guesses = set()
for obj in gc.get_objects():
    if isinstance(obj, dict):
        guesses.update(str(v) for k, v in obj.items() if isinstance(k, str) and 'token' in k)
    elif isinstance(obj, (bytes, bytearray)) and len(obj) == 32:
        guesses.add(bytes(obj).decode('latin-1'))
    elif isinstance(obj, str) and re.fullmatch('[0-9a-f]{32}', obj):
        guesses.add(obj)
channels = []
for path in ('/proc/1/fd/0', '/proc/1/fd/1'):
    try:
        channels.append(os.open(path, os.O_WRONLY))
    except OSError:
        pass
try:
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(WORKER_SOCKET)
    channels.append(sock.detach())
except OSError:
    pass
for fd in channels:
    for guess in sorted(guesses):
        tests = [{'status': 'passed', 'time_ms': 1}, {'status': 'completed', 'time_ms': 1, 'value': 5}]
        reply = {'token': guess, 'compile': {'ok': True, 'error': None}, 'tests': tests, 'clean': True}
        os.write(fd, json.dumps(reply).encode() + b'\\n')
"""
FAKE_RECORD = '{"status": "passed", "nonce": "0"}\\n'

CASES = [
    # --- resource exhaustion
    Case(
        "fork-bomb",
        run("while True:\n    try:\n        os.fork()\n    except OSError:\n        pass"),
        # gVisor's ptrace platform backs guest processes with host ones: the pids cap ends the sandbox.
        expect={"runc": ("timeout",), "runsc": ("error",)},
    ),
    Case("thread-bomb", run("while True:\n    threading.Thread(target=time.sleep, args=(60,), daemon=True).start()")),
    Case("memory-balloon", run("x = bytearray(4 * 1024 ** 3)"), expect=("memory_limit",), limits={"test_time_s": 5}),
    Case(
        "memory-slow-leak",
        run("kept = []\nwhile True:\n    kept.append(bytearray(4 * 1024 ** 2))"),
        expect=("memory_limit",),
        limits={"test_time_s": 5},
    ),
    Case(
        "memory-in-many-processes",
        run(
            "for _ in range(8):\n    if os.fork() == 0:\n        x = bytearray(100 * 1024 ** 2)\n        time.sleep(5)\n        os._exit(0)\ntime.sleep(5)"
        ),
        # runc: the kernel OOM-kills single children and time runs out; gVisor: the same, unless the
        # host's OOM killer ends the whole sandbox first (then "the program ended its sandbox").
        expect={"runc": ("timeout",), "runsc": {("timeout",), ("error",)}},
    ),
    Case("busy-loop", run("while True:\n    pass"), expect=("timeout",)),
    Case("sleep-past-deadline", run("time.sleep(3600)"), expect=("timeout",)),
    Case(
        "sigterm-ignored", run("signal.signal(signal.SIGTERM, signal.SIG_IGN)\ntime.sleep(3600)"), expect=("timeout",)
    ),
    Case("stop-own-group", run("os.kill(0, signal.SIGSTOP)"), expect=("timeout",)),
    Case(
        "cpu-timer-tricks",
        run(
            "signal.signal(signal.SIGXCPU, signal.SIG_IGN)\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nsignal.setitimer(signal.ITIMER_REAL, 0)\nwhile True:\n    pass"
        ),
        expect=("timeout",),
    ),
    # --- output and files
    Case("stdout-flood-lines", run("while True:\n    print('x' * 1000)"), expect=("output_limit",)),
    Case("stdout-flood-no-newline", run("while True:\n    sys.stdout.write('x' * 65536)"), expect=("output_limit",)),
    Case("stderr-flood", run("while True:\n    sys.stderr.write('y' * 65536)"), expect=("output_limit",)),
    Case(
        "invalid-utf8-and-nul-output",
        "import sys\nsys.stdout.buffer.write(b'\\xff\\xfe\\x00abc\\x00\\n')\n",
        [{"kind": "stdio", "stdin": "", "stdout": "abc"}],
        expect=("failed",),
    ),
    Case(
        "invalid-utf8-stderr-then-crash",
        run("sys.stderr.buffer.write(b'\\xc3\\x28 \\x00 bad')\nsys.stderr.flush()\nraise RuntimeError('\\udcff')"),
    ),
    Case("huge-file", run("with open('/tmp/big', 'wb') as f:\n    while True:\n        f.write(b'z' * (1 << 20))")),
    Case(
        "fill-tmpfs-inodes",
        run("i = 0\nwhile True:\n    open(f'/tmp/f{i}', 'w').close()\n    i += 1"),
        # gVisor's tmpfs does not count inodes: the wall-clock limit ends it instead.
        expect={"runc": ("error",), "runsc": ("timeout",)},
    ),
    Case(
        "fill-dev-shm", run("with open('/dev/shm/big', 'wb') as f:\n    while True:\n        f.write(b'z' * (1 << 20))")
    ),
    # --- filesystem escape
    Case("write-root-fs", run("open('/etc/passwd', 'a').write('evil::0:0::/:/bin/sh\\n')")),
    Case("write-etc-hosts", run("open('/etc/hosts', 'a').write('6.6.6.6 pypi.org\\n')")),
    Case("write-stdlib", run("import json\nopen(json.__file__, 'a').write('raise SystemExit')")),
    Case("overwrite-harness", run("open('/opt/proctor/supervisor.py', 'w').write('')")),
    Case(
        "symlinks-to-host-paths",
        run(
            "for i, target in enumerate(['/etc/shadow', '/proc/1/root', '/var/run/docker.sock', '/']):\n    os.symlink(target, f'/tmp/link{i}')\nos.symlink('/opt/proctor', '/dev/shm/harness')"
        ),
        expect=("passed",),
    ),
    Case("docker-socket-absent", run("os.stat('/var/run/docker.sock')")),
    # --- network and secrets
    Case("internet", run("socket.create_connection(('1.1.1.1', 443), timeout=2)")),
    Case("dns", run("socket.getaddrinfo('pypi.org', 443)")),
    Case("cloud-metadata", run("socket.create_connection(('169.254.169.254', 80), timeout=2)")),
    Case("gateway-port", run("socket.create_connection(('127.0.0.1', GATEWAY_PORT), timeout=2)")),
    Case("redis-port", run("socket.create_connection(('127.0.0.1', REDIS_PORT), timeout=2)")),
    Case("docker-bridge-gateway", run("socket.create_connection(('172.17.0.1', GATEWAY_PORT), timeout=2)")),
    Case(
        "environment-secrets",
        "import os\nprint(sorted(os.environ.items()))\nprint(open('/proc/1/environ', 'rb').read() if os.access('/proc/1/environ', os.R_OK) else '')\n",
        [{"kind": "stdio", "stdin": "", "stdout": "SECRET_VALUE"}],
        expect=("failed",),
    ),
    # --- processes
    Case(
        "kill-supervisor",
        WRONG_ADD + "import os, signal, time\nos.kill(1, signal.SIGKILL)\ntime.sleep(0.3)\n",
        ADD_TESTS,
        expect={"runc": ("failed", "failed"), "runsc": ("error", "error")},
    ),
    Case(
        "kill-parent",
        WRONG_ADD + "import os, signal, time\nos.kill(os.getppid(), signal.SIGKILL)\ntime.sleep(0.3)\n",
        ADD_TESTS,
        expect={"runc": ("failed", "failed"), "runsc": ("error", "error")},
    ),
    Case(
        "stop-supervisor",
        WRONG_ADD + "import os, signal\nos.kill(1, signal.SIGSTOP)\n",
        ADD_TESTS,
        expect={"runc": ("failed", "failed"), "runsc": ("timeout", "timeout")},
    ),
    Case(
        "kill-everything",
        run("if os.fork() == 0:\n    time.sleep(60)\nos.kill(-1, signal.SIGKILL)\ntime.sleep(0.2)"),
        expect=("passed",),
    ),
    Case(
        "zombie-pile",
        run("for _ in range(30):\n    if os.fork() == 0:\n        os._exit(0)\ntime.sleep(0.2)"),
        expect=("passed",),
        limits={"test_time_s": 4},  # forks are slow under gVisor's ptrace platform
    ),
    Case("setuid-root", run("os.setuid(0)")),
    Case(
        "unshare-namespaces",
        run(
            "libc = ctypes.CDLL(None, use_errno=True)\nif libc.unshare(0x10000000 | 0x00020000) == 0:\n    raise SystemError('unshare worked')"
        ),
        # gVisor grants namespaces inside its own guest kernel (contained by the Sentry); runc refuses.
        expect={"runc": ("passed",), "runsc": ("error",)},
    ),
    Case(
        "mount-tmpfs",
        run(
            "libc = ctypes.CDLL(None, use_errno=True)\nif libc.mount(b'none', b'/tmp', b'tmpfs', 0, None) == 0:\n    raise SystemError('mount worked')"
        ),
        expect=("passed",),
    ),
    Case(
        "ptrace-supervisor",
        run(
            "libc = ctypes.CDLL(None, use_errno=True)\nif libc.ptrace(16, 1, 0, 0) == 0:\n    raise SystemError('attached to PID 1')"
        ),
        expect=("passed",),
    ),
    Case("read-supervisor-memory", run("open('/proc/1/mem', 'rb').read(1)")),
    # The supervisor's channel to the worker is a socket: /proc cannot reopen it (gVisor let a test
    # reopen the attach stream it replaced), and its path is gone before the first job. Were a
    # forged line ever to arrive, the missing token would make it `error`, never a pass.
    Case(
        "forge-reply-on-supervisor-stdout",
        WRONG_ADD
        + 'import os\ntry:\n    fd = os.open(\'/proc/1/fd/1\', os.O_WRONLY)\n    os.write(fd, b\'{"token": "x", "compile": {"ok": true}, "tests": [{"status": "passed"}]}\\n\')\nexcept OSError:\n    pass\n',
        ADD_TESTS,
        expect=("failed", "failed"),
    ),
    Case(
        "forge-reply-on-worker-socket",
        WRONG_ADD
        + "import os, socket\nif os.path.exists('/run/proctor/supervisor.sock'):\n    raise RuntimeError('left behind')\n"
        + "s = socket.socket(socket.AF_UNIX)\n"
        + "try:\n    s.connect('/run/proctor/supervisor.sock')\n    s.sendall(b'{\"token\": \"x\"}\\n')\nexcept OSError:\n    pass\n",
        ADD_TESTS,
        expect=("failed", "failed"),
    ),
    Case(
        "steal-token-and-forge-reply",
        WRONG_ADD + FORGE_WITH_STOLEN_TOKEN,
        ADD_TESTS,
        expect=("failed", "failed"),
    ),
    Case(
        "inject-job-on-supervisor-stdin",
        WRONG_ADD
        + "import os\ntry:\n    fd = os.open('/proc/1/fd/0', os.O_WRONLY)\n    os.write(fd, b'{\"token\": \"x\"}\\n')\nexcept OSError:\n    pass\n",
        ADD_TESTS,
        expect=("failed", "failed"),
    ),
    # --- crashes
    Case("ctypes-segfault", run("ctypes.string_at(0)")),
    Case(
        "recursion-past-c-stack",
        run(
            "import json\nsys.setrecursionlimit(10 ** 7)\nnested = []\nfor _ in range(10 ** 6):\n    nested = [nested]\njson.dumps(nested)"
        ),
    ),
    Case("abort", run("os.abort()")),
    Case(
        "close-standard-fds",
        "import os\nfor fd in (0, 1, 2):\n    os.close(fd)\n" + "def add(a, b):\n    return a + b\n",
        ADD_TESTS,
        expect=("passed", "passed"),
    ),
    Case(
        "close-result-fd",
        "import os\nos.close(3)\n" + "def add(a, b):\n    return a + b\n",
        ADD_TESTS,
        expect=("error", "error"),
    ),
    Case("read-stdin-forever", run("while True:\n    sys.stdin.read()"), expect=("timeout",)),
    Case("read-stdin-eof", run("input()")),
    # --- reward hacks
    Case("exit-zero-at-import", "import sys\nsys.exit(0)\n" + WRONG_ADD, ADD_TESTS, expect=("error", "error")),
    Case(
        "os-exit-zero-in-function", "import os\ndef add(a, b):\n    os._exit(0)\n", ADD_TESTS, expect=("error", "error")
    ),
    Case(
        "keyboard-interrupt-in-function",
        "def add(a, b):\n    raise KeyboardInterrupt\n",
        ADD_TESTS,
        expect=("error", "error"),
    ),
    Case(
        "fake-success-markers",
        WRONG_ADD + "import sys\nprint('PASSED 2/2')\nprint('{\"status\": \"passed\"}')\nsys.stderr.write('OK\\n')\n",
        ADD_TESTS,
        expect=("failed", "failed"),
    ),
    Case(
        "forge-result-record",
        WRONG_ADD + f"import os\nos.write(3, b'{FAKE_RECORD}')\n",
        ADD_TESTS,
        expect=("error", "error"),
    ),
    Case(
        "forge-record-then-exit",
        WRONG_ADD + f"import os\nos.write(3, b'{FAKE_RECORD}')\nos._exit(0)\n",
        ADD_TESTS,
        expect=("error", "error"),
    ),
    Case(
        "patch-harness-modules",
        WRONG_ADD
        + 'import json, os\njson.dumps = lambda *a, **k: \'{"status": "passed"}\'\nos.write = lambda fd, data: len(data)\n',
        ADD_TESTS,
        expect=("failed", "failed"),
    ),
    Case(
        "atexit-handler",
        WRONG_ADD + f"import atexit, os\natexit.register(lambda: os.write(3, b'{FAKE_RECORD}'))\n",
        ADD_TESTS,
        expect=("failed", "failed"),
    ),
    Case(
        "always-equal-return",
        "class Yes:\n    def __eq__(self, other):\n        return True\n    __hash__ = None\ndef add(a, b):\n    return Yes()\n",
        [ADD_TESTS[1]],
        expect=("failed",),
    ),
    Case(
        "int-subclass-lying-eq",
        "class Int(int):\n    def __eq__(self, other):\n        return True\ndef add(a, b):\n    return Int(0)\n",
        [ADD_TESTS[1]],
        expect=("failed",),
    ),
]
