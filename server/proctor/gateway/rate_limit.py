"""Per-caller rate limit: submissions per minute, counted in Redis so every gateway shares it."""

import hashlib
import time

from redis import Redis

from proctor.gateway.errors import ApiError


class RateLimiter:
    """Fixed one-minute windows keyed by a hash of the caller (API key, or client address)."""

    def __init__(self, redis: Redis, per_minute: int):
        self.redis = redis
        self.per_minute = per_minute

    def charge(self, caller: str, submissions: int) -> None:
        now = time.time()
        window = int(now // 60)
        key = f"proctor:rate:{hashlib.sha256(caller.encode()).hexdigest()[:16]}:{window}"
        with self.redis.pipeline() as pipe:
            pipe.incrby(key, submissions)
            pipe.expire(key, 120)
            used, _ = pipe.execute()
        if used > self.per_minute:
            retry = round(60 - now % 60, 1)
            raise ApiError(429, "rate_limited", f"over {self.per_minute} submissions per minute", retry_after_s=retry)
