"""The live board: its Components v2 definition and the frames it draws (pure functions of a Session)."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import math
import shutil
from pathlib import Path

import numpy as np
import plotly

from engine.data import Dataset
from engine.diagnose import trouble
from engine.session import Session
from playground import figures
from playground.theme import CLASS_COLORS, MISTAKE_COLOR

ROOT = Path(__file__).resolve().parents[1]
ASSETS = ROOT / "assets" / "board"
STATIC = Path(__file__).resolve().parent / "static"
GRID = 100
MAX_UNACKED = 200  # strokes the board resends until acknowledged; a frame acknowledges as many (≈2 KB)
HTML = (
    '<div class="bp-root"><div class="bp-left"><div class="bp-head"><span class="bp-hint"></span></div>'
    '<div class="bp-wrap"><div class="bp-board"></div><canvas class="bp-ink"></canvas></div></div>'
    '<div class="bp-right"><div class="bp-loss"></div><div class="bp-grad"></div></div></div>'
)


def ensure_plotly_js() -> Path:
    """Serve the plotly.js that ships inside the plotly package from Streamlit's static folder (offline)."""
    src = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    dst = STATIC / "plotly.min.js"
    if not dst.exists() or dst.stat().st_size != src.stat().st_size:
        STATIC.mkdir(exist_ok=True)
        shutil.copyfile(src, dst)
    return dst


def component():
    import streamlit as st

    return st.components.v2.component(
        "backprop_board",
        html=HTML,
        css=(ASSETS / "board.css").read_text(),
        js=(ASSETS / "board.js").read_text(),
        isolate_styles=False,
    )


def _r(a: np.ndarray, digits: int = 4) -> list:
    return np.round(np.asarray(a, np.float64), digits).tolist()


def significant(a: np.ndarray, digits: int = 4) -> list:
    """Numbers for a chart to `digits` significant digits (a gradient of 3.2e-9 stays 3.2e-9, not 0); None for
    NaN and infinities."""
    return [float(f"{v:.{digits}g}") if math.isfinite(v) else None for v in np.asarray(a, np.float64).tolist()]


def quantize(z: np.ndarray, lo: float, hi: float) -> str:
    """A (G, G) field → base64 of uint8 levels over [lo, hi] (10 KB for 100×100)."""
    q = np.clip(np.rint((z - lo) / max(hi - lo, 1e-12) * 255), 0, 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def target_range(s: Session) -> tuple[float, float]:
    y = s.dataset.y
    if s.dataset.problem != "regression" or len(y) == 0:
        return (-1.0, 1.0)
    m = float(np.abs(y[:, 0]).max()) or 1.0
    return (-m, m)


def view_bounds(
    ds: Dataset, keep: tuple[float, float, float, float] | None = None
) -> tuple[float, float, float, float]:
    """The board's extent (x_min, x_max, y_min, y_max). For 2-D data a square around the points' padded bounds:
    the axes keep a 1:1 scale, so equal spans let the shading fill the plot area exactly (no blank bands).
    For 1-D data x and the targets' range, as the data set gives them. `keep`: the view while the person draws;
    it stays put (a board that zoomed to each new point could not be drawn on) unless a point lies outside it."""
    if keep is not None and _inside(ds, keep):
        return keep
    b = ds.bounds()
    if keep is not None:
        b = (min(b[0], keep[0]), max(b[1], keep[1]), min(b[2], keep[2]), max(b[3], keep[3]))
    if ds.dim != 2:
        return b
    cx, cy = (b[0] + b[1]) / 2, (b[2] + b[3]) / 2
    h = max(b[1] - b[0], b[3] - b[2]) / 2
    return (cx - h, cx + h, cy - h, cy + h)


def _inside(ds: Dataset, b: tuple[float, float, float, float]) -> bool:
    px = ds.x[:, 0]
    py = ds.x[:, 1] if ds.dim == 2 else ds.y[:, 0]
    return bool(np.all((px >= b[0]) & (px <= b[1]) & (py >= b[2]) & (py <= b[3])))


def base_figures(s: Session, big: bool = False, view: tuple[float, float, float, float] | None = None) -> dict:
    """The three figures with empty data; the frames fill them. Also keyed, so the page knows when the
    browser must rebuild them (another network, problem or data range). Built once per key (≈40 ms with Plotly's
    validation), then only parsed from JSON: every rerun asks for them, and the caller may change the copy."""
    ds = s.dataset
    n_targets = ds.y.shape[1] if ds.problem == "regression" else 0
    b = view or view_bounds(ds)
    has_test = bool(ds.test.any())
    text, key = _base_json(
        ds.problem, ds.dim, ds.classes, n_targets, b, target_range(s), s.spec.n_layers, big, has_test
    )
    return {"figs": json.loads(text), "figs_key": key}


@functools.lru_cache(maxsize=64)
def _base_json(
    problem: str,
    dim: int,
    classes: int,
    n_targets: int,
    b: tuple[float, float, float, float],
    t_range: tuple[float, float],
    L: int,
    big: bool,
    has_test: bool = True,
) -> tuple[str, str]:
    empty_h = {k: np.zeros(0) for k in ("epoch", "train_loss", "test_loss", "reg_loss", "test_score")}
    empty_h["grad_norm"] = np.zeros((0, L))
    x, test = np.zeros((0, dim)), np.zeros(0, bool)
    y = np.zeros((0, n_targets)) if problem == "regression" else np.zeros(0, np.int32)
    if dim == 1:
        board = figures.curve_figure(np.zeros(0), np.zeros((0, 1)), x, y, test, b, big=big)
        board.add_trace({"type": "scatter", "x": [], "y": [], "mode": "markers", "name": "unused"})  # trace 3
    else:
        field = figures.boundary_field(np.zeros((2, 2, max(classes, 1))), problem, classes, t_range)
        board = figures.boundary_figure(field, b, x, y, test, problem, big=big)
    # The shading is a layout image that the browser paints from each frame's quantised field: Plotly redraws
    # an image alone, not the traces. Trace 0 stays as an empty heatmap that carries the colour bar.
    if dim == 2:
        f = board.data[0]
        board.update_layout(
            images=[
                {
                    "source": "",
                    "xref": "x",
                    "yref": "y",
                    "x": b[0],
                    "y": b[3],
                    "sizex": b[1] - b[0],
                    "sizey": b[3] - b[2],
                    "sizing": "stretch",
                    "layer": "below",
                    "opacity": 0.9,
                }
            ],
        )
        f.update(z=[[None, None], [None, None]], x=list(b[:2]), y=list(b[2:]), colorbar={"thickness": 12, "len": 0.8})
    board.update_layout(height=None, autosize=True, uirevision="board")
    loss = figures.loss_figure(empty_h, problem, big=big, has_test=has_test)
    grad = figures.gradient_figure(empty_h, (1,) * (L + 1), big=big)  # its legend names depend on L only
    for f in (loss, grad):
        f.update_layout(height=None, autosize=True, uirevision="keep")
        # shown while no epoch is trained (board.js hides it): the empty axes alone say nothing
        f.add_annotation(
            text="Press Play or Step<br>to train",
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"color": "#888", "size": 18 if big else 14},
            name="empty",
        )
    figs = {k: json.loads(v.to_json()) for k, v in {"board": board, "loss": loss, "grad": grad}.items()}
    text = json.dumps(figs, sort_keys=True)
    return text, hashlib.sha1(text.encode()).hexdigest()[:12]


def frame(
    s: Session,
    seq: int,
    figs_key: str,
    acks: list[str],
    g: int = GRID,
    show_test: bool = True,
    view: tuple[float, float, float, float] | None = None,
) -> dict:
    """Everything the board draws for the current state (≤ 100 KB as JSON), over `view` (default: the data's)."""
    ds = s.dataset
    out: dict = {"seq": seq, "figs_key": figs_key, "acks": acks[-MAX_UNACKED:], "label": f"Epoch {s.epoch:,}"}
    b = view or view_bounds(ds)
    grid = s.grid(g, b)
    if ds.dim == 2:
        field = figures.boundary_field(grid["output"], ds.problem, ds.classes, target_range(s))
        out |= {"z": quantize(field.z, field.zmin, field.zmax), "g": g}
    else:
        out["curve"] = {"x": _r(np.linspace(b[0], b[1], g)), "y": _r(grid["output"][:, 0])}
    wrong = np.zeros(ds.n, bool)
    if ds.problem == "classification" and ds.n:
        wrong = s.predict(ds.x).argmax(-1) != ds.y
    py = ds.x[:, 1] if ds.dim == 2 else ds.y[:, 0]
    c = ds.y.astype(int).tolist() if ds.problem == "classification" else _r(ds.y[:, 0], 3)
    vis = ds.test if show_test else np.zeros(ds.n, bool)
    keep = ~ds.test | vis
    out["pv"] = hashlib.sha1(ds.x.tobytes() + ds.y.tobytes() + ds.test.tobytes() + bytes(show_test)).hexdigest()[:10]
    out["pts"] = {
        "x": _r(ds.x[keep, 0], 3),
        "y": _r(py[keep], 3),
        "c": np.asarray(c)[keep].tolist() if ds.n else [],
        "t": ds.test[keep].astype(int).tolist(),
        "w": wrong[keep].astype(int).tolist(),
    }
    h = s.history.data
    n = len(h.get("epoch", ()))
    i = figures.decimate(n, 300)
    nan2none = significant
    out["loss"] = {
        "e": h["epoch"][i].tolist() if n else [],
        "tr": nan2none(h["train_loss"][i]) if n else [],
        "te": nan2none(h["test_loss"][i]) if n else [],
        "rg": nan2none(h["reg_loss"][i]) if n and np.any(h["reg_loss"]) else [],
        "sc": nan2none(h["test_score"][i]) if n else [],
    }
    n_train = int((~ds.test).sum())
    out["warn"] = None if s.divergence else trouble(h, s.spec.activation, s.cfg.init, n_train)
    j = figures.decimate(n, 200)
    out["grad"] = {
        "e": h["epoch"][j].tolist() if n else [],
        "g": [nan2none(h["grad_norm"][j, l]) for l in range(s.spec.n_layers)] if n else [[]] * s.spec.n_layers,
        # every gradient of the latest epoch exactly 0 (a log axis would show an empty chart)
        "zero": bool(n and np.all(h["grad_norm"][-1] == 0)),
    }
    return out


def frame_html(board_id: str, f: dict) -> str:
    """A frame as a hidden element for st.html; the board's JS picks it up."""
    text = json.dumps(f, separators=(",", ":")).replace("<", "\\u003c").replace("&", "\\u0026")
    return f'<div class="bp-frame" data-board="{board_id}" hidden style="display:none">{text}</div>'


def board_context(s: Session, tool: str, label: int, target: float, show_test: bool, big: bool, hint: str) -> dict:
    return {
        "tool": tool,
        "label": label,
        "target": target,
        "classes": s.dataset.classes if s.dataset.problem == "classification" else 0,
        "colors": list(CLASS_COLORS),
        "mistake": MISTAKE_COLOR,
        "one_d": s.dataset.dim == 1,
        "show_test": show_test,
        "big": big,
        "hint": hint,
    }
