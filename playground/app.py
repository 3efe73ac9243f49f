"""Backprop Playground: `streamlit run playground/app.py`.

Session state → pure functions (state.py, figures.py, board.py) → the page. Play runs in this script run: each
frame trains K epochs in one engine call and streams the board's data; any click interrupts it.
"""

from __future__ import annotations

import functools
import json
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import streamlit as st

from engine import limits, programs
from engine.activations import HIDDEN
from engine.config import (
    MULTI_CLASS_GENERATORS,
    OPTIMIZERS,
    SCHEDULES,
    Config,
    ConfigError,
    parse_config,
    parse_document,
)
from engine.data import DataError, load_dataset, parse_csv, to_csv
from engine.device import describe
from engine.features import FEATURES, ONE_D
from engine.session import Session
from playground import board as bd
from playground import panels, state, warm
from playground.text import plain
from playground.urlstate import UI_KEYS, config_to_query, query_to_config

HIDEABLE = ("data", "network", "optimizer", "transport", "draw", "sidebar", "share", *state.VIEW_FLAGS)
hidden, present, flag_notes = state.classroom_flags(st.query_params.get("hide"), st.query_params.get("present"))
st.set_page_config(
    page_title="Backprop Playground",
    page_icon="🧠",
    layout="wide",
    # the projector starts with the sidebar folded (the class sees the board; » opens the settings)
    initial_sidebar_state="collapsed" if "sidebar" in hidden or present else "auto",
)
st.html(state.page_css(hidden, present))
ss = st.session_state
st.cache_resource(bd.ensure_plotly_js)()  # plotly.js from the plotly package, served locally
MAX_UNDO = 30
DEFAULT_REG_RATE = 1e-3
FPS = 20.0  # frames per second the play loop aims at; the browser shows what it can of them
INSPECT = "inspect"
PLAY_HINT = "Click to add a point, drag to spray, pick the eraser to remove. Drawing works while training runs."


# ---- state ------------------------------------------------------------------------------------------
def new_session(cfg: Config, dataset=None) -> None:
    """A new Session for this config. The page reads its config from the session (`ss.session.cfg`): one
    assignment, so a callback that Streamlit stops half-way cannot leave a config that disagrees with the
    network."""
    install_session(Session(cfg, dataset))


TRAIN_PROGRAM = "engine.train.train_epochs"
NO_TRAINING_ROWS = "No training points: draw some on the board (or lower Test fraction), then train."
COMPILE_HELP = (
    "JAX compiles a program for each network shape the first time it trains (then it is reused: adding points "
    "or changing the learning rate compiles nothing)."
)


def keep_tool(options: list[str], default: str) -> None:
    """A click on the selected Draw button would deselect it (a segmented control allows none): keep it."""
    if ss.get("w_tool") is None:
        last = ss.get("last_tool")
        ss.w_tool = last if last in options else default
    ss.last_tool = ss.w_tool


def own_points(s: Session) -> bool:
    """The session's points are not (only) its generator's: drawn, erased, loaded or imported."""
    if "generator" not in s.cfg.data:
        return True
    gen = load_dataset(s.cfg)
    return gen.n != s.dataset.n or not (np.array_equal(gen.x, s.dataset.x) and np.array_equal(gen.y, s.dataset.y))


def install_session(s: Session) -> None:
    """Make a session built (and so checked) beforehand the page's."""
    if "session" not in ss or s.dataset is not ss.session.dataset:
        ss.view_box = None  # new points: the board fits them
    ss.session = s
    ss.playing = False


def set_widgets(cfg: Config) -> None:
    for k, v in state.widgets_from_config(cfg, ss.session.dataset.dim).items():
        put(k, v)
    ss.memo = {}  # a new config (preset, import, a refused change): its values win over remembered ones
    ss.hyper_memo = {}


# ---- widgets that come and go -----------------------------------------------------------------------
def transient(draw, label: str, *args, key: str, **kwargs):
    """A settings widget not drawn in every run: h2 while there is one hidden layer, k under Full batch, an
    optimiser's own numbers, a schedule's. Brought back under the same key, a browser showed it with its default
    (h2 = 1, k = 2, β₁ = 0) and applied that on the next click. So each appearance gets a widget key of its own
    (`w_h1@3`) holding the person's last value, and what they enter is copied to `ss[key]`, which stays."""
    gens = ss.setdefault("widget_gen", {})
    if key not in ss.drawn_before:
        gens[key] = gens.get(key, 0) + 1
    ss.drawn_now.add(key)
    wkey = f"{key}@{gens.get(key, 0)}"
    value = ss[key] if wkey not in ss else ss[wkey]
    return draw(label, *args, value=value, key=wkey, on_change=on_transient, args=(key, wkey), **kwargs)


def on_transient(key: str, wkey: str) -> None:
    ss[key] = ss[wkey]
    if key.removeprefix("w_") in OPTIMIZERS[ss.w_opt]:  # an optimiser's own number: kept per optimiser
        ss.hyper_memo = {**ss.get("hyper_memo", {}), (ss.w_opt, key): ss[key]}
    on_settings(key)


def hyper_for(opt: str) -> None:
    """Another optimiser chosen: its own numbers come back (the person's last, else its defaults), not those of
    the one before (adagrad's ε = 1e-7 ended up in Adam)."""
    for k, (default, _, _) in OPTIMIZERS[opt].items():
        put(f"w_{k}", ss.get("hyper_memo", {}).get((opt, f"w_{k}"), default))


def put(key: str, value) -> None:
    """Set a widget from code (not the person): no remembered value of theirs overrides it; a transient widget
    is drawn anew with it."""
    ss[key] = value
    ss.get("memo", {}).pop(key, None)
    gens = ss.setdefault("widget_gen", {})
    if key in gens:
        gens[key] += 1


def widget_values() -> dict:
    """Every widget's value: the config's, what the drawn widgets hold, and the last value the person gave each
    widget. Streamlit forgets (or rolls back) the state of a widget that was not drawn in the last run: the h2
    box while there was one hidden layer, Batch size k under Full batch, …"""
    shown = {k: ss[k] for k in ss if str(k).startswith("w_") and "@" not in str(k)}
    return state.widgets_from_config(ss.session.cfg, ss.session.dataset.dim) | shown | ss.get("memo", {})


def restore_widgets() -> None:
    """Before the widgets are drawn: those Streamlit forgot or rolled back get the person's last value (h2 back
    to 2 after Hidden layers 2 → 1 → 2), else the config's."""
    for k, v in state.widgets_from_config(ss.session.cfg, ss.session.dataset.dim).items():
        if k not in ss:
            ss[k] = v
    for k, v in ss.get("memo", {}).items():
        if ss.get(k) != v:
            ss[k] = v


def notice(msg: str) -> None:
    ss.notices.append(msg)


def done(msg: str) -> None:
    ss.successes = [*ss.get("successes", []), msg]


def open_view(view: str) -> None:
    if view in panels.VIEWS:
        ss.view = view
        ss.inspect = None


def init() -> None:
    ss.notices, ss.undo, ss.acks, ss.seq, ss.playing = [], [], [], 0, False
    q = {k: st.query_params.get(k) for k in st.query_params}
    cfg, notes = query_to_config(q)
    for n in [*notes, *flag_notes]:
        notice(f"Link setting ignored — {n}")
    preset = q.get("preset")
    if preset:
        match = [(t, p) for t, p in state.presets().items() if p.stem == preset]
        if match:
            ss.w_preset, path = match[0]
            cfg = state.load_preset(path)
            open_view(cfg.view)
        else:
            notice(f"Link setting ignored — preset: no preset named {preset[:40]!r}")
    try:
        new_session(cfg)
    except ConfigError as e:
        notice(f"Link settings ignored — {e}")
        new_session(Config())
    set_widgets(ss.session.cfg)


if "edit_lock" not in ss:
    ss.edit_lock = threading.RLock()
if "session" not in ss:
    init()
restore_widgets()
ss.drawn_before, ss.drawn_now = ss.get("drawn_now", set()), set()  # transient widgets drawn in the last run


def remember(undo: list, ds, cfg: Config) -> None:
    """Keep a data set for Undo: the list is changed in place, never reassigned (see on_stroke)."""
    undo.append((ds, cfg))  # the config too: undoing a new data set brings its settings back with its points
    del undo[:-MAX_UNDO]


def push_undo() -> None:
    remember(ss.undo, ss.session.dataset, ss.session.cfg)


def hold_view() -> None:
    """The person is drawing: the board keeps its extent instead of fitting the points after each one."""
    ss.view_box = bd.view_bounds(ss.session.dataset, ss.get("view_box"))


# ---- callbacks --------------------------------------------------------------------------------------
def serial(callback):
    """Callbacks change the session one at a time. With fast reruns Streamlit starts the next script run (and
    its callback) while the interrupted one may still be in its own: two clicks in quick succession each added
    their point to the same old data set, and one of the two points was lost."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        with ss.edit_lock:
            return callback(*args, **kwargs)

    return run


@serial
def on_settings(key: str | None = None) -> None:
    """A network/data widget (`key`) changed: rebuild what must be rebuilt, keep training where possible."""
    if key in ss:
        ss.memo = {**ss.get("memo", {}), key: ss[key]}
    if key == "w_opt":
        hyper_for(ss.w_opt)
    if not ss.get("w_features"):
        put("w_features", list(ss.session.spec.features))
        notice(f"The network needs at least one input feature: kept {', '.join(ss.w_features)}.")
        return
    try:
        doc = state.config_from_widgets(widget_values(), ss.session.cfg)
        cfg = parse_config(doc)
    except ConfigError as e:
        notice(f"Not applied — {e}")
        set_widgets(ss.session.cfg)
        return
    old = ss.session.cfg
    if cfg.problem != old.problem or cfg.data != old.data or cfg.test_fraction != old.test_fraction:
        try:
            drawn = own_points(ss.session)
            push_undo()
            new_session(cfg)
            if drawn:
                notice("The points you drew or loaded were replaced by new ones — Undo brings them back.")
        except ConfigError as e:
            notice(f"Not applied — {e}")
            set_widgets(old)
        return
    if ss.session.set_hyper(cfg):  # learning rate & co.: training goes on, nothing recompiles
        return
    playing = ss.playing
    try:
        new_session(cfg, ss.session.dataset)  # a new network on the same (possibly drawn) points
    except ConfigError as e:
        notice(f"Not applied — {e}")
        set_widgets(old)
        return
    ss.playing = playing


@serial
def on_problem() -> None:
    kind = ss.w_problem
    put("w_gen", state.GENERATORS[kind][0])
    put("w_loss", "auto")
    put("w_out", "auto")
    put("w_features", ["x1"] if kind == "Curve fitting (1-D)" else ["x1", "x2"])
    on_settings()


@serial
def on_regularization() -> None:
    if ss.w_reg != "none" and not float(ss.get("memo", {}).get("w_rate") or ss.get("w_rate") or 0):
        put("w_rate", DEFAULT_REG_RATE)  # a rate of 0 would leave the new term without effect
    on_settings("w_reg")


@serial
def on_preset() -> None:
    name = ss.w_preset
    if name in state.presets():
        push_undo()
        new_session(state.load_preset(state.presets()[name]))
        set_widgets(ss.session.cfg)
        open_view(ss.session.cfg.view)


@serial
def on_stroke() -> None:
    """Apply the board's strokes not yet acknowledged (all of them come along: clicks that land while a script
    run is busy share one rerun). Every session-state read happens first: Streamlit may stop a callback at any
    session-state access when a newer run is requested, and a stroke applied but not acknowledged there was
    applied twice by the next run. Between a stroke's points and its acknowledgement nothing touches `ss`."""
    value = ss.board.stroke if "board" in ss else None
    session, acks, undo, view = ss.session, ss.acks, ss.undo, ss.get("view_box")
    batch = value.get("batch") if isinstance(value, dict) else None
    notes, picked = [], None
    for stroke in (batch if isinstance(batch, list) else [value])[-bd.MAX_UNACKED :]:
        if not isinstance(stroke, dict) or not isinstance(stroke.get("id"), str) or stroke["id"] in acks:
            continue
        if stroke.get("tool") == "inspect":
            picked = state.nearest_point(session.dataset, stroke)
            if picked is None:
                notes.append("No point there to inspect: click on a point (or use Whole batch in the inspector).")
        else:
            try:
                ds = state.apply_stroke(session.dataset, stroke)
            except (DataError, TypeError, ValueError) as e:
                notes.append(f"Drawing not applied — {e if isinstance(e, DataError) else 'a malformed stroke'}")
            else:
                view = bd.view_bounds(session.dataset, view)  # the board holds its extent while drawing
                remember(undo, session.dataset, session.cfg)
                session.set_dataset(ds)
        acks.append(stroke["id"])
        del acks[: -2 * bd.MAX_UNACKED]
    ss.view_box = view
    if picked is not None:
        ss.inspect, ss.view = picked, "Step inspector"
    for n in notes:
        notice(n)


@serial
def on_undo() -> None:
    if ss.undo:
        hold_view()
        ds, cfg = ss.undo.pop()
        old = ss.session.cfg
        if (cfg.problem, cfg.data, cfg.test_fraction) == (old.problem, old.data, old.test_fraction):
            ss.session.set_dataset(ds)  # drawn or erased points: training goes on
            return
        try:  # another data set was chosen since: its settings come back with its points
            new_session(replace(old, problem=cfg.problem, data=cfg.data, test_fraction=cfg.test_fraction), ds)
        except (ConfigError, ValueError):
            new_session(cfg, ds)
        set_widgets(ss.session.cfg)


@serial
def on_clear() -> None:
    push_undo()
    hold_view()
    ss.session.set_dataset(ss.session.dataset.keep(np.zeros(ss.session.dataset.n, bool)))


@serial
def on_regenerate() -> None:
    push_undo()
    ss.view_box = None
    try:
        s = ss.session
        s.set_dataset(load_dataset(s.cfg) if "generator" in s.cfg.data else s.dataset)
    except ConfigError as e:
        notice(str(e))


@serial
def on_csv() -> None:
    f = ss.get("w_csv")
    if f is None:
        return
    if f.size > limits.MAX_UPLOAD_BYTES:
        notice(
            f"CSV not loaded (your data is unchanged) — the file is larger than {limits.MAX_UPLOAD_BYTES // 10**6} MB"
        )
        return
    try:
        ds = parse_csv(f.getvalue().decode("utf-8-sig", errors="replace"), ss.session.cfg.problem)
        doc = {**ss.session.cfg.to_dict(), "data": {"x": ds.x.tolist(), "y": ds.y.tolist()}, "features": None}
        if ds.problem == "classification":
            doc["data"]["classes"] = ds.classes
        for k in ("params", "trained_epochs", "train_state"):
            doc.pop(k, None)
        push_undo()
        new_session(parse_config(doc), ds)
        set_widgets(ss.session.cfg)
        done(f"Loaded {ds.n} points from {f.name}")
    except (DataError, ConfigError) as e:
        notice(f"CSV not loaded (your data is unchanged) — {e}")


@serial
def on_import() -> None:
    f = ss.get("w_import")
    if f is None:
        return
    if f.size > limits.MAX_UPLOAD_BYTES:
        notice(f"Import failed (nothing changed) — the file is larger than {limits.MAX_UPLOAD_BYTES // 10**6} MB")
        return
    try:
        cfg = parse_document(f.getvalue())
        new = Session(cfg)  # the points and weights are checked here, before anything on the page changes
    except ConfigError as e:
        msg = str(e)
        notice(f"Import failed (nothing changed) — {'not a JSON file' if 'not valid JSON' in msg else msg}")
        return
    push_undo()
    install_session(new)
    set_widgets(ss.session.cfg)
    done(f"Imported {f.name}")


@serial
def train(n: int) -> None:
    if not ss.session.has_training_rows:
        ss.playing = False
        notice(NO_TRAINING_ROWS)
        return
    ss.session.train(n)
    if ss.session.divergence is not None:
        ss.playing = False


@serial
def on_play() -> None:
    ss.playing = not ss.playing and ss.session.divergence is None


@serial
def on_reset() -> None:
    ss.playing = False
    ss.session.reset()


# ---- sidebar: data and network -------------------------------------------------------------------------
sb = st.sidebar
sb.title("Backprop Playground")
names = list(state.presets())
sb.selectbox(
    "Preset",
    ["—", *names],
    key="w_preset",
    on_change=on_preset,
    help="Load one of the articles' examples or a classic problem: data, network and optimiser together.",
)
if ss.session.cfg.caption:
    sb.info(f"**{plain(ss.session.cfg.title, 200)}** — {plain(ss.session.cfg.caption, 2000)}")

box_data = sb.container(key="sec_data")
box_data.header("Data")
kind = ss.w_problem
box_data.radio(
    "Problem",
    list(state.PROBLEM_KINDS),
    key="w_problem",
    on_change=on_problem,
    help="Classification learns class probabilities; regression a value over the plane; curve fitting y(x).",
)
own = "generator" not in ss.session.cfg.data  # the points came from a preset, a CSV file or an import
box_data.selectbox(
    "Data set",
    [state.OWN_POINTS, *state.GENERATORS[kind]] if own else state.GENERATORS[kind],
    key="w_gen",
    on_change=on_settings,
    args=("w_gen",),
    help="A seeded generator, or your points (from a preset, a CSV file or an import). Choosing a generator "
    "replaces the points.",
)
if own:
    box_data.caption(
        f"{ss.session.dataset.n:,} point{'' if ss.session.dataset.n == 1 else 's'} of your own (preset, CSV or "
        "import): Points, Noise and Data seed are for the generators."
    )
c1, c2 = box_data.columns(2)
c1.number_input(
    "Points",
    4,
    limits.MAX_GENERATED_POINTS,
    step=50,
    key="w_n",
    on_change=on_settings,
    args=("w_n",),
    disabled=own,
    help="How many points the generator makes (train + test).",
)
c2.slider(
    "Noise",
    0.0,
    0.5,
    step=0.01,
    key="w_noise",
    on_change=on_settings,
    args=("w_noise",),
    disabled=own,
    help="Standard deviation of the noise added to the points (or the targets), relative to the data's scale.",
)
c1, c2 = box_data.columns(2)
c1.slider(
    "Test fraction",
    0.0,
    0.9,
    step=0.05,
    key="w_test",
    on_change=on_settings,
    args=("w_test",),
    help="Share of points held out: they are never trained on and measure generalisation.",
)
c2.number_input(
    "Data seed",
    0,
    limits.MAX_SEED,
    key="w_dseed",
    on_change=on_settings,
    args=("w_dseed",),
    disabled=own,
    help="Seed of the generator and of the train/test split.",
)
if kind == "Classification" and ss.w_gen in MULTI_CLASS_GENERATORS:
    transient(
        box_data.slider,
        "Classes",
        limits.MIN_CLASSES,
        limits.MAX_CLASSES,
        key="w_classes",
        help="Number of classes k; the output layer then has k softmax outputs.",
    )
with box_data.expander("CSV file"):
    st.file_uploader(
        "Load points from CSV",
        type=["csv", "txt"],
        key="w_csv",
        on_change=on_csv,
        help="Columns x1, x2 (or x) and label/y; optional set = train|test. Checked before anything changes.",
    )
    st.download_button(
        "Download points as CSV",
        functools.partial(to_csv, ss.session.dataset),  # made on click: no file per script run
        "points.csv",
        "text/csv",
        width="stretch",
        help="The current points, with their train/test split.",
    )

box_network = sb.container(key="sec_network")
box_network.header("Network")
one_d = kind == "Curve fitting (1-D)"
box_network.multiselect(
    "Input features",
    list(ONE_D if one_d else FEATURES),
    key="w_features",
    on_change=on_settings,
    args=("w_features",),
    help="What the first layer sees: raw coordinates or fixed functions of them (x1², x1·x2, sin x1 …).",
)
box_network.number_input(
    "Hidden layers",
    0,
    limits.MAX_HIDDEN_LAYERS,
    key="w_layers",
    on_change=on_settings,
    args=("w_layers",),
    help="Layers between input and output. 0 is a linear (or logistic) model.",
)
if ss.w_layers:
    cols = box_network.columns(4)
    for i in range(int(ss.w_layers)):
        transient(
            cols[i % 4].number_input,
            f"h{i + 1}",
            limits.MIN_NEURONS,
            limits.MAX_NEURONS,
            key=f"w_h{i}",
            help=f"Neurons in hidden layer {i + 1}: the width of W{i}'s output.",
        )
box_network.selectbox(
    "Activation σ",
    HIDDEN,
    key="w_act",
    on_change=on_settings,
    args=("w_act",),
    help="Hidden layers compute a = σ(a·W + b); σ′ multiplies every δ on the way back.",
)
classes = ss.session.dataset.classes
losses = state.losses_for(kind, classes)
if ss.w_loss not in losses:
    put("w_loss", "auto")
box_network.selectbox(
    "Loss",
    losses,
    key="w_loss",
    on_change=on_settings,
    args=("w_loss",),
    help="auto: bce for 2 classes, softmax cross-entropy for more, mse for regression. half_sse is ½Σ(y−ŷ)².",
)
outs = state.outputs_for(ss.w_loss, kind)
if ss.w_out not in outs:
    put("w_out", "auto")
box_network.selectbox(
    "Output activation",
    outs,
    key="w_out",
    on_change=on_settings,
    args=("w_out",),
    help="σ of the last layer; only those the chosen loss can use are offered.",
)
box_network.selectbox(
    "Initialisation",
    ("xavier", "he", "uniform", "zeros"),
    key="w_init",
    on_change=on_settings,
    args=("w_init",),
    help="Starting weights. zeros shows why they must be random: every neuron of a layer gets the same gradient "
    "and stays identical (with sigmoid); with tanh or relu a hidden layer outputs 0, so only the output's bias "
    "ever learns.",
)

box_optimizer = sb.container(key="sec_optimizer")
box_optimizer.header("Optimiser")
box_optimizer.selectbox(
    "Optimiser",
    tuple(OPTIMIZERS),
    key="w_opt",
    on_change=on_settings,
    args=("w_opt",),
    help="How a gradient becomes an update (all optax). sgd: W ← W − η·∂L/∂W.",
)
lrs = sorted({*state.LEARNING_RATES, float(ss.w_lr)})
box_optimizer.select_slider(
    "Learning rate η",
    lrs,
    key="w_lr",
    on_change=on_settings,
    args=("w_lr",),
    format_func=lambda v: f"{v:g}",
    help="Step size η. Changing it keeps training going: it is an input, not part of the compiled program.",
)
for k, (default, lo, hi) in OPTIMIZERS[ss.w_opt].items():
    if f"w_{k}" not in ss:
        ss[f"w_{k}"] = default
    transient(box_optimizer.number_input, k, lo, hi, key=f"w_{k}", format="%.6g", help=state.hyper_help(ss.w_opt, k))
box_optimizer.radio(
    "Batch",
    ("Full batch", "SGD (1)", "Mini-batch"),
    key="w_batch_mode",
    on_change=on_settings,
    args=("w_batch_mode",),
    horizontal=True,
    help="Points per gradient step: all (batch GD), one (SGD), or k (mini-batch, reshuffled every epoch).",
)
if ss.w_batch_mode == "Mini-batch":
    transient(
        box_optimizer.number_input,
        "Batch size k",
        2,
        limits.MAX_POINTS,
        key="w_batch_k",
        help="Points per step; an epoch is ⌈n/k⌉ steps.",
    )
with box_optimizer.expander("Regularisation, dropout, clipping, schedule"):
    st.selectbox(
        "Regularisation",
        ("none", "l1", "l2"),
        key="w_reg",
        on_change=on_regularization,
        help="Adds rate·Σ|W| (l1) or rate·½ΣW² (l2) to the loss: pulls weights towards 0.",
    )
    if ss.w_reg != "none":
        transient(
            st.select_slider,
            "Regularisation rate",
            sorted({*state.REG_RATES, float(ss.w_rate)}),
            key="w_rate",
            format_func=lambda v: f"{v:g}",
            help="λ in λ·R(W).",
        )
    st.slider(
        "Dropout",
        0.0,
        limits.MAX_DROPOUT,
        step=0.05,
        key="w_dropout",
        on_change=on_settings,
        args=("w_dropout",),
        help="While training, each hidden activation is zeroed with this probability (and the rest scaled up).",
    )
    st.checkbox(
        "Clip gradients",
        key="w_clip_on",
        on_change=on_settings,
        args=("w_clip_on",),
        help="Rescale the whole gradient when its global norm exceeds the threshold.",
    )
    if ss.w_clip_on:
        transient(
            st.number_input,
            "Max gradient norm",
            1e-3,
            limits.MAX_CLIP_NORM,
            key="w_clip",
            format="%.4g",
            help="g ← g·min(1, c/‖g‖).",
        )
    st.selectbox(
        "Schedule",
        SCHEDULES,
        key="w_sched",
        on_change=on_settings,
        args=("w_sched",),
        help="η over epochs: constant, ×γ every few epochs (step), or a cosine decay.",
    )
    st.number_input(
        "Warm-up epochs",
        0,
        100000,
        key="w_warmup",
        on_change=on_settings,
        args=("w_warmup",),
        help="η rises linearly from η/(w+1) to η over these first epochs.",
    )
    if ss.w_sched == "step":
        transient(
            st.number_input,
            "Step every (epochs)",
            1,
            100000,
            key="w_step_epochs",
            help="η is multiplied by γ after each such period.",
        )
        transient(
            st.slider,
            "γ",
            0.01,
            1.0,
            key="w_gamma",
            help="Factor applied to η at each step.",
        )
    if ss.w_sched == "cosine":
        transient(
            st.number_input,
            "Decay over (epochs)",
            1,
            10**7,
            key="w_decay_epochs",
            help="η·(f + (1−f)·½(1+cos(π·t/T))): from η down to f·η over T epochs, then stays there.",
        )
        transient(
            st.slider,
            "Final fraction f of η",
            0.0,
            1.0,
            step=0.05,
            key="w_final",
            help="Where the cosine ends: 0 decays η to nothing, 0.1 to a tenth of it.",
        )
box_optimizer.number_input(
    "Seed",
    0,
    limits.MAX_SEED,
    key="w_seed",
    on_change=on_settings,
    args=("w_seed",),
    help="Seed of the initial weights, the shuffling and dropout: same seed, same run.",
)

# ---- main area --------------------------------------------------------------------------------------
s: Session = ss.session
for n in ss.notices:
    st.warning(plain(n), icon=":material/warning:")
for n in ss.get("successes", []):
    st.success(plain(n), icon=":material/check_circle:")
ss.notices, ss.successes = [], []

t = st.container(key="sec_transport").columns([1.1, 0.9, 0.9, 0.9, 2.2, 1.6])
t[0].button(
    "Pause" if ss.playing else "Play",
    icon=":material/pause:" if ss.playing else ":material/play_arrow:",  # a font of Streamlit's: no emoji needed
    key="play",
    on_click=on_play,
    type="primary",
    width="stretch",
    disabled=s.divergence is not None,
    help="Train continuously: each frame runs the chosen number of epochs.",
)
t[1].button("Step", on_click=train, args=(1,), width="stretch", help="Train exactly one epoch.")
t[2].button("Step 10", on_click=train, args=(10,), width="stretch", help="Train ten epochs.")
t[3].button(
    "Reset",
    on_click=on_reset,
    width="stretch",
    help="Back to the initial weights: epoch 0, or the epoch an imported state was at.",
)
t[4].select_slider(
    "Speed (epochs per frame)",
    state.SPEEDS,
    value=50,
    key="w_speed",
    help="Epochs trained between two redraws while playing.",
)
if (capped := s.epochs_within_budget(int(ss.w_speed))) < int(ss.w_speed):
    t[4].caption(
        f"This network and data train at most {capped:,} epochs per frame here (a shared server's limit per frame)."
    )
epoch_slot = t[5].empty()
epoch_slot.markdown(f"### Epoch {s.epoch:,}")
compiled_s = programs.take_compile_seconds()  # this run's callbacks (Step on a new network) compiled for so long
if compiled_s >= 0.05:
    t[5].caption(f"Compiled this network's program in {compiled_s:.1f} s", help=COMPILE_HELP)

if s.divergence is not None:
    what = str(s.divergence)
    st.error(
        f"{what[0].upper()}{what[1:]}, so training stopped at epoch {s.epoch:,}: lower the learning rate to go on "
        "from there, turn on gradient clipping, or Reset.",
        icon=":material/block:",
    )

draw_row = st.container(key="sec_draw")
if present:  # projector type: the two toggles get a row of their own, so no label is cut
    v = [*draw_row.columns([2.4, 1.1, 0.8, 0.8]), *draw_row.columns([1, 1, 1.4])[:2]]
else:
    v = draw_row.columns([2.6, 0.75, 0.6, 0.6, 1.1, 1.1])
if s.dataset.problem == "classification":
    k = s.dataset.classes
    st.html(state.class_button_css(k))
    tools = [f"class {i}" for i in range(k)] + ["eraser", INSPECT]
    v[0].segmented_control(
        "Draw",
        tools,
        default=tools[1 if k > 1 else 0],
        format_func=lambda t: t.split()[1] if k > 2 and t.startswith("class") else t,  # the dot names it
        key="w_tool",
        on_change=keep_tool,
        args=(tools, tools[1 if k > 1 else 0]),
        help="What a click on the board does: add a point of this class, erase points, or open a point in the "
        "step inspector.",
    )
    tool = ss.get("w_tool") or tools[0]
    label = int(tool.split()[1]) if tool.startswith("class") else 0
    target = 0.0
else:
    v[0].segmented_control(
        "Draw",
        ["point", "eraser", INSPECT],
        default="point",
        key="w_tool",
        on_change=keep_tool,
        args=(["point", "eraser", INSPECT], "point"),
        help="Add a point (1-D: where you click is (x, y)), erase points, or open a point in the step inspector.",
    )
    tool = ss.get("w_tool") or "point"
    label = 0
    rng = bd.target_range(s)
    target = v[0].slider(
        "Target value of drawn points",
        float(rng[0]),
        float(rng[1]),
        0.0,
        key="w_target",
        disabled=s.dataset.dim == 1,
        help="The y a drawn point asks the network to output.",
    )
v[1].button(
    "Regenerate",
    on_click=on_regenerate,
    width="stretch",
    disabled="generator" not in ss.session.cfg.data,
    help="Rebuild the generated points (drawn points are dropped; Undo brings them back). Your own points "
    "(preset, CSV, import) have no generator: pick one under Data set.",
)
v[2].button("Undo", on_click=on_undo, disabled=not ss.undo, width="stretch", help="Undo the last change to the points.")
v[3].button("Clear", on_click=on_clear, width="stretch", help="Remove every point, to draw your own.")
show_test = v[4].toggle("Show test data", value=True, key="w_show_test", help="Test points are drawn hollow.")
log_y = v[5].toggle("Log-scale loss", value=True, key="w_log", help="A log axis shows slow late progress.")
sb.caption(f"Engine: JAX on **{describe()}**")

ss.seq += 1
view = bd.view_bounds(s.dataset, ss.view_box)
if ss.view_box is not None:
    ss.view_box = view  # grown to a point drawn outside it
base = bd.base_figures(s, big=present, view=view)
if not log_y:
    base["figs"]["loss"]["layout"]["yaxis"]["type"] = "linear"
    base["figs_key"] += "-lin"
mode = "erase" if tool == "eraser" else "inspect" if tool == INSPECT else "add"
ctx = bd.board_context(s, mode, label, target, show_test, present, PLAY_HINT)
board = bd.component()
board(
    key="board",
    data={
        "id": "main",
        "ctx": ctx,
        **base,
        "frame": bd.frame(s, ss.seq, base["figs_key"], ss.acks, show_test=show_test, view=view),
    },
    on_stroke_change=on_stroke,
    height="content",
)
frames = st.empty()

# ---- views below the board: only the open tab runs -------------------------------------------------------
views = [v for v in panels.VIEWS if state.VIEW_FLAGS[panels.VIEWS.index(v)] not in hidden]
if views:
    if ss.get("view") not in views:
        ss.view = views[0]
    tabs = st.tabs(views, key="view", on_change="rerun")
    renderers = dict(
        zip(
            panels.VIEWS,
            (
                panels.render_metrics,
                panels.render_inspector,
                panels.render_network,
                panels.render_warp,
                panels.render_race,
                panels.render_history,
            ),
            strict=True,
        )
    )
    for name, tab in zip(views, tabs, strict=True):
        if tab.open:
            with tab:
                renderers[name](s, present)

if "share" not in hidden:
    with st.expander("Share and export"):
        st.write("The address bar holds every setting (not the drawn points): copy it to share this set-up.")
        st.download_button(
            "Export state (config + points + weights) as JSON",
            lambda s=s: json.dumps(s.export()),  # made on click (a file per run 404'd under fast reruns)
            "backprop-playground.json",
            "application/json",
            help="The engine's config document: `python -m engine train` runs it too.",
        )
        st.file_uploader(
            "Import a state or config JSON",
            type=["json"],
            key="w_import",
            on_change=on_import,
            help="A file exported here or any engine config; checked before anything changes.",
        )

# the URL mirrors the configuration
q = config_to_query(ss.session.cfg) | {k: st.query_params[k] for k in UI_KEYS if k in st.query_params and k != "preset"}
if dict(st.query_params) != q:
    st.query_params.from_dict(q)

warm.prewarm(s)  # the neighbouring networks compile in the background once this run has ended

# ---- play: train, stream the board's frames, until a click interrupts -----------------------------------
while ss.playing:
    t0 = time.perf_counter()
    n = s.epochs_within_budget(int(ss.w_speed))
    if programs.is_compiled(s.spec, TRAIN_PROGRAM):
        train(n)
    else:
        with st.spinner("Compiling this network's program (once per network, a few seconds)…", show_time=True):
            train(n)
    ss.seq += 1
    f = bd.frame(s, ss.seq, base["figs_key"], ss.acks, show_test=show_test, view=view)
    frames.html(bd.frame_html("main", f))
    epoch_slot.markdown(f"### Epoch {s.epoch:,}")
    if not ss.playing:  # diverged
        st.rerun()
    time.sleep(max(0.0, 1.0 / FPS - (time.perf_counter() - t0)))
