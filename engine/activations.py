"""Activation functions: one record per activation holding σ, σ′ and the formula on screen.

Training differentiates σ with `jax.grad`, the explicit backprop multiplies by σ′: σ is a `jax.custom_jvp` whose
derivative is the record's σ′, so the two cannot drift apart, at the kinks either (relu′(0) = 0, leaky_relu′(0)
= the slope, elu′(0) = 1, as PyTorch and TensorFlow Playground use; `jax.grad` of max/min would give ½ at a tie).
"""

from collections.abc import Callable
from typing import NamedTuple

import jax
import jax.numpy as jnp
from jax import Array

_GELU_C = 0.7978845608028654  # sqrt(2 / pi)
LEAKY_SLOPE = 0.01


class Activation(NamedTuple):
    f: Callable[[Array], Array]  # σ, whose jax.grad is `prime` (custom_jvp)
    prime: Callable[[Array], Array]  # σ′, written out (the explicit backprop's)
    tex: str  # σ and σ′ as LaTeX (the inspector prints it)


def _record(f: Callable[[Array], Array], prime: Callable[[Array], Array], tex: str) -> Activation:
    """The record of σ = f with derivative σ′ = prime: `jax.grad` of the returned σ is `prime`, exactly."""
    sigma = jax.custom_jvp(f)

    @sigma.defjvp
    def _jvp(primals: tuple[Array], tangents: tuple[Array]) -> tuple[Array, Array]:
        (z,), (t,) = primals, tangents
        return f(z), prime(z) * t

    return Activation(sigma, prime, tex)


def _sigmoid(z: Array) -> Array:
    return 0.5 * (jnp.tanh(0.5 * z) + 1.0)


def _gelu(z: Array) -> Array:
    return 0.5 * z * (1.0 + jnp.tanh(_GELU_C * (z + 0.044715 * z**3)))


def _gelu_prime(z: Array) -> Array:
    u = _GELU_C * (z + 0.044715 * z**3)
    t = jnp.tanh(u)
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t**2) * _GELU_C * (1.0 + 3 * 0.044715 * z**2)


RECORDS: dict[str, Activation] = {
    "sigmoid": _record(
        _sigmoid,
        lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)),
        r"\sigma(z) = \frac{1}{1+e^{-z}},\ \sigma'(z) = \sigma(z)(1-\sigma(z))",
    ),
    "tanh": _record(jnp.tanh, lambda z: 1.0 - jnp.tanh(z) ** 2, r"\sigma(z) = \tanh z,\ \sigma'(z) = 1-\tanh^2 z"),
    "relu": _record(
        lambda z: jnp.maximum(z, 0.0),
        lambda z: (z > 0).astype(z.dtype),
        r"\sigma(z) = \max(0, z),\ \sigma'(z) = [z>0]\ \ (\sigma'(0) = 0)",
    ),
    "leaky_relu": _record(
        lambda z: jnp.where(z > 0, z, LEAKY_SLOPE * z),
        lambda z: jnp.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
        rf"\sigma(z) = \max({LEAKY_SLOPE:g}z, z),\ \sigma'(z) = [z>0] + {LEAKY_SLOPE:g}[z\le 0]"
        rf"\ \ (\sigma'(0) = {LEAKY_SLOPE:g})",
    ),
    "elu": _record(
        lambda z: jnp.where(z > 0, z, jnp.expm1(jnp.minimum(z, 0.0))),
        lambda z: jnp.where(z > 0, 1.0, jnp.exp(jnp.minimum(z, 0.0))).astype(z.dtype),
        r"\sigma(z) = z\,[z>0] + (e^z-1)[z\le0],\ \sigma'(z) = [z>0] + e^z[z\le0]\ \ (\sigma'(0) = 1)",
    ),
    "gelu": _record(
        _gelu,
        _gelu_prime,
        r"\sigma(z) = \tfrac{z}{2}(1+t),\ t = \tanh(\sqrt{2/\pi}(z+0.044715z^3)),\ "
        r"\sigma'(z) = \tfrac12(1+t) + \tfrac{z}{2}(1-t^2)\sqrt{2/\pi}(1+3\cdot0.044715z^2)",
    ),
    "linear": _record(lambda z: z, jnp.ones_like, r"\sigma(z) = z,\ \sigma'(z) = 1"),
}

# Views of the records by part (one source: RECORDS)
ACTIVATIONS: dict[str, Callable[[Array], Array]] = {k: r.f for k, r in RECORDS.items()}
DERIVATIVES: dict[str, Callable[[Array], Array]] = {k: r.prime for k, r in RECORDS.items()}
FORMULAS: dict[str, str] = {
    **{k: r.tex for k, r in RECORDS.items()},
    "softmax": r"\sigma(z)_i = e^{z_i} / \textstyle\sum_j e^{z_j}",
}

HIDDEN = tuple(ACTIVATIONS)
OUTPUT = ("sigmoid", "tanh", "linear", "softmax")

sigmoid = ACTIVATIONS["sigmoid"]
gelu = ACTIVATIONS["gelu"]


def softmax(z: Array) -> Array:
    e = jnp.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def output_activation(name: str, z: Array) -> Array:
    return softmax(z) if name == "softmax" else ACTIVATIONS[name](z)
