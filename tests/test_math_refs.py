"""Math that must agree with outside references (issue 11): hand-computed single steps, float64 NumPy from the
formulas, scikit-learn. Each case is the issue's reproduction."""

from __future__ import annotations

import json
import math

import jax
import numpy as np
import pytest
from sklearn.metrics import r2_score, roc_auc_score

from engine.activations import ACTIVATIONS, DERIVATIVES
from engine.config import parse_document
from engine.session import Session


def one_epoch(doc: dict) -> Session:
    s = Session(parse_document(json.dumps(doc)))
    s.train(1)
    return s


# One point (1, 0) → 1, a linear model from zero weights, full batch: ∂L/∂b0 = 2(0 − 1) = −2 on the first step.
ONE_POINT = {
    "problem": "regression",
    "data": {"x": [[1, 0]], "y": [1]},
    "test_fraction": 0,
    "hidden": [],
    "activation": "linear",
    "loss": "mse",
    "batch_size": None,
    "params": {"W0": [[0], [0]], "b0": [0]},
}


def test_adagrad_starts_its_accumulator_at_the_initial_value():
    """b0 after one step: g = ∂½·2(ŷ−y)²… here ∂L/∂b0 = 2(0 − 1) = −2 (mse of one point), Σg² = 10 + 4 = 14,
    b0 = 0 + 0.1·2/√14."""
    doc = {**ONE_POINT, "optimizer": {"name": "adagrad", "learning_rate": 0.1, "initial_accumulator_value": 10}}
    b0 = float(np.asarray(one_epoch(doc).params[0][1])[0])
    assert b0 == pytest.approx(0.2 / math.sqrt(14), rel=1e-5)  # 0.053452; the placeholder gave 0.2/√4.5
    # the inspector's explicit step ("Apply this step") starts from the same optimiser state
    step, _ = Session(parse_document(json.dumps(doc))).backprop_step("train")
    assert float(step.new_params[0][1][0]) == pytest.approx(0.2 / math.sqrt(14), rel=1e-5)


@pytest.mark.parametrize("together", [False, True], ids=["one_by_one", "together"])
def test_a_racing_adagrad_starts_its_accumulator_at_its_own_initial_value(together):
    """Racers adagrad (Σg² from 10, and from 0.1 by default) and sgd: b0 after one step is η·2/√(acc + 4) each
    (one by one, and side by side in the switch program, where every member's state is filled)."""
    from engine.config import Optimizer
    from engine.race import Race

    cfg = parse_document(json.dumps(ONE_POINT))
    racers = [
        Optimizer("adagrad", 0.1, (("initial_accumulator_value", 10.0), ("eps", 1e-7))),
        Optimizer("adagrad", 0.1, (("initial_accumulator_value", 0.1), ("eps", 1e-7))),
        Optimizer("sgd", 0.1, ()),
    ]
    r = Race(cfg, Session(cfg).dataset, racers, together=together)
    r.run(1, snapshots=1)
    b0 = [float(np.asarray(r.params(i)[0][1])[0]) for i in range(3)]
    np.testing.assert_allclose(b0, [0.2 / math.sqrt(14), 0.2 / math.sqrt(4.1), 0.2], rtol=1e-5)


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"])
def test_every_optimisers_initial_state_is_built_from_its_real_hyper_parameters(name):
    """No state that `init` fills from a hyper-parameter keeps a placeholder: the engine's initial state equals
    optax's own optimiser built directly with the real numbers (every one set away from its default)."""
    import optax

    from engine.config import OPTIMIZERS

    real = {k: 0.37 * (hi - lo) + lo for k, (_, lo, hi) in OPTIMIZERS[name].items()}
    direct = {
        "sgd": lambda: optax.sgd(0.2),
        "momentum": lambda: optax.sgd(0.2, momentum=real["momentum"]),
        "nesterov": lambda: optax.sgd(0.2, momentum=real["momentum"], nesterov=True),
        "adagrad": lambda: optax.adagrad(0.2, real["initial_accumulator_value"], real["eps"]),
        "rmsprop": lambda: optax.rmsprop(0.2, real["decay"], real["eps"]),
        "adam": lambda: optax.adam(0.2, real["b1"], real["b2"], real["eps"]),
        "adamw": lambda: optax.adamw(0.2, real["b1"], real["b2"], real["eps"], weight_decay=real["weight_decay"]),
    }[name]()
    doc = {
        "problem": "regression",
        "data": {"x": [[1, 0], [0, 1]], "y": [1, 2]},
        "hidden": [3],
        "optimizer": {"name": name, "learning_rate": 0.2, **real},
    }
    s = Session(parse_document(json.dumps(doc)))
    engine = s.state.opt_state.inner_state
    for a, b in zip(jax.tree.leaves(engine), jax.tree.leaves(direct.init(s.params)), strict=True):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)


@pytest.mark.parametrize("act,b0", [("relu", 0.0), ("elu", 2.0), ("leaky_relu", 0.02), ("gelu", 1.0), ("tanh", 2.0)])
def test_the_kink_at_zero_has_the_textbook_derivative_in_training(act, b0):
    """One point at the origin, b = 0: z = 0 hits the kink. ∂L/∂b0 = 2(ŷ − y)·W1·σ′(0) = −2σ′(0); b0 = 2σ′(0)."""
    doc = {
        "problem": "regression",
        "data": {"x": [[0, 0]], "y": [1]},
        "test_fraction": 0,
        "hidden": [1],
        "activation": act,
        "output_activation": "linear",
        "loss": "mse",
        "batch_size": None,
        "optimizer": {"name": "sgd", "learning_rate": 1},
        "params": {"W0": [[1], [1]], "b0": [0], "W1": [[1]], "b1": [0]},
    }
    assert float(np.asarray(one_epoch(doc).params[0][1])[0]) == pytest.approx(b0, abs=1e-6)


REFERENCE = {  # float64, from the formulas (σ′ with the conventions σ′(0) = 0 for relu, 1 for elu)
    "sigmoid": lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z))),
    "tanh": lambda z: 1 - np.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(float),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01),
    "elu": lambda z: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))),
    "gelu": lambda z: (
        0.5 * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
        + 0.5
        * z
        * (1 - np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)) ** 2)
        * np.sqrt(2 / np.pi)
        * (1 + 3 * 0.044715 * z**2)
    ),
    "linear": lambda z: np.ones_like(z),
}


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_gradients_at_the_kinks_and_around_them_match_the_formulas(act):
    z = np.array([-2.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 2.0], np.float32)
    grad = np.asarray(jax.vmap(jax.grad(lambda v: ACTIVATIONS[act](v)))(z))
    np.testing.assert_allclose(grad, REFERENCE[act](z.astype(np.float64)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(DERIVATIVES[act](z)), grad, rtol=1e-5, atol=1e-6)  # explicit = jax.grad


@pytest.mark.parametrize("act", sorted(ACTIVATIONS))
def test_an_activation_passes_nan_on(act):
    """σ at NaN is NaN: a diverged layer shows as one, not as 0 (`where(z > 0, z, 0)` turned NaN into 0)."""
    assert np.isnan(np.asarray(ACTIVATIONS[act](np.array([np.nan, 1.0], np.float32)))[0])


def test_l1_leaves_a_weight_at_zero_where_it_is():
    doc = {
        "problem": "regression",
        "data": {"x": [[1, 0], [0, 1]], "y": [0, 0]},
        "test_fraction": 0,
        "hidden": [],
        "activation": "linear",
        "loss": "mse",
        "batch_size": None,
        "optimizer": {"name": "sgd", "learning_rate": 1},
        "regularization": {"kind": "l1", "rate": 0.1},
        "params": {"W0": [[0], [0]], "b0": [0]},
    }
    np.testing.assert_array_equal(np.asarray(one_epoch(doc).params[0][0]), [[0.0], [0.0]])


def test_roc_auc_ranks_the_raw_scores():
    """x = −2, −1, 2, 3, labels 0, 1, 0, 1 and ŷ = x (a linear output): scikit-learn gives 0.75 on the scores;
    on outputs clipped to [0, 1] it was 0.5."""
    doc = {
        "data": {"x": [[-2, 0], [-1, 0], [2, 0], [3, 0]], "y": [0, 1, 0, 1]},
        "test_fraction": 0,
        "hidden": [],
        "output_activation": "linear",
        "loss": "mse",
        "params": {"W0": [[1], [0]], "b0": [0]},
    }
    s = Session(parse_document(json.dumps(doc)))
    auc = s.report(test=False)["roc_auc"]
    assert auc == pytest.approx(roc_auc_score([0, 1, 0, 1], [-2, -1, 2, 3])) == 0.75


def _linear_fit_r2(y: np.ndarray) -> tuple[Session, float]:
    """A linear model on four points with targets y, one full-batch epoch: the session and the curve's R²."""
    doc = {
        "problem": "regression",
        "data": {"x": [[0, 0], [1, 0], [2, 0], [3, 0]], "y": y.tolist()},
        "test_fraction": 0,
        "hidden": [],
        "activation": "linear",
        "loss": "mse",
        "batch_size": None,
        "optimizer": {"name": "sgd", "learning_rate": 0.01},
    }
    s = Session(parse_document(json.dumps(doc)))
    return s, float(s.train(1)["train_score"][-1])


def test_one_r2_for_several_targets_in_the_curve_and_the_panel():
    """Targets [[1, .1], [2, .1], [3, .3], [4, .3]]: the curve pooled over targets and the panel averaged per
    target disagreed (−0.03 against −2.0). Both are now 1 − Σres/Σtot over every target, checked in NumPy."""
    y = np.array([[1, 0.1], [2, 0.1], [3, 0.3], [4, 0.3]])
    s, curve = _linear_fit_r2(y)
    pred = s.predict(s.dataset.x).astype(np.float64)
    pooled = 1 - ((y - pred) ** 2).sum() / ((y - y.mean(0)) ** 2).sum()
    assert s.report(test=False)["r2"] == pytest.approx(pooled, rel=1e-5)
    assert curve == pytest.approx(pooled, rel=1e-4)
    assert pooled == pytest.approx(r2_score(y, pred, multioutput="variance_weighted"))  # scikit-learn's name for it


@pytest.mark.parametrize(
    "y,defined",
    [
        ([[1, 5], [2, 5], [3, 5], [4, 5]], True),
        ([[5], [5], [5], [5]], False),
        ([[1, 5], [1, 5], [1, 5], [1, 5]], False),
    ],
)
def test_r2_with_a_constant_target_is_the_same_in_the_curve_and_the_panel(y, defined):
    """A target that does not vary still counts with its residual in the pooled sums (scikit-learn's
    variance_weighted would drop it); with no target varying R² is undefined (nan) in both, not 0 or 1."""
    y = np.array(y, float)
    s, curve = _linear_fit_r2(y)
    panel = s.report(test=False)["r2"]
    if not defined:
        assert np.isnan(curve) and np.isnan(panel)
        return
    pred = s.predict(s.dataset.x).astype(np.float64)
    pooled = 1 - ((y - pred) ** 2).sum() / ((y - y.mean(0)) ** 2).sum()
    assert panel == pytest.approx(pooled, rel=1e-5)
    assert curve == pytest.approx(pooled, rel=1e-4)


def _printed_loss(tex: str, yhat: np.ndarray, y: np.ndarray) -> float:
    """The inspector's loss formula applied to the numbers it shows (each formula recognised by its text)."""
    n, m = y.shape
    if tex.startswith(r"L = \frac{1}{n\,m}\sum_{i,j}(\hat y_{ij} - y_{ij})^2"):
        return ((yhat - y) ** 2).sum() / (n * m)
    if tex.startswith(r"L = \frac{1}{n}\sum_i \tfrac12\sum_j (y_{ij} - \hat y_{ij})^2"):
        return 0.5 * ((y - yhat) ** 2).sum() / n
    if tex.startswith(r"L = -\frac{1}{n\,m}\sum_{i,j}\big(y_{ij}\ln\hat y_{ij}"):
        return -(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)).sum() / (n * m)
    if tex.startswith(r"L = -\frac1n\sum_i\sum_k y_{ik}\ln\hat y_{ik}"):
        return -(y * np.log(yhat)).sum() / n
    raise AssertionError(f"unknown formula {tex}")


def _printed_delta(tex: str, yhat: np.ndarray, y: np.ndarray, sigma_prime: np.ndarray) -> np.ndarray:
    """The inspector's δ⁽ᴸ⁾ formula (the text before its numbers) applied to ŷ, y and σ′(z)."""
    n, m = y.shape
    if r"\frac{2}{n\,m}" in tex:
        g = 2 / (n * m) * (yhat - y)
    elif r"\frac{1}{n\,m}" in tex:
        g = (yhat - y) / (n * m)
    elif r"\frac{1}{n}" in tex:
        g = (yhat - y) / n
    else:
        raise AssertionError(f"no batch factor in {tex}")
    if r"\hat y \odot \big(g - \textstyle\sum_k g_k \hat y_k\big)" in tex:  # through the softmax's Jacobian
        return yhat * (g - (g * yhat).sum(-1, keepdims=True))
    return g * sigma_prime if r"\sigma'" in tex else g


def _shown_number(cell: str) -> float:
    """A number as the inspector prints it: '0.1234', '-1.234{\times}10^{-5}'."""
    cell = cell.strip()
    if r"{\times}10^" in cell:
        mant, exp = cell.split(r"{\times}10^")
        return float(mant) * 10.0 ** int(exp.strip("{}"))
    return float(cell)


def _shown_matrix(line: str) -> np.ndarray:
    """The last bmatrix of a printed line, as numbers (the inspector shows up to 6 × 6, enough here)."""
    body = line.rsplit(r"\begin{bmatrix}", 1)[1].split(r"\end{bmatrix}")[0]
    return np.array([[_shown_number(c) for c in row.split("&")] for row in body.split(r" \\ ")])


X5 = [[0.5, 1], [1, -1], [-0.3, 0.2], [2, 0.1], [-1, -0.7]]
CASES = [  # every loss with every output it allows, on a batch of 5 points
    ("mse", "regression", "linear", {"x": X5, "y": [[0.3, 1], [-1, 0], [0.5, 0.2], [2, -1], [0, 0.4]]}),
    ("mse", "classification", "sigmoid", {"x": X5, "y": [0, 1, 1, 0, 1]}),
    ("mse", "classification", "tanh", {"x": X5, "y": [0, 1, 1, 0, 1]}),
    ("mse", "classification", "softmax", {"x": X5, "y": [0, 1, 2, 0, 1]}),
    ("half_sse", "regression", "linear", {"x": X5, "y": [[0.3, 1], [-1, 0], [0.5, 0.2], [2, -1], [0, 0.4]]}),
    ("half_sse", "regression", "sigmoid", {"x": X5, "y": [0.3, 0.1, 0.5, 0.9, 0.2]}),
    ("half_sse", "classification", "tanh", {"x": X5, "y": [0, 1, 1, 0, 1]}),
    ("half_sse", "classification", "softmax", {"x": X5, "y": [0, 1, 2, 0, 1]}),
    ("bce", "classification", "sigmoid", {"x": X5, "y": [0, 1, 1, 0, 1]}),
    ("cross_entropy", "classification", "softmax", {"x": X5, "y": [0, 1, 2, 0, 1]}),
]


def _check_inspector_formulas(doc: dict, which: str | int, n: int) -> None:
    """What the inspector prints (sections 2 and 3): its loss and δ⁽ᴸ⁾ formulas, evaluated in float64 on the
    shown rows' ŷ, y and σ′ (from the formulas, not the engine), give the loss and the δ it shows next to them."""
    from playground import inspector

    s = Session(parse_document(json.dumps(doc)))
    step, _ = s.backprop_step(which)
    _, y = s.rows(which)
    y = np.asarray(y, np.float64).reshape(len(y), -1)
    yhat = np.asarray(step.a[-1], np.float64)
    assert len(y) == n
    printed = inspector.loss_section(step, s.spec, y).lines
    shown_loss = _shown_number(printed[-1].removeprefix("L = "))
    assert _printed_loss(printed[0], yhat, y) == pytest.approx(shown_loss, rel=1e-5)
    z = np.asarray(step.z[-1], np.float64)
    out = s.spec.out_act
    sp = REFERENCE[out](z) if out != "softmax" else None
    delta_line = inspector.backward_section(step, s.spec).lines[0]
    formula = delta_line.rsplit(r"\begin{bmatrix}", 1)[0]
    np.testing.assert_allclose(_printed_delta(formula, yhat, y, sp), _shown_matrix(delta_line), rtol=1e-3, atol=1e-9)


def _inspector_doc(loss: str, problem: str, out: str, data: dict, batch_size: int | None = None) -> dict:
    return {
        "problem": problem,
        "data": data,
        "test_fraction": 0,
        "hidden": [3],
        "activation": "tanh",
        "loss": loss,
        "output_activation": out,
        "batch_size": batch_size,
        "seed": 3,
    }


@pytest.mark.parametrize("loss,problem,out,data", CASES, ids=[f"{c[0]}-{c[2]}" for c in CASES])
def test_the_inspectors_formulas_give_its_numbers_for_a_batch(loss, problem, out, data):
    _check_inspector_formulas(_inspector_doc(loss, problem, out, data), "train", 5)


@pytest.mark.parametrize("which,n", [("train", 5), (3, 1)], ids=["all_rows", "one_point"])
@pytest.mark.parametrize("case", [CASES[0], CASES[4], CASES[9]], ids=lambda c: f"{c[0]}-{c[2]}")
def test_the_inspectors_formulas_hold_whatever_the_batch_size(case, which, n):
    """A mini-batch config (batch_size 2) and one inspected point: the inspector's n is the rows it shows (its
    1/n is theirs, whatever the training batch), and its formulas still give its numbers."""
    _check_inspector_formulas(_inspector_doc(*case, batch_size=2), which, n)


def test_each_optimisers_tooltips_state_its_own_formula():
    """ε inside the root for RMSprop and Adagrad (optax's g/√(s + ε)), outside for Adam; Nesterov's β looks ahead."""
    from playground.controls import hyper_help

    assert "√(s + ε)" in hyper_help("rmsprop", "eps")
    assert "√(Σg² + ε)" in hyper_help("adagrad", "eps")
    for name in ("adam", "adamw"):
        assert "(√v̂ + ε)" in hyper_help(name, "eps")
    assert "W ← W − η·(g + β·v)" in hyper_help("nesterov", "momentum")
    assert "W ← W − η·v" in hyper_help("momentum", "momentum")


def test_the_step_schedules_clock_starts_after_the_warm_up():
    """Warm-up of 2 epochs, then ×0.5 every 3 epochs (the README's convention), by hand: η/3, 2η/3, then η for
    the schedule's epochs 0–2 (epochs 2–4), η/2 from epoch 5."""
    from engine.config import Schedule
    from engine.optim import schedule_factor

    f = schedule_factor(Schedule("step", warmup_epochs=2, step_epochs=3, gamma=0.5))
    got = [float(f(e)) for e in range(9)]
    np.testing.assert_allclose(got, [1 / 3, 2 / 3, 1, 1, 1, 0.5, 0.5, 0.5, 0.25], rtol=1e-6)
