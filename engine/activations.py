"""Activation functions σ and their derivatives σ′, written out for the explicit backprop."""

from collections.abc import Callable

import jax.numpy as jnp
from jax import Array

_GELU_C = 0.7978845608028654  # sqrt(2 / pi)
LEAKY_SLOPE = 0.01


def sigmoid(z: Array) -> Array:
    return 0.5 * (jnp.tanh(0.5 * z) + 1.0)


def gelu(z: Array) -> Array:
    return 0.5 * z * (1.0 + jnp.tanh(_GELU_C * (z + 0.044715 * z**3)))


def _gelu_prime(z: Array) -> Array:
    u = _GELU_C * (z + 0.044715 * z**3)
    t = jnp.tanh(u)
    return 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t**2) * _GELU_C * (1.0 + 3 * 0.044715 * z**2)


ACTIVATIONS: dict[str, Callable[[Array], Array]] = {
    "sigmoid": sigmoid,
    "tanh": jnp.tanh,
    # written with `where` so that jax.grad at the kink z = 0 is the derivative below (relu′(0) = 0, elu′(0) = 1,
    # as the explicit backprop, PyTorch and TF Playground use), not the ½ that jax.grad of max/min gives at a tie
    "relu": lambda z: jnp.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: jnp.where(z > 0, z, LEAKY_SLOPE * z),
    "elu": lambda z: jnp.where(z > 0, z, jnp.expm1(jnp.where(z > 0, 0.0, z))),
    "gelu": gelu,
    "linear": lambda z: z,
}

DERIVATIVES: dict[str, Callable[[Array], Array]] = {
    "sigmoid": lambda z: sigmoid(z) * (1.0 - sigmoid(z)),
    "tanh": lambda z: 1.0 - jnp.tanh(z) ** 2,
    "relu": lambda z: (z > 0).astype(z.dtype),
    "leaky_relu": lambda z: jnp.where(z > 0, 1.0, LEAKY_SLOPE).astype(z.dtype),
    "elu": lambda z: jnp.where(z > 0, 1.0, jnp.exp(jnp.minimum(z, 0.0))).astype(z.dtype),
    "gelu": _gelu_prime,
    "linear": jnp.ones_like,
}

FORMULAS: dict[str, str] = {
    "sigmoid": r"\sigma(z) = \frac{1}{1+e^{-z}},\ \sigma'(z) = \sigma(z)(1-\sigma(z))",
    "tanh": r"\sigma(z) = \tanh z,\ \sigma'(z) = 1-\tanh^2 z",
    "relu": r"\sigma(z) = \max(0, z),\ \sigma'(z) = [z>0]",
    "leaky_relu": r"\sigma(z) = \max(0.01z, z),\ \sigma'(z) = [z>0] + 0.01[z\le 0]",
    "elu": r"\sigma(z) = z\,[z>0] + (e^z-1)[z\le0],\ \sigma'(z) = [z>0] + e^z[z\le0]",
    "gelu": r"\sigma(z) = \tfrac{z}{2}(1+\tanh(\sqrt{2/\pi}(z+0.044715z^3)))",
    "linear": r"\sigma(z) = z,\ \sigma'(z) = 1",
    "softmax": r"\sigma(z)_i = e^{z_i} / \textstyle\sum_j e^{z_j}",
}

HIDDEN = tuple(ACTIVATIONS)
OUTPUT = ("sigmoid", "tanh", "linear", "softmax")


def softmax(z: Array) -> Array:
    e = jnp.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def output_activation(name: str, z: Array) -> Array:
    return softmax(z) if name == "softmax" else ACTIVATIONS[name](z)
