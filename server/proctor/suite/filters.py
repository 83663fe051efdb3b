"""The composer's filters, decided from sandbox results alone: a composition is kept only if, on every
input, it finished in time, raised nothing, returned a value of its declared type that is not None, and
its outputs are not all the same."""

from collections.abc import Sequence

from proctor.suite.observe import UNSAFE, Outcome, canonical
from proctor.suite.types import conforms

REASONS = ("timeout", "error", "none", "type", "constant")


def screen(outcomes: Sequence[Outcome], returns: str) -> tuple[str, str] | None:
    """Why a composition is dropped, as (reason, detail), or None if it passes every filter."""
    checks = (
        ("timeout", lambda o: o.status == "timeout"),
        ("type", lambda o: o.status == "error" and o.detail.startswith(f"{UNSAFE}:")),
        ("error", lambda o: o.status != "returned"),
    )
    for reason, failed in checks:
        for o in outcomes:
            if failed(o):
                return reason, f"{o.status}: {o.detail}".rstrip(": ")
    if any(o.value is None for o in outcomes):
        return "none", "returned None"
    for o in outcomes:
        if not conforms(o.value, returns):
            return "type", f"returned {canonical(o.value)[:100]}, not {returns}"
    if len({canonical(o.value) for o in outcomes}) < 2:
        return "constant", f"always {canonical(outcomes[0].value)[:100]}"
    return None
