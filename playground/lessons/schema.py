"""A lesson file and its typed record: JSON in, a checked frozen `Lesson` out, or one line naming the field.

The format is described for teachers in the README ("Lessons: the file format"). Everything that can be checked
without training is checked at load: the texts (both languages), the set-up (it must parse as an engine
config), the question and its answer key, every expression (facts and functions that this kind of run has) and
every placeholder of the explanation.
"""

from __future__ import annotations

import copy
import json
import math
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.config import OPTIMIZERS, Config, ConfigError, parse_config
from playground.lessons import expr
from playground.lessons.errors import LessonError
from playground.lessons.facts import FACTS, FUNCTIONS, KINDS
from playground.resources import PRESETS_DIR
from playground.state import SECTION_FLAGS

LANGS = ("en", "zh")
TAB_FLAGS = ("metrics", "inspector", "diagram", "warp", "race", "history")  # panels.TABS' flags (tested)
QUESTION_KINDS = ("choice", "order", "number", "layer", "neuron", "point")
RETURNS = {"choice": "id", "order": "ids", "number": "number", "layer": "layer", "neuron": "neuron", "point": "point"}
MAX_EPOCHS = 5000  # a lesson step runs in seconds, in a classroom, on a shared server
MAX_STEPS = 8
MAX_OPTIONS = 8
MAX_TEXT = 4000
ID = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
RESERVED = frozenset({"expected", "option", "True", "False"})


# ---- the record ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Text:
    """A text in both languages."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Option:
    id: str
    text: Text


@dataclass(frozen=True)
class Question:
    kind: str  # one of QUESTION_KINDS
    prompt: Text
    options: tuple[Option, ...] = ()  # choice, order
    tolerance: tuple[str, float] | None = None  # number: ("abs", 0.005) or ("rel", 0.02)
    radius: float | None = None  # point: a click within this distance of the key is right

    def option(self, oid: str) -> Option:
        for o in self.options:
            if o.id == oid:
                return o
        raise KeyError(oid)

    @property
    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)


@dataclass(frozen=True)
class Setup:
    preset: str | None  # a preset's file name without .json (playground/presets)
    config: dict | None  # or a whole config document
    overrides: tuple[tuple[str, Any], ...]  # config path ("optimizer.learning_rate") → value, applied in order
    hide: tuple[str, ...]  # the page's ?hide= flags
    tab: str | None  # the tab to open (its ?hide= flag name); None: the preset's own view, else the page's


@dataclass(frozen=True)
class Racer:
    id: str
    optimizer: dict  # the engine's optimizer document: {"name", "learning_rate", …}


@dataclass(frozen=True)
class Variant:
    id: str
    overrides: tuple[tuple[str, Any], ...]
    epochs: int | None  # None: the run's


@dataclass(frozen=True)
class Run:
    kind: str  # epochs | backprop | race | compare
    epochs: int = 0
    racers: tuple[Racer, ...] = ()
    variants: tuple[Variant, ...] = ()
    apply: bool = False  # backprop: make the step real (the session's weights change)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.racers) + tuple(v.id for v in self.variants)


@dataclass(frozen=True)
class Answer:
    fixed: Any = None  # the key as written, or …
    computed: str | None = None  # … an expression over the run (a key function: "race_winner()")
    expect: Any = None  # what the lesson teaches a computed key comes out as (checked by the claims test)

    @property
    def is_fixed(self) -> bool:
        return self.computed is None


@dataclass(frozen=True)
class Reveal:
    text: Text  # a template: {fact}, {fact[0]:.1e}, {number}, {expected}, {option[id]}
    numbers: tuple[tuple[str, str], ...] = ()  # derived numbers: name → expression, in order


@dataclass(frozen=True)
class Step:
    lesson: str
    index: int  # from 0
    setup: Setup
    question: Question
    run: Run
    answer: Answer
    claims: tuple[str, ...]
    reveal: Reveal

    @property
    def where(self) -> str:
        return f"{self.lesson} step {self.index + 1}"

    def config(self, base_presets: Mapping[str, Path | dict] | None = None) -> dict:
        """The config document of this step's set-up: the preset (from `base_presets`, a mapping of preset
        name or title → file or document, default the package's presets) or the config, with the overrides."""
        return setup_document(self.setup, base_presets)

    def variant_config(self, variant: Variant, base: dict | None = None) -> dict:
        """A compare run's variant: the step's document (or `base`) with the variant's overrides."""
        return apply_overrides(copy.deepcopy(base if base is not None else self.config()), variant.overrides)

    @property
    def hide(self) -> tuple[str, ...]:
        return self.setup.hide

    @property
    def tab(self) -> str | None:
        return self.setup.tab


@dataclass(frozen=True)
class Lesson:
    name: str
    order: int
    title: Text
    summary: Text
    steps: tuple[Step, ...]

    @property
    def info(self) -> LessonInfo:
        return LessonInfo(self.name, self.order, self.title, self.summary, len(self.steps))


@dataclass(frozen=True)
class LessonInfo:
    """A lesson as the menu lists it."""

    name: str
    order: int
    title: Text
    summary: Text
    steps: int


# ---- config documents ---------------------------------------------------------------------------------------
def preset_document(name: str, base_presets: Mapping[str, Path | dict] | None = None) -> dict:
    """A preset's document by its file name (without .json); `base_presets` may map names or titles to files
    or documents (the page's `state.presets()`), else the package's presets are read."""
    if base_presets is not None:
        for key, v in base_presets.items():
            if key == name or (isinstance(v, Path) and v.stem == name):
                return copy.deepcopy(v) if isinstance(v, dict) else json.loads(v.read_text(encoding="utf-8"))
    path = PRESETS_DIR / f"{name}.json"
    if not NAME.match(name) or not path.is_file():
        known = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.json")))
        raise LessonError(f"preset: no preset named {name!r} (known: {known})")
    return json.loads(path.read_text(encoding="utf-8"))


def apply_overrides(doc: dict, overrides: tuple[tuple[str, Any], ...]) -> dict:
    """Set each config path ("optimizer.learning_rate", "data.n", "hidden") in the document."""
    for path, value in overrides:
        keys = path.split(".")
        at = doc
        for k in keys[:-1]:
            nxt = at.get(k)
            if isinstance(nxt, str) and k in ("optimizer", "schedule", "regularization"):
                nxt = {"name" if k != "regularization" else "kind": nxt}  # the short form as an object
            if not isinstance(nxt, dict):
                nxt = {}
            at[k] = nxt
            at = nxt
        at[keys[-1]] = copy.deepcopy(value)
    return doc


def setup_document(setup: Setup, base_presets: Mapping[str, Path | dict] | None = None) -> dict:
    doc = preset_document(setup.preset, base_presets) if setup.preset else copy.deepcopy(setup.config or {})
    return apply_overrides(doc, setup.overrides)


# ---- reading a file -----------------------------------------------------------------------------------------
class _Reader:
    """Checks one file; every refusal is one line `lessons/<file>: <field path>: <reason>`."""

    def __init__(self, label: str):
        self.label = label

    def fail(self, path: str, reason: str) -> LessonError:
        return LessonError(f"{self.label}: {path}: {reason}" if path else f"{self.label}: {reason}")

    def obj(self, v: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        if not isinstance(v, dict):
            raise self.fail(path, f"must be an object, got {_type(v)}")
        allowed = (*required, *optional)
        for k in v:
            if k not in allowed:
                raise self.fail(_join(path, str(k)), f"unknown key (allowed: {', '.join(allowed)})")
        for k in required:
            if k not in v:
                raise self.fail(_join(path, k), "missing")
        return v

    def text(self, v: Any, path: str) -> Text:
        self.obj(v, path, LANGS)
        for lang in LANGS:
            self.string(v[lang], _join(path, lang))
        return Text(v["en"], v["zh"])

    def string(self, v: Any, path: str, limit: int = MAX_TEXT) -> str:
        if not isinstance(v, str):
            raise self.fail(path, f"must be text, got {_type(v)}")
        if not v.strip():
            raise self.fail(path, "empty")
        if len(v) > limit:
            raise self.fail(path, f"longer than {limit} characters")
        return v

    def ident(self, v: Any, path: str) -> str:
        if not isinstance(v, str) or not ID.match(v):
            raise self.fail(path, f"must be an id: a–z, 0–9 and _, starting with a letter, got {_shown(v)}")
        if v in RESERVED:
            raise self.fail(path, f"{v!r} is a reserved name")
        return v

    def integer(self, v: Any, path: str, lo: int, hi: int) -> int:
        if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
            raise self.fail(path, f"must be a whole number from {lo} to {hi}, got {_shown(v)}")
        return v

    def number(self, v: Any, path: str, positive: bool = False) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or (positive and v <= 0):
            raise self.fail(path, f"must be a {'positive ' if positive else ''}finite number, got {_shown(v)}")
        return float(v)

    def expression(self, v: Any, path: str, kind: str, ids: set[str], extra: set[str] = frozenset()) -> str:
        try:
            expr.check(v, set(FACTS[kind]) | set(extra), ids, FUNCTIONS, kind)
        except expr.ExprError as e:
            raise self.fail(path, str(e)) from None
        return v


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(v), "a number" if isinstance(v, (int, float)) else type(v).__name__
    )


def _shown(v: Any) -> str:
    s = json.dumps(v, ensure_ascii=False) if isinstance(v, (str, int, float, bool, type(None))) else _type(v)
    return s if len(s) <= 40 else s[:39] + "…"


def parse_lesson(doc: Any, label: str, name: str | None = None) -> Lesson:
    """Check a lesson document; `label` names it in messages ("lessons/xor.json"), `name` is the name the
    file must declare (its file name)."""
    r = _Reader(label)
    r.obj(doc, "", ("name", "order", "title", "summary", "steps"))
    lesson_name = doc["name"]
    if not isinstance(lesson_name, str) or not NAME.match(lesson_name):
        raise r.fail("name", f"must be a short name (a–z, 0–9, _ and -), got {_shown(lesson_name)}")
    if name is not None and lesson_name != name:
        raise r.fail("name", f"must be the file's name {name!r}, got {lesson_name!r}")
    order = r.integer(doc["order"], "order", 0, 10_000)
    title = r.text(doc["title"], "title")
    summary = r.text(doc["summary"], "summary")
    steps = doc["steps"]
    if not isinstance(steps, list) or not 1 <= len(steps) <= MAX_STEPS:
        raise r.fail("steps", f"must be a list of 1 to {MAX_STEPS} steps")
    return Lesson(
        lesson_name,
        order,
        title,
        summary,
        tuple(_step(r, s, f"steps[{i}]", lesson_name, i) for i, s in enumerate(steps)),
    )


def _step(r: _Reader, v: Any, path: str, lesson: str, index: int) -> Step:
    r.obj(v, path, ("setup", "question", "run", "answer", "reveal"), ("claims",))
    setup = _setup(r, v["setup"], f"{path}.setup")
    cfg = _config(r, setup, f"{path}.setup")
    run = _run(r, v["run"], f"{path}.run", setup, cfg)
    question = _question(r, v["question"], f"{path}.question")
    ids = set(run.ids)
    answer = _answer(r, v["answer"], f"{path}.answer", question, run, cfg, ids)
    claims = v.get("claims", [])
    if not isinstance(claims, list):
        raise r.fail(f"{path}.claims", "must be a list of expressions")
    for i, c in enumerate(claims):
        r.expression(c, f"{path}.claims[{i}]", run.kind, ids)
    if answer.is_fixed and not claims:
        raise r.fail(
            f"{path}.claims", "a fixed answer needs at least one claim: a fact of the run that shows it is right"
        )
    reveal = _reveal(r, v["reveal"], f"{path}.reveal", run.kind, ids, set(question.option_ids))
    return Step(lesson, index, setup, question, run, answer, tuple(claims), reveal)


def _overrides(r: _Reader, v: Any, path: str) -> tuple[tuple[str, Any], ...]:
    if not isinstance(v, dict):
        raise r.fail(path, f"must be an object of config paths, got {_type(v)}")
    for k in v:
        if not re.fullmatch(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*", k):
            raise r.fail(_join(path, k), "not a config path (keys joined by dots, e.g. optimizer.learning_rate)")
    return tuple(v.items())


def _setup(r: _Reader, v: Any, path: str) -> Setup:
    r.obj(v, path, (), ("preset", "config", "overrides", "hide", "tab"))
    if ("preset" in v) == ("config" in v):
        raise r.fail(path, "needs a preset or a config (one of them)")
    preset = v.get("preset")
    if preset is not None and (
        not isinstance(preset, str) or not NAME.match(preset) or not (PRESETS_DIR / f"{preset}.json").is_file()
    ):
        known = ", ".join(sorted(p.stem for p in PRESETS_DIR.glob("*.json")))
        raise r.fail(f"{path}.preset", f"no preset named {_shown(preset)} (known: {known})")
    config = v.get("config")
    if config is not None and not isinstance(config, dict):
        raise r.fail(f"{path}.config", f"must be a config document (an object), got {_type(config)}")
    overrides = _overrides(r, v.get("overrides", {}), f"{path}.overrides")
    hide = v.get("hide", [])
    flags = (*SECTION_FLAGS, *TAB_FLAGS)
    if not isinstance(hide, list):
        raise r.fail(f"{path}.hide", "must be a list of panel names")
    for i, h in enumerate(hide):
        if h not in flags:
            raise r.fail(f"{path}.hide[{i}]", f"no panel named {_shown(h)} (known: {', '.join(flags)})")
    tab = v.get("tab")
    if tab is not None and tab not in TAB_FLAGS:
        raise r.fail(f"{path}.tab", f"no tab named {_shown(tab)} (known: {', '.join(TAB_FLAGS)})")
    if tab is not None and tab in hide:
        raise r.fail(f"{path}.tab", f"{tab} is also hidden")
    return Setup(preset, config, overrides, tuple(hide), tab)


def _parse(r: _Reader, doc: dict, path: str, overrides: tuple[tuple[str, Any], ...]) -> Config:
    try:
        return parse_config(doc)
    except ConfigError as e:
        where = getattr(e, "path", None) or ""
        for k, _v in overrides:
            if where == k or where.startswith(k + ".") or where.startswith(k + "["):
                raise r.fail(f"{path}.overrides.{k}", getattr(e, "reason", None) or str(e)) from None
        raise r.fail(path, f"the config is refused: {e}") from None


def _config(r: _Reader, setup: Setup, path: str) -> Config:
    return _parse(r, setup_document(setup), path, setup.overrides)


def _run(r: _Reader, v: Any, path: str, setup: Setup, cfg: Config) -> Run:
    r.obj(v, path, ("kind",), ("epochs", "racers", "variants", "apply"))
    kind = v["kind"]
    if kind not in KINDS:
        raise r.fail(f"{path}.kind", f"must be one of {', '.join(KINDS)}, got {_shown(kind)}")
    allowed = {
        "epochs": ("epochs",),
        "backprop": ("apply",),
        "race": ("epochs", "racers"),
        "compare": ("epochs", "variants"),
    }
    for k in v:
        if k != "kind" and k not in allowed[kind]:
            raise r.fail(f"{path}.{k}", f"not part of a {kind} run (it takes {', '.join(allowed[kind]) or 'nothing'})")
    epochs = 0
    if "epochs" in allowed[kind]:
        if "epochs" not in v:
            raise r.fail(f"{path}.epochs", "missing")
        epochs = r.integer(v["epochs"], f"{path}.epochs", 1, MAX_EPOCHS)
    apply = v.get("apply", False)
    if not isinstance(apply, bool):
        raise r.fail(f"{path}.apply", "must be true or false")
    racers: list[Racer] = []
    variants: list[Variant] = []
    if kind == "race":
        rs = v.get("racers")
        if not isinstance(rs, list) or not 1 <= len(rs) <= 6:
            raise r.fail(f"{path}.racers", "must be a list of 1 to 6 racers")
        doc = setup_document(setup)
        for i, rv in enumerate(rs):
            p = f"{path}.racers[{i}]"
            if not isinstance(rv, dict):
                raise r.fail(p, f"must be an object, got {_type(rv)}")
            r.obj(rv, p, ("id", "optimizer"), ("learning_rate", *{k for o in OPTIMIZERS.values() for k in o}))
            rid = r.ident(rv["id"], f"{p}.id")
            name = rv["optimizer"]
            if name not in OPTIMIZERS:
                raise r.fail(f"{p}.optimizer", f"must be one of {', '.join(OPTIMIZERS)}, got {_shown(name)}")
            opt = {"name": name, **{k: x for k, x in rv.items() if k not in ("id", "optimizer")}}
            try:
                parse_config({**doc, "optimizer": opt})
            except ConfigError as e:
                field = (getattr(e, "path", "") or "").removeprefix("optimizer.")
                raise r.fail(f"{p}.{field}" if field else p, getattr(e, "reason", None) or str(e)) from None
            racers.append(Racer(rid, opt))
    if kind == "compare":
        vs = v.get("variants")
        if not isinstance(vs, list) or not 2 <= len(vs) <= 6:
            raise r.fail(f"{path}.variants", "must be a list of 2 to 6 variants")
        for i, vv in enumerate(vs):
            p = f"{path}.variants[{i}]"
            r.obj(vv, p, ("id", "overrides"), ("epochs",))
            vid = r.ident(vv["id"], f"{p}.id")
            ov = _overrides(r, vv["overrides"], f"{p}.overrides")
            ep = r.integer(vv["epochs"], f"{p}.epochs", 1, MAX_EPOCHS) if "epochs" in vv else None
            _parse(r, apply_overrides(setup_document(setup), ov), p, ov)
            variants.append(Variant(vid, ov, ep))
    ids = [x.id for x in racers] + [x.id for x in variants]
    if len(set(ids)) != len(ids):
        raise r.fail(f"{path}.{'racers' if racers else 'variants'}", "two have the same id")
    for i in ids:
        if i in FACTS[kind]:
            raise r.fail(f"{path}", f"the id {i!r} is the name of a fact; pick another")
    return Run(kind, epochs, tuple(racers), tuple(variants), apply)


def _question(r: _Reader, v: Any, path: str) -> Question:
    r.obj(v, path, ("kind", "prompt"), ("options", "tolerance", "radius"))
    kind = v["kind"]
    if kind not in QUESTION_KINDS:
        raise r.fail(f"{path}.kind", f"must be one of {', '.join(QUESTION_KINDS)}, got {_shown(kind)}")
    prompt = r.text(v["prompt"], f"{path}.prompt")
    options: list[Option] = []
    if kind in ("choice", "order"):
        if "options" not in v:
            raise r.fail(f"{path}.options", "missing")
        opts = v["options"]
        if not isinstance(opts, list) or not 2 <= len(opts) <= MAX_OPTIONS:
            raise r.fail(f"{path}.options", f"must be a list of 2 to {MAX_OPTIONS} options")
        for i, o in enumerate(opts):
            p = f"{path}.options[{i}]"
            r.obj(o, p, ("id", *LANGS))
            oid = r.ident(o["id"], f"{p}.id")
            if oid in (x.id for x in options):
                raise r.fail(f"{p}.id", f"{oid!r} is used twice")
            options.append(Option(oid, Text(r.string(o["en"], f"{p}.en"), r.string(o["zh"], f"{p}.zh"))))
    elif "options" in v:
        raise r.fail(f"{path}.options", f"a {kind} question has no options")
    tolerance = None
    if kind == "number":
        t = v.get("tolerance")
        if t is None:
            raise r.fail(f"{path}.tolerance", 'missing (e.g. {"abs": 0.005} or {"rel": 0.02})')
        r.obj(t, f"{path}.tolerance", (), ("abs", "rel"))
        if len(t) != 1:
            raise r.fail(f"{path}.tolerance", "needs exactly one of abs or rel")
        ((tk, tv),) = t.items()
        tolerance = (tk, r.number(tv, f"{path}.tolerance.{tk}", positive=True))
    elif "tolerance" in v:
        raise r.fail(f"{path}.tolerance", f"only a number question has a tolerance, not {kind}")
    radius = None
    if kind == "point":
        if "radius" not in v:
            raise r.fail(f"{path}.radius", "missing (how far from the key a click may land)")
        radius = r.number(v["radius"], f"{path}.radius", positive=True)
    elif "radius" in v:
        raise r.fail(f"{path}.radius", f"only a point question has a radius, not {kind}")
    return Question(kind, prompt, tuple(options), tolerance, radius)


def answer_value(r: _Reader, v: Any, path: str, q: Question, cfg: Config | None) -> Any:
    """A fixed key or an `expect`, checked against the question (and the network's layers)."""
    k = q.kind
    if k == "choice":
        if v not in q.option_ids:
            raise r.fail(path, f"must be one of the options' ids ({', '.join(q.option_ids)}), got {_shown(v)}")
        return v
    if k == "order":
        if not isinstance(v, list) or sorted(map(str, v)) != sorted(q.option_ids) or len(set(v)) != len(v):
            raise r.fail(path, f"must list every option id once, in order ({', '.join(q.option_ids)})")
        return list(v)
    if k == "number":
        return r.number(v, path)
    L = len(cfg.hidden) + 1 if cfg is not None else 10**6
    if k == "layer":
        return r.integer(v, path, 0, L - 1)
    if k == "neuron":
        if not isinstance(v, list) or len(v) != 2:
            raise r.fail(path, "must be [layer, neuron]")
        return (r.integer(v[0], f"{path}[0]", 0, L), r.integer(v[1], f"{path}[1]", 0, 31))
    if not isinstance(v, list) or len(v) != 2:
        raise r.fail(path, "must be [x, y]")
    return (r.number(v[0], f"{path}[0]"), r.number(v[1], f"{path}[1]"))


def _answer(r: _Reader, v: Any, path: str, q: Question, run: Run, cfg: Config, ids: set[str]) -> Answer:
    r.obj(v, path, (), ("fixed", "computed", "expect"))
    if ("fixed" in v) == ("computed" in v):
        raise r.fail(path, "needs fixed (the key as written) or computed (an expression over the run), one of them")
    if "fixed" in v:
        if "expect" in v:
            raise r.fail(f"{path}.expect", "goes with computed (a fixed key is what it is)")
        return Answer(fixed=answer_value(r, v["fixed"], f"{path}.fixed", q, cfg))
    text = r.expression(v["computed"], f"{path}.computed", run.kind, ids)
    gives = expr.returns(expr.parse(text), FUNCTIONS)
    if gives is not None and gives != RETURNS[q.kind]:
        raise r.fail(f"{path}.computed", f"gives {a_(gives)}, but a {q.kind} question needs {a_(RETURNS[q.kind])}")
    if gives in ("id", "ids") and set(q.option_ids) != ids:
        raise r.fail(
            f"{path}.computed",
            f"names a racer or variant: the options must be exactly the run's ids ({', '.join(run.ids)})",
        )
    expect = answer_value(r, v["expect"], f"{path}.expect", q, cfg) if "expect" in v else None
    return Answer(computed=text, expect=expect)


def a_(what: str) -> str:
    return {
        "id": "a racer's or variant's id",
        "ids": "a list of ids",
        "number": "a number",
        "layer": "a layer index",
        "neuron": "a (layer, neuron) pair",
        "point": "a point",
    }[what]


def placeholders(template: str, keys: set[str] | None = None) -> set[str]:
    """The root names of a template's placeholders ({g[0]:.1e} → g); ValueError for a broken template, or for
    an index in brackets that is neither a number nor one of `keys` (the run's ids, the options' ids)."""
    out = set()
    for _lit, field, _spec, conv in string.Formatter().parse(template):
        if field is None:
            continue
        if conv is not None:
            raise ValueError(f"{{{field}!{conv}}}: no conversions (!r, !s) in a lesson")
        root = re.match(r"[^.\[]*", field).group(0)  # type: ignore[union-attr]
        if "." in field.split("[")[0] or re.search(r"\]\.", field):
            raise ValueError(f"{{{field}}}: no attributes in a placeholder")
        if not root:
            raise ValueError("{} needs a name")
        for k in re.findall(r"\[([^\]]*)\]", field):
            if keys is not None and not k.isdigit() and k not in keys:
                known = ", ".join(sorted(keys)) or "none here"
                raise ValueError(f"{{{field}}}: [{k}] is not a number or an id (ids: {known})")
        out.add(root)
    return out


def _reveal(r: _Reader, v: Any, path: str, kind: str, ids: set[str], options: set[str]) -> Reveal:
    r.obj(v, path, ("text",), ("numbers",))
    text = r.text(v["text"], f"{path}.text")
    numbers = v.get("numbers", {})
    if not isinstance(numbers, dict):
        raise r.fail(f"{path}.numbers", "must be an object: name → expression")
    defined: set[str] = set()
    for name, e in numbers.items():
        p = f"{path}.numbers.{name}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in RESERVED or name in FACTS[kind] or name in ids:
            raise r.fail(p, "a number's name is a new lower-case name (not a fact's, an id or expected/option)")
        r.expression(e, p, kind, ids, defined)
        defined.add(name)
    allowed = set(FACTS[kind]) | defined | {"expected", "option"}
    used = {}
    for lang in LANGS:
        p = f"{path}.text.{lang}"
        try:
            names = placeholders(text.get(lang), ids | options)
        except ValueError as e:
            raise r.fail(p, str(e)) from None
        for n in sorted(names - allowed):
            raise r.fail(p, f"{{{n}}} is not a fact of a {kind} run, a number of this reveal, expected or option")
        used[lang] = names
    if used["en"] != used["zh"]:
        diff = sorted(used["en"] ^ used["zh"])
        raise r.fail(f"{path}.text.zh", f"the two languages must show the same numbers; differs in {{{diff[0]}}}")
    return Reveal(text, tuple(numbers.items()))


def read_lesson(path: Path, label: str | None = None) -> Lesson:
    """A lesson file: UTF-8 JSON, checked (LessonError, one line)."""
    label = label or f"lessons/{path.name}"
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise LessonError(f"{label}: cannot read: {e.strerror}") from None
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise LessonError(f"{label}: not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise LessonError(f"{label}: not valid JSON ({e.msg} at line {e.lineno})") from None
    except (ValueError, RecursionError):
        raise LessonError(f"{label}: not a usable JSON document") from None
    return parse_lesson(doc, label, path.stem)
