"""Compile ahead, in a background thread, what the next architecture change will need.

A new network (another width, layer count or activation) means a new Session, whose first board frame traces and
compiles the grid program and the eager operations of initialisation and prediction for the new shapes: about a
second on a 2-core CPU with an empty JAX cache, a few tenths with engine/cache.py's persistent cache (tracing and
loading remain). `prewarm(session)` queues the networks next to the one shown (one neuron more or fewer in each
hidden layer, a layer more or fewer, each other activation) and a low-priority daemon thread builds each exactly
as the page does (Session, board frame, metrics report). Their programs then sit in this process's caches, so the
change costs no compilation at all, and in the persistent cache for the next start. The thread works only between
script runs (never while Play streams frames), and each call replaces the queue: stale neighbours are dropped.
Training programs are not warmed: one costs seconds of compilation, which would delay the page when it overlaps.
BACKPROP_PREWARM=0 turns it off (the test suite does, to keep its timings its own).

Measured with `python -m tools.bench --only arch` (2-core CPU, TensorFlow Playground's default network, six
neighbouring changes 3 s apart): new boundary after a change, median / max, without → with the warm-up: empty
JAX cache 910 / 1,301 ms → 311 / 432 ms; filled cache 338 / 532 ms → 361 / 458 ms; a rerun that compiles nothing
takes ≈ 260 ms.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import logging
import os
import threading
import time
from collections.abc import Callable

from engine import limits, programs
from engine.activations import HIDDEN
from engine.config import Config
from engine.data import Dataset
from engine.inputs import make_spec
from engine.session import Session
from playground import board

log = logging.getLogger(__name__)
NEW_LAYER_WIDTH = 4  # what the page gives a hidden layer it adds
SCRIPT_THREAD = "ScriptRunner.scriptThread"  # Streamlit's thread for one script run
POLL_S = 0.05
MAX_DONE = 4096

_lock = threading.Lock()
_wake = threading.Event()
_stop = threading.Event()
_todo: list[tuple[tuple, Callable[[], None]]] = []
_done: set[tuple] = set()
_thread: threading.Thread | None = None


def neighbours(cfg: Config) -> list[Config]:
    """The configs one sidebar step away, likeliest first: ±1 neuron per hidden layer, ±1 layer, activations."""
    h, out = cfg.hidden, []
    for i, w in enumerate(h):
        for d in (1, -1):
            if limits.MIN_NEURONS <= w + d <= limits.MAX_NEURONS:
                out.append(dataclasses.replace(cfg, hidden=(*h[:i], w + d, *h[i + 1 :])).without_weights())
    if len(h) < limits.MAX_HIDDEN_LAYERS:
        out.append(dataclasses.replace(cfg, hidden=(*h, NEW_LAYER_WIDTH)).without_weights())
    if h:
        out.append(dataclasses.replace(cfg, hidden=h[:-1]).without_weights())
    out += [dataclasses.replace(cfg, activation=a) for a in HIDDEN if a != cfg.activation]
    return out


def _key(cfg: Config, ds: Dataset) -> tuple:
    """What decides the compiled programs: the static spec, the initialiser, and the data's shapes."""
    return (make_spec(cfg, ds), cfg.init, cfg.params is not None, ds.dim, ds.n, int(ds.test.sum()))


def _boundary(cfg: Config, ds: Dataset) -> None:
    with programs.speculative():  # evicted before any program a session uses (engine/programs.py)
        s = Session(cfg, ds)
        if _wait_idle():
            board.base_figures(s)
            board.frame(s, 0, "", [])
        if _wait_idle():
            s.report(test=bool(ds.test.any()))


def _page_busy() -> bool:
    """A Streamlit script run is in progress (its thread lives only while it runs, and all along while Play
    streams frames): the warm-up waits rather than compete with it for the two cores and the GIL."""
    return any(t.name == SCRIPT_THREAD for t in threading.enumerate())


def _wait_idle() -> bool:
    """Wait for the end of the script run in progress; False when the process is exiting."""
    while _page_busy() and not _stop.is_set():
        time.sleep(POLL_S)
    return not _stop.is_set()


def _work() -> None:
    with contextlib.suppress(OSError, AttributeError):  # Linux: lower this thread's priority only
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
    while not _stop.is_set():
        _wake.wait()
        if not _wait_idle():
            break
        with _lock:
            if not _todo:
                _wake.clear()
                continue
            key, job = _todo.pop(0)
            if key in _done and programs.held(key[0]):
                continue
            _done.add(key)
        try:
            job()
        except Exception:  # a neighbour the engine refuses, or anything else: the page will say so if it matters
            log.debug("warm-up of %s failed", key[0], exc_info=True)


def prewarm(session: Session) -> None:
    """Queue the session's neighbouring networks for compiling in the background. Returns at once (well under a
    millisecond); call it at the end of every script run."""
    global _thread
    if os.environ.get("BACKPROP_PREWARM", "1") == "0":
        return
    cfg, ds = session.cfg, session.dataset
    jobs = []
    with _lock:
        if len(_done) > MAX_DONE:  # keys only; what they compiled is bounded by engine/programs.py
            _done.clear()
        _done.add(_key(cfg, ds))
        for c in neighbours(cfg):
            try:
                k = _key(c, ds)
            except ValueError:  # ConfigError: e.g. an output layer this network cannot have
                continue
            if k not in _done or not programs.held(k[0]):
                jobs.append((k, lambda c=c: _boundary(c, ds)))
        _todo[:] = jobs
        if _thread is None:
            _thread = threading.Thread(target=_work, name="backprop-warm-up", daemon=True)
            _thread.start()
            atexit.register(_shutdown)
    _wake.set()


def _shutdown() -> None:
    """At exit, let the job in progress finish its step: a thread killed inside XLA aborts the process."""
    _stop.set()
    _wake.set()
    if _thread is not None:
        _thread.join(timeout=60)
