"""Speed of the engine against a plain NumPy backprop of the same networks, in one run.

    python -m tools.engine_bench [--json bench-results/bench.json] [--epochs 2000]

Cases: (a) TensorFlow Playground's default network, (b) its largest, (c) full batch 2-8-8-1 on 512 points.
Prints a table (ms per epoch, epochs/s, the ratio to NumPy, first-call compile time cold and from the persistent
cache, grid times) and writes the same numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import jax
import numpy as np

from engine import reference
from engine.cache import enable_compilation_cache
from engine.config import parse_config
from engine.device import describe
from engine.grid import grid_eval
from engine.session import Session
from engine.train import train_epochs

ALL_FEATURES = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
TFP = {
    "loss": "mse",
    "output_activation": "tanh",
    "activation": "tanh",
    "optimizer": {"name": "sgd", "learning_rate": 0.03},
}
CASES = {
    "a: TF Playground default 2-4-2-1, batch 10": {
        **TFP,
        "data": {"generator": "circle", "n": 500, "noise": 0.1},
        "test_fraction": 0.5,
        "features": ["x1", "x2"],
        "hidden": [4, 2],
        "batch_size": 10,
    },
    "b: TF Playground largest 7-8x6-1, batch 10": {
        **TFP,
        "data": {"generator": "spiral", "n": 500, "noise": 0.1},
        "test_fraction": 0.5,
        "features": ALL_FEATURES,
        "hidden": [8] * 6,
        "batch_size": 10,
    },
    "c: full batch 2-8-8-1, 512 points": {
        **TFP,
        "data": {"generator": "xor", "n": 512, "noise": 0.1},
        "test_fraction": 0.0,
        "features": ["x1", "x2"],
        "hidden": [8, 8],
        "batch_size": None,
    },
}
TFP_MS = {"a": 0.50, "b": 4.35}  # TensorFlow Playground's own code on this CPU (the brief's measurement)
TARGET_MS = {"a": 0.10, "b": 0.20}


def _best(fn, repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def numpy_ms_per_epoch(s: Session, epochs: int) -> float:
    x, y = s.dataset.part(False)
    feats = np.asarray(s.features(x), np.float64)
    t = np.where(y[:, None] > 0, 1.0, -1.0)  # tanh targets
    params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in s.params]
    rng = np.random.default_rng(0)
    bs = s.cfg.batch_size

    def run():
        p = params
        for _ in range(epochs):
            order = rng.permutation(len(feats)) if bs else np.arange(len(feats))
            p = reference.sgd_epoch(p, feats, t, 0.03, bs, order, "tanh", "tanh", "mse")

    return 1000 * _best(run, 3) / epochs


def engine_case(doc: dict, epochs: int) -> dict:
    s = Session(parse_config(doc))
    args = (s.state, s._train, s._test, s.hyper)
    jax.clear_caches()
    t = time.perf_counter()
    jax.block_until_ready(train_epochs(s.spec, epochs, *args))
    first_call = time.perf_counter() - t
    jax.clear_caches()
    t = time.perf_counter()
    jax.block_until_ready(train_epochs(s.spec, epochs, *args))
    cached_call = time.perf_counter() - t
    run_s = _best(lambda: jax.block_until_ready(train_epochs(s.spec, epochs, *args)))
    ms = 1000 * run_s / epochs
    g = {}
    for size in (100, 200):
        b = np.asarray(s.dataset.bounds(), np.float32)
        f = lambda: jax.block_until_ready(grid_eval(s.spec, s.params, b, size, 2))  # noqa: E731
        f()
        g[size] = 1000 * _best(f, 20)
    return {
        "network": "-".join(map(str, s.spec.sizes)),
        "train_rows": int(s._train.n),
        "engine_ms_per_epoch": ms,
        "engine_epochs_per_s": 1000 / ms,
        "compile_s_cold": first_call - run_s,
        "compile_s_persistent_cache": cached_call - run_s,
        "grid100_ms": g[100],
        "grid200_ms": g[200],
        "session": s,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--json", default="bench-results/bench.json")
    p.add_argument("--epochs", type=int, default=2000, help="epochs per timed engine call")
    p.add_argument("--numpy-epochs", type=int, default=30)
    args = p.parse_args(argv)
    enable_compilation_cache(tempfile.mkdtemp(prefix="bench-jax-cache-"))  # cold on the first call
    rows = []
    for name, doc in CASES.items():
        r = engine_case(doc, args.epochs)
        r["numpy_ms_per_epoch"] = numpy_ms_per_epoch(r.pop("session"), args.numpy_epochs)
        r["speedup_vs_numpy"] = r["numpy_ms_per_epoch"] / r["engine_ms_per_epoch"]
        key = name[0]
        if key in TFP_MS:
            r["tf_playground_ms_per_epoch"] = TFP_MS[key]
            r["speedup_vs_tf_playground"] = TFP_MS[key] / r["engine_ms_per_epoch"]
            r["target_ms_per_epoch"] = TARGET_MS[key]
        rows.append({"case": name, **r})
    head = (
        f"{'case':44} {'net':>12} {'engine ms/ep':>12} {'epochs/s':>9} {'NumPy ms/ep':>11} {'×NumPy':>7} "
        f"{'×TFP':>6} {'compile s':>9} {'cached s':>8} {'grid100':>8} {'grid200':>8}"
    )
    nproc = os.environ.get("NPROC", "unset")
    print(f"device: {describe()}; jax {jax.__version__}; {os.cpu_count()} CPU cores; XLA CPU pool NPROC={nproc}")
    print(head)
    for r in rows:
        tfp = f"{r['speedup_vs_tf_playground']:6.1f}" if "speedup_vs_tf_playground" in r else "     –"
        print(
            f"{r['case']:44} {r['network']:>12} {r['engine_ms_per_epoch']:12.4f} {r['engine_epochs_per_s']:9.0f} "
            f"{r['numpy_ms_per_epoch']:11.3f} {r['speedup_vs_numpy']:7.1f} {tfp} {r['compile_s_cold']:9.2f} "
            f"{r['compile_s_persistent_cache']:8.2f} {r['grid100_ms']:7.3f}m {r['grid200_ms']:7.3f}m"
        )
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"device": describe(), "jax": jax.__version__, "nproc": nproc, "rows": rows}, indent=1))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
