"""Training: one jitted call runs N epochs with `lax.scan` and returns per-epoch metrics.

Data arrive padded to a size bucket with a row count `n`, and every number a user may turn while training
(learning rate and the optimiser's other hyper-parameters, the weight penalty's kind and rate, dropout rate,
clipping norm) is a traced input, one `Hyper` record. So adding a point or changing the learning rate reuses the
compiled program and keeps the training state. `Spec` holds what does change the program: the architecture, the
loss, the batch size…

Speed (tiny networks on CPU, where per-kernel overhead dominates, see the README): each epoch's steps are one
fixed-length `lax.scan` unrolled by 2 whose padding steps come first and are skipped by `lax.cond`; the shuffle
is one sort of packed uint32 keys; the end-of-epoch evaluation is one points-last forward pass over the real
rows of both parts. The per-layer gradient norms and update ratios are those of the epoch's last step (the
step is peeled out of the scan), not averages over the epoch's steps.
"""

from __future__ import annotations

from functools import partial
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax
from jax import Array, lax

from engine.activations import output_activation
from engine.features import apply_features
from engine.hyper import Hyper
from engine.losses import class_probabilities, data_loss, per_sample
from engine.model import Params, forward_points_last, forward_trace, logits
from engine.optim import fill_accumulators, scheduled_factor, set_hyperparams
from engine.penalty import penalty_loss
from engine.programs import per_spec
from engine.spec import Spec


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


@per_spec()
def init_state(spec: Spec, params: Params, hyper: Hyper, seed: int) -> TrainState:
    """The optimiser's state for these weights, a PRNG key from the seed, epoch 0 (one compiled program per
    spec, so that a new network leaves no per-shape operations behind)."""
    tx = spec.optimizer_tx()
    opt_state = set_hyperparams(tx.init(params), hyper.injected(spec, hyper.learning_rate))
    opt_state = fill_accumulators(opt_state, hyper.optimizer)
    return TrainState(params, opt_state, jax.random.key(seed), jnp.int32(0))


def scheduled_learning_rate(spec: Spec, hyper: Hyper, epoch: Array) -> Array:
    """The learning rate of an epoch: the base rate scaled by the schedule."""
    return hyper.learning_rate * scheduled_factor(hyper.schedule, epoch)


def scheduled_optimizer_state(spec: Spec, opt_state: Any, hyper: Hyper, epoch: Array) -> Any:
    """The optimiser state with an epoch's numbers set, as every step of that epoch (and the step inspector) sees
    it."""
    return set_hyperparams(opt_state, hyper.injected(spec, scheduled_learning_rate(spec, hyper, epoch)))


def _layer_norms(tree: Params) -> tuple[Array, Array]:
    """Per-layer L2 norms of W and of b, as two (L,) vectors."""
    return (
        jnp.stack([jnp.sqrt((W**2).sum()) for W, _ in tree]),
        jnp.stack([jnp.sqrt((b**2).sum()) for _, b in tree]),
    )


def evaluate(spec: Spec, params: Params, feats: Array, data: Data) -> dict[str, Array]:
    """Data loss and accuracy (classification) or R² (regression) over the n real rows (training evaluates
    both parts at once with `_evaluate_both`; this is its per-part definition, which the tests compare it to)."""
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


def _sizes(total: int, parts: int = 2, align: int = 8) -> tuple[int, ...]:
    """The static sizes a traced row count is rounded up to: half of `total` (aligned) and all of it. Each size
    is one more branch to compile; quarters cost about 0.4 s more compile time for a rarer gain."""
    return tuple(sorted({min(total, -(-total * k // (parts * align)) * align) for k in range(1, parts + 1)}))


def _at_size(n: Array, sizes: tuple[int, ...], fn):
    """fn(size) for the smallest of the static sizes that holds n rows: a `lax.switch`, so only that branch
    runs. The buckets are 4× apart, so up to three quarters of a bucket can be padding: work on whole data sets
    (the shuffle, the end-of-epoch evaluation) is done on the part that holds the real rows."""
    if len(sizes) == 1:
        return fn(sizes[0])
    return lax.switch(jnp.sum(n > jnp.asarray(sizes[:-1])), [partial(fn, k) for k in sizes])


def _hash32(x: Array) -> Array:
    """A bijective 32-bit integer mix (lowbias32 by C. Wellons)."""
    x = (x ^ (x >> 16)) * jnp.uint32(0x7FEB352D)
    x = (x ^ (x >> 15)) * jnp.uint32(0x846CA68B)
    return x ^ (x >> 16)


def _shuffle(key: Array, n: Array, rows: int) -> Array:
    """A random order of rows 0…rows−1 with the n real ones first, from one sort of packed uint32 keys: random
    high bits (the row index hashed with the key's 64 bits), a "padded row" flag in the top bit, and the row
    index in the low bits, read back after the sort. One single-operand sort is 4× cheaper than `argsort` of
    random floats. Rows whose random bits tie keep their index order (rare: 22 random bits at 512 rows)."""
    ib = max(1, (rows - 1).bit_length())
    low = (1 << ib) - 1
    ar = jnp.arange(rows, dtype=jnp.uint32)
    kd = jax.random.key_data(key).ravel().astype(jnp.uint32)
    bits = _hash32(_hash32(ar ^ kd[0]) + kd[-1])
    pad = jnp.where(ar < n.astype(jnp.uint32), jnp.uint32(0), jnp.uint32(1 << 31))
    r = (bits & jnp.uint32(((1 << 31) - 1) & ~low)) | pad | ar
    return (jnp.sort(r) & jnp.uint32(low)).astype(jnp.int32)


class _Rows(NamedTuple):
    """Both parts of the data for the end-of-epoch evaluation, packed: the train part's n real rows, then the test
    part's, then padding. Features are points-last, (d, R)."""

    xt: Array
    y: Array
    labels: Array
    w_train: Array  # (R,) 1 on the train rows
    w_test: Array
    ss_tot: Array  # (2,) Σ‖y − ȳ‖² of each part (regression's R²)


def _pack(feats: Array, train: Data, feats_test: Array, test: Data) -> _Rows:
    r = feats.shape[0]
    j = jnp.arange(r + feats_test.shape[0])
    end = train.n + test.n
    src = jnp.where(j < train.n, j, jnp.where(j < end, r + j - train.n, 0))
    w_train = (j < train.n).astype(jnp.float32)
    w_test = ((j >= train.n) & (j < end)).astype(jnp.float32)
    y = jnp.concatenate([train.y, test.y])[src]
    ss_tot = []
    for w in (w_train, w_test):
        mean = (y * w[:, None]).sum(0) / jnp.maximum(w.sum(), 1.0)
        ss_tot.append((((y - mean) ** 2) * w[:, None]).sum())
    return _Rows(
        jnp.concatenate([feats, feats_test])[src].T,
        y,
        jnp.concatenate([train.labels, test.labels])[src],
        w_train,
        w_test,
        jnp.stack(ss_tot),
    )


def _evaluate_both(spec: Spec, params: Params, rows: _Rows, train: Data, test: Data) -> tuple[dict, dict]:
    """`evaluate` of the train and the test part in one forward pass over only the real rows (rounded up to a
    half of the two buckets). z_finite looks at the train rows only."""

    def sums(size):
        zs, _ = forward_points_last(params, rows.xt[:, :size], spec.activation)
        z, y, w_tr, w_te = zs[-1].T, rows.y[:size], rows.w_train[:size], rows.w_test[:size]
        ell = per_sample(spec.loss, z, y, spec.out_act)
        a = output_activation(spec.out_act, z)
        if spec.problem == "classification":
            hit = (class_probabilities(a, spec.out_act).argmax(-1) == rows.labels[:size]).astype(jnp.float32)
        else:
            hit = ((a - y) ** 2).sum(-1)
        z_ok = jnp.stack([jnp.where(w_tr > 0, jnp.isfinite(z).all(0), True).all() for z in zs])
        # where, not a product: an infinite loss on a row of the other part must not turn this sum into NaN
        totals = [jnp.where(w > 0, v, 0.0).sum() for v in (ell, hit) for w in (w_tr, w_te)]
        return jnp.stack(totals), z_ok

    s, z_ok = _at_size(train.n + test.n, _sizes(rows.y.shape[0]), sums)
    nan = jnp.float32(jnp.nan)
    out = []
    for i, part in enumerate((train, test)):
        k = jnp.maximum(part.n, 1).astype(jnp.float32)
        if spec.problem == "classification":
            score = s[2 + i] / k
        else:
            t = rows.ss_tot[i]
            score = jnp.where(t > 1e-12, 1.0 - s[2 + i] / jnp.maximum(t, 1e-12), jnp.nan)
        some = part.n > 0
        out.append({"loss": jnp.where(some, s[i] / k, nan), "score": jnp.where(some, score, nan), "z_finite": z_ok})
    return out[0], out[1]


def _batches(spec: Spec, key: Array, n: Array, rows: int) -> tuple[Array, Array, Array]:
    """Row indices (steps, bs) and 0/1 weights of this epoch's mini-batches, and the first real step.

    The bucket has room for `steps` batches but n rows fill only ceil(n/bs) of them: the padding steps come
    first (weights all 0) and the real ones last, so the epoch's last step is always a real one. The n rows of a
    fresh shuffle fill the last n slots: only the first real batch can be partial, and the last one, whose
    gradient the epoch's metrics report, is full whenever n ≥ bs (not a lone leftover point)."""
    bs = min(spec.batch_size or rows, rows)
    steps = -(-rows // bs)
    first = steps - jnp.maximum((n + bs - 1) // bs, 1)
    if steps == 1:  # full batch: the rows in their order (it does not change the mean gradient)
        return jnp.arange(rows).reshape(1, rows), (jnp.arange(rows) < n).astype(jnp.float32).reshape(1, rows), first
    pos = jnp.arange(steps * bs) - (steps * bs - n)
    w = (pos >= 0).astype(jnp.float32).reshape(steps, bs)  # pos < n always: the rows fill the last slots
    idx = _at_size(n, _sizes(rows), lambda size: _shuffle(key, n, size)[jnp.clip(pos, 0, size - 1)])
    return idx.reshape(steps, bs), w, first


def _train_epoch(spec: Spec, tx, state: TrainState, feats: Array, data: Data, hyper: Hyper):
    """One epoch of mini-batch steps; returns the new state and the gradient / update sizes of its last (full)
    step.

    The steps run in a fixed-length `lax.scan` (unrolled by 2) over every batch slot of the size bucket; the
    padding slots come first and `lax.cond` skips them, which is exact for every optimiser. The last step is
    always real, so it is taken out of the scan and its gradients and updates give the epoch's metrics."""
    lr = scheduled_learning_rate(spec, hyper, state.epoch)
    opt_state = set_hyperparams(state.opt_state, hyper.injected(spec, lr))
    key, k_perm, k_drop = jax.random.split(state.key, 3)
    idx, w, first = _batches(spec, k_perm, data.n, feats.shape[0])
    xs, ys = feats[idx], data.y[idx]
    steps = idx.shape[0]
    L = spec.n_layers

    def objective(params, xb, yb, wb, masks):
        z = logits(params, xb, spec.activation, masks)
        return data_loss(spec.loss, z, yb, spec.out_act, wb) + penalty_loss(params, hyper.penalty)

    def step(params, opt_state, i, xb, yb, wb):
        masks = None
        if spec.dropout:
            keep = 1.0 - hyper.dropout
            ks = jax.random.split(jax.random.fold_in(k_drop, i), L - 1)
            masks = [
                jax.random.bernoulli(k, keep, (xb.shape[0], width)) / keep
                for k, width in zip(ks, spec.sizes[1:-1], strict=True)
            ]
        grads = jax.grad(objective)(params, xb, yb, wb, masks)
        updates, opt_state = tx.update(grads, opt_state, params)
        return optax.apply_updates(params, updates), opt_state, grads, updates

    def body(carry, inp):
        i, xb, yb, wb = inp
        return lax.cond(i >= first, lambda c: step(*c, i, xb, yb, wb)[:2], lambda c: c, carry), None

    params, opt_state = state.params, opt_state
    if steps > 1:
        inputs = (jnp.arange(steps - 1), xs[:-1], ys[:-1], w[:-1])
        (params, opt_state), _ = lax.scan(body, (params, opt_state), inputs, unroll=2)
    new, opt_state, grads, updates = step(params, opt_state, steps - 1, xs[-1], ys[-1], w[-1])
    gW, gb = _layer_norms(grads)
    uW, _ = _layer_norms(updates)
    pW, _ = _layer_norms(params)
    return TrainState(new, opt_state, key, state.epoch + 1), {
        "grad_norm": gW,
        "grad_norm_b": gb,
        "update_ratio": uW / jnp.maximum(pW, 1e-12),
        "learning_rate": lr,
    }


def _all_finite(params: Params) -> Array:
    """(L,) bool: layer l's W and b are all finite."""
    return jnp.stack([jnp.isfinite(W).all() & jnp.isfinite(b).all() for W, b in params])


@per_spec("n_epochs")
def train_epochs(
    spec: Spec, n_epochs: int, state: TrainState, train: Data, test: Data, hyper: Hyper
) -> tuple[TrainState, dict[str, Array]]:
    """Run n_epochs epochs. Metrics come back stacked per epoch: the train / test loss and score and the
    regularisation loss of the end-of-epoch weights, per-layer `weight_norm`; per-layer `grad_norm`,
    `grad_norm_b` and `update_ratio` (‖ΔW‖ / ‖W‖) of the epoch's last mini-batch step; the learning rate used.
    When an epoch leaves a non-finite loss or parameter, the state stays at the last finite one, later epochs
    do nothing, and `finite` marks it (`bad_layer`: the first layer whose weights, else whose outputs z on the
    training rows, went non-finite; L: only the loss did). vmaps over the state and `hyper` (the race)."""
    tx = spec.optimizer_tx()
    feats = apply_features(spec.features, train.x)
    feats_test = apply_features(spec.features, test.x)
    rows = _pack(feats, train, feats_test, test)
    L = spec.n_layers

    def epoch(carry, _):
        state, alive = carry

        def run(state):
            new, m = _train_epoch(spec, tx, state, feats, train, hyper)
            tr, te = _evaluate_both(spec, new.params, rows, train, test)
            reg = penalty_loss(new.params, hyper.penalty)
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
