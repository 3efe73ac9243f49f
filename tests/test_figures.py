"""The playground's pure functions without Streamlit: figure builders, board frames, drawing, URL state."""

from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from engine.config import Config, parse_config
from engine.data import DataError, from_points
from engine.session import Session
from playground import board, figures, state
from playground.urlstate import config_to_query, query_to_config


def softmax(a: np.ndarray) -> np.ndarray:
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def history(n: int, layers: int = 2, reg: bool = False) -> dict[str, np.ndarray]:
    e = np.arange(1, n + 1)
    return {
        "epoch": e,
        "train_loss": 1.0 / e,
        "test_loss": 1.2 / e,
        "reg_loss": 0.01 / e if reg else np.zeros(n),
        "test_score": 1 - 1.0 / (e + 1),
        "grad_norm": np.stack([np.full(n, 10.0**-l) for l in range(layers)], 1),
    }


# ---- boundary_field ---------------------------------------------------------------------------------------
def test_boundary_field_two_classes_is_p_class_1():
    rng = np.random.default_rng(0)
    out = softmax(rng.normal(size=(5, 5, 2)))
    f = figures.boundary_field(out, "classification", 2)
    assert f.z.shape == (5, 5)
    np.testing.assert_allclose(f.z, out[..., 1])
    assert (f.zmin, f.zmax) == (0.0, 1.0)
    assert f.z.min() >= 0 and f.z.max() <= 1
    assert f.label == "P(class 1)"


@pytest.mark.parametrize("k", [3, 5])
def test_boundary_field_k_classes_encodes_class_and_confidence(k):
    rng = np.random.default_rng(k)
    out = softmax(3 * rng.normal(size=(8, 8, k)))
    out[0, 0] = np.eye(k)[k - 1]  # fully confident in the last class
    out[0, 1] = np.full(k, 1.0 / k)  # no confidence at all
    f = figures.boundary_field(out, "classification", k)
    assert (f.zmin, f.zmax) == (0.0, float(k))
    assert f.z.min() >= 0 and f.z.max() <= k
    np.testing.assert_array_equal(np.floor(f.z).astype(int), out.argmax(-1))
    assert f.z[0, 0] == pytest.approx(k - 1 + 0.999)
    assert f.z[0, 1] == pytest.approx(0.0)
    assert len(f.colorscale) == 2 * k


def test_boundary_field_regression_uses_target_range():
    out = np.linspace(-2, 2, 16).reshape(4, 4, 1)
    f = figures.boundary_field(out, "regression", 0, (-3.0, 3.0))
    np.testing.assert_array_equal(f.z, out[..., 0])
    assert (f.zmin, f.zmax) == (-3.0, 3.0)


# ---- boundary_figure --------------------------------------------------------------------------------------
def _points():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.5], [-1.0, 0.5], [0.5, -1.0]])
    y = np.array([0, 1, 1, 0, 1])
    test = np.array([False, False, True, True, False])
    wrong = np.array([False, True, True, False, False])  # one train and one test mistake
    return x, y, test, wrong


def test_boundary_figure_trace_order():
    x, y, test, wrong = _points()
    field = figures.boundary_field(softmax(np.zeros((4, 4, 2))), "classification", 2)
    fig = figures.boundary_figure(field, (-2, 3, -2, 2), x, y, test, "classification", wrong)
    assert [t.type for t in fig.data] == ["heatmap", "scatter", "scatter", "scatter"]
    assert [t.name for t in fig.data] == ["output", "train", "test", "misclassified"]
    np.testing.assert_array_equal(fig.data[1].x, x[~test, 0])
    np.testing.assert_array_equal(fig.data[2].y, x[test, 1])
    assert fig.data[2].visible is True
    assert len(fig.data[3].x) == 2
    assert list(fig.layout.xaxis.range) == [-2, 3]
    assert list(fig.layout.yaxis.range) == [-2, 2]


def test_boundary_figure_hiding_test_hides_its_mistakes():
    x, y, test, wrong = _points()
    fig = figures.boundary_figure(None, (-2, 3, -2, 2), x, y, test, "classification", wrong, show_test=False)
    assert len(fig.data) == 4
    assert fig.data[1].visible is True
    assert fig.data[2].visible is False
    np.testing.assert_array_equal(fig.data[3].x, [1.0])  # only the training mistake stays ringed
    np.testing.assert_array_equal(fig.data[3].y, [1.0])


def test_boundary_figure_regression_colours_by_target():
    x = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    y = np.array([[0.5], [-0.5], [1.0]])
    test = np.array([False, True, False])
    f = figures.boundary_field(np.zeros((3, 3, 1)), "regression", 0, (-1.0, 1.0))
    fig = figures.boundary_figure(f, (-1, 3, -1, 3), x, y, test, "regression")
    assert fig.data[0].showscale is True
    np.testing.assert_array_equal(fig.data[1].marker.color, [0.5, 1.0])
    assert (fig.data[1].marker.cmin, fig.data[1].marker.cmax) == (-1.0, 1.0)
    assert len(fig.data[3].x) == 0


# ---- curves over epochs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("log_y", [True, False])
def test_loss_figure_traces_and_axis(log_y):
    fig = figures.loss_figure(history(50, reg=True), "classification", log_y=log_y)
    assert [t.name for t in fig.data] == ["train loss", "test loss", "regularisation", "test accuracy"]
    assert fig.layout.yaxis.type == ("log" if log_y else "linear")
    assert fig.data[3].yaxis == "y2"
    assert len(fig.data[0].y) == 50 and len(fig.data[2].y) == 50


def test_loss_figure_empty_and_no_regularisation_and_decimated():
    empty = {k: np.zeros(0) for k in ("epoch", "train_loss", "test_loss", "reg_loss", "test_score")}
    fig = figures.loss_figure(empty, "regression")
    assert len(fig.data) == 4 and all(len(t.y) == 0 for t in fig.data)
    assert fig.data[3].name == "test R²"
    fig = figures.loss_figure(history(5000), "regression")
    assert len(fig.data) == 4
    assert len(fig.data[2].y) == 0  # no regularisation: empty trace, still in its place
    assert len(fig.data[0].x) <= figures.MAX_LINE_POINTS + 1
    assert fig.data[0].x[-1] == 5000 and fig.data[0].x[0] == 1


def test_layer_names_and_gradient_figure():
    assert figures.layer_names((2, 1)) == ["W0 (in→out)"]
    sizes = (2, 4, 3, 1)
    names = ["W0 (in→h1)", "W1 (h1→h2)", "W2 (h2→out)"]
    assert figures.layer_names(sizes) == names
    fig = figures.gradient_figure(history(30, layers=3), sizes)
    assert [t.name for t in fig.data] == names
    assert fig.layout.yaxis.type == "log"
    np.testing.assert_allclose(fig.data[2].y, np.full(30, 1e-2))
    empty = figures.gradient_figure(
        {"epoch": np.zeros(0), "grad_norm": np.zeros((0, 3))},
        sizes,
    )
    assert len(empty.data) == 3 and all(len(t.y) == 0 for t in empty.data)


@pytest.mark.parametrize("n,limit", [(0, 10), (5, 10), (10, 10), (11, 10), (1001, 400), (12345, 300)])
def test_decimate(n, limit):
    i = figures.decimate(n, limit)
    assert len(i) <= limit + 1  # the last index may be appended to `limit` evenly spaced ones
    assert len(i) <= max(n, 0)
    assert np.all(np.diff(i) > 0)
    if n:
        assert i[-1] == n - 1 and i[0] == 0
    if n <= limit:
        np.testing.assert_array_equal(i, np.arange(n))


def test_update_ratio_figure():
    sizes = (2, 4, 1)
    fig = figures.update_ratio_figure(np.array([1e-3, 2e-2]), sizes)
    assert len(fig.data) == 1 and fig.data[0].type == "bar"
    assert list(fig.data[0].x) == ["W0 (in→h1)", "W1 (h1→out)"]
    np.testing.assert_allclose(fig.data[0].y, [1e-3, 2e-2])
    assert fig.layout.yaxis.type == "log"
    assert any(s.y0 == 1e-3 for s in fig.layout.shapes)  # the healthy-size guide line
    none = figures.update_ratio_figure(None, sizes)
    assert np.isnan(np.asarray(none.data[0].y, float)).all() and len(none.data[0].y) == 2


def test_confusion_figure():
    conf = [[5, 1, 0], [2, 7, 1], [0, 0, 9]]
    fig = figures.confusion_figure(conf)
    [hm] = fig.data
    np.testing.assert_array_equal(hm.z, conf)
    assert list(hm.x) == ["class 0", "class 1", "class 2"] and list(hm.y) == list(hm.x)
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.xaxis.title.text == "predicted" and fig.layout.yaxis.title.text == "true"


# ---- board frames -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_session() -> Session:
    cfg = parse_config(
        {
            "problem": "classification",
            "data": {"generator": "xor", "n": 60, "noise": 0.1, "seed": 1},
            "test_fraction": 0.25,
            "hidden": [3],
            "batch_size": None,
        }
    )
    s = Session(cfg)
    s.train(3)
    return s


def test_frame_is_small_json_with_quantised_field(small_session):
    s = small_session
    f = board.frame(s, 7, "key", [f"a{i}" for i in range(40)])
    text = json.dumps(f)
    assert len(text) < 100_000
    assert f["seq"] == 7 and f["figs_key"] == "key" and f["label"] == "Epoch 3"
    assert f["acks"] == [f"a{i}" for i in range(10, 40)]  # the last 30
    assert f["g"] == 100
    z = np.frombuffer(base64.b64decode(f["z"]), np.uint8)
    assert z.size == 100 * 100
    assert "curve" not in f
    n = s.dataset.n
    assert all(len(f["pts"][k]) == n for k in "xyctw")
    assert sorted(set(f["pts"]["c"])) == [0, 1]
    assert sum(f["pts"]["t"]) == int(s.dataset.test.sum())
    assert f["loss"]["e"] == [1, 2, 3] and len(f["loss"]["tr"]) == 3
    assert f["loss"]["rg"] == []
    assert len(f["grad"]["g"]) == s.spec.n_layers and all(len(g) == 3 for g in f["grad"]["g"])

    hidden = board.frame(s, 8, "key", [], show_test=False)
    assert len(hidden["pts"]["x"]) == int((~s.dataset.test).sum())
    assert sum(hidden["pts"]["t"]) == 0
    assert hidden["pv"] != f["pv"]


def test_frame_quantisation_matches_field(small_session):
    s = small_session
    f = board.frame(s, 1, "k", [], g=20)
    z = np.frombuffer(base64.b64decode(f["z"]), np.uint8).reshape(20, 20)
    p1 = s.grid(20)["output"][..., 1]
    np.testing.assert_allclose(z / 255.0, p1, atol=1 / 255 + 1e-6)


def test_frame_one_d_has_a_curve():
    cfg = parse_config(
        {"problem": "regression", "data": {"generator": "sine", "n": 40, "noise": 0.0, "seed": 0}, "hidden": [3]}
    )
    s = Session(cfg)
    f = board.frame(s, 1, "k", [], g=50)
    json.dumps(f)
    assert "z" not in f
    assert len(f["curve"]["x"]) == 50 and len(f["curve"]["y"]) == 50
    np.testing.assert_allclose(f["pts"]["y"], s.dataset.y[:, 0], atol=1e-3)  # in 1-D the board's y is the target
    assert f["loss"]["e"] == []


def test_quantize():
    z = np.array([[0.0, 0.5], [1.0, 2.0]])
    q = np.frombuffer(base64.b64decode(board.quantize(z, 0.0, 1.0)), np.uint8)
    np.testing.assert_array_equal(q, [0, 128, 255, 255])


# ---- drawing ------------------------------------------------------------------------------------------------
def _cls_ds():
    return from_points([[0.0, 0.0], [1.0, 1.0], [3.0, 3.0]], [0, 1, 0], "classification", 2)


def test_apply_stroke_adds_classification_points():
    ds = _cls_ds()
    out = state.apply_stroke(ds, {"tool": "add", "pts": [[0.5, -0.5], [0.6, -0.4]], "label": 1})
    assert out.n == 5
    np.testing.assert_allclose(out.x[-2:], [[0.5, -0.5], [0.6, -0.4]])
    np.testing.assert_array_equal(out.y[-2:], [1, 1])
    assert not out.test[-2:].any()
    assert ds.n == 3  # the original is unchanged
    with pytest.raises(DataError):
        state.apply_stroke(ds, {"tool": "add", "pts": [[0, 0]], "label": 5})


def test_apply_stroke_erases_within_radius():
    ds = _cls_ds()
    out = state.apply_stroke(ds, {"tool": "erase", "pts": [[0.0, 0.0]], "radius": 1.5})
    np.testing.assert_allclose(out.x, [[3.0, 3.0]])  # (1, 1) is √2 < 1.5 away
    out = state.apply_stroke(ds, {"tool": "erase", "pts": [[0.0, 0.0]], "radius": 1.0})
    assert out.n == 2
    out = state.apply_stroke(ds, {"tool": "erase", "pts": [[10.0, 10.0]]})
    assert out.n == 3
    out = state.apply_stroke(ds, {"tool": "erase", "pts": []})
    assert out.n == 3


def test_apply_stroke_one_d_target_is_the_y_coordinate():
    ds = from_points([[0.0], [1.0]], [0.0, 1.0], "regression")
    assert ds.dim == 1
    out = state.apply_stroke(ds, {"tool": "add", "pts": [[0.5, 2.0]], "target": 9.0})
    np.testing.assert_allclose(out.x[-1], [0.5])
    np.testing.assert_allclose(out.y[-1], [2.0])
    # erasing in 1-D measures distance in the (x, y) plane
    out = state.apply_stroke(out, {"tool": "erase", "pts": [[0.5, 2.0]], "radius": 0.1})
    assert out.n == 2
    out = state.apply_stroke(ds, {"tool": "erase", "pts": [[1.0, 1.0]], "radius": 0.5})
    np.testing.assert_allclose(out.x, [[0.0]])
    out = state.apply_stroke(ds, {"tool": "erase", "pts": [[1.0, 5.0]], "radius": 0.5})
    assert out.n == 2  # same x, far away in y: kept


def test_apply_stroke_two_d_regression_uses_target():
    ds = from_points([[0.0, 0.0], [1.0, 1.0]], [0.0, 1.0], "regression")
    out = state.apply_stroke(ds, {"tool": "add", "pts": [[0.2, 0.3]], "target": 0.7})
    np.testing.assert_allclose(out.y[-1], [0.7], rtol=1e-6)


@pytest.mark.parametrize("pts", [[[float("nan"), 0.0]], [[0.0, float("inf")]], [[0.0, 0.0]] * 501])
def test_apply_stroke_rejects_bad_strokes(pts):
    with pytest.raises(DataError):
        state.apply_stroke(_cls_ds(), {"tool": "add", "pts": pts, "label": 0})


# ---- URL state ------------------------------------------------------------------------------------------------
ROUND_TRIP = [
    {},
    {"optimizer": {"name": "adam", "learning_rate": 0.01}, "hidden": [8, 8]},
    {
        "problem": "regression",
        "data": {"generator": "plane", "n": 200, "noise": 0.05, "seed": 3},
        "hidden": [],
        "batch_size": None,
        "activation": "relu",
        "regularization": {"kind": "l2", "rate": 0.001},
        "clip_norm": 2.5,
        "schedule": {"name": "cosine", "decay_epochs": 500},
        "seed": 7,
    },
    {
        "data": {"generator": "spiral", "n": 300, "noise": 0.05, "seed": 0, "classes": 3},
        "features": ["x1", "x2", "sin(x1)"],
        "optimizer": {"name": "momentum", "learning_rate": 0.1, "momentum": 0.5},
        "batch_size": 1,
        "dropout": 0.2,
    },
    {
        "problem": "regression",
        "data": {"generator": "sine", "n": 100, "noise": 0.1, "seed": 0},
        "features": ["x1"],
        "hidden": [6],
        "loss": "half_sse",
        "output_activation": "linear",
    },
]


@pytest.mark.parametrize("doc", ROUND_TRIP)
def test_url_round_trip(doc):
    cfg = parse_config(doc)
    q = config_to_query(cfg)
    assert all(isinstance(v, str) for v in q.values())
    back, notes = query_to_config(q)
    assert notes == []
    assert back.to_dict() == cfg.to_dict()
    assert config_to_query(back) == q


def test_default_config_has_empty_query():
    assert config_to_query(Config()) == {}


def test_junk_query_values_fall_back_with_notices():
    cfg, notes = query_to_config({"lr": "abc", "hidden": "100,2", "bogus": "1", "act": "swish", "preset": "x"})
    assert cfg.optimizer.learning_rate == 0.03
    assert cfg.hidden == (4, 2)
    assert cfg.activation == "tanh"
    keys = sorted(n.split(":")[0] for n in notes)
    assert keys == ["act", "bogus", "hidden", "lr"]  # preset is a page flag, not a config key
    assert all("\n" not in n for n in notes)
    cfg, notes = query_to_config({"n": "9" * 300})
    assert notes == ["n: value too long; ignored"] and cfg == Config()
