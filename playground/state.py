"""Pure functions of the page besides its settings (controls.py): presets, drawing on the board, the classroom
flags and the page's styles. No Streamlit here."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from engine import limits
from engine.config import (
    Config,
    parse_config,
)
from engine.data import DataError, Dataset
from playground.i18n import N_
from playground.resources import PRESETS_DIR  # package data: playground/presets/*.json
from playground.theme import CLASS_COLORS

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500)


def presets() -> dict[str, Path]:
    """Title → file of every shipped preset (the sidebar's menu, on every rerun of every session)."""
    return dict(_presets())


@functools.cache  # package files, read once per process: listing and parsing them on every rerun cost a busy
def _presets() -> tuple[tuple[str, Path], ...]:  # server 15 % of its script time (file reads give up the GIL)
    out = {}
    for p in sorted(PRESETS_DIR.glob("*.json")):
        try:
            out[json.loads(p.read_text()).get("title", p.stem)] = p
        except json.JSONDecodeError:
            continue
    return tuple(out.items())


def load_preset(path: Path) -> Config:
    return parse_config(json.loads(path.read_text()))


@functools.lru_cache(maxsize=16)
def preset_named(stem: str) -> Config | None:
    """The preset whose file is `stem`.json (a link's `preset=`), or None."""
    path = PRESETS_DIR / f"{stem}.json"
    return load_preset(path) if path in presets().values() else None


def holds_points_of(ds: Dataset, cfg: Config) -> bool:
    """The data set has exactly the points of the config's own (inline) data, whatever their split."""
    x, y = cfg.data.get("x"), cfg.data.get("y")
    if "generator" in cfg.data or x is None or len(x) != ds.n:
        return False
    return np.array_equal(np.asarray(x, np.float32).reshape(ds.x.shape), ds.x) and np.array_equal(
        np.asarray(y, ds.y.dtype).reshape(ds.y.shape), ds.y
    )


# ---- drawing ------------------------------------------------------------------------------------


def apply_stroke(ds: Dataset, stroke: dict) -> Dataset:
    """A stroke from the board: add its points (class label, or target value in 2-D regression; in 1-D the
    y coordinate is the target), or erase every point within its radius of the path."""
    pts = stroke_points(stroke)
    if stroke.get("tool") != "erase" and ds.n + len(pts) > limits.MAX_POINTS:
        if ds.n >= limits.MAX_POINTS:
            raise DataError(N_("the board holds at most {n} points"), n=limits.MAX_POINTS)
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
            raise DataError(N_("a class label is a whole number 0…{top}"), top=ds.classes - 1)
        return ds.add(pts, np.full(len(pts), int(label)))
    target = _stroke_number(stroke, "target", 0.0, -limits.MAX_ABS_TARGET, limits.MAX_ABS_TARGET)
    return ds.add(pts, np.full((len(pts), ds.n_targets), target))


def stroke_points(stroke: dict) -> np.ndarray:
    """A stroke's (n, 2) points: finite numbers within the coordinate limit, at most `MAX_STROKE_POINTS` (a
    longer spray keeps its first ones: the data set's own limit applies after)."""
    raw = stroke.get("pts") or []
    if not isinstance(raw, list):
        raise DataError(N_("the drawing stroke had invalid coordinates"))
    raw = raw[: limits.MAX_STROKE_POINTS]
    ok = all(
        isinstance(p, list)
        and len(p) == 2
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= limits.MAX_ABS_COORD for v in p)
        for p in raw
    )
    if not ok:
        raise DataError(N_("the drawing stroke had invalid coordinates"))
    return np.asarray(raw, np.float64).reshape(-1, 2)


def _stroke_number(stroke: dict, key: str, default: float, lo: float, hi: float) -> float:
    v = stroke.get(key, default)
    if v is None:
        v = default
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:  # NaN fails the range too
        raise DataError(N_("the drawing stroke had an invalid {key}"), key=key)
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


def classroom_flags(
    hide: str | None, present: str | None, tabs: Sequence[str] = ()
) -> tuple[set[str], bool, list[str]]:
    """?hide=data,race,… hides those parts of the page (a section, or a tab by its flag in `tabs`); ?present=1 is
    the projector layout. Unknown names are ignored with a notice."""
    notes = []
    hidden = set()
    for name in (hide or "")[:300].split(","):
        name = name.strip().lower()
        if not name:
            continue
        if name in SECTION_FLAGS or name in tabs:
            hidden.add(name)
        else:
            notes.append(f"hide: no panel named {name[:30]!r} (known: {', '.join((*SECTION_FLAGS, *tabs))})")
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
        # with a scrollbar one can see (Streamlit's theme hides them until hovered: the cut-off matrix looked
        # like the whole equation)
        ".katex-display{overflow-x:auto;overflow-y:hidden;padding:2px 0 6px;"
        "scrollbar-width:auto;scrollbar-color:#9aa3ad #eef0f3}",
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
