"""Compiled programs are bounded (engine/programs.py): a server that sees many networks keeps its memory
mappings and memory flat instead of growing until LLVM runs out of mappings and the process dies."""

from __future__ import annotations

import numpy as np
import pytest

from engine import limits, programs
from engine.config import parse_config
from engine.session import Session
from engine.train import train_epochs


def _maps() -> int:
    with open("/proc/self/maps") as f:
        return sum(1 for _ in f)


def _session(a: int, b: int = 2) -> Session:
    return Session(parse_config({"data": {"generator": "moons", "n": 60}, "hidden": [a, b], "activation": "elu"}))


def _use(s: Session) -> None:
    s.train(10)
    s.grid(30)
    s.report()


@pytest.fixture
def small_cache(monkeypatch):
    programs.clear()
    monkeypatch.setattr(limits, "MAX_PROGRAM_SPECS", 3)
    monkeypatch.setattr(limits, "MAX_SPECULATIVE_SPECS", 2)
    yield
    programs.clear()


def test_least_recently_used_networks_are_evicted(small_cache):
    sessions = [_session(a) for a in range(2, 7)]
    for s in sessions:
        _use(s)
    assert programs.live_specs() == (3, 0)
    assert programs.held(sessions[-1].spec) and not programs.held(sessions[0].spec)
    # an evicted network compiles again and trains on exactly as it would have
    twin = _session(2)
    _use(twin)
    for (W, b), (W2, b2) in zip(sessions[0].params, twin.params, strict=True):
        np.testing.assert_array_equal(W, W2)
        np.testing.assert_array_equal(b, b2)
    sessions[0].train(5)
    twin.train(5)
    np.testing.assert_allclose(np.asarray(sessions[0].params[0][0]), np.asarray(twin.params[0][0]), rtol=1e-6)


def test_speculative_programs_go_first_and_a_session_promotes_them(small_cache):
    used = [_session(a) for a in (2, 3)]
    for s in used:
        _use(s)
    with programs.speculative():
        warm = [_session(a) for a in (4, 5, 6)]
        for s in warm:
            _use(s)
    assert programs.live_specs() == (2, 2)  # three warmed, two kept; the sessions' own programs stay
    assert all(programs.held(s.spec) for s in used) and not programs.held(warm[0].spec)
    _use(warm[-1])  # a session uses a warmed network: it joins the used tier
    assert programs.live_specs() == (3, 1)


def test_memory_mappings_stay_flat_over_many_networks(small_cache):
    """Without eviction every network adds ~570 mappings (and ~28 MB); here ten more networks add few."""
    for a in range(2, 6):
        _use(_session(a))
    before = _maps()
    for a in range(6, 16):
        _use(_session(a))
    grown = _maps() - before
    assert grown < 10 * 100, f"{grown} new mappings over 10 networks"
    assert programs.live_specs()[0] == 3
    assert train_epochs.compiled() <= 3 * len(limits.EPOCH_CHUNKS)
