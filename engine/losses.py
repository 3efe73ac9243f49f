"""Data losses: one record per loss holding ℓ, the output error term δ⁽ᴸ⁾, the formulas on screen, the output
activations it allows and its tooltip; and how labels become targets.

Every loss is a mean over samples of a per-sample loss ℓ(ŷ, y); `weights` (0/1) masks padded rows. Training
differentiates the mean of ℓ with `jax.grad`; the explicit backprop starts from the record's δ⁽ᴸ⁾ = ∂L/∂z⁽ᴸ⁾ (a
test checks they agree, and the inspector prints the record's formulas next to the numbers they give).
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

from engine.activations import DERIVATIVES, output_activation, softmax

Elementwise = Callable[[Array, Array, str], Array]  # (z⁽ᴸ⁾, y, output activation) → per-row ℓ or δ⁽ᴸ⁾


class Loss(NamedTuple):
    per_sample: Elementwise  # ℓᵢ for each row, from the output layer's pre-activation z (stable forms)
    delta: Elementwise  # δ⁽ᴸ⁾ = ∂L/∂z⁽ᴸ⁾ of the batch mean, written out
    outputs: tuple[str, ...]  # the output activations it allows (a single one: the one it implies)
    tex: str  # L over a batch of n rows with m outputs, as the engine computes it
    delta_tex: str  # δ⁽ᴸ⁾ in closed form, or ∂L/∂ŷ where δ⁽ᴸ⁾ goes through the output activation (`via_output`)
    via_output: bool  # δ⁽ᴸ⁾ = ∂L/∂ŷ ⊙ σ′(z) (through softmax's Jacobian for a softmax output)
    tooltip: str  # one line for the Loss selectbox


def _via_output(dl_dyhat: Callable[[Array, Array], Array]) -> Elementwise:
    """δ⁽ᴸ⁾ from ∂L/∂ŷ: g ⊙ σ′(z), or for softmax Jᵀg = s ⊙ (g − ⟨g, s⟩)."""

    def delta(z: Array, y: Array, out_act: str) -> Array:
        a = output_activation(out_act, z)
        g = dl_dyhat(a, y)
        if out_act == "softmax":
            return a * (g - (g * a).sum(-1, keepdims=True))
        return g * DERIVATIVES[out_act](z)

    return delta


def _mse(z: Array, y: Array, out_act: str) -> Array:
    return ((output_activation(out_act, z) - y) ** 2).mean(-1)


def _half_sse(z: Array, y: Array, out_act: str) -> Array:
    return 0.5 * ((output_activation(out_act, z) - y) ** 2).sum(-1)


def _bce(z: Array, y: Array, out_act: str) -> Array:
    return (jax.nn.softplus(z) - y * z).mean(-1)  # −y log σ(z) − (1−y) log(1−σ(z)) = softplus(z) − y z


def _cross_entropy(z: Array, y: Array, out_act: str) -> Array:
    return -(y * jax.nn.log_softmax(z)).sum(-1)


def _bce_delta(z: Array, y: Array, out_act: str) -> Array:
    n, m = z.shape
    return (output_activation(out_act, z) - y) / (n * m)  # sigmoid + bce: δ = (σ(z) − y) / (n m)


def _cross_entropy_delta(z: Array, y: Array, out_act: str) -> Array:
    return (softmax(z) - y) / z.shape[0]  # softmax + cross-entropy: δ = (softmax(z) − y) / n


SQUARED_OUTPUTS = ("linear", "sigmoid", "tanh", "softmax")
RECORDS: dict[str, Loss] = {
    "mse": Loss(
        _mse,
        _via_output(lambda a, y: 2.0 * (a - y) / (a.shape[0] * a.shape[1])),
        SQUARED_OUTPUTS,
        r"L = \frac{1}{n\,m}\sum_{i,j}(\hat y_{ij} - y_{ij})^2",
        r"\frac{2}{n\,m}(\hat y - y)",
        True,
        "mse: the mean of (ŷ − y)² over every point and output; any output activation.",
    ),
    "half_sse": Loss(
        _half_sse,
        _via_output(lambda a, y: (a - y) / a.shape[0]),
        SQUARED_OUTPUTS,
        r"L = \frac{1}{n}\sum_i \tfrac12\sum_j (y_{ij} - \hat y_{ij})^2",
        r"\frac{1}{n}(\hat y - y)",
        True,
        "half_sse: ½Σ(y − ŷ)² over a point's outputs, averaged over the points (the textbooks' E); δ = (ŷ − y)/n ⊙ σ′.",
    ),
    "bce": Loss(
        _bce,
        _bce_delta,
        ("sigmoid",),
        r"L = -\frac{1}{n\,m}\sum_{i,j}\big(y_{ij}\ln\hat y_{ij} + (1-y_{ij})\ln(1-\hat y_{ij})\big)",
        r"\frac{1}{n\,m}(\hat y - y)",
        False,
        "bce: binary cross-entropy −y ln ŷ − (1 − y) ln(1 − ŷ), sigmoid output, 2 classes; δ = (ŷ − y)/n.",
    ),
    "cross_entropy": Loss(
        _cross_entropy,
        _cross_entropy_delta,
        ("softmax",),
        r"L = -\frac1n\sum_i\sum_k y_{ik}\ln\hat y_{ik}",
        r"\frac{1}{n}(\hat y - y)",
        False,
        "cross_entropy: softmax cross-entropy −Σₖ yₖ ln ŷₖ, any number of classes; δ = (ŷ − y)/n.",
    ),
}

# Views of the records by part (one source: RECORDS)
LOSSES = tuple(RECORDS)
ALLOWED_OUTPUT: dict[str, tuple[str, ...]] = {k: r.outputs for k, r in RECORDS.items()}
AUTO = "auto: bce for 2 classes, softmax cross-entropy for more, mse for regression."  # Config.resolved_loss


def loss_tooltip() -> str:
    """The Loss selectbox's tooltip: the automatic choice, then one line per loss (from the records)."""
    return "\n\n".join([AUTO, *(r.tooltip for r in RECORDS.values())])


def delta_formula(loss: str, out_act: str) -> str:
    """δ⁽ᴸ⁾ as LaTeX, in the form the engine computes it for this loss and output activation."""
    r = RECORDS[loss]
    d, z = r"\delta^{(L)}", "z^{(L)}"
    if not r.via_output:
        return rf"{d} = \frac{{\partial L}}{{\partial {z}}} = {r.delta_tex}"
    if out_act == "softmax":  # the softmax's Jacobian mixes a row's outputs: no elementwise σ′
        return (
            rf"g = \frac{{\partial L}}{{\partial \hat y}} = {r.delta_tex},\quad "
            rf"{d} = \hat y \odot \big(g - \textstyle\sum_k g_k \hat y_k\big)"
        )
    return rf"{d} = \frac{{\partial L}}{{\partial \hat y}} \odot \sigma'({z}) = {r.delta_tex} \odot \sigma'({z})"


def default_output(loss: str, problem: str) -> str:
    """The output activation a loss implies (bce: sigmoid, cross_entropy: softmax), else by the problem."""
    outputs = RECORDS[loss].outputs
    if len(outputs) == 1:
        return outputs[0]
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
    return RECORDS[loss].per_sample(z, y, out_act)


def data_loss(loss: str, z: Array, y: Array, out_act: str, weights: Array | None = None) -> Array:
    ell = per_sample(loss, z, y, out_act)
    if weights is None:
        return ell.mean()
    return (ell * weights).sum() / jnp.maximum(weights.sum(), 1.0)


def output_delta(loss: str, z: Array, y: Array, out_act: str) -> Array:
    """δ⁽ᴸ⁾ = ∂L/∂z⁽ᴸ⁾ of the mean loss over the rows of z, written out (the record's δ)."""
    return RECORDS[loss].delta(z, y, out_act)
