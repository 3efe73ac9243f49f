"""Lessons in a real browser (Debian's Chromium): every step of every lesson, in English and in Chinese,
is answered, locked, run, and revealed."""

import os
import re
from pathlib import Path

import pytest

from playground import lessons
from tools.browser import launch, require_chromium, running_app, wait_board

pytestmark = pytest.mark.browser

require_chromium(pytest)

sync_api = pytest.importorskip("playwright.sync_api")
sync_playwright, expect = sync_api.sync_playwright, sync_api.expect
CJK = re.compile(r"[\u4e00-\u9fff]")
RUN = {"en": "Lock my answer and run", "zh": "锁定答案并运行"}
NEXT = {"en": "Next step", "zh": "下一步"}


@pytest.fixture(scope="module")
def browser_page():
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        pg.on("pageerror", lambda e: errors.append(str(e)))
        yield url, pg, errors
        browser.close()


def answer(pg, q: lessons.Question) -> None:
    box = pg.locator(".st-key-sec_lesson")
    if q.kind in ("choice", "layer"):
        box.locator("[data-testid='stRadio'] [data-testid='stRadioOption']").first.click()
    elif q.kind == "number":
        field = box.locator("input[type='text']").first
        field.fill("0.5")
        field.press("Enter")
    elif q.kind == "order":
        for _ in q.options:
            box.locator("[data-testid='stMultiSelect']").first.click()
            pg.locator("[role='option']").first.click()
            pg.keyboard.press("Escape")
    elif q.kind == "neuron":
        for _ in range(5):  # a rerun that lands meanwhile closes the list: open it again
            box.locator("[data-testid='stSelectbox']").first.click()
            try:
                pg.locator("[role='option']").first.click(timeout=5_000)
                break
            except sync_api.TimeoutError:
                pg.keyboard.press("Escape")
    pg.wait_for_timeout(1200)


def play_step(pg, step: lessons.Step, lang: str) -> str:
    box = pg.locator(".st-key-sec_lesson")
    box.get_by_text(step.question.prompt.get(lang)[:30]).first.wait_for(timeout=60_000)
    assert not box.locator("[data-testid='stAlert']").count()  # nothing revealed before the run
    answer(pg, step.question)
    button = box.get_by_role("button", name=RUN[lang])
    expect(button).to_be_enabled(timeout=30_000)  # (the rerun with the answer redraws the button)
    button.click()
    verdict = box.locator("[data-testid='stAlert']").first
    verdict.wait_for(timeout=180_000)  # a first run compiles its networks
    return verdict.inner_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", lessons.names())
def test_a_lesson_plays_end_to_end_in_the_browser(browser_page, name, lang):
    """Every step: the question before any run, an answer, Lock and run, the verdict and the explanation."""
    url, pg, errors = browser_page
    lesson = lessons.load(name)
    pg.goto(f"{url}?lesson={name}&lang={lang}")
    wait_board(pg)
    for k, step in enumerate(lesson.steps):
        text = play_step(pg, step, lang)
        assert text.strip()
        if lang == "zh":
            assert CJK.search(text), text
        if k + 1 < len(lesson.steps):
            pg.locator(".st-key-sec_lesson").get_by_role("button", name=NEXT[lang]).click()
            pg.wait_for_url(re.compile(rf"[?&]step={k + 2}(&|$)"), timeout=60_000)  # the next step is set up
            pg.locator(".st-key-sec_lesson").get_by_role("button", name=RUN[lang]).wait_for(timeout=60_000)
            pg.wait_for_timeout(1000)
    assert not pg.locator("[data-testid='stException']").count()
    assert not errors, errors
    if (name, lang) == ("xor", "zh"):
        shot = Path(os.environ.get("BP_SHOTS", "/tmp")) / "lesson_zh.png"
        pg.locator(".st-key-sec_lesson").screenshot(path=str(shot))
