"""What a dataset row carries for a reward: the tests, and optionally language and limits.

One format for every trainer (a TRL column, verl's ``ground_truth``, OpenRLHF's ``labels``):
a list of tests in the API's three kinds, or an object ``{"tests": [...], "language": ...,
"limits": {...}}``, or either one as a JSON string (how datasets usually store nested values).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["LABEL_FIELDS", "parse_label"]

#: Fields a label object may carry besides ``tests``; they are sent with the submission.
LABEL_FIELDS = ("language", "limits")


def parse_label(label: Any) -> dict[str, Any]:
    """The submission fields (``tests`` and any of ``LABEL_FIELDS``) a label stands for.

    Raises ``ValueError`` for a label that carries no tests: that is a dataset bug, and
    guessing a reward for it would hide it.
    """
    if isinstance(label, bytes | str):
        try:
            label = json.loads(label)
        except ValueError as exc:
            raise ValueError(f"label is not JSON: {str(label)[:80]!r}") from exc
    if isinstance(label, Mapping):
        fields = {k: label[k] for k in LABEL_FIELDS if label.get(k) is not None}
        tests = label.get("tests")
    else:
        fields, tests = {}, label
    if isinstance(tests, bytes | str):
        tests = json.loads(tests)
    if not isinstance(tests, Sequence) or isinstance(tests, str) or not tests:
        raise ValueError("a label needs a non-empty list of tests")
    if not all(isinstance(t, Mapping) for t in tests):
        raise ValueError("every test in a label must be an object with a 'kind'")
    return {"tests": [dict(t) for t in tests], **fields}
