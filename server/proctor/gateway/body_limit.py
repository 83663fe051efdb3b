"""Enforce the body-size limit before the body is read, answering with the contract's error body.

A declared Content-Length over the limit is refused before a byte of the body is read; a body
without one (chunked) is counted as it streams in and cut off once it passes the limit.
"""

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from proctor.gateway.errors import ApiError


class BodyLimit:
    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            error = ApiError(413, "body_too_large", f"the body is over {self.max_bytes} bytes", "body")
            return await error.response()(scope, receive, send)
        received = 0

        async def counted():
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                # FastAPI re-raises HTTPExceptions from body reading; our handler renders it.
                raise HTTPException(413, f"the body is over {self.max_bytes} bytes")
            return message

        await self.app(scope, counted, send)
