"""Math that must agree with outside references (issue 11): hand-computed single steps, float64 NumPy from the
formulas, scikit-learn. Each case is the issue's reproduction."""

from __future__ import annotations

import json
import math

import jax
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from engine.activations import ACTIVATIONS, DERIVATIVES
from engine.config import parse_document
from engine.session import Session


def one_epoch(doc: dict) -> Session:
    s = Session(parse_document(json.dumps(doc)))
    s.train(1)
    return s


def test_adagrad_starts_its_accumulator_at_the_initial_value():
    """b0 after one step: g = ∂½·2(ŷ−y)²… here ∂L/∂b0 = 2(0 − 1) = −2 (mse of one point), Σg² = 10 + 4 = 14,
    b0 = 0 + 0.1·2/√14."""
    doc = {
        "problem": "regression",
        "data": {"x": [[1, 0]], "y": [1]},
        "test_fraction": 0,
        "hidden": [],
        "activation": "linear",
        "loss": "mse",
        "batch_size": None,
        "optimizer": {"name": "adagrad", "learning_rate": 0.1, "initial_accumulator_value": 10},
        "params": {"W0": [[0], [0]], "b0": [0]},
    }
    b0 = float(np.asarray(one_epoch(doc).params[0][1])[0])
    assert b0 == pytest.approx(0.2 / math.sqrt(14), rel=1e-5)  # 0.053452; the placeholder gave 0.2/√4.5


@pytest.mark.parametrize("act,b0", [("relu", 0.0), ("elu", 2.0), ("leaky_relu", 0.02), ("tanh", 2.0)])
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


def test_one_r2_for_several_targets_in_the_curve_and_the_panel():
    """Targets [[1, .1], [2, .1], [3, .3], [4, .3]]: the curve pooled over targets and the panel averaged per
    target disagreed (−0.03 against −2.0). Both are now 1 − Σres/Σtot over every target, checked in NumPy."""
    y = np.array([[1, 0.1], [2, 0.1], [3, 0.3], [4, 0.3]])
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
    curve = float(s.train(1)["train_score"][-1])
    pred = s.predict(s.dataset.x).astype(np.float64)
    pooled = 1 - ((y - pred) ** 2).sum() / ((y - y.mean(0)) ** 2).sum()
    assert s.report(test=False)["r2"] == pytest.approx(pooled, rel=1e-5)
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
    n, m = y.shape
    rhs = tex.split("=")[-1]
    if r"\frac{2}{n\,m}" in rhs:
        d = 2 / (n * m) * (yhat - y)
    elif r"\frac{1}{n\,m}" in rhs:
        d = (yhat - y) / (n * m)
    elif r"\frac{1}{n}" in rhs:
        d = (yhat - y) / n
    else:
        raise AssertionError(f"no batch factor in {tex}")
    return d * sigma_prime if r"\sigma'" in rhs else d


CASES = {
    "mse": ("regression", "linear", {"x": [[0.5, 1], [1, -1], [-0.3, 0.2], [2, 0.1]], "y": [0.3, -1, 0.5, 2]}),
    "half_sse": ("regression", "sigmoid", {"x": [[0.5, 1], [1, -1], [-0.3, 0.2], [2, 0.1]], "y": [0.3, 0.1, 0.5, 0.9]}),
    "bce": ("classification", "sigmoid", {"x": [[0.5, 1], [1, -1], [-0.3, 0.2], [2, 0.1]], "y": [0, 1, 1, 0]}),
    "cross_entropy": (
        "classification",
        "softmax",
        {"x": [[0.5, 1], [1, -1], [-0.3, 0.2], [2, 0.1]], "y": [0, 1, 2, 0]},
    ),
}


@pytest.mark.parametrize("loss", sorted(CASES))
def test_the_inspectors_formulas_give_its_numbers_for_a_batch(loss):
    from engine.activations import DERIVATIVES
    from playground import inspector

    problem, out, data = CASES[loss]
    doc = {
        "problem": problem,
        "data": data,
        "test_fraction": 0,
        "hidden": [3],
        "activation": "tanh",
        "loss": loss,
        "output_activation": out,
        "batch_size": None,
        "seed": 3,
    }
    s = Session(parse_document(json.dumps(doc)))
    step, _ = s.backprop_step("train")
    _, y = s.rows("train")
    y = np.asarray(y, np.float64).reshape(len(y), -1)
    yhat = np.asarray(step.a[-1], np.float64)
    assert len(y) == 4
    tex = inspector.LOSS_FORMULAS[s.spec.loss]
    assert _printed_loss(tex, yhat, y) == pytest.approx(step.data_loss, rel=1e-4)
    z = np.asarray(step.z[-1], np.float64)
    sp = np.asarray(DERIVATIVES[out](z)) if out != "softmax" else np.ones_like(z)
    shown = _printed_delta(inspector.output_delta_formula(s.spec), yhat, y, sp)
    np.testing.assert_allclose(shown, np.asarray(step.delta[-1]), rtol=1e-4, atol=1e-7)
