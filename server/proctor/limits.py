"""Resource limits: defaults, clamping to the server's maxima, and the outer deadline they imply."""

from proctor.config import Settings

OUTER_MARGIN_S = 5.0


def resolve(requested: dict | None, settings: Settings) -> dict:
    """Fill in defaults and clamp each value to the configured maximum."""
    requested = requested or {}

    def pick(name: str):
        value = requested.get(name)
        default, maximum = getattr(settings, f"default_{name}"), getattr(settings, f"max_{name}")
        return min(default if value is None else value, maximum)

    limits = {name: pick(name) for name in ("time_s", "test_time_s", "memory_mb", "output_kb")}
    limits["test_time_s"] = min(limits["test_time_s"], limits["time_s"])
    return limits


def outer_budget(limits: dict, load_stretch: float) -> float:
    """How long the worker waits for the sandbox before it acts from outside: the job's own
    budget and the compile step's, as far as waiting for a CPU may stretch them, and a margin for
    the round trip."""
    return (limits["time_s"] + min(limits["test_time_s"], 10.0)) * load_stretch + OUTER_MARGIN_S
