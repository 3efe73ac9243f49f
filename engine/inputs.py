"""From a config and its data set to the engine's inputs, and back: the static `Spec`, the traced `Hyper`, the
padded data, the initial weights and an exported run's optimiser state. Pure functions; the Session and the race
both build on them."""

from __future__ import annotations

import itertools
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from engine import limits
from engine.config import OPTIMIZERS, Config, ConfigError, Optimizer, check_features, check_output
from engine.data import Dataset
from engine.hyper import Hyper
from engine.losses import encode_targets, n_outputs
from engine.model import Params, init_params, layer_sizes
from engine.optim import schedule_numbers
from engine.penalty import penalty
from engine.programs import per_spec
from engine.spec import Spec
from engine.train import Data, TrainState


def default_features(dim: int) -> tuple[str, ...]:
    return ("x1", "x2") if dim == 2 else ("x1",)


def make_spec(cfg: Config, ds: Dataset) -> Spec:
    feats = cfg.features or default_features(ds.dim)
    check_features(feats, ds.dim)
    classes = ds.classes if ds.problem == "classification" else 0
    check_output(cfg, classes)
    loss, out_act = cfg.resolved_loss(max(classes, 2)), cfg.resolved_output(max(classes, 2))
    n_out = n_outputs(ds.problem, loss, out_act, classes, ds.n_targets)
    return Spec(
        problem=ds.problem,
        features=tuple(feats),
        sizes=tuple(layer_sizes(len(feats), cfg.hidden, n_out)),
        activation=cfg.activation,
        out_act=out_act,
        loss=loss,
        optimizers=(cfg.optimizer.name,),
        clip=cfg.clip_norm is not None,
        batch_size=cfg.batch_size,
        dropout=cfg.dropout > 0 and len(cfg.hidden) > 0,
    )


def optimizer_numbers(opt: Optimizer, spec: Spec) -> dict[str, jax.Array]:
    """Every optimiser number the program injects: the optimiser's own, else (a number of another racer's
    optimiser in a race's switch) the default of the first of the program's optimisers that has it."""
    own = dict(opt.hyper)
    defaults = {k: d for name in reversed(spec.optimizers) for k, (d, _, _) in OPTIMIZERS[name].items()}
    return {k: jnp.float32(own.get(k, defaults[k])) for k in spec.hyper_names}


def make_hyper(cfg: Config, spec: Spec, opt: Optimizer | None = None) -> Hyper:
    """The traced numbers of a config for a program of `spec`: its optimiser's (or, in a race, the racer `opt`'s)
    learning rate and own numbers, and the config's clipping norm, weight penalty and dropout rate."""
    opt = opt or cfg.optimizer
    return Hyper(
        learning_rate=jnp.float32(opt.learning_rate),
        schedule=schedule_numbers(cfg.schedule),
        optimizer=optimizer_numbers(opt, spec),
        clip_norm=jnp.float32(np.inf if cfg.clip_norm is None else cfg.clip_norm),
        penalty=penalty(*cfg.regularization),
        dropout=jnp.float32(cfg.dropout),
        member=jnp.float32(spec.optimizers.index(opt.name)),
    )


def steps_per_epoch(ds: Dataset, spec: Spec) -> int:
    """Mini-batch steps in one epoch over the training rows (1 for the full batch)."""
    n = int((~ds.test).sum())
    return max(1, -(-n // spec.batch_size)) if spec.batch_size else 1


def to_data(ds: Dataset, spec: Spec, test: bool) -> Data:
    """One part of the data set, padded to its size bucket."""
    x, y = ds.part(test)
    n = len(x)
    rows = limits.bucket(max(n, 1))
    xp = np.zeros((rows, ds.dim), np.float32)
    xp[:n] = x
    if spec.problem == "classification":
        labels = np.zeros(rows, np.int32)
        labels[:n] = y
        targets = encode_targets(labels, spec.sizes[-1], spec.out_act)
    else:
        labels = np.zeros(rows, np.int32)
        targets = np.zeros((rows, y.shape[1]), np.float32)
        targets[:n] = y
    return Data(jnp.asarray(xp), jnp.asarray(targets, jnp.float32), jnp.asarray(labels), jnp.int32(n))


# ---- weights and optimiser state: a document's, and back to one --------------------------------------------


def initial_params(cfg: Config, spec: Spec) -> Params:
    if cfg.params is not None:
        return explicit_params(cfg.params, spec.sizes)
    return _initial_weights(spec, jax.random.key(cfg.seed), scheme=cfg.init)


@per_spec("scheme")
def _initial_weights(spec: Spec, key: jax.Array, scheme: str) -> Params:
    """Seeded initial weights, one compiled program per spec (op by op, each new weight shape left a compiled
    `uniform` behind that no eviction reached)."""
    return init_params(key, list(spec.sizes), scheme)


def numeric_array(v: Any, path: str, shape: tuple[int, ...]) -> np.ndarray:
    """Nested lists of JSON numbers of exactly this shape (strings, booleans, ragged rows refused)."""
    try:
        a = np.asarray(v)
    except (ValueError, TypeError, OverflowError):
        raise ConfigError(f"{path}: must be numbers") from None
    if a.dtype.kind not in "iuf" or (a.dtype.kind == "f" and not np.isfinite(a).all()):
        raise ConfigError(f"{path}: must be finite numbers")
    if a.shape != shape:
        raise ConfigError(f"{path}: expected shape {shape}, got {a.shape}")
    if any(isinstance(e, bool) for e in np.asarray(v, dtype=object).ravel()):  # [[true], [0]] is an int array
        raise ConfigError("must be finite numbers", path=path)
    return a


def fitting_array(v: Any, path: str, like: jax.Array) -> np.ndarray:
    """`numeric_array` of `like`'s shape whose numbers its dtype holds as they are: whole numbers within range for
    an integer (a step count of 2⁴⁰ wrapped to 0, 2.5 was cut to 2), within float32's range for a float (1e39 was
    inf, then NaN on the next step)."""
    a = numeric_array(v, path, like.shape)
    dtype = np.dtype(like.dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        fits = bool((a == np.floor(a)).all() and (a >= info.min).all() and (a <= info.max).all())
    else:
        fits = bool(np.abs(a).max(initial=0) <= np.finfo(dtype).max)
    if not fits:
        raise ConfigError("must be {kind} numbers", path=path, kind=dtype.name)
    return a


def explicit_params(doc: dict, sizes: tuple[int, ...]) -> Params:
    """Validate {"W0": [[…]], "b0": […], …} against the layer sizes."""
    params = []
    for i, (m, n) in enumerate(itertools.pairwise(sizes)):
        for name, shape in ((f"W{i}", (m, n)), (f"b{i}", (n,))):
            if name not in doc:
                raise ConfigError(f"params.{name}: missing (the network has {len(sizes) - 1} layers)")
            a = numeric_array(doc[name], f"params.{name}", shape)
            if not np.isfinite(a).all() or np.abs(a).max(initial=0) > 3e38:
                raise ConfigError(f"params.{name}: must be finite float32 numbers")
        params.append((jnp.asarray(doc[f"W{i}"], jnp.float32), jnp.asarray(doc[f"b{i}"], jnp.float32)))
    extra = set(doc) - {f"{p}{i}" for i in range(len(sizes) - 1) for p in "Wb"}
    if extra:
        raise ConfigError(f"params.{sorted(extra)[0]}: no such layer")
    return params


def params_to_numpy(params: Params) -> dict[str, np.ndarray]:
    """The weights by the names a document gives them: W0, b0, W1, …"""
    out = {}
    for i, (W, b) in enumerate(params):
        out[f"W{i}"], out[f"b{i}"] = np.asarray(W), np.asarray(b)
    return out


def restore_state(state: TrainState, doc: dict) -> TrainState:
    """An exported run's optimiser state (Adam's moments, the step count, …) and shuffling key, checked
    against the fresh state of this network and optimiser: the run then goes on exactly as it would have."""
    leaves, tree = jax.tree.flatten(state.opt_state)
    saved = doc.get("optimizer", [])
    if len(saved) != len(leaves):
        raise ConfigError(f"train_state.optimizer: {len(saved)} arrays; this optimiser keeps {len(leaves)}")
    new = [
        jnp.asarray(fitting_array(v, f"train_state.optimizer[{i}]", leaf), leaf.dtype)
        for i, (v, leaf) in enumerate(zip(saved, leaves, strict=True))
    ]
    kd = jax.random.key_data(state.key)
    key = numeric_array(doc.get("key", []), "train_state.key", kd.shape)
    if (key < 0).any() or (key > 2**32 - 1).any() or (key != np.floor(key)).any():
        raise ConfigError("train_state.key: must be 32-bit unsigned integers")
    key = jax.random.wrap_key_data(jnp.asarray(key.astype(np.uint32)), impl=jax.random.key_impl(state.key))
    return state._replace(opt_state=jax.tree.unflatten(tree, new), key=key)


def export_state(state: TrainState) -> dict:
    """The optimiser state and shuffling key as a document's `train_state` (what `restore_state` reads)."""
    return {
        "optimizer": [np.asarray(leaf).tolist() for leaf in jax.tree.leaves(state.opt_state)],
        "key": np.asarray(jax.random.key_data(state.key)).tolist(),
    }
