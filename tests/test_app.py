"""The Streamlit page driven headless through AppTest: buttons, settings, links, CSV upload, presets."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from engine.data import DataError, parse_csv
from playground import controls, state

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "playground" / "app.py")
GOOD_CSV = b"x1,x2,label\n0,0,0\n1,1,1\n0.5,0.2,0\n-1,0.3,1\n"
BAD_CSV = b"x1,x2,label\n0,0,0\n1,oops,1\n"


def new_app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, label: str) -> AppTest:
    [button] = [b for b in at.button if b.label == label]
    return ok(button.click().run())


def epoch_text(at: AppTest) -> str:
    [md] = [m.value for m in at.markdown if m.value.startswith("### Epoch")]
    return md


def shown(markdown: str) -> str:
    """What a person reads: the page escapes Markdown in every message (playground/text.py)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def setting(at: AppTest, key: str):
    """A setting's widget: drawn under a key of its own each time it appears (`w_h2@3`, see page.widget_key)."""
    widgets = (
        *at.number_input,
        *at.slider,
        *at.select_slider,
        *at.selectbox,
        *at.radio,
        *at.checkbox,
        *at.multiselect,
    )
    [w] = [w for w in widgets if w.key and w.key.split("@")[0] == key]
    return w


def warnings(at: AppTest) -> list[str]:
    return [shown(w.value) for w in at.warning]


def successes(at: AppTest) -> list[str]:
    return [shown(w.value) for w in at.success]


@pytest.fixture(scope="module")
def app() -> AppTest:
    """One default page shared by the tests that only step, reset and tweak it (saves start-up and compiles)."""
    return new_app()


def test_page_runs_and_starts_at_epoch_zero(app):
    assert epoch_text(app) == "### Epoch 0"
    assert app.session_state.page.session.epoch == 0
    assert not warnings(app)
    assert [b.label for b in app.button][:4] == ["Play", "Step", "Step 10", "Reset"]
    assert app.session_state.page.session.cfg.hidden == (4, 2)


def test_step_step10_reset(app):
    click(app, "Reset")
    click(app, "Step")
    assert app.session_state.page.session.epoch == 1
    assert epoch_text(app) == "### Epoch 1"
    click(app, "Step 10")
    assert app.session_state.page.session.epoch == 11
    assert epoch_text(app) == "### Epoch 11"
    assert len(app.session_state.page.session.history) == 11
    click(app, "Reset")
    assert app.session_state.page.session.epoch == 0
    assert epoch_text(app) == "### Epoch 0"
    assert len(app.session_state.page.session.history) == 0


def test_learning_rate_change_keeps_training(app):
    click(app, "Reset")
    click(app, "Step")
    click(app, "Step")
    session = app.session_state.page.session
    ok(setting(app, "w_lr").set_value(0.1).run())
    assert app.session_state.page.session is session  # same engine session: nothing rebuilt
    assert app.session_state.page.session.cfg.optimizer.learning_rate == 0.1
    assert app.session_state.page.session.cfg.optimizer.learning_rate == 0.1
    assert app.session_state.page.session.epoch == 2
    assert epoch_text(app) == "### Epoch 2"
    assert app.query_params["lr"] == "0.1"  # the URL follows
    click(app, "Step")
    assert app.session_state.page.session.epoch == 3
    ok(setting(app, "w_lr").set_value(0.03).run())
    assert "lr" not in app.query_params  # back to the default: left out of the URL


def test_activation_and_layers_change_the_network():
    at = new_app()
    click(at, "Step")
    n = at.session_state.page.session.dataset.n
    ok(setting(at, "w_act").set_value("relu").run())
    spec = at.session_state.page.session.spec
    assert spec.activation == "relu"
    assert at.session_state.page.session.epoch == 0  # a new network starts from epoch 0 …
    assert at.session_state.page.session.dataset.n == n  # … on the same points
    assert at.query_params["act"] == "relu"

    ok(setting(at, "w_layers").set_value(3).run())
    spec = at.session_state.page.session.spec
    assert spec.sizes[1:-1] == (4, 2, 4)
    assert at.session_state.page.session.cfg.hidden == (4, 2, 4)
    assert spec.activation == "relu"
    assert len([w for w in at.number_input if str(w.key).startswith("w_h")]) == 3

    ok(setting(at, "w_h1").set_value(6).run())
    assert at.session_state.page.session.spec.sizes[1:-1] == (6, 2, 4)
    assert at.query_params["hidden"] == "6,2,4"

    ok(setting(at, "w_layers").set_value(0).run())
    assert at.session_state.page.session.spec.sizes[1:-1] == ()
    assert at.query_params["hidden"] == "none"


def test_widgets_that_come_back_keep_their_values():
    """Streamlit forgets a widget's state while it is not drawn: h2 with one hidden layer, Batch size k under
    Full batch, the rate under no regularisation… Bringing them back used to raise KeyError; now they come back
    with the value they had."""
    at = new_app()
    ok(setting(at, "w_h2").set_value(3).run())
    ok(setting(at, "w_layers").set_value(1).run())
    assert at.session_state.page.session.cfg.hidden == (4,)
    ok(setting(at, "w_layers").set_value(2).run())
    assert at.session_state.page.session.cfg.hidden == (4, 3)  # the layer comes back as wide as it was
    assert setting(at, "w_h2").value == 3  # and the box shows what the network has
    ok(setting(at, "w_layers").set_value(3).run())
    assert at.session_state.page.session.cfg.hidden == (4, 3, 4)  # a layer never shown starts at the default width

    ok(setting(at, "w_batch_mode").set_value("Mini-batch").run())
    ok(setting(at, "w_batch_k").set_value(16).run())
    ok(setting(at, "w_batch_mode").set_value("SGD (1)").run())
    assert at.session_state.page.session.cfg.batch_size == 1
    ok(setting(at, "w_batch_mode").set_value("Mini-batch").run())
    assert at.session_state.page.session.cfg.batch_size == 16
    assert setting(at, "w_batch_k").value == 16

    ok(setting(at, "w_reg").set_value("l2").run())
    ok(setting(at, "w_reg").set_value("none").run())
    ok(setting(at, "w_reg").set_value("l1").run())
    assert at.session_state.page.session.cfg.regularization == ("l1", 1e-3)  # a rate that does something, not 0
    ok(setting(at, "w_clip_on").check().run())
    ok(setting(at, "w_clip").set_value(0.5).run())
    ok(setting(at, "w_clip_on").uncheck().run())
    ok(setting(at, "w_clip_on").check().run())
    assert at.session_state.page.session.cfg.clip_norm == 0.5
    for name in ("step", "constant", "step", "cosine", "constant", "cosine"):
        ok(setting(at, "w_sched").set_value(name).run())
        assert at.session_state.page.session.cfg.schedule.name == name
        if name == "cosine" and at.session_state.page.session.cfg.schedule.decay_epochs == 1000:
            ok(setting(at, "w_decay_epochs").set_value(50).run())
    assert at.session_state.page.session.cfg.schedule.decay_epochs == 50
    ok(setting(at, "w_gen").set_value("blobs").run())
    ok(setting(at, "w_classes").set_value(4).run())
    ok(setting(at, "w_gen").set_value("xor").run())
    ok(setting(at, "w_gen").set_value("blobs").run())
    assert at.session_state.page.session.dataset.classes == 4  # as the slider was left
    assert not warnings(at)


def test_after_a_divergence_a_smaller_learning_rate_goes_on_from_the_last_finite_epoch():
    at = new_app({"problem": "regression", "gen": "plane", "n": "100", "hidden": "8", "act": "relu", "lr": "10"})
    click(at, "Step 10")
    s = at.session_state.page.session
    assert s.divergence is not None
    [err] = [e.value for e in at.error]
    assert err.startswith("Training diverged at epoch") and "lower the learning rate" in err
    assert err.count(". ") == 0  # one sentence
    assert next(b for b in at.button if b.key == "play").disabled
    stopped = s.epoch
    ok(setting(at, "w_lr").set_value(1e-5).run())
    assert at.session_state.page.session is s and s.divergence is None  # the same run, unstopped
    assert not at.error and not next(b for b in at.button if b.key == "play").disabled
    click(at, "Step")
    assert s.epoch == stopped + 1


def test_optimizer_change_is_mirrored_in_url(app):
    ok(setting(app, "w_opt").set_value("adam").run())
    assert app.session_state.page.session.spec.optimizer == "adam"
    assert app.session_state.page.session.cfg.optimizer.name == "adam"
    assert app.query_params["opt"] == "adam"
    assert {"b1", "b2", "eps"} <= set(app.query_params)  # adam's hyper-parameters travel too
    assert setting(app, "w_b1").value == pytest.approx(0.9)
    ok(setting(app, "w_opt").set_value("sgd").run())
    assert "opt" not in app.query_params and "b1" not in app.query_params


def test_junk_link_falls_back_to_defaults_with_notices():
    at = new_app({"lr": "abc", "hidden": "100,2", "bogus": "1"})
    notes = warnings(at)
    assert len(notes) == 3, notes
    assert all(n.startswith("Link setting ignored — ") for n in notes)
    assert any(n.startswith("Link setting ignored — lr: must be a number") for n in notes), notes
    assert any("hidden:" in n for n in notes), notes
    assert any("bogus: unknown setting" in n for n in notes), notes
    assert all("\n" not in n for n in notes)
    cfg = at.session_state.page.session.cfg
    assert cfg.optimizer.learning_rate == 0.03
    assert cfg.hidden == (4, 2)
    assert at.session_state.page.session.spec.sizes[1:-1] == (4, 2)
    assert epoch_text(at) == "### Epoch 0"
    assert "bogus" not in at.query_params and "lr" not in at.query_params  # the URL is rewritten to the config
    # the notices are shown once, not on every rerun
    click(at, "Step")
    assert not warnings(at)


def test_valid_link_is_applied():
    at = new_app({"opt": "adam", "lr": "0.01", "hidden": "8,8"})
    assert not warnings(at)
    cfg = at.session_state.page.session.cfg
    assert cfg.optimizer.name == "adam"
    assert cfg.optimizer.learning_rate == 0.01
    assert cfg.hidden == (8, 8)
    assert at.session_state.page.session.spec.sizes[1:-1] == (8, 8)
    # widgets show the linked config
    assert setting(at, "w_opt").value == "adam"
    assert setting(at, "w_lr").value == 0.01
    assert setting(at, "w_layers").value == 2
    assert setting(at, "w_h1").value == 8
    assert at.query_params["opt"] == "adam" and at.query_params["hidden"] == "8,8"


def test_unknown_preset_in_link_is_a_notice():
    at = new_app({"preset": "no_such_preset"})
    assert warnings(at) == ["Link setting ignored — preset: no preset named 'no_such_preset'"]
    assert at.session_state.page.session.cfg.hidden == (4, 2)


def test_csv_parse_errors_are_one_line():
    with pytest.raises(DataError) as e:
        parse_csv(BAD_CSV.decode(), "classification")
    assert "\n" not in str(e.value) and "line 3" in str(e.value)
    ds = parse_csv(GOOD_CSV.decode(), "classification")
    assert ds.n == 4 and ds.classes == 2


def test_bad_csv_keeps_data_and_good_csv_loads():
    at = new_app()
    click(at, "Step")
    session = at.session_state.page.session
    n = session.dataset.n
    uploader = at.file_uploader(key="w_csv")
    ok(uploader.set_value(("bad.csv", BAD_CSV, "text/csv")).run())
    notes = warnings(at)
    assert len(notes) == 1, notes
    assert notes[0].startswith("CSV not loaded (your data is unchanged) — ")
    assert "\n" not in notes[0]
    assert at.session_state.page.session is session
    assert at.session_state.page.session.dataset.n == n
    assert at.session_state.page.session.epoch == 1

    ok(at.file_uploader(key="w_csv").set_value(("curve.csv", b"x,y\n0,0\n1,1\n", "text/csv")).run())
    assert warnings(at)[0].startswith("CSV not loaded (your data is unchanged) — CSV: classification needs 2 input")
    assert at.session_state.page.session is session and session.dataset.n == n
    ok(at.file_uploader(key="w_csv").set_value(("good.csv", GOOD_CSV, "text/csv")).run())
    assert successes(at) == ["Loaded 4 points from good.csv"] and not warnings(at)
    assert at.session_state.page.session.dataset.n == 4
    assert "generator" not in at.session_state.page.session.cfg.data
    click(at, "Step")  # trains on the uploaded points
    assert at.session_state.page.session.epoch == 1


def test_import_restores_an_exported_state_and_a_bad_file_changes_nothing():
    at = new_app()
    click(at, "Step 10")
    s = at.session_state.page.session
    state_json = json.dumps(s.export()).encode()
    click(at, "Reset")
    ok(at.file_uploader(key="w_import").set_value(("junk.json", b"{not json", "application/json")).run())
    assert warnings(at) == ["Import failed (nothing changed) — not a JSON file"]
    assert at.session_state.page.session is s and s.epoch == 0
    ok(at.file_uploader(key="w_import").set_value(("state.json", state_json, "application/json")).run())
    assert successes(at) == ["Imported state.json"]
    t = at.session_state.page.session
    assert t.epoch == 10 and epoch_text(at) == "### Epoch 10"
    np.testing.assert_array_equal(t.dataset.test, s.dataset.test)
    click(at, "Step")
    assert at.session_state.page.session.epoch == 11


def test_import_never_reads_a_file_on_the_server(tmp_path):
    """An imported config naming a CSV path is refused before anything is opened: the points stay, and the
    message is the same whether or not the file exists."""
    secret = tmp_path / "secret.csv"
    secret.write_text("x1,x2,label\n9,9,1\n8,8,0\n7,7,1\n6,6,0\n")
    at = new_app()
    s = at.session_state.page.session
    messages = []
    for path in (str(secret), str(tmp_path / "missing.csv"), "../../etc/passwd"):
        doc = json.dumps({"data": {"csv": path}}).encode()
        ok(at.file_uploader(key="w_import").set_value(("evil.json", doc, "application/json")).run())
        messages += warnings(at)
        assert at.session_state.page.session is s
        assert not (s.dataset.x == 9).any()
    assert len(set(messages)) == 1 and "a file path is for config files on the command line" in messages[0]


def test_import_has_a_size_limit():
    at = new_app()
    s = at.session_state.page.session
    big = b'{"title": "' + b"x" * 2_100_000 + b'"}'
    ok(at.file_uploader(key="w_import").set_value(("big.json", big, "application/json")).run())
    assert warnings(at) == ["Import failed (nothing changed) — the file is larger than 2 MB"]
    assert at.session_state.page.session is s


def test_own_points_say_so_and_a_generator_replaces_them():
    at = new_app({"preset": "xor_2-3-1"})
    assert at.selectbox(key="w_preset").value == at.session_state.page.session.cfg.title  # the link's preset is named
    assert setting(at, "w_gen").value == controls.OWN_POINTS
    assert any("4 points of your own" in c.value for c in at.caption)
    assert all(setting(at, k).disabled for k in ("w_n", "w_dseed")) and setting(at, "w_noise").disabled
    assert next(b for b in at.button if b.label == "Regenerate").disabled
    ok(setting(at, "w_act").set_value("relu").run())  # a network change keeps the points
    assert at.session_state.page.session.dataset.n == 4 and setting(at, "w_gen").value == controls.OWN_POINTS
    ok(setting(at, "w_gen").set_value("xor").run())
    assert (
        at.session_state.page.session.cfg.data["generator"] == "xor" and at.session_state.page.session.dataset.n == 300
    )
    assert controls.OWN_POINTS not in setting(at, "w_gen").options
    assert not setting(at, "w_n").disabled


def test_emptying_the_features_keeps_those_in_use():
    at = new_app()
    ok(setting(at, "w_features").set_value([]).run())
    assert warnings(at) == ["The network needs at least one input feature: kept x1, x2."]
    assert setting(at, "w_features").value == ["x1", "x2"]
    assert at.session_state.page.session.spec.features == ("x1", "x2")


def test_clear_undo_regenerate():
    at = new_app()
    n = at.session_state.page.session.dataset.n
    click(at, "Clear")
    assert at.session_state.page.session.dataset.n == 0
    click(at, "Undo")
    assert at.session_state.page.session.dataset.n == n
    click(at, "Clear")
    click(at, "Regenerate")
    assert at.session_state.page.session.dataset.n == n


PRESETS = list(state.presets())


def test_presets_exist():
    assert len(PRESETS) == len(list((ROOT / "playground" / "presets").glob("*.json"))) == 6


@pytest.fixture(scope="module")
def preset_app() -> AppTest:
    return new_app()


@pytest.mark.parametrize("title", PRESETS)
def test_preset_loads(preset_app, title):
    at = preset_app
    ok(at.selectbox(key="w_preset").set_value(title).run())
    cfg = state.load_preset(state.presets()[title])
    assert at.session_state.page.session.cfg.title == title
    assert at.session_state.page.session.cfg.title == title
    assert at.session_state.page.session.spec.sizes[1:-1] == cfg.hidden
    assert at.session_state.page.session.spec.activation == cfg.activation
    assert setting(at, "w_layers").value == len(cfg.hidden)
    assert not warnings(at)
    assert epoch_text(at) == "### Epoch 0"
    click(at, "Step")
    assert at.session_state.page.session.epoch == 1


# ---- the panels under the board ---------------------------------------------------------------------------
def open_tab(at: AppTest, name: str) -> AppTest:
    at.session_state.page.tab = name
    return ok(at.run())


def test_worked_example_preset_opens_the_inspector_with_correct_numbers():
    at = new_app({"preset": "worked_2-2-2-2"})
    assert at.session_state.page.tab == "Step inspector"
    tex = "\n".join(e.value for e in at.get("markdown") if "begin{bmatrix}" in str(e.value)) or "\n".join(
        str(e.proto) for e in at.get("latex")
    )
    assert "0.6 & 1.3" in tex and "0.9205 & 0.9466" in tex and "6.82377" in tex
    click(at, "Apply this step")
    assert any("Applied the inspected step" in w.value for w in at.success)
    tex = "\n".join(str(e.proto) for e in at.get("latex"))
    assert "0.1013 & 0.3011" in tex  # the new W⁽¹⁾ is now the "before" of the next step
    assert epoch_text(at) == "### Epoch 0 + 1 inspected step"  # the weights moved: the counter says so
    click(at, "Apply this step")
    assert epoch_text(at) == "### Epoch 0 + 2 inspected steps"
    click(at, "Step")
    assert epoch_text(at) == "### Epoch 1 + 2 inspected steps"
    click(at, "Reset")
    assert epoch_text(at) == "### Epoch 0"


def test_a_held_out_point_can_be_inspected_but_not_trained_on():
    at = new_app()
    s = at.session_state.page.session
    i = int(np.flatnonzero(s.dataset.test)[0])
    at.session_state.page.inspect = i
    at.session_state.page.tab = "Step inspector"
    ok(at.run())
    assert any(f"Point #{i}" in m.value and "(a test point)" in m.value for m in at.markdown)
    [apply] = [b for b in at.button if b.label == "Apply this step"]
    assert apply.disabled and "held out" in apply.help
    before = [np.asarray(W).copy() for W, _ in s.params]
    at.session_state.page.inspect = int(np.flatnonzero(~s.dataset.test)[0])  # a training point may be applied
    ok(at.run())
    click(at, "Apply this step")
    assert any(not np.array_equal(a, np.asarray(W)) for a, (W, _) in zip(before, s.params, strict=True))


def test_every_panel_renders(app):
    for name in ("Network", "Hidden space", "History", "Optimiser race", "Metrics"):
        open_tab(app, name)
    click(app, "Step 10")
    open_tab(app, "History")
    assert any(s.label == "Epoch" for s in app.select_slider)


def test_race_gives_every_racer_the_same_start():
    at = open_tab(new_app(), "Optimiser race")
    at.session_state.page.race.rows = [
        {"optimizer": "sgd", "learning_rate": 0.03},
        {"optimizer": "adam", "learning_rate": 0.01},
        {"optimizer": "momentum", "learning_rate": 0.03},
    ]
    at.session_state["w_race_epochs"] = 100
    click(at, "Race")
    race = at.session_state.page.race.result
    assert len(race.racers) == 3 and race.epoch == 100
    assert [m.label for m in at.metric][:3] == race.labels
    p0 = np.asarray(race.paths())[:, 0]
    assert np.allclose(p0, 0)  # every path starts at the shared θ₀


def test_classroom_link_hides_panels_and_presents_big():
    at = new_app({"hide": "race,history,data,nonsense", "present": "1"})
    assert at.session_state.page.tab == "Metrics"
    assert any("nonsense" in w for w in warnings(at))
    assert at.query_params["hide"] == "race,history,data,nonsense" and at.query_params["present"] == "1"
    at.session_state.page.tab = "Optimiser race"  # a hidden panel cannot be opened
    ok(at.run())
    assert at.session_state.page.tab == "Metrics"


def test_page_queues_the_neighbouring_networks_for_warm_up(monkeypatch):
    """After each script run the page hands its network to playground/warm.py, which compiles the networks one
    sidebar step away in the background (off in the rest of the suite)."""
    from playground import warm

    queued = []
    monkeypatch.setenv("BACKPROP_PREWARM", "1")
    monkeypatch.setattr(warm, "_todo", [])
    monkeypatch.setattr(warm, "_done", set())
    monkeypatch.setattr(warm, "_wake", type("NoWake", (), {"set": lambda self: queued.append(list(warm._todo))})())
    monkeypatch.setattr(warm, "_thread", object())  # no thread: only what is queued is looked at
    at = new_app()
    assert queued, "the page did not call warm.prewarm"
    hidden = sorted(key[0].sizes[1:-1] for key, _ in queued[-1])
    assert (4, 2, 4) in hidden and (5, 2) in hidden and (4,) in hidden
    ok(setting(at, "w_h1").set_value(5).run())
    assert (6, 2) in [key[0].sizes[1:-1] for key, _ in queued[-1]]  # the queue follows the network shown


WIDGETS = (
    "button", "download_button", "selectbox", "multiselect", "number_input", "slider", "select_slider", "toggle",
    "checkbox", "radio", "text_input", "file_uploader", "button_group", "data_editor",
)  # fmt: skip


@pytest.mark.parametrize(
    "query",
    [{}, {"problem": "regression", "gen": "plane"}, {"opt": "momentum", "reg": "l2", "sched": "step", "clip": "1"}],
)
def test_every_control_has_a_tooltip(query):
    at = new_app(query)
    seen = 0
    for view in ("Metrics", "Step inspector", "Network", "Hidden space", "Optimiser race", "History"):
        if view == "History":
            click(at, "Step 10")
        open_tab(at, view)
        for kind in WIDGETS:
            for w in at.get(kind):
                seen += 1
                p = w.proto
                if kind == "data_editor":  # a table: each column says what it holds
                    cols = json.loads(p.columns)
                    assert all(c.get("help") for c in cols.values() if not c.get("hidden")), f"race table: {cols}"
                    continue
                label = getattr(p, "label", "") or getattr(p, "id", "")
                assert getattr(p, "help", "").strip(), f"{kind} {label!r} ({view}) has no help"
    assert seen > 40


def test_csv_from_old_mac_excel_loads_and_a_png_is_refused():
    at = new_app()
    cr = b"x1,x2,label\r0.1,0.2,0\r1,1,1\r0.5,0.3,0\r-1,0.2,1\r"
    ok(at.file_uploader(key="w_csv").set_value(("mac.csv", cr, "text/csv")).run())
    assert successes(at) == ["Loaded 4 points from mac.csv"]
    s = at.session_state.page.session
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256))
    ok(at.file_uploader(key="w_csv").set_value(("picture.csv", png, "text/csv")).run())
    assert warnings(at) == [
        "CSV not loaded (your data is unchanged) — this is not a text file (it holds binary data); "
        "save the table as CSV"
    ]
    assert at.session_state.page.session is s and s.dataset.n == 4


def test_link_keys_and_imported_titles_show_as_text():
    at = new_app({"[Click here to log in again](https://evil.example/login)": "1"})
    [w] = [w.value for w in at.warning]
    assert "](" not in w.replace("\\](", "") and "\\[Click here" in w
    doc = {"title": "![x](https://e.example/p.png)", "caption": "# big\n[link](https://e.example)"}
    ok(at.file_uploader(key="w_import").set_value(("t.json", json.dumps(doc).encode(), "application/json")).run())
    [info] = [i.value for i in at.info if "big" in i.value]
    assert "\\!\\[x\\]" in info and "\\# big" in info and "\\[link\\]" in info


def test_clicking_the_selected_draw_button_keeps_it():
    at = new_app()
    [tool] = [w for w in at.segmented_control if w.key == "w_tool"]
    assert tool.value == "class 1"
    ok(tool.set_value("class 0").run())
    [tool] = [w for w in at.segmented_control if w.key == "w_tool"]
    ok(tool.set_value(None).run())  # what the browser sends when the selected button is clicked again
    [tool] = [w for w in at.segmented_control if w.key == "w_tool"]
    assert tool.value == "class 0"


def test_the_page_says_when_it_compiled_a_new_network():
    from engine import programs

    at = new_app({"hidden": "7,5,3", "act": "elu"})
    programs.clear()  # as on a server that has not seen this network yet
    click(at, "Step 10")
    [c] = [c.value for c in at.toast if c.value.startswith("Compiled this network's program in")]
    assert float(c.split(" in ")[1].split()[0]) > 0
    click(at, "Step 10")  # the same network again: nothing to compile, nothing said
    assert not [c for c in at.toast if c.value.startswith("Compiled")]


def test_no_training_points_is_said_so_and_training_goes_on_after_undo():
    at = new_app()
    click(at, "Clear")
    click(at, "Step")
    assert warnings(at) == ["No training points: draw some on the board (or lower Test fraction), then train."]
    assert not at.error and at.session_state.page.session.divergence is None
    click(at, "Undo")
    click(at, "Step 10")
    assert at.session_state.page.session.epoch == 10 and not at.error


def test_the_metrics_tab_names_the_epoch_of_its_numbers():
    at = new_app()
    click(at, "Step 10")
    assert "At epoch 10" in [c.value for c in at.caption]


def test_the_cosine_final_fraction_is_a_control_and_a_link_keeps_it():
    at = new_app({"sched": "cosine", "final": "0.1"})
    assert setting(at, "w_final").value == pytest.approx(0.1)
    click(at, "Step 10")
    ok(setting(at, "w_lr").set_value(0.1).run())  # a learning rate is not part of the network
    s = at.session_state.page.session
    assert s.cfg.schedule.final_fraction == pytest.approx(0.1) and s.epoch == 10
    ok(setting(at, "w_final").set_value(0.3).run())
    assert at.session_state.page.session.cfg.schedule.final_fraction == pytest.approx(0.3)
    assert "final=0.3" in "&".join(f"{k}={v}" for k, v in at.query_params.items())


def test_undo_after_another_data_set_brings_its_settings_back_and_replaced_points_are_said_so():
    at = new_app({"gen": "xor", "n": "100"})
    xor = at.session_state.page.session.dataset
    ok(setting(at, "w_gen").set_value("moons").run())
    assert at.session_state.page.session.cfg.data["generator"] == "moons" and not warnings(
        at
    )  # generated: nothing lost
    click(at, "Undo")
    s = at.session_state.page.session
    assert s.cfg.data["generator"] == "xor" and setting(at, "w_gen").value == "xor"
    np.testing.assert_array_equal(s.dataset.x, xor.x)
    assert at.query_params["gen"] in ("xor", ["xor"])
    click(at, "Clear")  # own points now (none at all): a new test fraction replaces them, and says so
    ok(setting(at, "w_test").set_value(0.3).run())
    assert warnings(at) == ["The points you drew or loaded were replaced by new ones — Undo brings them back."]
    click(at, "Undo")
    assert at.session_state.page.session.dataset.n == 0 and at.session_state.page.session.cfg.test_fraction == 0.5


def test_switching_regularisation_keeps_training():
    """Issue 16: l1 → l2 reset training to epoch 0 (the kind was part of the compiled program)."""
    at = new_app({"gen": "xor", "reg": "l1", "rate": "0.01"})
    click(at, "Step 10")
    s = at.session_state.page.session
    ok(setting(at, "w_reg").set_value("l2").run())
    assert at.session_state.page.session is s and s.epoch == 10 and s.cfg.regularization == ("l2", 0.01)
    ok(setting(at, "w_reg").set_value("none").run())
    assert at.session_state.page.session is s and s.epoch == 10 and s.cfg.regularization[0] == "none"
    click(at, "Step")
    assert s.epoch == 11 and at.query_params.get("reg") in (None, [], "none")


def test_a_csv_without_a_set_column_is_split_by_the_test_fraction():
    """The walkthrough: 90 rows without `set` all became training points while Test fraction said 0.50."""
    rows = "\n".join(f"{i / 10},{(i % 7) / 7},{i % 2}" for i in range(90))
    at = new_app({"test": "0.3"})
    ok(at.file_uploader(key="w_csv").set_value(("plain.csv", f"x1,x2,label\n{rows}\n".encode(), "text/csv")).run())
    ds = at.session_state.page.session.dataset
    assert ds.n == 90 and int(ds.test.sum()) == 27  # 30 % held out
    assert setting(at, "w_test").value == 0.3
    cfg = at.session_state.page.session.cfg
    assert cfg.data["test"] == ds.test.astype(int).tolist()  # the config says which points are test points


def test_a_curve_from_a_csv_stays_when_a_setting_changes():
    """1-D points of one's own (curve fitting from a CSV) were replaced by the sine generator on the next change
    of any setting: the kind of the config's own points was read as 2-D."""
    at = new_app({"problem": "regression", "gen": "sine"})
    rows = "\n".join(f"{i / 10},{(i / 10) ** 2}" for i in range(20))
    ok(at.file_uploader(key="w_csv").set_value(("curve.csv", f"x,y\n{rows}\n".encode(), "text/csv")).run())
    assert at.session_state.page.session.dataset.dim == 1 and at.session_state.page.session.dataset.n == 20
    ok(setting(at, "w_act").set_value("relu").run())
    s = at.session_state.page.session
    assert s.cfg.activation == "relu" and "generator" not in s.cfg.data and s.dataset.n == 20


def link_of(at: AppTest) -> dict[str, str]:
    return {k: at.query_params[k] for k in at.query_params}


@pytest.mark.parametrize("stem", ["xor_2-3-1", "spiral"])  # inline points; a generator's
def test_a_preset_is_shared_by_its_link_with_the_changes_made_since(stem):
    at = new_app({"preset": stem})
    assert link_of(at) == {"preset": stem} or set(link_of(at)) <= {"preset", "b1", "b2", "eps"}
    preset = at.session_state.page.session.cfg
    ok(setting(at, "w_lr").set_value(0.3).run())
    ok(setting(at, "w_act").set_value("relu").run())
    link = link_of(at)
    assert link["preset"] == stem and link["lr"] == "0.3" and link["act"] == "relu"
    again = new_app(link)  # the shared link opens the preset with those changes, and names the preset
    cfg = again.session_state.page.session.cfg
    assert cfg == at.session_state.page.session.cfg
    assert cfg.data == preset.data and cfg.title == preset.title and cfg.optimizer.learning_rate == 0.3
    assert again.selectbox(key="w_preset").value == preset.title and link_of(again) == link
    assert not warnings(again)


def test_a_preset_link_with_a_refused_change_keeps_the_preset():
    at = new_app({"preset": "xor_2-3-1", "lr": "-3", "hidden": "5"})
    assert warnings(at) == ["Link setting ignored — lr: must be > 0, got -3; keeping the preset's"]
    cfg = at.session_state.page.session.cfg
    assert cfg.hidden == (5,) and cfg.data == state.preset_named("xor_2-3-1").data
    assert cfg.optimizer.learning_rate == state.preset_named("xor_2-3-1").optimizer.learning_rate


def test_drawn_points_end_the_preset_in_the_link():
    at = new_app({"preset": "xor_2-3-1"})
    ok(setting(at, "w_gen").set_value("moons").run())  # the preset's points are gone: the link is its own
    assert "preset" not in link_of(at) and link_of(at)["gen"] == "moons"
    cfg, again = at.session_state.page.session.cfg, new_app(link_of(at)).session_state.page.session.cfg
    assert again.data == cfg.data and controls.config_to_query(again) == controls.config_to_query(cfg)


def test_settings_that_keep_the_weights_go_on_training_and_a_new_network_says_it_starts_again():
    at = new_app()
    click(at, "Step 10")
    s = at.session_state.page.session
    for key, value in [("w_dropout", 0.2), ("w_batch_mode", "Full batch"), ("w_sched", "step"), ("w_gamma", 0.3)]:
        ok(setting(at, key).set_value(value).run())
        assert at.session_state.page.session.epoch == 10, key  # not restarted
    cfg = at.session_state.page.session.cfg
    assert cfg.dropout == 0.2 and cfg.batch_size is None and cfg.schedule.gamma == pytest.approx(0.3)
    click(at, "Step")
    restarted = lambda: [t.value for t in at.toast if t.icon == ":material/restart_alt:"]  # noqa: E731
    assert at.session_state.page.session.epoch == 11 and not restarted()  # (a compile has a toast of its own)
    ok(setting(at, "w_act").set_value("relu").run())
    assert at.session_state.page.session.epoch == 0
    assert restarted() == [
        "A new network (layers, features, activation, initialiser or seed): training starts again at epoch 0."
    ]
    assert s is not at.session_state.page.session


def test_the_inspected_point_is_marked_on_the_board():
    from engine.config import parse_config
    from engine.session import Session
    from playground import board as bd

    s = Session(parse_config({"data": {"generator": "xor", "n": 40}}))
    ctx = bd.board_context(s, "inspect", 0, 0.0, True, False, "hint", inspected=7)
    assert ctx["inspected"] == [float(s.dataset.x[7, 0]), float(s.dataset.x[7, 1])]
    assert bd.board_context(s, "add", 0, 0.0, True, False, "hint")["inspected"] is None
    assert bd.board_context(s, "add", 0, 0.0, True, False, "hint", inspected=40)["inspected"] is None  # stale
    curve = Session(parse_config({"problem": "regression", "data": {"generator": "sine", "n": 30}}))
    ctx = bd.board_context(curve, "inspect", 0, 0.0, True, False, "hint", inspected=3)
    assert ctx["inspected"] == [float(curve.dataset.x[3, 0]), float(curve.dataset.y[3, 0])]  # x and its target
