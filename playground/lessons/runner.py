"""Running a step with the engine: N epochs, one explicit backprop step, a race, or a comparison of variants."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from engine.config import Config, ConfigError, Optimizer, parse_config
from engine.inputs import steps_per_epoch
from engine.race import Race
from engine.session import Session
from playground.lessons.errors import LessonError
from playground.lessons.facts import RunResult, Track
from playground.lessons.schema import Step


def _config(v: Config | dict) -> Config:
    return v if isinstance(v, Config) else parse_config(v)


def _track(s: Session, metrics: dict[str, np.ndarray], start_epoch: int) -> Track:
    div = s.divergence
    m = {k: v for k, v in metrics.items() if k not in ("finite", "bad_layer")}
    return Track(
        history=m,
        steps_per_epoch=s.steps_per_epoch,
        n_train=int((~s.dataset.test).sum()),
        learning_rate=float(s.hyper.learning_rate),
        nonfinite_epoch=div.epoch - start_epoch if div is not None and div.epoch > start_epoch else None,
        spec=s.spec,
        params=s.params,
        dataset=s.dataset,
    )


def _train(s: Session, epochs: int) -> Track:
    start = s.epoch
    out = s.train(epochs)
    if not out:  # diverged in its first epoch (or no training rows): an empty history of the right keys
        out = {"epoch": np.zeros(0, int), "train_loss": np.zeros(0)}
    return _track(s, out, start)


def _race_tracks(race: Race, ids: list[str]) -> dict[str, Track]:
    m = race.metrics
    out = {}
    for i, opt in enumerate(race.racers):
        finite = np.asarray(m["finite"][i], bool)
        n = int(np.argmin(finite)) if not finite.all() else len(finite)  # epochs before the first non-finite
        hist = {k: np.asarray(v[i])[:n] for k, v in m.items() if k not in ("finite", "bad_layer")}
        out[ids[i]] = Track(
            history=hist,
            steps_per_epoch=steps_per_epoch(race.dataset, race.base_spec),
            n_train=int((~race.dataset.test).sum()),
            learning_rate=float(opt.learning_rate),
            nonfinite_epoch=n + 1 if n < len(finite) else None,
            spec=race.base_spec,
            params=race.params(i),
            dataset=race.dataset,
            label=race.labels[i],
        )
    return out


def racers(step: Step, base: Config) -> list[Optimizer]:
    """The step's racers as the engine's optimisers (each checked against the step's config)."""
    out = []
    for r in step.run.racers:
        out.append(parse_config({**base.without_weights().to_dict(), "optimizer": r.optimizer}).optimizer)
    return out


def run_step(step: Step, session_or_config: Session | Config | dict | None = None) -> RunResult:
    """Run the step with the engine and keep what its key and explanation read.

    - `epochs`: trains the given session (the page's: its board then shows the run) or a fresh one;
    - `backprop`: one explicit step on every training row (`Run.apply`: make it real, else nothing changes);
    - `race`: the racers from the session's (or the config's) weights, data and shuffling (`result.race`);
    - `compare`: one fresh session per variant, the step's config with the variant's overrides
      (`result.sessions`); a session passed in only lends its config.

    Without a session or config, the step's own config. `result.as_authored` says whether the run started
    from exactly the step's configuration, untrained."""
    t0 = time.perf_counter()
    own = parse_config(step.config())
    if session_or_config is None:
        session_or_config = own
    s = session_or_config if isinstance(session_or_config, Session) else None
    cfg = s.cfg if s is not None else _config(session_or_config)
    authored = cfg == own and (s is None or s.epoch == 0)
    kind = step.run.kind
    result = RunResult(kind, seed=cfg.seed, as_authored=authored)
    if kind in ("epochs", "backprop"):
        s = s if s is not None else Session(cfg)
        result.session = s
        if kind == "epochs":
            result.tracks["main"] = _train(s, step.run.epochs)
        else:
            if not (~s.dataset.test).any():
                raise LessonError(f"{step.where}: there are no training points to take a step on")
            st, opt_state = s.backprop_step("train")
            result.step = st
            if step.run.apply:
                s.apply_step(st, opt_state)
    elif kind == "race":
        ds = s.dataset if s is not None else Session(cfg).dataset
        try:
            race = Race(cfg, ds, racers(step, cfg))
            race.run(step.run.epochs)
        except ConfigError as e:  # past what one race may cost a shared server
            raise LessonError(f"{step.where}: {e}") from None
        result.race = race
        result.tracks = _race_tracks(race, [r.id for r in step.run.racers])
    else:
        base: dict[str, Any] = cfg.to_dict() if not authored else step.config()
        for v in step.run.variants:
            vs = Session(parse_config(step.variant_config(v, base)))
            result.sessions[v.id] = vs
            result.tracks[v.id] = _train(vs, v.epochs or step.run.epochs)
    result.seconds = time.perf_counter() - t0
    return result
