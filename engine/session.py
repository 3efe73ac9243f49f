"""A training session: a config, its data and its training state, stepped by the jitted engine.

This is the one stateful object; it only holds values and calls the pure functions of the other modules.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass

import jax
import jax.numpy as jnp
import numpy as np

from engine import limits
from engine.activations import output_activation
from engine.backprop import Step, explicit_step
from engine.config import Config, ConfigError
from engine.data import Dataset, load_dataset
from engine.features import apply_features
from engine.grid import grid_eval
from engine.history import History, Snapshots
from engine.inputs import (
    export_state,
    initial_params,
    make_hyper,
    make_spec,
    params_to_numpy,
    restore_state,
    steps_per_epoch,
    to_data,
)
from engine.losses import class_probabilities, encode_targets
from engine.metrics import classification_report, regression_report
from engine.model import Params, logits
from engine.programs import per_spec
from engine.spec import Spec
from engine.train import TrainState, init_state, scheduled_optimizer_state, train_epochs


def split_epochs(n_epochs: int) -> list[int]:
    """n epochs as compiled chunk sizes, largest first (limits.EPOCH_CHUNKS)."""
    sizes = []
    for size in limits.EPOCH_CHUNKS:
        k, n_epochs = divmod(n_epochs, size)
        sizes += [size] * k
    return sizes


@dataclass(frozen=True)
class Divergence:
    epoch: int  # the epoch that went non-finite
    layer: int | None  # first layer whose W or b went non-finite; None: the loss itself

    def __str__(self) -> str:
        where = (
            "the loss" if self.layer is None else f"layer {self.layer} (W{self.layer}, b{self.layer} or its output z)"
        )
        return f"training diverged at epoch {self.epoch}: {where} went non-finite (NaN or Inf)"


@per_spec("raw")
def outputs(spec: Spec, params: Params, x: jax.Array, raw: bool = False) -> jax.Array:
    """The network's outputs for raw inputs: class probabilities, or regression values; `raw`: the output
    activation's own values (a tanh or linear output unclipped: the scores a ROC curve ranks)."""
    a = output_activation(spec.out_act, logits(params, apply_features(spec.features, x), spec.activation))
    return class_probabilities(a, spec.out_act) if spec.problem == "classification" and not raw else a


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
        self.spec: Spec = make_spec(cfg, self.dataset)
        self.hyper = make_hyper(cfg, self.spec)
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
        self.inspected_steps = 0  # steps applied from the step inspector: in the weights, not in the epoch count
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
        """Take a config that differs only in traced numbers (learning rate, momentum, the weight penalty's kind
        and rate…): training goes on, after a divergence too (from the last finite state). Returns False (and
        changes nothing) when the change needs a new session."""
        try:
            spec = make_spec(cfg, self.dataset)
        except ConfigError:
            return False
        if spec != self.spec or cfg.init != self.cfg.init or cfg.seed != self.cfg.seed or cfg.hidden != self.cfg.hidden:
            return False
        if cfg != self.cfg:
            self.divergence = None  # new numbers: training may go on from the last finite state
        self.cfg, self.hyper = cfg, make_hyper(cfg, spec)
        return True

    @_serialized
    def go_on(self, cfg: Config) -> bool:
        """Take a config whose weights mean what they meant (same layers, features, activation, initialiser and
        seed) but that needs another program: a new batch size, loss or output activation, dropout or clipping
        switched on or off, another optimiser. Training goes on from the same weights, epoch and shuffling key;
        the optimiser keeps its state where its structure allows (clipping on or off keeps the optimiser's own
        memory, another optimiser starts its memory afresh). Returns False (and changes nothing) otherwise."""
        same_net = ("hidden", "features", "activation", "init", "seed")
        if any(getattr(cfg, k) != getattr(self.cfg, k) for k in same_net) or cfg.data != self.cfg.data:
            return False
        try:
            spec = make_spec(cfg, self.dataset)
        except ConfigError:
            return False
        if spec.sizes != self.spec.sizes:
            return False
        hyper = make_hyper(cfg, spec)
        fresh = init_state(spec, self.params, hyper, cfg.seed).opt_state
        old = self.state.opt_state
        if spec.optimizers == self.spec.optimizers and spec.clip == self.spec.clip:
            opt_state = old
        elif spec.optimizers == self.spec.optimizers:  # clipping on: (clip, optimiser); off: the optimiser alone
            opt_state = (fresh[0], old) if spec.clip else old[1]
        else:
            opt_state = fresh
        self.cfg, self.spec, self.hyper = cfg, spec, hyper
        self.state = self.state._replace(opt_state=opt_state)
        self.divergence = None
        self._load_arrays()
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
        # Every chunk is dispatched before any metric is read back (one transfer, no wait between chunks). The
        # chunks after one that diverged are dropped: the state stays the diverged chunk's (its last finite one),
        # as if they had never run.
        sizes = split_epochs(int(n_epochs))
        states, metrics, state = [], [], self.state
        for size in sizes:
            state, m = train_epochs(self.spec, size, state, self._train, self._test, self.hyper)
            states.append(state)
            metrics.append(m)
        chunks = []
        start = self.epoch
        for size, state, m in zip(sizes, states, jax.device_get(metrics), strict=True):
            m = {k: np.asarray(v) for k, v in m.items()}
            m["epoch"] = start + 1 + np.arange(size)
            chunks.append(m)
            self.state = state
            if not m["finite"].all():
                i = int(np.argmin(m["finite"]))
                bad = int(m["bad_layer"][i])
                self.divergence = Divergence(start + i + 1, None if bad >= self.spec.n_layers else bad)
                chunks[-1] = {k: v[:i] for k, v in m.items()}
                break
            start += size
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
        self,
        g: int = 100,
        bounds: tuple[float, float, float, float] | None = None,
        params: Params | None = None,
        hidden: bool = True,
    ) -> dict:
        """Output and every hidden neuron's activation on a g×g grid (of the current or of given weights);
        `hidden=False`: the output alone is read back (a board frame: an 8 × 32 network's activations are 10 MB)."""
        b = jnp.asarray(bounds or self.dataset.bounds(), jnp.float32)
        out = grid_eval(self.spec, self.params if params is None else params, b, g, self.dataset.dim)
        return {"output": np.asarray(out["output"]), "hidden": [np.asarray(h) for h in out["hidden"]] if hidden else []}

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
        return scheduled_optimizer_state(self.spec, self.state.opt_state, self.hyper, self.state.epoch)

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
            self.hyper.penalty,
        )

    @_serialized
    def apply_step(self, step: Step, opt_state) -> None:
        """Make an inspected step real: its new weights and optimiser state become the session's."""
        self.set_params(step.new_params)
        self.state = self.state._replace(opt_state=opt_state)
        self.inspected_steps += 1

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
