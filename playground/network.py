"""The network diagram: every neuron as a small map of its activation over the input plane, links whose width
and colour show each weight (or its gradient ∂L/∂W), hover for exact values. Pure: arrays in, a figure out.

All thumbnails are painted into one transparent PNG (a Plotly layout image), so a 8×32 network is one image,
a few line traces (links binned by width and sign) and two invisible marker traces that carry the hover text.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from playground.i18n import _
from playground.raster import colorize, data_uri
from playground.theme import DIVERGING, FONT

PITCH_X, PITCH_Y = 3.2, 1.3  # distance between layer columns / neurons, in thumbnail widths
POSITIVE, NEGATIVE = "#1f77b4", "#f28e2b"
WIDTHS = (0.5, 1.0, 1.8, 3.0, 4.5)  # link widths by |value| / max |value|, in five bins


def neuron_names(sizes: tuple[int, ...], features: tuple[str, ...]) -> list[list[str]]:
    """The inputs by their features' names, then h1·1, h1·2 … and out 0 … (Chinese: 隐1·1 … 输出 0)."""
    L = len(sizes) - 1
    out = [list(features)]
    for l in range(1, L):
        out.append([_("h{l}·{j}").format(l=l, j=j + 1) for j in range(sizes[l])])
    out.append([_("out {j}").format(j=j) for j in range(sizes[-1])])
    return out


def positions(sizes: tuple[int, ...]) -> list[np.ndarray]:
    """(width, 2) centres per layer: columns left to right, neurons top to bottom, centred on y = 0."""
    out = []
    for l, n in enumerate(sizes):
        ys = (np.arange(n)[::-1] - (n - 1) / 2) * PITCH_Y
        out.append(np.stack([np.full(n, l * PITCH_X), ys], 1))
    return out


def thumbnail(m: np.ndarray, g: int) -> np.ndarray:
    """One neuron's map as a g×g image in [-1, 1], rows top to bottom: divided by its max |value| when it takes
    both signs (white = 0), else stretched from its minimum (orange) to its maximum (blue)."""
    if m.ndim == 1:  # 1-D data: a strip along x
        m = np.tile(m[None, :], (g, 1))
    lo, hi = float(m.min()), float(m.max())
    if lo < 0 < hi:
        out = m / max(-lo, hi)
    elif hi - lo > 1e-9:
        out = 2 * (m - lo) / (hi - lo) - 1
    else:
        out = np.zeros_like(m)
    return out[::-1]


def mosaic(maps: list[np.ndarray], sizes: tuple[int, ...], g: int) -> tuple[np.ndarray, tuple[float, float]]:
    """All thumbnails in one (H, W) array (NaN between them) and the data coordinates of its top-left corner."""
    pos = positions(sizes)
    allp = np.concatenate(pos)
    x0, y1 = allp[:, 0].min() - 0.5, allp[:, 1].max() + 0.5
    W = round((allp[:, 0].max() + 0.5 - x0) * g)
    H = round((y1 - (allp[:, 1].min() - 0.5)) * g)
    img = np.full((H, W), np.nan)
    for l, m in enumerate(maps):
        for j in range(sizes[l]):
            cx, cy = pos[l][j]
            c, r = round((cx - 0.5 - x0) * g), round((y1 - (cy + 0.5)) * g)
            img[r : r + g, c : c + g] = thumbnail(m[..., j], g)
    return img, (x0, y1)


def _links(
    params: list[tuple[np.ndarray, np.ndarray]], pos: list[np.ndarray], values: list[np.ndarray], label: str | None
) -> tuple[list[go.Scatter], go.Scatter]:
    """The links binned by width and sign, and an invisible trace whose hover gives each weight (and, with
    `label`, the value the links show instead: ∂L/∂W)."""
    vmax = max((float(np.abs(v).max()) for v in values), default=0.0) or 1.0
    segs: dict[tuple[int, bool], tuple[list, list]] = {}
    mx, my, text = [], [], []
    for l, v in enumerate(values):
        a, b = pos[l], pos[l + 1]
        for j in range(v.shape[0]):
            for k in range(v.shape[1]):
                val = float(v[j, k])
                bin_ = min(int(abs(val) / vmax * len(WIDTHS)), len(WIDTHS) - 1)
                xs, ys = segs.setdefault((bin_, val >= 0), ([], []))
                p, q = (a[j, 0] + 0.5, a[j, 1]), (b[k, 0] - 0.5, b[k, 1])
                xs += [p[0], q[0], None]
                ys += [p[1], q[1], None]
                mx.append((p[0] + q[0]) / 2)
                my.append((p[1] + q[1]) / 2)
                w = float(params[l][0][j, k])
                text.append(f"W{l}[{j},{k}] = {w:.4g}" + (f"<br>{label} = {val:.4g}" if label else ""))
    traces = [
        go.Scatter(
            x=xs,
            y=ys,
            mode="lines",
            line={"width": WIDTHS[bin_], "color": POSITIVE if pos_ else NEGATIVE},
            opacity=0.35 + 0.13 * bin_,
            hoverinfo="skip",
            showlegend=False,
        )
        for (bin_, pos_), (xs, ys) in sorted(segs.items())
    ]
    hover = go.Scatter(
        x=mx,
        y=my,
        mode="markers",
        marker={"size": 7, "color": "rgba(0,0,0,0)"},
        text=text,
        hovertemplate="%{text}<extra></extra>",
        showlegend=False,
        name=_("links"),
    )
    return traces, hover


def network_figure(
    maps: list[np.ndarray],
    params: list[tuple[np.ndarray, np.ndarray]],
    features: tuple[str, ...],
    grads: list[tuple[np.ndarray, np.ndarray]] | None = None,
    selected: tuple[int, int] | None = None,
    g: int = 20,
    big: bool = False,
) -> go.Figure:
    """maps[l]: (G, G, width) activations of layer l over the plane (layer 0 = input features, last = output),
    already on a g×g grid. With `grads`, links show ∂L/∂W instead of W."""
    sizes = tuple(m.shape[-1] for m in maps)
    pos = positions(sizes)
    names = neuron_names(sizes, features)
    img, (x0, y1) = mosaic(maps, sizes, g)
    fig = go.Figure()
    values = [np.asarray(dW) for dW, _ in grads] if grads is not None else [np.asarray(W) for W, _ in params]
    lines, link_hover = _links(params, pos, values, "∂L/∂W" if grads is not None else None)
    for t in lines:
        fig.add_trace(t)
    fig.add_trace(link_hover)
    cx, cy, text, custom = [], [], [], []
    for l, m in enumerate(maps):
        for j in range(sizes[l]):
            cx.append(pos[l][j, 0])
            cy.append(pos[l][j, 1])
            v = m[..., j]
            t = f"<b>{names[l][j]}</b><br>" + _("activation {lo} … {hi}").format(
                lo=f"{v.min():.3g}", hi=f"{v.max():.3g}"
            )
            if l > 0:
                b = float(params[l - 1][1][j])
                t += f"<br>b{l - 1}[{j}] = {b:.4g}"
                if grads is not None:
                    t += f"<br>∂L/∂b = {float(grads[l - 1][1][j]):.4g}"
            text.append(t)
            custom.append([l, j])
    sel = [i for i, c in enumerate(custom) if selected is not None and tuple(c) == tuple(selected)]
    fig.add_trace(
        go.Scatter(
            x=cx,
            y=cy,
            mode="markers",
            marker={"size": 26 if big else 20, "symbol": "square", "color": "rgba(0,0,0,0)", "line": {"width": 0}},
            selected={"marker": {"color": "rgba(0,0,0,0)"}},
            unselected={"marker": {"opacity": 1}},
            selectedpoints=sel or None,
            customdata=custom,
            text=text,
            hovertemplate="%{text}<extra></extra>",
            showlegend=False,
            name=_("neurons"),
        )
    )
    H, W = img.shape
    fig.add_layout_image(
        source=data_uri(colorize(img, -1.0, 1.0, DIVERGING)),
        xref="x",
        yref="y",
        x=x0,
        y=y1,
        sizex=W / g,
        sizey=H / g,
        sizing="stretch",
        layer="above",
    )
    for l, n in enumerate(sizes):  # outline every thumbnail, and the selected one in red
        for j in range(n):
            red = selected is not None and (l, j) == tuple(selected)
            fig.add_shape(
                type="rect",
                x0=pos[l][j, 0] - 0.5,
                x1=pos[l][j, 0] + 0.5,
                y0=pos[l][j, 1] - 0.5,
                y1=pos[l][j, 1] + 0.5,
                line={"color": "#d62728" if red else "#999", "width": 2.5 if red else 0.6},
                layer="above",
            )
    top = max(p[:, 1].max() for p in pos) + 0.55
    heads = [_("input")] + [_("h{l} · {n}").format(l=l, n=n) for l, n in enumerate(sizes[1:-1], 1)] + [_("output")]
    for l, head in enumerate(heads):
        fig.add_annotation(
            x=l * PITCH_X, y=top, text=head, showarrow=False, yanchor="bottom", font={"size": 14 if big else 11}
        )
    for j, name in enumerate(names[0]):
        fig.add_annotation(
            x=pos[0][j, 0] - 0.55,
            y=pos[0][j, 1],
            text=name,
            showarrow=False,
            xanchor="right",
            font={"size": 13 if big else 10},
        )
    span_y = max(p[:, 1].max() for p in pos) * 2 + 1.6
    height = int(np.clip(70 + 34 * span_y, 300, 1100))
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        font={"family": FONT, "size": 13 if big else 11},
        paper_bgcolor="white",
        plot_bgcolor="white",
        hovermode="closest",
        dragmode=False,
        clickmode="event+select",
    )
    x_lo = -0.5 - 0.45 * max(len(n) for n in names[0]) - 0.3
    fig.update_xaxes(visible=False, range=[x_lo, (len(sizes) - 1) * PITCH_X + 0.7], fixedrange=True)
    fig.update_yaxes(visible=False, range=[-top - 0.1, top + 0.6], scaleanchor="x", scaleratio=1, fixedrange=True)
    return fig
