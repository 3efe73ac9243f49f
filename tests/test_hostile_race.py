"""What one optimiser race may cost a shared server (issue 15): past any of its bounds it is refused in one line
naming the race and the most epochs that fit, before a single epoch trains."""

from __future__ import annotations

import pytest

from engine import limits
from engine.config import ConfigError, Optimizer, parse_config
from engine.race import Race
from engine.session import Session

SGD = Optimizer("sgd", 0.1)


def _race(monkeypatch, doc: dict, racers: int) -> Race:
    s = Session(parse_config(doc))
    race = Race(s.cfg, s.dataset, [SGD] * racers)

    def trains(self, size):  # a refused race must not train one chunk
        raise AssertionError(f"the race trained {size} epochs")

    monkeypatch.setattr(Race, "_train", trains)
    return race


def test_a_full_batch_race_of_a_big_network_is_bounded_by_its_work(monkeypatch):
    """2,000 points, 8 × 32 relu, full batch: 6 racers × 10,000 epochs is 60,000 steps (within MAX_RACE_STEPS)
    but 6 × 10,000 × 2,000 × 7,521 ≈ 9·10¹¹ point-weights, ≈ 2–3 minutes of a 2-core server; it ran."""
    doc = {
        "data": {"generator": "spiral", "n": 2000},
        "test_fraction": 0,
        "hidden": [32] * 8,
        "activation": "relu",
        "batch_size": None,
    }
    race = _race(monkeypatch, doc, 6)
    most = limits.MAX_RACE_POINT_WEIGHTS // (6 * 2000 * 7521)
    with pytest.raises(ConfigError) as e:
        race.run(10_000)
    msg = str(e.value)
    assert "\n" not in msg and len(msg) <= 300
    assert msg.startswith("race: 6 racers × 10,000 epochs of 2,000 points × 7,521 weights is more than one race")
    assert msg.endswith(f"at most {most:,} epochs for this network and data")
    assert e.value.path == "race" and race.epoch == 0


def test_a_race_longer_than_its_epoch_limit_is_refused(monkeypatch):
    """MAX_RACE_EPOCHS was a limit nothing enforced: one racer, full batch, 4 points ran 10⁶ epochs."""
    doc = {"data": {"x": [[0, 0], [1, 1], [1, 0], [0, 1]], "y": [0, 0, 1, 1]}, "test_fraction": 0, "batch_size": None}
    race = _race(monkeypatch, doc, 1)
    with pytest.raises(ConfigError, match=rf"^race: at most {limits.MAX_RACE_EPOCHS:,} epochs, got 1,000,000$"):
        race.run(1_000_000)
    assert race.epoch == 0


def test_a_race_within_every_bound_runs():
    s = Session(parse_config({"data": {"generator": "xor", "n": 40}, "hidden": [3], "batch_size": None}))
    race = Race(s.cfg, s.dataset, [SGD] * 2)
    race.run(limits.MAX_RACE_EPOCHS, snapshots=2)
    assert race.epoch == limits.MAX_RACE_EPOCHS
