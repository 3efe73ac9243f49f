"""Figures of an optimiser race: overlaid loss curves, a small boundary per racer, paths on the loss slice."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from playground.figures import Field, _layout, decimate, log_axis, point_colors
from playground.i18n import _
from playground.theme import LAYER_COLORS

COLORS = LAYER_COLORS
BELOW = {"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0}


def race_loss_figure(
    metrics: dict[str, np.ndarray], labels: list[str], log_y: bool = True, height: int = 340, big: bool = False
) -> go.Figure:
    fig = go.Figure()
    for i, name in enumerate(labels):
        e = metrics["epoch"][i]
        idx = decimate(len(e))
        for key, dash in (("train_loss", "solid"), ("test_loss", "dot")):
            v = metrics[key][i][idx]
            if not np.isfinite(v).any():
                continue
            fig.add_trace(
                go.Scatter(
                    x=e[idx],
                    y=v,
                    mode="lines",
                    line={"color": COLORS[i % len(COLORS)], "dash": dash, "width": 2 if dash == "solid" else 1.5},
                    name=name if key == "train_loss" else _("{name} (test)").format(name=name),
                    legendgroup=name,
                    showlegend=key == "train_loss",
                )
            )
    _layout(fig, _("Loss (solid: train, dotted: test)"), height=height, big=big)
    fig.update_layout(legend=BELOW, margin={"b": 110})
    fig.update_xaxes(title=_("epoch"))
    fig.update_yaxes(title=_("loss"), type="log" if log_y else "linear")
    if log_y:  # plain numbers (0.2) or powers of ten, not SI prefixes (100μ)
        fig.update_yaxes(**log_axis([t.y for t in fig.data]))
    return fig


def race_landscape_figure(
    land: dict[str, np.ndarray],
    paths: np.ndarray,
    path_epochs: list[int],
    labels: list[str],
    height: int = 460,
    big: bool = False,
) -> go.Figure:
    """Contours of log₁₀ loss over the slice θ₀ + α·d₁ + β·d₂ and each racer's projected path."""
    z = np.log10(np.maximum(land["loss"], 1e-12))
    fig = go.Figure(
        go.Contour(
            x=land["alpha"],
            y=land["beta"],
            z=z,
            colorscale="Viridis",
            reversescale=True,
            ncontours=24,
            contours={"coloring": "heatmap"},
            colorbar={"title": "log₁₀ L", "thickness": 12},
            hovertemplate="α %{x:.3f}, β %{y:.3f}<br>log₁₀ L %{z:.3f}<extra></extra>",
            name=_("loss"),
        )
    )
    for i, name in enumerate(labels):
        p = paths[i]
        ok = np.isfinite(p).all(1)
        fig.add_trace(
            go.Scatter(
                x=p[ok, 0],
                y=p[ok, 1],
                mode="lines+markers",
                marker={"size": 4},
                line={"color": COLORS[i % len(COLORS)], "width": 2.5},
                name=name,
                text=[_("epoch {n}").format(n=e) for e, k in zip(path_epochs, ok, strict=True) if k],
                hovertemplate=name + " · %{text}<extra></extra>",
            )
        )
        if ok.any():
            last = p[ok][-1]
            fig.add_trace(
                go.Scatter(
                    x=[last[0]],
                    y=[last[1]],
                    mode="markers",
                    marker={"size": 11, "symbol": "x", "color": COLORS[i % len(COLORS)], "line": {"width": 1}},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
    fig.add_trace(
        go.Scatter(
            x=[0],
            y=[0],
            mode="markers",
            marker={"size": 12, "color": "white", "line": {"width": 2, "color": "black"}},
            name=_("start θ₀"),
        )
    )
    _layout(fig, _("Paths on a fixed slice of the loss landscape"), height=height, big=big)
    fig.update_layout(hovermode="closest", legend=BELOW, margin={"b": 110})
    fig.update_xaxes(title=_("α along −∇L(θ₀)"))
    fig.update_yaxes(
        title=_("β along a random orthogonal direction"), scaleanchor="x", scaleratio=1, constrain="domain"
    )
    fig.update_xaxes(range=[float(land["alpha"][0]), float(land["alpha"][-1])], constrain="domain")
    return fig


def race_boundaries_figure(
    fields: list[Field | np.ndarray],
    bounds: tuple[float, float, float, float],
    x: np.ndarray,
    y: np.ndarray,
    problem: str,
    labels: list[str],
    one_d: bool = False,
    height: int = 300,
    big: bool = False,
) -> go.Figure:
    """A small boundary (or fitted curve, for 1-D data) per racer, side by side."""
    k = len(labels)
    smooth = problem != "classification" or len(np.unique(y)) <= 2
    cols = min(k, 3)
    rows = -(-k // cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=labels, horizontal_spacing=0.04, vertical_spacing=0.1)
    for i, f in enumerate(fields):
        r, c = i // cols + 1, i % cols + 1
        if one_d:
            xs, fit = f
            fig.add_trace(go.Scatter(x=x[:, 0], y=y[:, 0], mode="markers", marker={"size": 4, "color": "#888"}), r, c)
            fig.add_trace(
                go.Scatter(x=xs, y=fit, mode="lines", line={"color": COLORS[i % len(COLORS)], "width": 2.5}), r, c
            )
            continue
        g = f.z.shape[0]
        fig.add_trace(
            go.Heatmap(
                z=f.z,
                x=np.linspace(bounds[0], bounds[1], g),
                y=np.linspace(bounds[2], bounds[3], g),
                zmin=f.zmin,
                zmax=f.zmax,
                colorscale=f.colorscale,
                showscale=False,
                opacity=0.85,
                hoverinfo="skip",
                # interpolated, not blocky; k-class fields encode class and confidence together, which an
                # interpolation would blend into a third class's colour at a boundary
                zsmooth="best" if smooth else False,
            ),
            r,
            c,
        )
        fig.add_trace(
            go.Scatter(
                x=x[:, 0],
                y=x[:, 1],
                mode="markers",
                marker={"size": 4, "color": point_colors(y, problem), "line": {"width": 0.5, "color": "white"}},
                hoverinfo="skip",
            ),
            r,
            c,
        )
    _layout(fig, height=height * rows, big=big)
    fig.update_layout(showlegend=False, hovermode=False, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    fig.update_xaxes(showticklabels=False, showgrid=False, range=bounds[:2])
    if not one_d:
        fig.update_yaxes(showticklabels=False, showgrid=False, range=bounds[2:])
    return fig
