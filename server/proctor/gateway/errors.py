"""The contract's error body, `{"error": {code, message, field?, retry_after_s?}}`, for every failure."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException

from proctor.gateway.responses import JSONBytes

JSON_ERRORS = {"json_invalid", "missing"}  # `missing` at the body root: no JSON at all
UNION_TAGS = {"assert", "call", "stdio"}


class ApiError(Exception):
    """Raised anywhere in the gateway; rendered as the contract's error body."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None, retry_after_s=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.field, self.retry_after_s = field, retry_after_s

    def body(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        if self.retry_after_s is not None:
            error["retry_after_s"] = self.retry_after_s
        return {"error": error}

    def response(self) -> JSONBytes:
        headers = {"Retry-After": str(max(1, round(self.retry_after_s)))} if self.retry_after_s else None
        return JSONBytes(self.body(), status_code=self.status, headers=headers)


def error_from_reply(error: dict) -> ApiError:
    """An error a worker pushed for one item (sandbox down, deadline passed, worker lost)."""
    return ApiError(error.get("status", 503), error["code"], error["message"], None, error.get("retry_after_s"))


def field_path(loc: tuple) -> str:
    """`("body", "tests", 0, "call", "expected")` → `tests.0.expected`: the name a caller sent."""
    parts = [str(p) for i, p in enumerate(loc) if not (i == 0 and p == "body")]
    parts = [p for i, p in enumerate(parts) if not (p in UNION_TAGS and i > 0 and parts[i - 1].isdigit())]
    return ".".join(parts)


def validation_error(exc: RequestValidationError) -> ApiError:
    first = exc.errors()[0]
    loc = tuple(first.get("loc", ()))
    if first["type"] == "json_invalid" or (first["type"] in JSON_ERRORS and loc == ("body",)):
        return ApiError(400, "invalid_json", f"the body is not valid JSON: {first.get('msg')}", "body")
    field = field_path(loc)
    if first["type"] == "union_tag_invalid":
        field = f"{field}.kind" if field else "kind"
    message = f"{field or 'body'}: {first['msg']}"
    if len(exc.errors()) > 1:
        message += f" (and {len(exc.errors()) - 1} more)"
    return ApiError(422, "invalid_request", message, field or "body")


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError):
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError):
        return validation_error(exc).response()

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException):
        if exc.status_code == 400:  # FastAPI could not decode the body at all (e.g. invalid UTF-8)
            return ApiError(400, "invalid_json", f"the body is not valid JSON: {exc.detail}", "body").response()
        code = {404: "not_found", 405: "method_not_allowed", 413: "body_too_large"}.get(exc.status_code)
        return ApiError(exc.status_code, code or f"http_{exc.status_code}", str(exc.detail)).response()
