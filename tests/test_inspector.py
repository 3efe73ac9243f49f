"""The step inspector's numbers against independent computations, and the pure builders of the other panels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import reference
from engine.activations import HIDDEN
from engine.config import Optimizer, parse_config
from engine.data import Dataset
from engine.session import Session
from engine.views import layer_activations, neuron_maps
from playground import inspector, network, panels, state, warp
from playground.resources import PRESETS_DIR

WORKED = json.loads((PRESETS_DIR / "worked_2-2-2-2.json").read_text())


def sig(z):
    return 1 / (1 + np.exp(-z))


def test_worked_example_numbers_equal_a_hand_computation():
    """The articles' 2-2-2-2 example in the textbook convention z = W·a + b, computed here in NumPy float64."""
    W = [np.array([[0.1, 0.2], [0.3, 0.4]]), np.array([[0.5, 0.6], [0.7, 0.8]]), np.array([[0.9, 1.0], [1.1, 1.2]])]
    b = [np.array([0.1, 0.2]), np.array([0.5, 0.6]), np.array([0.9, 1.0])]
    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    a, zs, acts = x, [], [x]
    for Wl, bl in zip(W, b, strict=True):
        zs.append(Wl @ a + bl)
        a = sig(zs[-1])
        acts.append(a)
    loss = 0.5 * ((y - a) ** 2).sum()
    d = [None] * 3
    d[2] = (a - y) * a * (1 - a)
    for l in (1, 0):
        d[l] = (W[l + 1].T @ d[l + 1]) * acts[l + 1] * (1 - acts[l + 1])
    grads = [np.outer(d[l], acts[l]) for l in range(3)]  # ∂L/∂W in the textbook's (out, in) layout

    s = Session(parse_config(WORKED))
    step, _ = s.backprop_step("train")
    np.testing.assert_allclose(step.z[0][0], [0.6, 1.3], atol=1e-6)
    np.testing.assert_allclose(step.a[-1][0], [0.9205, 0.9466], atol=1e-4)
    assert abs(step.data_loss - 6.8238) < 1e-3 and abs(step.data_loss - loss) < 1e-5
    for l in range(3):
        np.testing.assert_allclose(step.z[l][0], zs[l], rtol=1e-5)
        np.testing.assert_allclose(step.delta[l][0], d[l], rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(step.dW[l], grads[l].T, rtol=1e-4, atol=1e-7)  # engine W = textbook Wᵀ
        np.testing.assert_allclose(step.new_params[l][0], (W[l] - 0.1 * grads[l]).T, rtol=1e-5)
    assert step.max_diff_vs_autodiff < 1e-6

    _, yt = s.rows("train")
    text = "\n".join(line for sec in inspector.sections(step, s.spec, yt, {"learning_rate": 0.1}) for line in sec.lines)
    for shown in ("0.6 & 1.3", "0.9205 & 0.9466", "6.82377", "-0.1521 & -0.1544", "0.1013 & 0.3011"):
        assert shown in text, shown


@pytest.mark.parametrize("act", HIDDEN)
def test_random_networks_of_every_activation(act):
    """Forward values by NumPy, gradients by jax.grad (and, where it exists, the NumPy reference backprop)."""
    cfg = parse_config(
        {
            "problem": "regression",
            "data": {"generator": "gaussian_bumps", "n": 24, "noise": 0.1, "seed": 5},
            "hidden": [5, 3],
            "activation": act,
            "output_activation": "linear",
            "loss": "mse",
            "optimizer": {"name": "sgd", "learning_rate": 0.05},
            "seed": 11,
        }
    )
    s = Session(cfg)
    step, _ = s.backprop_step("train")
    x, y = s.rows("train")
    params = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in s.params]
    fn = {
        "sigmoid": sig,
        "tanh": np.tanh,
        "relu": lambda z: np.maximum(z, 0),
        "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
        "elu": lambda z: np.where(z > 0, z, np.expm1(np.minimum(z, 0))),
        "gelu": lambda z: 0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3))),
        "linear": lambda z: z,
    }[act]
    a = np.asarray(x, np.float64)
    for l, (W, b) in enumerate(params):
        z = a @ W + b
        np.testing.assert_allclose(step.z[l], z, rtol=1e-4, atol=1e-5)
        a = z if l == len(params) - 1 else fn(z)
    np.testing.assert_allclose(step.data_loss, ((a - y) ** 2).mean(), rtol=1e-4)
    if act in reference.ACT:
        _, ref = reference.grads(params, np.asarray(x, np.float64), y, act, "linear", "mse")
        for (dW, db), (rW, rb) in zip(zip(step.dW, step.db, strict=True), ref, strict=True):
            np.testing.assert_allclose(dW, rW, rtol=1e-3, atol=1e-6)
            np.testing.assert_allclose(db, rb, rtol=1e-3, atol=1e-6)
    assert step.max_diff_vs_autodiff < 1e-5
    secs = inspector.sections(step, s.spec, y, {"learning_rate": 0.05})
    assert [sec.title[0] for sec in secs] == list("12345")
    assert inspector.num(step.z[0][0, 0]) in secs[0].lines[0]


def test_apply_step_equals_one_full_batch_epoch():
    cfg = parse_config(
        {**{k: v for k, v in WORKED.items() if k != "view"}, "optimizer": {"name": "sgd", "learning_rate": 0.1}}
    )
    a, b = Session(cfg), Session(cfg)
    step, st = a.backprop_step("train")
    a.apply_step(step, st)
    b.train(1)
    for (Wa, ba), (Wb, bb) in zip(a.params, b.params, strict=True):
        np.testing.assert_allclose(np.asarray(Wa), np.asarray(Wb), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(ba), np.asarray(bb), rtol=1e-6)


def test_adam_update_shows_moments_and_bias_correction():
    doc = {k: v for k, v in WORKED.items() if k != "view"}
    doc["optimizer"] = {"name": "adam", "learning_rate": 0.01}
    s = Session(parse_config(doc))
    step, _ = s.backprop_step("train")
    g = step.dW[0]
    sec = inspector.update_section(step, s.spec, {"learning_rate": 0.01, "b1": 0.9, "b2": 0.999, "eps": 1e-8})
    text = "\n".join(sec.lines)
    assert r"\hat m" in text and "t = 1" in text
    assert inspector.mat(0.1 * g) in text  # m = (1 − β₁)·g after the first step
    assert inspector.mat(0.001 * g**2) in text  # v = (1 − β₂)·g²
    # Adam's first step moves every weight by ≈ η·sign(g)
    np.testing.assert_allclose(np.abs(step.updates[0][0]), 0.01, rtol=1e-3)


def test_matrix_elision():
    m = inspector.mat(np.arange(100.0).reshape(10, 10))
    assert r"\cdots" in m and r"\vdots" in m and r"_{10\times10}" in m
    assert inspector.num(1.5e-7) == r"1.500{\times}10^{-7}"


# ---- network diagram, warp, classroom flags --------------------------------------------------------------------
@pytest.fixture(scope="module")
def trained():
    cfg = parse_config({"data": {"generator": "xor", "n": 200, "seed": 2}, "hidden": [4, 3], "activation": "tanh"})
    s = Session(cfg)
    s.train(50)
    return s


def test_network_figure_has_a_map_per_neuron_and_a_link_per_weight(trained):
    s = trained
    maps = [np.asarray(m) for m in neuron_maps(s.spec, s.params, s.dataset.bounds(), 16, 2)]
    assert [m.shape[-1] for m in maps] == list(s.spec.sizes)
    params = [(np.asarray(W), np.asarray(b)) for W, b in s.params]
    fig = network.network_figure(maps, params, s.spec.features, g=16)
    neurons = next(t for t in fig.data if t.name == "neurons")
    links = next(t for t in fig.data if t.name == "links")
    assert len(neurons.customdata) == sum(s.spec.sizes)
    assert len(links.x) == sum(W.size for W, _ in params)
    assert len(fig.layout.images) == 1 and fig.layout.images[0].source.startswith("data:image/png;base64,")
    W0 = params[0][0]
    assert f"W0[0,0] = {W0[0, 0]:.4g}" in links.text[0]
    step, _ = s.backprop_step("train")
    gfig = network.network_figure(maps, params, s.spec.features, list(zip(step.dW, step.db, strict=True)), g=16)
    glinks = next(t for t in gfig.data if t.name == "links")
    assert f"∂L/∂W = {step.dW[0][0, 0]:.4g}" in glinks.text[0]
    sel = network.network_figure(maps, params, s.spec.features, selected=(1, 2), g=16)
    assert any(sh.line.color == "#d62728" for sh in sel.layout.shapes)


def test_mosaic_places_each_thumbnail_where_its_neuron_is():
    maps = [np.ones((8, 8, 2)), -np.ones((8, 8, 3)) * np.linspace(0, 1, 8)[None, :, None], np.zeros((8, 8, 1))]
    img, _ = network.mosaic(maps, (2, 3, 1), 8)
    assert np.isnan(img).any() and np.nanmax(img) <= 1 and np.nanmin(img) >= -1
    assert (~np.isnan(img)).sum() == 6 * 64


def test_warp_projection_and_layer_activations(trained):
    s = trained
    lines = warp.grid_lines(s.dataset.bounds(), 2, n=5, pts=7)
    assert len(lines) == 10 and lines[0].shape == (7, 2)
    acts = layer_activations(s.spec, s.params, np.asarray(s.dataset.x, np.float32))
    assert [a.shape[1] for a in acts] == list(s.spec.sizes)
    h = np.asarray(acts[1])
    M, mean, _ = warp.projection(h, (0, 2))
    np.testing.assert_allclose((h - mean) @ M, h[:, [0, 2]])
    M, mean, titles = warp.projection(h, warp.PCA)
    p = (h - mean) @ M
    assert titles[0] == "component 1" and p[:, 0].var() >= p[:, 1].var()


def test_classroom_flags_and_nearest_point():
    hidden, present, notes = state.classroom_flags("data, race,bogus", "1", [t.flag for t in panels.TABS])
    assert hidden == {"data", "race"} and present and len(notes) == 1 and "bogus" in notes[0]
    css = state.page_css(hidden, present)
    assert ".st-key-sec_data{display:none}" in css and "font-size:20px" in css
    assert state.classroom_flags(None, "maybe")[2]
    ds = Dataset(np.array([[0.0, 0.0], [3.0, 3.0]]), np.array([0, 1]), np.zeros(2, bool), "classification", 2)
    assert state.nearest_point(ds, {"pts": [[2.9, 3.2]], "radius": 0.5}) == 1
    assert state.nearest_point(ds, {"pts": [[1.5, 1.5]], "radius": 0.1}) is None


def test_race_rows_are_checked():
    from playground.panels import racers_from_rows

    racers = racers_from_rows([{"optimizer": "adam", "learning_rate": 0.01}, {"optimizer": "sgd", "learning_rate": 1}])
    assert [r.name for r in racers] == ["adam", "sgd"] and dict(racers[0].hyper)["b1"] == 0.9
    assert isinstance(racers[0], Optimizer)
    for bad in ([{"optimizer": "lbfgs", "learning_rate": 0.1}], [{"optimizer": "sgd", "learning_rate": -1}], []):
        with pytest.raises(Exception, match="race"):
            racers_from_rows(bad)
    with pytest.raises(Exception, match="row 2 has a learning rate but no optimiser"):
        racers_from_rows([{"optimizer": "adam", "learning_rate": 0.01}, {"optimizer": None, "learning_rate": 0.1}])


def test_a_chain_with_many_matrices_is_stacked_one_equals_sign_a_line():
    from playground.inspector import mat, stacked

    m = mat(np.ones((2, 2)))
    line = rf"z^{{(1)}} = a^{{(0)}}W^{{(1)}} + b^{{(1)}} = {m}{m} + {m} = {m}"
    out = stacked(line)
    assert out.startswith(r"\begin{aligned}") and out.count("&=") == 3 and out.count(m) == 4
    short = rf"a = \sigma(z) = {m}"
    assert stacked(short) == short  # one or two matrices stay on one line
