"""The live board: its Components v2 definition and the frames it draws (pure functions of a Session).

The data that crosses to the browser is declared here once, as TypedDicts: `BoardData` (the component's `data`:
the page's `BoardContext`, the figures with their `Traces`, a `Frame`) and `StrokeBatch` (what the board sends back).
playground/web/board.js mirrors them as JSDoc typedefs of the same names (a test compares the two).
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import hashlib
import json
import math
import zlib
from typing import Any, Literal, TypedDict

import numpy as np

from engine.data import Dataset
from engine.diagnose import diagnosis
from engine.history import History
from engine.session import Session
from playground import figures, i18n, resources
from playground.i18n import _
from playground.theme import CLASS_COLORS, MISTAKE_COLOR

GRID = 100
MAX_UNACKED = 200  # strokes the board resends until acknowledged; a full frame acknowledges as many (≈2 KB)
STREAMED_ACKS = 32  # the newest acknowledgements a delta frame carries (a stroke sent again is acknowledged anew)
LOSS_POINTS = 300  # the loss chart's entries at most (every stride-th epoch and the newest)
GRAD_POINTS = 200  # the gradient chart's
FULL_EVERY = 40  # a full frame at least this often while playing (a board that missed one catches up)
MAX_DELTA_ENTRIES = 90  # curve entries a delta may carry (≈5 KB); beyond that a full frame (≈25 KB) is sent
HTML = (
    '<div class="bp-root"><div class="bp-left"><div class="bp-head"><span class="bp-hint"></span></div>'
    '<div class="bp-wrap"><div class="bp-board"></div><canvas class="bp-ink"></canvas></div></div>'
    '<div class="bp-right"><div class="bp-loss"></div><div class="bp-grad"></div></div></div>'
)


# ---- the schema: what Python sends the board and what the board sends back ------------------------------------

Tool = Literal["add", "erase", "inspect"]  # what a click on the board does


class Points(TypedDict):
    """The points drawn, one entry per point in each list."""

    x: list[float]
    y: list[float]  # x₂ on a 2-D board, the target on a 1-D one
    c: list[int] | list[float]  # class index (classification) or target value (regression)
    t: list[int]  # 1: a test point


class Curve(TypedDict):
    """A 1-D board's network output ŷ(x) over the view."""

    x: list[float]
    y: list[float]


class LossSeries(TypedDict):
    """The loss chart's traces, decimated (`series_positions`): epochs and one value per epoch (None for NaN or
    ±∞). In a delta frame only the entries from index `at` of its base frame's series on."""

    at: int  # these entries replace the base frame's from this index on (0 in a full frame)
    e: list[int]  # epochs
    tr: list[float | None]  # train loss
    te: list[float | None]  # test loss
    rg: list[float | None]  # regularisation loss ([] when there is none)
    sc: list[float | None]  # test accuracy or R²


class GradSeries(TypedDict):
    """The gradient chart's traces: ‖∂L/∂Wˡ‖ per layer (a delta frame's from index `at` on, as LossSeries)."""

    at: int
    e: list[int]
    g: list[list[float | None]]  # one list per layer
    zero: bool  # every gradient of the latest epoch exactly 0 (a log axis would show an empty chart)


class _FrameAlways(TypedDict):
    seq: int  # increases with every frame; the board draws only the newest
    base: int  # the full frame this one builds on: its own seq in a full frame (see Stream)
    figs_key: str  # the figures this frame fills (BaseFigures.figs_key)
    acks: list[str]  # ids of strokes Python has applied (a full frame's last MAX_UNACKED, a delta's STREAMED_ACKS)
    label: str  # "Epoch 1,234"
    pv: str  # a hash of the points: the board restyles them only when it changes
    wrong: str  # base64 of a bit per point of `pts` (bit i of byte i // 8, lowest first): 1 = misclassified
    loss: LossSeries
    warn: str | None  # a sign of trouble, shown instead of the drawing hint
    grad: GradSeries


class Frame(_FrameAlways, total=False):
    """What the board draws for one state of the session: a full frame (≤ 100 KB as JSON) or a delta against
    the full frame `base` (≤ 8 KB for TF Playground's default network). A full frame has `pts`; a 2-D board's
    frame has `z` and `g`, a 1-D board's `curve`. (total=False, not NotRequired: under `from __future__ import
    annotations` Python 3.11 would count NotRequired keys as required.)"""

    pts: Points  # full frames only (the points change only with a full frame: a new `pv` starts one)
    z: str  # 2-D: the output field (`pack_field`): base64 of zlib of g×g uint8 levels, row 0 = lowest y, each
    # row coded as differences from the level on its left (mod 256)
    g: int  # 2-D: the field's grid size
    curve: Curve  # 1-D: the network's curve


class BoardContext(TypedDict):
    """What the page tells the board besides the figures and the frame (and the constants they share)."""

    tool: Tool
    label: int  # the class a click adds
    target: float  # the target a click adds (regression)
    classes: int  # 0 for regression
    colors: list[str]  # a colour per class
    mistake: str  # the ring around a misclassified point
    one_d: bool
    show_test: bool
    big: bool  # projector mode
    hint: str
    zero_gradients: str  # the gradient chart's note when every gradient is exactly 0 (the page's language)
    max_unacked: int  # strokes the board keeps resending until a frame acknowledges them
    plotly_src: str  # plotly.js, relative to the page (served by playground/serve.py)
    inspected: list[float] | None  # the point open in the step inspector (x₁, x₂; on a 1-D board x, target)


class Traces(TypedDict):
    """Which trace of each figure the board restyles (the figure builders' fixed order, checked when built)."""

    field: int  # the board's shading (a 2-D board's colour bar) or a 1-D board's curve
    train: int
    test: int
    loss: list[str]  # LossSeries keys in the loss chart's trace order
    # the gradient chart: trace l is layer l


class BaseFigures(TypedDict):
    figs: dict[str, Any]  # Plotly figure JSON: "board", "loss", "grad"
    figs_key: str  # changes when the browser must rebuild the figures
    traces: Traces


class BoardData(BaseFigures):
    """The component's `data`."""

    id: str  # the board's id: the play loop's streamed frames (frame_html) name it
    ctx: BoardContext
    frame: Frame


class Stroke(TypedDict):
    """One click or drag on the board, as the board sends it."""

    id: str
    tool: Tool
    label: int
    target: float
    radius: float  # the eraser's and the spray's radius in data units
    pts: list[list[float]]  # [x, y] pairs: the points added, or the eraser's path


class StrokeBatch(TypedDict):
    """The board's `stroke` trigger value: every stroke not acknowledged yet."""

    batch: list[Stroke]


TRACES: Traces = {"field": 0, "train": 1, "test": 2, "loss": ["tr", "te", "rg", "sc"]}
_TRACE_NAMES = {"train": "train", "test": "test"}  # the figure builders' names of those traces


def component() -> Any:
    """The board's Components v2 definition; mount it with `data=board_data(...)` (BoardData)."""
    import streamlit as st

    return st.components.v2.component(
        "backprop_board",
        html=HTML,
        css=resources.source(resources.BOARD_CSS),
        js=resources.source(resources.BOARD_JS),
        isolate_styles=False,
    )


def board_data(board_id: str, ctx: BoardContext, base: BaseFigures, frame: Frame) -> BoardData:
    """The component's data: this page's context, the figures and the frame to draw in them."""
    return {"id": board_id, "ctx": ctx, **base, "frame": frame}


def _r(a: np.ndarray, digits: int = 4) -> list:
    return np.round(np.asarray(a, np.float64), digits).tolist()


def significant(a: np.ndarray, digits: int = 4) -> list:
    """Numbers for a chart to `digits` significant digits (a gradient of 3.2e-9 stays 3.2e-9, not 0); None for
    NaN and infinities."""
    return [float(f"{v:.{digits}g}") if math.isfinite(v) else None for v in np.asarray(a, np.float64).tolist()]


def quantize(z: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """A (G, G) field → uint8 levels over [lo, hi]."""
    return np.clip(np.rint((z - lo) / max(hi - lo, 1e-12) * 255), 0, 255).astype(np.uint8)


def pack_field(q: np.ndarray) -> str:
    """(G, G) uint8 levels → a frame's `z`: each row as differences from the level on its left (mod 256: a
    smooth field becomes runs of small numbers), deflated (zlib), base64. 1.5–5 KB for 100×100, not 13 KB."""
    d = np.diff(q, axis=1, prepend=np.zeros((q.shape[0], 1), np.uint8))  # uint8: wraps mod 256
    return base64.b64encode(zlib.compress(d.tobytes(), 6)).decode("ascii")


def unpack_field(z: str, g: int) -> np.ndarray:
    """A frame's `z` → (g, g) uint8 levels (what board.js does: inflate, then a running sum along each row)."""
    d = np.frombuffer(zlib.decompress(base64.b64decode(z)), np.uint8).reshape(g, g)
    return np.cumsum(d, axis=1, dtype=np.uint8)


def pack_bits(flags: np.ndarray) -> str:
    """Booleans → base64 of bits, bit i in byte i // 8, lowest bit first (a frame's `wrong`)."""
    return base64.b64encode(np.packbits(np.asarray(flags, bool), bitorder="little").tobytes()).decode("ascii")


def unpack_bits(text: str, n: int) -> np.ndarray:
    return np.unpackbits(np.frombuffer(base64.b64decode(text), np.uint8), count=n, bitorder="little").astype(bool)


def series_stride(n: int, limit: int) -> int:
    """The spacing of a chart's kept epochs: the smallest power of 2 that keeps at most `limit` entries of n
    (the newest one included). A power of 2 so that the kept entries stay kept as epochs come: a delta frame
    only appends (when the stride doubles, a full frame is sent)."""
    stride = 1
    while -(-n // stride) + bool(n and (n - 1) % stride) > limit:
        stride *= 2
    return stride


def series_positions(n: int, stride: int, start: int = 0) -> np.ndarray:
    """The history rows a chart shows: every `stride`-th from `start` (a multiple of stride), and the newest."""
    i = np.arange(start, n, stride)
    if n and (n - 1) % stride:
        i = np.append(i, n - 1)
    return i


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


def base_figures(s: Session, big: bool = False, view: tuple[float, float, float, float] | None = None) -> BaseFigures:
    """The three figures with empty data; the frames fill them. Also keyed, so the page knows when the
    browser must rebuild them (another network, problem or data range). Built once per key (≈40 ms with Plotly's
    validation), then only parsed from JSON: every rerun asks for them, and the caller may change the copy."""
    ds = s.dataset
    n_targets = ds.y.shape[1] if ds.problem == "regression" else 0
    b = view or view_bounds(ds)
    has_test = bool(ds.test.any())
    text, key = _base_json(
        i18n.language(), ds.problem, ds.dim, ds.classes, n_targets, b, target_range(s), s.spec.n_layers, big, has_test
    )
    return {"figs": json.loads(text), "figs_key": key, "traces": TRACES}


@functools.lru_cache(maxsize=64)
def _base_json(
    lang: str,  # the figures' texts are in the page's language: part of the cache key and of the figures' key
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
            text=_("Press Play or Step<br>to train"),
            x=0.5,
            y=0.5,
            xref="paper",
            yref="paper",
            showarrow=False,
            font={"color": "#888", "size": 18 if big else 14},
            name="empty",
        )
    figs = {k: json.loads(v.to_json()) for k, v in {"board": board, "loss": loss, "grad": grad}.items()}
    _check_traces(figs, L)
    text = json.dumps(figs, sort_keys=True)
    return text, hashlib.sha1(text.encode()).hexdigest()[:12]


def _check_traces(figs: dict[str, Any], n_layers: int) -> None:
    """The figure builders' trace order is what TRACES says (the board restyles traces by index)."""
    names = [d.get("name") for d in figs["board"]["data"]]
    for role, name in _TRACE_NAMES.items():
        want = _(name)  # the trace names are in the page's language
        assert names[TRACES[role]] == want, f"board trace {TRACES[role]} is {names[TRACES[role]]!r}, not {want!r}"
    assert len(figs["loss"]["data"]) == len(TRACES["loss"]), "a loss trace per LossSeries key"
    assert len(figs["grad"]["data"]) == n_layers, "a gradient trace per layer"


@dataclasses.dataclass
class _Base:
    """What a delta frame is relative to: the full frame `seq` sent last, and the history as it was then."""

    seq: int
    pv: str
    history: History
    history_stride: int  # the history's own thinning (a full frame when it drops records)
    n: int  # history rows
    loss_stride: int
    loss_kept: int  # entries of the loss series that later frames keep (every stride-th row of n)
    grad_stride: int
    grad_kept: int
    has_reg: bool
    frames: int = 0  # delta frames sent since


class Stream:
    """The frames of one script run, over one set of figures: the first full, then deltas against the last full
    frame sent (new curve entries, the field, mistakes, acknowledgements). A full frame again every FULL_EVERY
    frames, when the points change (`pv`), when a chart's stride doubles or the history is thinned or restarts,
    and when a delta would carry more than MAX_DELTA_ENTRIES curve entries. A board that missed a full frame
    ignores the deltas on it (their `base` is not its own) until the next one: charts may lag, never go wrong.
    What does not change between frames (the points, their hash and JSON-ready lists) is computed once."""

    def __init__(
        self,
        figs_key: str,
        g: int = GRID,
        show_test: bool = True,
        view: tuple[float, float, float, float] | None = None,
    ) -> None:
        self.figs_key, self.g, self.show_test, self.view = figs_key, g, show_test, view
        self.base: _Base | None = None
        self._ds: Dataset | None = None
        self._pts: tuple[str, Points, np.ndarray] | None = None  # pv, pts, the shown points' mask

    def _points(self, ds: Dataset) -> tuple[str, Points, np.ndarray]:
        if self._pts is None or ds is not self._ds:
            py = ds.x[:, 1] if ds.dim == 2 else ds.y[:, 0]
            c = ds.y.astype(int) if ds.problem == "classification" else np.asarray(_r(ds.y[:, 0], 3))
            keep = ~ds.test | (ds.test if self.show_test else np.zeros(ds.n, bool))
            pv = hashlib.sha1(ds.x.tobytes() + ds.y.tobytes() + ds.test.tobytes() + bytes(self.show_test))
            pts: Points = {
                "x": _r(ds.x[keep, 0], 3),
                "y": _r(py[keep], 3),
                "c": c[keep].tolist() if ds.n else [],
                "t": ds.test[keep].astype(int).tolist(),
            }
            self._ds, self._pts = ds, (pv.hexdigest()[:10], pts, keep)
        return self._pts

    def __call__(self, s: Session, seq: int, acks: list[str], full: bool = False) -> Frame:
        ds = s.dataset
        pv, pts, keep = self._points(ds)
        h = s.history
        n = len(h)
        ls, gs = series_stride(n, LOSS_POINTS), series_stride(n, GRAD_POINTS)
        has_reg = bool(n and np.any(h.data["reg_loss"]))
        b = self.base
        if not full and b is not None:
            full = (
                b.frames + 1 >= FULL_EVERY
                or pv != b.pv
                or h is not b.history
                or h.stride != b.history_stride
                or n < b.n
                or (ls, gs, has_reg) != (b.loss_stride, b.grad_stride, b.has_reg)
                or len(series_positions(n, ls, b.loss_kept * ls)) > MAX_DELTA_ENTRIES
            )
        if full or b is None:
            b = self.base = _Base(seq, pv, h, h.stride, n, ls, -(-n // ls), gs, -(-n // gs), has_reg)
            loss_at = grad_at = 0
        else:
            b.frames += 1
            loss_at, grad_at = b.loss_kept, b.grad_kept
        out: dict[str, Any] = {
            "seq": seq,
            "base": b.seq,
            "figs_key": self.figs_key,
            "acks": acks[-(MAX_UNACKED if b.seq == seq else STREAMED_ACKS) :],
            "label": _("Epoch {n}").format(n=f"{s.epoch:,}"),
            "pv": pv,
        }
        if b.seq == seq:
            out["pts"] = pts
        bounds = self.view or view_bounds(ds)
        output = s.grid(self.g, bounds, hidden=False)["output"]
        if ds.dim == 2:
            field = figures.boundary_field(output, ds.problem, ds.classes, target_range(s))
            out |= {"z": pack_field(quantize(field.z, field.zmin, field.zmax)), "g": self.g}
        else:
            out["curve"] = {"x": _r(np.linspace(bounds[0], bounds[1], self.g)), "y": _r(output[:, 0])}
        wrong = np.zeros(ds.n, bool)
        if ds.problem == "classification" and ds.n:
            wrong = s.predict(ds.x).argmax(-1) != ds.y
        out["wrong"] = pack_bits(wrong[keep])
        d = h.data
        i = series_positions(n, ls, loss_at * ls)
        out["loss"] = {
            "at": loss_at,
            "e": d["epoch"][i].tolist() if n else [],
            "tr": significant(d["train_loss"][i]) if n else [],
            "te": significant(d["test_loss"][i]) if n else [],
            "rg": significant(d["reg_loss"][i]) if has_reg else [],
            "sc": significant(d["test_score"][i]) if n else [],
        }
        n_train = int((~ds.test).sum())
        sign = None if s.divergence else diagnosis(d, s.spec.activation, s.cfg.init, n_train)
        out["warn"] = None if sign is None else sign.say(_)  # in the page's language
        j = series_positions(n, gs, grad_at * gs)
        L = s.spec.n_layers
        out["grad"] = {
            "at": grad_at,
            "e": d["epoch"][j].tolist() if n else [],
            "g": [significant(d["grad_norm"][j, l]) for l in range(L)] if n else [[] for _ in range(L)],
            # every gradient of the latest epoch exactly 0 (a log axis would show an empty chart)
            "zero": bool(n and np.all(d["grad_norm"][-1] == 0)),
        }
        return out  # type: ignore[return-value]  # built key by key; the keys are Frame's (tests/test_package.py)


def frame(
    s: Session,
    seq: int,
    figs_key: str,
    acks: list[str],
    g: int = GRID,
    show_test: bool = True,
    view: tuple[float, float, float, float] | None = None,
) -> Frame:
    """A full frame: everything the board draws for the current state (≤ 100 KB as JSON), over `view` (default:
    the data's). The play loop streams deltas after one (Stream)."""
    return Stream(figs_key, g, show_test, view)(s, seq, acks)


def merge(base: Frame, f: Frame) -> Frame:
    """Frame `f` as the board draws it, given the full frame it builds on (what board.js's `resolve` does):
    a full frame as it is; a delta with its base's points and its curve entries spliced in at `at`."""
    if f["base"] == f["seq"]:
        return f
    assert base["seq"] == f["base"] and base["figs_key"] == f["figs_key"], "not this delta's base"
    bl, fl, bg, fg = base["loss"], f["loss"], base["grad"], f["grad"]
    loss = {k: bl[k][: fl["at"]] + fl[k] for k in ("e", "tr", "te", "rg", "sc")}
    grad = {"e": bg["e"][: fg["at"]] + fg["e"], "g": [a[: fg["at"]] + b for a, b in zip(bg["g"], fg["g"], strict=True)]}
    return {**f, "pts": base["pts"], "loss": {"at": 0, **loss}, "grad": {**fg, "at": 0, **grad}}  # type: ignore[typeddict-item]


def frame_html(board_id: str, f: Frame) -> str:
    """A frame as a hidden element for st.html; the board's JS picks it up."""
    text = json.dumps(f, separators=(",", ":")).replace("<", "\\u003c").replace("&", "\\u0026")
    return f'<div class="bp-frame" data-board="{board_id}" hidden style="display:none">{text}</div>'


def board_context(
    s: Session,
    tool: Tool,
    label: int,
    target: float,
    show_test: bool,
    big: bool,
    hint: str,
    inspected: int | None = None,
) -> BoardContext:
    """`inspected`: the index of the point open in the step inspector (marked on the board)."""
    ds = s.dataset
    point = None
    if inspected is not None and 0 <= inspected < ds.n:
        point = [float(ds.x[inspected, 0]), float(ds.x[inspected, 1] if ds.dim == 2 else ds.y[inspected, 0])]
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
        "zero_gradients": _("Every ‖∂L/∂W‖ is exactly 0:<br>no weight changes"),
        "max_unacked": MAX_UNACKED,
        "plotly_src": resources.plotly_url(),
        "inspected": point,
    }
