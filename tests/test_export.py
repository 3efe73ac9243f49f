"""Export → import resumes a run exactly: every setting, the split, the epoch, the optimiser's state (Adam's
moments, the step count) and the shuffling key, so the next epochs' weights are the ones the run would have had."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from engine.config import load_config, parse_document
from engine.session import Session
from playground import state

CONFIGS = {
    "adam full batch": {"data": {"generator": "moons", "n": 80}, "batch_size": None, "optimizer": "adam"},
    "momentum k=7": {"data": {"generator": "xor", "n": 90}, "batch_size": 7, "optimizer": "momentum"},
    "adagrad sgd(1)": {"data": {"generator": "circle", "n": 40}, "batch_size": 1, "optimizer": "adagrad"},
    "rmsprop clipped l2": {
        "data": {"generator": "spiral", "n": 120, "classes": 3},
        "optimizer": "rmsprop",
        "clip_norm": 1.0,
        "regularization": {"kind": "l2", "rate": 0.01},
        "hidden": [5, 3],
    },
    "adamw cosine dropout": {
        "problem": "regression",
        "data": {"generator": "plane", "n": 64},
        "optimizer": "adamw",
        "schedule": {"name": "cosine", "decay_epochs": 30, "final_fraction": 0.1},
        "dropout": 0.2,
    },
}


def _configs():
    out = [pytest.param(parse_document(json.dumps(doc)), id=name) for name, doc in CONFIGS.items()]
    out += [pytest.param(load_config(p), id=p.stem) for p in state.presets().values()]
    return out


@pytest.mark.parametrize("cfg", _configs())
def test_an_exported_state_resumes_exactly(cfg):
    s = Session(cfg)
    s.train(7)
    t = Session(parse_document(json.dumps(s.export())))
    # every setting comes back (the data now travel inline, with their split)
    keep = ("data", "params", "trained_epochs", "train_state", "test_fraction", "features")
    a, b = (replace(c, **{k: None for k in keep}) for c in (s.cfg, t.cfg))
    assert a == b and t.spec == s.spec
    assert t.cfg.batch_size == s.cfg.batch_size and t.epoch == s.epoch == 7 + s.cfg.trained_epochs
    np.testing.assert_array_equal(t.dataset.x, s.dataset.x)
    np.testing.assert_array_equal(t.dataset.test, s.dataset.test)
    m_s, m_t = s.train(10), t.train(10)
    for (W, bias), (W2, b2) in zip(s.params, t.params, strict=True):
        np.testing.assert_allclose(np.asarray(W2), np.asarray(W), rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(np.asarray(b2), np.asarray(bias), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(m_t["train_loss"], m_s["train_loss"], rtol=1e-5)


def test_a_train_state_that_does_not_fit_is_refused_in_one_line():
    s = Session(parse_document(json.dumps(CONFIGS["adam full batch"])))
    s.train(3)
    doc = s.export()
    doc["optimizer"] = {"name": "momentum", "learning_rate": 0.03}
    from engine.config import ConfigError

    with pytest.raises(ConfigError, match=r"^train_state\.optimizer: \d+ arrays; this optimiser keeps \d+$"):
        Session(parse_document(json.dumps(doc)))
    doc = s.export()
    doc["train_state"]["key"] = ["a", "b"]
    with pytest.raises(ConfigError, match=r"^train_state\.key: must be finite numbers$"):
        Session(parse_document(json.dumps(doc)))
