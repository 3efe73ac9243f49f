"""Input features computed from the raw coordinates, as in TensorFlow Playground."""

from collections.abc import Callable

import jax.numpy as jnp
from jax import Array

FEATURES: dict[str, Callable[[Array], Array]] = {
    "x1": lambda x: x[:, 0],
    "x2": lambda x: x[:, 1],
    "x1^2": lambda x: x[:, 0] ** 2,
    "x2^2": lambda x: x[:, 1] ** 2,
    "x1*x2": lambda x: x[:, 0] * x[:, 1],
    "sin(x1)": lambda x: jnp.sin(x[:, 0]),
    "sin(x2)": lambda x: jnp.sin(x[:, 1]),
}
ONE_D = ("x1", "x1^2", "sin(x1)")  # the features a 1-D input (curve fitting) has


def apply_features(names: tuple[str, ...], x: Array) -> Array:
    """(n, d) raw coordinates → (n, len(names)) feature matrix."""
    return jnp.stack([FEATURES[n](x) for n in names], axis=1)
