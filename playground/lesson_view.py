"""A lesson on the page: the question before anything runs, the answer locked when the run starts, then the
verdict and an explanation built from that run's numbers (playground/lessons holds the lessons themselves).

The panel sits above the board: a class sees the question, the teacher collects hands, then presses Run; the
board, the charts and the open tab show the run, and the reveal follows. The playground stays usable: after the
reveal (or before it) a student may change anything; the explanation then says the numbers are their own run's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from engine.config import Config, parse_config
from engine.session import Session
from playground import lessons, state
from playground.i18n import _
from playground.page import LessonState, Page

ss = st.session_state


def lesson_of(ls: LessonState) -> lessons.Lesson:
    return lessons.load(ls.name)


def current_step(ls: LessonState) -> lessons.Step:
    return lesson_of(ls).steps[ls.step]


def step_config(step: lessons.Step) -> Config:
    """The config of a step's set-up (a preset with overrides, or its own document)."""
    return parse_config(step.config(state.presets()))


def answer_key(ls: LessonState) -> str:
    return f"lesson_answer_{ls.name}_{ls.step}"


def menu_titles(lang: str) -> dict[str, str]:
    """Lesson name → its title in the page's language, in the lessons' order."""
    return {i.name: f"{i.order}. {i.title.get(lang)}" for i in lessons.list_lessons()}


# ---- the answer widgets ------------------------------------------------------------------------------------
def _layer_names(s: Session) -> list[str]:
    return [f"W{l}" for l in range(s.spec.n_layers)]


def answer_widget(q: lessons.Question, key: str, locked: bool, s: Session, lang: str) -> Any:
    """The widget for a question's kind; returns the answer it holds (`raw_answer`: None until there is one)."""
    texts = {o.id: o.text.get(lang) for o in q.options}
    label, common = _("Your answer"), {"key": key, "disabled": locked}
    if q.kind == "choice":
        st.radio(label, list(texts), format_func=texts.get, index=None, **common)
    elif q.kind == "order":
        st.multiselect(_("Your answer: every option, best first"), list(texts), format_func=texts.get, **common)
    elif q.kind == "number":
        st.text_input(label, placeholder=_("a number, e.g. 0.25"), **common)
    elif q.kind == "layer":
        st.radio(label, list(range(s.spec.n_layers)), format_func=lambda l: f"W{l}", index=None, horizontal=True,
                 **common)  # fmt: skip
    elif q.kind == "neuron":
        sizes = s.spec.sizes
        choices = [(l, j) for l in range(1, len(sizes)) for j in range(sizes[l])]
        st.selectbox(
            label,
            choices,
            format_func=lambda lj: _("layer {l}, neuron {j}").format(l=lj[0], j=lj[1]),
            index=None,
            **common,
        )
    elif q.kind == "point":
        c = st.columns(2)
        c[0].number_input("x₁", value=None, key=key + "_x", disabled=locked)
        c[1].number_input("x₂", value=None, key=key + "_y", disabled=locked)
    else:
        raise lessons.LessonError(f"no widget for a {q.kind} question")
    return raw_answer(q, key)


# ---- the run and the reveal --------------------------------------------------------------------------------
def run_pending(p: Page) -> None:
    """The run the student asked for (the answer is locked already): with the page's session, so that the
    board, the charts and the tabs show it."""
    ls = p.lesson
    if ls is None or not ls.run_requested:
        return
    ls.run_requested = False
    step = current_step(ls)
    with st.spinner(_("Running this step (the first run of a network compiles it: a few seconds)…")):
        try:
            result = lessons.run_step(step, p.session)
        except lessons.LessonError as e:
            ls.problems[ls.step] = str(e)
            return
    ls.results[ls.step] = result
    if result.race is not None:
        p.race.result, p.race.seconds = result.race, result.seconds
        p.race.rows = [
            {"optimizer": o.name, "learning_rate": o.learning_rate} for o in lessons.runner.racers(step, p.session.cfg)
        ]
    if step.run.kind == "backprop":
        p.inspect = None  # the inspector shows the whole batch, as the run computed it


def reveal(p: Page, ls: LessonState, step: lessons.Step) -> None:
    result, attempt = ls.results[ls.step], ls.attempt()
    try:
        verdict = lessons.check(step, attempt, result, p.lang)
        text = lessons.reveal(step, result, p.lang)
    except lessons.LessonError as e:  # e.g. a student's own set-up in which no racer diverged
        st.warning(_("This run cannot check the answer — {why}").format(why=e), icon=":material/help:")
        return
    if verdict.correct:
        st.success(_("Right: {answer}.").format(answer=verdict.shown_expected_text), icon=":material/check_circle:")
    else:
        st.error(
            _("Not quite: you said {yours}; the run says {answer}.").format(
                yours=verdict.shown_answer_text, answer=verdict.shown_expected_text
            ),
            icon=":material/cancel:",
        )
    st.markdown(text)
    if result.kind == "compare":
        st.dataframe(compare_table(step, result, p.lang), hide_index=True)
    if not result.as_authored:
        st.info(
            _(
                "You changed the set-up before this run: the numbers are your run's, and the lesson's answer may "
                "not fit them. Go to this step again for the lesson's own set-up."
            ),
            icon=":material/info:",
        )
        for why in lessons.verify(step, result):
            st.caption(why)


def compare_table(step: lessons.Step, result: lessons.RunResult, lang: str) -> list[dict]:
    """A compare run's networks side by side: each variant's final losses and score."""
    names = {o.id: o.text.get(lang) for o in step.question.options}
    rows = []
    for vid, t in result.tracks.items():
        rows.append(
            {
                _("network"): names.get(vid, vid),
                _("train loss"): round(t.last("train_loss"), 4),
                _("test loss"): round(t.last("test_loss"), 4),
                _("epochs"): t.epochs,
            }
        )
    return rows


# ---- the panel ---------------------------------------------------------------------------------------------
def panel(p: Page, go: Callable[[int], None], run: Callable[[str], None], leave: Callable[[], None]) -> None:
    """The lesson's current step above the board. `go(k)`: set up step k; `run(key)`: lock the answer held in
    the widget `key` and ask for the run; `leave()`: back to the plain playground (the set-up stays)."""
    ls = p.lesson
    if ls is None:
        return
    lesson = lesson_of(ls)
    step = lesson.steps[ls.step]
    n = len(lesson.steps)
    box = st.container(border=True, key="sec_lesson")
    with box:
        head = st.columns([6, 1.2, 1.2, 1.2], vertical_alignment="center")
        head[0].markdown(
            "**"
            + _("Lesson: {title}").format(title=lesson.title.get(p.lang))
            + "** · "
            + _("step {k} of {n}").format(k=ls.step + 1, n=n)
        )
        head[1].button(_("Previous"), on_click=go, args=(ls.step - 1,), disabled=ls.step == 0, width="stretch")
        head[2].button(_("Next step"), on_click=go, args=(ls.step + 1,), disabled=ls.step + 1 >= n, width="stretch")
        head[3].button(_("Leave"), on_click=leave, width="stretch", help=_("Back to the playground as it is now."))
        progress = st.empty()  # filled last: after this run, the step counts as done
        st.markdown(step.question.prompt.get(p.lang))
        attempt = ls.attempt()
        key = answer_key(ls)
        answer = answer_widget(step.question, key, attempt.locked, p.session, p.lang)
        if not attempt.locked:
            st.button(
                _("Lock my answer and run"),
                type="primary",
                on_click=run,
                args=(key,),
                disabled=answer is None,
                help=_("Your answer is fixed before anything runs: predict first, then watch."),
            )
            if answer is None:
                st.caption(_("Answer first: the run starts when your answer is locked."))
        run_pending(p)
        if ls.step in ls.problems:
            st.warning(ls.problems[ls.step], icon=":material/warning:")
        elif ls.step in ls.results:
            reveal(p, ls, step)
        elif attempt.locked:
            st.caption(_("Your answer is locked."))
        progress.progress(len(ls.results) / n)


def lock(ls: LessonState, raw: Any) -> bool:
    """Lock the step's answer (read from its widget) and ask for the run; False if there is none yet."""
    if raw is None:  # (raw_answer: an unfinished order or a blank number is None)
        return False
    attempt = ls.attempt()
    if attempt.locked:
        return False
    ls.attempts[ls.step] = attempt.with_answer(raw).lock()
    ls.problems.pop(ls.step, None)
    ls.run_requested = True
    return True


def raw_answer(q: lessons.Question, key: str) -> Any:
    """What the answer widget holds (the same reading as `answer_widget`'s return)."""
    if q.kind == "point":
        x, y = ss.get(key + "_x"), ss.get(key + "_y")
        return None if x is None or y is None else (x, y)
    v = ss.get(key)
    if q.kind == "order":
        return v if v and len(v) == len(q.options) else None
    if isinstance(v, str):
        return v.strip() or None
    return v
