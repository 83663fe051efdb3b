"""Exceptions raised (or, for batch items, returned) by the Proctor client.

The server never disguises an infrastructure failure as a verdict, and neither
does the client: every such failure surfaces as one of these, so a trainer can
retry or mask the sample instead of learning from a false zero reward.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ProctorError", "ProctorHTTPError", "ProctorUnavailable"]


class ProctorError(Exception):
    """Base class for everything this client raises (also: malformed server replies)."""


class ProctorHTTPError(ProctorError):
    """An error answer from the server, parsed from its ``{"error": {...}}`` body.

    ``status_code`` is ``None`` for an error that arrived as one item of a batch
    (the batch itself succeeded) or for a connection failure.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: str | None = None,
        field: str | None = None,
        retry_after_s: float | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.code = code
        self.field = field
        self.retry_after_s = retry_after_s
        #: The decoded error body (or text) as received, for forward compatibility.
        self.body = body

    @property
    def retryable(self) -> bool:
        """Whether trying the same request later may succeed (overload / no sandbox)."""
        return self.status_code in (429, 503) or self.retry_after_s is not None

    def __str__(self) -> str:
        parts = [str(self.status_code)] if self.status_code is not None else []
        if self.code:
            parts.append(self.code)
        head = " ".join(parts)
        text = f"{head}: {self.message}" if head else self.message
        if self.field:
            text += f" (field: {self.field})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code!r}, code={self.code!r}, "
            f"message={self.message!r}, field={self.field!r}, "
            f"retry_after_s={self.retry_after_s!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only constructor args break default exception pickling; trainers
        # often ship results across processes (multiprocessing, Ray), so keep it picklable.
        return (
            _rebuild,
            (
                type(self),
                self.message,
                {
                    "status_code": self.status_code,
                    "code": self.code,
                    "field": self.field,
                    "retry_after_s": self.retry_after_s,
                    "body": self.body,
                },
            ),
        )


class ProctorUnavailable(ProctorHTTPError):
    """The service could not do the work even after retries (429, 503, or no connection).

    The sample was not scored: retry later or mask it, never count it as a zero.
    """


def _rebuild(cls: type[ProctorHTTPError], message: str, kwargs: dict[str, Any]) -> Any:
    return cls(message, **kwargs)
