"""JSON responses encoded with orjson: verdicts are built as plain dicts, so no model pass is needed."""

from starlette.responses import Response

from proctor import wire


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return wire.dumps(content)
