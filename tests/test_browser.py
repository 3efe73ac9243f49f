"""The app in a real browser: Debian's Chromium driven by Playwright."""

import itertools
import os
import time
from pathlib import Path

import pytest

from tools.browser import board_points, epoch, launch, require_chromium, running_app, wait_board

pytestmark = pytest.mark.browser

require_chromium(pytest)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


@pytest.fixture(scope="module")
def app_url():
    with running_app() as url:
        yield url


@pytest.fixture
def page(app_url):
    with sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1500, "height": 1000})
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        pg.goto(app_url)
        wait_board(pg)
        yield pg
        assert not pg.locator("[data-testid='stException']").count(), "the page shows an exception"
        assert not errors, errors
        browser.close()


def strokes_settled(page) -> None:
    """Every stroke the board drew is acknowledged by Python (and the frame after it shown)."""
    page.wait_for_function(
        "() => { const st = document.querySelector('.bp-root').__st; "
        "return st.outbox.length === 0 && st.pending.length === 0; }",
        timeout=30_000,
    )
    page.wait_for_timeout(500)


def test_click_on_the_boundary_adds_a_point(page):
    before = board_points(page)
    box = page.locator(".bp-board").bounding_box()
    for fx, fy in ((0.3, 0.3), (0.7, 0.6)):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_function(
            f"() => document.querySelector('.bp-board').data[1].x.length + "
            f"document.querySelector('.bp-board').data[2].x.length > {before}",
            timeout=20_000,
        )
        before = board_points(page)
    lat = page.evaluate("() => window.__bpMetrics.clickLat")
    assert len(lat) == 2 and max(lat) < 500


def test_rapid_clicks_each_add_exactly_one_point(page):
    """Clicks faster than script runs: each reaches Python once (lost or doubled points were both seen)."""
    before = board_points(page)
    box = page.locator(".bp-board").bounding_box()
    for i in range(40):  # more than a frame used to acknowledge (30): those stayed drawn in the browser
        fx, fy = 0.1 + 0.08 * (i % 10), 0.2 + 0.08 * (i // 10)
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_timeout(30)
    strokes_settled(page)
    assert board_points(page) == before + 40


def test_a_cleared_board_keeps_its_extent_while_drawing(page):
    x_range = "() => document.querySelector('.bp-board').layout.xaxis.range.slice()"
    before = page.evaluate(x_range)
    page.get_by_role("button", name="Clear", exact=True).click()
    page.wait_for_function("() => document.querySelector('.bp-board').data[1].x.length === 0", timeout=20_000)
    box = page.locator(".bp-board").bounding_box()
    for i, (fx, fy) in enumerate(((0.3, 0.3), (0.35, 0.32), (0.7, 0.7))):
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        page.wait_for_function(
            f"() => document.querySelector('.bp-board').data[1].x.length === {i + 1}", timeout=20_000
        )
    after = page.evaluate(x_range)
    assert after == pytest.approx(before, abs=1e-6)  # the board did not zoom to the drawn points


def test_play_moves_epoch_counter_and_loss_curve_then_pause(page):
    assert epoch(page) == 0
    hint = "() => { const a = document.querySelector('.bp-loss').layout.annotations; return a[a.length - 1].visible; }"
    assert page.evaluate(hint) is not False  # "Press Play or Step to train" over the empty chart
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => (window.__bpMetrics.seqs || []).length >= 6", timeout=60_000)
    page.wait_for_timeout(1500)
    e1 = epoch(page)
    last = "() => { const x = document.querySelector('.bp-loss').data[0].x; return x.length ? x[x.length - 1] : 0; }"
    n1 = page.evaluate(last)  # the newest epoch on the curve (the chart keeps every 2^k-th: its length may drop)
    assert page.evaluate(hint) is False
    page.wait_for_timeout(1500)
    assert epoch(page) > e1 > 0
    assert page.evaluate(last) > n1 > 0
    ticks = page.evaluate(
        "() => { const a = document.querySelector('.bp-loss').layout.yaxis;"
        " return a.tickmode === 'array' ? [a.tickvals, a.ticktext] : null; }"
    )
    if ticks:  # a log axis over less than 3 decades is labelled with the numbers themselves (0.2, not "2")
        assert all(float(t) == pytest.approx(v, rel=0.01) for v, t in zip(*ticks, strict=True))
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=20_000)
    e2 = epoch(page)
    page.wait_for_timeout(1000)
    assert epoch(page) == e2


def test_drawing_while_playing_reaches_python(page):
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => (window.__bpMetrics.seqs || []).length >= 4", timeout=60_000)
    before = board_points(page)
    box = page.locator(".bp-board").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.45)
    page.wait_for_function(
        f"() => document.querySelector('.bp-board').data[1].x.length + "
        f"document.querySelector('.bp-board').data[2].x.length > {before}",
        timeout=30_000,
    )
    e = epoch(page)
    page.wait_for_timeout(1500)
    assert epoch(page) > e  # still playing after the click
    page.get_by_role("button", name="Pause").click()


def test_clicking_a_point_opens_it_in_the_step_inspector(page):
    page.get_by_text("inspect", exact=True).click()
    page.wait_for_timeout(1500)
    before = board_points(page)
    xy = page.evaluate(
        """() => { const b = document.querySelector('.bp-board'), fl = b._fullLayout, t = b.data[1];
        const r = b.getBoundingClientRect();
        return [r.left + fl.xaxis._offset + fl.xaxis.d2p(t.x[0]), r.top + fl.yaxis._offset + fl.yaxis.d2p(t.y[0])]; }"""
    )
    page.mouse.click(*xy)
    page.get_by_text("Point #").wait_for(timeout=30_000)
    page.locator(".katex").first.wait_for(timeout=30_000)
    assert page.get_by_role("tab", name="Step inspector").get_attribute("aria-selected") == "true"
    assert board_points(page) == before  # inspecting adds no point
    marked = page.evaluate("() => window.__bpBoards.main.ctx.inspected")  # the board rings the point
    clicked = page.evaluate("() => { const t = document.querySelector('.bp-board').data[1]; return [t.x[0], t.y[0]]; }")
    assert marked == pytest.approx(clicked, abs=1e-3)  # (the frame rounds the points it draws)
    page.get_by_role("button", name="Apply this step").click()
    page.get_by_text("Applied the inspected step").wait_for(timeout=30_000)
    assert "+ 1 inspected step" in page.locator(".st-key-sec_transport h3").first.inner_text()
    page.locator(".bp-wrap").screenshot(path=str(Path(os.environ.get("BP_SHOTS", "/tmp")) / "inspected.png"))


def test_preset_from_the_menu_opens_with_its_caption(page):
    page.locator(".st-key-w_preset input").click()
    page.get_by_role("option", name="Worked example", exact=False).click()
    page.get_by_text("the articles print").first.wait_for(timeout=60_000)
    page.get_by_text("Point #").or_(page.get_by_text("The whole batch")).first.wait_for(timeout=60_000)
    page.locator(".katex").first.wait_for(timeout=30_000)
    assert "0.9205" in page.locator(".katex").all_inner_texts().__str__()


VISIBLE = """() => {
  const inView = (el) => {
    if (!el) return false;
    const r = el.getBoundingClientRect();
    if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth || r.width < 1) return false;
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);  // not covered
    return !!hit && (el === hit || el.contains(hit) || hit.contains(el));
  };
  const play = [...document.querySelectorAll("button")].find((b) => b.innerText.includes("Play"));
  const counter = [...document.querySelectorAll("h3")].find((h) => h.innerText.startsWith("Epoch"));
  return { board: inView(document.querySelector(".bp-board")), play: inView(play), counter: inView(counter),
           glyphs: [...document.querySelectorAll("button")].some((b) => /[\\u23f8\\u25b6]/.test(b.innerText)) };
}"""


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
@pytest.mark.parametrize("query", ["gen=xor", "gen=xor&present=1", "gen=xor&hide=sidebar&present=1"])
def test_classroom_layouts_show_the_board_play_and_the_counter_without_scrolling(app_url, query, size):
    """A projector at 1280×720 or 1080p: the whole board, Play and the epoch counter in view and not covered
    by Streamlit's header; no control symbol that needs an emoji font."""
    with sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": size[0], "height": size[1]})
        pg.goto(f"{app_url}?{query}")
        wait_board(pg)
        pg.wait_for_timeout(500)
        seen = pg.evaluate(VISIBLE)
        browser.close()
    assert seen == {"board": True, "play": True, "counter": True, "glyphs": False}, seen


def test_settings_that_were_hidden_come_back_as_they_were(app_url):
    """In a browser Streamlit brought a widget that had not been drawn back with its default (k = 2, h2 = 1,
    β₁ = 0) and applied that on the next click; ε carried from one optimiser to the next."""
    with sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1500, "height": 1000})
        pg.goto(f"{app_url}?gen=xor&opt=adam&hidden=4,3&n=100")
        wait_board(pg)
        sb = pg.locator('section[data-testid="stSidebar"]')

        def settle():
            pg.wait_for_timeout(300)
            pg.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
            pg.wait_for_timeout(300)

        def enter(name, value):
            box = sb.get_by_role("spinbutton", name=name, exact=True)
            box.fill(str(value))
            box.press("Enter")
            settle()

        def shown(name):
            return sb.get_by_role("spinbutton", name=name, exact=True).input_value()

        def step10():
            pg.get_by_role("button", name="Step 10").click()
            settle()

        def eventually(check, timeout_s=20.0):  # a rerun may start late on a busy machine: poll, then decide
            end = time.monotonic() + timeout_s
            while not check() and time.monotonic() < end:
                pg.wait_for_timeout(250)
            return check()

        def url_has(*parts):  # the address is written after the run's widgets, so it may land a moment later
            js = " || ".join(f"location.search.includes({p!r})" for p in parts)
            pg.wait_for_function(f"() => {js}", timeout=40_000)  # CI: the run after Step 10 came later than 15 s
            return True

        enter("Batch size k", 25)
        sb.get_by_text("Full batch").click()
        settle()
        step10()
        sb.get_by_text("Mini-batch").click()
        settle()
        assert eventually(lambda: shown("Batch size k") == "25") and url_has("batch=25")

        enter("β₁", 0.5)
        sb.get_by_role("combobox", name="Optimiser").click()  # Optimiser → momentum
        pg.get_by_role("option", name="momentum", exact=True).click()
        settle()
        step10()
        sb.get_by_role("combobox", name="Optimiser").click()
        pg.get_by_role("option", name="adam", exact=True).click()
        settle()
        assert eventually(lambda: float(shown("β₁")) == 0.5 and float(shown("ε")) == 1e-8)

        sb.get_by_role("combobox", name="Optimiser").click()
        pg.get_by_role("option", name="adagrad", exact=True).click()
        settle()
        assert eventually(lambda: float(shown("ε")) == 1e-7)  # adagrad's own default, not Adam's

        enter("Hidden layers", 1)
        step10()
        enter("Hidden layers", 2)
        assert eventually(lambda: shown("h2") == "3")
        step10()
        assert url_has("hidden=4%2C3", "hidden=4,3")
        browser.close()


def test_the_gradient_chart_says_when_every_gradient_is_zero(app_url):
    """A log axis cannot show 0: a dead network's gradient chart was blank with nothing said."""
    with sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1500, "height": 1000})
        pg.goto(f"{app_url}?gen=xor&init=zeros&act=tanh&n=100")
        wait_board(pg)
        before = epoch(pg)
        pg.get_by_role("button", name="Step 10").click()
        pg.wait_for_function(f"() => window.__bpMetrics.frames >= 2 && {before} !== null", timeout=60_000)
        pg.get_by_text("is exactly 0").wait_for(timeout=30_000)
        browser.close()


CHARTS = """() => [...document.querySelectorAll('.bp-loss, .bp-grad')].map((el) => {
  const notes = el.layout.annotations || [], note = notes[notes.length - 1];
  return { x: el._fullLayout.xaxis.range.map(Math.round), note: !!(note && note.visible !== false && note.text) };
})"""
INK = """() => { const c = document.querySelector('.bp-ink'), d = window.devicePixelRatio || 1;
  return [c.width, c.height, Math.round(c.clientWidth * d), Math.round(c.clientHeight * d)]; }"""


def step_and_wait(pg, name: str) -> None:
    before = epoch(pg)
    pg.get_by_role("button", name=name, exact=True).click()
    pg.wait_for_function(
        "(b) => { const h = document.querySelector('.st-key-sec_transport h3');"
        " return h && Number(h.innerText.replace(/[^0-9]/g, '')) !== b; }",
        arg=before,
        timeout=60_000,
    )
    pg.wait_for_timeout(1500)  # the frame reaches the charts


def test_charts_after_reset_and_a_language_switch_and_the_rings_canvas_sized(app_url):
    """Reset: the charts come back as built (the untrained axes and the "press Play" note), not with the last
    run's axes; a language switch on a trained run rebuilds them without the note over the curves; the rings'
    canvas has the pixel size it is shown at (it kept the canvas default 300×150 under a 300×300 square)."""
    with sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1280, "height": 720})
        pg.goto(f"{app_url}?gen=xor&present=1")
        wait_board(pg)
        fresh = pg.evaluate(CHARTS)
        assert all(c["note"] for c in fresh), fresh
        ink = pg.evaluate(INK)
        assert ink[:2] == ink[2:], ink
        step_and_wait(pg, "Step 10")
        step_and_wait(pg, "Step 10")
        trained = pg.evaluate(CHARTS)
        assert not any(c["note"] for c in trained) and trained[0]["x"] != fresh[0]["x"], trained
        step_and_wait(pg, "Reset")
        assert pg.evaluate(CHARTS) == fresh
        step_and_wait(pg, "Step 10")
        pg.goto(f"{app_url}?gen=xor")  # a wider layout: the square, and its canvas, change size
        wait_board(pg)
        step_and_wait(pg, "Step 10")
        pg.get_by_text("简体中文", exact=True).click()
        pg.get_by_text("第 10 轮", exact=True).wait_for(timeout=30_000)  # the counter (the Metrics tab says 第 10 轮时)
        pg.wait_for_timeout(2000)
        assert not any(c["note"] for c in pg.evaluate(CHARTS)), pg.evaluate(CHARTS)
        ink = pg.evaluate(INK)
        assert ink[:2] == ink[2:], ink
        browser.close()


# ---- the play loop's delta frames (issue 12) ----------------------------------------------------------------
LOSS_NOW = (
    "() => { const st = document.querySelector('.bp-root').__st, d = document.querySelector('.bp-loss').data;"
    " return {x: d[0].x.slice(), tr: d[0].y.slice(), te: d[1].y.slice(), seq: st.shown.seq, base: st.shown.base,"
    " label: st.board.dataset.epoch, gaps: window.__bpMetrics.gaps}; }"
)


def _stride_series(x: list[int], label: str) -> None:
    """Epochs as board.series_positions keeps them: every stride-th (a power of 2) and the newest (the label's)."""
    assert x == sorted(set(x)) and len(x) <= 300
    steps = {b - a for a, b in itertools.pairwise(x[:-1])}
    assert len(steps) <= 1 and all(s & (s - 1) == 0 for s in steps), steps
    assert x[-1] == int(label.split()[-1].replace(",", ""))


def test_charts_drawn_from_delta_frames_equal_the_full_frame_after_pause(page):
    """While playing, frames are deltas against a full frame (board.py Stream); the loss chart built from them
    holds, at every epoch it shares with the full frame the Pause rerun sends, the same numbers."""
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => (window.__bpMetrics.seqs || []).length >= 25", timeout=60_000)
    for _ in range(40):  # a moment when the board shows a delta (most frames are)
        during = page.evaluate(LOSS_NOW)
        if during["seq"] != during["base"]:
            break
        page.wait_for_timeout(50)
    assert during["seq"] != during["base"], "no delta frame shown while playing"
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for(timeout=20_000)
    page.wait_for_function(
        "() => { const st = document.querySelector('.bp-root').__st;"
        f" return st.shown && st.shown.base === st.shown.seq && st.shown.seq > {during['seq']}; }}",
        timeout=20_000,
    )
    page.wait_for_timeout(300)
    after = page.evaluate(LOSS_NOW)
    _stride_series(after["x"], after["label"])
    shown = dict(zip(during["x"][:-1], zip(during["tr"], during["te"], strict=False), strict=False))
    full = dict(zip(after["x"], zip(after["tr"], after["te"], strict=True), strict=True))
    common = sorted(set(shown) & set(full))
    assert len(common) >= 10, (during["x"][-5:], after["x"][-5:])
    assert [shown[e] for e in common] == [full[e] for e in common]


def test_a_point_drawn_just_before_pause_is_applied_once(page):
    """A click right before Pause: the run that had the stroke may be interrupted by the Pause rerun before it
    applies it; board.js sends it again when no acknowledgement comes (on_stroke applies it once, by its id)."""
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("() => (window.__bpMetrics.seqs || []).length >= 4", timeout=60_000)
    before = board_points(page)
    box = page.locator(".bp-board").bounding_box()
    pause = page.get_by_role("button", name="Pause")
    page.mouse.click(box["x"] + box["width"] * 0.52, box["y"] + box["height"] * 0.47)
    pause.click()
    page.get_by_role("button", name="Play").wait_for(timeout=20_000)
    strokes_settled(page)
    assert board_points(page) == before + 1
