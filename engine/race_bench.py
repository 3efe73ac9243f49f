"""How much an optimiser race costs compared with one run: `python -m engine.race_bench`.

Times k racers in one vmapped call against one plain training run of the same config and epochs (compiled
first, best of a few repeats), and prints the ratio. On a GPU the racers run side by side; on a CPU expect
roughly k× (the work is k× and the CPU was already busy).
"""

from __future__ import annotations

import time

import jax

from engine import limits
from engine.config import OPTIMIZERS, Optimizer, parse_config
from engine.device import describe
from engine.race import Race
from engine.session import Session

RACERS = ["sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"]
CASES = {
    "TF Playground default (2-4-2-1 tanh, 250 pts, batch 10)": {
        "data": {"generator": "circle", "n": 500, "noise": 0.1, "seed": 0},
        "test_fraction": 0.5,
        "hidden": [4, 2],
        "activation": "tanh",
        "batch_size": 10,
    },
    "full batch (2-8-8-1, 400 pts)": {
        "data": {"generator": "moons", "n": 400, "noise": 0.1, "seed": 0},
        "test_fraction": 0.0,
        "hidden": [8, 8],
        "activation": "tanh",
        "batch_size": None,
    },
}


def best(f, repeats: int = 3) -> float:
    f()  # compile
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return min(out)


def main(epochs: int = 500) -> None:
    print(f"device: {describe()} · {epochs} epochs per run · best of 3 after compiling")
    for name, doc in CASES.items():
        cfg = parse_config(doc)
        ds = Session(cfg).dataset

        def one():
            s = Session(cfg, ds)
            s.train(epochs)
            jax.block_until_ready(s.params)

        t1 = best(one)
        print(f"\n{name}: one run {t1 * 1e3:.0f} ms")
        for k in (1, 2, 4, limits.MAX_RACE):
            racers = [Optimizer(n, 0.01, tuple((h, v[0]) for h, v in OPTIMIZERS[n].items())) for n in RACERS[:k]]

            def race(racers=racers):
                r = Race(cfg, ds, racers)
                r.run(epochs, snapshots=epochs // 100)
                jax.block_until_ready(r.state.params)

            tk = best(race)
            print(f"  race of {k}: {tk * 1e3:7.0f} ms = {tk / t1:4.2f}× one run ({tk / t1 / k:4.2f}× per racer)")


if __name__ == "__main__":
    main()
