"""The optimiser race, side by side (one vmapped call) and one by one: the same start for every racer, and
results equal to separate runs."""

import dataclasses

import jax
import numpy as np
import pytest

from engine.config import ConfigError, Optimizer, parse_config
from engine.history import Snapshots
from engine.race import Race
from engine.session import Session

CFG = parse_config(
    {
        "data": {"generator": "moons", "n": 120, "noise": 0.1, "seed": 3},
        "hidden": [6, 4],
        "activation": "tanh",
        "batch_size": 16,
        "optimizer": {"name": "sgd", "learning_rate": 0.05},
    }
)
RACERS = [
    Optimizer("sgd", 0.05, ()),
    Optimizer("momentum", 0.02, (("momentum", 0.9),)),
    Optimizer("adam", 0.01, (("b1", 0.9), ("b2", 0.999), ("eps", 1e-8))),
    Optimizer("rmsprop", 0.005, (("decay", 0.9), ("eps", 1e-8))),
    Optimizer("sgd", 0.5, ()),
]


@pytest.fixture(scope="module", params=[True, False], ids=["together", "one_by_one"])
def race(request):
    r = Race(CFG, Session(CFG).dataset, RACERS, together=request.param)
    r.run(40)
    return r


@pytest.mark.parametrize("together", [True, False])
def test_every_racer_starts_from_the_same_weights(together):
    r = Race(CFG, Session(CFG).dataset, RACERS, together=together)
    start = jax.tree.leaves(Session(CFG).params)
    for i in range(len(RACERS)):
        for a, b in zip(jax.tree.leaves(r.params(i)), start, strict=True):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert np.allclose(r.paths()[:, 0], 0.0)


def test_each_racer_equals_its_own_separate_run(race):
    for i, opt in enumerate(RACERS):
        s = Session(dataclasses.replace(CFG, optimizer=opt), race.dataset)
        s.train(40)
        np.testing.assert_allclose(race.metrics["train_loss"][i], s.history.data["train_loss"], rtol=2e-5, atol=1e-6)
        for a, b in zip(jax.tree.leaves(race.params(i)), jax.tree.leaves(s.params), strict=True):
            np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-4, atol=1e-5)


def test_racers_differ_and_learn(race):
    final = race.metrics["train_loss"][:, -1]
    assert len(set(np.round(final, 6))) == len(RACERS)
    assert (final < race.metrics["train_loss"][:, 0]).all()


def test_paths_and_landscape_slice(race):
    p = race.paths()
    assert p.shape == (len(RACERS), len(race.path_epochs), 2)
    assert race.path_epochs[-1] == 40 and race.epoch == 40
    land = race.landscape(g=21)
    assert land["loss"].shape == (21, 21)
    # the slice contains every path end, and its loss at θ₀ is the initial full-batch loss
    assert land["alpha"].min() <= p[:, :, 0].min() and p[:, :, 0].max() <= land["alpha"].max()
    assert land["beta"].min() <= p[:, :, 1].min() and p[:, :, 1].max() <= land["beta"].max()
    d1, d2 = np.asarray(race.d1), np.asarray(race.d2)
    assert abs(d1 @ d2) < 1e-5 and abs(np.linalg.norm(d1) - 1) < 1e-5


def test_race_limits():
    with pytest.raises(ConfigError, match="race"):
        Race(CFG, Session(CFG).dataset, RACERS * 2)


def test_snapshots_stay_bounded_and_keep_epoch_zero():
    snap = Snapshots(cap=8)
    for e in range(0, 1000, 10):
        snap.add(e, [e])
    assert len(snap) <= 8 and snap.epochs[0] == 0
    assert snap.epochs == sorted(snap.epochs) and snap.epochs[-1] >= 800
    assert snap.at(555)[0] <= 555


def test_session_keeps_snapshots_while_training():
    s = Session(CFG)
    for _ in range(5):
        s.train(10)
    assert s.snapshots.epochs == [0, 10, 20, 30, 40, 50]
    e, params = s.snapshots.at(20)
    assert e == 20 and not np.allclose(np.asarray(params[0][0]), np.asarray(s.params[0][0]))
