"""Training behaviour: accuracy reached, determinism, no recompiles, divergence, optimisers, schedules."""

import json

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from engine import diagnose, reference
from engine.config import ConfigError, parse_config
from engine.data import generate
from engine.features import apply_features
from engine.optim import schedule_factor
from engine.session import Session
from engine.train import _batches, _evaluate_both, _pack, evaluate, train_epochs

XOR = {"data": {"generator": "xor", "n": 400, "noise": 0.05, "seed": 3}, "hidden": [8, 8], "batch_size": 10}


def test_xor_reaches_high_test_accuracy():
    s = Session(parse_config({**XOR, "optimizer": {"name": "adam", "learning_rate": 0.01}}))
    m = s.train(200)
    assert m["test_score"][-1] >= 0.95
    assert m["train_loss"][-1] < m["train_loss"][0]
    assert s.report()["accuracy"] >= 0.95


def test_same_config_same_numbers():
    a, b = (Session(parse_config({**XOR, "dropout": 0.1})) for _ in range(2))
    ma, mb = a.train(30), b.train(30)
    np.testing.assert_array_equal(ma["train_loss"], mb["train_loss"])
    for (Wa, ba), (Wb, bb) in zip(a.params, b.params, strict=True):
        np.testing.assert_array_equal(Wa, Wb)
        np.testing.assert_array_equal(ba, bb)


def test_adding_points_and_changing_learning_rate_recompile_nothing_and_keep_training():
    s = Session(parse_config({**XOR, "data": {"generator": "xor", "n": 300, "seed": 0}}))
    s.train(10)
    size = train_epochs.compiled()
    before = [np.asarray(W) for W, _ in s.params]
    s.set_learning_rate(0.2)
    assert s.epoch == 10  # not reset
    np.testing.assert_array_equal(before[0], s.params[0][0])
    s.set_dataset(s.dataset.add(np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1, 0])))
    m = s.train(10)
    assert train_epochs.compiled() == size
    assert s.epoch == 20 and m["epoch"][0] == 11
    assert np.isclose(m["learning_rate"][-1], 0.2)


SCHEDULES = [
    {"name": "constant"},
    {"name": "constant", "warmup_epochs": 7},
    {"name": "step", "step_epochs": 4, "gamma": 0.3},
    {"name": "step", "warmup_epochs": 3, "step_epochs": 1, "gamma": 0.9},
    {"name": "cosine", "decay_epochs": 25},
    {"name": "cosine", "warmup_epochs": 5, "decay_epochs": 10, "final_fraction": 0.2},
]


def optax_schedule(doc: dict):
    """The same schedule built from optax's own schedules (static numbers), the reference."""
    import optax

    warmup = doc.get("warmup_epochs", 0)
    if doc["name"] == "step":
        main = optax.exponential_decay(1.0, doc["step_epochs"], doc["gamma"], staircase=True)
    elif doc["name"] == "cosine":
        main = optax.cosine_decay_schedule(1.0, doc["decay_epochs"], alpha=doc.get("final_fraction", 0.0))
    else:
        main = optax.constant_schedule(1.0)
    if not warmup:
        return main
    return optax.join_schedules([optax.linear_schedule(1 / (warmup + 1), 1.0, warmup), main], [warmup])


@pytest.mark.parametrize("doc", SCHEDULES, ids=lambda d: "-".join(map(str, d.values())))
def test_traced_schedules_equal_optaxs(doc):
    from engine.config import Schedule

    ours, ref = schedule_factor(Schedule(**doc)), optax_schedule(doc)
    got = np.array([float(ours(e)) for e in range(40)])
    np.testing.assert_allclose(got, [float(ref(e)) for e in range(40)], rtol=2e-6, atol=1e-7)


def test_a_new_schedule_goes_on_training_in_the_same_program():
    """Kind, step, γ, warm-up and decay are traced numbers: a change compiles nothing and keeps the epoch."""
    s = Session(parse_config({**XOR, "schedule": SCHEDULES[2]}))
    s.train(6)
    size = train_epochs.compiled()
    for doc in SCHEDULES[3:]:
        before = s.epoch
        assert s.set_hyper(parse_config({**XOR, "schedule": doc}))
        lr = s.train(3)["learning_rate"]
        ref = optax_schedule(doc)
        np.testing.assert_allclose(lr, [0.03 * float(ref(e)) for e in range(before, before + 3)], rtol=1e-5)
    assert train_epochs.compiled() == size and s.epoch == 15


def test_divergence_stops_at_last_finite_state():
    doc = {"problem": "regression", "data": {"generator": "plane", "n": 100}, "hidden": [8], "activation": "relu"}
    s = Session(parse_config({**doc, "optimizer": {"name": "sgd", "learning_rate": 5}}))
    m = s.train(100)
    assert s.divergence is not None
    assert 1 <= s.divergence.epoch <= 100
    assert s.epoch == s.divergence.epoch - 1 == len(m["epoch"])
    for W, b in s.params:
        assert np.isfinite(W).all() and np.isfinite(b).all()
    assert "diverged at epoch" in str(s.divergence)
    assert s.train(10) == {}  # stays stopped
    s.set_hyper(s.cfg)  # the same numbers again: still stopped
    assert s.divergence is not None and s.train(10) == {}
    stopped = s.epoch
    s.set_learning_rate(1e-6)  # a smaller step: training goes on from the last finite state
    assert s.divergence is None
    m = s.train(5)
    assert s.divergence is None and s.epoch == stopped + 5 and m["epoch"][0] == stopped + 1


def test_vmap_over_learning_rates_equals_separate_runs():
    """The race vmaps train_epochs over the state and the hyper-parameters with the data shared: each lane must
    equal its own call, divergence included (one lane diverges, the other keeps training)."""
    doc = {"problem": "regression", "data": {"generator": "plane", "n": 100}, "hidden": [8], "activation": "relu"}
    s = Session(parse_config({**doc, "batch_size": 10, "dropout": 0.1}))
    hypers = [s.hyper._replace(learning_rate=jnp.float32(lr)) for lr in (0.01, 5.0)]
    stack = lambda *xs: jnp.stack(xs)  # noqa: E731
    run = jax.vmap(lambda st, h: train_epochs(s.spec, 30, st, s._train, s._test, h))
    states, metrics = run(jax.tree.map(stack, s.state, s.state), jax.tree.map(stack, *hypers))
    assert metrics["finite"][0].all() and not metrics["finite"][1].all()
    for i, h in enumerate(hypers):
        state, m = train_epochs(s.spec, 30, s.state, s._train, s._test, h)
        assert set(m) == set(metrics)
        for k in m:
            np.testing.assert_allclose(metrics[k][i], m[k], rtol=1e-5, atol=1e-6, err_msg=k)
        lane = jax.tree.leaves(jax.tree.map(lambda x: x[i], states.params))
        for a, b in zip(lane, jax.tree.leaves(state.params), strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
        assert int(states.epoch[i]) == int(state.epoch)


@pytest.mark.parametrize(
    "doc",
    [
        {"data": {"generator": "gaussians", "n": 300, "classes": 4, "seed": 2}, "hidden": [8]},
        {"problem": "regression", "data": {"generator": "square", "n": 150}, "hidden": [8, 3], "batch_size": 10},
        {**XOR, "data": {"generator": "xor", "n": 300, "seed": 1}, "test_fraction": 0.0, "batch_size": None},
    ],
)
def test_packed_evaluation_equals_evaluating_each_part(doc):
    """Training evaluates both parts in one pass over their real rows; it must match `evaluate` per part."""
    s = Session(parse_config(doc))
    s.train(3)
    feats, feats_test = (apply_features(s.spec.features, d.x) for d in (s._train, s._test))
    rows = _pack(feats, s._train, feats_test, s._test)
    both = jax.jit(_evaluate_both, static_argnums=0)(s.spec, s.params, rows, s._train, s._test)
    for got, feats_part, part in zip(both, (feats, feats_test), (s._train, s._test), strict=True):
        want = evaluate(s.spec, s.params, feats_part, part)
        np.testing.assert_allclose([got["loss"], got["score"]], [want["loss"], want["score"]], rtol=2e-5, atol=1e-6)
    np.testing.assert_array_equal(both[0]["z_finite"], evaluate(s.spec, s.params, feats, s._train)["z_finite"])


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"])
def test_every_optimizer_lowers_the_loss(name):
    s = Session(parse_config({**XOR, "optimizer": {"name": name, "learning_rate": 0.01}, "clip_norm": 5.0}))
    m = s.train(30)
    assert m["train_loss"][-1] < 0.8 * m["train_loss"][0]


def test_engine_matches_numpy_reference_full_batch():
    cfg = parse_config(
        {
            **XOR,
            "hidden": [5, 3],
            "loss": "mse",
            "output_activation": "sigmoid",
            "batch_size": None,
            "optimizer": {"name": "sgd", "learning_rate": 0.5},
        }
    )
    s = Session(cfg)
    start = [(np.asarray(W, np.float64), np.asarray(b, np.float64)) for W, b in s.params]
    x, y = s.dataset.part(False)
    ref = reference.train(
        start, x.astype(np.float64), y[:, None].astype(np.float64), 0.5, None, 20, "tanh", "sigmoid", "mse"
    )
    s.train(20)
    for (W, b), (rW, rb) in zip(s.params, ref, strict=True):
        np.testing.assert_allclose(W, rW, atol=2e-4)
        np.testing.assert_allclose(b, rb, atol=2e-4)


def test_schedules():
    from engine.config import Schedule

    step = schedule_factor(Schedule("step", step_epochs=10, gamma=0.5))
    assert float(step(0)) == 1.0 and float(step(10)) == 0.5 and float(step(25)) == 0.25
    cos = schedule_factor(Schedule("cosine", decay_epochs=100))
    assert float(cos(0)) == 1.0 and abs(float(cos(50)) - 0.5) < 1e-6 and float(cos(100)) == 0.0
    warm = schedule_factor(Schedule("constant", warmup_epochs=4))
    assert float(warm(0)) < float(warm(2)) < float(warm(4)) == 1.0
    s = Session(parse_config({**XOR, "schedule": {"name": "step", "step_epochs": 5, "gamma": 0.1}}))
    lr = s.train(12)["learning_rate"]
    np.testing.assert_allclose(lr[[0, 5, 10]], [0.03, 0.003, 0.0003], rtol=1e-5)


def test_l2_regularisation_is_reported_apart_and_shrinks_weights():
    plain = Session(parse_config(XOR))
    reg = Session(parse_config({**XOR, "regularization": {"kind": "l2", "rate": 0.05}}))
    mp, mr = plain.train(40), reg.train(40)
    assert (mp["reg_loss"] == 0).all() and (mr["reg_loss"] > 0).all()
    assert mr["weight_norm"][-1].sum() < mp["weight_norm"][-1].sum()


def test_regression_and_curve_fitting():
    s = Session(
        parse_config(
            {
                "problem": "regression",
                "data": {"generator": "plane", "n": 200, "noise": 0.02},
                "hidden": [],
                "batch_size": None,
                "optimizer": {"name": "adam", "learning_rate": 0.1},
            }
        )
    )
    assert s.train(300)["test_score"][-1] > 0.97
    s = Session(
        parse_config(
            {
                "problem": "regression",
                "data": {"generator": "square", "n": 150, "noise": 0.02},
                "hidden": [8],
                "optimizer": {"name": "adam", "learning_rate": 0.03},
                "batch_size": 10,
            }
        )
    )
    assert s.train(400)["test_score"][-1] > 0.97


def test_multiclass_cross_entropy_and_metrics():
    s = Session(
        parse_config(
            {
                "data": {"generator": "gaussians", "n": 300, "classes": 4, "seed": 2, "noise": 0.0},
                "hidden": [8],
                "optimizer": {"name": "adam", "learning_rate": 0.02},
            }
        )
    )
    assert s.spec.loss == "cross_entropy" and s.spec.sizes[-1] == 4
    s.train(60)
    r = s.report()
    assert r["accuracy"] > 0.9 and np.array(r["confusion"]).shape == (4, 4)
    assert np.array(r["confusion"]).sum() == (s.dataset.test).sum()


def test_grid_matches_predict_and_has_every_neuron():
    s = Session(parse_config(XOR))
    s.train(5)
    b = (-6.0, 6.0, -5.0, 5.0)
    g = s.grid(11, b)
    assert g["output"].shape == (11, 11, 2) and [h.shape for h in g["hidden"]] == [(11, 11, 8), (11, 11, 8)]
    pts = np.array([[-6.0, -5.0], [6.0, 5.0], [0.0, 0.0]])
    p = s.predict(pts)
    np.testing.assert_allclose(g["output"][[0, 10, 5], [0, 10, 5]], p, atol=1e-5)


def test_grid_of_a_wide_network_matches_predict():
    """Networks over 8 wide take the grid's points-last path."""
    s = Session(parse_config({**XOR, "hidden": [12, 3], "data": {"generator": "gaussians", "n": 90, "classes": 3}}))
    s.train(2)
    g = s.grid(9, (-6.0, 6.0, -5.0, 5.0))
    assert g["output"].shape == (9, 9, 3) and [h.shape for h in g["hidden"]] == [(9, 9, 12), (9, 9, 3)]
    p = s.predict(np.array([[-6.0, -5.0], [6.0, 5.0], [-3.0, 0.0]]))
    np.testing.assert_allclose(g["output"][[0, 8, 4], [0, 8, 2]], p, atol=1e-5)


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11, 250, 256, 257, 512])
def test_each_epoch_visits_every_real_row_once_in_the_last_steps(n):
    spec = Session(parse_config(XOR)).spec
    idx, w, first = _batches(spec, jax.random.key(n), jnp.int32(n), 512)
    idx, w = np.asarray(idx), np.asarray(w)
    assert idx.shape == w.shape == (52, 10) and int(first) == 52 - max(-(-n // 10), 1)
    assert sorted(idx[w > 0]) == list(range(n))  # a permutation of the real rows, padded rows never weighted
    assert not w[: int(first)].any() and w[int(first) :].sum() == n  # padding steps first, then the real ones
    assert w[-1].sum() == min(n, 10)  # the last step, whose gradient the charts show, is a full batch


def test_device_reported():
    from engine.device import describe

    assert describe() == "CPU" if jax.devices()[0].platform == "cpu" else describe().startswith("GPU")


def test_generators():
    for name in ["circle", "xor", "gaussians", "spiral", "moons", "blobs"]:
        ds = generate(name, 100, 0.1, seed=1, classes=3 if name in ("spiral", "blobs", "gaussians") else 2)
        assert ds.x.shape == (100, 2) and set(np.unique(ds.y)) <= set(range(ds.classes))
        assert 0 < ds.test.sum() < 100
        np.testing.assert_array_equal(ds.x, generate(name, 100, 0.1, seed=1, classes=ds.classes).x)
    assert generate("sine", 50).x.shape == (50, 1) and generate("plane", 50).y.shape == (50, 1)


def test_session_shared_by_threads_trains_each_call_once_in_order():
    """A web page may call train from two threads at once (Streamlit's fast reruns): every call must advance
    from where the previous one ended, never from the same state twice."""
    import threading

    s = Session(parse_config({"data": {"generator": "xor", "n": 200}, "hidden": [4]}))
    go = threading.Barrier(4)

    def worker():
        go.wait()
        for _ in range(3):
            s.train(7)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert s.epoch == 84
    np.testing.assert_array_equal(s.history.data["epoch"], np.arange(1, 85))


def _history(loss, grads) -> dict:
    loss = np.asarray(loss, float)
    return {"epoch": np.arange(1, len(loss) + 1), "train_loss": loss, "grad_norm": np.asarray(grads, float)}


def test_dead_relus_and_zero_init_are_named_in_one_sentence():
    doc = {"hidden": [8, 8, 8, 8], "activation": "relu", "init": "he"}
    s = Session(parse_config({**doc, "optimizer": {"name": "sgd", "learning_rate": 10}}))
    s.train(200)
    n = int((~s.dataset.test).sum())
    assert s.divergence is None  # every number stays finite: only the diagnosis can tell
    msg = diagnose.trouble(s.history.data, "relu", "he", n)
    assert msg.startswith("No gradient reaches W0–W4") and "leaky_relu" in msg and "\n" not in msg
    healthy = Session(parse_config({**doc, "optimizer": {"name": "sgd", "learning_rate": 0.03}}))
    healthy.train(200)
    assert diagnose.trouble(healthy.history.data, "relu", "he", n) is None
    zeros = Session(parse_config({"hidden": [4, 2], "activation": "tanh", "init": "zeros"}))
    zeros.train(20)
    assert "start at 0" in diagnose.trouble(zeros.history.data, "tanh", "zeros", n)


def test_trouble_reads_the_history():
    flat = [[0.5, 0.2]] * 10
    assert diagnose.trouble(_history([1.0] * 10, flat), "tanh", "xavier", 50) is None
    assert diagnose.trouble(_history([1.0] * 3, [[0.0, 0.0]] * 3), "relu", "he", 50) is None  # too few epochs
    one_dead = [[0.0, 0.2]] * 10
    assert diagnose.trouble(_history([1.0] * 10, one_dead), "tanh", "xavier", 50).startswith("No gradient reaches W0 ")
    assert diagnose.trouble(_history([1.0] * 10, one_dead), "tanh", "xavier", 0) is None  # no points: no gradient
    assert diagnose.trouble(_history([0.0] * 10, one_dead), "tanh", "xavier", 50) is None  # nothing left to learn
    growing = diagnose.trouble(_history([0.7, 1, 2, 3, 3.5, 2.5, 3.5, 2.8, 3.0], flat), "tanh", "xavier", 50)
    assert growing.startswith("The training loss has grown 4× since epoch 1") and "clipping" in growing


def test_export_round_trip_keeps_points_split_weights_and_epoch():
    s = Session(parse_config({"data": {"generator": "xor", "n": 80}, "hidden": [5], "optimizer": "adam"}))
    s.set_dataset(s.dataset.add(np.array([[1.5, -2.0]]), np.array([1])))  # a drawn point (training)
    s.train(37)
    doc = json.loads(json.dumps(s.export()))
    t = Session(parse_config(doc))
    np.testing.assert_array_equal(t.dataset.x, s.dataset.x.astype(np.float64))
    np.testing.assert_array_equal(t.dataset.y, s.dataset.y)
    np.testing.assert_array_equal(t.dataset.test, s.dataset.test)  # the split itself, not a new draw
    assert t.epoch == 37
    np.testing.assert_allclose(t.predict(t.dataset.x), s.predict(s.dataset.x), rtol=1e-6)
    m = t.train(3)
    assert m["epoch"].tolist() == [38, 39, 40] and t.epoch == 40
    t.reset()  # Reset goes back to the imported state
    assert t.epoch == 37


@pytest.mark.parametrize(
    "data, message",
    [
        ({"x": [[0, 0], [1, 1]], "y": [0, 1], "test": [0]}, "data.test"),
        ({"x": [[0, 0], [1, 1]], "y": [0, 1], "test": [0, 2]}, "data.test"),
        ({"x": [[0, 0], [1, 1]], "y": [0, 1], "test": "01"}, "data.test"),
    ],
)
def test_bad_split_in_a_state_is_refused(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_config({"data": data})


def test_precision_of_a_class_never_predicted_is_undefined_not_zero():
    from engine.metrics import classification_report

    r = classification_report(np.array([0, 1, 1, 0]), np.array([[0.9, 0.1]] * 4), 2)
    assert r["precision"][0] == 0.5 and np.isnan(r["precision"][1]) and r["recall"] == [1.0, 0.0]


def test_one_session_costs_a_shared_server_a_bounded_amount_per_call():
    from engine import limits
    from engine.race import Race

    light = Session(parse_config({"data": {"generator": "circle", "n": 500}}))  # TF Playground's default
    assert light.epochs_within_budget(500) == 500
    heavy = Session(parse_config({"data": {"generator": "circle", "n": 2000}, "hidden": [32] * 8, "batch_size": 1}))
    n = heavy.epochs_within_budget(500)
    assert 1 <= n < 500
    steps = n * heavy.steps_per_epoch
    assert steps <= limits.MAX_STEPS_PER_CALL
    assert n * 1000 * heavy.n_weights <= limits.MAX_POINT_WEIGHTS_PER_CALL
    from engine.config import ConfigError, Optimizer

    race = Race(light.cfg, light.dataset, [Optimizer("sgd", 0.1)] * 6)
    with pytest.raises(ConfigError, match=r"^race: 6 racers × 10,000 epochs × 25 steps is more than one race may run"):
        race.run(10_000)


GO_ON = [  # (a change that needs another program but keeps the weights' meaning, the optimiser state kept?)
    ({"batch_size": None}, True),
    ({"dropout": 0.3}, True),
    ({"loss": "mse"}, True),
    ({"clip_norm": 1.0}, "inner"),
    ({"optimizer": {"name": "momentum", "learning_rate": 0.03}}, False),
]


@pytest.mark.parametrize(("change", "kept"), GO_ON, ids=lambda c: str(c))
def test_a_new_program_for_the_same_weights_goes_on_training(change, kept):
    """Batch size, dropout, loss, clipping or optimiser: training goes on from the same weights, epoch and key,
    and the next epochs equal a fresh session importing that state under the new config (the export path)."""
    base = {**XOR, "optimizer": {"name": "adam", "learning_rate": 0.01}}
    s = Session(parse_config(base))
    s.train(5)
    before, weights = s.export(), [np.asarray(W) for W, _ in s.params]
    assert s.go_on(parse_config({**base, **change}))
    assert s.epoch == 5 and all(np.array_equal(W, W0) for (W, _), W0 in zip(s.params, weights, strict=True))
    old_leaves = jax.tree.leaves(Session(parse_config(before)).state.opt_state)
    new_leaves = jax.tree.leaves(s.state.opt_state)
    if kept is True:
        assert all(np.array_equal(a, b) for a, b in zip(old_leaves, new_leaves, strict=True))
    elif kept == "inner":  # Adam's moments and count are still there, after the clipping's (empty) state
        assert all(np.array_equal(a, b) for a, b in zip(old_leaves, new_leaves[-len(old_leaves) :], strict=True))
    m = s.train(3)
    # the reference: a fresh session of the new config importing the weights, the epoch, the key and the optimiser
    # state the switch kept (another optimiser: its own fresh state, as a fresh import without one has)
    opt = {"optimizer": [np.asarray(x).tolist() for x in new_leaves]} if kept is not False else {}
    doc = {**before, **change, "train_state": {**before["train_state"], **opt}}
    if kept is False:
        doc["train_state"]["optimizer"] = Session(parse_config({**base, **change})).export()["train_state"]["optimizer"]
    ref = Session(parse_config(doc))
    r = ref.train(3)
    assert s.epoch == ref.epoch == 8 and m["epoch"][0] == 6
    np.testing.assert_allclose(m["train_loss"], r["train_loss"], rtol=1e-5)
    for (W, b), (rW, rb) in zip(s.params, ref.params, strict=True):
        np.testing.assert_allclose(W, rW, atol=1e-6)
        np.testing.assert_allclose(b, rb, atol=1e-6)


@pytest.mark.parametrize("change", [{"hidden": [8, 4]}, {"activation": "relu"}, {"seed": 9}, {"init": "he"}])
def test_a_new_network_is_not_gone_on_with(change):
    s = Session(parse_config(XOR))
    s.train(2)
    assert not s.go_on(parse_config({**XOR, **change})) and s.cfg == parse_config(XOR) and s.epoch == 2
