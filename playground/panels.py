"""The panels under the board (one tab each): metrics, step inspector, network diagram, hidden-space warp,
optimiser race, history. Each `render_*` reads the session, builds figures with the pure modules and lays them
out with Streamlit; callbacks change session state only.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import streamlit as st

from engine import limits
from engine.config import DEFAULT_LR, OPTIMIZERS, ConfigError, Optimizer
from engine.race import Race
from engine.session import Session
from engine.views import layer_activations, neuron_maps
from playground import board as bd
from playground import figures, i18n, inspector, network, race_view, warp
from playground.i18n import N_, _
from playground.page import Page
from playground.text import plain
from playground.theme import DIVERGING

ss = st.session_state


def current() -> Page:
    """This browser session's page state."""
    return ss.page


RACE_EPOCHS = (100, 300, 1000, 3000, 10000)


def callback(f: Callable) -> Callable:
    """A panel's button callback: it changes the session under the page's lock and words its notices in the
    page's language (callbacks run before the script, in a thread that has not been told the language)."""

    @functools.wraps(f)
    def run(*args, **kwargs):
        with current().lock:
            i18n.use(current().lang)
            return f(*args, **kwargs)

    return run


# ---- shared -------------------------------------------------------------------------------------------
def state_figure(s: Session, params=None, g: int = 80, big: bool = False, height: int = 420):
    """The boundary (or fitted curve) of the session's data under the given weights (default: current)."""
    ds = s.dataset
    b = ds.bounds()
    out = s.grid(g, params=params)["output"]
    if ds.dim == 1:
        return figures.curve_figure(np.linspace(b[0], b[1], g), out, ds.x, ds.y, ds.test, b, height=height, big=big)
    field = figures.boundary_field(out, ds.problem, ds.classes, bd.target_range(s))
    return figures.boundary_figure(field, b, ds.x, ds.y, ds.test, ds.problem, height=height, big=big)


def score_name(s: Session) -> str:
    return "accuracy" if s.dataset.problem == "classification" else "R²"


SCORE_HELP = {
    "accuracy": N_("The share of points whose most probable class is their label."),
    "R²": N_(
        "1 − Σ(y − ŷ)² / Σ(y − ȳ)², both sums pooled over every target and point, ȳ each target's mean (the "
        "curve and this tile alike; not the mean of per-target R²): 1 is a perfect fit, 0 no better than predicting "
        "the mean, below 0 worse."
    ),
}
SCORE_NAMES = (N_("accuracy"),)  # R² is a name


V = TypeVar("V")  # a tab's view (kept_view)


# ---- metrics ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MetricsView:
    """What the metrics tab shows of a session at one epoch: built in one place, so that while Play runs the
    tab shows the epoch Play started at (a stroke's rerun reuses it instead of building the figures again)."""

    epoch: int
    tiles: tuple[tuple[str, str, str | None], ...]  # (label, value, help)
    report: dict
    about: str
    confusion: object | None  # Plotly figures
    ratio: object


def metrics_view(s: Session, big: bool) -> MetricsView:
    h = s.history.data
    score = score_name(s)
    tiles: tuple[tuple[str, str, str | None], ...] = ()
    if len(s.history):
        tiles = (
            (_("Train loss"), figures.loss_text(h["train_loss"][-1]), None),
            (_("Test loss"), figures.loss_text(h["test_loss"][-1]), None),
            (_("Train {score}").format(score=_(score)), figures.score_text(h["train_score"][-1]), _(SCORE_HELP[score])),
            (_("Test {score}").format(score=_(score)), figures.score_text(h["test_score"][-1]), _(SCORE_HELP[score])),
        )
    rep = s.report(test=bool(s.dataset.test.any()))
    about = (
        _("Network {sizes}").format(sizes="-".join(map(str, s.spec.sizes)))
        + (f" · {s.spec.activation}" if s.spec.n_layers > 1 else _(" (no hidden layer)"))
        + " · "
        + _("loss {loss}").format(loss=s.spec.loss)
        + " · "
        + _("{n} points ({k} test)").format(n=s.dataset.n, k=int(s.dataset.test.sum()))
    )
    confusion = None
    if s.dataset.problem == "classification" and rep:
        part = "test" if s.dataset.test.any() else "training"
        confusion = figures.confusion_figure(rep["confusion"], big=big, part=part)
    ratio = h["update_ratio"][-1] if len(s.history) else None
    return MetricsView(s.epoch, tiles, rep, about, confusion, figures.update_ratio_figure(ratio, s.spec.sizes, big=big))


def kept_view(s: Session, big: bool, build: Callable[[Session, bool], V]) -> V:
    """The open tab's view: built anew, except while one Play runs, where the first one built is kept (keyed by
    the press of Play, the session, the type size and the language)."""
    p = current()
    key = (build.__name__, p.plays, id(s), big, i18n.language())
    if p.playing and p.kept_view is not None and p.kept_view[0] == key:
        return p.kept_view[1]  # type: ignore[return-value]  # built by `build`: the key names it
    view = build(s, big)
    p.kept_view = (key, view) if p.playing else None
    return view


def render_metrics(s: Session, big: bool) -> None:
    v = kept_view(s, big, metrics_view)
    m1, m2, m3 = st.columns([1.1, 1.2, 1.2])
    with m1:
        when = _("At epoch {epoch}").format(epoch=f"{v.epoch:,}")
        if current().playing:
            when += _(": these numbers stay at this epoch while Play runs and refresh when you pause")
        st.caption(when)
        if v.tiles:
            a, b2 = st.columns(2)
            for i, (label, value, help_text) in enumerate(v.tiles):
                (a if i % 2 == 0 else b2).metric(label, value, help=help_text)
        rep = v.report
        if s.dataset.problem == "classification" and rep:
            ratio = lambda x: f"{x:.3f}" if np.isfinite(x) else "–"  # noqa: E731  (– : never predicted)
            st.dataframe(
                {
                    _("class"): list(range(len(rep["precision"]))),
                    _("precision"): [ratio(x) for x in rep["precision"]],
                    _("recall"): [ratio(x) for x in rep["recall"]],
                    "F1": [ratio(x) for x in rep["f1"]],
                    _("support"): rep["support"],
                },
                hide_index=True,
                width="stretch",
            )
            if "roc_auc" in rep:
                part = _("on the test points") if s.dataset.test.any() else _("on the training points")
                st.caption(f"ROC AUC {rep['roc_auc']:.3f} " + part)
        st.caption(v.about)
    with m2:
        if v.confusion is not None:
            st.plotly_chart(v.confusion, width="stretch", key="conf")
    with m3:
        st.plotly_chart(v.ratio, width="stretch", key="ratio")


# ---- step inspector -------------------------------------------------------------------------------------
def inspected(s: Session) -> str | int:
    i = current().inspect
    return "train" if i is None or i >= s.dataset.n else int(i)


def inspector_hyper(s: Session) -> dict[str, float]:
    opt = s.current_optimizer_state()
    h = {k: float(v) for k, v in s.hyper.injected(s.spec, s.hyper.learning_rate).items()}
    lr = inspector._find(opt, "learning_rate")
    if lr is not None:
        h["learning_rate"] = float(np.asarray(lr))
    return h


def held_out(s: Session, which: str | int) -> bool:
    """An inspected test point: shown, never trained on."""
    return which != "train" and bool(s.dataset.test[which])


@callback
def on_apply_step() -> None:
    page = current()
    s: Session = page.session
    which = inspected(s)
    if held_out(s, which):
        return  # the button is disabled; a stale click must not train on it either
    step, state = s.backprop_step(which)
    s.apply_step(step, state)
    before = step.loss
    after = s.backprop_step(which)[0].loss
    page.successes.append(
        _("Applied the inspected step: its loss went {before} → {after}.").format(
            before=f"{before:.6g}", after=f"{after:.6g}"
        )
    )


@callback
def on_inspect_batch() -> None:
    current().inspect = None


def render_inspector(s: Session, big: bool) -> None:
    which = inspected(s)
    ds = s.dataset
    c1, c2, c3 = st.columns([3, 1, 1])
    if which == "train":
        n = int((~ds.test).sum())
        c1.markdown(
            (
                _("**The whole batch**: the one training point")
                if n == 1
                else _("**The whole batch**: all {n} training points").format(n=n)
            )
            + _(
                ", the gradient of the mean loss. To follow one point, pick **inspect** under *Draw* and click it on "
                "the board."
            )
        )
    else:
        xs = ", ".join(f"{v:.3g}" for v in ds.x[which])
        t = ds.y[which]
        lab = (
            _("class {k}").format(k=int(t))
            if ds.problem == "classification"
            else _("target {values}").format(values=", ".join(f"{v:.4g}" for v in t))
        )
        where = _("**Point #{i}** at ({xs}), {label}").format(i=which, xs=xs, label=lab)
        c1.markdown(where + (_(" (a test point)") if ds.test[which] else "") + ".")
    c2.button(
        _("Whole batch"),
        on_click=on_inspect_batch,
        width="stretch",
        disabled=which == "train",
        help=_("Inspect the step on every training point at once (what full-batch gradient descent does)."),
    )
    test_point = held_out(s, which)
    c3.button(
        _("Apply this step"),
        on_click=on_apply_step,
        type="primary",
        width="stretch",
        disabled=test_point,
        help=_("A test point is held out: training on it would spoil the test loss. Pick a training point.")
        if test_point
        else _(
            "Perform exactly the update shown below: the weights and the optimiser state become the new ones "
            "(one step, not counted as an epoch)."
        ),
    )
    if which == "train" and not (~ds.test).any():
        st.info(_("There are no training points to inspect: draw some on the board."))
        return
    step, _state = s.backprop_step(which)
    _x, y = s.rows(which)
    if s.spec.dropout:
        st.caption(_("Dropout is off in the inspector: it shows the deterministic step."))
    secs = inspector.sections(step, s.spec, y, inspector_hyper(s), s.cfg.regularization)
    st.caption(
        _("Epoch {epoch}").format(epoch=f"{s.epoch:,}")
        + " · "
        + _(
            "layers numbered from 1 as in the textbook: W⁽ˡ⁾ is the engine's W{{l−1}} (a·W + b convention, W shaped "
            "fan-in × fan-out); matrices larger than 6×6 are elided."
        ).format()
    )
    for sec in secs:
        st.markdown(f"#### {sec.title}")
        for line in sec.lines:
            st.latex(inspector.stacked(line))
        for note in sec.notes:
            st.caption(note)


# ---- network diagram -------------------------------------------------------------------------------------
def render_network(s: Session, big: bool) -> None:
    ds = s.dataset
    c1, c2 = st.columns([1, 3])
    grads_on = c1.toggle(
        _("Show gradients ∂L/∂W"),
        key="w_net_grads",
        help=_("Links show the whole-batch gradient of each weight instead of the weight."),
    )
    links = _("the gradient ∂L/∂w of the whole batch") if grads_on else _("weight")
    c2.caption(
        (
            _("Each square is one neuron's activation over the input line")
            if ds.dim == 1
            else _("Each square is one neuron's activation over the input plane")
        )
        + _(
            ": blue high, orange low (white = 0 when it takes both signs), stretched per neuron. Links: width and "
            "colour = {links} (blue +, orange −). Click a neuron to see its map large; hover for exact values."
        ).format(links=links)
    )
    maps = [np.asarray(m) for m in neuron_maps(s.spec, s.params, ds.bounds(), 24, ds.dim)]
    params = [(np.asarray(W), np.asarray(b)) for W, b in s.params]
    grads = None
    if grads_on and (~ds.test).any():
        step, _state = s.backprop_step("train")
        grads = list(zip(step.dW, step.db, strict=True))
    sel = current().net_selected
    fig = network.network_figure(maps, params, s.spec.features, grads, sel, g=24, big=big)
    event = st.plotly_chart(fig, width="stretch", key="net", on_select="rerun", selection_mode="points")
    pts = [p for p in (event.selection.points if event else []) if p.get("customdata") is not None]
    if pts:
        sel = current().net_selected = tuple(int(v) for v in pts[0]["customdata"])
    if sel is not None and sel[0] < len(maps) and sel[1] < maps[sel[0]].shape[-1]:
        l, j = sel
        name = network.neuron_names(s.spec.sizes, s.spec.features)[l][j]
        big_maps = neuron_maps(s.spec, s.params, ds.bounds(), 80, ds.dim)
        m = np.asarray(big_maps[l])[..., j]
        st.markdown("#### " + _("{name}: its activation over the input plane").format(name=name))
        b = ds.bounds()
        if ds.dim == 1:
            fig = figures.curve_figure(
                np.linspace(b[0], b[1], 80),
                m[:, None],
                ds.x,
                ds.y,
                ds.test,
                (b[0], b[1], float(m.min()) - 0.1, float(m.max()) + 0.1),
                height=380,
                big=big,
            )
        else:
            hi = float(np.abs(m).max()) or 1.0
            field = figures.Field(m, -hi, hi, DIVERGING, name)
            fig = figures.boundary_figure(field, b, ds.x, ds.y, ds.test, ds.problem, height=420, big=big)
            fig.update_traces(showscale=True, selector={"type": "heatmap"})
        st.plotly_chart(fig, width="stretch", key="neuron_big")


# ---- hidden-space warp ------------------------------------------------------------------------------------
def axes_text(option: str) -> str:
    """An Axes option in the page's language: PCA's, "neurons 1 & 2", "neuron 1"."""
    if m := re.fullmatch(r"neurons (\d+) & (\d+)", option):
        return _("neurons {i} & {j}").format(i=m[1], j=m[2])
    if m := re.fullmatch(r"neuron (\d+)", option):
        return _("neuron {n}").format(n=m[1])
    return _(option)


def render_warp(s: Session, big: bool) -> None:
    ds = s.dataset
    sizes = s.spec.sizes
    hidden = list(range(1, len(sizes) - 1))
    if not hidden:
        st.info(_("This network has no hidden layer: add one to see how it bends the plane."))
        return
    c1, c2, c3 = st.columns(3)
    if ss.get("w_warp_layer") not in hidden:
        ss.w_warp_layer = hidden[-1]
    layer = c1.selectbox(
        _("Layer"),
        hidden,
        format_func=lambda l: (
            _("hidden layer {l} (1 neuron)") if sizes[l] == 1 else _("hidden layer {l} ({n} neurons)")
        ).format(l=l, n=sizes[l]),
        key="w_warp_layer",
        help=_("Which layer's view of the plane to show."),
    )
    width = sizes[layer]
    options = [warp.PCA, *[f"neurons {i + 1} & {j + 1}" for i in range(width) for j in range(i + 1, width)]][:120]
    if width == 1:
        options = ["neuron 1"]
    if ss.get("w_warp_axes") not in options:
        ss.w_warp_axes = options[0]
    choice = c2.selectbox(
        _("Axes"),
        options,
        key="w_warp_axes",
        format_func=axes_text,  # the options stay English (the code reads them), shown in the page's language
        help=_("Two neurons of the layer as x and y, or the 2-D projection that spreads the data most."),
    )
    if choice == warp.PCA:
        axes = warp.PCA
    elif width == 1:
        axes = (0, 0)
    else:
        i, j = (int(t) - 1 for t in choice.replace("neurons ", "").split(" & "))
        axes = (i, j)
    c3.caption(
        _(
            "Grey: the input grid's lines after the layer. When the classes can be split by a straight "
            "line here, the layers after this one only need to draw that line."
        )
    )
    lines = warp.grid_lines(ds.bounds(), ds.dim)
    pts_in = np.concatenate([ds.x, *lines]) if ds.n else np.concatenate(lines)
    acts = np.asarray(layer_activations(s.spec, s.params, np.asarray(pts_in, np.float32))[layer])
    data_a, line_a = acts[: ds.n], acts[ds.n :]
    M, mean, titles = warp.projection(data_a if ds.n else line_a, axes)
    proj = lambda a: (a - mean) @ M  # noqa: E731
    splits = np.cumsum([len(ln) for ln in lines])[:-1]
    fig = warp.warp_figure(
        np.split(proj(line_a), splits),
        proj(data_a),
        ds.y,
        ds.problem,
        titles,
        _("hidden layer {l}").format(l=layer),
        big=big,
        one_d=ds.dim == 1,
    )
    st.plotly_chart(fig, width="stretch", key="warp")


# ---- optimiser race ----------------------------------------------------------------------------------------
def default_racers(s: Session) -> list[dict]:
    lr = float(f"{float(s.hyper.learning_rate):.6g}")
    return [
        {"optimizer": "sgd", "learning_rate": lr},
        {"optimizer": "momentum", "learning_rate": lr},
        {"optimizer": "rmsprop", "learning_rate": DEFAULT_LR["rmsprop"]},
        {"optimizer": "adam", "learning_rate": 0.01},
    ]


def racers_from_rows(rows: list[dict]) -> list[Optimizer]:
    out = []
    for r in rows:
        name, lr = r.get("optimizer"), r.get("learning_rate")
        if name is None and lr is None:
            continue
        if name is None:
            raise ConfigError("row {row} has a learning rate but no optimiser; pick one", path="race", row=len(out) + 1)
        if name not in OPTIMIZERS:
            raise ConfigError("unknown optimiser {name!r}", path="race", name=name)
        if lr is None or not np.isfinite(lr) or not 0 < float(lr) <= limits.MAX_LEARNING_RATE:
            raise ConfigError(
                "{name}'s learning rate must be in (0, {hi}]",
                path="race",
                name=name,
                hi=format(limits.MAX_LEARNING_RATE, "g"),
            )
        out.append(Optimizer(name, float(lr), tuple((k, v[0]) for k, v in OPTIMIZERS[name].items())))
    if not 1 <= len(out) <= limits.MAX_RACE:
        raise ConfigError("pick between 1 and {n} optimisers", path="race", n=limits.MAX_RACE)
    return out


@callback
def on_race() -> None:
    """Check the table; the race itself runs in the page (with a progress bar)."""
    try:
        current().race.request = (racers_from_rows(current().race.rows), int(ss.w_race_epochs))
    except ConfigError as e:
        current().notices.append(_("Race not run — {why}").format(why=i18n.error_reason(e)))  # names the race


def run_race(s: Session, racers: list[Optimizer], epochs: int) -> None:
    bar = st.progress(
        0.0, text=_("Racing {n} optimisers for {epochs} epochs…").format(n=len(racers), epochs=f"{epochs:,}")
    )
    t0 = time.perf_counter()
    try:
        race = Race(s.cfg, s.dataset, racers)
        race.run(
            epochs,
            progress=lambda f: bar.progress(
                f, text=_("Racing… epoch {e} of {epochs}").format(e=f"{int(f * epochs):,}", epochs=f"{epochs:,}")
            ),
        )
    except ConfigError as e:
        bar.empty()
        st.warning(plain(_("Race not run — {why}").format(why=i18n.error_reason(e))))
        return
    bar.empty()
    current().race.result = race
    current().race.seconds = time.perf_counter() - t0


def render_race(s: Session, big: bool) -> None:
    import pandas as pd

    if current().race.rows is None:
        current().race.rows = default_racers(s)
    c1, c2 = st.columns([2.2, 1])
    with c1:
        edited = st.data_editor(
            pd.DataFrame(current().race.rows),
            num_rows="dynamic",
            column_config={
                "optimizer": st.column_config.SelectboxColumn(
                    _("optimiser"),
                    options=list(OPTIMIZERS),  # the names (sgd, adam …) stay: they are the optimisers'
                    required=True,
                    help=_(
                        "How this racer turns gradients into steps (optax); its other hyper-parameters are the "
                        "sidebar's or optax's defaults."
                    ),
                ),
                "learning_rate": st.column_config.NumberColumn(
                    _("learning rate η"),
                    min_value=1e-6,
                    max_value=limits.MAX_LEARNING_RATE,
                    format="%g",
                    required=True,
                    help=_("This racer's step size η: each update is scaled by it."),
                ),
            },
            key="race_editor",
            width="stretch",
            hide_index=True,
        )
        current().race.rows = edited.to_dict("records")
    with c2:
        st.select_slider(
            _("Epochs"),
            RACE_EPOCHS,
            value=1000,
            key="w_race_epochs",
            help=_("Every racer trains this many epochs from the same initial weights."),
        )
        st.button(
            _("Race"),
            on_click=on_race,
            type="primary",
            width="stretch",
            help=_(
                "Up to {n} optimisers (or learning rates) train from the same initial weights, on the same data with "
                "the same shuffling: only the update rule differs."
            ).format(n=limits.MAX_RACE),
        )
        st.caption(_("Other settings (network, loss, batch size, regularisation) are the sidebar's."))
    if current().race.request:
        racers, epochs = current().race.request
        current().race.request = None
        run_race(s, racers, epochs)
    race: Race | None = current().race.result
    if race is None:
        st.info(_("Pick optimisers and learning rates, then press Race."))
        return
    if race.dataset is not s.dataset or race.base_spec != s.spec:
        st.caption(_("The network or the data changed since this race: press Race to rerun it."))
    epochs = race.epoch
    st.caption(
        (
            _("{n} racers × {epochs} epochs, side by side in one vmapped call: {s} s including compilation.")
            if race.together
            else _("{n} racers × {epochs} epochs, one after the other: {s} s including compilation.")
        ).format(n=len(race.racers), epochs=f"{epochs:,}", s=f"{current().race.seconds:.2f}")
    )
    finals = race.metrics["train_loss"][:, -1]
    div = race.diverged()
    cols = st.columns(len(race.racers))
    for i, c in enumerate(cols):
        c.metric(
            race.labels[i],
            _("diverged") if div[i] else f"{finals[i]:.4g}",
            help=_("Final training loss (stopped at its last finite state)") if div[i] else _("Final training loss"),
        )
    a, b = st.columns([1, 1])
    a.plotly_chart(race_view.race_loss_figure(race.metrics, race.labels, big=big), width="stretch", key="race_loss")
    b.plotly_chart(
        race_view.race_landscape_figure(race.landscape(), race.paths(), race.path_epochs, race.labels, big=big),
        width="stretch",
        key="race_land",
    )
    b.caption(
        _(
            "The slice is a plane through the start θ₀ in weight space; the paths are projected onto it. A racer that "
            "left the plane can sit where the slice's loss is high while its own loss is low."
        )
    )
    ds = race.dataset
    bounds = ds.bounds()
    fields = []
    for i in range(len(race.racers)):
        out = s.grid(50, bounds=bounds, params=race.params(i))["output"] if race.base_spec == s.spec else None
        if out is None:
            break
        if ds.dim == 1:
            fields.append((np.linspace(bounds[0], bounds[1], 50), out[:, 0]))
        else:
            fields.append(figures.boundary_field(out, ds.problem, ds.classes, bd.target_range(s)))
    if len(fields) == len(race.racers):
        y = ds.y
        st.plotly_chart(
            race_view.race_boundaries_figure(
                fields, bounds, ds.x, y, ds.problem, race.labels, one_d=ds.dim == 1, big=big
            ),
            width="stretch",
            key="race_bounds",
        )


# ---- history ------------------------------------------------------------------------------------------------
def render_history(s: Session, big: bool) -> None:
    epochs = s.snapshots.epochs
    if len(epochs) < 2:
        st.info(_("Train a little: snapshots of the weights are kept as epochs pass, and this slider replays them."))
        return
    e = st.select_slider(
        _("Epoch"),
        epochs,
        value=epochs[-1],
        key="w_hist_epoch",
        help=_("Up to {n} snapshots are kept; older ones thin out as training goes on.").format(n=limits.MAX_SNAPSHOTS),
    )
    at, params = s.snapshots.at(int(e))
    h = s.history.data
    a, b = st.columns([1.2, 1])
    with a:
        st.plotly_chart(state_figure(s, params, big=big), width="stretch", key="hist_board")
    with b:
        k = int(np.searchsorted(h["epoch"], at, side="right")) - 1 if len(s.history) else -1
        if k < 0:
            st.caption(_("Epoch {epoch}: the starting weights, before any training step.").format(epoch=f"{at:,}"))
        else:
            c1, c2 = st.columns(2)
            c1.metric(_("Train loss"), figures.loss_text(h["train_loss"][k]))
            c2.metric(
                _("Test {score}").format(score=_(score_name(s))),
                f"{h['test_score'][k]:.3f}" if np.isfinite(h["test_score"][k]) else "–",
            )
        fig = figures.loss_figure(h, s.dataset.problem, height=300, big=big)
        fig.add_vline(x=max(at, 1), line={"color": "#d62728", "width": 2})
        st.plotly_chart(fig, width="stretch", key="hist_loss")
        gap = _("1 epoch") if s.snapshots.stride == 1 else _("{n} epochs").format(n=f"{s.snapshots.stride:,}")
        st.caption(
            _(
                "The weights of epoch {epoch}, the boundary recomputed from them. A snapshot is taken after each Step "
                "and each Play frame, at least {gap} apart (the gap doubles when the {places} places fill up); {kept} "
                "kept."
            ).format(epoch=f"{at:,}", gap=gap, places=limits.MAX_SNAPSHOTS, kept=len(epochs))
        )


# ---- the tabs -----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Tab:
    name: str  # its title
    flag: str  # its name in ?hide=…
    render: Callable[[Session, bool], None]  # draws it (the session, projector type)


TABS = (
    Tab(N_("Metrics"), "metrics", render_metrics),
    Tab(N_("Step inspector"), "inspector", render_inspector),
    Tab(N_("Network"), "diagram", render_network),
    Tab(N_("Hidden space"), "warp", render_warp),
    Tab(N_("Optimiser race"), "race", render_race),
    Tab(N_("History"), "history", render_history),
)
