"""Lessons: predict, run, explain. Short guided experiments over the engine (no Streamlit here).

A lesson is a JSON file in this package (``playground/lessons/<name>.json``, format in the README: "Lessons: the
file format"). Each step sets the page up, asks a question before anything runs, runs the engine, then says
right or wrong and explains with the numbers of that run.

The page's calls, in order::

    infos = list_lessons()                       # the menu
    lesson = load("xor")                         # LessonError: one line naming the file and the field
    step = lesson.steps[k]
    doc = step.config()                          # the config document of the step's set-up
    # … show it (step.hide, step.tab), ask step.question, keep the answer in an Attempt, lock it …
    result = run_step(step, session)             # the engine runs: epochs, a backprop step, a race, a comparison
    verdict = check(step, attempt, result, lang) # right or wrong, and the key as text
    text = reveal(step, result, lang)            # the explanation, filled from the run's numbers
"""

from __future__ import annotations

import functools
import time
from pathlib import Path

from playground.lessons.errors import LessonError, Undefined
from playground.lessons.facts import FACTS, FUNCTIONS, RunResult, Track
from playground.lessons.grading import Attempt, Verdict, check, expected_answer, normalise, reveal, shown, verify
from playground.lessons.runner import run_step
from playground.lessons.schema import (
    NAME,
    QUESTION_KINDS,
    TAB_FLAGS,
    Answer,
    Lesson,
    LessonInfo,
    Option,
    Question,
    Reveal,
    Run,
    Setup,
    Step,
    Text,
    parse_lesson,
    read_lesson,
)

LESSONS_DIR = Path(__file__).resolve().parent  # package data: playground/lessons/*.json

__all__ = [
    "FACTS",
    "FUNCTIONS",
    "LESSONS_DIR",
    "QUESTION_KINDS",
    "TAB_FLAGS",
    "Answer",
    "Attempt",
    "Lesson",
    "LessonError",
    "LessonInfo",
    "Option",
    "Question",
    "Reveal",
    "Run",
    "RunResult",
    "Setup",
    "Step",
    "Text",
    "Track",
    "Undefined",
    "Verdict",
    "check",
    "expected_answer",
    "list_lessons",
    "load",
    "load_file",
    "names",
    "normalise",
    "parse_lesson",
    "reveal",
    "run_step",
    "shown",
    "verify",
]


def names() -> list[str]:
    return sorted(p.stem for p in LESSONS_DIR.glob("*.json"))


@functools.lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> Lesson:
    return read_lesson(path)


def load(name: str) -> Lesson:
    """The shipped lesson of this name (its file name without .json)."""
    path = LESSONS_DIR / f"{name}.json"
    if not isinstance(name, str) or not NAME.match(name) or not path.is_file():
        raise LessonError(f"lesson: no lesson named {str(name)[:40]!r} (known: {', '.join(names())})")
    return _read(path, path.stat().st_mtime_ns)


def load_file(path: str | Path) -> Lesson:
    """A lesson file anywhere (a teacher's draft), checked like the shipped ones."""
    p = Path(path)
    return read_lesson(p, label=str(p))


LISTING_TTL_S = 5.0  # the menu reads the lesson folder at most this often (every rerun of every session asks)
_listing: tuple[float, list[LessonInfo]] | None = None


def list_lessons() -> list[LessonInfo]:
    """Every shipped lesson, in the menu's order. Read again at most every LISTING_TTL_S: a page rerun would
    otherwise list the folder and stat each file (syscalls that each give up the GIL, which a busy server's
    other threads then hold), while an author editing a lesson sees the change within seconds."""
    global _listing
    now = time.monotonic()
    if _listing is None or now - _listing[0] > LISTING_TTL_S:
        _listing = (now, sorted((load(n).info for n in names()), key=lambda i: (i.order, i.name)))
    return list(_listing[1])
