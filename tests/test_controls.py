"""The table of controls (playground/controls.py): settings ↔ config and link ↔ config are one table's, and agree
with each other for every preset and for random valid configs; links made by the version before the table open
the same set-up (tests/links.json, recorded from that version)."""

from __future__ import annotations

import json
import random
from dataclasses import fields
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from engine.activations import HIDDEN
from engine.config import (
    CLASSIFICATION_GENERATORS,
    MULTI_CLASS_GENERATORS,
    OPTIMIZERS,
    SCHEDULES,
    Config,
    ConfigError,
    one_d_data,
    parse_config,
)
from engine.losses import ALLOWED_OUTPUT
from engine.model import INITS
from playground import controls, state
from playground.controls import CONTROLS, Context

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "playground" / "app.py")
LINKS = json.loads((ROOT / "tests" / "links.json").read_text())


def context_of(cfg: Config) -> Context:
    return Context(dim=1 if one_d_data(cfg.data) else 2, own="generator" not in cfg.data, classes=max(cfg.classes, 2))


def through_settings(cfg: Config) -> Config:
    return parse_config(controls.document_of(controls.settings_of(cfg, context_of(cfg)), cfg))


def through_link(cfg: Config) -> Config:
    back, notices = controls.query_to_config(controls.config_to_query(cfg))
    assert notices == []
    return back


def setup(cfg: Config) -> dict:
    """What a set-up is: the config without what is not a setting."""
    d = cfg.to_dict()
    for k in controls.NOT_CONTROLS:
        d.pop(k, None)
    d["features"] = d.get("features") or controls.default_features(context_of(cfg).dim)  # None: the default
    return d


def random_config(rng: random.Random) -> Config | None:
    problem = rng.choice(("classification", "regression"))
    if problem == "classification":
        gen = rng.choice(CLASSIFICATION_GENERATORS)
        data = {"generator": gen, "classes": rng.randint(2, 5) if gen in MULTI_CLASS_GENERATORS else 2}
    else:
        gen = rng.choice(("plane", "gaussian_bumps", "sine", "square"))
        data = {"generator": gen}
    data |= {"n": rng.randint(4, 2000), "noise": round(rng.uniform(0, 0.5), 2), "seed": rng.randint(0, 99)}
    one_d = gen in ("sine", "square")
    feats = ["x1", "x1^2", "sin(x1)"] if one_d else ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    opt = rng.choice(list(OPTIMIZERS))
    doc = {
        "problem": problem,
        "data": data,
        "test_fraction": rng.choice((0.0, 0.2, 0.5, 0.9)),
        "features": rng.sample(feats, rng.randint(1, len(feats))),
        "hidden": [rng.randint(1, 8) for _ in range(rng.randint(0, 6))],
        "activation": rng.choice(HIDDEN),
        "init": rng.choice(INITS),
        "optimizer": {
            "name": opt,
            "learning_rate": rng.choice(controls.LEARNING_RATES),
            **{k: round(rng.uniform(lo, hi), 4) for k, (_, lo, hi) in OPTIMIZERS[opt].items()},
        },
        "batch_size": rng.choice((None, 1, 2, 10, 25)),
        "regularization": {"kind": rng.choice(("none", "l1", "l2"))},
        "dropout": rng.choice((0.0, 0.1, 0.5)),
        "clip_norm": rng.choice((None, 0.5, 2.0)),
        "schedule": {
            "name": rng.choice(SCHEDULES),
            "warmup_epochs": rng.choice((0, 5)),
            "step_epochs": rng.randint(1, 500),
            "gamma": rng.choice((0.1, 0.5, 0.9)),
            "decay_epochs": rng.randint(1, 5000),
            "final_fraction": rng.choice((0.0, 0.05, 0.5)),
        },
        "seed": rng.randint(0, 1000),
    }
    if doc["regularization"]["kind"] != "none":
        doc["regularization"]["rate"] = rng.choice(controls.REG_RATES[1:])
    if rng.random() < 0.5:
        loss = rng.choice(("mse", "half_sse") if problem == "regression" else ("mse", "half_sse", "cross_entropy"))
        doc["loss"] = loss
        outs = [o for o in ALLOWED_OUTPUT[loss] if problem == "classification" or o != "softmax"]
        if rng.random() < 0.5:
            doc["output_activation"] = rng.choice(outs)
    try:
        return parse_config(doc)
    except ConfigError:
        return None


RANDOM = [c for c in (random_config(random.Random(i)) for i in range(300)) if c is not None]


def test_there_are_enough_random_configs():
    assert len(RANDOM) >= 200


@pytest.mark.parametrize("title", list(state.presets()))
def test_every_preset_survives_the_settings_and_its_link(title):
    cfg = state.load_preset(state.presets()[title])
    assert setup(through_settings(cfg)) == setup(cfg)
    assert through_settings(cfg).params == cfg.params  # the preset's weights stay with an unchanged network
    if "generator" in cfg.data:
        assert setup(through_link(cfg)) == setup(cfg)


def test_random_configs_survive_the_settings_and_their_links():
    for cfg in RANDOM:
        assert setup(through_settings(cfg)) == setup(cfg), cfg
        assert setup(through_link(cfg)) == setup(cfg), controls.config_to_query(cfg)


def test_every_config_field_is_a_setting_or_listed_as_not_one():
    covered = {c.field for c in CONTROLS}
    names = {f.name for f in fields(Config)}
    assert covered | set(controls.NOT_CONTROLS) == names
    assert not covered & set(controls.NOT_CONTROLS)


def test_every_control_is_one_complete_record():
    seen_links = set()
    for c in CONTROLS:
        assert c.label and c.tooltip(controls.settings_of(Config(), Context())), c.name
        assert c.kind in ("select", "radio", "number", "slider", "select_slider", "multiselect", "checkbox")
        assert c.section in controls.SECTIONS
        if c.kind in ("number", "slider"):
            assert c.lo is not None and c.hi is not None and c.lo < c.hi, c.name
        if c.link:
            assert c.link not in seen_links and c.link not in controls.UI_KEYS
            seen_links.add(c.link)
        assert c.path or c.read is not None, c.name


def test_the_cosine_final_fraction_is_one_record_that_travels():
    """The control added to show that a new setting is one record: shown under cosine only, in the link."""
    [final] = [c for c in CONTROLS if c.name == "final"]
    settings = controls.settings_of(Config(), Context())
    assert not final.shown(settings, Context()) and final.shown(settings | {"sched": "cosine"}, Context())
    cfg, notes = controls.query_to_config({"sched": "cosine", "final": "0.1"})
    assert notes == [] and cfg.schedule.final_fraction == 0.1
    assert controls.config_to_query(cfg)["final"] == "0.1"
    assert through_settings(cfg).schedule.final_fraction == 0.1


@pytest.mark.parametrize(
    "query, notice",
    [
        ({"lr": "abc"}, "lr: must be a number, got abc; using the default"),
        ({"hidden": "2,x"}, "hidden: must be a number, got x"),
        ({"classes": "3"}, "classes: circle has 2 classes"),
        ({"b1": "0.5"}, None),  # sgd has no β₁: dropped silently
        ({"opt": "adam", "b1": "7"}, "b1: must be between 0 and 0.9999, got 7; using the default"),
        ({"zzz": "1"}, "zzz: unknown setting; ignored"),
        ({"n": "9" * 300}, "n: value too long; ignored"),
        ({"out": "linear"}, "out: bce needs sigmoid output"),
    ],
)
def test_a_bad_link_value_is_refused_alone(query, notice):
    cfg, notes = controls.query_to_config({**query, "act": "relu"})
    assert cfg.activation == "relu"  # the good setting beside it applies
    if notice is None:
        assert notes == []
    else:
        assert len(notes) == 1 and (notes[0].startswith(notice) or notice in notes[0]), notes


def test_hidden_1_message_names_the_link_key():
    _, notes = controls.query_to_config({"hidden": "2,x"})
    assert notes == ["hidden: must be a number, got x; using the default"]


# ---- links made by the version before the table (tests/links.json) -------------------------------------------
def open_link(link: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for part in filter(None, link.split("&")):
        k, v = part.split("=", 1)
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("rec", LINKS, ids=[r["link"] or "(none)" for r in LINKS])
def test_old_links_open_the_same_set_up(rec):
    at = open_link(rec["link"])
    page = at.session_state.page
    cfg = page.session.cfg.to_dict()
    if "generator" not in cfg["data"]:
        cfg.pop("data")
    assert cfg == rec["config"]
    assert page.session.dataset.n == rec["dataset_n"]
    assert [t.label for t in at.tabs] == rec["tabs"]
    assert [w.value for w in at.warning] == rec["warnings"]
    if rec["open"] is not None:
        assert page.tab == rec["open"]


def test_a_links_final_fraction_outlives_a_learning_rate_change():
    """Issue 10: `?sched=cosine&final=0.1`, Step 10, move the learning rate: the link lost `final` and training
    went back to epoch 0."""
    at = open_link("sched=cosine&final=0.1")
    [step10] = [b for b in at.button if b.label == "Step 10"]
    step10.click().run()
    [lr] = [w for w in at.select_slider if str(w.key).startswith("w_lr@")]
    lr.set_value(0.1).run()
    assert not at.exception
    s = at.session_state.page.session
    assert s.epoch == 10 and s.cfg.schedule.final_fraction == 0.1 and s.cfg.optimizer.learning_rate == 0.1
    assert at.query_params["final"] == ["0.1"] or at.query_params["final"] == "0.1"
