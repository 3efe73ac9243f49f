"""Pure functions from engine results to Plotly figures. No Streamlit here: every figure is testable alone."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from playground.i18n import _
from playground.theme import (
    ACC_COLOR,
    CLASS_COLORS,
    DIVERGING,
    FONT,
    LAYER_COLORS,
    MISTAKE_COLOR,
    REG_COLOR,
    TEST_COLOR,
    TRAIN_COLOR,
    class_colorscale,
)

MAX_LINE_POINTS = 400


def _layout(fig: go.Figure, title: str = "", height: int = 300, big: bool = False) -> go.Figure:
    size = 18 if big else 13
    fig.update_layout(
        title={"text": title, "x": 0.01, "y": 0.98, "yanchor": "top", "font": {"size": size + 1}} if title else None,
        height=height,
        margin={"l": 56, "r": 40, "t": 58 if title else 10, "b": 40},
        font={"family": FONT, "size": size},
        paper_bgcolor="white",
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.0, "x": 0, "yanchor": "bottom", "font": {"size": size - 1}},
        hovermode="x unified",
        # Plotly's toolbar (shown on hover) down the right edge, not across the top where it covered a small
        # chart's title
        modebar={"orientation": "v", "bgcolor": "rgba(255,255,255,0.8)"},
    )
    # automargin: tick labels and axis titles push the plot in rather than spill over (projector type sizes)
    fig.update_xaxes(showline=True, linecolor="#bbb", gridcolor="#eee", zeroline=False, automargin=True)
    fig.update_yaxes(showline=True, linecolor="#bbb", gridcolor="#eee", zeroline=False, automargin=True)
    return fig


def loss_text(v: float) -> str:
    """A loss for a metric tile: at most about 8 characters ('0.02453', '2.14e-04'), '–' when not finite."""
    if not np.isfinite(v):
        return "–"
    return f"{v:.2e}" if 0 < abs(v) < 1e-3 or abs(v) >= 1e5 else f"{v:.4g}"


def score_text(v: float) -> str:
    """An accuracy or R² for a metric tile: '0.953', '-4.45e+04' (a very bad R²), '–' when undefined."""
    if not np.isfinite(v):
        return "–"
    return f"{v:.3f}" if abs(v) < 1000 else f"{v:.2e}"


LOG_TICKS = 6  # labelled ticks on a log axis: without a cap, a narrow range labels every digit 2…9


def log_tick_values(values) -> list[float] | None:
    """Ticks for a log axis over these values, labelled as plain numbers: 1-2-5 steps for 0.9–3 decades, finer
    below, evenly spaced round numbers when even those leave fewer than two ticks in range. Plotly's own labels
    there are bare digits (a loss of 0.2 reads "2" unless 10⁻¹ is in view). None:
    more than 3 decades (Plotly labels the powers of ten) or no positive values. board.js mirrors this rule."""
    v = np.asarray([x for x in np.ravel(np.asarray(values, dtype=float)) if np.isfinite(x) and x > 0])
    if not len(v):
        return None
    lo, hi = float(v.min()), float(v.max())
    span = np.log10(hi / lo) if hi > lo else 0.0
    if span > 3:
        return None
    mant = (1, 2, 5) if span > 0.9 else (1, 1.5, 2, 3, 5, 7) if span > 0.4 else (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)
    e0, e1 = int(np.floor(np.log10(lo))) - 1, int(np.ceil(np.log10(hi))) + 1
    ticks = [m * 10.0**e for e in range(e0, e1 + 1) for m in mant if lo / 2 <= m * 10.0**e <= hi * 2]
    if sum(lo <= t <= hi for t in ticks) >= 2 or hi <= lo:
        return ticks
    # a narrow range (0.62 … 0.74) holds fewer than two of those: evenly spaced round numbers instead
    step = 10.0 ** np.floor(np.log10((hi - lo) / 4))
    step *= next(m for m in (1, 2, 5, 10) if m * step >= (hi - lo) / 4)
    k0, k1 = int(np.floor(lo / step)) - 1, int(np.ceil(hi / step)) + 1
    return [round(k * step, 12) for k in range(k0, k1 + 1) if k * step > 0]


def tick_text(v: float) -> str:
    """0.0002, 0.15, 0.625, 2, 20000; 2e-5 beyond (three significant digits at most)."""
    if not 1e-4 <= abs(v) < 1e5:
        return re.sub(r"e([+-])0*(\d)", r"e\1\2", f"{v:.3g}")
    return f"{float(f'{v:.3g}'):f}".rstrip("0").rstrip(".")


def log_decades(values) -> int:
    """Decades between labelled powers of ten on a log axis over these values: 1, more where they span over
    LOG_TICKS decades. board.js mirrors this rule."""
    v = np.asarray([x for x in np.ravel(np.asarray(values, dtype=float)) if np.isfinite(x) and x > 0])
    span = np.log10(v.max() / v.min()) if len(v) else 0.0
    return max(1, int(np.ceil(span / LOG_TICKS)))


def log_axis(values) -> dict:
    """Axis settings that label a log axis over these values readably (see log_tick_values)."""
    ticks = log_tick_values(values)
    if ticks is None:  # powers of ten only: Plotly's auto ticks added digits 2 and 5 that ran into the exponents
        return {"tickmode": "linear", "tick0": 0, "dtick": log_decades(values), "exponentformat": "power"}
    return {"tickmode": "array", "tickvals": ticks, "ticktext": [tick_text(t) for t in ticks]}


def decimate(n: int, limit: int = MAX_LINE_POINTS) -> np.ndarray:
    """Indices of at most `limit` evenly spaced entries of n, always keeping the last."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.append(np.linspace(0, n - 1, limit).astype(int), n - 1))


# ---- the boundary view --------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """A scalar field to shade: z (G, G) on [zmin, zmax] with its colourscale."""

    z: np.ndarray
    zmin: float
    zmax: float
    colorscale: list
    label: str


def boundary_field(
    output: np.ndarray, problem: str, classes: int, target_range: tuple[float, float] = (-1, 1)
) -> Field:
    """Two classes: P(class 1). k classes: class index + confidence, so one heatmap shows k colours.
    Regression: the predicted value."""
    if problem == "classification":
        if classes == 2:
            return Field(output[..., 1], 0.0, 1.0, class_colorscale(2), _("P(class 1)"))
        cls = output.argmax(-1)
        conf = (output.max(-1) - 1.0 / classes) / (1.0 - 1.0 / classes)
        return Field(cls + 0.999 * np.clip(conf, 0, 1), 0.0, float(classes), class_colorscale(classes), _("class"))
    lo, hi = target_range
    return Field(output[..., 0], lo, hi, DIVERGING, "ŷ")


def point_colors(y: np.ndarray, problem: str) -> list[str] | np.ndarray:
    if problem == "classification":
        return [CLASS_COLORS[int(c)] for c in y]
    return y[:, 0]


def boundary_figure(
    field: Field | None,
    bounds: tuple[float, float, float, float],
    x: np.ndarray,
    y: np.ndarray,
    test: np.ndarray,
    problem: str,
    wrong: np.ndarray | None = None,
    show_test: bool = True,
    height: int = 560,
    big: bool = False,
) -> go.Figure:
    """Shaded output over the plane, training points (filled) and test points (hollow), mistakes ringed dark.
    Trace order is fixed (0 heatmap, 1 train, 2 test, 3 mistakes) so the live view can restyle in place."""
    fig = go.Figure()
    g = field.z.shape[0] if field is not None else 2
    fig.add_trace(
        go.Heatmap(
            z=field.z if field is not None else np.full((2, 2), 0.5),
            x=np.linspace(bounds[0], bounds[1], g),
            y=np.linspace(bounds[2], bounds[3], g),
            zmin=field.zmin if field else 0,
            zmax=field.zmax if field else 1,
            colorscale=field.colorscale if field else DIVERGING,
            # smooth between grid cells, except over class + confidence (it would blend class indices)
            zsmooth="best" if field is not None and field.label != "class" else False,
            showscale=problem == "regression",
            hovertemplate="x1 %{x:.2f}<br>x2 %{y:.2f}<br>"
            + (field.label if field else "")
            + " %{z:.3f}<extra></extra>",
            opacity=0.85,
            name=_("output"),
        )
    )
    cmin, cmax = (field.zmin, field.zmax) if field is not None else (-1, 1)
    for part, symbol, visible in ((False, "circle", True), (True, "circle-open", show_test)):
        m = test == part
        colors = point_colors(y[m], problem) if m.any() else []
        marker = {
            "size": 9 if big else 7,
            "symbol": symbol,
            "line": {"width": 1.5 if not part else 2, "color": "white"},
        }
        if problem == "classification":
            marker["color"] = colors
            if part:
                marker["line"] = {"width": 2, "color": colors}
        else:
            marker |= {"color": colors, "colorscale": DIVERGING, "cmin": cmin, "cmax": cmax}
            marker["line"] = {"width": 1, "color": "#333"}
        fig.add_trace(
            go.Scatter(
                x=x[m, 0],
                y=x[m, 1],
                mode="markers",
                marker=marker,
                name=_("test") if part else _("train"),
                visible=visible,
                hovertemplate="(%{x:.2f}, %{y:.2f})<extra>" + (_("test") if part else _("train")) + "</extra>",
            )
        )
    w = wrong if wrong is not None else np.zeros(len(x), bool)
    if not show_test:
        w = w & ~test
    fig.add_trace(
        go.Scatter(
            x=x[w, 0],
            y=x[w, 1],
            mode="markers",
            name=_("misclassified"),
            marker={
                "size": 13 if big else 11,
                "symbol": "circle-open",
                "color": MISTAKE_COLOR,
                "line": {"width": 1.5, "color": MISTAKE_COLOR},
            },
            opacity=0.8,
            hoverinfo="skip",
        )
    )
    _layout(fig, height=height, big=big)
    # l + r = t + b: a square box gets a square plot area. Both axes give up domain rather than widen their range
    # to keep the 1:1 scale (e.g. when a colour bar takes width), so the shading always fills the axes exactly.
    fig.update_layout(
        hovermode="closest", showlegend=False, margin={"l": 36, "r": 10, "t": 16, "b": 30}, dragmode=False
    )
    fig.update_xaxes(range=bounds[:2], title=None, constrain="domain", showgrid=False)
    fig.update_yaxes(range=bounds[2:], title=None, scaleanchor="x", scaleratio=1, constrain="domain", showgrid=False)
    return fig


def curve_figure(
    xs: np.ndarray,
    fit: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    test: np.ndarray,
    bounds,
    show_test=True,
    height: int = 560,
    big: bool = False,
) -> go.Figure:
    """1-D curve fitting: the points and the network's fitted curve ŷ(x)."""
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(x=xs, y=fit[:, 0], mode="lines", name=_("network ŷ(x)"), line={"color": "#333", "width": 3})
    )
    for part, symbol, visible in ((False, "circle", True), (True, "circle-open", show_test)):
        m = test == part
        fig.add_trace(
            go.Scatter(
                x=x[m, 0],
                y=y[m, 0],
                mode="markers",
                name=_("test") if part else _("train"),
                visible=visible,
                marker={"size": 9 if big else 7, "symbol": symbol, "color": TEST_COLOR if part else TRAIN_COLOR},
            )
        )
    _layout(fig, height=height, big=big)
    fig.update_layout(hovermode="closest", dragmode=False, legend={"y": 1.02, "orientation": "h"})
    fig.update_xaxes(range=bounds[:2], title="x")
    fig.update_yaxes(range=bounds[2:], title="y")
    return fig


# ---- curves over epochs -------------------------------------------------------------------------


def loss_figure(
    h: dict[str, np.ndarray], problem: str, log_y: bool = True, height: int = 300, big=False, has_test: bool = True
) -> go.Figure:
    """Train and test data loss, regularisation loss, and accuracy (or R²) on a second axis.
    Trace order is fixed (train, test, regularisation, score) so the live view can restyle in place. Without
    test points the test traces stay (empty) but the legend does not name them."""
    fig = go.Figure()
    n = len(h.get("epoch", ()))
    i = decimate(n)
    ep = h["epoch"][i] if n else []
    for key, name, color, dash in (
        ("train_loss", _("train loss"), TRAIN_COLOR, None),
        ("test_loss", _("test loss"), TEST_COLOR, None),
        ("reg_loss", _("regularisation"), REG_COLOR, "dot"),
    ):
        vals = h[key][i] if n and (key != "reg_loss" or np.any(h[key])) else []
        fig.add_trace(
            go.Scatter(
                x=ep,
                y=vals,
                name=name,
                line={"color": color, "dash": dash, "width": 2.5},
                showlegend=has_test or key != "test_loss",
            )
        )
    score = "accuracy" if problem == "classification" else "R²"
    fig.add_trace(
        go.Scatter(
            x=ep,
            y=h["test_score"][i] if n else [],
            name=_("test {score}").format(score=_(score)),
            yaxis="y2",
            showlegend=has_test,
            line={"color": ACC_COLOR, "width": 1.5, "dash": "dash"},
        )
    )
    _layout(fig, _("Loss"), height, big)
    fig.update_layout(
        yaxis={"type": "log" if log_y else "linear", "title": None, "exponentformat": "power"}
        | ({"tickmode": "linear", "tick0": 0, "dtick": 1} if log_y else {"nticks": LOG_TICKS}),
        # the score's own ticks (0…1), not the default synced to the loss axis, which gives values like 0.957
        yaxis2={
            "overlaying": "y",
            "side": "right",
            "range": [0, 1.02],
            "tickmode": "array",
            "tickvals": [0, 0.25, 0.5, 0.75, 1],
            "tickformat": ".0%" if problem == "classification" else ".2f",
            "showgrid": False,
            "title": None,
            "automargin": True,
        },
        xaxis={"title": _("epoch")},
    )
    if log_y and n:
        fig.update_layout(yaxis=log_axis([h[k][i] for k in ("train_loss", "test_loss", "reg_loss")]))
    return fig


def layer_names(sizes: tuple[int, ...]) -> list[str]:
    """Each weight matrix by the layers it joins: W0 (in→h1), W1 (h1→out) … (Chinese: W0（输入→隐1）)."""
    L = len(sizes) - 1
    out = []
    for l in range(L):
        if L == 1:
            out.append(_("W{l} (in→out)").format(l=l))
        elif l == 0:
            out.append(_("W{l} (in→h{k})").format(l=l, k=l + 1))
        elif l == L - 1:
            out.append(_("W{l} (h{j}→out)").format(l=l, j=l))
        else:
            out.append(_("W{l} (h{j}→h{k})").format(l=l, j=l, k=l + 1))
    return out


def gradient_figure(h: dict[str, np.ndarray], sizes: tuple[int, ...], height: int = 300, big=False) -> go.Figure:
    """‖∂L/∂Wˡ‖ per layer over epochs, log scale: vanishing or exploding gradients show as spread lines."""
    fig = go.Figure()
    n = len(h.get("epoch", ()))
    i = decimate(n)
    names = layer_names(sizes)
    for l, name in enumerate(names):
        fig.add_trace(
            go.Scatter(
                x=h["epoch"][i] if n else [],
                y=h["grad_norm"][i, l] if n else [],
                name=name,
                line={"color": LAYER_COLORS[l % len(LAYER_COLORS)], "width": 2},
            )
        )
    _layout(fig, _("Gradient norm ‖∂L/∂W‖ per layer"), height, big)
    # One legend row per layer, stacked right of the plot below the title: 1 to 9 layers never reach the title
    # (a horizontal legend above the plot wraps into it from 4 layers on) and the plot keeps its height.
    fig.update_layout(
        yaxis={"type": "log", "exponentformat": "power", "tickmode": "linear", "tick0": 0, "dtick": 1},
        xaxis={"title": _("epoch")},
        margin={"t": 40 if big else 34, "r": 8},
        legend={"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top", "tracegroupgap": 0},
    )
    if n:
        fig.update_layout(yaxis=log_axis(h["grad_norm"][i]))
    return fig


def update_ratio_figure(ratio: np.ndarray | None, sizes: tuple[int, ...], height: int = 260, big=False) -> go.Figure:
    """The latest ‖ΔW‖/‖W‖ per layer; about 1e-3 is the usual healthy size."""
    names = layer_names(sizes)
    vals = ratio if ratio is not None else np.full(len(names), np.nan)
    fig = go.Figure(
        go.Bar(
            x=names,
            y=vals,
            marker_color=[LAYER_COLORS[l % len(LAYER_COLORS)] for l in range(len(names))],
            hovertemplate="%{x}: %{y:.2e}<extra></extra>",
        )
    )
    fig.add_hline(y=1e-3, line_dash="dot", line_color="#999")
    # (add_hline's own annotation lands at y = 10^0.001 on a log axis: annotations there take log10 values)
    fig.add_annotation(
        x=1, xref="paper", xanchor="right", y=-3, yref="y", yanchor="bottom", text=_("≈ 1e-3: healthy"),
        showarrow=False, bgcolor="rgba(255,255,255,0.85)",  # readable where a bar runs behind it
    )  # fmt: skip
    _layout(fig, _("Update / weight ratio ‖ΔW‖/‖W‖ (latest epoch)"), height, big)
    fig.update_layout(yaxis={"type": "log", "exponentformat": "power", "nticks": LOG_TICKS}, hovermode="closest")
    finite = vals[np.isfinite(vals) & (vals > 0)]
    if len(finite):  # whole decades around the bars and the guide: bars rise from the floor, ticks stay sparse
        lo = np.floor(np.log10(min(finite.min(), 1e-3)) - 0.2)
        hi = np.ceil(np.log10(max(finite.max(), 1e-3)) + 0.2)
        fig.update_yaxes(range=[lo, hi], dtick=1)
    else:  # nothing trained yet (or all zero): a fixed decade range rather than a lone odd tick
        fig.update_yaxes(range=[-6, 0], dtick=1)
        fig.add_annotation(
            x=0.5, xref="paper", y=0.85, yref="paper", text=_("Train an epoch to see the ratios"), showarrow=False
        )
    return fig


def confusion_figure(conf: list[list[int]], height: int = 300, big=False, part: str = "test") -> go.Figure:
    c = np.asarray(conf)
    k = len(c)
    labels = [_("class {k}").format(k=i) for i in range(k)]
    fig = go.Figure(
        go.Heatmap(
            z=c,
            x=labels,
            y=labels,
            colorscale="Blues",
            showscale=False,
            text=c,
            texttemplate="%{text}",
            hovertemplate=_("true %{y}, predicted %{x}: %{z}") + "<extra></extra>",
        )
    )
    title = _("Confusion matrix (test points)") if part == "test" else _("Confusion matrix (training points)")
    _layout(fig, title, height, big)
    fig.update_layout(hovermode="closest")
    fig.update_xaxes(title=_("predicted"), side="bottom")
    fig.update_yaxes(title=_("true"), autorange="reversed")
    return fig
