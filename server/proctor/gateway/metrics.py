"""Prometheus metrics of the gateway, plus queue and worker gauges read from Redis at scrape time."""

import time

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry()
REQUESTS = Counter("proctor_http_requests", "HTTP requests", ["route", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "proctor_http_request_seconds",
    "HTTP request latency",
    ["route"],
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
VERDICTS = Counter("proctor_verdicts", "Scored submissions by category", ["category"], registry=REGISTRY)
CACHE = Counter("proctor_cache", "Verdict cache lookups", ["outcome"], registry=REGISTRY)
FAILURES = Counter("proctor_failures", "Submissions answered with an error", ["code"], registry=REGISTRY)
KNOWN_ROUTES = frozenset(
    {"/v1/score", "/v1/score/batch", "/healthz", "/readyz", "/v1/info", "/metrics", "/docs", "/openapi.json"}
)


class QueueCollector:
    """Reads the queue depth and the live pool from Redis only when Prometheus scrapes."""

    def __init__(self, dispatcher):
        self.dispatcher = dispatcher

    def collect(self):
        try:
            depth, workers = self.dispatcher.queue.count, self.dispatcher.live_workers()
        except Exception:
            return
        yield GaugeMetricFamily("proctor_queue_depth", "Jobs waiting in the RQ queue", value=depth)
        yield GaugeMetricFamily("proctor_workers", "Workers with a live sandbox pool", value=len(workers))
        slots = sum(w.get("slots", 0) for w in workers)
        yield GaugeMetricFamily("proctor_sandbox_slots", "Warm sandboxes across workers", value=slots)


class MetricsMiddleware:
    """Counts every request by route and status, as a plain ASGI middleware (cheap on the hot path)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        route = scope["path"] if scope["path"] in KNOWN_ROUTES else "other"
        start, status = time.perf_counter(), 500

        async def record(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record)
        finally:
            REQUESTS.labels(route, str(status)).inc()
            LATENCY.labels(route).observe(time.perf_counter() - start)
