"""Command line: `python -m engine train|backprop|data CONFIG …`."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from engine import device, limits
from engine.config import ConfigError, load_config
from engine.data import to_csv
from engine.history import History
from engine.inputs import params_to_numpy
from engine.model import Params
from engine.session import Session

EXIT_CONFIG, EXIT_DIVERGED = 2, 3


NO_TRAINING_ROWS = "data: no training points (every point is a test point)"


def save_params(path: Path, params: Params) -> None:
    """params.npz: W0, b0, W1, … as NumPy arrays."""
    np.savez(path, **params_to_numpy(params))


def write_metrics(path: Path, history: History, problem: str) -> None:
    """metrics.json: one record per epoch; scores are named accuracy (classification) or r2 (regression)."""
    name = "accuracy" if problem == "classification" else "r2"
    recs = history.records()
    for r in recs:
        for part in ("train", "test"):
            r[f"{part}_{name}"] = r.pop(f"{part}_score")
    path.write_text(json.dumps(recs))


def _progress(epoch: int, total: int, loss: float, rate: float, out) -> None:
    width = 24
    done = int(width * epoch / total)
    bar = "█" * done + "·" * (width - done)
    out.write(f"\r{bar} epoch {epoch:,}/{total:,}  loss {loss:.5g}  {rate:,.0f} epochs/s ")
    out.flush()


def cmd_train(args: argparse.Namespace) -> int:
    cfg = load_config(args.config)
    session = Session(cfg)
    if not session.has_training_rows:  # nothing would train: the loop below would wait for ever for an epoch
        raise ConfigError(NO_TRAINING_ROWS)
    total = args.epochs or cfg.epochs
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    err = sys.stderr
    print(f"device: {device.describe()}; network {'-'.join(map(str, session.spec.sizes))}", file=err)
    t0 = time.perf_counter()
    chunk = 1000 if total >= 5000 else max(1, min(total, 100))
    while session.epoch < total and session.divergence is None:
        m = session.train(min(chunk, total - session.epoch))
        if not args.quiet and m and len(m["epoch"]):
            _progress(session.epoch, total, float(m["train_loss"][-1]), session.epoch / (time.perf_counter() - t0), err)
    if not args.quiet:
        err.write("\n")
    write_metrics(out_dir / "metrics.json", session.history, cfg.problem)
    save_params(out_dir / "params.npz", session.params)
    if session.divergence is not None:
        print(f"diverged: {session.divergence}; kept the last finite state", file=err)
        return EXIT_DIVERGED
    h = session.history.data
    score = "accuracy" if cfg.problem == "classification" else "R²"
    last = lambda k: float(h[k][-1]) if len(h.get(k, ())) else float("nan")  # noqa: E731
    parts = [f"epoch {session.epoch}: train loss {last('train_loss'):.5g}"]
    if session.dataset.test.any():
        parts.append(f"test loss {last('test_loss'):.5g}")
    parts.append(f"train {score} {last('train_score'):.4f}")
    if session.dataset.test.any():
        parts.append(f"test {score} {last('test_score'):.4f}")
    print(", ".join(parts))
    return 0


def _fmt(a, indent: int = 8) -> str:
    text = np.array2string(np.asarray(a), precision=6, suppress_small=True, separator=", ", max_line_width=100)
    return text.replace("\n", "\n" + " " * indent)


def format_step(session: Session, step, rows_shown: int = 4) -> str:
    """A readable account of one backprop step, layer by layer, with the formula of every number."""
    spec = session.spec
    L = spec.n_layers
    n = step.a[0].shape[0]
    cut = (lambda a: a[:rows_shown]) if n > rows_shown else (lambda a: a)
    note = f" (first {rows_shown} of {n} rows)" if n > rows_shown else ""
    lines = [
        f"Backprop step: network {'-'.join(map(str, spec.sizes))}, hidden {spec.activation}, output "
        f"{spec.out_act}, loss {spec.loss}, {n} example(s), optimiser {spec.optimizer}",
        "Convention: z⁽ˡ⁾ = a⁽ˡ⁾·Wˡ + bˡ with Wˡ shaped (fan_in, fan_out); a⁽⁰⁾ = input features.",
        "",
        f"FORWARD{note}",
        f"  a0 = features({', '.join(spec.features)}) = {_fmt(cut(step.a[0]))}",
    ]
    for l in range(L):
        act = spec.out_act if l == L - 1 else spec.activation
        lines += [
            f"  z{l} = a{l}·W{l} + b{l} = {_fmt(cut(step.z[l]))}",
            f"  a{l + 1} = {act}(z{l}) = {_fmt(cut(step.a[l + 1]))}",
        ]
    lines += [
        "",
        f"LOSS  L = {spec.loss}(a{L}, y) = {step.data_loss:.8g}"
        + (f"  + regularisation {step.reg_loss:.8g}" if step.reg_loss else ""),
        "",
        f"BACKWARD{note}",
        f"  δ{L - 1} = ∂L/∂z{L - 1} = ∂L/∂a{L} ⊙ σ′(z{L - 1}) = {_fmt(cut(step.delta[L - 1]))}",
    ]
    for l in range(L - 2, -1, -1):
        lines.append(f"  δ{l} = (δ{l + 1}·W{l + 1}ᵀ) ⊙ σ′(z{l}) = {_fmt(cut(step.delta[l]))}")
    lines += ["", "GRADIENTS"]
    for l in range(L - 1, -1, -1):
        lines += [
            f"  ∂L/∂W{l} = a{l}ᵀ·δ{l} = {_fmt(step.dW[l])}",
            f"  ∂L/∂b{l} = Σ_rows δ{l} = {_fmt(step.db[l])}",
        ]
    lr = float(session.hyper.learning_rate)
    rule = "W ← W − η·∂L/∂W" if spec.optimizer == "sgd" else f"{spec.optimizer} update of ∂L/∂W"
    lines += ["", f"UPDATE  {rule}, η = {lr:g}"]
    for l in range(L):
        W, b = step.new_params[l]
        lines += [f"  W{l} ← {_fmt(W)}", f"  b{l} ← {_fmt(b)}"]
    if step.max_diff_vs_autodiff is not None:
        lines += ["", f"CHECK  max |explicit − jax.grad| over all gradients = {step.max_diff_vs_autodiff:.3g}"]
    return "\n".join(lines)


def step_to_json(step) -> dict:
    tolist = lambda xs: [np.asarray(x).tolist() for x in xs]  # noqa: E731
    return {
        "z": tolist(step.z),
        "a": tolist(step.a),
        "data_loss": step.data_loss,
        "reg_loss": step.reg_loss,
        "delta": tolist(step.delta),
        "dW": tolist(step.dW),
        "db": tolist(step.db),
        "new_params": {
            f"{p}{i}": np.asarray(v).tolist()
            for i, wb in enumerate(step.new_params)
            for p, v in zip("Wb", wb, strict=True)
        },
        "max_diff_vs_autodiff": step.max_diff_vs_autodiff,
    }


def cmd_backprop(args: argparse.Namespace) -> int:
    session = Session(load_config(args.config))
    n = session.dataset.n
    if args.row is not None and not 0 <= args.row < n:
        raise ConfigError(f"--row: must be a point's index, 0 to {n - 1}, got {args.row}")
    if args.row is None and not session.has_training_rows:
        raise ConfigError(NO_TRAINING_ROWS)
    step, _ = session.backprop_step("train" if args.row is None else args.row)
    print(format_step(session, step))
    if args.json:
        Path(args.json).write_text(json.dumps(step_to_json(step), indent=1))
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    session = Session(load_config(args.config))
    text = to_csv(session.dataset)
    if args.csv:
        Path(args.csv).write_text(text)
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m engine", description="Backprop Playground's JAX engine")
    sub = p.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train a config; write metrics.json and params.npz")
    t.add_argument("config")
    t.add_argument("--epochs", type=int, default=None, help="epochs to run (default: the config's, else 1000)")
    t.add_argument("--out", default="out", help="output folder")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(fn=cmd_train)
    b = sub.add_parser("backprop", help="print one explicit backprop step on the config's training rows")
    b.add_argument("config")
    b.add_argument("--json", help="also write every number to this JSON file")
    b.add_argument("--row", type=int, default=None, help="one point (index into the data) instead of all rows")
    b.set_defaults(fn=cmd_backprop)
    d = sub.add_parser("data", help="write the config's data set as CSV")
    d.add_argument("config")
    d.add_argument("--csv", help="file to write (default: standard output)")
    d.set_defaults(fn=cmd_data)
    args = p.parse_args(argv)
    epochs = getattr(args, "epochs", None)
    if epochs is not None and not 1 <= epochs <= limits.MAX_EPOCHS:
        print(f"config error: --epochs: must be between 1 and {limits.MAX_EPOCHS:,}, got {epochs:,}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        return args.fn(args)
    except ConfigError as e:
        print(f"config error: {e}", file=sys.stderr)
        return EXIT_CONFIG


if __name__ == "__main__":
    sys.exit(main())
