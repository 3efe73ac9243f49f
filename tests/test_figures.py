"""The playground's pure functions without Streamlit: figure builders, board frames, drawing, URL state."""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time

import numpy as np
import pytest

from engine.activations import HIDDEN
from engine.config import Config, parse_config
from engine.data import DataError, from_points
from engine.session import Session
from playground import board, figures, state, warm
from playground.controls import config_to_query, query_to_config
from playground.theme import CLASS_COLORS


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


def test_boundary_figure_keeps_one_to_one_scale_by_giving_up_domain():
    x, y, test, wrong = _points()
    fig = figures.boundary_figure(None, (-2, 2, -1, 3), x, y, test, "classification", wrong)
    assert fig.layout.yaxis.scaleanchor == "x" and fig.layout.yaxis.scaleratio == 1
    assert fig.layout.xaxis.constrain == "domain" and fig.layout.yaxis.constrain == "domain"
    m = fig.layout.margin
    assert m.l + m.r == m.t + m.b  # a square box gets a square plot area


def test_view_bounds_is_a_square_around_the_data():
    ds = from_points([[0.0, 0.0], [4.0, 1.0], [2.0, -1.0]], [0, 1, 0], "classification", 2)
    b, v = ds.bounds(), board.view_bounds(ds)
    assert v[1] - v[0] == pytest.approx(v[3] - v[2])
    assert v[0] <= b[0] and v[1] >= b[1] and v[2] <= b[2] and v[3] >= b[3]
    assert (v[0] + v[1]) / 2 == pytest.approx((b[0] + b[1]) / 2)
    assert (v[2] + v[3]) / 2 == pytest.approx((b[2] + b[3]) / 2)
    one_d = from_points([[0.0], [1.0]], [[0.0], [5.0]], "regression")
    assert board.view_bounds(one_d) == one_d.bounds()


def test_view_held_while_drawing_stays_put_until_a_point_leaves_it():
    empty = from_points([[0.0, 0.0]], [0], "classification", 2).keep(np.zeros(1, bool))  # after Clear
    held = board.view_bounds(empty)  # a cleared board shows the generators' frame
    assert held == (-6.0, 6.0, -6.0, 6.0)
    one = from_points([[1.0, 1.0]], [0], "classification", 2)
    assert board.view_bounds(one)[1] - board.view_bounds(one)[0] == pytest.approx(2.0)  # fitted: 2 units wide
    assert board.view_bounds(one, held) == held  # held: the first drawn point does not zoom the board in
    out = from_points([[1.0, 1.0], [9.0, -2.0]], [0, 1], "classification", 2)
    v = board.view_bounds(out, held)  # a point outside the held view grows it, still square
    assert v[0] <= -6 and v[1] >= 9 and v[2] <= -6 and v[3] >= 6
    assert v[1] - v[0] == pytest.approx(v[3] - v[2])


@pytest.mark.parametrize("problem", ["classification", "regression"])
def test_board_shading_covers_exactly_the_axes(problem):
    data = {"generator": "circle" if problem == "classification" else "plane", "n": 40, "noise": 0.1, "seed": 0}
    s = Session(parse_config({"problem": problem, "data": data, "hidden": [2]}))
    lay = board.base_figures(s)["figs"]["board"]["layout"]
    img, xr, yr = lay["images"][0], lay["xaxis"]["range"], lay["yaxis"]["range"]
    assert (img["x"], img["x"] + img["sizex"]) == pytest.approx(tuple(xr))
    assert (img["y"] - img["sizey"], img["y"]) == pytest.approx(tuple(yr))
    assert xr[1] - xr[0] == pytest.approx(yr[1] - yr[0])


# ---- curves over epochs -----------------------------------------------------------------------------------
@pytest.mark.parametrize("log_y", [True, False])
def test_loss_figure_traces_and_axis(log_y):
    fig = figures.loss_figure(history(50, reg=True), "classification", log_y=log_y)
    assert [t.name for t in fig.data] == ["train loss", "test loss", "regularisation", "test accuracy"]
    assert fig.layout.yaxis.type == ("log" if log_y else "linear")
    assert fig.data[3].yaxis == "y2"
    assert len(fig.data[0].y) == 50 and len(fig.data[2].y) == 50
    # the score axis has its own 0…1 ticks (synced to the log axis it showed values like 0.957)
    assert fig.layout.yaxis2.tickmode == "array" and list(fig.layout.yaxis2.tickvals) == [0, 0.25, 0.5, 0.75, 1]
    assert fig.layout.yaxis2.tickformat == ".0%"
    assert figures.loss_figure(history(5), "regression").layout.yaxis2.tickformat == ".2f"


@pytest.mark.parametrize(
    "v,text", [(0.024531, "0.02453"), (2.1449e-4, "2.14e-04"), (0.0, "0"), (1234.5, "1234"), (np.nan, "–")]
)
def test_loss_text_fits_a_metric_tile(v, text):
    assert figures.loss_text(v) == text


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


@pytest.mark.parametrize("layers", range(1, 10))
@pytest.mark.parametrize("big", [False, True])
def test_gradient_legend_stays_clear_of_the_title(layers, big):
    height = 360 if big else 290  # the board's chart heights (board.css)
    fig = figures.gradient_figure(history(5, layers=layers), (2, *[4] * (layers - 1), 1), height, big)
    leg = fig.layout.legend
    # one entry per row, right of the plot, starting at its top: below the title, whatever the layer count
    assert leg.orientation == "v" and leg.x >= 1 and leg.xanchor == "left"
    assert leg.y <= 1 and leg.yanchor == "top"
    assert fig.layout.title.text and fig.layout.margin.t >= 30
    rows = (height - fig.layout.margin.t - fig.layout.margin.b) / (1.6 * leg.font.size)
    assert layers <= rows  # nine rows fit beside the plot without scrolling


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
    (note,) = fig.layout.annotations  # its label sits on the line: a log axis takes log10 values
    assert note.yref == "y" and note.y == -3
    assert list(fig.layout.yaxis.range) == [-4, -1] and fig.layout.yaxis.dtick == 1  # decades around the data
    small = figures.update_ratio_figure(np.array([5e-5, 8e-5]), sizes)
    assert list(small.layout.yaxis.range) == [-5, -2]  # the 1e-3 guide stays in view
    none = figures.update_ratio_figure(None, sizes)
    assert np.isnan(np.asarray(none.data[0].y, float)).all() and len(none.data[0].y) == 2
    assert list(none.layout.yaxis.range) == [-6, 0] and none.layout.yaxis.dtick == 1  # whole decades, no odd tick
    assert any("Train an epoch" in a.text for a in none.layout.annotations)


def test_confusion_figure():
    conf = [[5, 1, 0], [2, 7, 1], [0, 0, 9]]
    fig = figures.confusion_figure(conf)
    [hm] = fig.data
    np.testing.assert_array_equal(hm.z, conf)
    assert list(hm.x) == ["class 0", "class 1", "class 2"] and list(hm.y) == list(hm.x)
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.xaxis.title.text == "predicted" and fig.layout.yaxis.title.text == "true"
    assert fig.layout.title.text == "Confusion matrix (test points)"
    assert figures.confusion_figure(conf, part="training").layout.title.text == "Confusion matrix (training points)"


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


def test_frame_names_trouble_for_the_board_to_show(small_session):
    assert board.frame(small_session, 1, "key", [])["warn"] is None
    s = Session(parse_config({"data": {"generator": "xor", "n": 60}, "hidden": [3], "init": "zeros"}))
    s.train(10)
    assert "No gradient reaches" in board.frame(s, 2, "key", [])["warn"]


def test_frame_is_small_json_with_quantised_field(small_session):
    s = small_session
    f = board.frame(s, 7, "key", [f"a{i}" for i in range(board.MAX_UNACKED + 40)])
    text = json.dumps(f)
    assert len(text) < 100_000
    assert f["seq"] == 7 and f["figs_key"] == "key" and f["label"] == "Epoch 3"
    assert f["acks"] == [f"a{i}" for i in range(40, board.MAX_UNACKED + 40)]  # as many as the board may resend
    assert f["g"] == 100
    assert f["base"] == f["seq"]  # a full frame
    z = board.unpack_field(f["z"], 100)
    assert z.shape == (100, 100) and len(base64.b64decode(f["z"])) < 10_000  # deflated
    assert "curve" not in f
    n = s.dataset.n
    assert all(len(f["pts"][k]) == n for k in "xyct")
    assert len(board.unpack_bits(f["wrong"], n)) == n
    assert sorted(set(f["pts"]["c"])) == [0, 1]
    assert sum(f["pts"]["t"]) == int(s.dataset.test.sum())
    assert f["loss"]["e"] == [1, 2, 3] and len(f["loss"]["tr"]) == 3 and f["loss"]["at"] == 0
    assert f["loss"]["rg"] == []
    assert len(f["grad"]["g"]) == s.spec.n_layers and all(len(g) == 3 for g in f["grad"]["g"])

    hidden = board.frame(s, 8, "key", [], show_test=False)
    assert len(hidden["pts"]["x"]) == int((~s.dataset.test).sum())
    assert sum(hidden["pts"]["t"]) == 0
    assert hidden["pv"] != f["pv"]


def test_frame_quantisation_matches_field(small_session):
    s = small_session
    f = board.frame(s, 1, "k", [], g=20)
    z = board.unpack_field(f["z"], 20)
    p1 = s.grid(20, board.view_bounds(s.dataset))["output"][..., 1]
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


# ---- warm-up ----------------------------------------------------------------------------------------------
def test_warm_neighbours_are_one_sidebar_step_away():
    n = warm.neighbours(Config(hidden=(4, 2), activation="tanh"))
    sizes = [c.hidden for c in n if c.activation == "tanh"]
    assert sizes == [(5, 2), (3, 2), (4, 3), (4, 1), (4, 2, 4), (4,)]
    assert {c.activation for c in n if c.hidden == (4, 2)} == set(HIDDEN) - {"tanh"}
    edge = warm.neighbours(Config(hidden=(1,) * 8))
    assert all(min(c.hidden) >= 1 and len(c.hidden) <= 8 for c in edge)
    assert (2, 1, 1, 1, 1, 1, 1, 1) in [c.hidden for c in edge]
    assert next(c.hidden for c in warm.neighbours(Config(hidden=()))) == (4,)


def test_prewarm_builds_neighbours_in_the_background_after_the_script_run(monkeypatch, small_session):
    s = small_session
    target = dataclasses.replace(s.cfg, hidden=(5,), params=None)
    built = []
    monkeypatch.setenv("BACKPROP_PREWARM", "1")
    monkeypatch.setattr(warm, "_done", set())
    monkeypatch.setattr(warm, "neighbours", lambda cfg: [target, dataclasses.replace(cfg)])  # the second: itself
    monkeypatch.setattr(warm, "_boundary", lambda cfg, ds: built.append(cfg.hidden))
    held = {"now": True}
    monkeypatch.setattr(warm.programs, "held", lambda spec: held["now"])
    run = threading.Thread(target=time.sleep, args=(0.5,), name=warm.SCRIPT_THREAD)  # a script run in progress
    run.start()
    t = time.perf_counter()
    warm.prewarm(s)
    assert time.perf_counter() - t < 0.5
    time.sleep(0.2)
    assert built == []  # waits for the run to end
    run.join()
    deadline = time.time() + 10
    while not built and time.time() < deadline:
        time.sleep(0.02)
    assert built == [(5,)]  # the shown network itself is not rebuilt
    warm.prewarm(s)  # nothing new: nothing rebuilt
    time.sleep(0.2)
    assert built == [(5,)]
    held["now"] = False  # its programs were evicted since (engine/programs.py): warmed again
    warm.prewarm(s)
    deadline = time.time() + 10
    while built.count((5,)) < 2 and time.time() < deadline:
        time.sleep(0.02)
    assert built.count((5,)) == 2


def test_quantize():
    z = np.array([[0.0, 0.5], [1.0, 2.0]])
    q = board.quantize(z, 0.0, 1.0)
    np.testing.assert_array_equal(q.ravel(), [0, 128, 255, 255])
    np.testing.assert_array_equal(board.unpack_field(board.pack_field(q), 2), q)  # what a frame carries


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


@pytest.mark.parametrize("pts", [[[float("nan"), 0.0]], [[0.0, float("inf")]], [[0.0, 0.0, 0.0]]])
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


def test_one_bad_value_in_a_link_drops_only_itself():
    cfg, notes = query_to_config({"problem": "regression", "gen": "spiral"})  # a classification generator
    assert (cfg.problem, cfg.data["generator"]) == ("regression", "plane")  # regression's default, not circle
    assert len(notes) == 1 and notes[0].startswith("gen: must be one of plane") and "spiral" in notes[0]
    q = {"problem": "regression", "gen": "sine", "features": "x1,x2", "hidden": "8,8", "lr": "0.3"}
    cfg, notes = query_to_config(q)  # x2 does not exist for curve fitting: only the features fall back
    assert (cfg.problem, cfg.data["generator"], cfg.hidden, cfg.optimizer.learning_rate) == (
        "regression",
        "sine",
        (8, 8),
        0.3,
    )
    assert cfg.features is None and notes == [
        "features: x2 needs 2-D input; curve fitting has x1, x1^2, sin(x1); using the default"
    ]
    cfg, notes = query_to_config({"gen": "blobs", "classes": "4", "loss": "bce"})
    assert cfg.loss is None and cfg.classes == 4 and notes[0].startswith("loss: bce is for 2 classes")
    cfg, notes = query_to_config({"seed": "99999999999"})
    assert notes == ["seed: must be between 0 and 2,147,483,647, got 99,999,999,999; using the default"]


def test_class_buttons_get_their_class_colour():
    css = state.class_button_css(3)
    for c in range(3):
        assert f"nth-of-type({c + 1}) p::before" in css and CLASS_COLORS[c] in css
    assert "nth-of-type(4)" not in css  # the eraser and inspect buttons stay plain


@pytest.mark.parametrize(
    "values, labels",
    [
        ([0.12, 0.7], ["0.07", "0.1", "0.15", "0.2", "0.3", "0.5", "0.7", "1"]),  # was "2" and "5" for 0.2, 0.5
        ([0.02, 0.3], ["0.01", "0.02", "0.05", "0.1", "0.2", "0.5"]),
        ([0.5, 0.9], ["0.25", "0.3", "0.4", "0.5", "0.6", "0.8", "1", "1.2", "1.5"]),
        ([3e-5, 2e-4], ["1.5e-5", "2e-5", "3e-5", "5e-5", "7e-5", "0.0001", "0.00015", "0.0002", "0.0003"]),
        ([0.62, 0.74], ["0.55", "0.6", "0.65", "0.7", "0.75", "0.8"]),  # 1-2-5 steps left none inside
        ([0.69, 0.695], ["0.686", "0.688", "0.69", "0.692", "0.694", "0.696", "0.698"]),
        ([1e-6, 1.0], None),  # more than 3 decades: Plotly's powers of ten
        ([0.0, -1.0, float("nan")], None),
    ],
)
def test_log_axes_are_labelled_with_the_numbers_they_show(values, labels):
    ticks = figures.log_tick_values(values)
    assert (None if ticks is None else [figures.tick_text(t) for t in ticks]) == labels
    if ticks and max(values) > min(values):  # at least two labelled ticks where the data is
        assert sum(min(values) <= t <= max(values) for t in ticks) >= 2
    for t in ticks or []:
        assert float(figures.tick_text(t)) == pytest.approx(t)


def test_loss_and_gradient_charts_use_the_readable_log_ticks():
    h = {
        "epoch": np.arange(1, 6),
        "train_loss": np.array([0.7, 0.5, 0.3, 0.2, 0.12]),
        "test_loss": np.array([0.7, 0.55, 0.35, 0.25, 0.2]),
        "reg_loss": np.zeros(5),
        "test_score": np.linspace(0.5, 0.9, 5),
        "grad_norm": np.array([[0.2, 0.05]] * 5),
    }
    loss = figures.loss_figure(h, "classification")
    assert loss.layout.yaxis.tickmode == "array" and "0.2" in loss.layout.yaxis.ticktext
    assert loss.layout.yaxis2.tickvals == (0, 0.25, 0.5, 0.75, 1)  # the score axis keeps its own
    grad = figures.gradient_figure(h, (2, 3, 1))
    assert grad.layout.yaxis.tickmode == "array" and "0.05" in grad.layout.yaxis.ticktext


def test_metric_tiles_stay_short_for_huge_and_tiny_numbers():
    assert figures.loss_text(1.999e38) == "2.00e+38"
    assert figures.score_text(-44506.123456789) == "-4.45e+04"
    assert figures.score_text(0.95312) == "0.953" and figures.score_text(float("nan")) == "–"
    assert all(len(figures.loss_text(v)) <= 9 for v in (1.999e38, 123456.7, 2.14e-4, 0.024531, 7.0))


def test_frames_keep_significant_digits_of_tiny_gradients():
    assert board.significant(np.array([3.21e-9, 1.23456e-6, 0.0, np.nan, np.inf, 12345.678])) == [
        3.21e-9,
        1.235e-6,
        0.0,
        None,
        None,
        12350.0,
    ]


def test_the_loss_legend_names_test_curves_only_when_there_are_test_points():
    from engine.config import parse_config
    from engine.session import Session

    for frac, shown in ((0.0, False), (0.5, True)):
        s = Session(parse_config({"data": {"generator": "xor", "n": 40}, "test_fraction": frac}))
        loss = board.base_figures(s)["figs"]["loss"]["data"]
        legend = [t["name"] for t in loss if t.get("showlegend", True)]
        assert ("test loss" in legend) is shown and ("test accuracy" in legend) is shown
        assert "train loss" in legend


def test_a_frame_says_when_every_gradient_is_exactly_zero():
    from engine.config import parse_config
    from engine.session import Session

    dead = Session(parse_config({"data": {"generator": "xor", "n": 40}, "init": "zeros", "activation": "tanh"}))
    dead.train(2)
    assert board.frame(dead, 1, "k", [])["grad"]["zero"] is True
    alive = Session(parse_config({"data": {"generator": "xor", "n": 40}}))
    alive.train(2)
    assert board.frame(alive, 1, "k", [])["grad"]["zero"] is False


def test_a_wide_log_axis_labels_powers_of_ten_only():
    """Over 3 decades Plotly's auto ticks added bare digits 2 and 5 that ran into the exponents' labels."""
    from playground.figures import log_axis

    assert log_axis([1e-5, 0.3]) == {"tickmode": "linear", "tick0": 0, "dtick": 1, "exponentformat": "power"}
    assert log_axis([1e-20, 1.0])["dtick"] == 4  # 20 decades: every 4th labelled (LOG_TICKS = 6)
    assert log_axis([])["dtick"] == 1
    from playground.figures import gradient_figure

    empty = gradient_figure({"epoch": np.zeros(0), "grad_norm": np.zeros((0, 2))}, (2, 3, 1))
    assert empty.layout.yaxis.tickmode == "linear" and empty.layout.yaxis.dtick == 1
