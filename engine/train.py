"""Training: one jitted call runs N epochs with `lax.scan` and returns per-epoch metrics.

Data arrive padded to a size bucket with a row count `n`, and every number a user may turn while training
(learning rate and the optimiser's other hyper-parameters, regularisation rate, dropout rate, clipping norm)
is a traced input. So adding a point or changing the learning rate reuses the compiled program and keeps the
training state. `Spec` holds what does change the program: the architecture, the loss, the batch size…
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax import Array, lax

from engine.config import Optimizer, Schedule
from engine.features import apply_features
from engine.losses import class_probabilities, data_loss
from engine.model import Params, forward_trace, logits
from engine.optim import make_optimizer, schedule_factor, set_hyperparams


class Spec(NamedTuple):
    """The static part of a configuration: changing any of these compiles a new program."""

    problem: str
    features: tuple[str, ...]
    sizes: tuple[int, ...]
    activation: str
    out_act: str
    loss: str
    optimizer: str
    hyper_names: tuple[str, ...]
    clip: bool
    batch_size: int | None
    regularization: str
    dropout: bool
    schedule: Schedule

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def optimizer_tx(self) -> optax.GradientTransformation:
        # The numbers here are placeholders: every call sets the injected hyper-parameters from its inputs.
        opt = Optimizer(self.optimizer, 0.1, tuple((k, 0.5) for k in self.hyper_names))
        return make_optimizer(opt, 1.0 if self.clip else None)


class TrainState(NamedTuple):
    params: Params
    opt_state: Any
    key: Array
    epoch: Array  # int32: epochs completed


class Data(NamedTuple):
    """Padded arrays: raw inputs x (B, d), targets y (B, m), class labels (B,), and the true row count n."""

    x: Array
    y: Array
    labels: Array
    n: Array


def regularization_loss(kind: str, params: Params, rate: Array) -> Array:
    """rate·Σ|W| (l1) or rate·½ΣW² (l2) over the weights, not the biases."""
    if kind == "l1":
        return rate * sum(jnp.abs(W).sum() for W, _ in params)
    if kind == "l2":
        return rate * 0.5 * sum((W**2).sum() for W, _ in params)
    return jnp.float32(0.0)


def init_state(spec: Spec, params: Params, hyper: dict[str, Array], seed: int) -> TrainState:
    tx = spec.optimizer_tx()
    opt_state = set_hyperparams(tx.init(params), _optimizer_hyper(hyper))
    return TrainState(params, opt_state, jax.random.key(seed), jnp.int32(0))


def _optimizer_hyper(hyper: dict[str, Array]) -> dict[str, Array]:
    return {k: v for k, v in hyper.items() if k not in ("reg_rate", "dropout")}


def _layer_norms(tree: Params) -> tuple[Array, Array]:
    """Per-layer L2 norms of W and of b, as two (L,) vectors."""
    return (
        jnp.stack([jnp.sqrt((W**2).sum()) for W, _ in tree]),
        jnp.stack([jnp.sqrt((b**2).sum()) for _, b in tree]),
    )


def evaluate(spec: Spec, params: Params, feats: Array, data: Data) -> dict[str, Array]:
    """Data loss and accuracy (classification) or R² (regression) over the n real rows."""
    w = (jnp.arange(feats.shape[0]) < data.n).astype(jnp.float32)
    zs, acts = forward_trace(params, feats, spec.activation, spec.out_act)
    z, a = zs[-1], acts[-1]
    loss = data_loss(spec.loss, z, data.y, spec.out_act, w)
    some = data.n > 0
    nan = jnp.float32(jnp.nan)
    if spec.problem == "classification":
        pred = class_probabilities(a, spec.out_act).argmax(-1)
        score = ((pred == data.labels) * w).sum() / jnp.maximum(w.sum(), 1.0)
    else:
        mean = (data.y * w[:, None]).sum(0) / jnp.maximum(w.sum(), 1.0)
        ss_res = (((a - data.y) ** 2) * w[:, None]).sum()
        ss_tot = (((data.y - mean) ** 2) * w[:, None]).sum()
        score = jnp.where(ss_tot > 1e-12, 1.0 - ss_res / jnp.maximum(ss_tot, 1e-12), jnp.nan)
    return {
        "loss": jnp.where(some, loss, nan),
        "score": jnp.where(some, score, nan),
        "z_finite": jnp.stack([jnp.isfinite(z).all() for z in zs]),
    }


def _batches(spec: Spec, key: Array, n: Array, rows: int) -> tuple[Array, Array, Array]:
    """Row indices (steps, bs) and 0/1 weights of this epoch's mini-batches, reshuffled, padded rows last."""
    bs = spec.batch_size or rows
    steps = -(-rows // bs)
    pos = jnp.arange(steps * bs)
    if spec.batch_size is None:
        perm = jnp.arange(rows)
    else:
        r = jnp.where(jnp.arange(rows) < n, jax.random.uniform(key, (rows,)), 2.0)
        perm = jnp.argsort(r)
    idx = perm[jnp.minimum(pos, rows - 1)].reshape(steps, bs)
    w = (pos < n).astype(jnp.float32).reshape(steps, bs)
    return idx, w, jnp.maximum((n + bs - 1) // bs, 1)


def _train_epoch(spec: Spec, tx, state: TrainState, feats: Array, data: Data, hyper: dict[str, Array]):
    """One epoch of mini-batch steps; returns the new state and the epoch's mean gradient / update sizes."""
    lr = hyper["learning_rate"] * schedule_factor(spec.schedule)(state.epoch)
    opt_state = set_hyperparams(state.opt_state, {**_optimizer_hyper(hyper), "learning_rate": lr})
    key, k_perm, k_drop = jax.random.split(state.key, 3)
    idx, w, n_steps = _batches(spec, k_perm, data.n, feats.shape[0])
    L = spec.n_layers

    def objective(params, xb, yb, wb, masks):
        z = logits(params, xb, spec.activation, masks)
        return data_loss(spec.loss, z, yb, spec.out_act, wb) + regularization_loss(
            spec.regularization, params, hyper["reg_rate"]
        )

    def step(i, carry):
        params, opt_state, g_acc, gb_acc, r_acc = carry
        rows, wb = idx[i], w[i]
        masks = None
        if spec.dropout:
            keep = 1.0 - hyper["dropout"]
            ks = jax.random.split(jax.random.fold_in(k_drop, i), L - 1)
            masks = [
                jax.random.bernoulli(k, keep, (rows.shape[0], width)) / keep
                for k, width in zip(ks, spec.sizes[1:-1], strict=True)
            ]
        grads = jax.grad(objective)(params, feats[rows], data.y[rows], wb, masks)
        updates, opt_state = tx.update(grads, opt_state, params)
        new = optax.apply_updates(params, updates)
        gW, gb = _layer_norms(grads)
        uW, _ = _layer_norms(updates)
        pW, _ = _layer_norms(params)
        return new, opt_state, g_acc + gW, gb_acc + gb, r_acc + uW / jnp.maximum(pW, 1e-12)

    zeros = jnp.zeros(L)
    params, opt_state, g, gb, r = lax.fori_loop(0, n_steps, step, (state.params, opt_state, zeros, zeros, zeros))
    k = n_steps.astype(jnp.float32)
    return TrainState(params, opt_state, key, state.epoch + 1), {
        "grad_norm": g / k,
        "grad_norm_b": gb / k,
        "update_ratio": r / k,
        "learning_rate": lr,
    }


def _all_finite(params: Params) -> Array:
    """(L,) bool: layer l's W and b are all finite."""
    return jnp.stack([jnp.isfinite(W).all() & jnp.isfinite(b).all() for W, b in params])


@partial(jax.jit, static_argnames=("spec", "n_epochs"))
def train_epochs(
    spec: Spec, n_epochs: int, state: TrainState, train: Data, test: Data, hyper: dict[str, Array]
) -> tuple[TrainState, dict[str, Array]]:
    """Run n_epochs epochs. Metrics come back stacked per epoch. When an epoch leaves a non-finite loss or
    parameter, the state stays at the last finite one, later epochs do nothing, and `finite` marks it."""
    tx = spec.optimizer_tx()
    feats = apply_features(spec.features, train.x)
    feats_test = apply_features(spec.features, test.x)
    L = spec.n_layers

    def epoch(carry, _):
        state, alive = carry

        def run(state):
            new, m = _train_epoch(spec, tx, state, feats, train, hyper)
            tr = evaluate(spec, new.params, feats, train)
            te = evaluate(spec, new.params, feats_test, test)
            reg = regularization_loss(spec.regularization, new.params, hyper["reg_rate"])
            layer_ok = _all_finite(new.params)
            ok = layer_ok.all() & jnp.isfinite(tr["loss"]) & jnp.isfinite(reg)
            # the first layer whose weights, else whose outputs z, went non-finite; L: only the loss did
            bad = jnp.where(
                layer_ok.all(), jnp.where(tr["z_finite"].all(), L, jnp.argmin(tr["z_finite"])), jnp.argmin(layer_ok)
            )
            wn, _ = _layer_norms(new.params)
            m = {
                **m,
                "train_loss": tr["loss"],
                "test_loss": te["loss"],
                "train_score": tr["score"],
                "test_score": te["score"],
                "reg_loss": reg,
                "weight_norm": wn,
                "finite": ok,
                "bad_layer": jnp.where(ok, -1, bad),
            }
            kept = jax.tree.map(lambda a, b: jnp.where(ok, a, b), new, state)
            return kept, ok, m

        def skip(state):
            nan, nanL = jnp.float32(jnp.nan), jnp.full(L, jnp.nan)
            m = dict.fromkeys(
                ("train_loss", "test_loss", "train_score", "test_score", "reg_loss", "learning_rate"), nan
            )
            m |= dict.fromkeys(("grad_norm", "grad_norm_b", "update_ratio", "weight_norm"), nanL)
            return state, jnp.bool_(False), {**m, "finite": jnp.bool_(False), "bad_layer": jnp.int32(-2)}

        state, ok, m = lax.cond(alive, run, skip, state)
        return (state, alive & ok), m

    (state, _), metrics = lax.scan(epoch, (state, jnp.bool_(True)), None, length=n_epochs)
    return state, metrics
