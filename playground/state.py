"""Pure functions between the page's widgets, the config document, and the data set. No Streamlit here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from engine import limits
from engine.config import (
    CLASSIFICATION_GENERATORS,
    MULTI_CLASS_GENERATORS,
    OPTIMIZERS,
    Config,
    parse_config,
)
from engine.data import DataError, Dataset
from engine.features import FEATURES, ONE_D
from engine.losses import ALLOWED_OUTPUT
from playground.theme import CLASS_COLORS

PRESETS_DIR = Path(__file__).resolve().parents[1] / "assets" / "presets"
PROBLEM_KINDS = {
    "Classification": "classification",
    "Regression (2-D)": "regression",
    "Curve fitting (1-D)": "regression",
}
GENERATORS = {
    "Classification": CLASSIFICATION_GENERATORS,
    "Regression (2-D)": ("plane", "gaussian_bumps"),
    "Curve fitting (1-D)": ("sine", "square"),
}
OWN_POINTS = "your points"  # the Data set choice while the points come from a preset, a CSV file or an import
LEARNING_RATES = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1, 0.3, 1.0)
SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
HYPER_HELP = {
    "momentum": "β: v ← β·v + g, W ← W − η·v. Higher keeps more of past gradients.",
    "b1": "β₁: decay of Adam's first moment m ← β₁m + (1−β₁)g.",
    "b2": "β₂: decay of the second moment v ← β₂v + (1−β₂)g².",
    "eps": "ε in Adam's update η·m̂/(√v̂ + ε), outside the root: guards against division by zero.",
    "decay": "ρ: decay of the running mean of g² in RMSprop.",
    "initial_accumulator_value": "Start value of Adagrad's sum of squared gradients.",
    "weight_decay": "λ: AdamW subtracts η·λ·W each step, apart from the gradient.",
}


HYPER_HELP_OF = {  # where an optimiser's number means something else than HYPER_HELP says
    ("nesterov", "momentum"): "β: v ← β·v + g, W ← W − η·(g + β·v): the step looks ahead along the velocity.",
    ("rmsprop", "eps"): "ε inside the root, as optax computes it: W ← W − η·g/√(s + ε), s the running mean of g².",
    ("adagrad", "eps"): "ε inside the root, as optax computes it: W ← W − η·g/√(Σg² + ε).",
}


def hyper_help(optimizer: str, name: str) -> str:
    """The tooltip of an optimiser's hyper-parameter, in that optimiser's own formula."""
    return HYPER_HELP_OF.get((optimizer, name), HYPER_HELP[name])


def problem_kind(cfg: Config) -> str:
    if cfg.problem == "classification":
        return "Classification"
    return (
        "Curve fitting (1-D)"
        if cfg.data.get("generator") in ("sine", "square") or _inline_dim(cfg) == 1
        else "Regression (2-D)"
    )


def _inline_dim(cfg: Config) -> int:
    x = cfg.data.get("x")
    return len(x[0]) if x and isinstance(x[0], list) else 2


def nearest(options, value):
    return min(options, key=lambda o: abs(np.log10(o + 1e-12) - np.log10(value + 1e-12)))


def widgets_from_config(cfg: Config, dim: int) -> dict:
    """Widget values (by key) that show this config."""
    kind = problem_kind(cfg)
    d = cfg.data if "generator" in cfg.data else {}
    feats = list(cfg.features or (("x1", "x2") if dim == 2 else ("x1",)))
    w = {
        "w_problem": kind,
        "w_gen": d.get("generator", OWN_POINTS),
        "w_n": int(d.get("n", 300)),
        "w_noise": float(d.get("noise", 0.1)),
        "w_dseed": int(d.get("seed", 0)),
        "w_classes": int(d.get("classes", 2)),
        "w_test": float(cfg.test_fraction),
        "w_features": feats,
        "w_layers": len(cfg.hidden),
        "w_act": cfg.activation,
        "w_loss": cfg.loss or "auto",
        "w_out": cfg.output_activation or "auto",
        "w_init": cfg.init,
        "w_opt": cfg.optimizer.name,
        "w_lr": float(cfg.optimizer.learning_rate),
        "w_batch_mode": "Full batch"
        if cfg.batch_size is None
        else ("SGD (1)" if cfg.batch_size == 1 else "Mini-batch"),
        "w_batch_k": int(cfg.batch_size or 10) if cfg.batch_size != 1 else 10,
        "w_reg": cfg.regularization[0],
        "w_rate": float(cfg.regularization[1]),
        "w_dropout": float(cfg.dropout),
        "w_clip_on": cfg.clip_norm is not None,
        "w_clip": float(cfg.clip_norm or 1.0),
        "w_sched": cfg.schedule.name,
        "w_warmup": int(cfg.schedule.warmup_epochs),
        "w_step_epochs": int(cfg.schedule.step_epochs),
        "w_gamma": float(cfg.schedule.gamma),
        "w_decay_epochs": int(cfg.schedule.decay_epochs),
        "w_final": float(cfg.schedule.final_fraction),
        "w_seed": int(cfg.seed),
    }
    for i in range(limits.MAX_HIDDEN_LAYERS):
        w[f"w_h{i}"] = int(cfg.hidden[i]) if i < len(cfg.hidden) else 4
    for k, v in cfg.optimizer.hyper:
        w[f"w_{k}"] = float(v)
    return w


def config_from_widgets(w: dict, base: Config) -> dict:
    """The config document the widgets describe (inline data of `base` is kept)."""
    kind = w["w_problem"]
    gen = w["w_gen"] if w["w_gen"] in GENERATORS[kind] else GENERATORS[kind][0]
    data = {"generator": gen, "n": int(w["w_n"]), "noise": float(w["w_noise"]), "seed": int(w["w_dseed"])}
    if kind == "Classification":
        data["classes"] = int(w["w_classes"]) if gen in MULTI_CLASS_GENERATORS else 2
    if w["w_gen"] == OWN_POINTS and "generator" not in base.data and problem_kind(base) == kind:
        data = base.data  # an inline or CSV data set stays until a generator is chosen
        if "test" in data and float(w["w_test"]) != base.test_fraction:  # a new test fraction: a new split
            data = {k: v for k, v in data.items() if k != "test"}
    one_d = kind == "Curve fitting (1-D)"
    feats = [f for f in w["w_features"] if f in (ONE_D if one_d else FEATURES)] or (["x1"] if one_d else ["x1", "x2"])
    opt = {"name": w["w_opt"], "learning_rate": float(w["w_lr"])}
    for k in OPTIMIZERS[w["w_opt"]]:
        if f"w_{k}" in w:
            opt[k] = float(w[f"w_{k}"])
    mode = w["w_batch_mode"]
    batch = None if mode == "Full batch" else 1 if mode == "SGD (1)" else int(w["w_batch_k"])
    doc = {
        "problem": PROBLEM_KINDS[kind],
        "data": data,
        "test_fraction": float(w["w_test"]),
        "features": feats,
        "hidden": [int(w[f"w_h{i}"]) for i in range(int(w["w_layers"]))],
        "activation": w["w_act"],
        "init": w["w_init"],
        "optimizer": opt,
        "batch_size": batch,
        "regularization": {"kind": w["w_reg"], "rate": float(w["w_rate"]) if w["w_reg"] != "none" else 0.0},
        "dropout": float(w["w_dropout"]),
        "clip_norm": float(w["w_clip"]) if w["w_clip_on"] else None,
        "schedule": {
            "name": w["w_sched"],
            "warmup_epochs": int(w["w_warmup"]),
            "step_epochs": int(w["w_step_epochs"]),
            "gamma": float(w["w_gamma"]),
            "decay_epochs": int(w["w_decay_epochs"]),
            "final_fraction": float(w["w_final"]),
        },
        "seed": int(w["w_seed"]),
    }
    if w["w_loss"] != "auto":
        doc["loss"] = w["w_loss"]
    if w["w_out"] != "auto" and w["w_out"] in ALLOWED_OUTPUT[w["w_loss"] if w["w_loss"] != "auto" else "mse"]:
        doc["output_activation"] = w["w_out"]
    if base.params is not None and base.hidden == tuple(doc["hidden"]) and base.features == tuple(feats):
        doc["params"], doc["trained_epochs"] = base.params, base.trained_epochs
        same_optimizer = opt["name"] == base.optimizer.name and (doc["clip_norm"] is None) == (base.clip_norm is None)
        if base.train_state is not None and same_optimizer:
            doc["train_state"] = base.train_state
    for k in ("title", "caption", "epochs"):
        doc[k] = getattr(base, k)
    return doc


def losses_for(kind: str, classes: int) -> list[str]:
    if kind != "Classification":
        return ["auto", "mse", "half_sse"]
    return ["auto", "cross_entropy", "mse", "half_sse"] + (["bce"] if classes == 2 else [])


def outputs_for(loss: str, kind: str) -> list[str]:
    if loss == "auto":
        return ["auto"]
    allowed = [a for a in ALLOWED_OUTPUT[loss] if kind == "Classification" or a != "softmax"]
    return ["auto", *allowed]


def presets() -> dict[str, Path]:
    out = {}
    for p in sorted(PRESETS_DIR.glob("*.json")):
        try:
            out[json.loads(p.read_text()).get("title", p.stem)] = p
        except json.JSONDecodeError:
            continue
    return out


def load_preset(path: Path) -> Config:
    return parse_config(json.loads(path.read_text()))


# ---- drawing ------------------------------------------------------------------------------------


def apply_stroke(ds: Dataset, stroke: dict) -> Dataset:
    """A stroke from the board: add its points (class label, or target value in 2-D regression; in 1-D the
    y coordinate is the target), or erase every point within its radius of the path."""
    pts = stroke_points(stroke)
    if stroke.get("tool") != "erase" and ds.n + len(pts) > limits.MAX_POINTS:
        if ds.n >= limits.MAX_POINTS:
            raise DataError(f"the board holds at most {limits.MAX_POINTS} points")
        pts = pts[: limits.MAX_POINTS - ds.n]  # a spray that reaches the limit keeps what fits
    if stroke.get("tool") == "erase":
        r = _stroke_number(stroke, "radius", 0.3, 0.0, limits.MAX_ABS_COORD) or 0.3
        xy = ds.x if ds.dim == 2 else np.stack([ds.x[:, 0], ds.y[:, 0]], 1)
        d2 = ((xy[:, None, :] - pts[None, :, :]) ** 2).sum(-1).min(1) if len(pts) else np.full(ds.n, np.inf)
        return ds.keep(d2 > r * r)
    if ds.dim == 1:
        return ds.add(pts[:, :1], pts[:, 1:2])
    if ds.problem == "classification":
        label = _stroke_number(stroke, "label", 0, 0, ds.classes - 1)
        if label != int(label):
            raise DataError(f"a class label is a whole number 0…{ds.classes - 1}")
        return ds.add(pts, np.full(len(pts), int(label)))
    target = _stroke_number(stroke, "target", 0.0, -limits.MAX_ABS_TARGET, limits.MAX_ABS_TARGET)
    return ds.add(pts, np.full((len(pts), ds.n_targets), target))


def stroke_points(stroke: dict) -> np.ndarray:
    """A stroke's (n, 2) points: finite numbers within the coordinate limit, at most `MAX_STROKE_POINTS` (a
    longer spray keeps its first ones: the data set's own limit applies after)."""
    raw = stroke.get("pts") or []
    if not isinstance(raw, list):
        raise DataError("the drawing stroke had invalid coordinates")
    raw = raw[: limits.MAX_STROKE_POINTS]
    ok = all(
        isinstance(p, list)
        and len(p) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= limits.MAX_ABS_COORD for v in p)
        for p in raw
    )
    if not ok:
        raise DataError("the drawing stroke had invalid coordinates")
    return np.asarray(raw, np.float64).reshape(-1, 2)


def _stroke_number(stroke: dict, key: str, default: float, lo: float, hi: float) -> float:
    v = stroke.get(key, default)
    if v is None:
        v = default
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:  # NaN fails the range too
        raise DataError(f"the drawing stroke had an invalid {key}")
    return float(v)


def nearest_point(ds: Dataset, stroke: dict) -> int | None:
    """The data point nearest a click (within twice the stroke's radius), for the step inspector."""
    try:
        pts = stroke_points(stroke)
        r = _stroke_number(stroke, "radius", 0.0, 0.0, limits.MAX_ABS_COORD)
    except DataError:
        return None
    if ds.n == 0 or len(pts) == 0:
        return None
    p = pts[0]
    xy = ds.x if ds.dim == 2 else np.concatenate([ds.x, ds.y[:, :1]], 1)
    d = np.hypot(*(xy - p).T)
    i = int(np.argmin(d))
    return i if r <= 0 or d[i] <= 2 * r or d[i] <= 0.05 * np.ptp(xy, 0).max() else None


# ---- classroom -----------------------------------------------------------------------------------
SECTION_FLAGS = ("data", "network", "optimizer", "transport", "draw", "sidebar", "share")
VIEW_FLAGS = ("metrics", "inspector", "diagram", "warp", "race", "history")  # one per tab, in order


def classroom_flags(hide: str | None, present: str | None) -> tuple[set[str], bool, list[str]]:
    """?hide=data,race,… hides those controls or panels; ?present=1 is the projector layout. Unknown names are
    ignored with a notice."""
    notes = []
    hidden = set()
    for name in (hide or "")[:300].split(","):
        name = name.strip().lower()
        if not name:
            continue
        if name in SECTION_FLAGS or name in VIEW_FLAGS:
            hidden.add(name)
        else:
            notes.append(f"hide: no panel named {name[:30]!r} (known: {', '.join(SECTION_FLAGS + VIEW_FLAGS)})")
    on = str(present or "").strip().lower()
    if on not in ("", "0", "1", "true", "false", "yes", "no"):
        notes.append(f"present: expected 1 or 0, got {on[:20]!r}")
    return hidden, on in ("1", "true", "yes"), notes


def class_button_css(k: int) -> str:
    """A dot of each class's colour before the Draw tool's 'class i' buttons (the first k of the group)."""
    rules = [
        f".st-key-w_tool button[role=radio]:nth-of-type({c + 1}) p::before"
        f"{{content:'●';color:{CLASS_COLORS[c]};margin-right:.35em;font-size:1.15em}}"
        for c in range(k)
    ]
    return "<style>" + "".join(rules) + "</style>"


def page_css(hidden: set[str], present: bool) -> str:
    """Page styles: hidden sections (widgets stay, so settings keep their values) and projector type sizes."""
    rules = [
        ".block-container{padding-top:1.2rem;padding-bottom:1rem}",
        # a wide inspector equation (5–6-neuron layers) scrolls sideways instead of being cut off
        ".katex-display{overflow-x:auto;overflow-y:hidden;padding:2px 0 6px}",
        # Streamlit's header is opaque once the sidebar is folded and would cover Play and the epoch counter:
        # see-through, and clicks pass to the page except on its own buttons (», the menu)
        'header[data-testid="stHeader"]{background:transparent!important}',
        'header[data-testid="stHeader"],header[data-testid="stHeader"] *{pointer-events:none!important}',
        'header[data-testid="stHeader"] button,header[data-testid="stHeader"] button *,'
        'header[data-testid="stHeader"] a{pointer-events:auto!important}',
    ]
    # the transport and Draw rows wrap onto a second line in a narrow window rather than squeeze their labels
    row, col = '[data-testid="stHorizontalBlock"]', '[data-testid="stColumn"]'
    rules += [
        f".st-key-sec_transport {row},.st-key-sec_draw {row}{{flex-wrap:wrap}}",
        f".st-key-sec_transport {col},.st-key-sec_draw {col}{{min-width:max-content}}",
        f".st-key-sec_transport {col}:nth-child(5){{min-width:200px}}",  # the speed slider
    ]
    rules += [f".st-key-sec_{k}{{display:none}}" for k in sorted(hidden) if k in SECTION_FLAGS]
    if "sidebar" in hidden:  # the header holds only the sidebar's » then, and would cover Play and the counter
        rules.append(
            'section[data-testid="stSidebar"],[data-testid="stSidebarCollapsedControl"],'
            'header[data-testid="stHeader"]{display:none}'
        )
    if present:
        rules.append("html{font-size:20px} .stApp h3{font-size:2rem} .katex{font-size:1.3em}")
    return "<style>" + "".join(rules) + "</style>"
