"""An atomic function: the reference implementation, read from its own source, plus its typed signature and inputs.

The prompt and the reference completion are cut from the real source with `ast`, so what ships is exactly
the code that was validated; the prompt is the signature and docstring (HumanEval style), the completion
is the body. Bodies import what they need, so each function stands alone and nests inside a composition.
"""

import ast
import inspect
import random
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from proctor.suite.types import DEFAULTS, Gen, type_name

REGISTRY: list["Atomic"] = []


@dataclass(frozen=True)
class Atomic:
    name: str
    topic: str
    params: tuple[tuple[str, str], ...]
    returns: str
    description: str
    prompt: str
    body: str
    helper: str
    edges: tuple[tuple[Any, ...], ...]
    gens: tuple[Gen, ...]
    takes: tuple[str, ...]  # the parameters' kinds: their types, narrowed to a string format where one is needed
    gives: str

    @property
    def arity(self) -> int:
        return len(self.params)

    def sample(self, rng: random.Random) -> list[Any]:
        return [gen(rng) for gen in self.gens]


def atomic(
    topic: str,
    edges: Sequence[tuple[Any, ...]],
    gens: Sequence[Gen] | None = None,
    formats: dict[str, str] | None = None,
) -> Callable:
    """Register the decorated function as an atomic function of `topic` with hand-picked edge-case inputs.

    `formats` narrows string parameters (by name) or the result ("return") to a format such as "date",
    so the composer only feeds a date parser with dates rather than with any string.
    """

    def register(fn: Callable) -> Callable:
        REGISTRY.append(spec_of(fn, topic, edges, gens, formats))
        return fn

    return register


def spec_of(
    fn: Callable,
    topic: str,
    edges: Sequence[tuple[Any, ...]],
    gens: Sequence[Gen] | None = None,
    formats: dict[str, str] | None = None,
) -> Atomic:
    """The atomic function that `fn`'s own source, signature and docstring define."""
    signature = inspect.signature(fn)
    params = tuple((p.name, type_name(p.annotation)) for p in signature.parameters.values())
    if len(edges) < 5 or any(len(e) != len(params) for e in edges):
        raise ValueError(f"{fn.__name__}: needs at least 5 edge cases with {len(params)} arguments each")
    lines = textwrap.dedent(inspect.getsource(fn)).splitlines()
    node = ast.parse("\n".join(lines)).body[0]
    if not isinstance(node, ast.FunctionDef) or ast.get_docstring(node) is None:
        raise ValueError(f"{fn.__name__}: an atomic function is a plain function with a docstring")
    def_start, body_start, doc_end = node.lineno - 1, node.body[0].lineno - 1, node.body[0].end_lineno
    body = "\n".join(lines[doc_end:]) + "\n"
    formats = formats or {}
    returns = type_name(signature.return_annotation)
    return Atomic(
        name=fn.__name__,
        topic=topic,
        params=params,
        returns=returns,
        description=" ".join(inspect.cleandoc(fn.__doc__).split()),
        prompt="\n".join(lines[def_start:doc_end]) + "\n",
        body=body,
        helper=textwrap.indent("\n".join(lines[def_start:body_start]) + "\n" + body, "    "),
        edges=tuple(tuple(e) for e in edges),
        gens=tuple(gens) if gens is not None else tuple(DEFAULTS[t] for _, t in params),
        takes=tuple(f"{t}:{formats[p]}" if p in formats else t for p, t in params),
        gives=f"{returns}:{formats['return']}" if "return" in formats else returns,
    )
