"""Thin Python client for the Proctor code-execution and reward server.

Only dependency: httpx. See ``ProctorClient`` / ``AsyncProctorClient``.
"""

from ._core import BatchItem
from ._version import __version__
from .client import AsyncProctorClient, ProctorClient
from .errors import ProctorError, ProctorHTTPError, ProctorUnavailable
from .models import (
    CATEGORIES,
    TEST_STATUSES,
    CompileInfo,
    ErrorInfo,
    ScoreResult,
    TestResult,
    Timing,
)

__all__ = [
    "CATEGORIES",
    "TEST_STATUSES",
    "AsyncProctorClient",
    "BatchItem",
    "CompileInfo",
    "ErrorInfo",
    "ProctorClient",
    "ProctorError",
    "ProctorHTTPError",
    "ProctorUnavailable",
    "ScoreResult",
    "TestResult",
    "Timing",
    "__version__",
]
