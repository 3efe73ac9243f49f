"""After the run: the answer key, the verdict on a student's answer, the explanation filled from the run's numbers,
and the claims check (does the run show what the lesson says?)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from playground.lessons import expr
from playground.lessons.errors import LessonError, Undefined
from playground.lessons.facts import FUNCTIONS, Num, RunResult, num
from playground.lessons.schema import Question, Step

LEFTOVER = re.compile(r"\{[A-Za-z_][^{}]*\}")  # a placeholder that was not filled


@dataclass(frozen=True)
class Attempt:
    """A student's answer to one step: open until `lock()` (the page locks it when the run starts; a locked
    attempt refuses a new answer)."""

    answer: Any = None
    locked: bool = False

    @property
    def answered(self) -> bool:
        return self.answer is not None

    def with_answer(self, answer: Any) -> Attempt:
        if self.locked:
            raise LessonError("the answer is locked: the run has started")
        return replace(self, answer=answer)

    def lock(self) -> Attempt:
        if self.answer is None:
            raise LessonError("answer first: the answer is locked when the run starts")
        return replace(self, locked=True)


@dataclass(frozen=True)
class Verdict:
    correct: bool
    expected: Any  # the key: an option id, a list of ids, a number, a layer index, (layer, neuron), (x, y)
    shown_expected_text: str  # the key as the student reads it, in the page's language
    answer: Any = None  # the student's answer, normalised
    shown_answer_text: str = ""


# ---- evaluating expressions over a run ------------------------------------------------------------------------
def _call(step: Step, result: RunResult, env: Mapping[str, Any]):
    ids = set(result.ids)

    def call(name: str, arg_nodes: list) -> Any:
        args = [expr.evaluate(a, env, ids, call) for a in arg_nodes]
        return FUNCTIONS[name].fn(result, *args)

    return call


def evaluate(step: Step, result: RunResult, text: str, extra: Mapping[str, Any] | None = None) -> Any:
    """An expression of the step (a key, a claim, a derived number) over this run; Undefined (naming the step)
    when the run does not define it."""
    if result.kind != step.run.kind:
        raise LessonError(f"{step.where}: the result is of a {result.kind} run, the step's run is {step.run.kind}")
    env: Mapping[str, Any] = _Chain(extra or {}, result.facts)
    tree = expr.parse(text)
    try:
        return expr.evaluate(tree, env, set(result.ids), _call(step, result, env))
    except Undefined as e:
        raise Undefined(f"{step.where}: {e}") from None
    except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
        raise Undefined(f"{step.where}: {text}: {type(e).__name__} {e}") from None


class _Chain(Mapping):
    def __init__(self, *maps: Mapping[str, Any]):
        self.maps = maps

    def __getitem__(self, key: str) -> Any:
        for m in self.maps:
            if key in m:
                return m[key]
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        seen: set[str] = set()
        for m in self.maps:
            for k in m:
                if k not in seen:
                    seen.add(k)
                    yield k

    def __len__(self) -> int:
        return sum(1 for _ in self)


def expected_answer(step: Step, result: RunResult) -> Any:
    """The answer key for this run: the fixed one, or the computed one (normalised to the question's kind)."""
    if step.answer.is_fixed:
        return step.answer.fixed
    v = evaluate(step, result, step.answer.computed)  # type: ignore[arg-type]
    try:
        return normalise(step.question, v)
    except LessonError as e:
        raise Undefined(f"{step.where}: the key {step.answer.computed} gave {v!r}: {e}") from None


# ---- answers --------------------------------------------------------------------------------------------------
def _float(v: Any) -> float:
    if isinstance(v, str):
        t = v.strip().replace("−", "-").replace("．", ".").replace("＋", "+").replace("－", "-").replace(" ", "")
        if "," in t and "." not in t and t.count(",") == 1:
            t = t.replace(",", ".")  # a decimal comma
        v = t
    if isinstance(v, bool):
        raise ValueError
    f = float(v)
    if not math.isfinite(f):
        raise ValueError
    return f


def normalise(q: Question, v: Any) -> Any:
    """An answer (from the page's widgets, or a key) in the question's own form; LessonError when it is not one."""
    k = q.kind
    try:
        if k == "choice":
            if v not in q.option_ids:
                raise ValueError
            return str(v)
        if k == "order":
            out = [str(x) for x in v]
            if sorted(out) != sorted(q.option_ids):
                raise ValueError
            return out
        if k == "number":
            return _float(v)
        if k == "layer":
            if isinstance(v, str):
                v = v.strip().upper().removeprefix("W")
            if isinstance(v, bool) or float(v) != int(v) or int(v) < 0:
                raise ValueError
            return int(v)
        if k == "neuron":
            l, j = v
            if any(isinstance(x, bool) or float(x) != int(x) or int(x) < 0 for x in (l, j)):
                raise ValueError
            return (int(l), int(j))
        x, y = v
        return (_float(x), _float(y))
    except (ValueError, TypeError, OverflowError):
        want = {
            "choice": f"one of {', '.join(q.option_ids)}",
            "order": f"every one of {', '.join(q.option_ids)} once, in order",
            "number": "a finite number",
            "layer": "a layer index 0, 1, … (W0, W1, …)",
            "neuron": "a (layer, neuron) pair of whole numbers",
            "point": "an (x, y) pair of numbers",
        }[k]
        raise LessonError(f"the answer must be {want}, got {str(v)[:40]!r}") from None


def _is_right(q: Question, answer: Any, key: Any) -> bool:
    if q.kind == "number":
        assert q.tolerance is not None
        kind, tol = q.tolerance
        return abs(answer - key) <= (tol if kind == "abs" else tol * abs(key)) * (1 + 1e-9)
    if q.kind == "point":
        assert q.radius is not None
        return math.hypot(answer[0] - key[0], answer[1] - key[1]) <= q.radius
    if q.kind == "order":
        return list(answer) == list(key)
    return answer == key


def neuron_name(l: int, j: int, sizes: tuple[int, ...] | None, features: tuple[str, ...] | None) -> str:
    """The network diagram's name of neuron (l, j): an input feature, h{l}·{j+1}, or out {j}."""
    if sizes is not None and l == len(sizes) - 1:
        return f"out {j}"
    if l == 0 and features is not None and j < len(features):
        return features[j]
    return f"h{l}·{j + 1}"


def shown(step: Step, value: Any, lang: str, result: RunResult | None = None, key: bool = True) -> str:
    """An answer or (`key`) the answer key as the student reads it; a number key with its tolerance."""
    q = step.question
    zh = lang == "zh"
    if q.kind == "choice":
        return q.option(value).text.get(lang)
    if q.kind == "order":
        return " > ".join(q.option(v).text.get(lang) for v in value)
    if q.kind == "number":
        text = f"{Num(value)}"
        if q.tolerance is None or not key:
            return text
        kind, tol = q.tolerance
        t = f"±{tol:g}" if kind == "abs" else f"±{tol * 100:g} %"
        return f"{text}（{t}）" if zh else f"{text} ({t})"
    if q.kind == "layer":
        return f"W{value}"
    if q.kind == "neuron":
        spec = None
        if result is not None:
            s = result.session or next(iter(result.sessions.values()), None)
            spec = s.spec if s is not None else None
        return neuron_name(value[0], value[1], spec.sizes if spec else None, spec.features if spec else None)
    return f"({value[0]:.2f}, {value[1]:.2f})"


def check(step: Step, answer: Any, result: RunResult, lang: str = "en") -> Verdict:
    """Right or wrong: the student's answer (or a locked `Attempt`) against the key of this run."""
    if isinstance(answer, Attempt):
        if not answer.locked:
            raise LessonError(f"{step.where}: the answer is not locked: lock it when the run starts")
        answer = answer.answer
    try:
        a = normalise(step.question, answer)
    except LessonError as e:
        raise LessonError(f"{step.where}: {e}") from None
    key = expected_answer(step, result)
    return Verdict(
        correct=_is_right(step.question, a, key),
        expected=key,
        shown_expected_text=shown(step, key, lang, result),
        answer=a,
        shown_answer_text=shown(step, a, lang, result, key=False),
    )


# ---- the explanation ------------------------------------------------------------------------------------------
class _OptionText(str):
    """An id among a question's options: a placeholder shows the option's text."""

    text: str

    def __format__(self, spec: str) -> str:
        return format(self.text, spec)


class _OptionList(list):
    def __format__(self, spec: str) -> str:
        return " > ".join(format(x, spec) for x in self)


class _View(Mapping):
    """The facts as an explanation shows them: ids as their options' texts."""

    def __init__(self, base: Mapping[str, Any], options: Mapping[str, str]):
        self.base, self.options = base, options

    def _wrap(self, v: Any) -> Any:
        if isinstance(v, str) and v in self.options:
            o = _OptionText(v)
            o.text = self.options[v]
            return o
        if isinstance(v, list) and v and all(isinstance(x, str) and x in self.options for x in v):
            return _OptionList(self._wrap(x) for x in v)
        if isinstance(v, (float, np.floating)) and not isinstance(v, Num):
            return num(v)
        if isinstance(v, np.integer):
            return int(v)
        return v

    def __getitem__(self, key: str) -> Any:
        return self._wrap(self.base[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self.base)

    def __len__(self) -> int:
        return len(self.base)


def numbers(step: Step, result: RunResult) -> dict[str, Any]:
    """The reveal's derived numbers, in order (a later one may use an earlier one)."""
    out: dict[str, Any] = {}
    for name, text in step.reveal.numbers:
        out[name] = evaluate(step, result, text, out)
    return out


def reveal(step: Step, result: RunResult, lang: str = "en") -> str:
    """The explanation in a language, its placeholders filled from this run's numbers (Markdown: the lesson's
    own text, numbers and option texts)."""
    options = {o.id: o.text.get(lang) for o in step.question.options}
    env = _Chain(
        numbers(step, result),
        {"expected": shown(step, expected_answer(step, result), lang, result, key=False), "option": options},
        result.facts,
    )
    template = step.reveal.text.get(lang)
    try:
        return template.format_map(_View(env, options))
    except (KeyError, IndexError, ValueError, TypeError) as e:
        raise LessonError(f"{step.where}: reveal.text.{lang}: {type(e).__name__} {e}") from None


# ---- the claims -----------------------------------------------------------------------------------------------
def verify(step: Step, result: RunResult) -> list[str]:
    """Everything the step says that this run must show; an empty list when it does: the key is defined (and
    is the one the lesson expects), every claim holds, the explanation fills in both languages."""
    problems = []
    if not result.as_authored:
        problems.append(f"{step.where}: the run did not start from the step's own configuration")
    key = None
    try:
        key = expected_answer(step, result)
    except Undefined as e:
        problems.append(str(e))
    a = step.answer
    if key is not None and not a.is_fixed and a.expect is not None:
        same = (
            _is_right(step.question, a.expect, key)
            if step.question.kind in ("number", "point")
            else normalise(step.question, a.expect) == key
        )
        if not same:
            problems.append(f"{step.where}: the key {a.computed} is {key!r}; the lesson expects {a.expect!r}")
    for c in step.claims:
        try:
            ok = evaluate(step, result, c)
        except Undefined as e:
            problems.append(f"{step.where}: claim {c!r}: {e}")
            continue
        if not (isinstance(ok, (bool, np.bool_)) and bool(ok)):
            problems.append(f"{step.where}: claim {c!r} does not hold ({_names(step, result, c)})")
    for lang in ("en", "zh"):
        try:
            text = reveal(step, result, lang)
        except LessonError as e:
            problems.append(str(e))
            continue
        if LEFTOVER.search(text):
            problems.append(f"{step.where}: reveal.text.{lang} keeps a placeholder: {LEFTOVER.search(text).group(0)}")
    return problems


def _names(step: Step, result: RunResult, text: str) -> str:
    """The facts a claim reads, with their values (for the message of a claim that failed)."""
    import ast

    names = sorted({n.id for n in ast.walk(expr.parse(text)) if isinstance(n, ast.Name)} & set(result.facts))
    shown_ = []
    for n in names:
        try:
            v = result.facts[n]
            shown_.append(f"{n} = {dict(v) if isinstance(v, Mapping) else v}")
        except Exception as e:  # a fact the run cannot compute: say so in the message
            shown_.append(f"{n}: {e}")
    return "; ".join(shown_) or "no facts"
