"""A training session: a config, its data and its training state, stepped by the jitted engine.

This is the one stateful object; it only holds values and calls the pure functions of the other modules.
"""

from __future__ import annotations

import functools
import itertools
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np

from engine import limits
from engine.activations import output_activation
from engine.backprop import Step, explicit_step
from engine.config import Config, ConfigError, check_features, check_output
from engine.data import Dataset, load_dataset
from engine.features import apply_features
from engine.grid import grid_eval
from engine.losses import class_probabilities, encode_targets, n_outputs
from engine.metrics import classification_report, regression_report
from engine.model import Params, init_params, layer_sizes, logits
from engine.optim import hyperparams, schedule_factor, set_hyperparams
from engine.programs import per_spec
from engine.train import Data, Spec, TrainState, init_state, train_epochs

MAX_HISTORY = 100_000  # epochs of metrics kept; beyond that every other one is dropped


@dataclass(frozen=True)
class Divergence:
    epoch: int  # the epoch that went non-finite
    layer: int | None  # first layer whose W or b went non-finite; None: the loss itself

    def __str__(self) -> str:
        where = (
            "the loss" if self.layer is None else f"layer {self.layer} (W{self.layer}, b{self.layer} or its output z)"
        )
        return f"training diverged at epoch {self.epoch}: {where} went non-finite (NaN or Inf)"


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
        optimizer=cfg.optimizer.name,
        hyper_names=tuple(k for k, _ in cfg.optimizer.hyper),
        clip=cfg.clip_norm is not None,
        batch_size=cfg.batch_size,
        regularization=cfg.regularization[0] if cfg.regularization[1] > 0 else "none",
        dropout=cfg.dropout > 0 and len(cfg.hidden) > 0,
        schedule=cfg.schedule,
    )


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


def steps_per_epoch(ds: Dataset, spec: Spec) -> int:
    """Mini-batch steps in one epoch over the training rows (1 for the full batch)."""
    n = int((~ds.test).sum())
    return max(1, -(-n // spec.batch_size)) if spec.batch_size else 1


def numeric_array(v, path: str, shape: tuple[int, ...]) -> np.ndarray:
    """Nested lists of JSON numbers of exactly this shape (strings, booleans, ragged rows refused)."""
    try:
        a = np.asarray(v)
    except (ValueError, TypeError, OverflowError):
        raise ConfigError(f"{path}: must be numbers") from None
    if a.dtype.kind not in "iuf" or (a.dtype.kind == "f" and not np.isfinite(a).all()):
        raise ConfigError(f"{path}: must be finite numbers")
    if a.shape != shape:
        raise ConfigError(f"{path}: expected shape {shape}, got {a.shape}")
    return a


def restore_state(state: TrainState, doc: dict) -> TrainState:
    """An exported run's optimiser state (Adam's moments, the step count, …) and shuffling key, checked
    against the fresh state of this network and optimiser: the run then goes on exactly as it would have."""
    leaves, tree = jax.tree.flatten(state.opt_state)
    saved = doc.get("optimizer", [])
    if len(saved) != len(leaves):
        raise ConfigError(f"train_state.optimizer: {len(saved)} arrays; this optimiser keeps {len(leaves)}")
    new = [
        jnp.asarray(numeric_array(v, f"train_state.optimizer[{i}]", leaf.shape), leaf.dtype)
        for i, (v, leaf) in enumerate(zip(saved, leaves, strict=True))
    ]
    kd = jax.random.key_data(state.key)
    key = numeric_array(doc.get("key", []), "train_state.key", kd.shape)
    if (key < 0).any() or (key > 2**32 - 1).any():
        raise ConfigError("train_state.key: must be 32-bit unsigned integers")
    key = jax.random.wrap_key_data(jnp.asarray(key.astype(np.uint32)), impl=jax.random.key_impl(state.key))
    return state._replace(opt_state=jax.tree.unflatten(tree, new), key=key)


def export_state(state: TrainState) -> dict:
    return {
        "optimizer": [np.asarray(leaf).tolist() for leaf in jax.tree.leaves(state.opt_state)],
        "key": np.asarray(jax.random.key_data(state.key)).tolist(),
    }


def initial_params(cfg: Config, spec: Spec) -> Params:
    if cfg.params is not None:
        return explicit_params(cfg.params, spec.sizes)
    return _initial_weights(spec, jax.random.key(cfg.seed), scheme=cfg.init)


@per_spec("scheme")
def _initial_weights(spec: Spec, key: jax.Array, scheme: str) -> Params:
    """Seeded initial weights, one compiled program per spec (op by op, each new weight shape left a compiled
    `uniform` behind that no eviction reached)."""
    return init_params(key, list(spec.sizes), scheme)


def make_hyper(cfg: Config) -> dict:
    h = hyperparams(cfg.optimizer, cfg.clip_norm)
    h["reg_rate"] = jnp.float32(cfg.regularization[1])
    h["dropout"] = jnp.float32(cfg.dropout)
    return h


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


@per_spec("raw")
def outputs(spec: Spec, params: Params, x: jax.Array, raw: bool = False) -> jax.Array:
    """The network's outputs for raw inputs: class probabilities, or regression values; `raw`: the output
    activation's own values (a tanh or linear output unclipped: the scores a ROC curve ranks)."""
    a = output_activation(spec.out_act, logits(params, apply_features(spec.features, x), spec.activation))
    return class_probabilities(a, spec.out_act) if spec.problem == "classification" and not raw else a


def params_to_numpy(params: Params) -> dict[str, np.ndarray]:
    out = {}
    for i, (W, b) in enumerate(params):
        out[f"W{i}"], out[f"b{i}"] = np.asarray(W), np.asarray(b)
    return out


class History:
    """Per-epoch metrics, kept at a bounded size: past MAX_HISTORY epochs, every other record is dropped."""

    def __init__(self, cap: int = MAX_HISTORY):
        self.cap, self.stride = cap, 1
        self.data: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.data.get("epoch", ()))

    def extend(self, m: dict[str, np.ndarray]) -> None:
        keep = m["epoch"] % self.stride == 0
        for k, v in m.items():
            v = v[keep]
            self.data[k] = np.concatenate([self.data[k], v]) if k in self.data else v
        while len(self) > self.cap:
            self.stride *= 2
            keep = self.data["epoch"] % self.stride == 0
            self.data = {k: v[keep] for k, v in self.data.items()}

    def records(self) -> list[dict]:
        keys = list(self.data)
        return [{k: _jsonable(self.data[k][i]) for k in keys} for i in range(len(self))]


class Snapshots:
    """Weights at some epochs for the history scrubber, at most `cap` of them: when full, every other one is
    dropped and the spacing between kept epochs doubles (memory stays bounded, epoch 0 is always kept)."""

    def __init__(self, cap: int = limits.MAX_SNAPSHOTS):
        self.cap, self.stride = cap, 1
        self.items: list[tuple[int, Params]] = []

    def __len__(self) -> int:
        return len(self.items)

    @property
    def epochs(self) -> list[int]:
        return [e for e, _ in self.items]

    def add(self, epoch: int, params: Params) -> None:
        if self.items and epoch - self.items[-1][0] < self.stride:
            return
        self.items.append((epoch, params))
        while len(self.items) > self.cap:
            self.stride *= 2
            self.items = self.items[::2]

    def at(self, epoch: int) -> tuple[int, Params]:
        """The snapshot at or just before `epoch`."""
        best = self.items[0]
        for it in self.items:
            if it[0] <= epoch:
                best = it
        return best


def _jsonable(v):
    v = np.asarray(v)
    if v.ndim:
        return [_jsonable(x) for x in v]
    if v.dtype == bool:
        return bool(v)
    if np.issubdtype(v.dtype, np.integer):
        return int(v)
    f = float(v)
    return f if np.isfinite(f) else None


def _serialized(method):
    """Run one of the methods that change a Session under its lock: a web page may call them from two threads
    at once (Streamlit starts a new script run before the interrupted one has returned from the engine), and two
    `train` calls from the same state would both append epochs 1…n to the history."""

    @functools.wraps(method)
    def locked(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return locked


class Session:
    """Holds a config, its data set and training state; `train(n)` advances n epochs. Safe to share between
    threads: the methods that change it run one at a time."""

    def __init__(self, cfg: Config, dataset: Dataset | None = None):
        self._lock = threading.RLock()
        self.cfg = cfg
        self.dataset = dataset if dataset is not None else load_dataset(cfg)
        self.spec = make_spec(cfg, self.dataset)
        self.hyper = make_hyper(cfg)
        self.reset()

    # ---- state ----------------------------------------------------------------------------------
    @_serialized
    def reset(self) -> None:
        state = init_state(self.spec, initial_params(self.cfg, self.spec), self.hyper, self.cfg.seed)
        if self.cfg.train_state is not None:
            state = restore_state(state, self.cfg.train_state)
        self.state: TrainState = state._replace(epoch=jnp.int32(self.cfg.trained_epochs))
        self.initial_state = self.state
        self.history = History()
        self.snapshots = Snapshots()
        self.snapshots.add(self.epoch, self.state.params)
        self.divergence: Divergence | None = None
        self._load_arrays()

    def _load_arrays(self) -> None:
        self._train = to_data(self.dataset, self.spec, test=False)
        self._test = to_data(self.dataset, self.spec, test=True)

    @property
    def epoch(self) -> int:
        return int(self.state.epoch)

    @property
    def params(self) -> Params:
        return self.state.params

    @_serialized
    def set_params(self, params: Params) -> None:
        """Replace the weights (e.g. after an inspected step), keeping the optimiser state."""
        self.state = self.state._replace(params=[(jnp.asarray(W), jnp.asarray(b)) for W, b in params])

    @_serialized
    def set_hyper(self, cfg: Config) -> bool:
        """Take a config that differs only in traced numbers (learning rate, momentum, rates…): training goes
        on, after a divergence too (from the last finite state). Returns False (and changes nothing) when the
        change needs a new session."""
        try:
            spec = make_spec(cfg, self.dataset)
        except ConfigError:
            return False
        if spec != self.spec or cfg.init != self.cfg.init or cfg.seed != self.cfg.seed or cfg.hidden != self.cfg.hidden:
            return False
        if cfg != self.cfg:
            self.divergence = None  # new numbers: training may go on from the last finite state
        self.cfg, self.hyper = cfg, make_hyper(cfg)
        return True

    def set_learning_rate(self, lr: float) -> None:
        ok = self.set_hyper(self.cfg.with_learning_rate(lr))
        assert ok

    @_serialized
    def set_dataset(self, ds: Dataset) -> None:
        """New points (drawn, erased, uploaded): training goes on with them from the next epoch."""
        if ds.problem != self.dataset.problem or ds.dim != self.dataset.dim or ds.n_targets != self.dataset.n_targets:
            raise ValueError("the new data set has another shape of problem; start a new session")
        if ds.problem == "classification" and ds.classes != self.dataset.classes:
            raise ValueError("the new data set has another number of classes; start a new session")
        self.dataset = ds
        self._load_arrays()

    @property
    def steps_per_epoch(self) -> int:
        return steps_per_epoch(self.dataset, self.spec)

    @property
    def n_weights(self) -> int:
        return sum(int(np.prod(W.shape)) + int(np.prod(b.shape)) for W, b in self.params)

    def epochs_within_budget(self, n_epochs: int) -> int:
        """At most n_epochs, fewer where this network and data would cost one call more than a shared server
        allows (`limits.MAX_STEPS_PER_CALL`, `limits.MAX_POINT_WEIGHTS_PER_CALL`); at least 1."""
        n_train = max(1, int((~self.dataset.test).sum()))
        by_steps = limits.MAX_STEPS_PER_CALL // self.steps_per_epoch
        by_work = limits.MAX_POINT_WEIGHTS_PER_CALL // (n_train * self.n_weights)
        return max(1, min(int(n_epochs), by_steps, by_work))

    @property
    def has_training_rows(self) -> bool:
        return bool((~self.dataset.test).any())

    # ---- stepping -------------------------------------------------------------------------------
    @_serialized
    def train(self, n_epochs: int) -> dict[str, np.ndarray]:
        """Advance n epochs (split into compiled chunk sizes); returns the new epochs' metrics. Stops at
        the last finite state if training diverges (see `divergence`). With no training rows nothing happens
        (`has_training_rows`): the loss of no points is undefined, not a divergence."""
        if self.divergence is not None or n_epochs <= 0 or not self.has_training_rows:
            return {}
        chunks = []
        left = int(n_epochs)
        for size in limits.EPOCH_CHUNKS:
            while left >= size:
                start = self.epoch
                self.state, m = train_epochs(self.spec, size, self.state, self._train, self._test, self.hyper)
                m = jax.tree.map(np.asarray, m)
                m["epoch"] = start + 1 + np.arange(size)
                chunks.append(m)
                left -= size
                if not m["finite"].all():
                    i = int(np.argmin(m["finite"]))
                    bad = int(m["bad_layer"][i])
                    self.divergence = Divergence(start + i + 1, None if bad >= self.spec.n_layers else bad)
                    chunks[-1] = {k: v[:i] for k, v in m.items()}
                    left = 0
                    break
        out = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]} if chunks else {}
        if out and len(out["epoch"]):
            self.history.extend({k: v for k, v in out.items() if k not in ("finite", "bad_layer")})
            self.snapshots.add(self.epoch, self.params)
        return out

    # ---- looking at it --------------------------------------------------------------------------
    def features(self, x: np.ndarray) -> jnp.ndarray:
        return apply_features(self.spec.features, jnp.asarray(x, jnp.float32))

    def predict(self, x: np.ndarray, raw: bool = False) -> np.ndarray:
        """Outputs for raw inputs: (n, k) class probabilities, or (n, m) regression values (rows padded to a
        size bucket, so that a new point compiles nothing); `raw`: the output activation's values."""
        x = np.asarray(x, np.float32)
        n = len(x)
        padded = np.zeros((limits.bucket(max(n, 1)), x.shape[1]), np.float32)
        padded[:n] = x
        return np.asarray(outputs(self.spec, self.params, padded, raw=raw))[:n]

    def grid(
        self, g: int = 100, bounds: tuple[float, float, float, float] | None = None, params: Params | None = None
    ) -> dict:
        """Output and every hidden neuron's activation on a g×g grid (of the current or of given weights)."""
        b = jnp.asarray(bounds or self.dataset.bounds(), jnp.float32)
        out = grid_eval(self.spec, self.params if params is None else params, b, g, self.dataset.dim)
        return {"output": np.asarray(out["output"]), "hidden": [np.asarray(h) for h in out["hidden"]]}

    def rows(self, which: str | int = "train") -> tuple[np.ndarray, np.ndarray]:
        """Raw inputs and encoded targets of the training rows ("train"), or of one point by index."""
        if which == "train":
            x, y = self.dataset.part(False)
        else:
            i = int(which)
            x, y = self.dataset.x[i : i + 1], self.dataset.y[i : i + 1]
        if self.spec.problem == "classification":
            return x, np.asarray(encode_targets(y, self.spec.sizes[-1], self.spec.out_act))
        return x, y

    def current_optimizer_state(self):
        """The optimiser state with this epoch's (scheduled) hyper-parameters set, as a training step sees it."""
        lr = self.hyper["learning_rate"] * schedule_factor(self.spec.schedule)(self.state.epoch)
        hyper = {k: v for k, v in self.hyper.items() if k not in ("reg_rate", "dropout")}
        return set_hyperparams(self.state.opt_state, {**hyper, "learning_rate": lr})

    def backprop_step(self, which: str | int = "train") -> tuple[Step, object]:
        """One explicit backprop step on the training rows or one point, with the session's optimiser."""
        x, y = self.rows(which)
        return explicit_step(
            self.spec,
            self.params,
            self.features(x),
            y,
            self.spec.optimizer_tx(),
            self.current_optimizer_state(),
            float(self.hyper["reg_rate"]),
        )

    @_serialized
    def apply_step(self, step: Step, opt_state) -> None:
        """Make an inspected step real: its new weights and optimiser state become the session's."""
        self.set_params(step.new_params)
        self.state = self.state._replace(opt_state=opt_state)

    def report(self, test: bool = True) -> dict:
        x, y = self.dataset.part(test)
        if len(x) == 0:
            return {}
        p = self.predict(x)
        if self.spec.problem == "classification":
            # ROC AUC ranks the network's own scores: clipped to [0, 1], a tanh or linear output made ties
            scores = self.predict(x, raw=True)[:, 0] if self.spec.sizes[-1] == 1 else None
            return classification_report(y, p, self.dataset.classes, scores)
        return regression_report(y, p)

    def export(self) -> dict:
        """The full state as the engine's config document: config, the points, and the current weights."""
        d = self.cfg.to_dict()
        ds = self.dataset
        d["data"] = {
            "x": ds.x.tolist(),
            "y": ds.y.tolist() if ds.problem == "regression" else ds.y.astype(int).tolist(),
        }
        if ds.problem == "classification":
            d["data"]["classes"] = ds.classes
        d["data"]["test"] = ds.test.astype(int).tolist()  # the split itself, not only its share
        d["test_fraction"] = round(float(ds.test.mean()), 4) if ds.n else 0.0
        d["features"] = list(self.spec.features)
        d["params"] = {k: v.tolist() for k, v in params_to_numpy(self.params).items()}
        d["trained_epochs"] = self.epoch
        d["train_state"] = export_state(self.state)
        return d


def save_params(path: Path, params: Params) -> None:
    np.savez(path, **params_to_numpy(params))


def write_metrics(path: Path, history: History, problem: str) -> None:
    """metrics.json: one record per epoch; scores are named accuracy (classification) or r2 (regression)."""
    name = "accuracy" if problem == "classification" else "r2"
    recs = history.records()
    for r in recs:
        for part in ("train", "test"):
            r[f"{part}_{name}"] = r.pop(f"{part}_score")
    path.write_text(json.dumps(recs))
