"""The explicit δ recursion equals jax.grad and central finite differences (float64)."""

import itertools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from engine.activations import HIDDEN
from engine.backprop import autodiff_gradients, gradients
from engine.losses import data_loss, encode_targets
from engine.model import init_params, logits
from engine.penalty import penalty, penalty_loss
from engine.spec import Spec

CASES = {  # loss -> (output activation, problem, outputs)
    "mse": ("tanh", "regression", 2),
    "half_sse": ("sigmoid", "regression", 2),
    "bce": ("sigmoid", "classification", 1),
    "cross_entropy": ("softmax", "classification", 3),
}


def spec_for(act, loss, out_act, sizes):
    return Spec(
        problem="x",
        features=("x1", "x2"),
        sizes=sizes,
        activation=act,
        out_act=out_act,
        loss=loss,
        optimizers=("sgd",),
        clip=False,
        batch_size=None,
        dropout=False,
    )


def problem(loss, act, seed):
    out_act, kind, n_out = CASES[loss]
    sizes = (2, 4, 3, n_out)
    rng = np.random.default_rng(seed)
    params = init_params(jax.random.key(seed), list(sizes), "xavier")
    params = [(W + 0.1 * rng.normal(size=W.shape), b + 0.2 * rng.normal(size=b.shape)) for W, b in params]
    x = jnp.asarray(rng.normal(size=(5, 2)) * 1.5)
    if kind == "classification":
        y = encode_targets(rng.integers(0, max(n_out, 2), 5), n_out, out_act)
    else:
        y = jnp.asarray(rng.normal(size=(5, n_out)) * 0.5)
    return spec_for(act, loss, out_act, sizes), params, x, y.astype(x.dtype)


@pytest.mark.parametrize("act,loss", list(itertools.product(HIDDEN, CASES)))
def test_explicit_equals_autodiff_and_finite_differences(act, loss):
    with jax.enable_x64(True):
        spec, params, x, y = problem(loss, act, seed=hash((act, loss)) % 1000)
        params = [(jnp.asarray(W, jnp.float64), jnp.asarray(b, jnp.float64)) for W, b in params]
        _, _, _, dWs, dbs = gradients(spec, params, x, y)
        auto = autodiff_gradients(spec, params, x, y)
        for (dW, db), (aW, ab) in zip(zip(dWs, dbs, strict=True), auto, strict=True):
            np.testing.assert_allclose(dW, aW, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(db, ab, rtol=1e-9, atol=1e-12)

        def L(p):
            return float(data_loss(spec.loss, logits(p, x, spec.activation), y, spec.out_act))

        h = 1e-6
        for layer in range(len(params)):
            for which in (0, 1):
                base = np.asarray(params[layer][which])
                grad = np.asarray((dWs if which == 0 else dbs)[layer])
                for idx in list(np.ndindex(base.shape))[:6]:

                    def moved(d):
                        arr = base.copy()
                        arr[idx] += d
                        p = list(params)
                        p[layer] = (jnp.asarray(arr), p[layer][1]) if which == 0 else (p[layer][0], jnp.asarray(arr))
                        return L(p)

                    fd = (moved(h) - moved(-h)) / (2 * h)
                    if act in ("relu", "leaky_relu") and abs(fd - grad[idx]) > 1e-5:
                        continue  # a kink within ±h: finite differences are undefined there
                    assert abs(fd - grad[idx]) <= 1e-6 + 1e-5 * abs(fd), (layer, which, idx, fd, grad[idx])


@pytest.mark.parametrize("reg", ["l1", "l2"])
def test_regularisation_gradient(reg):
    with jax.enable_x64(True):
        spec, params, x, y = problem("mse", "tanh", 3)
        params = [(jnp.asarray(W, jnp.float64), jnp.asarray(b, jnp.float64)) for W, b in params]
        _, _, _, dWs, _ = gradients(spec, params, x, y, penalty(reg, 0.3))
        auto = autodiff_gradients(spec, params, x, y, penalty(reg, 0.3))
        for dW, (aW, _) in zip(dWs, auto, strict=True):
            np.testing.assert_allclose(dW, aW, rtol=1e-9, atol=1e-12)
        assert float(penalty_loss(params, penalty(reg, 0.3))) > 0
