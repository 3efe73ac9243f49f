"""The config document: JSON in, a validated frozen `Config` out, and back to JSON.

Every error is a `ConfigError` whose message starts with the offending key path, e.g.
``optimizer.learning_rate: must be > 0, got -1``.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from engine import limits
from engine.activations import HIDDEN, OUTPUT
from engine.errors import CAUSE, ConfigError, DataError, shown
from engine.features import FEATURES, ONE_D
from engine.generators import CLASSIFICATION_GENERATORS, MULTI_CLASS_GENERATORS, ONE_D_GENERATORS, REGRESSION_GENERATORS
from engine.generators import GENERATORS as GENERATORS  # re-exported: the page imports the names from here
from engine.losses import ALLOWED_OUTPUT, LOSSES, default_output
from engine.model import INITS
from engine.points import validate_points

# name -> {hyper-parameter: (default, low, high)}; every optimiser also takes learning_rate.
OPTIMIZERS: dict[str, dict[str, tuple[float, float, float]]] = {
    "sgd": {},
    "momentum": {"momentum": (0.9, 0.0, 0.9999)},
    "nesterov": {"momentum": (0.9, 0.0, 0.9999)},
    "adagrad": {"initial_accumulator_value": (0.1, 0.0, 10.0), "eps": (1e-7, 0.0, 1.0)},
    "rmsprop": {"decay": (0.9, 0.0, 0.9999), "eps": (1e-8, 0.0, 1.0)},
    "adam": {"b1": (0.9, 0.0, 0.9999), "b2": (0.999, 0.0, 0.99999), "eps": (1e-8, 0.0, 1.0)},
    "adamw": {
        "b1": (0.9, 0.0, 0.9999),
        "b2": (0.999, 0.0, 0.99999),
        "eps": (1e-8, 0.0, 1.0),
        "weight_decay": (1e-4, 0.0, 1.0),
    },
}
DEFAULT_LR = {"sgd": 0.03, "momentum": 0.03, "nesterov": 0.03, "adagrad": 0.1, "rmsprop": 0.01}
SCHEDULES = ("constant", "step", "cosine")
REGULARIZATIONS = ("none", "l1", "l2")
PROBLEMS = ("classification", "regression")


@dataclass(frozen=True)
class Optimizer:
    name: str = "sgd"
    learning_rate: float = 0.03
    hyper: tuple[tuple[str, float], ...] = ()

    def to_dict(self) -> dict:
        return {"name": self.name, "learning_rate": self.learning_rate, **dict(self.hyper)}


@dataclass(frozen=True)
class Schedule:
    name: str = "constant"
    warmup_epochs: int = 0
    step_epochs: int = 100  # step: multiply by gamma every step_epochs
    gamma: float = 0.5
    decay_epochs: int = 1000  # cosine: from 1 to final_fraction over decay_epochs
    final_fraction: float = 0.0


@dataclass(frozen=True)
class Config:
    problem: str = "classification"
    data: dict = field(default_factory=lambda: {"generator": "circle", "n": 500, "noise": 0.1, "seed": 0, "classes": 2})
    test_fraction: float = 0.5
    features: tuple[str, ...] | None = None  # None: x1, x2 (or x1 for 1-D data)
    hidden: tuple[int, ...] = (4, 2)
    activation: str = "tanh"
    output_activation: str | None = None  # None: from the loss
    loss: str | None = None  # None: bce / cross_entropy / mse by problem and classes
    optimizer: Optimizer = Optimizer()
    batch_size: int | None = 10  # None: full batch
    regularization: tuple[str, float] = ("none", 0.0)
    dropout: float = 0.0
    clip_norm: float | None = None
    schedule: Schedule = Schedule()
    init: str = "xavier"
    seed: int = 0
    params: dict | None = None
    trained_epochs: int = 0  # epochs `params` were trained for (an exported state resumes its count there)
    train_state: dict | None = None  # an exported run's optimiser state and shuffling key (checked by the session)
    epochs: int = 1000  # the CLI's default run length
    title: str = ""
    caption: str = ""
    view: str = ""  # a preset's hint to the playground: the panel to open first (e.g. "Step inspector")

    # ---- derived -------------------------------------------------------------------------------
    @property
    def classes(self) -> int:
        return int(self.data.get("classes", 2)) if "generator" in self.data else int(self.data.get("classes", 0))

    def resolved_loss(self, classes: int) -> str:
        if self.loss:
            return self.loss
        if self.problem == "regression":
            return "mse"
        return "bce" if classes == 2 else "cross_entropy"

    def resolved_output(self, classes: int) -> str:
        return self.output_activation or default_output(self.resolved_loss(classes), self.problem)

    def with_learning_rate(self, lr: float) -> Config:
        return replace(self, optimizer=replace(self.optimizer, learning_rate=float(lr)))

    def without_weights(self) -> Config:
        """The same set-up, freshly initialised: no explicit weights, epoch count or optimiser state."""
        return replace(self, params=None, trained_epochs=0, train_state=None)

    def to_dict(self) -> dict:
        d: dict[str, Any] = {
            "problem": self.problem,
            "data": self.data,
            "test_fraction": self.test_fraction,
            "features": list(self.features) if self.features is not None else None,
            "hidden": list(self.hidden),
            "activation": self.activation,
            "output_activation": self.output_activation,
            "loss": self.loss,
            "optimizer": self.optimizer.to_dict(),
            "batch_size": self.batch_size,
            "regularization": {"kind": self.regularization[0], "rate": self.regularization[1]},
            "dropout": self.dropout,
            "clip_norm": self.clip_norm,
            "schedule": asdict(self.schedule),
            "init": self.init,
            "seed": self.seed,
            "epochs": self.epochs,
        }
        if self.params is not None:
            d["params"] = self.params
            if self.trained_epochs:
                d["trained_epochs"] = self.trained_epochs
            if self.train_state is not None:
                d["train_state"] = self.train_state
        for k in ("title", "caption", "view"):
            if getattr(self, k):
                d[k] = getattr(self, k)
        # None means something for the batch size (the full batch, where the default is 10): it stays
        return {k: v for k, v in d.items() if v is not None or k == "batch_size"}


# ---- checking helpers --------------------------------------------------------------------------


def _fail(path: str, template: str, **params: Any) -> ConfigError:
    """The error of the setting at `path`: the reason as a template and its parameters (engine/errors.py)."""
    return ConfigError(template, path=path, **params)


def _text(v: Any, path: str, limit: int) -> str:
    if v is None:
        return ""
    if not isinstance(v, str):
        raise _fail(path, "must be text, got {v}", v=shown(v))
    return v[:limit]


def _number(v: Any, path: str, lo: float, hi: float, *, integer: bool = False, lo_open: bool = False) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise _fail(path, "must be a number, got {v}", v=shown(v))
    if isinstance(v, int) and abs(v) > 2**63:
        raise _fail(
            path,
            "must be between {lo} and {hi}, got a {digits}-digit number",
            lo=_num(lo),
            hi=_num(hi),
            digits=len(str(abs(v))),
        )
    if not math.isfinite(v):
        raise _fail(path, "must be finite, got {v}", v=v)
    if integer and v != int(v):
        raise _fail(path, "must be a whole number, got {v}", v=v)
    if lo_open and v <= lo:
        raise _fail(path, "must be > {lo}, got {v}", lo=_num(lo), v=_num(v))
    if v < lo or v > hi:
        raise _fail(path, "must be between {lo} and {hi}, got {v}", lo=_num(lo), hi=_num(hi), v=_num(v))
    return int(v) if integer else float(v)


def _num(v: float) -> str:
    """A limit or value for a message: 2,147,483,647 rather than 2.14748e+09; 0.001, 1e-06."""
    return f"{int(v):,}" if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"


def _choice(v: Any, path: str, options: tuple[str, ...]) -> str:
    if v not in options:
        raise _fail(path, "must be one of {options}; got {v}", options=", ".join(options), v=shown(v))
    return v


def _obj(v: Any, path: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(v, dict):
        raise _fail(path, "must be an object, got {kind}", kind=type(v).__name__)
    for k in v:
        if k not in allowed:
            key = f"{path}.{shown(k)}" if path else shown(k)
            raise _fail(key, "unknown key (allowed: {allowed})", allowed=", ".join(allowed))
    return v


def _data(v: Any, problem: str, files: bool = False) -> dict:
    if not isinstance(v, dict):
        raise _fail("data", "must be an object with generator, x/y or csv")
    if "generator" in v:
        _obj(v, "data", ("generator", "n", "noise", "seed", "classes"))
        gens = CLASSIFICATION_GENERATORS if problem == "classification" else REGRESSION_GENERATORS
        g = _choice(v["generator"], "data.generator", gens)
        out = {
            "generator": g,
            "n": _number(v.get("n", 500), "data.n", 4, limits.MAX_GENERATED_POINTS, integer=True),
            "noise": _number(v.get("noise", 0.1), "data.noise", 0.0, limits.MAX_NOISE),
            "seed": _number(v.get("seed", 0), "data.seed", 0, limits.MAX_SEED, integer=True),
        }
        if problem == "classification":
            k = _number(v.get("classes", 2), "data.classes", limits.MIN_CLASSES, limits.MAX_CLASSES, integer=True)
            if k != 2 and g not in MULTI_CLASS_GENERATORS:
                raise _fail(
                    "data.classes",
                    "{generator} has 2 classes, got {k} (use {generators})",
                    generator=g,
                    k=k,
                    generators=", ".join(MULTI_CLASS_GENERATORS),
                )
            out["classes"] = k
        return out
    if "csv" in v:
        if not files:
            raise _fail("data.csv", "a file path is for config files on the command line; here give x and y")
        _obj(v, "data", ("csv", "classes"))
        if not isinstance(v["csv"], str) or not v["csv"] or "\0" in v["csv"]:
            raise _fail("data.csv", "must be a file path")
        return {**v, **_classes(v)}
    if "x" in v and "y" in v:
        _obj(v, "data", ("x", "y", "classes", "test"))
        v = {**v, **_classes(v)}
        try:
            validate_points(v["x"], v["y"], problem, v.get("classes"))
        except DataError as e:
            raise _fail("data", CAUSE, cause=e) from None
        test = v.get("test")
        if test is not None and (
            not isinstance(test, list) or len(test) != len(v["x"]) or any(t not in (0, 1) for t in test)
        ):
            raise _fail("data.test", "must be a list of 0 (train) or 1 (test), one per point")
        return dict(v)
    raise _fail("data", "needs generator, x and y, or csv")


def _train_state(doc: dict, params: Any) -> dict | None:
    for k in ("trained_epochs", "train_state"):
        if k in doc and params is None:
            raise _fail(k, "goes with params (the weights it belongs to)")
    ts = doc.get("train_state")
    if ts is None:
        return None
    _obj(ts, "train_state", ("optimizer", "key"))
    if not isinstance(ts.get("optimizer"), list) or not isinstance(ts.get("key"), list):
        raise _fail("train_state", "needs optimizer (a list of arrays) and key (a list of integers)")
    return {"optimizer": ts["optimizer"], "key": ts["key"]}


def _classes(v: dict) -> dict:
    """`data.classes` where given, as a checked whole number."""
    if v.get("classes") is None:
        return {}
    return {"classes": _number(v["classes"], "data.classes", limits.MIN_CLASSES, limits.MAX_CLASSES, integer=True)}


def _optimizer(v: Any) -> Optimizer:
    if isinstance(v, str):
        v = {"name": v}
    if not isinstance(v, dict):
        raise _fail("optimizer", "must be an object with name and learning_rate")
    name = _choice(v.get("name", "sgd"), "optimizer.name", tuple(OPTIMIZERS))
    spec = OPTIMIZERS[name]
    _obj(v, "optimizer", ("name", "learning_rate", *spec))
    lr = _number(
        v.get("learning_rate", DEFAULT_LR.get(name, 0.01)),
        "optimizer.learning_rate",
        0.0,
        limits.MAX_LEARNING_RATE,
        lo_open=True,
    )
    hyper = tuple((k, _number(v.get(k, d), f"optimizer.{k}", lo, hi)) for k, (d, lo, hi) in spec.items())
    return Optimizer(name, lr, hyper)


def _schedule(v: Any) -> Schedule:
    if isinstance(v, str):
        v = {"name": v}
    _obj(v, "schedule", ("name", "warmup_epochs", "step_epochs", "gamma", "decay_epochs", "final_fraction"))
    d = Schedule()
    return Schedule(
        name=_choice(v.get("name", "constant"), "schedule.name", SCHEDULES),
        warmup_epochs=_number(
            v.get("warmup_epochs", d.warmup_epochs),
            "schedule.warmup_epochs",
            0,
            limits.MAX_SCHEDULE_EPOCHS,
            integer=True,
        ),
        step_epochs=_number(
            v.get("step_epochs", d.step_epochs), "schedule.step_epochs", 1, limits.MAX_SCHEDULE_EPOCHS, integer=True
        ),
        gamma=_number(v.get("gamma", d.gamma), "schedule.gamma", 0.0, 1.0, lo_open=True),
        decay_epochs=_number(
            v.get("decay_epochs", d.decay_epochs), "schedule.decay_epochs", 1, limits.MAX_DECAY_EPOCHS, integer=True
        ),
        final_fraction=_number(v.get("final_fraction", d.final_fraction), "schedule.final_fraction", 0.0, 1.0),
    )


KEYS = tuple(Config.__dataclass_fields__)


def parse_config(doc: Any, *, files: bool = False) -> Config:
    """Validate a JSON-like document; unknown keys are refused. `files`: the document may name a CSV file to
    read (`data.csv`), for the command line's own config files only: a document from a web page (an import, a
    link) must never make the server open one of its files."""
    doc = _obj(doc, "", KEYS)
    problem = _choice(doc.get("problem", "classification"), "problem", PROBLEMS)
    data = _data(doc.get("data", Config().data), problem, files)
    feats = doc.get("features")
    if feats is not None:
        if not isinstance(feats, list) or not feats:
            raise _fail("features", "must be a non-empty list")
        for i, f in enumerate(feats):
            _choice(f, f"features[{i}]", tuple(FEATURES))
        if len(set(feats)) != len(feats):
            raise _fail("features", "lists a feature twice")
        feats = tuple(feats)
    hidden = doc.get("hidden", [4, 2])
    if not isinstance(hidden, list):
        raise _fail("hidden", "must be a list of layer widths")
    if len(hidden) > limits.MAX_HIDDEN_LAYERS:
        raise _fail("hidden", "at most {n} hidden layers, got {got}", n=limits.MAX_HIDDEN_LAYERS, got=len(hidden))
    hidden = tuple(
        _number(w, f"hidden[{i}]", limits.MIN_NEURONS, limits.MAX_NEURONS, integer=True) for i, w in enumerate(hidden)
    )
    loss = doc.get("loss")
    if loss is not None:
        _choice(loss, "loss", LOSSES)
        if problem == "regression" and loss in ("bce", "cross_entropy"):
            raise _fail("loss", "{loss} needs classification; use mse or half_sse for regression", loss=loss)
    out_act = doc.get("output_activation")
    if out_act is not None:
        _choice(out_act, "output_activation", OUTPUT)
    reg = doc.get("regularization", {"kind": "none", "rate": 0.0})
    if isinstance(reg, str):
        reg = {"kind": reg}
    _obj(reg, "regularization", ("kind", "rate"))
    kind = _choice(reg.get("kind", "none"), "regularization.kind", REGULARIZATIONS)
    rate = _number(reg.get("rate", 0.0 if kind == "none" else 1e-3), "regularization.rate", 0.0, limits.MAX_REG_RATE)
    bs = doc.get("batch_size", 10)
    if bs is not None:
        bs = _number(bs, "batch_size", 1, limits.MAX_POINTS, integer=True)
    clip = doc.get("clip_norm")
    if clip is not None:
        clip = _number(clip, "clip_norm", 0.0, limits.MAX_CLIP_NORM, lo_open=True)
    params = doc.get("params")
    if params is not None and not isinstance(params, dict):
        raise _fail("params", "must be an object {W0: [[…]], b0: […], …}")
    cfg = Config(
        problem=problem,
        data=data,
        test_fraction=_number(doc.get("test_fraction", 0.5), "test_fraction", 0.0, 0.9),
        features=feats,
        hidden=hidden,
        activation=_choice(doc.get("activation", "tanh"), "activation", HIDDEN),
        output_activation=out_act,
        loss=loss,
        optimizer=_optimizer(doc.get("optimizer", {"name": "sgd"})),
        batch_size=bs,
        regularization=(kind, rate),
        dropout=_number(doc.get("dropout", 0.0), "dropout", 0.0, limits.MAX_DROPOUT),
        clip_norm=clip,
        schedule=_schedule(doc.get("schedule", "constant")),
        init=_choice(doc.get("init", "xavier"), "init", INITS),
        seed=_number(doc.get("seed", 0), "seed", 0, limits.MAX_SEED, integer=True),
        params=params,
        train_state=_train_state(doc, params),
        trained_epochs=_number(
            doc.get("trained_epochs", 0), "trained_epochs", 0, limits.MAX_TRAINED_EPOCHS, integer=True
        )
        if params is not None
        else 0,
        epochs=_number(doc.get("epochs", 1000), "epochs", 1, limits.MAX_EPOCHS, integer=True),
        title=_text(doc.get("title"), "title", limits.MAX_TITLE_CHARS),
        caption=_text(doc.get("caption"), "caption", limits.MAX_CAPTION_CHARS),
        view=_text(doc.get("view"), "view", limits.MAX_VIEW_CHARS),
    )
    check_output(cfg, cfg.classes if problem == "classification" else 0)
    if "csv" not in data:  # a CSV file's input width is known once it is read (the session checks it then)
        check_features(feats, 1 if one_d_data(data) else 2)
    return cfg


def one_d_data(data: dict) -> bool:
    """The data document holds 1-D inputs: a 1-D generator, or points whose rows have one coordinate."""
    x = data.get("x")
    return data.get("generator") in ONE_D_GENERATORS or (bool(x) and _row_width(x[0]) == 1)


def _row_width(row: Any) -> int:
    return len(row) if isinstance(row, (list, tuple)) else 1


def check_features(features: tuple[str, ...] | None, dim: int) -> None:
    """Features that need x2 cannot be computed from 1-D inputs."""
    if dim == 1:
        for f in features or ():
            if f not in ONE_D:
                raise _fail("features", "{f} needs 2-D input; curve fitting has {one_d}", f=f, one_d=", ".join(ONE_D))


def check_output(cfg: Config, classes: int) -> None:
    """The loss and output activation must fit each other and the problem."""
    loss = cfg.resolved_loss(max(classes, 2))
    out = cfg.resolved_output(max(classes, 2))
    if out not in ALLOWED_OUTPUT[loss]:
        needed = " or ".join(ALLOWED_OUTPUT[loss])  # one name for the losses that can fail this
        raise _fail("output_activation", "{loss} needs {needed} output, got {out}", loss=loss, needed=needed, out=out)
    if loss == "cross_entropy" and cfg.problem != "classification":
        raise _fail("loss", "cross_entropy needs classification")
    if loss == "bce" and classes > 2:
        raise _fail("loss", "bce is for 2 classes; use cross_entropy for {classes}", classes=classes)


def parse_document(raw: bytes | str, *, files: bool = False) -> Config:
    """A config document as bytes or text (an uploaded file, a config file): any JSON a stranger may send is
    refused with one line (not UTF-8, not JSON, numbers of thousands of digits, nesting thousands deep)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ConfigError("not UTF-8 text", path="config") from None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as e:
        raise ConfigError("not valid JSON ({msg} at line {line})", path="config", msg=e.msg, line=e.lineno) from None
    except (ValueError, RecursionError):  # an integer of over 4,300 digits; nesting deeper than Python recurses
        raise ConfigError("not a usable JSON document (a number too long or nesting too deep)", path="config") from None
    try:
        return parse_config(doc, files=files)
    except RecursionError:
        raise ConfigError("nesting too deep", path="config") from None


def load_config(path: str | Path) -> Config:
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise ConfigError(
            "cannot read {file}: {why}", path="config", file=shown(str(path), 80), why=e.strerror
        ) from None
    cfg = parse_document(raw, files=True)
    if "csv" in cfg.data and not Path(cfg.data["csv"]).is_absolute():
        cfg = replace(cfg, data={**cfg.data, "csv": str(Path(path).parent / cfg.data["csv"])})
    return cfg
