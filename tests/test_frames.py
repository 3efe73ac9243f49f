"""The play loop's frames (issue 12): a full frame, then deltas against it. A delta spliced onto its base is the
full frame of the same state (what board.js's `resolve` does, mirrored by board.merge); deltas stay small for
TensorFlow Playground's default network; a dropped delta costs nothing (each builds on the full frame, not on the
previous delta); a stroke sent twice is applied once and acknowledged again."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from engine.session import Session
from playground import board, controls
from playground.page import Page

DEFAULT = {"gen": "moons", "hidden": "4,4", "act": "elu", "opt": "adam"}  # tools/load.py's DEFAULT_QUERY


def _session(query=DEFAULT) -> Session:
    cfg, notes = controls.query_to_config(query)
    assert not notes
    return Session(cfg)


def _series(f) -> dict:
    """What the charts and the board draw from a (merged) frame, without the frame's bookkeeping."""
    return {k: f[k] for k in ("pts", "pv", "wrong", "loss", "grad", "label", "warn")} | {"z": f.get("z")}


def _full_now(s: Session, stream: board.Stream, seq: int) -> board.Frame:
    return board.frame(s, seq, stream.figs_key, [], g=stream.g, show_test=stream.show_test, view=stream.view)


@pytest.fixture(scope="module")
def played():
    """A default session played frame by frame past the charts' first stride doublings (300 loss entries), with a
    stroke in between: every frame the stream sent, and the full frame of the same state."""
    s = _session()
    stream = board.Stream("k")
    out = []
    for seq in range(1, 130):
        s.train(50 if seq != 60 else 7)
        if seq == 90:  # a point drawn: new points, a new pv, a full frame
            s.set_dataset(s.dataset.add(np.array([[0.1, 0.2]]), np.array([1])))
        out.append((stream(s, seq, []), _full_now(s, stream, seq)))
    return out


def test_the_first_frame_is_full_and_a_delta_merged_onto_its_base_is_the_full_frame(played):
    assert played[0][0]["base"] == played[0][0]["seq"] == 1 and "pts" in played[0][0]
    base = None
    kinds = set()
    for f, full in played:
        if f["base"] == f["seq"]:
            base = f
            assert "pts" in f and f["loss"]["at"] == 0 and f["grad"]["at"] == 0
        else:
            assert "pts" not in f and f["base"] == base["seq"]
        kinds.add(f["base"] == f["seq"])
        assert _series(board.merge(base, f)) == _series(full), f"frame {f['seq']}"
    assert kinds == {True, False}


def test_full_frames_come_when_the_points_change_and_at_least_every_full_every_frames(played):
    fulls = [f["seq"] for f, _ in played if f["base"] == f["seq"]]
    assert 90 in fulls  # the stroke
    assert all(b - a <= board.FULL_EVERY for a, b in itertools.pairwise(fulls))
    pvs = {f["pv"] for f, _ in played}
    assert len(pvs) == 2


def test_a_dropped_delta_costs_nothing(played):
    """Each delta builds on the full frame, not on the delta before it: any one of them, alone, draws right."""
    frames = {f["seq"]: f for f, _ in played}
    groups: dict[int, list] = {}
    for f, full in played:
        if f["base"] != f["seq"]:
            groups.setdefault(f["base"], []).append((f, full))
    base, deltas = max(groups.items(), key=lambda kv: len(kv[1]))
    assert len(deltas) >= 10
    for f, full in deltas[::-3]:  # the newest first, every third: whichever deltas before it were missed
        assert _series(board.merge(frames[base], f)) == _series(full)


def test_a_delta_on_another_base_is_refused():
    s = _session()
    s.train(20)
    a = board.Stream("k")
    base = a(s, 1, [])
    s.train(10)
    delta = a(s, 2, [])
    other = board.frame(s, 5, "k", [])
    with pytest.raises(AssertionError):
        board.merge(other, delta)
    assert board.merge(base, delta)["loss"]["e"][-1] == 30


def test_the_charts_keep_every_stride_th_epoch_and_the_newest():
    for n in (0, 1, 5, 299, 300, 301, 1000, 4097):
        stride = board.series_stride(n, board.LOSS_POINTS)
        i = board.series_positions(n, stride)
        assert len(i) <= board.LOSS_POINTS
        if n:
            assert i[0] == 0 and i[-1] == n - 1 and np.all(np.diff(i) > 0)
            assert stride == 1 or len(board.series_positions(n, stride // 2)) > board.LOSS_POINTS


def test_field_and_mistakes_are_packed():
    rng = np.random.default_rng(0)
    q = rng.integers(0, 256, (37, 37)).astype(np.uint8)
    assert np.array_equal(board.unpack_field(board.pack_field(q), 37), q)
    flags = rng.random(501) < 0.3
    assert np.array_equal(board.unpack_bits(board.pack_bits(flags), 501), flags)


def test_steady_state_frames_of_the_default_network_are_at_most_8_kb():
    """10,000 epochs in (the charts' stride settled), 3 s of Play at the default speed: each delta ≤ 8 KB as the
    board gets it (frame_html), and on average, full frames included, well under."""
    s = _session()
    s.train(10_000)
    stream = board.Stream("k")
    acks = [f"s{i:07d}" for i in range(board.MAX_UNACKED * 2)]  # a page that has drawn a lot
    sizes = []
    for seq in range(60):
        s.train(50)
        f = stream(s, seq, acks)
        sizes.append((f["base"] == f["seq"], len(board.frame_html("main", f))))
    deltas = [n for full, n in sizes[1:] if not full]
    assert deltas and max(deltas) <= 8_000, sizes
    assert sum(n for _, n in sizes[1:]) / len(sizes[1:]) <= 8_000
    assert json.loads(board.frame_html("main", stream(s, 99, acks)).split(">", 1)[1].rsplit("<", 1)[0])


class FakeState(dict):
    """Streamlit's session state as the callbacks read it (attributes and keys)."""

    __getattr__ = dict.__getitem__

    def __setattr__(self, k, v):
        self[k] = v


def test_a_stroke_sent_again_is_applied_once_and_acknowledged_again(monkeypatch):
    """board.js sends its unacknowledged strokes again after a while (the run that had them may have been
    interrupted): on_stroke applies a stroke once by its id, and moves its id among the newest acknowledgements
    (a streamed frame carries only board.STREAMED_ACKS of them)."""
    from playground import app

    s = _session()
    p = Page(session=s, settings={})
    p.acks.extend(f"old{i}" for i in range(board.STREAMED_ACKS + 5))
    stroke = {"id": "again1", "tool": "add", "label": 1, "target": 0.0, "radius": 0.1, "pts": [[0.3, 0.3]]}
    fake = FakeState(page=p, board=FakeState(stroke={"batch": [stroke]}))
    monkeypatch.setattr(app, "ss", fake)
    n = s.dataset.n
    app.on_stroke()
    assert s.dataset.n == n + 1 and p.acks[-1] == "again1"
    p.acks.extend(f"new{i}" for i in range(board.STREAMED_ACKS + 5))  # its acknowledgement left the window
    app.on_stroke()  # the board sends it again
    assert s.dataset.n == n + 1  # applied once
    assert p.acks.count("again1") == 1 and p.acks[-1] == "again1"
    stream = board.Stream("k")
    stream(s, 1, p.acks)
    assert "again1" in stream(s, 2, p.acks)["acks"]


def test_a_spray_past_the_boards_limit_keeps_what_fits_and_says_so(monkeypatch):
    from engine import limits
    from playground import app

    s = _session()
    p = Page(session=s, settings={})
    room = limits.MAX_POINTS - s.dataset.n
    pts = [[i / 5000, 0.5] for i in range(room + 100)]
    stroke = {"id": "spray1", "tool": "add", "label": 1, "target": 0.0, "radius": 0.1, "pts": pts}
    monkeypatch.setattr(app, "ss", FakeState(page=p, board=FakeState(stroke={"batch": [stroke]})))
    app.on_stroke()
    assert s.dataset.n == limits.MAX_POINTS
    assert p.notices == [
        f"The board holds at most {limits.MAX_POINTS:,} points: {room} of this stroke's {room + 100} were kept."
    ]
