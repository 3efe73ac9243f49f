"""The weight penalty's kind and rate are traced inputs: switching l1 ↔ l2 ↔ none, or the rate, keeps training
going in the same compiled program, and every kind's numbers are its own formula's (float64 NumPy references),
in training, in the explicit backprop and in the race."""

from __future__ import annotations

import dataclasses

import jax.numpy as jnp
import numpy as np
import pytest

from engine import programs, reference
from engine.config import Config, Optimizer, parse_config
from engine.penalty import penalty, penalty_gradient, penalty_loss
from engine.race import Race
from engine.session import Session
from engine.train import train_epochs

TRAIN = "engine.train.train_epochs"
DOC = {
    "problem": "regression",
    "data": {"generator": "plane", "n": 40, "noise": 0.1, "seed": 4},
    "test_fraction": 0.0,
    "hidden": [3],
    "activation": "tanh",
    "output_activation": "linear",
    "loss": "mse",
    "batch_size": None,
    "optimizer": {"name": "sgd", "learning_rate": 0.05},
    "regularization": {"kind": "l1", "rate": 0.02},
    "seed": 2,
}
RATE = 0.02


def with_regularization(cfg: Config, kind: str, rate: float) -> Config:
    return dataclasses.replace(cfg, regularization=(kind, rate))


def f64(params) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in params]


def reference_step(s: Session, params, kind: str, rate: float) -> list[tuple[np.ndarray, np.ndarray]]:
    """One full-batch SGD step of the data loss plus the penalty, in float64 NumPy: W ← W − η(∂L/∂W + ∂R/∂W)."""
    x, y = s.rows("train")
    feats = np.asarray(s.features(x), np.float64)
    _, grads = reference.grads(params, feats, np.asarray(y, np.float64), "tanh", "linear", "mse")
    lr = float(s.cfg.optimizer.learning_rate)
    out = []
    for (W, b), (dW, db) in zip(params, grads, strict=True):
        dR = rate * np.sign(W) if kind == "l1" else rate * W if kind == "l2" else 0.0
        out.append((W - lr * (dW + dR), b - lr * db))
    return out


def assert_params_close(a, b, rtol=2e-5, atol=1e-7) -> None:
    for (Wa, ba), (Wb, bb) in zip(a, b, strict=True):
        np.testing.assert_allclose(np.asarray(Wa, np.float64), np.asarray(Wb, np.float64), rtol=rtol, atol=atol)
        np.testing.assert_allclose(np.asarray(ba, np.float64), np.asarray(bb, np.float64), rtol=rtol, atol=atol)


def test_l1_to_l2_goes_on_in_the_same_program_and_takes_an_l2_step():
    s = Session(parse_config(DOC))
    s.train(5)
    spec, compiled = s.spec, train_epochs.compiled()
    assert programs.is_compiled(spec, TRAIN)
    held = programs.live_specs()

    before = f64(s.params)
    assert s.set_hyper(with_regularization(s.cfg, "l2", RATE))
    assert s.epoch == 5 and s.spec == spec and s.cfg.regularization == ("l2", RATE)
    m = s.train(1)
    assert s.epoch == 6 and list(m["epoch"]) == [6]
    assert train_epochs.compiled() == compiled  # nothing recompiled
    assert programs.live_specs() == held and programs.is_compiled(spec, TRAIN)

    assert_params_close(s.params, reference_step(s, before, "l2", RATE))
    sq = sum((W**2).sum() for W, _ in f64(s.params))
    assert float(m["reg_loss"][-1]) == pytest.approx(RATE * 0.5 * sq, rel=1e-5)


@pytest.mark.parametrize(
    "start,then",
    [(("l1", RATE), ("l2", RATE)), (("l2", RATE), ("l1", RATE)), (("none", 0.0), ("l1", RATE)),
     (("l2", RATE), ("none", 0.0)), (("l2", RATE), ("l2", 0.3))],
    ids=["l1-l2", "l2-l1", "none-l1", "l2-none", "l2-rate"],
)  # fmt: skip
def test_every_switch_continues_as_a_fresh_session_of_the_new_kind_would(start, then):
    """A session switched after 5 epochs (momentum: the optimiser state matters) equals a fresh session of the
    new kind started from the same weights, optimiser state and shuffling key, exactly: same program, same inputs."""
    cfg = with_regularization(parse_config({**DOC, "optimizer": {"name": "momentum", "learning_rate": 0.05}}), *start)
    s = Session(cfg)
    s.train(5)
    doc = s.export()
    assert s.set_hyper(with_regularization(s.cfg, *then))
    s.train(3)
    fresh = Session(parse_config({**doc, "regularization": {"kind": then[0], "rate": then[1]}}))
    assert fresh.epoch == 5 and fresh.spec == s.spec
    fresh.train(3)
    for (Wa, ba), (Wb, bb) in zip(s.params, fresh.params, strict=True):
        np.testing.assert_array_equal(np.asarray(Wa), np.asarray(Wb))
        np.testing.assert_array_equal(np.asarray(ba), np.asarray(bb))


@pytest.mark.parametrize("kind", ["none", "l1", "l2"])
def test_each_kind_is_its_own_formula_in_training(kind):
    s = Session(with_regularization(parse_config(DOC), kind, RATE if kind != "none" else 0.0))
    before = f64(s.params)
    m = s.train(1)
    assert_params_close(s.params, reference_step(s, before, kind, RATE))
    W = [W for W, _ in f64(s.params)]
    expected = {
        "none": 0.0,
        "l1": RATE * sum(np.abs(w).sum() for w in W),
        "l2": RATE * 0.5 * sum((w**2).sum() for w in W),
    }
    assert float(m["reg_loss"][-1]) == pytest.approx(expected[kind], rel=1e-5, abs=0.0)


def test_a_zero_lambda_adds_nothing_even_where_the_square_overflows():
    """W² of a float32 weight of 1e20 is ∞; under l1 (λ₂ = 0) the penalty is still λ₁·Σ|W|, not NaN."""
    params = [(jnp.full((2, 2), 1e20, jnp.float32), jnp.zeros(2, jnp.float32))]
    assert float(penalty_loss(params, penalty("l1", 0.5))) == pytest.approx(0.5 * 4e20, rel=1e-6)
    assert float(penalty_loss(params, penalty("none", 0.0))) == 0.0


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_the_explicit_backprop_adds_the_penalty_of_the_current_kind(kind):
    """The inspector's step after a switch: ∂L/∂W is the data gradient plus λ·sign(W) (l1) or λ·W (l2), equal to
    jax.grad of the penalised loss, and the step's penalty is the new kind's."""
    s = Session(parse_config(DOC))
    s.train(3)
    plain = Session(parse_config({**DOC, "regularization": "none"}))
    plain.set_params(s.params)
    assert s.set_hyper(with_regularization(s.cfg, kind, RATE))
    step, _ = s.backprop_step("train")
    data, _ = plain.backprop_step("train")
    assert step.max_diff_vs_autodiff < 1e-6
    for dW, dW0, (W, _) in zip(step.dW, data.dW, f64(s.params), strict=True):
        term = RATE * (np.sign(W) if kind == "l1" else W)
        np.testing.assert_allclose(dW, dW0 + term, rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(penalty_gradient(jnp.asarray(W, jnp.float32), penalty(kind, RATE)), term, rtol=1e-6)
    W = [W for W, _ in f64(s.params)]
    reg = RATE * sum(np.abs(w).sum() for w in W) if kind == "l1" else RATE * 0.5 * sum((w**2).sum() for w in W)
    assert step.reg_loss == pytest.approx(reg, rel=1e-5) and data.reg_loss == 0.0


@pytest.mark.parametrize("together", [False, True], ids=["one_by_one", "together"])
@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_the_race_trains_with_the_configs_penalty(kind, together):
    """Each racer equals a session of its optimiser with the config's penalty (and differs from one without)."""
    cfg = with_regularization(parse_config({**DOC, "batch_size": 8}), kind, 0.05)
    racers = [Optimizer("sgd", 0.05, ()), Optimizer("momentum", 0.02, (("momentum", 0.9),))]
    race = Race(cfg, Session(cfg).dataset, racers, together=together)
    race.run(10, snapshots=1)
    for i, opt in enumerate(racers):
        alone = Session(dataclasses.replace(cfg, optimizer=opt), race.dataset)
        alone.train(10)
        assert_params_close(race.params(i), alone.params, rtol=1e-5, atol=1e-6)
    unpenalised = Session(dataclasses.replace(cfg, optimizer=racers[0], regularization=("none", 0.0)), race.dataset)
    unpenalised.train(10)
    assert not np.allclose(np.asarray(race.params(0)[0][0]), np.asarray(unpenalised.params[0][0]), rtol=1e-4)
    slice_ = race.landscape(g=3)
    assert np.isfinite(slice_["loss"]).all()
