"""What a lesson reads from a run: the `RunResult` record, its named facts, and the registry of key functions.

A run trains one network (`epochs`), takes one explicit backprop step (`backprop`), or trains several from the
same start: the optimiser race (`race`, one racer per optimiser) or variants of the set-up (`compare`, e.g. three
batch sizes). Each trained network is a `Track` of per-epoch metrics; the facts are numbers of those tracks
(for a race or a comparison, dictionaries keyed by racer / variant id), computed when first read.

Layers: `g[l]` and the `layer` answers count weight matrices W0 … W(L−1), as the gradient chart labels them.
The backprop facts and functions number layers as the step inspector and the textbook do: a⁽⁰⁾ is the input,
z⁽ˡ⁾, a⁽ˡ⁾, δ⁽ˡ⁾ and W⁽ˡ⁾ (the engine's W{l−1}) for l = 1 … L; neurons and matrix rows / columns count from 0
(the network diagram's (layer, neuron) is the same (l, j)).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine.backprop import Step
from engine.data import Dataset
from engine.diagnose import GROWTH
from engine.model import Params
from engine.race import Race
from engine.session import Session
from engine.spec import Spec
from engine.views import layer_activations
from playground.lessons.errors import Undefined
from playground.lessons.expr import Function

KINDS = ("epochs", "backprop", "race", "compare")
WINDOW = 5  # the "final" gradient norm of a layer: the median over the last WINDOW epochs (one step is noisy)
TIE = 1e-9  # relative difference under which two racers tie (a key that needs a winner is then undefined)


class Num(float):
    """A fact's number: formats with 4 significant digits unless the placeholder says otherwise
    (``{g_min:.1e}``); infinities and NaN as ∞, −∞ and NaN whatever the format."""

    def __format__(self, spec: str) -> str:
        v = float(self)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "∞" if v > 0 else "−∞"
        return format(v, spec or ".4g")

    def __str__(self) -> str:
        return format(self, "")

    __repr__ = __str__


def num(v: Any) -> Num:
    return Num(float(v))


class Lazy(Mapping):
    """Facts computed when first read: name → thunk."""

    def __init__(self, thunks: Mapping[str, Callable[[], Any]]):
        self._thunks = dict(thunks)
        self._done: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._done:
            if key not in self._thunks:
                raise KeyError(key)
            self._done[key] = self._thunks[key]()
        return self._done[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._thunks)

    def __len__(self) -> int:
        return len(self._thunks)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{k}: …" if k not in self._done else f"{k}: {self._done[k]!r}" for k in self) + "}"


@dataclass
class Track:
    """One trained network: its per-epoch metrics over the epochs that stayed finite, and what facts need."""

    history: dict[str, np.ndarray]
    steps_per_epoch: int
    n_train: int
    learning_rate: float
    nonfinite_epoch: int | None  # the epoch that went non-finite (NaN or Inf); None: it never did
    spec: Spec
    params: Params  # the weights at the end (the last finite ones)
    dataset: Dataset
    label: str = ""

    @property
    def epochs(self) -> int:
        return len(self.history.get("epoch", ()))

    def last(self, key: str) -> float:
        v = self.history.get(key)
        return float(v[-1]) if v is not None and len(v) else math.nan

    def reach_epoch(self, target: float) -> float:
        """The first epoch (1, 2, …) whose training loss is at or under `target`; ∞ when none is."""
        loss = self.history.get("train_loss", np.zeros(0))
        hit = np.flatnonzero(loss <= target)
        return float(hit[0] + 1) if len(hit) else math.inf

    def loss_at_epoch(self, epoch: int) -> float:
        if not 1 <= epoch <= self.epochs:
            raise Undefined(f"epoch {epoch} is outside this run's epochs 1–{self.epochs}")
        return float(self.history["train_loss"][epoch - 1])

    def grad(self) -> np.ndarray:
        """Each weight layer's gradient norm ‖∂L/∂Wl‖ at the end: the median of the last WINDOW epochs."""
        g = self.history.get("grad_norm")
        if g is None or not len(g):
            return np.full(self.spec.n_layers, np.nan)
        return np.median(np.asarray(g, np.float64)[-WINDOW:], axis=0)

    def diverged(self) -> bool:
        """Went non-finite, or its training loss grew GROWTH× above its first epoch's (as the page's diagnosis
        says: the steps overshoot)."""
        if self.nonfinite_epoch is not None:
            return True
        first, final = self.last_first()
        return bool(np.isfinite(first) and (not np.isfinite(final) or final > GROWTH * first))

    def last_first(self) -> tuple[float, float]:
        loss = self.history.get("train_loss", np.zeros(0))
        return (float(loss[0]), float(loss[-1])) if len(loss) else (math.nan, math.nan)

    def hidden(self) -> list[np.ndarray]:
        """Every hidden layer's activations on the training rows (n, width)."""
        x, _ = self.dataset.part(False)
        acts = layer_activations(self.spec, self.params, np.asarray(x, np.float32))
        return [np.asarray(a, np.float64) for a in acts[1:-1]]

    def facts(self) -> dict[str, Callable[[], Any]]:
        def g_arg(f: Callable) -> Callable[[], Any]:
            return lambda: f(self.grad())

        def spread() -> Num:
            hs = self.hidden()
            return num(max((float(np.abs(h - h[:, :1]).max()) for h in hs if h.size), default=0.0))

        def hidden_max() -> Num:
            return num(max((float(np.abs(h).max()) for h in self.hidden() if h.size), default=0.0))

        def distinct() -> int:
            hs = self.hidden()
            if not hs or not hs[0].size:
                return 0
            cols = np.round(hs[0].T / 1e-6).astype(np.int64)
            return len({c.tobytes() for c in cols})

        def ups() -> Num:
            loss = self.history.get("train_loss", np.zeros(0))
            return num(np.mean(np.diff(loss) > 0)) if len(loss) > 1 else num(0.0)

        return {
            "epochs": lambda: self.epochs,
            "train_loss": lambda: num(self.last("train_loss")),
            "test_loss": lambda: num(self.last("test_loss")),
            "train_score": lambda: num(self.last("train_score")),
            "test_score": lambda: num(self.last("test_score")),
            "first_train_loss": lambda: num(self.last_first()[0]),
            "min_train_loss": lambda: num(np.min(self.history["train_loss"]) if self.epochs else math.nan),
            "test_minus_train": lambda: num(self.last("test_loss") - self.last("train_loss")),
            "diverged": self.diverged,
            "nonfinite": lambda: self.nonfinite_epoch is not None,
            "diverged_epoch": lambda: self.nonfinite_epoch if self.nonfinite_epoch is not None else num(math.nan),
            "g": g_arg(lambda g: [num(v) for v in g]),
            "g_min": g_arg(lambda g: num(np.min(g))),
            "g_max": g_arg(lambda g: num(np.max(g))),
            "g_min_layer": g_arg(lambda g: int(np.argmin(g))),
            "g_max_layer": g_arg(lambda g: int(np.argmax(g))),
            "g_ratio": g_arg(lambda g: num(np.max(g) / np.min(g)) if np.min(g) > 0 else num(math.inf)),
            "ups": ups,
            "steps_per_epoch": lambda: self.steps_per_epoch,
            "n_train": lambda: self.n_train,
            "lr": lambda: num(self.learning_rate),
            "layers": lambda: self.spec.n_layers,
            "weights": lambda: sum(int(np.size(W)) + int(np.size(b)) for W, b in self.params),
            "hidden_spread": spread,
            "hidden_max": hidden_max,
            "distinct_neurons": distinct,
        }


TRACK_FACTS = (
    "epochs",
    "train_loss",
    "test_loss",
    "train_score",
    "test_score",
    "first_train_loss",
    "min_train_loss",
    "test_minus_train",
    "diverged",
    "nonfinite",
    "diverged_epoch",
    "g",
    "g_min",
    "g_max",
    "g_min_layer",
    "g_max_layer",
    "g_ratio",
    "ups",
    "steps_per_epoch",
    "n_train",
    "lr",
    "layers",
    "weights",
    "hidden_spread",
    "hidden_max",
    "distinct_neurons",
)
BACKPROP_FACTS = (
    "loss",
    "data_loss",
    "reg_loss",
    "z",
    "a",
    "delta",
    "dW",
    "db",
    "W",
    "b",
    "W_new",
    "b_new",
    "y",
    "lr",
    "layers",
    "n_train",
    "autodiff_diff",
)
MULTI_FACTS = (*TRACK_FACTS, "ids", "winner", "order", "n_diverged")
FACTS: dict[str, tuple[str, ...]] = {
    "epochs": TRACK_FACTS,
    "backprop": BACKPROP_FACTS,
    "race": MULTI_FACTS,
    "compare": MULTI_FACTS,
}


@dataclass
class RunResult:
    """What a step's run left: the numbers its answer key and explanation read.

    `session`: the session trained (epochs), or stepped (backprop: not changed, see `Run.apply`);
    `step`: the explicit backprop step (backprop); `race`: the engine's Race (race; the page's race tab shows it);
    `sessions`: each variant's session (compare); `tracks`: each trained network's metrics by id ("main" for an
    epochs run); `as_authored`: the run started from exactly the step's configuration, untrained (a student who
    changed a setting before the run gets their own run's numbers, which the lesson's fixed keys may not fit)."""

    kind: str
    seed: int
    seconds: float = 0.0
    as_authored: bool = True
    tracks: dict[str, Track] = field(default_factory=dict)
    session: Session | None = None
    step: Step | None = None
    race: Race | None = None
    sessions: dict[str, Session] = field(default_factory=dict)
    _facts: Lazy | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self.tracks) if self.kind in ("race", "compare") else ()

    @property
    def main(self) -> Track:
        return self.tracks["main"]

    @property
    def facts(self) -> Mapping[str, Any]:
        """Every fact of this run by name (computed when read)."""
        if self._facts is None:
            self._facts = Lazy(_facts(self))
        return self._facts


def _facts(r: RunResult) -> dict[str, Callable[[], Any]]:
    if r.kind == "epochs":
        return r.main.facts()
    if r.kind == "backprop":
        return _backprop_facts(r)
    per = {i: t.facts() for i, t in r.tracks.items()}
    out: dict[str, Callable[[], Any]] = {
        name: (lambda name=name: Lazy({i: per[i][name] for i in per})) for name in TRACK_FACTS
    }
    out["ids"] = lambda: list(r.tracks)
    out["winner"] = lambda: race_winner(r)
    out["order"] = lambda: race_order(r)
    out["n_diverged"] = lambda: sum(t.diverged() for t in r.tracks.values())
    return out


def _vec(a: np.ndarray) -> list:
    a = np.asarray(a, np.float64)
    return [num(v) for v in a] if a.ndim == 1 else [_vec(row) for row in a]


def _backprop_facts(r: RunResult) -> dict[str, Callable[[], Any]]:
    s = r.step
    assert s is not None and r.session is not None
    L = len(s.z)
    none: list[Any] = [None]  # index 0: no such layer (the textbook counts W⁽¹⁾ … W⁽ᴸ⁾)
    return {
        "loss": lambda: num(s.loss),
        "data_loss": lambda: num(s.data_loss),
        "reg_loss": lambda: num(s.reg_loss),
        "a": lambda: [_vec(a[0]) for a in s.a],
        "z": lambda: [_vec(s.a[0][0]), *(_vec(z[0]) for z in s.z)],
        "delta": lambda: none + [_vec(d[0]) for d in s.delta],
        "dW": lambda: none + [_vec(d) for d in s.dW],
        "db": lambda: none + [_vec(d) for d in s.db],
        "W": lambda: none + [_vec(W) for W, _ in s.weights or []],
        "b": lambda: none + [_vec(b) for _, b in s.weights or []],
        "W_new": lambda: none + [_vec(W) for W, _ in s.new_params],
        "b_new": lambda: none + [_vec(b) for _, b in s.new_params],
        "y": lambda: _vec(np.asarray(r.session.rows("train")[1])[0]),
        "lr": lambda: num(float(r.session.hyper.learning_rate)),
        "layers": lambda: L,
        "n_train": lambda: len(s.a[0]),
        "autodiff_diff": lambda: num(s.max_diff_vs_autodiff if s.max_diff_vs_autodiff is not None else math.nan),
    }


# ---- the registry: functions an answer key, a claim or a derived number may call ----------------------------
FUNCTIONS: dict[str, Function] = {}
MULTI = frozenset({"race", "compare"})


def register(kinds: frozenset[str] | set[str], returns: str, args: tuple[int, int] = (0, 0)):
    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        FUNCTIONS[fn.__name__] = Function(fn, frozenset(kinds), args[0], args[1], returns, (fn.__doc__ or "").strip())
        return fn

    return deco


def _track(r: RunResult, i: str) -> Track:
    if i not in r.tracks:
        raise Undefined(f"no racer or variant {i!r} (this run has {', '.join(r.tracks)})")
    return r.tracks[i]


def _unique(pairs: list[tuple[str, float]], best: Callable, what: str) -> str:
    """The id whose value is best (min or max); undefined when none or when the best two tie."""
    pairs = [(i, v) for i, v in pairs if not math.isnan(v)]
    if not pairs:
        raise Undefined(f"{what}: no racer or variant qualifies")
    pairs.sort(key=lambda p: p[1], reverse=best is max)
    if len(pairs) > 1 and math.isclose(pairs[0][1], pairs[1][1], rel_tol=TIE, abs_tol=0.0):
        raise Undefined(f"{what}: {pairs[0][0]} and {pairs[1][0]} tie at {pairs[0][1]:.6g}")
    return pairs[0][0]


@register({"epochs"}, "layer")
def smallest_final_grad_layer(r: RunResult) -> int:
    """The weight layer l (W0 … W(L−1)) whose gradient norm ended smallest (median of the last 5 epochs)."""
    g = r.main.grad()
    if not np.isfinite(g).all():
        raise Undefined("smallest_final_grad_layer(): the run has no finite gradient norms")
    return int(np.argmin(g))


@register({"epochs"}, "layer")
def largest_final_grad_layer(r: RunResult) -> int:
    """The weight layer whose gradient norm ended largest (median of the last 5 epochs)."""
    g = r.main.grad()
    if not np.isfinite(g).all():
        raise Undefined("largest_final_grad_layer(): the run has no finite gradient norms")
    return int(np.argmax(g))


@register({"epochs"}, "number")
def final_test_minus_train(r: RunResult) -> Num:
    """Test loss minus training loss at the end of the run (how much worse the unseen points are)."""
    v = r.main.last("test_loss") - r.main.last("train_loss")
    if not math.isfinite(v):
        raise Undefined("final_test_minus_train(): the run has no finite test and training loss")
    return num(v)


@register(MULTI, "id")
def diverged_option(r: RunResult) -> str:
    """The one racer or variant that diverged (non-finite, or its loss grew 4× above its first epoch's); the
    others must have lowered their loss, else the key is undefined."""
    bad = [i for i, t in r.tracks.items() if t.diverged()]
    if len(bad) != 1:
        raise Undefined(f"diverged_option(): {len(bad)} diverged ({', '.join(bad) or 'none'}); it needs exactly one")
    for i, t in r.tracks.items():
        first, final = t.last_first()
        if i != bad[0] and not final < first:
            raise Undefined(f"diverged_option(): {i} did not diverge but its loss did not fall either")
    return bad[0]


@register({"race"}, "id")
def largest_stable_option(r: RunResult) -> str:
    """The racer with the largest learning rate that did not diverge, where every smaller rate converged and
    every larger one diverged (a clean edge; otherwise undefined)."""
    by_lr = sorted(r.tracks.items(), key=lambda p: p[1].learning_rate)
    flags = [t.diverged() for _, t in by_lr]
    k = flags.index(True) if True in flags else len(flags)
    if k == 0 or any(not f for f in flags[k:]):
        raise Undefined("largest_stable_option(): the racers do not split into converging below and diverging above")
    return by_lr[k - 1][0]


@register(MULTI, "id")
def race_winner(r: RunResult) -> str:
    """The racer or variant with the lowest final training loss among those that did not diverge."""
    return _unique([(i, t.last("train_loss")) for i, t in r.tracks.items() if not t.diverged()], min, "race_winner()")


@register(MULTI, "ids")
def race_order(r: RunResult) -> list[str]:
    """Every racer or variant from lowest to highest final training loss; the diverged ones last (the one that
    lasted longest first)."""
    ok = sorted((t.last("train_loss"), i) for i, t in r.tracks.items() if not t.diverged())
    for a, b in itertools.pairwise(ok):
        if math.isclose(a[0], b[0], rel_tol=TIE, abs_tol=0.0):
            raise Undefined(f"race_order(): {a[1]} and {b[1]} tie at {a[0]:.6g}")
    bad = [(i, t) for i, t in r.tracks.items() if t.diverged()]
    bad.sort(key=lambda p: -(p[1].nonfinite_epoch if p[1].nonfinite_epoch is not None else math.inf))
    return [i for _, i in ok] + [i for i, _ in bad]


@register(MULTI, "id")
def noisiest_option(r: RunResult) -> str:
    """The racer or variant whose training loss rose in the largest share of epochs (the noisiest curve)."""
    return _unique([(i, float(t.facts()["ups"]())) for i, t in r.tracks.items()], max, "noisiest_option()")


@register(MULTI, "id", (1, 1))
def first_to_reach_per_epoch(r: RunResult, target: float) -> str:
    """The racer or variant that first got its training loss to `target` or under, counting epochs."""
    pairs = [(i, t.reach_epoch(target)) for i, t in r.tracks.items()]
    if all(math.isinf(v) for _, v in pairs):
        raise Undefined(f"first_to_reach_per_epoch({target:g}): none reached it")
    return _unique(pairs, min, f"first_to_reach_per_epoch({target:g})")


@register(MULTI, "id", (1, 1))
def first_to_reach_per_step(r: RunResult, target: float) -> str:
    """The same counting updates (gradient computations): epochs × mini-batch steps per epoch."""
    pairs = [(i, t.reach_epoch(target) * t.steps_per_epoch) for i, t in r.tracks.items()]
    if all(math.isinf(v) for _, v in pairs):
        raise Undefined(f"first_to_reach_per_step({target:g}): none reached it")
    return _unique(pairs, min, f"first_to_reach_per_step({target:g})")


def _after_steps(t: Track, n: int) -> float:
    return t.loss_at_epoch(max(1, math.ceil(n / t.steps_per_epoch)))


@register(MULTI, "id", (1, 1))
def highest_loss_after_steps(r: RunResult, n: int) -> str:
    """The racer or variant with the highest training loss after n updates (at the end of the epoch that
    holds the n-th)."""
    return _unique([(i, _after_steps(t, n)) for i, t in r.tracks.items()], max, f"highest_loss_after_steps({n})")


@register(MULTI, "id", (1, 1))
def lowest_loss_after_steps(r: RunResult, n: int) -> str:
    """The racer or variant with the lowest training loss after n updates."""
    return _unique([(i, _after_steps(t, n)) for i, t in r.tracks.items()], min, f"lowest_loss_after_steps({n})")


@register(MULTI, "id", (1, 1))
def argmin(r: RunResult, values: Mapping[str, float]) -> str:
    """The id with the smallest value of a per-racer fact, e.g. argmin(test_loss)."""
    return _unique([(i, float(values[i])) for i in r.tracks], min, "argmin()")


@register(MULTI, "id", (1, 1))
def argmax(r: RunResult, values: Mapping[str, float]) -> str:
    """The id with the largest value of a per-racer fact, e.g. argmax(ups)."""
    return _unique([(i, float(values[i])) for i in r.tracks], max, "argmax()")


def _one(r: RunResult, args: tuple) -> tuple[Track, tuple]:
    """A single run's track, or (race / compare) the track named by the first argument."""
    if r.kind in MULTI:
        if not args or not isinstance(args[0], str):
            raise Undefined("name the racer or variant first, e.g. reach_epoch(adam, 0.1)")
        return _track(r, args[0]), args[1:]
    return r.main, args


@register({"epochs", *MULTI}, "number", (1, 2))
def reach_epoch(r: RunResult, *args: Any) -> Num:
    """The first epoch whose training loss is at or under a target: reach_epoch(0.1), reach_epoch(id, 0.1); ∞
    when never."""
    t, (target,) = _one(r, args)
    return num(t.reach_epoch(float(target)))


@register({"epochs", *MULTI}, "number", (1, 2))
def reach_steps(r: RunResult, *args: Any) -> Num:
    """The same in updates: reach_epoch × mini-batch steps per epoch."""
    t, (target,) = _one(r, args)
    return num(t.reach_epoch(float(target)) * t.steps_per_epoch)


@register({"epochs", *MULTI}, "number", (1, 2))
def loss_at_epoch(r: RunResult, *args: Any) -> Num:
    """The training loss at the end of an epoch: loss_at_epoch(10), loss_at_epoch(id, 10)."""
    t, (e,) = _one(r, args)
    return num(t.loss_at_epoch(int(e)))


@register({"epochs", *MULTI}, "number", (1, 2))
def loss_after_steps(r: RunResult, *args: Any) -> Num:
    """The training loss after n updates (at the end of the epoch that holds the n-th)."""
    t, (n,) = _one(r, args)
    return num(_after_steps(t, int(n)))


def _layer(r: RunResult, l: int, what: str, lo: int = 1) -> int:
    assert r.step is not None
    L = len(r.step.z)
    if not (isinstance(l, int) and lo <= l <= L):
        raise Undefined(f"{what}: layer {l} is not one of this network's layers {lo}–{L}")
    return l


def _at(a: np.ndarray, idx: tuple, what: str) -> Num:
    try:
        if any(not isinstance(i, int) or i < 0 for i in idx):
            raise IndexError
        return num(np.asarray(a)[idx])
    except IndexError:
        raise Undefined(f"{what}: no entry {list(idx)} in a {np.shape(a)} array") from None


@register({"backprop"}, "number", (2, 3))
def forward_value(r: RunResult, l: int, j: int, row: int = 0) -> Num:
    """a⁽ˡ⁾ⱼ, neuron j's output in layer l (0: the input features, L: the output) for a training row (0)."""
    _layer(r, l, "forward_value()", lo=0)
    return _at(r.step.a[l], (row, j), f"forward_value({l}, {j})")  # type: ignore[union-attr]


@register({"backprop"}, "number", (2, 3))
def z_value(r: RunResult, l: int, j: int, row: int = 0) -> Num:
    """z⁽ˡ⁾ⱼ, neuron j's weighted input in layer l (1 … L)."""
    _layer(r, l, "z_value()")
    return _at(r.step.z[l - 1], (row, j), f"z_value({l}, {j})")  # type: ignore[union-attr]


@register({"backprop"}, "number", (2, 3))
def delta(r: RunResult, l: int, j: int, row: int = 0) -> Num:
    """δ⁽ˡ⁾ⱼ = ∂L/∂z⁽ˡ⁾ⱼ, neuron j's error term in layer l (1 … L), as the inspector shows it."""
    _layer(r, l, "delta()")
    return _at(r.step.delta[l - 1], (row, j), f"delta({l}, {j})")  # type: ignore[union-attr]


@register({"backprop"}, "number", (3, 3))
def dW(r: RunResult, l: int, i: int, j: int) -> Num:
    """∂L/∂W⁽ˡ⁾ᵢⱼ, the gradient of the weight from neuron i of layer l−1 to neuron j of layer l (the engine's
    W{l−1}[i, j])."""
    _layer(r, l, "dW()")
    return _at(r.step.dW[l - 1], (i, j), f"dW({l}, {i}, {j})")  # type: ignore[union-attr]


@register({"backprop"}, "number", (2, 2))
def db(r: RunResult, l: int, j: int) -> Num:
    """∂L/∂b⁽ˡ⁾ⱼ, the gradient of neuron j's bias in layer l."""
    _layer(r, l, "db()")
    return _at(r.step.db[l - 1], (j,), f"db({l}, {j})")  # type: ignore[union-attr]


@register({"backprop"}, "number", (3, 3))
def new_weight(r: RunResult, l: int, i: int, j: int) -> Num:
    """W⁽ˡ⁾ᵢⱼ after the step (the optimiser's update applied)."""
    _layer(r, l, "new_weight()")
    return _at(r.step.new_params[l - 1][0], (i, j), f"new_weight({l}, {i}, {j})")  # type: ignore[union-attr]


@register({"backprop"}, "neuron", (0, 1))
def largest_delta_neuron(r: RunResult, row: int = 0) -> tuple[int, int]:
    """The neuron (l, j), l = 1 … L, whose error term |δ⁽ˡ⁾ⱼ| is largest."""
    assert r.step is not None
    best = max(
        ((abs(float(d[row, j])), l + 1, j) for l, d in enumerate(r.step.delta) for j in range(d.shape[1])),
        key=lambda p: p[0],
    )
    return (best[1], best[2])
