"""Optimisers, clipping and learning-rate schedules, all from optax.

Every numeric hyper-parameter is injected (`optax.inject_hyperparams`), so it lives in the optimiser state:
changing the learning rate or the momentum is a new number in the state, not a new compiled program.
Schedules are functions of the epoch and scale the injected learning rate.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax import Array, lax

from engine.config import OPTIMIZERS as OPTIMIZER_HYPER
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


def fill_accumulators(opt_state, hyper: dict[str, Array]):
    """Adagrad's Σg² starts at `initial_accumulator_value`: `init` filled it from the placeholder the optimiser
    was built with (the number is traced, so the program is built once), so it is set here from the real one."""
    if "initial_accumulator_value" not in hyper:
        return opt_state
    v = hyper["initial_accumulator_value"]
    return jax.tree.map(
        lambda s: (
            s._replace(sum_of_squares=jax.tree.map(lambda a: jnp.full_like(a, v), s.sum_of_squares))
            if isinstance(s, optax.ScaleByRssState)
            else s
        ),
        opt_state,
        is_leaf=lambda s: isinstance(s, optax.ScaleByRssState),
    )


class SwitchState(NamedTuple):
    member: Array  # which member's update runs (a float so that it is set like any injected number)
    inner: tuple


def switch(members: Sequence[optax.GradientTransformation]) -> optax.GradientTransformation:
    """One transformation that is any of `members`: the state holds every member's state and the index of the
    one that runs. Under `vmap` each racer carries its own index, so different optimisers share one program."""

    def init(params):
        return SwitchState(jnp.float32(0), tuple(m.init(params) for m in members))

    def update(grads, state, params=None):
        def branch(i):
            def run(inner):
                u, s = members[i].update(grads, inner[i], params)
                return u, (*inner[:i], s, *inner[i + 1 :])

            return run

        updates, inner = lax.switch(
            state.member.astype(jnp.int32), [branch(i) for i in range(len(members))], state.inner
        )
        return updates, SwitchState(state.member, inner)

    return optax.GradientTransformation(init, update)


RACE_SEPARATOR = "|"  # an optimiser name "adam|sgd" is a switch over those optimisers (see `switch`)


def _injected(name: str, hyper: dict[str, float], learning_rate: float) -> optax.GradientTransformation:
    return optax.inject_hyperparams(_FACTORIES[name])(learning_rate=learning_rate, **hyper)


def make_optimizer(opt: Optimizer, clip_norm: float | None = None) -> optax.GradientTransformation:
    """The optax transformation for a config's optimiser, with gradient clipping by global norm first."""
    if RACE_SEPARATOR in opt.name:
        hyper = dict(opt.hyper)
        names = opt.name.split(RACE_SEPARATOR)
        inner = switch([_injected(n, {k: hyper[k] for k in OPTIMIZER_HYPER[n]}, opt.learning_rate) for n in names])
    else:
        inner = _injected(opt.name, dict(opt.hyper), opt.learning_rate)
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
    """Set injected numbers by name wherever they occur (every member of a switch, the clipping norm…)."""
    found = set()

    def put(path, leaf):
        last, parent = path[-1], path[-2] if len(path) > 1 else None
        in_hyper = isinstance(last, jax.tree_util.DictKey) and getattr(parent, "name", None) == "hyperparams"
        name = (
            last.key
            if in_hyper
            else getattr(last, "name", None)
            if isinstance(last, jax.tree_util.GetAttrKey)
            else None
        )
        if name in hyper and (in_hyper or name == "member"):
            found.add(name)
            return jnp.asarray(hyper[name], jnp.result_type(leaf))
        return leaf

    out = jax.tree_util.tree_map_with_path(put, opt_state)
    if missing := set(hyper) - found:
        raise KeyError(f"no injected hyper-parameter named {sorted(missing)[0]!r}")
    return out


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
