"""The tabs' views while Play runs: the metrics tab keeps the epoch Play started at (a stroke's rerun during Play
reuses it instead of building its figures again) and is built anew once paused or pressed again."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from engine.config import parse_config
from engine.session import Session
from playground import figures, panels


@pytest.fixture
def page(monkeypatch):
    p = SimpleNamespace(playing=False, plays=0, kept_view=None)
    monkeypatch.setattr(panels, "current", lambda: p)
    return p


def session() -> Session:
    s = Session(parse_config({"data": {"generator": "xor", "n": 100, "seed": 1}, "seed": 3}))
    s.train(3)
    return s


def test_metrics_view_says_the_latest_epoch() -> None:
    s = session()
    v = panels.metrics_view(s, big=False)
    h = s.history.data
    assert v.epoch == 3 == int(h["epoch"][-1])
    assert v.tiles[0][1] == figures.loss_text(h["train_loss"][-1])
    assert v.tiles[3][1] == figures.score_text(h["test_score"][-1])
    assert v.confusion is not None and np.array_equal(v.confusion.data[0].z, s.report(test=True)["confusion"])
    assert list(v.ratio.data[0].y) == pytest.approx(h["update_ratio"][-1])


def test_kept_while_one_play_runs_and_rebuilt_after(page) -> None:
    s = session()
    page.playing, page.plays = True, 1  # what on_play does
    first = panels.kept_view(s, False, panels.metrics_view)
    s.train(5)  # the play loop trains; a stroke reruns the page
    again = panels.kept_view(s, False, panels.metrics_view)
    assert again is first and again.epoch == 3
    assert panels.kept_view(s, True, panels.metrics_view) is not first  # projector type: its own figures
    page.playing = False  # Pause
    paused = panels.kept_view(s, False, panels.metrics_view)
    assert paused.epoch == 8 and page.kept_view is None
    page.playing, page.plays = True, 2  # Play again: the view of the epoch it starts at
    s.train(2)
    assert panels.kept_view(s, False, panels.metrics_view).epoch == 10
    other = session()  # another network while playing: its own view
    assert panels.kept_view(other, False, panels.metrics_view).epoch == 3
