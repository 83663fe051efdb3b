"""Admission of a submission: what the schema cannot check, and the server's limits applied."""

from proctor import limits
from proctor.config import Settings
from proctor.gateway.errors import ApiError
from proctor.schemas import ScoreRequest

LANGUAGES = ("python",)


def resolve(request: ScoreRequest, settings: Settings, field_prefix: str = "") -> dict:
    """Check server-side sizes and the language, fill in and clamp limits; returns a plain dict
    that travels to the worker as is."""
    if request.language not in LANGUAGES:
        raise ApiError(
            422,
            "unknown_language",
            f"language {request.language!r} is not available; GET /v1/info lists those that are",
            f"{field_prefix}language",
        )
    if len(request.code.encode()) > settings.max_code_kb * 1024:
        raise ApiError(413, "code_too_large", f"code is over {settings.max_code_kb} KB", f"{field_prefix}code")
    if len(request.tests) > settings.max_tests:
        raise ApiError(413, "too_many_tests", f"more than {settings.max_tests} tests", f"{field_prefix}tests")
    data = request.model_dump(exclude={"limits"})
    data["limits"] = limits.resolve(request.limits.model_dump() if request.limits else None, settings)
    data["timing_repeats"] = min(request.timing_repeats, settings.max_timing_repeats)
    return data
