"""Hidden-space warp: the input plane's grid lines and the data as one hidden layer sees them.

Pure functions: the caller maps points through the network (engine.views.layer_activations); here they are
projected to 2-D (two chosen neurons, or the data's two principal components) and drawn.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.figures import _layout, point_colors
from playground.i18n import N_, _
from playground.theme import DIVERGING

PCA = N_("PCA (2 main directions)")  # an Axes option: shown translated, kept as this text


def grid_lines(bounds: tuple[float, float, float, float], dim: int, n: int = 13, pts: int = 60) -> list[np.ndarray]:
    """Polylines of the input plane: n lines of constant x1 and n of constant x2 (1-D data: the x axis)."""
    x0, x1, y0, y1 = bounds
    if dim == 1:
        return [np.linspace(x0, x1, 200)[:, None]]
    t = np.linspace(0, 1, pts)
    out = [np.stack([np.full(pts, x), y0 + (y1 - y0) * t], 1) for x in np.linspace(x0, x1, n)]
    out += [np.stack([x0 + (x1 - x0) * t, np.full(pts, y)], 1) for y in np.linspace(y0, y1, n)]
    return out


def projection(points: np.ndarray, axes: tuple[int, int] | str) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A linear map (width, 2) and offset (width,) from a layer's activations to the plane, with axis titles.
    PCA is fitted to the data points' activations, so the grid follows the same map."""
    width = points.shape[1]
    if axes == PCA:
        mean = points.mean(0) if len(points) else np.zeros(width)
        if len(points) >= 2 and width >= 2:
            _u, _s, vt = np.linalg.svd(points - mean, full_matrices=False)
            M = vt[:2].T
        else:
            M = np.eye(width, 2)
        return M, mean, [_("component {n}").format(n=1), _("component {n}").format(n=2)]
    i, j = axes
    M = np.zeros((width, 2))
    M[i, 0] = 1.0
    if width > 1:
        M[j, 1] = 1.0
    neuron = _("neuron {n}")
    return M, np.zeros(width), [neuron.format(n=i + 1), neuron.format(n=j + 1) if width > 1 else "–"]


def warp_figure(
    lines: list[np.ndarray],
    points: np.ndarray,
    y: np.ndarray,
    problem: str,
    titles: list[str],
    layer_name: str,
    height: int = 480,
    big: bool = False,
    one_d: bool = False,
) -> go.Figure:
    """lines / points are already projected to 2-D."""
    fig = go.Figure()
    xs, ys = [], []
    for ln in lines:
        xs += [*ln[:, 0], None]
        ys += [*ln[:, 1], None]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="lines", line={"width": 1, "color": "#9aa5b1"}, hoverinfo="skip", name=_("grid lines")
        )
    )
    marker = {"size": 8 if big else 6, "line": {"width": 0.5, "color": "white"}}
    colors = point_colors(y, problem) if len(y) else []
    if problem == "classification":
        marker["color"] = colors
    else:
        marker |= {"color": colors, "colorscale": DIVERGING, "showscale": True}
    fig.add_trace(
        go.Scatter(
            x=points[:, 0],
            y=points[:, 1],
            mode="markers",
            marker=marker,
            name=_("points"),
            hovertemplate="(%{x:.3f}, %{y:.3f})<extra></extra>",
        )
    )
    title = _("The input line as {layer} sees it") if one_d else _("The plane as {layer} sees it")
    _layout(fig, title.format(layer=layer_name), height=height, big=big)
    fig.update_layout(showlegend=False, hovermode="closest")
    fig.update_xaxes(title=titles[0])
    fig.update_yaxes(title=titles[1])
    return fig
