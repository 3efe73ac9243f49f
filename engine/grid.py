"""The network evaluated on a G×G grid over the input plane (or G points along x for 1-D data)."""

from functools import partial

import jax
import jax.numpy as jnp
from jax import Array

from engine.features import apply_features
from engine.losses import class_probabilities
from engine.model import Params, forward_trace
from engine.train import Spec


@partial(jax.jit, static_argnames=("spec", "g", "dim"))
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
    _, acts = forward_trace(params, apply_features(spec.features, pts), spec.activation, spec.out_act)
    out = acts[-1]
    if spec.problem == "classification":
        out = class_probabilities(out, spec.out_act)
    return {
        "output": out.reshape(*shape, -1),
        "hidden": [a.reshape(*shape, -1) for a in acts[1:-1]],
    }
