"""Data losses, their output error terms δ⁽ᴸ⁾, and how labels become targets.

Every loss is a mean over samples of a per-sample loss ℓ(ŷ, y); `weights` (0/1) masks padded rows.
"""

import jax
import jax.numpy as jnp
from jax import Array

from engine.activations import DERIVATIVES, output_activation, softmax

LOSSES = ("mse", "half_sse", "bce", "cross_entropy")
DEFAULT_OUTPUT = {"bce": "sigmoid", "cross_entropy": "softmax"}
ALLOWED_OUTPUT = {
    "mse": ("linear", "sigmoid", "tanh", "softmax"),
    "half_sse": ("linear", "sigmoid", "tanh", "softmax"),
    "bce": ("sigmoid",),
    "cross_entropy": ("softmax",),
}
# The data loss over a batch of n rows with m outputs, as the engine computes it (the inspector prints these)
FORMULAS = {
    "mse": r"L = \frac{1}{n\,m}\sum_{i,j}(\hat y_{ij} - y_{ij})^2",
    "half_sse": r"L = \frac{1}{n}\sum_i \tfrac12\sum_j (y_{ij} - \hat y_{ij})^2",
    "bce": r"L = -\frac{1}{n\,m}\sum_{i,j}\big(y_{ij}\ln\hat y_{ij} + (1-y_{ij})\ln(1-\hat y_{ij})\big)",
    "cross_entropy": r"L = -\frac1n\sum_i\sum_k y_{ik}\ln\hat y_{ik}",
}


def default_output(loss: str, problem: str) -> str:
    if loss in DEFAULT_OUTPUT:
        return DEFAULT_OUTPUT[loss]
    return "sigmoid" if problem == "classification" else "linear"


def n_outputs(problem: str, loss: str, out_act: str, classes: int, targets: int) -> int:
    if problem == "regression":
        return targets
    if classes == 2 and loss != "cross_entropy" and out_act != "softmax":
        return 1
    return classes


def encode_targets(labels: Array, n_out: int, out_act: str) -> Array:
    """Integer class labels → (n, n_out) target matrix (tanh outputs aim at ±1)."""
    labels = jnp.asarray(labels).astype(jnp.int32)
    t = labels[:, None].astype(jnp.float32) if n_out == 1 else jax.nn.one_hot(labels, n_out)
    return 2.0 * t - 1.0 if out_act == "tanh" else t


def class_probabilities(a: Array, out_act: str) -> Array:
    """Network outputs → (n, k) class scores in [0, 1] that sum to 1."""
    p = (a + 1.0) / 2.0 if out_act == "tanh" else a
    p = jnp.clip(p, 0.0, 1.0)
    if a.shape[-1] == 1:
        return jnp.concatenate([1.0 - p, p], axis=-1)
    if out_act == "softmax":
        return a
    return p / jnp.maximum(p.sum(-1, keepdims=True), 1e-12)


def per_sample(loss: str, z: Array, y: Array, out_act: str) -> Array:
    """ℓᵢ for each row, from the output layer's pre-activation z (stable forms for bce / softmax)."""
    if loss == "cross_entropy":
        return -(y * jax.nn.log_softmax(z)).sum(-1)
    if loss == "bce":  # −y log σ(z) − (1−y) log(1−σ(z)) = softplus(z) − y z
        return (jax.nn.softplus(z) - y * z).mean(-1)
    a = output_activation(out_act, z)
    sq = (a - y) ** 2
    return sq.mean(-1) if loss == "mse" else 0.5 * sq.sum(-1)


def data_loss(loss: str, z: Array, y: Array, out_act: str, weights: Array | None = None) -> Array:
    ell = per_sample(loss, z, y, out_act)
    if weights is None:
        return ell.mean()
    return (ell * weights).sum() / jnp.maximum(weights.sum(), 1.0)


def loss_gradient(loss: str, a: Array, y: Array) -> Array:
    """∂L/∂ŷ for the mean loss over the n rows of a (the squared losses only)."""
    n, m = a.shape
    if loss == "mse":
        return 2.0 * (a - y) / (n * m)
    if loss == "half_sse":
        return (a - y) / n
    raise ValueError(f"{loss} has no separate ∂L/∂ŷ here")


def output_delta(loss: str, z: Array, y: Array, out_act: str) -> Array:
    """δ⁽ᴸ⁾ = ∂L/∂z⁽ᴸ⁾, written out: ∂L/∂ŷ ⊙ σ′(z), or the softmax / sigmoid short forms."""
    n, m = z.shape
    a = output_activation(out_act, z)
    if loss == "cross_entropy":  # softmax + cross-entropy: δ = (softmax(z) − y) / n
        return (softmax(z) - y) / n
    if loss == "bce":  # sigmoid + bce: δ = (σ(z) − y) / (n m)
        return (a - y) / (n * m)
    g = loss_gradient(loss, a, y)
    if out_act == "softmax":  # δ = J_softmaxᵀ g = s ⊙ (g − ⟨g, s⟩)
        return a * (g - (g * a).sum(-1, keepdims=True))
    return g * DERIVATIVES[out_act](z)
