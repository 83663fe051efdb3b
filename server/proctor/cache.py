"""The verdict cache: a resubmitted submission is answered from Redis without running again.

The key covers everything that can change a verdict: the whole resolved request (language, code,
tests with their expected values, limits after clamping, reward scheme, stop_on_first_failure, isolation,
timing_repeats) and the sandboxes that run it (image digest and container runtime). Workers
write, gateways read.
"""

import hashlib

from proctor import wire

NOT_IN_KEY = ("cache",)


def cache_key(request: dict, sandboxes: list[str]) -> str:
    material = {k: v for k, v in request.items() if k not in NOT_IN_KEY}
    digest = hashlib.sha256(wire.dumps([material, sorted(sandboxes)], sort_keys=True))
    return f"proctor:cache:{digest.hexdigest()}"


def encode(result: dict) -> bytes:
    return wire.dumps(result)


def decode_hit(raw: bytes, new_id: str, total_ms: float) -> dict:
    """A stored response, re-addressed to the request that hit it."""
    result = wire.loads(raw)
    result.update(id=new_id, cached=True, timing={"queue_ms": 0.0, "run_ms": 0.0, "total_ms": total_ms})
    return result
