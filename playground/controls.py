"""The page's settings: one record per control, and everything derived from the table.

A `Control` says what a person sees (label, tooltip, section, widget kind with its range or options, when it is
shown) and where its value lives: a path in the config document, or a small codec for composite settings (layer
widths, batch mode, features, regularisation, clipping). The sidebar, settings ↔ config and link ↔ config are
all computed from `CONTROLS`; adding a control is adding one record. No Streamlit here.

Settings are the widgets' values, by control name (``{"lr": 0.03, "batch_mode": "Mini-batch", "h1": 2, …}``):
the person's, including those of controls not shown now (h2 while there is one hidden layer, k under Full batch).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from engine import inputs, limits
from engine.activations import HIDDEN
from engine.config import (
    CLASSIFICATION_GENERATORS,
    MULTI_CLASS_GENERATORS,
    OPTIMIZERS,
    REGRESSION_GENERATORS,
    REGULARIZATIONS,
    SCHEDULES,
    Config,
    ConfigError,
    one_d_data,
    parse_config,
    shown,
)
from engine.features import FEATURES, ONE_D
from engine.losses import ALLOWED_OUTPUT
from engine.model import INITS
from playground import i18n
from playground.i18n import N_, _

Settings = dict[str, Any]
PROBLEM_KINDS = {
    N_("Classification"): "classification",
    N_("Regression (2-D)"): "regression",
    N_("Curve fitting (1-D)"): "regression",
}
GENERATORS = {
    "Classification": CLASSIFICATION_GENERATORS,
    "Regression (2-D)": ("plane", "gaussian_bumps"),
    "Curve fitting (1-D)": ("sine", "square"),
}
REGRESSION_DATA = {"generator": "plane", "n": 300, "noise": 0.1, "seed": 0}
OWN_POINTS = N_("your points")  # the Data set choice while the points come from a preset, a CSV file or an import
LEARNING_RATES = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
DEFAULT_REG_RATE = 1e-3  # a regularisation chosen with rate 0 gets this: a rate of 0 would leave it without effect
DEFAULT_WIDTH = 4  # a hidden layer never shown before starts this wide
HYPER_ORDER = ("momentum", "decay", "initial_accumulator_value", "b1", "b2", "eps", "weight_decay")
BATCH_MODES = (N_("Full batch"), N_("SGD (1)"), N_("Mini-batch"))
# options that are words, shown in the page's language (the settings and links keep the English word)
OPTION_WORDS = (
    N_("auto"),
    N_("none"),
    N_("circle"),
    N_("xor"),
    N_("gaussians"),
    N_("spiral"),
    N_("moons"),
    N_("blobs"),
    N_("plane"),
    N_("gaussian_bumps"),
    N_("sine"),
    N_("square"),
    N_("constant"),
    N_("step"),
    N_("cosine"),
    N_("uniform"),
    N_("zeros"),
)
NOT_CONTROLS = {  # Config fields that are deliberately not settings on the page, and why
    "params": "weights: trained, imported or a preset's",
    "trained_epochs": "the epoch count an exported state resumes at",
    "train_state": "an exported run's optimiser state",
    "epochs": "the command line's run length (the page trains with Step and Play)",
    "title": "a preset's or an import's title, shown above the settings",
    "caption": "a preset's or an import's caption",
    "view": "a preset's hint: the tab to open first",
}
HYPER_HELP = {
    "momentum": N_("β: v ← β·v + g, W ← W − η·v. Higher keeps more of past gradients."),
    "b1": N_("β₁: decay of Adam's first moment m ← β₁m + (1−β₁)g."),
    "b2": N_("β₂: decay of the second moment v ← β₂v + (1−β₂)g²."),
    "eps": N_("ε in Adam's update η·m̂/(√v̂ + ε), outside the root: guards against division by zero."),
    "decay": N_("ρ: decay of the running mean of g² in RMSprop."),
    "initial_accumulator_value": N_("Start value of Adagrad's sum of squared gradients."),
    "weight_decay": N_("λ: AdamW subtracts η·λ·W each step, apart from the gradient."),
}
HYPER_HELP_OF = {  # where an optimiser's number means something else than HYPER_HELP says
    ("nesterov", "momentum"): N_("β: v ← β·v + g, W ← W − η·(g + β·v): the step looks ahead along the velocity."),
    ("rmsprop", "eps"): N_("ε inside the root, as optax computes it: W ← W − η·g/√(s + ε), s the running mean of g²."),
    ("adagrad", "eps"): N_("ε inside the root, as optax computes it: W ← W − η·g/√(Σg² + ε)."),
}


def hyper_help(optimizer: str, name: str) -> str:
    """The tooltip of an optimiser's hyper-parameter, in that optimiser's own formula."""
    return _(HYPER_HELP_OF.get((optimizer, name), HYPER_HELP[name]))


class Context(NamedTuple):
    """What a control's options and default depend on besides the settings: the points on the board."""

    dim: int = 2  # input dimension of the points (1: curve fitting)
    own: bool = False  # the points are not a generator's (a preset's, a CSV file's, an import's)
    classes: int = 2  # classes of the points (classification)


# ---- small codecs -------------------------------------------------------------------------------------
def _get(d: dict, path: Sequence[str]) -> Any:
    for k in path:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _set(d: dict, path: Sequence[str], v: Any) -> None:
    for k in path[:-1]:
        d = d.setdefault(k, {})
    d[path[-1]] = v


def typed(text: str) -> Any:
    """A link's value: a number where it reads as one (an int without a point or exponent), else the text."""
    s = text.strip()
    if s.lower() in ("none", "null", ""):
        return None
    try:
        f = float(s)
    except ValueError:
        return s
    return int(f) if f.is_integer() and "." not in s and "e" not in s.lower() else f


def default_features(dim: int) -> list[str]:
    """What the first layer sees when the config names no features (the engine's rule)."""
    return list(inputs.default_features(dim))


def problem_kind(cfg: Config) -> str:
    """The Problem setting of a config: curve fitting for a 1-D generator or 1-D points of one's own."""
    if cfg.problem == "classification":
        return "Classification"
    return "Curve fitting (1-D)" if one_d_data(cfg.data) else "Regression (2-D)"


def losses_for(kind: str, classes: int) -> list[str]:
    if kind != "Classification":
        return ["auto", "mse", "half_sse"]
    return ["auto", "cross_entropy", "mse", "half_sse"] + (["bce"] if classes == 2 else [])


def outputs_for(loss: str, kind: str) -> list[str]:
    if loss == "auto":
        return ["auto"]
    return ["auto", *(a for a in ALLOWED_OUTPUT[loss] if kind == "Classification" or a != "softmax")]


# ---- the record ---------------------------------------------------------------------------------------
def _always(settings: Settings, ctx: Context) -> bool:
    return True


@dataclass(frozen=True)
class Control:
    """One setting on the page. `path` is where its value lives in the config document; a composite setting
    gives `read` (config → value), `write` (value → document) and, if it travels in links, `to_link` and
    `from_link` instead."""

    name: str  # key in the settings (the widget is "w_<name>")
    label: str
    help: str | Callable[[Settings], str]
    section: str  # a key of SECTIONS
    kind: str  # select | radio | number | slider | select_slider | multiselect | checkbox
    field: str  # the Config field it sets (alone or with others), for the test that every field is a setting
    path: tuple[str, ...] = ()
    link: str | None = None  # its key in a shared link's query string
    options: Sequence[Any] | Callable[[Settings, Context], Sequence[Any]] = ()
    lo: float | None = None
    hi: float | None = None
    step: float | None = None
    number_format: str | None = None  # printf format of a number box, or how a select slider prints its options
    integer: bool = False
    row: str | None = None  # controls with the same row share one row of columns
    shown: Callable[[Settings, Context], bool] = _always
    enabled: Callable[[Settings, Context], bool] = _always
    read: Callable[[Config, Context], Any] | None = None
    write: Callable[[dict, Settings, Config], None] | None = None
    to_link: Callable[[Config], str | None] | None = None
    from_link: Callable[[dict, str, dict[str, str]], None] | None = None  # (document, text, the whole query)
    then: Callable[[Settings, dict], Settings] | None = None  # other settings that follow a change of this one
    link_always: bool = False  # written into links even at its default (an optimiser's numbers)

    def tooltip(self, settings: Settings) -> str:
        """In the page's language."""
        return self.help(settings) if callable(self.help) else _(self.help)

    def choices(self, settings: Settings, ctx: Context) -> list[Any]:
        return list(self.options(settings, ctx) if callable(self.options) else self.options)

    def value_of(self, cfg: Config, ctx: Context) -> Any:
        """The setting that shows this config."""
        if self.read is not None:
            return self.read(cfg, ctx)
        v = _get(cfg.to_dict(), self.path)
        return self.number(v) if self.kind in ("number", "slider") else v

    def number(self, v: Any) -> int | float:
        return int(v) if self.integer else float(v)

    def put(self, doc: dict, settings: Settings, base: Config) -> None:
        """Write this setting into the config document being built."""
        if self.write is not None:
            self.write(doc, settings, base)
        elif self.path:
            v = settings[self.name]
            _set(doc, self.path, self.number(v) if self.kind in ("number", "slider") else v)

    def link_text(self, cfg: Config) -> str | None:
        if self.to_link is not None:
            return self.to_link(cfg)
        v = _get(cfg.to_dict(), self.path)
        return None if v is None else str(v)

    def from_text(self, doc: dict, text: str, query: dict[str, str]) -> None:
        if self.from_link is not None:
            self.from_link(doc, text, query)
        else:
            _set(doc, self.path, typed(text))


SECTIONS = {  # key → title; the app draws data, network and optimizer as sidebar containers (?hide=data,…)
    "data": N_("Data"),
    "network": N_("Network"),
    "optimizer": N_("Optimiser"),
    "advanced": N_("Regularisation, dropout, clipping, schedule"),  # an expander in the optimiser's section
    "seed": "",  # the seed, below that expander
}


# ---- codecs of the composite settings -------------------------------------------------------------------
def _kind(settings: Settings) -> str:
    return settings["problem"]


def _read_problem(cfg: Config, ctx: Context) -> str:
    return problem_kind(cfg)


def _write_problem(doc: dict, settings: Settings, base: Config) -> None:
    doc["problem"] = PROBLEM_KINDS[settings["problem"]]


def _problem_from_link(doc: dict, text: str, query: dict[str, str]) -> None:
    """A regression link without a regression data set gets regression's default data (300 points on a plane);
    one that names its data set keeps a link's usual defaults for the rest (500 points: links leave out what
    equals the default config, and have since the first version)."""
    doc["problem"] = typed(text)
    if doc["problem"] != "regression":
        return
    gen = str(query.get("gen", "")).strip()
    if gen in REGRESSION_GENERATORS:
        doc["data"] = {k: v for k, v in doc["data"].items() if k != "classes"} | {"generator": gen}
    else:
        doc["data"] = dict(REGRESSION_DATA)  # the problem's own default data, not classification's circle


def _after_problem(settings: Settings, memo: dict) -> Settings:
    kind = settings["problem"]
    return settings | {
        "gen": GENERATORS[kind][0],
        "loss": "auto",
        "out": "auto",
        "features": default_features(1 if kind == "Curve fitting (1-D)" else 2),
    }


def _generators(settings: Settings, ctx: Context) -> list[str]:
    gens = list(GENERATORS[_kind(settings)])
    return [OWN_POINTS, *gens] if ctx.own else gens


def _read_gen(cfg: Config, ctx: Context) -> str:
    return cfg.data.get("generator", OWN_POINTS)


def _write_data(doc: dict, settings: Settings, base: Config) -> None:
    """The generator's document from the data settings, or the points of `base` while "your points" is chosen
    (a new test fraction gives them a new split)."""
    kind = _kind(settings)
    if settings["gen"] == OWN_POINTS and "generator" not in base.data and problem_kind(base) == kind:
        data = base.data
        if "test" in data and float(settings["test"]) != base.test_fraction:
            data = {k: v for k, v in data.items() if k != "test"}
        doc["data"] = data
        return
    gen = settings["gen"] if settings["gen"] in GENERATORS[kind] else GENERATORS[kind][0]
    doc["data"] = {"generator": gen}


def _data_field(key: str, cast: type) -> Callable[[dict, Settings, Config], None]:
    def write(doc: dict, settings: Settings, base: Config) -> None:
        if "generator" in doc["data"]:
            doc["data"][key] = cast(settings[{"n": "n", "noise": "noise", "seed": "dseed"}[key]])

    return write


def _read_data(key: str, default: float, cast: type) -> Callable[[Config, Context], Any]:
    def read(cfg: Config, ctx: Context) -> Any:
        return cast(cfg.data.get(key, default) if "generator" in cfg.data else default)

    return read


def _write_classes(doc: dict, settings: Settings, base: Config) -> None:
    data = doc["data"]
    if "generator" in data and _kind(settings) == "Classification":
        data["classes"] = int(settings["classes"]) if data["generator"] in MULTI_CLASS_GENERATORS else 2


def _read_features(cfg: Config, ctx: Context) -> list[str]:
    return list(cfg.features or default_features(ctx.dim))


def _write_features(doc: dict, settings: Settings, base: Config) -> None:
    one_d = _kind(settings) == "Curve fitting (1-D)"
    allowed = ONE_D if one_d else FEATURES
    chosen = [f for f in settings["features"] if f in allowed] or default_features(1 if one_d else 2)
    default = chosen == default_features(1 if one_d else 2)
    doc["features"] = None if default and base.features is None else chosen  # None: the default, as `base` said it


def _features_to_link(cfg: Config) -> str | None:
    return ",".join(cfg.features or default_features(1 if one_d_data(cfg.data) else 2))


def _features_from_link(doc: dict, text: str, query: dict[str, str]) -> None:
    doc["features"] = [f.strip() for f in text.split(",") if f.strip()]


def _write_hidden(doc: dict, settings: Settings, base: Config) -> None:
    doc["hidden"] = [int(settings[f"h{i + 1}"]) for i in range(int(settings["layers"]))]


def _hidden_to_link(cfg: Config) -> str | None:
    return ",".join(map(str, cfg.hidden)) or "none"


def _hidden_from_link(doc: dict, text: str, query: dict[str, str]) -> None:
    doc["hidden"] = [] if text.strip().lower() in ("none", "") else [typed(w) for w in text.split(",")]


def _width(i: int) -> Control:
    return Control(
        f"h{i + 1}",
        f"h{i + 1}",
        lambda s: _("Neurons in hidden layer {n}: the width of W{i}'s output.").format(n=i + 1, i=i),
        "network",
        "number",
        "hidden",
        lo=limits.MIN_NEURONS,
        hi=limits.MAX_NEURONS,
        integer=True,
        row="widths",
        shown=lambda s, ctx: int(s["layers"]) > i,
        read=lambda cfg, ctx: int(cfg.hidden[i]) if i < len(cfg.hidden) else DEFAULT_WIDTH,
        write=lambda doc, s, base: None,  # "layers" writes the list
    )


def _read_auto(path: str) -> Callable[[Config, Context], str]:
    return lambda cfg, ctx: getattr(cfg, path) or "auto"


def _write_loss(doc: dict, settings: Settings, base: Config) -> None:
    if settings["loss"] != "auto":
        doc["loss"] = settings["loss"]


def _write_output(doc: dict, settings: Settings, base: Config) -> None:
    loss = settings["loss"] if settings["loss"] != "auto" else "mse"
    if settings["out"] != "auto" and settings["out"] in ALLOWED_OUTPUT[loss]:
        doc["output_activation"] = settings["out"]


def _write_optimizer(doc: dict, settings: Settings, base: Config) -> None:
    doc["optimizer"] = {"name": settings["opt"], **doc.get("optimizer", {})}


def _after_optimizer(settings: Settings, memo: dict) -> Settings:
    """Another optimiser: its own numbers come back (the person's last, else its defaults), not those of the one
    before (adagrad's ε = 1e-7 ended up in Adam)."""
    opt = settings["opt"]
    return settings | {k: memo.get((opt, k), default) for k, (default, _, _) in OPTIMIZERS[opt].items()}


HYPER_LABELS = {  # an optimiser's own numbers by their symbols in its formula (the tooltip gives the formula)
    "momentum": N_("Momentum β"),
    "b1": "β₁",
    "b2": "β₂",
    "eps": "ε",
    "decay": N_("Decay ρ"),
    "initial_accumulator_value": N_("Initial accumulator G₀"),
    "weight_decay": N_("Weight decay λ"),
}


def _hyper(name: str) -> Control:
    default, lo, hi = next(spec[name] for spec in OPTIMIZERS.values() if name in spec)

    def write(doc: dict, settings: Settings, base: Config) -> None:
        if name in OPTIMIZERS[settings["opt"]]:
            doc.setdefault("optimizer", {})[name] = float(settings[name])

    def from_link(doc: dict, text: str, query: dict[str, str]) -> None:  # another optimiser's: dropped silently
        if name in OPTIMIZERS.get(doc.get("optimizer", {}).get("name"), {}):
            _set(doc, ("optimizer", name), typed(text))

    def read(cfg: Config, ctx: Context) -> float:
        own = OPTIMIZERS.get(cfg.optimizer.name, {}).get(name, (default,))[0]
        return float(dict(cfg.optimizer.hyper).get(name, own))

    return Control(
        name,
        HYPER_LABELS.get(name, name),
        lambda s: hyper_help(s["opt"], name),
        "optimizer",
        "number",
        "optimizer",
        path=("optimizer", name),
        link=name,
        lo=lo,
        hi=hi,
        number_format="%.6g",
        shown=lambda s, ctx: name in OPTIMIZERS[s["opt"]],
        read=read,
        write=write,
        from_link=from_link,
        link_always=True,
    )


def _read_batch_mode(cfg: Config, ctx: Context) -> str:
    return "Full batch" if cfg.batch_size is None else "SGD (1)" if cfg.batch_size == 1 else "Mini-batch"


def _write_batch(doc: dict, settings: Settings, base: Config) -> None:
    mode = settings["batch_mode"]
    doc["batch_size"] = None if mode == "Full batch" else 1 if mode == "SGD (1)" else int(settings["batch_k"])


def _batch_to_link(cfg: Config) -> str | None:
    return "full" if cfg.batch_size is None else str(cfg.batch_size)


def _batch_from_link(doc: dict, text: str, query: dict[str, str]) -> None:
    doc["batch_size"] = None if text.strip().lower() == "full" else typed(text)


def _write_rate(doc: dict, settings: Settings, base: Config) -> None:
    rate = float(settings["rate"]) if settings["reg"] != "none" else 0.0
    doc.setdefault("regularization", {})["rate"] = rate


def _after_regularization(settings: Settings, memo: dict) -> Settings:
    if settings["reg"] != "none" and not float(settings["rate"] or 0):
        return settings | {"rate": DEFAULT_REG_RATE}  # a rate of 0 would leave the new term without effect
    return settings


def _write_clip(doc: dict, settings: Settings, base: Config) -> None:
    doc["clip_norm"] = float(settings["clip"]) if settings["clip_on"] else None


def _around(values: Sequence[float], name: str) -> Callable[[Settings, Context], list[float]]:
    """A select slider's stops, with the current value among them (a link or preset may give any)."""
    return lambda s, ctx: sorted({*values, float(s[name])})


def _schedule(name: str) -> Callable[[Settings, Context], bool]:
    return lambda s, ctx: s["sched"] == name


# ---- the table ----------------------------------------------------------------------------------------
CONTROLS: tuple[Control, ...] = (
    Control(
        "problem",
        N_("Problem"),
        N_("Classification learns class probabilities; regression a value over the plane; curve fitting y(x)."),
        "data",
        "radio",
        "problem",
        link="problem",
        options=tuple(PROBLEM_KINDS),
        read=_read_problem,
        write=_write_problem,
        to_link=lambda cfg: cfg.problem,
        from_link=_problem_from_link,
        then=_after_problem,
    ),
    Control(
        "gen",
        N_("Data set"),
        N_(
            "A seeded generator, or your points (from a preset, a CSV file or an import). Choosing a generator "
            "replaces the points."
        ),
        "data",
        "select",
        "data",
        path=("data", "generator"),
        link="gen",
        options=_generators,
        read=_read_gen,
        write=_write_data,
    ),
    Control(
        "n",
        N_("Points"),
        N_("How many points the generator makes (train + test)."),
        "data",
        "number",
        "data",
        path=("data", "n"),
        link="n",
        lo=4,
        hi=limits.MAX_GENERATED_POINTS,
        step=50,
        integer=True,
        row="data1",
        enabled=lambda s, ctx: s["gen"] != OWN_POINTS,
        read=_read_data("n", 300, int),
        write=_data_field("n", int),
    ),
    Control(
        "noise",
        N_("Noise"),
        N_("Standard deviation of the noise added to the points (or the targets), relative to the data's scale."),
        "data",
        "slider",
        "data",
        path=("data", "noise"),
        link="noise",
        lo=0.0,
        hi=limits.MAX_NOISE,
        step=0.01,
        row="data1",
        enabled=lambda s, ctx: s["gen"] != OWN_POINTS,
        read=_read_data("noise", 0.1, float),
        write=_data_field("noise", float),
    ),
    Control(
        "test",
        N_("Test fraction"),
        N_("Share of points held out: they are never trained on and measure generalisation."),
        "data",
        "slider",
        "test_fraction",
        path=("test_fraction",),
        link="test",
        lo=0.0,
        hi=0.9,
        step=0.05,
        row="data2",
    ),
    Control(
        "dseed",
        N_("Data seed"),
        N_("Seed of the generator and of the train/test split."),
        "data",
        "number",
        "data",
        path=("data", "seed"),
        link="dseed",
        lo=0,
        hi=limits.MAX_SEED,
        integer=True,
        row="data2",
        enabled=lambda s, ctx: s["gen"] != OWN_POINTS,
        read=_read_data("seed", 0, int),
        write=_data_field("seed", int),
    ),
    Control(
        "classes",
        N_("Classes"),
        N_("Number of classes k; the output layer then has k softmax outputs."),
        "data",
        "slider",
        "data",
        path=("data", "classes"),
        link="classes",
        lo=limits.MIN_CLASSES,
        hi=limits.MAX_CLASSES,
        integer=True,
        shown=lambda s, ctx: _kind(s) == "Classification" and s["gen"] in MULTI_CLASS_GENERATORS,
        read=_read_data("classes", 2, int),
        write=_write_classes,
    ),
    Control(
        "features",
        N_("Input features"),
        N_("What the first layer sees: raw coordinates or fixed functions of them (x1², x1·x2, sin x1 …)."),
        "network",
        "multiselect",
        "features",
        link="features",
        options=lambda s, ctx: list(ONE_D if _kind(s) == "Curve fitting (1-D)" else FEATURES),
        read=_read_features,
        write=_write_features,
        to_link=_features_to_link,
        from_link=_features_from_link,
    ),
    Control(
        "layers",
        N_("Hidden layers"),
        N_("Layers between input and output. 0 is a linear (or logistic) model."),
        "network",
        "number",
        "hidden",
        link="hidden",
        lo=0,
        hi=limits.MAX_HIDDEN_LAYERS,
        integer=True,
        read=lambda cfg, ctx: len(cfg.hidden),
        write=_write_hidden,
        to_link=_hidden_to_link,
        from_link=_hidden_from_link,
    ),
    *(_width(i) for i in range(limits.MAX_HIDDEN_LAYERS)),
    Control(
        "act",
        N_("Activation σ"),
        N_("Hidden layers compute a = σ(a·W + b); σ′ multiplies every δ on the way back."),
        "network",
        "select",
        "activation",
        path=("activation",),
        link="act",
        options=HIDDEN,
    ),
    Control(
        "loss",
        N_("Loss"),
        lambda s: "\n\n".join(_(text) for text in i18n.loss_texts()),  # the loss records' own lines
        "network",
        "select",
        "loss",
        path=("loss",),
        link="loss",
        options=lambda s, ctx: losses_for(_kind(s), ctx.classes),
        read=_read_auto("loss"),
        write=_write_loss,
    ),
    Control(
        "out",
        N_("Output activation"),
        N_("σ of the last layer; only those the chosen loss can use are offered."),
        "network",
        "select",
        "output_activation",
        path=("output_activation",),
        link="out",
        options=lambda s, ctx: outputs_for(s["loss"], _kind(s)),
        read=_read_auto("output_activation"),
        write=_write_output,
    ),
    Control(
        "init",
        N_("Initialisation"),
        N_(
            "Starting weights. zeros shows why they must be random: every neuron of a layer gets the same gradient "
            "and stays identical (with sigmoid); with tanh or relu a hidden layer outputs 0, so only the output's bias "
            "ever learns."
        ),
        "network",
        "select",
        "init",
        path=("init",),
        link="init",
        options=INITS,
    ),
    Control(
        "opt",
        N_("Optimiser"),
        N_("How a gradient becomes an update (all optax). sgd: W ← W − η·∂L/∂W."),
        "optimizer",
        "select",
        "optimizer",
        path=("optimizer", "name"),
        link="opt",
        options=tuple(OPTIMIZERS),
        write=_write_optimizer,
        then=_after_optimizer,
    ),
    Control(
        "lr",
        N_("Learning rate η"),
        N_("Step size η. Changing it keeps training going: it is an input, not part of the compiled program."),
        "optimizer",
        "select_slider",
        "optimizer",
        path=("optimizer", "learning_rate"),
        link="lr",
        options=_around(LEARNING_RATES, "lr"),
        number_format="%g",
        read=lambda cfg, ctx: float(cfg.optimizer.learning_rate),
        write=lambda doc, s, base: _set(doc, ("optimizer", "learning_rate"), float(s["lr"])),
    ),
    *(_hyper(k) for k in HYPER_ORDER),
    Control(
        "batch_mode",
        N_("Batch"),
        N_("Points per gradient step: all (batch GD), one (SGD), or k (mini-batch, reshuffled every epoch)."),
        "optimizer",
        "radio",
        "batch_size",
        link="batch",
        options=BATCH_MODES,
        read=_read_batch_mode,
        write=_write_batch,
        to_link=_batch_to_link,
        from_link=_batch_from_link,
    ),
    Control(
        "batch_k",
        N_("Batch size k"),
        N_("Points per step; an epoch is ⌈n/k⌉ steps."),
        "optimizer",
        "number",
        "batch_size",
        lo=2,
        hi=limits.MAX_POINTS,
        integer=True,
        shown=lambda s, ctx: s["batch_mode"] == "Mini-batch",
        read=lambda cfg, ctx: int(cfg.batch_size or 10) if cfg.batch_size != 1 else 10,
        write=lambda doc, s, base: None,  # "batch_mode" writes the batch size
    ),
    Control(
        "reg",
        N_("Regularisation"),
        N_("Adds rate·Σ|W| (l1) or rate·½ΣW² (l2) to the loss: pulls weights towards 0."),
        "advanced",
        "select",
        "regularization",
        path=("regularization", "kind"),
        link="reg",
        options=REGULARIZATIONS,
        then=_after_regularization,
    ),
    Control(
        "rate",
        N_("Regularisation rate"),
        N_("λ in λ·R(W)."),
        "advanced",
        "select_slider",
        "regularization",
        path=("regularization", "rate"),
        link="rate",
        options=_around(REG_RATES, "rate"),
        number_format="%g",
        shown=lambda s, ctx: s["reg"] != "none",
        read=lambda cfg, ctx: float(cfg.regularization[1]),
        write=_write_rate,
    ),
    Control(
        "dropout",
        N_("Dropout"),
        N_("While training, each hidden activation is zeroed with this probability (and the rest scaled up)."),
        "advanced",
        "slider",
        "dropout",
        path=("dropout",),
        link="dropout",
        lo=0.0,
        hi=limits.MAX_DROPOUT,
        step=0.05,
    ),
    Control(
        "clip_on",
        N_("Clip gradients"),
        N_("Rescale the whole gradient when its global norm exceeds the threshold."),
        "advanced",
        "checkbox",
        "clip_norm",
        path=("clip_norm",),
        link="clip",
        read=lambda cfg, ctx: cfg.clip_norm is not None,
        write=_write_clip,
    ),
    Control(
        "clip",
        N_("Max gradient norm"),
        N_("g ← g·min(1, c/‖g‖)."),
        "advanced",
        "number",
        "clip_norm",
        lo=1e-3,
        hi=limits.MAX_CLIP_NORM,
        number_format="%.4g",
        shown=lambda s, ctx: bool(s["clip_on"]),
        read=lambda cfg, ctx: float(cfg.clip_norm or 1.0),
        write=lambda doc, s, base: None,  # "clip_on" writes clip_norm
    ),
    Control(
        "sched",
        N_("Schedule"),
        N_("η over epochs: constant, ×γ every few epochs (step), or a cosine decay."),
        "advanced",
        "select",
        "schedule",
        path=("schedule", "name"),
        link="sched",
        options=SCHEDULES,
    ),
    Control(
        "warmup",
        N_("Warm-up epochs"),
        N_("η rises linearly from η/(w+1) to η over these first epochs."),
        "advanced",
        "number",
        "schedule",
        path=("schedule", "warmup_epochs"),
        link="warmup",
        lo=0,
        hi=100_000,
        integer=True,
    ),
    Control(
        "step_epochs",
        N_("Step every (epochs)"),
        N_("η is multiplied by γ after each such period."),
        "advanced",
        "number",
        "schedule",
        path=("schedule", "step_epochs"),
        link="step_epochs",
        lo=1,
        hi=100_000,
        integer=True,
        shown=_schedule("step"),
    ),
    Control(
        "gamma",
        N_("γ"),
        N_("Factor applied to η at each step."),
        "advanced",
        "slider",
        "schedule",
        path=("schedule", "gamma"),
        link="gamma",
        lo=0.01,
        hi=1.0,
        step=0.01,
        shown=_schedule("step"),
    ),
    Control(
        "decay_epochs",
        N_("Decay over (epochs)"),
        N_("η·(f + (1−f)·½(1+cos(π·t/T))): from η down to f·η over T epochs, then stays there."),
        "advanced",
        "number",
        "schedule",
        path=("schedule", "decay_epochs"),
        link="decay_epochs",
        lo=1,
        hi=10**7,
        integer=True,
        shown=_schedule("cosine"),
    ),
    Control(
        "final",
        N_("Final fraction f of η"),
        N_("Where the cosine ends: 0 decays η to nothing, 0.1 to a tenth of it."),
        "advanced",
        "slider",
        "schedule",
        path=("schedule", "final_fraction"),
        link="final",
        lo=0.0,
        hi=1.0,
        step=0.05,
        shown=_schedule("cosine"),
    ),
    Control(
        "seed",
        N_("Seed"),
        N_("Seed of the initial weights, the shuffling and dropout: same seed, same run."),
        "seed",
        "number",
        "seed",
        path=("seed",),
        link="seed",
        lo=0,
        hi=limits.MAX_SEED,
        integer=True,
    ),
)
BY_NAME = {c.name: c for c in CONTROLS}
BY_LINK = {c.link: c for c in CONTROLS if c.link}
UI_KEYS = ("hide", "present", "preset", "lang", "lesson", "step")  # classroom flags, preset, language, lesson
MAX_LINK_VALUE = 200


# ---- derived: settings ↔ config -------------------------------------------------------------------------
def settings_of(cfg: Config, ctx: Context) -> Settings:
    """The settings that show this config."""
    return {c.name: c.value_of(cfg, ctx) for c in CONTROLS}


def document_of(settings: Settings, base: Config) -> dict:
    """The config document the settings describe. What is not a setting comes from `base`: its title and
    caption, its points while "your points" is chosen, and its weights (and optimiser state) where the network
    they belong to is unchanged."""
    doc: dict = {}
    for c in CONTROLS:
        c.put(doc, settings, base)
    doc = {k: v for k, v in doc.items() if v is not None or k == "batch_size"}
    feats = tuple(doc["features"]) if doc.get("features") else None
    if base.params is not None and base.hidden == tuple(doc["hidden"]) and base.features == feats:
        doc["params"], doc["trained_epochs"] = base.params, base.trained_epochs
        same = doc["optimizer"]["name"] == base.optimizer.name and (doc.get("clip_norm") is None) == (
            base.clip_norm is None
        )
        if base.train_state is not None and same:
            doc["train_state"] = base.train_state
    for k in ("title", "caption", "epochs"):
        doc[k] = getattr(base, k)
    return doc


def after_change(name: str, settings: Settings, memo: dict) -> Settings:
    """The settings once `name` has its new value: with the settings that follow it (a new problem's default
    data set, an optimiser's own numbers, a regularisation's rate)."""
    c = BY_NAME[name]
    if c.then is not None:
        settings = c.then(settings, memo)
    return settings


def within_options(settings: Settings, ctx: Context) -> Settings:
    """Every select-like setting among its current options (a loss the new data set does not allow → auto)."""
    out = dict(settings)
    for c in CONTROLS:
        if c.kind in ("select", "radio") and c.shown(out, ctx):
            opts = c.choices(out, ctx)
            if opts and out[c.name] not in opts:
                out[c.name] = opts[0]
    return out


# ---- derived: link ↔ config -----------------------------------------------------------------------------
def config_to_query(cfg: Config, base: Config | None = None) -> dict[str, str]:
    """The config as a link's query parameters: each setting that differs from `base` (a preset's config, or
    the default config), plus the chosen optimiser's own numbers (drawn points do not travel)."""
    base = base or Config()
    q: dict[str, str] = {}
    for c in CONTROLS:
        if not c.link:
            continue
        text = c.link_text(cfg)
        if text is not None and (text != c.link_text(base) or c.link_always):
            q[c.link] = text
    return q


WEIGHTS = ("params", "train_state", "trained_epochs")  # what a base's trained network brings


def query_to_config(query: dict[str, str], base: Config | None = None) -> tuple[Config, list[str]]:
    """A link's settings over `base` (a preset's config, or the default config), each checked in the table's
    order: a value the config refuses (alone, or with the settings before it) is left out with a one-line
    notice and the rest apply. The base's weights stay where the link leaves its network's shape as it was."""
    notices: list[str] = []
    for key in query:
        if key not in BY_LINK and key not in UI_KEYS:
            notices.append(_("{key}: unknown setting; ignored").format(key=shown(key)))
    base = base or Config()
    doc = {k: v for k, v in base.to_dict().items() if k not in WEIGHTS}
    for c in CONTROLS:
        if c.link not in query:
            continue
        raw = str(query[c.link])
        if len(raw) > MAX_LINK_VALUE:
            notices.append(_("{key}: value too long; ignored").format(key=c.link))
            continue
        trial = copy.deepcopy(doc)
        try:
            c.from_text(trial, raw, query)
            parse_config(trial)
        except ConfigError as e:  # its reason without the config path: the link's key is named instead
            kept = _("using the default") if base == Config() else _("keeping the preset's")
            notices.append(_("{key}: {reason}; {kept}").format(key=c.link, reason=i18n.error_reason(e), kept=kept))
            continue
        doc = trial
    cfg = parse_config(doc)
    if base.params is not None and (cfg.hidden, cfg.features) == (base.hidden, base.features):
        with contextlib.suppress(ConfigError):  # e.g. a link that changes the data's classes: no weights
            cfg = parse_config(doc | {k: v for k, v in base.to_dict().items() if k in WEIGHTS})
    return cfg, notices
