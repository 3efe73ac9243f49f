"""Lessons on the page (AppTest): a link opens a lesson at a step, the answer is locked before the run, the
reveal says right or wrong with the run's own numbers, in English and Chinese, for every step of every lesson."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from playground import lessons

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "playground" / "app.py")
CJK = re.compile(r"[\u4e00-\u9fff]")


def new_app(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=240)
    for k, v in query.items():
        at.query_params[k] = v
    return ok(at.run())


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def answer_key(at: AppTest) -> str:
    ls = at.session_state.page.lesson
    return f"lesson_answer_{ls.name}_{ls.step}"


def give_an_answer(at: AppTest, q: lessons.Question) -> AppTest:
    """Some answer of the question's kind (right or wrong: the page must say which)."""
    key = answer_key(at)
    if q.kind == "choice":
        return ok(at.radio(key=key).set_value(q.options[0].id).run())
    if q.kind == "order":
        return ok(at.multiselect(key=key).set_value([o.id for o in q.options]).run())
    if q.kind == "number":
        return ok(at.text_input(key=key).input("0.1").run())
    if q.kind == "layer":
        return ok(at.radio(key=key).set_value(0).run())
    if q.kind == "neuron":
        box = at.selectbox(key=key)
        return ok(box.set_value(box.options and (1, 0)).run())
    raise AssertionError(q.kind)


def lock_and_run(at: AppTest) -> AppTest:
    [b] = [b for b in at.button if b.label in ("Lock my answer and run", "锁定答案并运行")]
    assert not b.disabled
    return ok(b.click().run())


def panel_texts(at: AppTest) -> list[str]:
    return [e.value for e in (*at.success, *at.error, *at.markdown)]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", lessons.names())
def test_every_step_of_a_lesson_plays_on_the_page(name, lang, zh_here):
    from playground import i18n

    i18n.use(lang)  # (see zh_here)
    lesson = lessons.load(name)
    at = new_app({"lesson": name, "lang": lang})
    for k, step in enumerate(lesson.steps):
        ls = at.session_state.page.lesson
        assert (ls.name, ls.step) == (name, k)
        assert at.query_params["lesson"] == name and at.query_params["step"] == str(k + 1)
        assert any(step.question.prompt.get(lang) in t for t in panel_texts(at))  # the question, before any run
        assert not at.success and not at.error  # nothing revealed yet
        give_an_answer(at, step.question)
        lock_and_run(at)
        assert at.session_state.page.lesson.attempts[k].locked
        verdicts = [*at.success, *at.error]
        assert len(verdicts) == 1, [v.value for v in verdicts]
        explanation = at.session_state.page.lesson.results[k]
        assert lessons.reveal(step, explanation, lang) in [m.value for m in at.markdown]
        if lang == "zh":
            assert CJK.search(verdicts[0].value)
        if k + 1 < len(lesson.steps):
            [nxt] = [b for b in at.button if b.label in ("Next step", "下一步")]
            ok(nxt.click().run())


@pytest.fixture
def zh_here():
    """AppTest formats options in the test's thread: it speaks the page's language there too (test_i18n)."""
    from playground import i18n

    yield
    i18n.use("en")


def test_a_locked_answer_cannot_change_and_the_run_uses_the_page_session():
    at = new_app({"lesson": "xor", "step": "1"})
    give_an_answer(at, lessons.load("xor").steps[0].question)
    lock_and_run(at)
    assert at.radio(key=answer_key(at)).disabled  # locked
    assert not [b for b in at.button if b.label == "Lock my answer and run"]
    s = at.session_state.page.session
    assert s.epoch == lessons.load("xor").steps[0].run.epochs  # the board shows the run


def test_a_lesson_link_keeps_the_changes_made_since_and_junk_is_a_notice():
    at = new_app({"lesson": "overfitting", "step": "2", "lr": "0.3"})
    assert at.session_state.page.lesson.step == 1
    assert at.session_state.page.session.cfg.optimizer.learning_rate == 0.3
    assert at.query_params["lr"] == "0.3" and at.query_params["step"] == "2"
    at = new_app({"lesson": "no_such_lesson"})
    assert at.session_state.page.lesson is None and len(at.warning) == 1
    assert "lesson" in at.warning[0].value
    at = new_app({"lesson": "xor", "step": "99"})
    assert at.session_state.page.lesson.step == 0 and "step" in at.warning[0].value


def test_the_menu_opens_a_lesson_and_leave_returns_to_the_playground():
    at = new_app({})
    ok(at.selectbox(key="w_lesson").set_value("zeros_init").run())
    assert at.session_state.page.lesson.name == "zeros_init" and at.query_params["lesson"] == "zeros_init"
    [leave] = [b for b in at.button if b.label == "Leave"]
    ok(leave.click().run())
    assert at.session_state.page.lesson is None and "lesson" not in at.query_params
