"""The weight penalty λ₁·Σ|W| + λ₂·ΣW² over the weights, not the biases (l1: λ₁ = rate; l2: λ₂ = rate/2, i.e.
rate·½ΣW²; none: both 0). λ₁ and λ₂ are traced inputs, so none, l1 and l2 at any rate are one compiled program:
switching between them while training keeps the weights and the optimiser state."""

from __future__ import annotations

from typing import NamedTuple

import jax.numpy as jnp
from jax import Array, lax

from engine.model import Params


class Penalty(NamedTuple):
    l1: Array  # λ₁, the weight of Σ|W|
    l2: Array  # λ₂, the weight of ΣW²


def penalty(kind: str, rate: float) -> Penalty:
    """λ₁ and λ₂ of a config's regularisation (kind, rate), as float32."""
    r = jnp.float32(rate)
    zero = jnp.float32(0.0)
    return Penalty(r if kind == "l1" else zero, r * 0.5 if kind == "l2" else zero)


def penalty_loss(params: Params, p: Penalty) -> Array:
    """λ₁·Σ|W| + λ₂·ΣW². |W| is written W·sign(W) with the subgradient sign(0) = 0: a weight at 0 stays there under
    L1. A term whose λ is 0 is exactly 0 (even where ΣW² overflows), so each kind's value is its own formula's."""
    abs_sum = sum((W * lax.stop_gradient(jnp.sign(W))).sum() for W, _ in params)
    sq_sum = sum((W**2).sum() for W, _ in params)
    return jnp.where(p.l1 > 0, p.l1 * abs_sum, 0.0) + jnp.where(p.l2 > 0, p.l2 * sq_sum, 0.0)


def penalty_gradient(W: Array, p: Penalty) -> Array:
    """∂/∂W of the penalty, written out: λ₁·sign(W) + 2λ₂·W (l2: rate·W)."""
    return p.l1 * jnp.sign(W) + (2.0 * p.l2) * W
