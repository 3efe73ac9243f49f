"""The network evaluated on a G×G grid over the input plane (or G points along x for 1-D data)."""

import jax.numpy as jnp
from jax import Array, lax

from engine.activations import ACTIVATIONS, output_activation
from engine.features import apply_features
from engine.losses import class_probabilities
from engine.model import Params, forward_points_last
from engine.programs import per_spec
from engine.spec import Spec

NARROW = 8  # every layer at most this wide: the rows layout below; wider nets run points-last


def _hidden_and_output_narrow(params: Params, feats: Array, act: str) -> tuple[list[Array], Array]:
    """Rows layout, each layer an unrolled multiply-add over its fan-in: z = Σₖ a[:, k]·W[k] + b. For layers
    at most 8 wide this is one fused elementwise loop per layer that writes the (P, width) activations the
    caller wants directly (points-last would need a transpose per layer, about a third of the time)."""
    a, hidden = feats, []
    for i, (W, b) in enumerate(params):
        z = sum(a[:, k : k + 1] * W[k] for k in range(W.shape[0])) + b
        if i < len(params) - 1:
            a = ACTIVATIONS[act](z)
            hidden.append(a)
    return hidden, z


def _hidden_and_output_wide(params: Params, feats: Array, act: str) -> tuple[list[Array], Array]:
    zs, acts = forward_points_last(params, feats.T, act)
    return [a.T for a in acts], zs[-1].T


@per_spec("g", "dim")
def grid_eval(spec: Spec, params: Params, bounds: Array, g: int, dim: int = 2) -> dict[str, Array]:
    """bounds = (x_min, x_max, y_min, y_max). Returns `output` (G, G, k) class probabilities or (G, G, m)
    values, and `hidden`: one (G, G, width) array of activations per hidden layer. Row i is y, column j is x.
    For dim 1 the leading (G, G) is (G,)."""
    xs = jnp.linspace(bounds[0], bounds[1], g)
    if dim == 2:
        ys = jnp.linspace(bounds[2], bounds[3], g)
        gx, gy = jnp.meshgrid(xs, ys)
        pts = jnp.stack([gx.ravel(), gy.ravel()], 1)
        shape = (g, g)
    else:
        pts, shape = xs[:, None], (g,)
    # Materialise the features once: fused into the first layer they would be recomputed for every neuron.
    feats = lax.optimization_barrier(apply_features(spec.features, pts))
    narrow = max(spec.sizes) <= NARROW
    hidden, z = (_hidden_and_output_narrow if narrow else _hidden_and_output_wide)(params, feats, spec.activation)
    out = output_activation(spec.out_act, z)
    if spec.problem == "classification":
        out = class_probabilities(out, spec.out_act)
    return {
        "output": out.reshape(*shape, -1),
        "hidden": [a.reshape(*shape, -1) for a in hidden],
    }
