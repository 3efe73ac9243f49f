"""One backpropagation step written out as the textbook formulas (no `jax.grad`):

    z⁽ˡ⁾ = a⁽ˡ⁻¹⁾·W⁽ˡ⁾ + b⁽ˡ⁾,  a⁽ˡ⁾ = σ(z⁽ˡ⁾)
    δ⁽ᴸ⁾ = ∂L/∂a⁽ᴸ⁾ ⊙ σ′(z⁽ᴸ⁾)
    δ⁽ˡ⁾ = (δ⁽ˡ⁺¹⁾ W⁽ˡ⁺¹⁾ᵀ) ⊙ σ′(z⁽ˡ⁾)
    ∂L/∂W⁽ˡ⁾ = a⁽ˡ⁻¹⁾ᵀ δ⁽ˡ⁾ + λ₁·sign(W⁽ˡ⁾) + 2λ₂·W⁽ˡ⁾,  ∂L/∂b⁽ˡ⁾ = Σ_rows δ⁽ˡ⁾   (λ: the weight penalty)

Here layers count from 0 as the params do: W0 maps the input features to the first hidden layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import optax

from engine.activations import ACTIVATIONS, DERIVATIVES, output_activation
from engine.losses import data_loss, output_delta
from engine.model import Params, logits
from engine.penalty import Penalty, penalty_gradient, penalty_loss
from engine.spec import Spec


@dataclass
class Step:
    """Every number of one step. Lists are per layer l = 0..L-1; `a` has L+1 entries (a[0] = the input)."""

    z: list[np.ndarray]
    a: list[np.ndarray]
    data_loss: float
    reg_loss: float
    delta: list[np.ndarray]
    dW: list[np.ndarray]
    db: list[np.ndarray]
    new_params: list[tuple[np.ndarray, np.ndarray]]
    updates: list[tuple[np.ndarray, np.ndarray]]
    weights: list[tuple[np.ndarray, np.ndarray]] | None = None  # the params before the step
    optimizer_before: Any = None
    optimizer_after: Any = None
    max_diff_vs_autodiff: float | None = None

    @property
    def loss(self) -> float:
        return self.data_loss + self.reg_loss


def forward(spec: Spec, params: Params, a0: jnp.ndarray) -> tuple[list, list]:
    zs, acts = [], [a0]
    for i, (W, b) in enumerate(params):
        z = acts[-1] @ W + b
        zs.append(z)
        last = i == len(params) - 1
        acts.append(output_activation(spec.out_act, z) if last else ACTIVATIONS[spec.activation](z))
    return zs, acts


def gradients(spec: Spec, params: Params, a0, y, penalty: Penalty | None = None):
    """(zs, acts, deltas, dWs, dbs) by the chain-rule recursion; ∂/∂W of the weight penalty added where given."""
    zs, acts = forward(spec, params, a0)
    L = len(params)
    deltas = [None] * L
    deltas[-1] = output_delta(spec.loss, zs[-1], y, spec.out_act)
    for l in range(L - 2, -1, -1):
        deltas[l] = (deltas[l + 1] @ params[l + 1][0].T) * DERIVATIVES[spec.activation](zs[l])
    dWs = [acts[l].T @ deltas[l] for l in range(L)]
    dbs = [deltas[l].sum(0) for l in range(L)]
    if penalty is not None:
        dWs = [dW + penalty_gradient(W, penalty) for dW, (W, _) in zip(dWs, params, strict=True)]
    return zs, acts, deltas, dWs, dbs


def autodiff_gradients(spec: Spec, params: Params, a0, y, penalty: Penalty | None = None) -> Params:
    """The same gradients by `jax.grad`, for comparison."""

    def objective(p):
        loss = data_loss(spec.loss, logits(p, a0, spec.activation), y, spec.out_act)
        return loss if penalty is None else loss + penalty_loss(p, penalty)

    return jax.grad(objective)(params)


def explicit_step(
    spec: Spec,
    params: Params,
    a0,
    y,
    tx: optax.GradientTransformation,
    opt_state,
    penalty: Penalty | None = None,
    compare: bool = True,
) -> tuple[Step, Any]:
    """Forward, δ recursion, gradients, and the optimiser's update of those gradients. Returns the step and
    the optimiser state after it."""
    a0 = jnp.asarray(a0)
    y = jnp.asarray(y)
    zs, acts, deltas, dWs, dbs = gradients(spec, params, a0, y, penalty)
    grads = list(zip(dWs, dbs, strict=True))
    updates, new_state = tx.update(grads, opt_state, params)
    new_params = optax.apply_updates(params, updates)
    dl = float(data_loss(spec.loss, zs[-1], y, spec.out_act))
    rl = 0.0 if penalty is None else float(penalty_loss(params, penalty))
    np_ = lambda t: jax.tree.map(np.asarray, t)  # noqa: E731
    step = Step(
        z=np_(zs),
        a=np_(acts),
        data_loss=dl,
        reg_loss=rl,
        delta=np_(deltas),
        dW=np_(dWs),
        db=np_(dbs),
        new_params=np_(new_params),
        updates=np_(updates),
        weights=np_(list(params)),
        optimizer_before=np_(opt_state),
        optimizer_after=np_(new_state),
    )
    if compare:
        auto = autodiff_gradients(spec, params, a0, y, penalty)
        step.max_diff_vs_autodiff = max(
            float(jnp.abs(g - h).max()) for g, h in zip(jax.tree.leaves(grads), jax.tree.leaves(auto), strict=True)
        )
    return step, new_state
