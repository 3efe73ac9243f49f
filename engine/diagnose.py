"""Signs in the per-epoch history that training is stuck or blowing up while every number is still finite
(non-finite values are a `Divergence`, reported by the session)."""

from __future__ import annotations

import numpy as np

WINDOW = 5  # epochs a sign must last
GROWTH = 4.0  # a recent loss this many times the first epoch's counts as blowing up


def dead_layers(grad_norm: np.ndarray, window: int = WINDOW) -> list[int]:
    """Layers whose weight gradient ‖∂L/∂Wl‖ was exactly 0 in each of the last `window` epochs."""
    g = np.asarray(grad_norm)[-window:]
    if len(g) < window:
        return []
    return [int(l) for l in np.flatnonzero(np.all(g == 0, axis=0))]


def trouble(history: dict[str, np.ndarray], activation: str, init: str, n_train: int) -> str | None:
    """One sentence on what is wrong and what to try, or None when training looks healthy."""
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
        if activation == "relu":
            why = (
                "every ReLU of a hidden layer outputs 0 for every point (they died), so nothing flows back. "
                "Lower the learning rate and Reset, or pick leaky_relu."
            )
        elif init == "zeros":
            why = "weights that all start at 0 pass no gradient back. Pick another initialisation and Reset."
        else:
            why = "the hidden units have saturated. Lower the learning rate and Reset."
        return f"No gradient reaches {names} (exactly 0 for {WINDOW} epochs): {why}"
    recent = float(np.median(loss[-WINDOW:]))
    if np.isfinite(loss[0]) and loss[0] > 0 and recent > GROWTH * loss[0]:
        return (
            f"The training loss has grown {recent / loss[0]:.0f}× since epoch {int(epochs[0])}: the steps overshoot. "
            "Lower the learning rate (training goes on) or turn on gradient clipping."
        )
    return None
