"""JSON between Proctor's components and to callers: orjson where it can, the standard library where
a value is beyond orjson (integers past 64 bits, lone surrogates), so a candidate's big return value
is a verdict like any other rather than an encoding failure."""

import json

import orjson


def dumps(value, sort_keys: bool = False) -> bytes:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, a lone surrogate
        return json.dumps(value, separators=(",", ":"), sort_keys=sort_keys).encode()


def loads(data: bytes | str):
    """Always the standard library: orjson would turn integers beyond 64 bits into floats."""
    return json.loads(data)
