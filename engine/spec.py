"""The static part of a configuration: what a compiled program is built for. Changing any of it compiles a new
program; every number a user may turn while training is a traced input instead (`engine.hyper.Hyper`)."""

from __future__ import annotations

from typing import NamedTuple

import optax

from engine.config import OPTIMIZERS
from engine.optim import make_optimizer


class Spec(NamedTuple):
    """The architecture, the loss, the optimiser(s), the batch size…: one compiled program each."""

    problem: str
    features: tuple[str, ...]
    sizes: tuple[int, ...]  # layer widths, input features first, outputs last
    activation: str  # hidden layers' σ
    out_act: str
    loss: str
    optimizers: tuple[str, ...]  # the optimiser; a race's switch program: every racer's, in switch order
    clip: bool  # gradient clipping on (its norm is traced)
    batch_size: int | None  # None: the full batch
    dropout: bool  # dropout on (its rate is traced)

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def switch(self) -> bool:
        """A race's program over several optimisers: each racer's traced `member` says which one it runs."""
        return len(self.optimizers) > 1

    @property
    def optimizer(self) -> str:
        """The optimiser's name (a switch over several has none: see `optimizers`)."""
        if self.switch:
            raise ValueError(f"a race's switch over {', '.join(self.optimizers)} has no single optimiser")
        return self.optimizers[0]

    @property
    def hyper_names(self) -> tuple[str, ...]:
        """The optimisers' own injected numbers (momentum, b1, …), each once, in the order the optimisers name them."""
        return tuple(dict.fromkeys(k for name in self.optimizers for k in OPTIMIZERS[name]))

    def optimizer_tx(self) -> optax.GradientTransformation:
        """The program's optax transformation; its numbers are placeholders that every call sets from its inputs."""
        return make_optimizer(self.optimizers, self.clip)
