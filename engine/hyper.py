"""Every number a user may turn while training, as one typed record of traced inputs: a new value is a new input
of the same compiled program, not a new program (the learning rate and the optimiser's own numbers, the schedule,
the clipping norm, the weight penalty, the dropout rate; in a race, which optimiser a racer runs)."""

from __future__ import annotations

from typing import NamedTuple

from jax import Array

from engine.optim import ScheduleNumbers
from engine.penalty import Penalty
from engine.spec import Spec


class Hyper(NamedTuple):
    learning_rate: Array  # the base rate η (the schedule scales it epoch by epoch)
    schedule: ScheduleNumbers  # the learning-rate schedule's kind and numbers
    optimizer: dict[str, Array]  # the optimisers' own numbers by optax's names (spec.hyper_names: momentum, b1, …)
    clip_norm: Array  # the global gradient norm clipping scales down to (used where spec.clip; ∞ otherwise)
    penalty: Penalty  # λ₁, λ₂ of the weight penalty
    dropout: Array  # the probability of dropping a hidden unit (used where spec.dropout)
    member: Array  # a race's switch program: the index in spec.optimizers of this racer's optimiser

    def injected(self, spec: Spec, learning_rate: Array) -> dict[str, Array]:
        """The numbers set in the optimiser state by their optax names, with this step's learning rate."""
        out = {"learning_rate": learning_rate, **self.optimizer}
        if spec.clip:
            out["max_norm"] = self.clip_norm
        if spec.switch:
            out["member"] = self.member
        return out
