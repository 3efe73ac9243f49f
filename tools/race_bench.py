"""How much an optimiser race costs compared with one run: `python -m tools.race_bench`.

Times k racers against one plain training run of the same config and epochs (compiled first, best of a few
repeats), and prints the ratio, for both ways a race can run: side by side in one vmapped call (the default on
an accelerator) and one by one (the default on a CPU). Also the first race's time, compilation included (within
this process: programs a previous case compiled are reused, as in the app).

    python -m tools.race_bench [--epochs 500]
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


def best(f, repeats: int = 3) -> tuple[float, float]:
    """(first call, compilation included; best of `repeats` after it)"""
    t = time.perf_counter()
    f()
    first = time.perf_counter() - t
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return first, min(out)


def main(epochs: int = 500) -> None:
    print(f"device: {describe()} · {epochs} epochs per run · best of 3 after compiling")
    for name, doc in CASES.items():
        cfg = parse_config(doc)
        ds = Session(cfg).dataset

        def one():
            s = Session(cfg, ds)
            s.train(epochs)
            jax.block_until_ready(s.params)

        t1 = best(one)[1]
        print(f"\n{name}: one run {t1 * 1e3:.0f} ms")
        for k in (1, 2, 4, limits.MAX_RACE):
            racers = [Optimizer(n, 0.01, tuple((h, v[0]) for h, v in OPTIMIZERS[n].items())) for n in RACERS[:k]]

            for together in (True, False):

                def race(racers=racers, together=together):
                    r = Race(cfg, ds, racers, together=together)
                    r.run(epochs, snapshots=epochs // 100)
                    jax.block_until_ready(r.stacked_params)

                first, tk = best(race)
                how = "side by side" if together else "one by one  "
                print(
                    f"  race of {k}, {how}: {tk * 1e3:6.0f} ms = {tk / t1:5.2f}× one run ({tk / t1 / k:4.2f}× per"
                    f" racer); first race {first:5.1f} s"
                )


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=500)
    main(ap.parse_args().epochs)
