"""Signs in the per-epoch history that training is stuck or blowing up while every number is still finite
(non-finite values are a `Divergence`, reported by the session)."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

WINDOW = 5  # epochs a sign must last
GROWTH = 4.0  # a recent loss this many times the first epoch's counts as blowing up


def dead_layers(grad_norm: np.ndarray, window: int = WINDOW) -> list[int]:
    """Layers whose weight gradient ‖∂L/∂Wl‖ was exactly 0 in each of the last `window` epochs."""
    g = np.asarray(grad_norm)[-window:]
    if len(g) < window:
        return []
    return [int(l) for l in np.flatnonzero(np.all(g == 0, axis=0))]


# The sentences, one copy: the command line prints them, the page shows them in its language (its catalog holds them).
SAYS = {
    "no_gradient": "No gradient reaches {layers} (exactly 0 for {window} epochs): {why}",
    "growing": "The training loss has grown {factor}× since epoch {since}: the steps overshoot. Lower the learning "
    "rate (training goes on) or turn on gradient clipping.",
}
WHY = {
    "dead_relu": "every ReLU of a hidden layer outputs 0 for every point (they died), so nothing flows back. "
    "Lower the learning rate and Reset, or pick leaky_relu.",
    "zeros_init": "weights that all start at 0 pass no gradient back. Pick another initialisation and Reset.",
    "saturated": "the hidden units have saturated. Lower the learning rate and Reset.",
}


class Trouble(NamedTuple):
    """What is wrong: `kind` (a key of SAYS) and the numbers its sentence names."""

    kind: str
    layers: str = ""  # "W0–W2" (no_gradient)
    cause: str = ""  # a key of WHY (no_gradient)
    factor: float = 0.0  # growing
    since: int = 0  # growing

    def say(self, says: Callable[[str], str] = lambda t: t) -> str:
        """The sentence; `says` translates a text of SAYS or WHY (the page's catalog)."""
        return says(SAYS[self.kind]).format(
            layers=self.layers,
            window=WINDOW,
            why=says(WHY[self.cause]) if self.cause else "",
            factor=f"{self.factor:.0f}",
            since=self.since,
        )

    def __str__(self) -> str:
        return self.say()


def diagnosis(history: dict[str, np.ndarray], activation: str, init: str, n_train: int) -> Trouble | None:
    """What is wrong, or None when training looks healthy."""
    epochs = history.get("epoch", ())
    if len(epochs) < WINDOW or n_train == 0:
        return None
    loss = np.asarray(history["train_loss"], np.float64)
    dead = dead_layers(history["grad_norm"])
    if dead and np.isfinite(loss[-1]) and loss[-1] > 1e-6:
        names = (
            f"W{dead[0]}–W{dead[-1]}"
            if dead == list(range(dead[0], dead[-1] + 1))
            else "W" + ", W".join(map(str, dead))
        )
        names = f"W{dead[0]}" if len(dead) == 1 else names
        cause = "dead_relu" if activation == "relu" else "zeros_init" if init == "zeros" else "saturated"
        return Trouble("no_gradient", layers=names, cause=cause)
    recent = float(np.median(loss[-WINDOW:]))
    if np.isfinite(loss[0]) and loss[0] > 0 and recent > GROWTH * loss[0]:
        return Trouble("growing", factor=recent / loss[0], since=int(epochs[0]))
    return None


def trouble(history: dict[str, np.ndarray], activation: str, init: str, n_train: int) -> str | None:
    """One sentence on what is wrong and what to try, or None when training looks healthy."""
    d = diagnosis(history, activation, init, n_train)
    return None if d is None else str(d)
