"""Optimiser race: up to `limits.MAX_RACE` optimisers (or learning rates) train from the same initial weights,
on the same data and the same shuffling.

On an accelerator the racers run side by side in one vmapped engine call: different optimisers share one
compiled program through `optim.switch`, every racer carrying every optimiser's state and the index of its own.
On a CPU side by side buys nothing (the work is k× anyway) and costs much: under `vmap` the switch computes every
member's update for every racer, and the switch program compiles for seconds. There each racer runs alone, one
after the other, in the same `train_epochs` program a session of that optimiser uses (compiled once, shared,
kept in the persistent cache). Both ways give each racer exactly its separate run (tested).

The paths are drawn on a fixed 2-D slice of the loss landscape: the plane through the initial weights θ₀
spanned by the initial descent direction −∇L(θ₀) and a seeded random direction orthogonal to it, both unit
vectors in parameter space (fixed before training, so not fitted to the paths).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import jax
import jax.numpy as jnp
import numpy as np
from jax import Array
from jax.flatten_util import ravel_pytree

from engine import limits
from engine.config import Config, ConfigError, Optimizer
from engine.data import Dataset
from engine.features import apply_features
from engine.hyper import Hyper
from engine.inputs import initial_params, make_hyper, make_spec, steps_per_epoch, to_data
from engine.losses import data_loss
from engine.model import Params, logits
from engine.penalty import Penalty, penalty, penalty_loss
from engine.programs import per_spec
from engine.spec import Spec
from engine.train import Data, TrainState, init_state, train_epochs


def label(opt: Optimizer) -> str:
    return f"{opt.name} η={opt.learning_rate:g}"


def race_spec(spec: Spec, racers: list[Optimizer]) -> Spec:
    """The program the racers share: one optimiser, or a switch over theirs (each once, in the racers' order)."""
    return spec._replace(optimizers=tuple(dict.fromkeys(o.name for o in racers)))


@per_spec("n_epochs")
def race_epochs(
    spec: Spec, n_epochs: int, states: TrainState, train: Data, test: Data, hypers: Hyper
) -> tuple[TrainState, dict[str, Array]]:
    """`train_epochs` for every racer at once: states and hypers carry a leading racer axis, data is shared."""
    return jax.vmap(lambda s, h: train_epochs.raw(spec, n_epochs, s, train, test, h))(states, hypers)


@per_spec()
def project(spec: Spec, params: Params, theta0: Array, d1: Array, d2: Array) -> Array:
    """(racers, 2): each racer's weights (a leading racer axis) as coordinates in the slice θ₀ + α·d₁ + β·d₂."""
    flat = jax.vmap(lambda p: ravel_pytree(p)[0])(params) - theta0
    return jnp.stack([flat @ d1, flat @ d2], axis=1)


def stack(trees: list) -> object:
    return jax.tree.map(lambda *xs: jnp.stack(xs), *trees)


def objective(spec: Spec, params: Params, feats: Array, data: Data, penalty: Penalty) -> Array:
    w = (jnp.arange(feats.shape[0]) < data.n).astype(jnp.float32)
    z = logits(params, feats, spec.activation)
    return data_loss(spec.loss, z, data.y, spec.out_act, w) + penalty_loss(params, penalty)


@per_spec()
def landscape(
    spec: Spec,
    params0: Params,
    theta0: Array,
    d1: Array,
    d2: Array,
    alphas: Array,
    betas: Array,
    data: Data,
    penalty: Penalty,
) -> Array:
    """Loss at θ₀ + α·d₁ + β·d₂ for every (β, α) of the grid: (len(betas), len(alphas))."""
    feats = apply_features(spec.features, data.x)
    unravel = ravel_pytree(params0)[1]  # the layout of the weights (a function made at trace time)

    def at(a, b):
        return objective(spec, unravel(theta0 + a * d1 + b * d2), feats, data, penalty)

    return jax.vmap(lambda b: jax.vmap(lambda a: at(a, b))(alphas))(betas)


@per_spec()
def directions(spec: Spec, params: Params, data: Data, penalty: Penalty, seed: Array) -> tuple[Array, Array]:
    """Unit directions of the slice: −∇L(θ₀) and a random one orthogonal to it (fixed before training); the
    random one alone where the gradient is 0. One compiled program (op by op it took seconds on a CPU)."""
    feats = apply_features(spec.features, data.x)
    g = ravel_pytree(jax.grad(lambda p: objective(spec, p, feats, data, penalty))(params))[0]
    r = jax.random.normal(jax.random.key(seed + 7919), g.shape)
    gn = jnp.linalg.norm(g)
    d1 = jnp.where(gn > 0, -g / jnp.where(gn > 0, gn, 1.0), r / jnp.linalg.norm(r))
    r = r - (r @ d1) * d1
    return d1, r / jnp.linalg.norm(r)


@dataclass
class Race:
    """The racers' shared start, their training states, metrics and projected paths. `together`: one vmapped
    call for all racers (default on an accelerator) or one run per racer (default on a CPU)."""

    cfg: Config
    dataset: Dataset
    racers: list[Optimizer]
    together: bool | None = None
    base_spec: Spec = field(init=False)

    def __post_init__(self) -> None:
        if not 1 <= len(self.racers) <= limits.MAX_RACE:
            raise ConfigError(f"race: between 1 and {limits.MAX_RACE} racers")
        if self.together is None:
            self.together = jax.default_backend() != "cpu"
        self.base_spec = make_spec(self.cfg, self.dataset)
        self.params0 = initial_params(self.cfg, self.base_spec)
        seed = self.cfg.seed
        if self.together:
            spec = race_spec(self.base_spec, self.racers)
            hypers = [make_hyper(self.cfg, spec, o) for o in self.racers]  # each racer's numbers and member
            self.specs = [spec]
            self.hypers = [stack(hypers)]
            self.states = [stack([init_state(spec, self.params0, h, seed) for h in hypers])]
        else:
            self.specs = [race_spec(self.base_spec, [o]) for o in self.racers]
            self.hypers = [make_hyper(self.cfg, sp, o) for sp, o in zip(self.specs, self.racers, strict=True)]
            self.states = [init_state(sp, self.params0, h, seed) for sp, h in zip(self.specs, self.hypers, strict=True)]
        self.train_data = to_data(self.dataset, self.base_spec, test=False)
        self.test_data = to_data(self.dataset, self.base_spec, test=True)
        self.penalty = penalty(*self.cfg.regularization)
        self.theta0, _ = ravel_pytree(self.params0)
        self.d1, self.d2 = directions(self.base_spec, self.params0, self.train_data, self.penalty, self.cfg.seed)
        self.metrics: dict[str, np.ndarray] = {}
        self.path: list[np.ndarray] = [self._project()]  # (racers, 2) per snapshot
        self.path_epochs: list[int] = [0]

    @property
    def labels(self) -> list[str]:
        return [label(o) for o in self.racers]

    @property
    def epoch(self) -> int:
        """Epochs run (a racer that diverged stopped at its last finite state earlier)."""
        return self.path_epochs[-1]

    @property
    def stacked_params(self) -> Params:
        """Every racer's weights, with a leading racer axis."""
        return self.states[0].params if self.together else stack([s.params for s in self.states])

    def params(self, i: int) -> Params:
        return jax.tree.map(lambda a: a[i], self.states[0].params) if self.together else self.states[i].params

    def _project(self) -> np.ndarray:
        return np.asarray(project(self.base_spec, self.stacked_params, self.theta0, self.d1, self.d2))

    def _train(self, size: int) -> dict[str, np.ndarray]:
        """`size` more epochs for every racer; metrics (racers, epochs, …)."""
        data = (self.train_data, self.test_data)
        if self.together:
            self.states[0], m = race_epochs(self.specs[0], size, self.states[0], *data, self.hypers[0])
            return jax.tree.map(np.asarray, m)
        ms = []
        for i, (spec, h) in enumerate(zip(self.specs, self.hypers, strict=True)):
            self.states[i], m = train_epochs(spec, size, self.states[i], *data, h)
            ms.append(m)
        return jax.tree.map(lambda *xs: np.stack([np.asarray(x) for x in xs]), *ms)

    def bounds(self, epochs: int) -> None:
        """Refuse a race past `limits.MAX_RACE_EPOCHS` epochs, `limits.MAX_RACE_STEPS` mini-batch steps in all, or
        `limits.MAX_RACE_POINT_WEIGHTS` (racers × epochs × training points × weights: a full-batch race takes
        one step an epoch, each over every point), in one line with the most epochs that fit all three."""
        racers, per_epoch = len(self.racers), steps_per_epoch(self.dataset, self.base_spec)
        points, weights = max(1, int((~self.dataset.test).sum())), int(self.theta0.size)
        by_steps = limits.MAX_RACE_STEPS // (racers * per_epoch)
        by_work = limits.MAX_RACE_POINT_WEIGHTS // (racers * points * weights)
        most = max(1, min(limits.MAX_RACE_EPOCHS, by_steps, by_work))
        say = {  # the refusals' numbers as shown (formatted here: the templates stay plain for the catalog)
            "racers": str(racers),
            "epochs": format(epochs, ","),
            "steps": format(per_epoch, ","),
            "points": format(points, ","),
            "weights": format(weights, ","),
            "most": format(most, ","),
        }
        if epochs > limits.MAX_RACE_EPOCHS:
            raise ConfigError(
                "at most {most} epochs, got {epochs}", path="race", most=say["most"], epochs=say["epochs"]
            )
        if epochs > by_steps:
            raise ConfigError(
                "{racers} racers × {epochs} epochs × {steps} steps is more than one race may run here "
                "({limit} steps); at most {most} epochs for this data and batch size",
                path="race",
                limit=format(limits.MAX_RACE_STEPS, ","),
                **{k: say[k] for k in ("racers", "epochs", "steps", "most")},
            )
        if epochs > by_work:
            raise ConfigError(
                "{racers} racers × {epochs} epochs of {points} points × {weights} weights is more than one race "
                "may run here ({limit} point-weights); at most {most} epochs for this network and data",
                path="race",
                limit=format(limits.MAX_RACE_POINT_WEIGHTS, ".0e").replace("e+", "e"),
                **{k: say[k] for k in ("racers", "epochs", "points", "weights", "most")},
            )

    def run(self, epochs: int, snapshots: int = 20, progress: Callable[[float], None] | None = None) -> None:
        """Train every racer `epochs` more epochs, recording the path at least `snapshots` times (in compiled
        chunk sizes, so between `snapshots` and 10× as many points). Refused (ConfigError) past what one race may
        cost a shared server (`bounds`): one race must not hold it for minutes."""
        self.bounds(epochs)
        chunk = max(c for c in limits.EPOCH_CHUNKS if c <= max(1, epochs // snapshots))
        done = 0
        while done < epochs:
            size = max(c for c in limits.EPOCH_CHUNKS if c <= min(chunk, epochs - done))
            m = self._train(size)
            m["epoch"] = np.broadcast_to(self.epoch + 1 + np.arange(size), m["finite"].shape)
            for k, v in m.items():
                self.metrics[k] = np.concatenate([self.metrics[k], v], axis=1) if k in self.metrics else v
            done += size
            self.path.append(self._project())
            self.path_epochs.append(self.epoch + size)
            if progress is not None:
                progress(done / epochs)

    def diverged(self) -> list[bool]:
        f = self.metrics.get("finite")
        return [False] * len(self.racers) if f is None else [not bool(x.all()) for x in f]

    def landscape(self, g: int = 41, margin: float = 0.25) -> dict[str, np.ndarray]:
        """The loss over the slice, on a g×g grid that covers every path with a margin."""
        pts = np.concatenate(self.path)
        pts = pts[np.isfinite(pts).all(1)]
        lo, hi = pts.min(0), pts.max(0)
        span = np.full(2, max(float((hi - lo).max()), 1e-3))  # square, so the slice is not distorted
        mid = (lo + hi) / 2
        lo, hi = mid - span * (0.5 + margin), mid + span * (0.5 + margin)
        alphas = jnp.linspace(lo[0], hi[0], g, dtype=jnp.float32)
        betas = jnp.linspace(lo[1], hi[1], g, dtype=jnp.float32)
        z = landscape(
            self.base_spec, self.params0, self.theta0, self.d1, self.d2, alphas, betas, self.train_data, self.penalty
        )
        return {"alpha": np.asarray(alphas), "beta": np.asarray(betas), "loss": np.asarray(z)}

    def paths(self) -> np.ndarray:
        """(racers, snapshots, 2) coordinates of each racer's weights in the slice."""
        return np.stack(self.path, axis=1)
