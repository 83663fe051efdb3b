"""The reply token cannot be found in a test's memory, which is a copy of the supervisor's.

Should candidate code ever find a way onto the supervisor's channel to the worker (before it was
a socket, gVisor let a test reopen /proc/1/fd/1), this token is all that tells the worker a forged
reply from the real one. The probe scans every readable page of its own process for 32-hex-digit
strings: it finds its own marker (so the scan works) and must not find the token the worker sent
with the job.
"""

import secrets
import time

import pytest
from proctor.config import Settings
from proctor.worker.sandbox import SandboxPool

PROBE = r"""
import ctypes, re, secrets
marker = secrets.token_hex(16)
found = set()
for line in open('/proc/self/maps'):
    parts = line.split()
    lo, hi = (int(x, 16) for x in parts[0].split('-'))
    if parts[1][0] != 'r' or (len(parts) > 5 and parts[5].startswith('[v')) or hi - lo > 1 << 29:
        continue
    found.update(m.group().decode() for m in re.finditer(rb'[0-9a-f]{32}', ctypes.string_at(lo, hi - lo)))
print(marker in found)
print(' '.join(sorted(found)))
"""
LIMITS = {"time_s": 30, "test_time_s": 30, "memory_mb": 512, "output_kb": 1024}


@pytest.mark.parametrize("runtime", ["runc", "runsc"])
def test_the_reply_token_is_not_in_a_tests_memory(runtime):
    pool = SandboxPool(Settings(runtime=runtime, max_output_kb=1024), 1)
    try:
        box = pool.acquire(10)
        for _ in range(2):  # the second job runs after the supervisor held a first token
            token = secrets.token_hex(16)
            job = {"code": PROBE, "limits": LIMITS, "tests": [{"kind": "stdio", "stdin": ""}]}
            reply = box.run({**job, "stop_on_first_failure": False, "timing_repeats": 1}, token, time.monotonic() + 60)
            assert reply["token"] == token
            scan_worked, _, hexes = reply["tests"][0]["stdout"].partition("\n")
            assert scan_worked == "True"
            assert token not in hexes
    finally:
        pool.close()
