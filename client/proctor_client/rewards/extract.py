"""Getting the program out of a model's completion, as trainers hand it over.

Chat models wrap code in Markdown fences and chat trainers pass message lists, so a reward that
ran the raw text would mostly score Markdown syntax errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["completion_text", "extract_code"]

# An opening fence with an optional info string, then everything up to a closing fence or the end
# (a completion cut off at the token limit often has no closing fence).
_FENCE = re.compile(
    r"^[ \t]*```[ \t]*([^\n`]*)\n(.*?)(?:^[ \t]*```[ \t]*$|\Z)", re.DOTALL | re.MULTILINE
)
_ALIASES = {"python": {"python", "py", "python3"}}


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, one message, or a conversation (the last assistant
    message, as TRL passes conversational completions)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, Mapping):
        return _content(completion.get("content"))
    if isinstance(completion, Sequence):
        messages = [m for m in completion if isinstance(m, Mapping)]
        assistant = [m for m in messages if m.get("role") == "assistant"]
        chosen = assistant or messages
        return _content(chosen[-1].get("content")) if chosen else ""
    raise TypeError(f"cannot read a completion of type {type(completion).__name__}")


def _content(content: Any) -> str:
    """Message content: a string, or a list of typed parts (only the text parts count)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "".join(
        p.get("text", "") for p in content if isinstance(p, Mapping) and p.get("type") == "text"
    )


def extract_code(completion: Any, language: str = "python") -> str:
    """The code to grade: the last fenced block tagged with ``language`` (``py`` and ``python3``
    count as Python), else the last fenced block of any kind, else the whole text."""
    text = completion_text(completion)
    blocks = [(m.group(1).strip().lower(), m.group(2)) for m in _FENCE.finditer(text)]
    if not blocks:
        return text
    names = _ALIASES.get(language, {language})
    tagged = [code for tag, code in blocks if (tag.split() or [""])[0] in names]
    return (tagged or [code for _, code in blocks])[-1]
