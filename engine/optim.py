"""Optimisers, clipping and learning-rate schedules, all from optax.

Every numeric hyper-parameter is injected (`optax.inject_hyperparams`), so it lives in the optimiser state:
changing the learning rate or the momentum is a new number in the state, not a new compiled program.
Schedules are functions of the epoch and of traced numbers, and scale the injected learning rate.
"""

from collections.abc import Callable, Sequence
from typing import NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax import Array, lax

from engine.config import OPTIMIZERS as OPTIMIZER_HYPER
from engine.config import Schedule

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


def fill_accumulators(opt_state: optax.OptState, numbers: dict[str, Array]) -> optax.OptState:
    """Adagrad's Σg² starts at `initial_accumulator_value`: `init` filled it from the placeholder the optimiser
    was built with (the number is traced, so the program is built once), so it is set here from the real one."""
    if "initial_accumulator_value" not in numbers:
        return opt_state
    v = numbers["initial_accumulator_value"]
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


PLACEHOLDER = 0.5  # every injected number a program is built with; each call sets the real ones from its inputs


def _injected(name: str) -> optax.GradientTransformation:
    numbers = dict.fromkeys(OPTIMIZER_HYPER[name], PLACEHOLDER)
    return optax.inject_hyperparams(_FACTORIES[name])(learning_rate=PLACEHOLDER, **numbers)


def make_optimizer(names: Sequence[str], clip: bool = False) -> optax.GradientTransformation:
    """The optax transformation of a compiled program: one optimiser, or a `switch` over a race's optimisers, with
    gradient clipping by global norm first where `clip`. Every number in it is injected (`set_hyperparams`)."""
    inner = _injected(names[0]) if len(names) == 1 else switch([_injected(n) for n in names])
    if not clip:
        return inner
    return optax.chain(optax.inject_hyperparams(optax.clip_by_global_norm)(max_norm=PLACEHOLDER), inner)


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


SCHEDULE_KINDS = ("constant", "step", "cosine")


class ScheduleNumbers(NamedTuple):
    """A learning-rate schedule as traced numbers: a new kind, step, γ, warm-up or decay length is a new input of
    the same compiled program (training goes on), not a new program."""

    kind: Array  # index in SCHEDULE_KINDS
    warmup_epochs: Array
    step_epochs: Array  # step: × gamma every step_epochs
    gamma: Array
    decay_epochs: Array  # cosine: from 1 to final_fraction over decay_epochs
    final_fraction: Array


def schedule_numbers(s: Schedule) -> ScheduleNumbers:
    f = jnp.float32
    return ScheduleNumbers(
        f(SCHEDULE_KINDS.index(s.name)), f(s.warmup_epochs), f(s.step_epochs), f(s.gamma), f(s.decay_epochs),
        f(s.final_fraction),
    )  # fmt: skip


def scheduled_factor(n: ScheduleNumbers, epoch: Array) -> Array:
    """The multiplier of the base learning rate at an epoch, as optax's schedules compute it: a linear warm-up
    from 1/(W+1) to 1 over W epochs (`optax.linear_schedule`), then the main schedule's clock starts at 0
    (`optax.join_schedules`): step `γ^⌊t/s⌋` (`optax.exponential_decay`, staircase), cosine
    `(1−α)·½(1 + cos(π·min(t, D)/D)) + α` (`optax.cosine_decay_schedule`)."""
    e = jnp.asarray(epoch, jnp.float32)
    w = n.warmup_epochs
    warm = 1.0 / (w + 1.0) + (1.0 - 1.0 / (w + 1.0)) * jnp.clip(e, 0.0, w) / jnp.maximum(w, 1.0)
    t = jnp.maximum(e - w, 0.0)
    step = n.gamma ** jnp.floor(t / jnp.maximum(n.step_epochs, 1.0))
    decay = jnp.maximum(n.decay_epochs, 1.0)
    cos = (1.0 - n.final_fraction) * 0.5 * (1.0 + jnp.cos(jnp.pi * jnp.minimum(t, decay) / decay)) + n.final_fraction
    main = jnp.select([n.kind == 1.0, n.kind == 2.0], [step, cos], 1.0)
    return jnp.where(e < w, warm, main).astype(jnp.float32)


def schedule_factor(s: Schedule) -> Callable[[Array], Array]:
    """epoch → multiplier of the base learning rate, for one schedule."""
    n = schedule_numbers(s)
    return lambda epoch: scheduled_factor(n, epoch)
