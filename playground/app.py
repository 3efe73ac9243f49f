"""Backprop Playground, the page: `backprop-playground` (or `streamlit run playground/serve.py`) runs it.

Page state (page.py) → pure functions (controls.py, state.py, figures.py, board.py) → the page. `main()` draws
one part of the page per function. Play's row, the Draw row and the board are one fragment (`board_area`): Play, a
stroke, the Draw tool or a board toggle reruns only it, not the sidebar and the tabs. Play runs in that fragment's run:
each frame trains K epochs in one engine call and streams the board's data; a click elsewhere interrupts it, and
a stroke ends it between two frames (playground/runs.py) for the fragment's next run, which plays on.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import time
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import streamlit as st

from engine import limits, programs
from engine.config import Config, ConfigError, parse_config, parse_document
from engine.data import DataError, load_dataset, parse_csv, to_csv
from engine.device import describe
from engine.session import Session, split_epochs
from playground import board as bd
from playground import controls, i18n, lesson_view, lessons, pace, panels, runs, state, warm
from playground.controls import CONTROLS, OPTIMIZERS, Control
from playground.i18n import N_, _
from playground.page import LessonState, Page, Race
from playground.text import plain

ss = st.session_state
NO_LESSON = "—"
FPS = 20.0  # frames per second the play loop aims at; the browser shows what it can of them
CATCH_UP = 4.0  # a frame late by k budgets trains k frames' epochs (at most this many): epochs/s kept under load
TRAIN_BUDGET_S = 0.025  # a frame's training at its network's own speed (× lateness): a heavy one trains fewer epochs
MAX_DUTY = 0.5  # a session trains at most this share of the time (one epoch too long for a frame: it waits)
LIGHT_POINT_WEIGHTS = 1_000_000  # a frame this light (training points × weights × epochs) is never cut by time:
# twice TF Playground's default network at the default speed (250 × 37 × 50), so a busy server (every epoch slower)
# does not cut ordinary sessions, only networks heavy in themselves
INSPECT = "inspect"
PLAY_HINT = N_("Click to add a point, drag to spray, pick the eraser to remove. Drawing works while training runs.")
TRAIN_PROGRAM = "engine.train.train_epochs"
NO_TRAINING_ROWS = N_("No training points: draw some on the board (or lower Test fraction), then train.")
RESTARTED = N_("A new network (layers, features, activation, initialiser or seed): training starts again at epoch 0.")
COMPILE_HELP = N_(
    "JAX compiles a program for each network shape the first time it trains (then it is reused: adding points "
    "or changing the learning rate compiles nothing)."
)


# ---- page state -------------------------------------------------------------------------------------------
def page() -> Page:
    return ss.page


def open_page(flag_notes: list[str]) -> Page:
    """A new browser session: the set-up of its link (or preset)."""
    q = {k: st.query_params.get(k) for k in st.query_params}
    lang, lang_note = i18n.choose(q.get("lang"), st.context.locale)
    i18n.use(lang)
    notices, tab, base, stem = [], None, None, q.get("preset")
    lesson, base = open_lesson(q, notices)
    if lesson is not None:
        stem, tab = None, lesson_tab(lesson_view.current_step(lesson), base)
    if stem:  # a preset's link: its settings are changes to the preset's
        base = state.preset_named(stem)
        if base is None:
            notices.append(_("Link setting ignored — preset: no preset named {name!r}").format(name=stem[:40]))
            stem = None
        else:
            ss.w_preset, tab = base.title, base.view or None
    cfg, notes = controls.query_to_config(q, base)
    notes += [lang_note] if lang_note else []
    notices = [_("Link setting ignored — {why}").format(why=n) for n in [*notes, *flag_notes]] + notices
    try:
        session = Session(cfg)
    except ConfigError as e:
        notices.append(_("Link settings ignored — {why}").format(why=i18n.error_text(e)))
        session, stem = Session(Config()), None
    p = Page(
        session=session,
        settings={},
        notices=notices,
        tab=tab,
        lang=lang,
        lang_in_link=lang == q.get("lang"),
        preset=stem,
        lesson=lesson,
    )
    p.show(session.cfg)
    return p


def open_lesson(q: dict, notices: list[str]) -> tuple[LessonState | None, Config | None]:
    """A lesson's link (?lesson=NAME&step=K, K from 1): the lesson at that step and its step's config, the base
    of the link's other settings."""
    name = q.get("lesson")
    if not name:
        return None, None
    try:
        lesson = lessons.load(str(name)[:80])
    except lessons.LessonError as e:
        notices.append(_("Link setting ignored — lesson: {why}").format(why=e))
        return None, None
    k = controls.typed(str(q.get("step", "1"))[:10])
    if not isinstance(k, int) or not 1 <= k <= len(lesson.steps):
        notices.append(
            _("Link setting ignored — step: this lesson has steps 1 to {n}; opened step 1").format(n=len(lesson.steps))
        )
        k = 1
    ls = LessonState(lesson.name, k - 1)
    return ls, lesson_view.step_config(lesson.steps[k - 1])


def lesson_tab(step, cfg: Config) -> str | None:
    """The tab a lesson step opens: the one it names (by its ?hide= flag), else its preset's."""
    names = {t.flag: t.name for t in panels.TABS}
    return names.get(step.tab) or cfg.view or None


def install(s: Session) -> None:
    """Make a session built (and so checked) beforehand the page's."""
    p = page()
    if s.dataset is not p.session.dataset:
        p.board_extent = None  # new points: the board fits them
    p.session, p.playing = s, False


def notice(msg: str) -> None:
    page().notices.append(msg)


def open_tab(name: str) -> None:
    if name in [t.name for t in panels.TABS]:
        page().tab, page().inspect = name, None


def own_points(s: Session) -> bool:
    """The session's points are not (only) its generator's: drawn, erased, loaded or imported."""
    if "generator" not in s.cfg.data:
        return True
    gen = load_dataset(s.cfg)
    return gen.n != s.dataset.n or not (np.array_equal(gen.x, s.dataset.x) and np.array_equal(gen.y, s.dataset.y))


def hold_extent() -> None:
    """The person is drawing: the board keeps its extent instead of fitting the points after each one."""
    p = page()
    p.board_extent = bd.view_bounds(p.session.dataset, p.board_extent)


# ---- callbacks ------------------------------------------------------------------------------------------------
def serial(callback):
    """Callbacks change the session one at a time. With fast reruns Streamlit starts the next script run (and
    its callback) while the interrupted one may still be in its own: two clicks in quick succession each added
    their point to the same old data set, and one of the two points was lost."""

    @functools.wraps(callback)
    def run(*args, **kwargs):
        with page().lock:
            i18n.use(page().lang)  # callbacks run before main(): their notices in the page's language
            return callback(*args, **kwargs)

    return run


@serial
def on_control(name: str, key: str, shown_as: dict | None = None) -> None:
    """The person changed a setting: the settings that follow it, then the config they describe. `shown_as`:
    the option each shown (translated) text stands for."""
    p = page()
    before = dict(p.settings)
    value = shown_as.get(ss[key], ss[key]) if shown_as else ss[key]
    p.settings[name] = value
    if name in OPTIMIZERS[p.settings["opt"]]:  # an optimiser's own number: kept per optimiser
        p.optimizer_numbers[(p.settings["opt"], name)] = value
    p.set(controls.after_change(name, p.settings, p.optimizer_numbers))
    if not apply_settings(p):
        p.set(before)
        p.redraw(name)


def apply_settings(p: Page) -> bool:
    """Rebuild what the settings change, keep training where possible. False: refused (with a notice)."""
    if not p.settings["features"]:
        notice(
            _("The network needs at least one input feature: kept {names}.").format(
                names=", ".join(p.session.spec.features)
            )
        )
        return False
    old = p.session.cfg
    try:
        cfg = parse_config(controls.document_of(p.settings, old))
        if (cfg.problem, cfg.data, cfg.test_fraction) != (old.problem, old.data, old.test_fraction):
            drawn = own_points(p.session)
            new = Session(cfg)
            p.remember(p.session.dataset, old)
            install(new)
            if drawn:
                notice("The points you drew or loaded were replaced by new ones — Undo brings them back.")
            return True
        if p.session.set_hyper(cfg):  # learning rate & co.: training goes on, nothing recompiles
            return True
        if p.session.go_on(cfg):  # batch size, dropout, clipping, loss, optimiser: the same weights go on training
            return True
        playing, epoch = p.playing, p.session.epoch
        install(Session(cfg, p.session.dataset))  # a new network on the same (possibly drawn) points
        p.playing = playing
        if epoch:
            p.toasts.append(RESTARTED)
        return True
    except ConfigError as e:
        notice(_("Not applied — {why}").format(why=i18n.error_text(e)))
        return False


@serial
def on_preset() -> None:
    name = ss.w_preset
    if name in state.presets():
        p = page()
        p.remember(p.session.dataset, p.session.cfg)
        install(Session(state.load_preset(state.presets()[name])))
        p.preset = state.presets()[name].stem
        p.show(p.session.cfg)
        open_tab(p.session.cfg.view)


def set_up_lesson_step(p: Page) -> None:
    """The lesson's current step on the page: its set-up (a fresh session), its tab, an empty race."""
    step = lesson_view.current_step(p.lesson)
    cfg = lesson_view.step_config(step)
    p.remember(p.session.dataset, p.session.cfg)
    install(Session(cfg))
    p.show(p.session.cfg)
    p.preset, p.race = None, Race()
    if tab := lesson_tab(step, cfg):
        open_tab(tab)


@serial
def on_lesson_menu() -> None:
    p, name = page(), ss.w_lesson
    if name == NO_LESSON:
        p.lesson = None
        return
    p.lesson = LessonState(name)
    set_up_lesson_step(p)


@serial
def on_lesson_go(k: int) -> None:
    p = page()
    if p.lesson is not None and 0 <= k < len(lesson_view.lesson_of(p.lesson).steps):
        p.lesson.step = k
        set_up_lesson_step(p)


@serial
def on_lesson_run(key: str) -> None:
    p = page()
    if p.lesson is not None:
        lesson_view.lock(p.lesson, lesson_view.raw_answer(lesson_view.current_step(p.lesson).question, key))


@serial
def on_lesson_leave() -> None:
    page().lesson = None
    ss.w_lesson = NO_LESSON


@serial
def on_stroke() -> None:
    """Apply the board's strokes not yet acknowledged (all of them come along: clicks that land while a script
    run is busy share one rerun). Every session-state read happens first: Streamlit may stop a callback at any
    session-state access when a newer run is requested, and a stroke applied but not acknowledged there was
    applied twice by the next run. Between a stroke's points and its acknowledgement nothing touches `ss`."""
    value = ss.board.stroke if "board" in ss else None
    p = page()
    session, acks, extent = p.session, p.acks, p.board_extent
    batch = value.get("batch") if isinstance(value, dict) else None
    notes, picked = [], None
    for stroke in (batch if isinstance(batch, list) else [value])[-bd.MAX_UNACKED :]:
        if not isinstance(stroke, dict) or not isinstance(stroke.get("id"), str):
            continue
        if stroke["id"] in acks:  # sent again (its acknowledgement was late or lost): applied once, acknowledged
            acks.remove(stroke["id"])  # again, among the newest (a streamed frame carries only those)
            acks.append(stroke["id"])
            continue
        if stroke.get("tool") == "inspect":
            picked = state.nearest_point(session.dataset, stroke)
            if picked is None:
                notes.append(_("No point there to inspect: click on a point (or use Whole batch in the inspector)."))
        else:
            try:
                ds = state.apply_stroke(session.dataset, stroke)
            except (DataError, TypeError, ValueError) as e:
                notes.append(
                    _("Drawing not applied — {why}").format(
                        why=i18n.error_text(e) if isinstance(e, DataError) else _("a malformed stroke")
                    )
                )
            else:
                extent = bd.view_bounds(session.dataset, extent)  # the board holds its extent while drawing
                if stroke.get("tool") != "erase" and ds.n == limits.MAX_POINTS:
                    total = len(state.stroke_points(stroke))
                    if ds.n - session.dataset.n < total:  # a spray that reached the limit kept what fits: say so
                        notes.append(
                            _("The board holds at most {n} points: {kept} of this stroke's {total} were kept.").format(
                                n=f"{limits.MAX_POINTS:,}", kept=ds.n - session.dataset.n, total=total
                            )
                        )
                p.remember(session.dataset, session.cfg)
                session.set_dataset(ds)
        acks.append(stroke["id"])
        del acks[: -2 * bd.MAX_UNACKED]
    p.board_extent = extent
    p.notices.extend(notes)
    if picked is not None:
        p.inspect, p.tab = picked, "Step inspector"
        st.rerun()  # the inspector's tab opens on that point: the whole page
    refresh_page(p)


def refresh_page(p: Page) -> None:
    """After the points changed in the board fragment (its callbacks rerun only it): while Play runs, only the
    board shows the change (the tabs keep the epoch Play started at, the counter and charts stream on); while
    paused, the whole page does (the tabs, Undo, the sidebar's count of drawn points), as a click always did."""
    if not p.playing:
        st.rerun()


@serial
def on_undo() -> None:
    p = page()
    if not p.undo:
        return
    hold_extent()
    ds, cfg = p.undo.pop()
    old = p.session.cfg
    if (cfg.problem, cfg.data, cfg.test_fraction) == (old.problem, old.data, old.test_fraction):
        p.session.set_dataset(ds)  # drawn or erased points: training goes on
        refresh_page(p)
        return
    try:  # another data set was chosen since: its settings come back with its points
        install(Session(replace(old, problem=cfg.problem, data=cfg.data, test_fraction=cfg.test_fraction), ds))
    except (ConfigError, ValueError):
        install(Session(cfg, ds))
    p.show(p.session.cfg)
    st.rerun()  # the sidebar shows those settings


@serial
def on_clear() -> None:
    p = page()
    p.remember(p.session.dataset, p.session.cfg)
    hold_extent()
    p.session.set_dataset(p.session.dataset.keep(np.zeros(p.session.dataset.n, bool)))
    refresh_page(p)


@serial
def on_regenerate() -> None:
    p = page()
    p.remember(p.session.dataset, p.session.cfg)
    p.board_extent = None
    try:
        s = p.session
        s.set_dataset(load_dataset(s.cfg) if "generator" in s.cfg.data else s.dataset)
    except ConfigError as e:
        notice(i18n.error_text(e))
    refresh_page(p)


def too_big(f, what: str) -> bool:
    if f.size > limits.MAX_UPLOAD_BYTES:
        notice(_("{what} — the file is larger than {mb} MB").format(what=what, mb=limits.MAX_UPLOAD_BYTES // 10**6))
        return True
    return False


@serial
def on_csv() -> None:
    f, p = ss.get("w_csv"), page()
    if f is None or too_big(f, _("CSV not loaded (your data is unchanged)")):
        return
    try:
        cfg = p.session.cfg
        # a file without a `set` column is split by Test fraction, as the slider says (it held everything out of
        # the test set while the slider still said 0.50)
        text = f.getvalue().decode("utf-8-sig", errors="replace")
        ds = parse_csv(text, cfg.problem, test_fraction=cfg.test_fraction, seed=int(cfg.data.get("seed", 0)))
        data = {"x": ds.x.tolist(), "y": ds.y.tolist(), "test": ds.test.astype(int).tolist()}
        doc = {**cfg.without_weights().to_dict(), "data": data}
        doc.pop("features", None)
        if ds.problem == "classification":
            doc["data"]["classes"] = ds.classes
        new = Session(parse_config(doc), ds)
    except (DataError, ConfigError) as e:
        notice(_("CSV not loaded (your data is unchanged) — {why}").format(why=i18n.error_text(e)))
        return
    p.remember(p.session.dataset, p.session.cfg)
    install(new)
    p.show(p.session.cfg)
    p.successes.append(_("Loaded {n} points from {name}").format(n=ds.n, name=f.name))


@serial
def on_import() -> None:
    f, p = ss.get("w_import"), page()
    if f is None or too_big(f, _("Import failed (nothing changed)")):
        return
    try:
        cfg = parse_document(f.getvalue())
        new = Session(cfg)  # the points and weights are checked here, before anything on the page changes
    except ConfigError as e:
        msg = str(e)
        why = _("not a JSON file") if "not valid JSON" in msg else i18n.error_text(e)
        notice(_("Import failed (nothing changed) — {why}").format(why=why))
        return
    p.remember(p.session.dataset, p.session.cfg)
    install(new)
    p.show(p.session.cfg)
    p.successes.append(_("Imported {name}").format(name=f.name))


@serial
def train(n: int) -> None:
    p = page()
    if not p.session.has_training_rows:
        p.playing = False
        notice(_(NO_TRAINING_ROWS))
        return
    p.session.train(n)
    if p.session.divergence is not None:
        p.playing = False


@serial
def on_play() -> None:
    """Play reruns only the board fragment, which plays (a class pressing Play at once costs the server a few ms
    each, not a page each); Pause reruns the page, whose tabs then show the epoch it stopped at."""
    p = page()
    p.playing = not p.playing and p.session.divergence is None
    p.plays += p.playing
    if not p.playing:
        st.rerun()


@serial
def on_step(n: int) -> None:
    """Step, Step 10: the whole page shows the new epoch (the tabs too)."""
    train(n)
    st.rerun()


@serial
def on_reset() -> None:
    p = page()
    p.playing = False
    p.session.reset()
    st.rerun()


TOOL_NAMES = {"point": N_("point"), "eraser": N_("eraser"), INSPECT: N_("inspect")}


def tool_name(tool: str) -> str:
    """A Draw button's text: "class 2" → 类别 2, eraser → 橡皮擦 …"""
    if tool.startswith("class "):
        return _("class {k}").format(k=tool.split()[1])
    return _(TOOL_NAMES.get(tool, tool))


@serial
def on_language() -> None:
    """The sidebar's switch: the page in another language, training and settings as they were."""
    p = page()
    if ss.w_lang in i18n.LANGUAGES:
        p.lang, p.lang_in_link = ss.w_lang, True
        for c in CONTROLS:  # every setting's widget anew: its options are other texts now
            p.redraw(c.name)
    else:  # a click on the chosen language would deselect it
        ss.w_lang = p.lang
    i18n.use(p.lang)


def keep_tool(options: list[str], default: str) -> None:
    """A click on the selected Draw button would deselect it (a segmented control allows none): keep it."""
    p = page()
    if ss.get("w_tool") is None:
        ss.w_tool = p.last_tool if p.last_tool in options else default
    p.last_tool = ss.w_tool


# ---- the sidebar: settings drawn from the table of controls ------------------------------------------------------
def draw_control(c: Control, where, p: Page) -> None:
    """One control's widget, with the setting's value, under a key that is new each time it (re)appears."""
    key = p.widget_key(c.name)
    value, ctx = p.settings[c.name], p.context
    common = dict(
        key=key,
        help=c.tooltip(p.settings),
        on_change=on_control,
        args=(c.name, key),
        disabled=not c.enabled(p.settings, ctx),
    )
    if c.kind in ("select", "radio"):
        # the options in the page's language; the setting keeps the option itself (a word of the links)
        options = c.choices(p.settings, ctx)
        texts = [_(str(o)) for o in options]
        common["args"] = (c.name, key, dict(zip(texts, options, strict=True)))
        draw = where.selectbox if c.kind == "select" else functools.partial(where.radio, horizontal=c.name != "problem")
        draw(_(c.label), texts, index=options.index(value), **common)
    elif c.kind == "multiselect":
        where.multiselect(_(c.label), c.choices(p.settings, ctx), default=value, **common)
    elif c.kind == "checkbox":
        where.checkbox(_(c.label), value=bool(value), **common)
    elif c.kind == "select_slider":
        fmt = c.number_format or "%s"
        where.select_slider(
            _(c.label), c.choices(p.settings, ctx), value=value, format_func=lambda v: fmt % v, **common
        )
    elif c.kind == "number":
        num = dict(min_value=c.number(c.lo), max_value=c.number(c.hi), value=c.number(value))
        if c.step is not None:
            num["step"] = c.number(c.step)
        if c.number_format:
            num["format"] = c.number_format
        where.number_input(_(c.label), **num, **common)
    elif c.kind == "slider":
        kw = {"step": c.number(c.step)} if c.step is not None else {}
        where.slider(_(c.label), c.number(c.lo), c.number(c.hi), value=c.number(value), **kw, **common)
    else:
        raise ValueError(f"control {c.name}: unknown widget kind {c.kind}")


def draw_section(section: str, where, p: Page) -> None:
    """A section's shown controls in the table's order; those sharing a row share its columns (4 for the
    layer widths)."""
    ctx = p.context
    shown = [c for c in CONTROLS if c.section == section and c.shown(p.settings, ctx)]
    i = 0
    while i < len(shown):
        row = shown[i].row
        group = [shown[i]] if row is None else [c for c in shown[i:] if c.row == row]
        if row is None:
            draw_control(shown[i], where, p)
        else:
            cols = where.columns(4 if row == "widths" else len(group))
            for j, c in enumerate(group):
                draw_control(c, cols[j % len(cols)], p)
        i += len(group)


def sidebar(p: Page) -> None:
    """Presets, then the Data, Network and Optimiser settings."""
    p.set(controls.within_options(p.settings, p.context))
    sb = st.sidebar
    if ss.get("w_lang") is None:
        ss.w_lang = p.lang
    sb.segmented_control(
        "Language / 语言",
        list(i18n.LANGUAGES),
        format_func=i18n.LANGUAGES.get,
        key="w_lang",
        on_change=on_language,
        label_visibility="collapsed",
        help="The page's language / 页面语言 (the link keeps it: ?lang=en, ?lang=zh)",
    )
    sb.title(_("Backprop Playground"))
    titles = lesson_view.menu_titles(p.lang)
    ss.w_lesson = p.lesson.name if p.lesson else NO_LESSON
    sb.selectbox(
        _("Lesson"),
        [NO_LESSON, *titles],
        key="w_lesson",
        format_func=lambda n: titles.get(n, "—"),
        on_change=on_lesson_menu,
        help=_("Short guided experiments: predict first, then run, then read why, with your run's own numbers."),
    )
    sb.selectbox(
        _("Preset"),
        ["—", *state.presets()],
        key="w_preset",
        format_func=_,  # a preset's title in the page's language (the box keeps the English one)
        on_change=on_preset,
        help=_("Load one of the articles' examples or a classic problem: data, network and optimiser together."),
    )
    cfg = p.session.cfg
    if cfg.caption and p.lesson is None:  # (a lesson's step changes its preset: the lesson says what it shows)
        sb.info(f"**{plain(_(cfg.title), 200)}** — {plain(_(cfg.caption), 2000)}")  # a preset's are in the catalog

    data = sb.container(key="sec_data")
    data.header(_(controls.SECTIONS["data"]))
    draw_section("data", data, p)
    if p.context.own:
        n = p.session.dataset.n
        data.caption(
            (_("1 point of your own") if n == 1 else _("{n} points of your own").format(n=f"{n:,}"))
            + _(" (preset, CSV or import): Points, Noise and Data seed are for the generators.")
        )
    with data.expander(_("CSV file")):
        st.file_uploader(
            _("Load points from CSV"),
            type=["csv", "txt"],
            key="w_csv",
            on_change=on_csv,
            help=_("Columns x1, x2 (or x) and label/y; optional set = train|test. Checked before anything changes."),
        )
        st.download_button(
            _("Download points as CSV"),
            functools.partial(to_csv, p.session.dataset),  # made on click: no file per script run
            _(i18n.POINTS_CSV),
            "text/csv",
            width="stretch",
            help=_("The current points, with their train/test split."),
        )

    network = sb.container(key="sec_network")
    network.header(_(controls.SECTIONS["network"]))
    draw_section("network", network, p)

    optimizer = sb.container(key="sec_optimizer")
    optimizer.header(_(controls.SECTIONS["optimizer"]))
    draw_section("optimizer", optimizer, p)
    draw_section("advanced", optimizer.expander(_(controls.SECTIONS["advanced"])), p)
    draw_section("seed", optimizer, p)
    sb.caption(_("Engine: JAX on **{device}**").format(device=describe()))


# ---- main area --------------------------------------------------------------------------------------------------
def messages(p: Page) -> None:
    for n in p.notices:
        st.warning(plain(n), icon=":material/warning:")
    for n in p.successes:
        st.success(plain(n), icon=":material/check_circle:")
    for n in p.toasts:
        st.toast(_(n), icon=":material/restart_alt:")
    p.notices, p.successes, p.toasts = [], [], []


def divergence_text(d, epoch: int) -> str:
    """The engine's Divergence (epoch, layer) as a sentence in the page's language."""
    where = _("the loss") if d.layer is None else _("layer {l} (W{l}, b{l} or its output z)").format(l=d.layer)
    return _(
        "Training diverged at epoch {at}: {where} went non-finite (NaN or Inf), so training stopped at epoch {epoch}: "
        "lower the learning rate to go on from there, turn on gradient clipping, or Reset."
    ).format(at=d.epoch, where=where, epoch=f"{epoch:,}")


def epoch_label(s: Session) -> str:
    """The epoch counter, with the steps applied from the step inspector (they change the weights, not the
    epoch count)."""
    label = _("Epoch {n}").format(n=f"{s.epoch:,}")
    k = s.inspected_steps
    if k:
        label += " " + (_("+ 1 inspected step") if k == 1 else _("+ {k} inspected steps").format(k=k))
    return label


def transport(p: Page):
    """Play, Step, Step 10, Reset, the speed and the epoch counter. Returns the counter's slot and the speed."""
    s = p.session
    t = st.container(key="sec_transport").columns([1.1, 0.9, 0.9, 0.9, 2.2, 1.6])
    t[0].button(
        _("Pause") if p.playing else _("Play"),
        icon=":material/pause:" if p.playing else ":material/play_arrow:",  # a font of Streamlit's: no emoji needed
        key="play",
        on_click=on_play,
        type="primary",
        width="stretch",
        disabled=s.divergence is not None,
        help=_("Train continuously: each frame runs the chosen number of epochs."),
    )
    t[1].button(_("Step"), on_click=on_step, args=(1,), width="stretch", help=_("Train exactly one epoch."))
    t[2].button(_("Step 10"), on_click=on_step, args=(10,), width="stretch", help=_("Train ten epochs."))
    t[3].button(
        _("Reset"),
        on_click=on_reset,
        width="stretch",
        help=_("Back to the initial weights: epoch 0, or the epoch an imported state was at."),
    )
    speed = t[4].select_slider(
        _("Speed (epochs per frame)"),
        state.SPEEDS,
        value=50,
        key="w_speed",
        help=_("Epochs trained between two redraws while playing."),
    )
    if (capped := s.epochs_within_budget(int(speed))) < int(speed):
        t[4].caption(
            _(
                "This network and data train at most {n} epochs per frame here (a shared server's limit per frame)."
            ).format(n=f"{capped:,}")
        )
    counter = t[5].empty()  # Play updates it
    counter.markdown("### " + epoch_label(s))
    compiled_s = programs.take_compile_seconds()  # this run's callbacks (Step on a new network) compiled so long
    if compiled_s >= 0.05:  # a toast: a caption under the counter pushed the board down while it showed
        st.toast(
            _("Compiled this network's program in {s} s").format(s=f"{compiled_s:.1f}") + " — " + _(COMPILE_HELP),
            icon=":material/memory:",
        )
    if s.divergence is not None:
        st.error(divergence_text(s.divergence, s.epoch), icon=":material/block:")
    return counter, int(speed)


def draw_row(p: Page, present: bool) -> dict:
    """The Draw tool, Regenerate, Undo, Clear and the two toggles. Returns what the board needs of them."""
    s = p.session
    row = st.container(key="sec_draw")
    if present:  # projector type: the two toggles get a row of their own, so no label is cut
        v = [*row.columns([2.4, 1.1, 0.8, 0.8]), *row.columns([1, 1, 1.4])[:2]]
    else:
        v = row.columns([2.6, 0.75, 0.6, 0.6, 1.1, 1.1])
    label, target = 0, 0.0
    if s.dataset.problem == "classification":
        k = s.dataset.classes
        st.html(state.class_button_css(k))
        tools = [f"class {i}" for i in range(k)] + ["eraser", INSPECT]
        default = tools[1 if k > 1 else 0]
        v[0].segmented_control(
            _("Draw"),
            tools,
            default=default,
            format_func=lambda t: t.split()[1] if k > 2 and t.startswith("class") else tool_name(t),  # the dot names it
            key="w_tool",
            on_change=keep_tool,
            args=(tools, default),
            help=_(
                "What a click on the board does: add a point of this class, erase points, or open a point in the "
                "step inspector."
            ),
        )
        tool = ss.get("w_tool") or tools[0]
        label = int(tool.split()[1]) if tool.startswith("class") else 0
    else:
        tools = ["point", "eraser", INSPECT]
        v[0].segmented_control(
            _("Draw"),
            tools,
            format_func=tool_name,
            default="point",
            key="w_tool",
            on_change=keep_tool,
            args=(tools, "point"),
            help=_(
                "Add a point (1-D: where you click is (x, y)), erase points, or open a point in the step inspector."
            ),
        )
        tool = ss.get("w_tool") or "point"
        rng = bd.target_range(s)
        target = v[0].slider(
            _("Target value of drawn points"),
            float(rng[0]),
            float(rng[1]),
            0.0,
            key="w_target",
            disabled=s.dataset.dim == 1,
            help=_("The y a drawn point asks the network to output."),
        )
    v[1].button(
        _("Regenerate"),
        on_click=on_regenerate,
        width="stretch",
        disabled="generator" not in s.cfg.data,
        help=_(
            "Rebuild the generated points (drawn points are dropped; Undo brings them back). Your own points "
            "(preset, CSV, import) have no generator: pick one under Data set."
        ),
    )
    v[2].button(
        _("Undo"), on_click=on_undo, disabled=not p.undo, width="stretch", help=_("Undo the last change to the points.")
    )
    v[3].button(_("Clear"), on_click=on_clear, width="stretch", help=_("Remove every point, to draw your own."))
    show_test = v[4].toggle(_("Show test data"), value=True, key="w_show_test", help=_("Test points are drawn hollow."))
    log_y = v[5].toggle(_("Log-scale loss"), value=True, key="w_log", help=_("A log axis shows slow late progress."))
    mode = "erase" if tool == "eraser" else "inspect" if tool == INSPECT else "add"
    return {"mode": mode, "label": label, "target": target, "show_test": show_test, "log_y": log_y}


def board(p: Page, drawing: dict, present: bool):
    """The board component with its first frame. Returns what the play loop streams frames with."""
    s = p.session
    p.seq += 1
    extent = bd.view_bounds(s.dataset, p.board_extent)
    if p.board_extent is not None:
        p.board_extent = extent  # grown to a point drawn outside it
    base = bd.base_figures(s, big=present, view=extent)
    if not drawing["log_y"]:
        base["figs"]["loss"]["layout"]["yaxis"]["type"] = "linear"
        base["figs_key"] += "-lin"
    inspected = p.inspect if p.tab == "Step inspector" else None
    ctx = bd.board_context(
        s, drawing["mode"], drawing["label"], drawing["target"], drawing["show_test"], present, _(PLAY_HINT), inspected
    )
    stream = bd.Stream(base["figs_key"], show_test=drawing["show_test"], view=extent)
    frame = stream(s, p.seq, p.acks)  # full: the play loop's frames are deltas against it
    bd.component()(
        key="board",
        data=bd.board_data("main", ctx, base, frame),
        on_stroke_change=on_stroke,
        height="content",
    )
    return stream


def tabs(p: Page, hidden_parts: set[str], present: bool) -> None:
    """The tabs under the board: only the open one runs."""
    shown = [t for t in panels.TABS if t.flag not in hidden_parts]
    if not shown:
        return
    if p.tab not in [t.name for t in shown]:
        p.tab = shown[0].name
    ss.tab = _(p.tab)  # the tabs widget's state: the open tab's title in the page's language
    opened = st.tabs([_(t.name) for t in shown], key="tab", on_change=on_tab)
    for t, slot in zip(shown, opened, strict=True):
        if slot.open:
            with slot:
                t.render(p.session, present)


@serial  # in the page's language: the tab's title is compared with the translated titles
def on_tab() -> None:
    page().tab = next((t.name for t in panels.TABS if ss.tab in (t.name, _(t.name))), None)


def share(p: Page) -> None:
    with st.expander(_("Share and export")):
        st.write(_("The address bar holds every setting (not the drawn points): copy it to share this set-up."))
        s = p.session
        st.download_button(
            _("Export state (config + points + weights) as JSON"),
            lambda: json.dumps(s.export()),  # made on click (a file per run 404'd under fast reruns)
            "backprop-playground.json",
            "application/json",
            help=_("The engine's config document: `python -m engine train` runs it too."),
        )
        st.file_uploader(
            _("Import a state or config JSON"),
            type=["json"],
            key="w_import",
            on_change=on_import,
            help=_("A file exported here or any engine config; checked before anything changes."),
        )


def preset_shown(p: Page) -> Config | None:
    """The preset the set-up came from, while the board shows its points (its generator's, or its own): a link
    names it and carries the settings changed since. Drawn or loaded points end it."""
    base = state.preset_named(p.preset) if p.preset else None
    s = p.session
    if base is None or not (
        state.holds_points_of(s.dataset, base) if "generator" not in base.data else not own_points(s)
    ):
        p.preset = None
        return None
    return base


def sync_link(p: Page) -> None:
    """The address bar mirrors the configuration (and keeps the classroom flags it was opened with, and the
    language where one was chosen: a link without one opens in the viewer's language)."""
    ui = {k: st.query_params[k] for k in ("hide", "present") if k in st.query_params}
    if p.lang_in_link:
        ui["lang"] = p.lang
    if p.lesson is not None:  # the lesson's step, and the settings changed since its set-up
        base = lesson_view.step_config(lesson_view.current_step(p.lesson))
        where = {"lesson": p.lesson.name, "step": str(p.lesson.step + 1)}
    else:
        base = preset_shown(p)
        where = {"preset": p.preset} if base else {}
    q = controls.config_to_query(p.session.cfg, base) | where | ui
    if dict(st.query_params) != q:
        st.query_params.from_dict(q)


def play(p: Page, counter, stream: bd.Stream, speed: int, fulls, frames) -> None:
    """Train, stream the board's frames into the board fragment's two slots, until a click interrupts
    (Streamlit stops this run), a stroke waits (this run ends; the board fragment's next run plays on), or it
    diverges.

    Each frame trains `speed` epochs at FPS frames/s. A frame that comes late (a busy server) trains as many more
    epochs as frames were missed (up to CATCH_UP): fewer frames, the same epochs/s, and larger compiled chunks
    (100 epochs cost about a third less per epoch than 10 × 10). Fair sharing: besides the engine's limits, a
    frame trains no more epochs than its network runs in TRAIN_BUDGET_S (× lateness) at its own speed (the
    fewest seconds an epoch of it took: uncontended, so a busy server does not cut everyone's epochs, only a
    network that is heavy in itself), and a session whose single epoch takes longer than that waits, so that it
    trains at most MAX_DUTY of the time."""
    s = p.session
    last = None
    while p.playing:
        if runs.request_waiting():  # a stroke (the board fragment's run) or a click: this run ends for it
            return
        t0 = time.perf_counter()
        late = 1.0 if last is None else min(CATCH_UP, max(1.0, (t0 - last) * FPS))
        last = t0
        key = (s.spec, s.steps_per_epoch)
        n = s.epochs_within_budget(round(speed * late))
        best = pace.EPOCH_S.get(key)
        light = LIGHT_POINT_WEIGHTS // (max(1, int((~s.dataset.test).sum())) * s.n_weights)
        n = min(n, max(light, 10 if best is None else int(TRAIN_BUDGET_S * late / best), 1))
        if n >= 10:
            n -= n % 10  # whole compiled chunks of 10 and 100 (engine/limits.py EPOCH_CHUNKS)
        plain = s.epochs_within_budget(speed)
        if n >= 1000 > plain and not ((s.spec, 1000) in pace.TRAINED_CHUNKS and programs.held(s.spec)):
            n = 990  # a 1,000-epoch chunk compiles for seconds: catching up does not start one
        # A 100-epoch chunk costs a third less per epoch than ten of 10 (more on a busy server, where each engine
        # call waits for XLA's turn): catching up compiles it once per network and process, out of the frames' turn
        # (≈ 0.2–0.5 s from the persistent cache, for this session only).
        fresh = not programs.held(s.spec) or any((s.spec, c) not in pace.TRAINED_CHUNKS for c in split_epochs(n))
        compiled = programs.is_compiled(s.spec, TRAIN_PROGRAM)
        steady = compiled and not fresh  # (a frame that may compile waits for no one's turn, and no one for it)
        with frame_turn(steady) as mine:
            if not mine:
                return  # a stroke or a click waits: this run ends for it rather than wait for its turn
            t1 = time.perf_counter()  # (an epoch's time without the wait for this process's turn)
            if compiled:
                train(n)
            else:
                with st.spinner(
                    _("Compiling this network's program (once per network, a few seconds)…"), show_time=True
                ):
                    train(n)
            trained = time.perf_counter() - t1
            if steady:
                if len(pace.EPOCH_S) >= pace.MAX_EPOCH_S:
                    pace.EPOCH_S.clear()  # (one call: the script threads of other sessions share the dict)
                    pace.TRAINED_CHUNKS.clear()
                pace.EPOCH_S[key] = min(trained / n, best or math.inf)
            pace.TRAINED_CHUNKS.update((s.spec, size) for size in split_epochs(n))
            p.seq += 1
            f = stream(s, p.seq, p.acks)
            (fulls if f["base"] == f["seq"] else frames).html(bd.frame_html("main", f))
            counter.markdown("### " + epoch_label(s))
        if not p.playing:  # diverged
            st.rerun()
        period = max(1.0 / FPS, n * pace.EPOCH_S.get(key, 0.0) / MAX_DUTY if n > light else 0.0)  # (as above)
        # one sleep, no polling: with 30 sessions in a process, 100 wake-ups a second each were GIL hand-offs that
        # starved the thread that sends every session's frames; a stroke waits at most this pause (≤ 50 ms)
        time.sleep(max(0.0, period - (time.perf_counter() - t0)))


@contextlib.contextmanager
def frame_turn(wait: bool, poll_s: float = 0.02) -> Iterator[bool]:
    """This session's turn to train a frame (pace.FRAME_TURN, held for the block; `wait` False: no turn needed),
    unless a request waits for this run first (False: a stroke does not wait behind the other sessions' frames)."""
    if not wait:
        yield True
        return
    while not pace.FRAME_TURN.acquire(timeout=poll_s):
        if runs.request_waiting():
            yield False
            return
    try:
        yield True
    finally:
        pace.FRAME_TURN.release()


def main() -> None:
    hidden_parts, present, flag_notes = state.classroom_flags(
        st.query_params.get("hide"), st.query_params.get("present"), [t.flag for t in panels.TABS]
    )
    st.set_page_config(
        page_title="Backprop Playground",
        page_icon="🧠",
        layout="wide",
        # the projector starts with the sidebar folded (the class sees the board; » opens the settings)
        initial_sidebar_state="collapsed" if "sidebar" in hidden_parts or present else "auto",
    )
    if "page" not in ss:
        ss.page = open_page(flag_notes)
    p = page()
    if p.lesson is not None:  # the panels a lesson's step hides, with the link's
        hidden_parts = hidden_parts | set(lesson_view.current_step(p.lesson).hide)
    st.html(state.page_css(hidden_parts, present))
    i18n.use(p.lang)
    if css := i18n.streamlit_css({"w_csv": "CSV, TXT", "w_import": "JSON"}, st.get_option("server.maxUploadSize")):
        st.html(css)  # Streamlit's own words (the uploaders') in the page's language
    p.new_run()
    sidebar(p)
    messages(p)
    lesson_view.panel(p, on_lesson_go, on_lesson_run, on_lesson_leave)
    p.full_run = True  # the board fragment draws its part here and leaves Play to the end of this run
    try:
        board_area(present)
    finally:
        p.full_run = False
    tabs(p, hidden_parts, present)
    if "share" not in hidden_parts:
        share(p)
    sync_link(p)
    warm.prewarm(p.session)  # the neighbouring networks compile in the background once this run has ended
    if p.player is not None:
        play(p, *p.player)


@st.fragment(key="board_area")
def board_area(present: bool) -> None:
    """Play, the Draw row and the board: a fragment. Play, a stroke, the Draw tool, the speed or a board toggle
    reruns only this (a few ms) instead of the whole page (the sidebar's ≈ 60 widgets, the tabs' figures: ≈ 0.3 s
    of the one core a server process's sessions share), so a class pressing Play together, or drawing while it
    trains, does not swamp the server; changes that the rest of the page shows rerun it all (Pause, Step, Reset,
    refresh_page). In a full run Play starts at the end of the page (main), in the slots drawn here; in this
    fragment's own runs it plays on here."""
    p = page()
    i18n.use(p.lang)
    messages(p)  # what this part's callbacks had to say (a stroke not applied …)
    counter, speed = transport(p)
    drawing = draw_row(p, present)
    stream = board(p, drawing, present)
    # Full frames and deltas in slots of their own: the browser may render only the newest element of a slot
    # when two arrive at once, and a full frame replaced by its first delta would leave the board without the
    # base its deltas build on (it would draw no chart until the next full frame).
    player = (counter, stream, speed, st.empty(), st.empty())
    p.player = player if p.full_run else None
    if not p.full_run:
        play(p, *player)


main()
