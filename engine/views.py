"""What every neuron computes: each layer's activations over the input plane, or for given points.

Used by the network diagram (a map per neuron) and the hidden-space warp (points as a layer sees them).
"""

import jax.numpy as jnp
from jax import Array

from engine.features import apply_features
from engine.model import Params, forward_trace
from engine.programs import per_spec
from engine.spec import Spec


@per_spec()
def layer_activations(spec: Spec, params: Params, x: Array) -> list[Array]:
    """a⁽⁰⁾ (the input features), a⁽¹⁾, …, a⁽ᴸ⁾ (the output layer's own activations) for raw inputs x (n, dim)."""
    _, acts = forward_trace(params, apply_features(spec.features, x), spec.activation, spec.out_act)
    return list(acts)


def grid_points(bounds: tuple[float, float, float, float], g: int, dim: int) -> jnp.ndarray:
    """The g×g grid over bounds as (g², 2) points, row-major with y down the rows (g points for 1-D)."""
    xs = jnp.linspace(bounds[0], bounds[1], g, dtype=jnp.float32)
    if dim == 1:
        return xs[:, None]
    gx, gy = jnp.meshgrid(xs, jnp.linspace(bounds[2], bounds[3], g, dtype=jnp.float32))
    return jnp.stack([gx.ravel(), gy.ravel()], 1)


def neuron_maps(spec: Spec, params: Params, bounds: tuple[float, float, float, float], g: int, dim: int) -> list:
    """Per layer, (g, g, width) activations over the plane ((g, width) for 1-D data): inputs first, output last."""
    acts = layer_activations(spec, params, grid_points(bounds, g, dim))
    shape = (g, g) if dim == 2 else (g,)
    return [a.reshape(*shape, -1) for a in acts]
