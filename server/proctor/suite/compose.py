"""The seeded composer: chains of atomic functions whose types match, and combinations `f(g(x), h(x))`.

A composition is an expression tree over one input `x`. Its prompt describes every step in the words
of the atomic functions' own descriptions; its reference completion nests those functions' sources
inside the synthetic function and evaluates the steps in the same order.
"""

import random
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

from proctor.suite.spec import Atomic
from proctor.suite.types import base, fits

INPUT = "x"
Expr = Union["Call", str]  # a Call, or INPUT


@dataclass(frozen=True)
class Call:
    atomic: Atomic
    args: tuple[Expr, ...]

    @property
    def key(self) -> str:
        return f"{self.atomic.name}({', '.join(a if isinstance(a, str) else a.key for a in self.args)})"

    @property
    def depth(self) -> int:
        return 1 + max(0 if isinstance(a, str) else a.depth for a in self.args)

    def calls(self) -> list["Call"]:
        """Distinct sub-calls in evaluation order (arguments before the call that uses them)."""
        seen: dict[str, Call] = {}
        for arg in self.args:
            if not isinstance(arg, str):
                for call in arg.calls():
                    seen.setdefault(call.key, call)
        seen.setdefault(self.key, self)
        return list(seen.values())


@dataclass(frozen=True)
class Composition:
    name: str
    input_type: str
    root: Call

    @property
    def returns(self) -> str:
        return self.root.atomic.returns

    @property
    def atomics(self) -> list[Atomic]:
        """Each atomic function once, in order of first use."""
        found: dict[str, Atomic] = {}
        for call in self.root.calls():
            found.setdefault(call.atomic.name, call.atomic)
        return list(found.values())

    def entry(self) -> tuple[Atomic, int]:
        """The first atomic function that reads `x`, and where: its generator makes the inputs."""
        for call in self.root.calls():
            if INPUT in call.args:
                return call.atomic, call.args.index(INPUT)
        raise AssertionError("a composition reads its input")

    def _names(self) -> dict[str, str]:
        return {call.key: f"v{i}" for i, call in enumerate(self.root.calls(), 1)}

    @property
    def prompt(self) -> str:
        names, calls = self._names(), self.root.calls()
        lines = [f"Compute a value from x in {len(calls)} steps, then return the value of the last step.", ""]
        for i, call in enumerate(calls, 1):
            args = ", ".join(a if isinstance(a, str) else names[a.key] for a in call.args)
            params = ", ".join(f"{p}: {t}" for p, t in call.atomic.params)
            step = f"{i}. {names[call.key]} = {call.atomic.name}({args}), where {call.atomic.name}({params}) -> "
            step += f"{call.atomic.returns} does this: {call.atomic.description}"
            lines.append(textwrap.fill(step, 110, subsequent_indent="   "))
        doc = textwrap.indent("\n".join(lines), "    ")
        return f'def {self.name}(x: {self.input_type}) -> {self.returns}:\n    """{doc.lstrip()}\n    """\n'

    @property
    def reference(self) -> str:
        names = self._names()
        helpers = "\n".join(a.helper for a in self.atomics)
        steps = []
        for call in self.root.calls():
            args = ", ".join(a if isinstance(a, str) else names[a.key] for a in call.args)
            target = "return" if call.key == self.root.key else f"{names[call.key]} ="
            steps.append(f"    {target} {call.atomic.name}({args})\n")
        return helpers + "\n" + "".join(steps)


class Composer:
    """Draws random well-typed compositions from a pool of atomic functions; deterministic for its rng."""

    def __init__(self, rng: random.Random, pool: Sequence[Atomic]) -> None:
        self.rng = rng
        self.unary = [a for a in pool if a.arity == 1]
        self.binary = [a for a in pool if a.arity == 2]

    def chain_into(self, takes: str, length: int, used: set[str]) -> tuple[Expr, str] | None:
        """A chain of `length` unary calls whose result fits kind `takes`; with the kind of input it starts from."""
        if length == 0:
            return INPUT, takes
        options = [a for a in self.unary if fits(takes, a.gives) and a.name not in used]
        if not options:
            return None
        atomic = self.rng.choice(options)
        inner = self.chain_into(atomic.takes[0], length - 1, used | {atomic.name})
        if inner is None:
            return None
        return Call(atomic, (inner[0],)), inner[1]

    def chain_from(self, gives: str, takes: str, length: int, used: set[str]) -> Expr | None:
        """A chain of exactly `length` unary calls from an input of kind `gives` to a result that fits `takes`,
        found by a few random walks."""
        for _ in range(20):
            expr: Expr = INPUT
            current, names = gives, set(used)
            for _ in range(length):
                options = [a for a in self.unary if fits(a.takes[0], current) and a.name not in names]
                if not options:
                    break
                atomic = self.rng.choice(options)
                expr, current = Call(atomic, (expr,)), atomic.gives
                names.add(atomic.name)
            else:
                if fits(takes, current):
                    return expr
        return None

    def chain(self, depth: int) -> Call | None:
        top = self.rng.choice(self.unary)
        inner = self.chain_into(top.takes[0], depth - 1, {top.name})
        return None if inner is None else Call(top, (inner[0],))

    def combine(self, depth: int) -> Call | None:
        """`f(g(x), h(x))`: g has depth - 1 calls, h has up to as many, or is `x` itself when the types allow."""
        top = self.rng.choice(self.binary)
        first = self.chain_into(top.takes[0], depth - 1, {top.name})
        if first is None:
            return None
        left, input_kind = first
        if fits(top.takes[1], input_kind) and self.rng.random() < 0.3:
            return Call(top, (left, INPUT))
        used = {top.name} | ({c.atomic.name for c in left.calls()} if isinstance(left, Call) else set())
        right = self.chain_from(input_kind, top.takes[1], self.rng.randint(1, depth - 1), used)
        return None if right is None else Call(top, (left, right))

    def draw(self, depth: int, allow_combine: bool) -> tuple[Call, str] | None:
        """One composition of exactly `depth` levels, with its input type; None when this draw hit a dead end."""
        root = self.combine(depth) if allow_combine and self.rng.random() < 0.5 else self.chain(depth)
        if root is None or root.depth != depth:
            return None
        leaf = root
        while not isinstance(leaf.args[0], str):
            leaf = leaf.args[0]
        return root, base(leaf.atomic.takes[0])
