"""JSON responses encoded with orjson: verdicts are built as plain dicts, so no model pass is needed."""

import orjson
from starlette.responses import Response


class JSONBytes(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return orjson.dumps(content)
