"""A plain NumPy, hand-written backprop of the same MLP: the benchmark's baseline and the tests' oracle.

Hidden activations tanh / sigmoid / relu / linear; losses mse / bce (sigmoid output); plain SGD.
"""

from __future__ import annotations

import numpy as np

ACT = {
    "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
    "sigmoid": (lambda z: 1.0 / (1.0 + np.exp(-z)), lambda z, a: a * (1.0 - a)),
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(z.dtype)),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
}


def forward(params, x, act: str, out_act: str):
    zs, acts = [], [x]
    for i, (W, b) in enumerate(params):
        z = acts[-1] @ W + b
        f = ACT[out_act if i == len(params) - 1 else act][0]
        zs.append(z)
        acts.append(f(z))
    return zs, acts


def grads(params, x, y, act: str, out_act: str, loss: str):
    """Mean loss over rows; returns (loss, [(dW, db), …])."""
    zs, acts = forward(params, x, act, out_act)
    a, n, m = acts[-1], x.shape[0], y.shape[1]
    if loss == "mse":
        value = ((a - y) ** 2).mean()
        delta = 2.0 * (a - y) / (n * m) * ACT[out_act][1](zs[-1], a)
    elif loss == "bce":  # sigmoid output
        eps = 1e-12
        value = -(y * np.log(a + eps) + (1 - y) * np.log(1 - a + eps)).mean()
        delta = (a - y) / (n * m)
    else:
        raise ValueError(loss)
    out = [None] * len(params)
    for l in range(len(params) - 1, -1, -1):
        out[l] = (acts[l].T @ delta, delta.sum(0))
        if l:
            delta = (delta @ params[l][0].T) * ACT[act][1](zs[l - 1], acts[l])
    return value, out


def sgd_epoch(params, x, y, lr: float, batch: int | None, order, act: str, out_act: str, loss: str):
    """One epoch of mini-batch SGD over rows in `order`."""
    bs = batch or len(x)
    for s in range(0, len(order), bs):
        rows = order[s : s + bs]
        _, g = grads(params, x[rows], y[rows], act, out_act, loss)
        params = [(W - lr * dW, b - lr * db) for (W, b), (dW, db) in zip(params, g, strict=True)]
    return params


def train(params, x, y, lr, batch, epochs, act, out_act, loss, seed=0):
    rng = np.random.default_rng(seed)
    for _ in range(epochs):
        order = rng.permutation(len(x)) if batch else np.arange(len(x))
        params = sgd_epoch(params, x, y, lr, batch, order, act, out_act, loss)
    return params
