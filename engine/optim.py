"""Optimisers, clipping and learning-rate schedules, all from optax.

Every numeric hyper-parameter is injected (`optax.inject_hyperparams`), so it lives in the optimiser state:
changing the learning rate or the momentum is a new number in the state, not a new compiled program.
Schedules are functions of the epoch and scale the injected learning rate.
"""

from collections.abc import Callable

import jax.numpy as jnp
import optax
from jax import Array

from engine.config import Optimizer, Schedule

_FACTORIES: dict[str, Callable[..., optax.GradientTransformation]] = {
    "sgd": lambda learning_rate: optax.sgd(learning_rate),
    "momentum": lambda learning_rate, momentum: optax.sgd(learning_rate, momentum=momentum),
    "nesterov": lambda learning_rate, momentum: optax.sgd(learning_rate, momentum=momentum, nesterov=True),
    "adagrad": lambda learning_rate, initial_accumulator_value, eps: optax.adagrad(
        learning_rate, initial_accumulator_value, eps
    ),
    "rmsprop": lambda learning_rate, decay, eps: optax.rmsprop(learning_rate, decay, eps),
    "adam": lambda learning_rate, b1, b2, eps: optax.adam(learning_rate, b1, b2, eps),
    "adamw": lambda learning_rate, b1, b2, eps, weight_decay: optax.adamw(
        learning_rate, b1, b2, eps, weight_decay=weight_decay
    ),
}


def make_optimizer(opt: Optimizer, clip_norm: float | None = None) -> optax.GradientTransformation:
    """The optax transformation for a config's optimiser, with gradient clipping by global norm first."""
    inner = optax.inject_hyperparams(_FACTORIES[opt.name])(learning_rate=opt.learning_rate, **dict(opt.hyper))
    if clip_norm is None:
        return inner
    return optax.chain(optax.inject_hyperparams(optax.clip_by_global_norm)(max_norm=clip_norm), inner)


def hyperparams(opt: Optimizer, clip_norm: float | None = None) -> dict[str, Array]:
    """The injected numbers, as traced inputs of a training call."""
    h = {"learning_rate": opt.learning_rate, **dict(opt.hyper)}
    if clip_norm is not None:
        h["max_norm"] = clip_norm
    return {k: jnp.float32(v) for k, v in h.items()}


def set_hyperparams(opt_state: optax.OptState, hyper: dict[str, Array]) -> optax.OptState:
    return optax.tree_utils.tree_set(opt_state, **hyper)


def schedule_factor(s: Schedule) -> Callable[[Array], Array]:
    """epoch → multiplier of the base learning rate (optax schedules, counted in epochs)."""
    if s.name == "step":
        main = optax.exponential_decay(1.0, s.step_epochs, s.gamma, staircase=True)
    elif s.name == "cosine":
        main = optax.cosine_decay_schedule(1.0, s.decay_epochs, alpha=s.final_fraction)
    else:
        main = optax.constant_schedule(1.0)
    if s.warmup_epochs == 0:
        return main
    warm = optax.linear_schedule(1.0 / (s.warmup_epochs + 1), 1.0, s.warmup_epochs)
    return optax.join_schedules([warm, main], [s.warmup_epochs])
