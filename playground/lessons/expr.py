"""The lessons' small expression language: answer keys, claims and the explanation's derived numbers.

An expression is a Python expression over a run's facts, restricted to what a lesson needs: numbers, strings,
names of facts (``train_loss``, ``g``…), racer or variant ids (``adam``), indexing (``g[0]``, ``train_loss[adam]``:
a bare name in brackets is an id, as in a ``str.format`` placeholder), calls of the registered functions
(``race_winner()``, ``forward_value(1, 0)``), arithmetic, comparisons, ``and``/``or``/``not`` and ``a if c else b``.
Nothing else parses: no attributes, no lambdas, no comprehensions, so a lesson file can compute but not act.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

MAX_LENGTH = 300


class ExprError(ValueError):
    """An expression that does not parse or names something unknown (the message is one line)."""


@dataclass(frozen=True)
class Function:
    """A function an expression may call: `fn(result, *args)`; `kinds`: the run kinds it works on; `returns`:
    what kind of answer it gives (id, ids, layer, neuron, number, point), for checking a key against its question."""

    fn: Callable[..., Any]
    kinds: frozenset[str]
    min_args: int
    max_args: int
    returns: str
    doc: str


BIN = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}
CMP = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
MATH: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "log10": math.log10,
    "sqrt": math.sqrt,
    "len": len,
    "round": round,
}


def parse(text: Any) -> ast.expr:
    if not isinstance(text, str) or not text.strip():
        raise ExprError("must be an expression (text)")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"longer than {MAX_LENGTH} characters")
    try:
        return ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ExprError(f"not an expression ({e.msg}): {text!r}") from None


def check(text: Any, names: set[str], ids: set[str], functions: Mapping[str, Function], kind: str) -> ast.expr:
    """Parse and check an expression statically: every node allowed, every name a fact (of this run kind), an
    id or a number defined before, every function registered for this run kind with a fitting number of
    arguments. Returns the tree."""
    tree = parse(text)

    def walk(n: ast.AST) -> None:
        if isinstance(n, ast.Constant):
            if not isinstance(n.value, (int, float, str, bool)) or n.value is None:
                raise ExprError(f"unsupported constant {n.value!r}")
        elif isinstance(n, ast.Name):
            if n.id not in names and n.id not in ids and n.id not in ("True", "False"):
                raise ExprError(f"unknown name {n.id!r} (facts of a {kind} run: {', '.join(sorted(names))})")
        elif isinstance(n, ast.Subscript):
            walk(n.value)
            i = n.slice
            if isinstance(i, ast.Name):  # an id, as in a format placeholder
                if i.id not in ids:
                    raise ExprError(
                        f"[{i.id}]: a name in brackets is a racer's or variant's id"
                        + (f" ({', '.join(sorted(ids))})" if ids else " (this run has none)")
                        + "; to index by a fact, compute: g[layers - 1]"
                    )
                return
            if isinstance(i, (ast.Slice, ast.Tuple)):
                raise ExprError("an index is a whole number or an id, e.g. g[0], g[-1] or train_loss[adam]")
            walk(i)  # a number computed from facts: g[layers - 1]
        elif isinstance(n, ast.Call):
            if not isinstance(n.func, ast.Name) or n.keywords:
                raise ExprError("a call is name(arguments), without keywords")
            name = n.func.id
            if name in MATH:
                for a in n.args:
                    walk(a)
                return
            f = functions.get(name)
            if f is None:
                raise ExprError(f"unknown function {name!r}")
            if kind not in f.kinds:
                raise ExprError(f"{name}() needs a {' or '.join(sorted(f.kinds))} run, not {kind}")
            if not f.min_args <= len(n.args) <= f.max_args:
                want = f"{f.min_args}" if f.min_args == f.max_args else f"{f.min_args}–{f.max_args}"
                raise ExprError(f"{name}() takes {want} arguments, got {len(n.args)}")
            for a in n.args:
                walk(a)
        elif isinstance(n, ast.BinOp):
            if type(n.op) not in BIN:
                raise ExprError(f"unsupported operator {type(n.op).__name__}")
            walk(n.left)
            walk(n.right)
        elif isinstance(n, ast.UnaryOp):
            if not isinstance(n.op, (ast.USub, ast.UAdd, ast.Not)):
                raise ExprError(f"unsupported operator {type(n.op).__name__}")
            walk(n.operand)
        elif isinstance(n, ast.BoolOp):
            for v in n.values:
                walk(v)
        elif isinstance(n, ast.Compare):
            if any(type(op) not in CMP for op in n.ops):
                raise ExprError("unsupported comparison")
            walk(n.left)
            for c in n.comparators:
                walk(c)
        elif isinstance(n, ast.IfExp):
            walk(n.test)
            walk(n.body)
            walk(n.orelse)
        elif isinstance(n, (ast.List, ast.Tuple)):
            for e in n.elts:
                walk(e)
        else:
            raise ExprError(f"{type(n).__name__} is not allowed in a lesson expression")

    walk(tree)
    return tree


def returns(tree: ast.expr, functions: Mapping[str, Function]) -> str | None:
    """What a key expression gives when it is one registered call; None when it is a general expression."""
    if isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name) and tree.func.id in functions:
        return functions[tree.func.id].returns
    return None


def evaluate(tree: ast.expr, env: Mapping[str, Any], ids: set[str], call: Callable[[str, list], Any]) -> Any:
    """Evaluate a checked tree: names from `env` (a fact, a derived number), else an id (its text); `call` runs
    a registered function with evaluated arguments."""

    def name(n: ast.Name) -> Any:
        if n.id in ("True", "False"):
            return n.id == "True"
        if n.id in ids:
            return n.id
        return env[n.id]

    def ev(n: ast.AST) -> Any:
        if isinstance(n, ast.Constant):
            return n.value
        if isinstance(n, ast.Name):
            return name(n)
        if isinstance(n, ast.Subscript):
            base = ev(n.value)
            i = n.slice
            key = i.id if isinstance(i, ast.Name) else ev(i)
            return base[key]
        if isinstance(n, ast.Call):
            fname = n.func.id  # type: ignore[attr-defined]
            if fname in MATH:
                return MATH[fname](*[ev(a) for a in n.args])
            return call(fname, n.args)
        if isinstance(n, ast.BinOp):
            return BIN[type(n.op)](ev(n.left), ev(n.right))
        if isinstance(n, ast.UnaryOp):
            v = ev(n.operand)
            return (not v) if isinstance(n.op, ast.Not) else (-v if isinstance(n.op, ast.USub) else +v)
        if isinstance(n, ast.BoolOp):
            if isinstance(n.op, ast.And):
                out: Any = True
                for v in n.values:
                    out = ev(v)
                    if not out:
                        return out
                return out
            out = False
            for v in n.values:
                out = ev(v)
                if out:
                    return out
            return out
        if isinstance(n, ast.Compare):
            left = ev(n.left)
            for op, c in zip(n.ops, n.comparators, strict=True):
                right = ev(c)
                if not CMP[type(op)](left, right):
                    return False
                left = right
            return True
        if isinstance(n, ast.IfExp):
            return ev(n.body) if ev(n.test) else ev(n.orelse)
        if isinstance(n, ast.List):
            return [ev(e) for e in n.elts]
        if isinstance(n, ast.Tuple):
            return tuple(ev(e) for e in n.elts)
        raise ExprError(f"{type(n).__name__} is not allowed")  # checked before: never reached

    return ev(tree)
