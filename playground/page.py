"""The page's state: one typed record per browser session (`st.session_state.page`), instead of loose keys.

Streamlit's session state holds this record and the widgets' own values (keys `w_…`); everything the page
itself remembers between script runs is a field here.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from engine.config import Config
from engine.data import Dataset
from engine.session import Session
from playground import controls
from playground.lessons import Attempt, RunResult

MAX_UNDO = 30


@dataclass
class Race:
    """The optimiser race tab: its editable rows, a requested run, and the last result."""

    rows: list[dict] | None = None
    request: tuple[list, int] | None = None
    result: Any = None  # engine.race.Race
    seconds: float = 0.0


@dataclass
class LessonState:
    """The lesson being followed: its step, each step's answer (locked when its run starts) and run."""

    name: str
    step: int = 0  # index into the lesson's steps
    attempts: dict[int, Attempt] = field(default_factory=dict)
    results: dict[int, RunResult] = field(default_factory=dict)
    problems: dict[int, str] = field(default_factory=dict)  # a run that could not check the answer: why
    run_requested: bool = False

    def attempt(self) -> Attempt:
        return self.attempts.get(self.step, Attempt())


@dataclass
class Page:
    session: Session
    settings: controls.Settings  # every control's value, shown or not (see controls.py)
    generation: dict[str, int] = field(default_factory=dict)  # a control's widget is `w_<name>@<generation>`
    optimizer_numbers: dict[tuple[str, str], float] = field(default_factory=dict)  # (optimiser, name) → value
    drawn_before: set[str] = field(default_factory=set)  # controls drawn in the last script run
    drawn_now: set[str] = field(default_factory=set)
    notices: list[str] = field(default_factory=list)  # warnings for the next run
    successes: list[str] = field(default_factory=list)
    toasts: list[str] = field(default_factory=list)  # brief news for the next run (not kept on the page)
    undo: list[tuple[Dataset, Config]] = field(default_factory=list)
    acks: list[str] = field(default_factory=list)  # board strokes applied (the board drops them)
    seq: int = 0  # frame number sent to the board
    playing: bool = False
    plays: int = 0  # times Play was pressed: a tab's view kept while one Play runs is keyed by it
    kept_view: tuple[tuple, object] | None = None  # (key, view): the open tab's numbers while Play runs
    tab: str | None = None  # the open tab
    board_extent: tuple | None = None  # the board's extent held while drawing; None: fit the points
    inspect: int | None = None  # the point open in the step inspector; None: the whole batch
    last_tool: str | None = None
    net_selected: tuple[int, int] | None = None  # the network diagram's chosen neuron
    race: Race = field(default_factory=Race)
    lock: threading.RLock = field(default_factory=threading.RLock)  # callbacks change the session one at a time
    lang: str = "en"  # the page's language (i18n.LANGUAGES)
    lang_in_link: bool = False  # chosen (in the link or with the switch), so the link keeps it
    lesson: LessonState | None = None  # a lesson being followed (?lesson=NAME&step=K)
    preset: str | None = None  # the preset (its file's stem) the set-up came from, while its points are shown
    full_run: bool = False  # main() is drawing the whole page (else the board fragment reruns on its own)
    player: tuple | None = None  # what Play streams with after a full run's page: (counter, stream, speed, slot, slot)

    @property
    def context(self) -> controls.Context:
        ds = self.session.dataset
        return controls.Context(dim=ds.dim, own="generator" not in self.session.cfg.data, classes=ds.classes)

    def show(self, cfg: Config) -> None:
        """Settings from a config (a preset, an import, a refused change): every widget is drawn anew with it,
        and no remembered optimiser numbers override it."""
        self.settings = controls.settings_of(cfg, self.context)
        self.optimizer_numbers = {}
        for c in controls.CONTROLS:
            self.redraw(c.name)

    def redraw(self, name: str) -> None:
        """The control's widget comes back under a new key with the setting's value (a setting changed from
        code, not by the person: a browser would keep showing the old one under the old key)."""
        self.generation[name] = self.generation.get(name, 0) + 1

    def set(self, new: controls.Settings) -> None:
        """New settings; the widgets of those that changed are redrawn."""
        for k, v in new.items():
            if self.settings.get(k) != v:
                self.redraw(k)
        self.settings = dict(new)

    def widget_key(self, name: str) -> str:
        if name not in self.drawn_before:  # brought back after a run without it: a fresh widget
            self.redraw(name)
            self.drawn_before.add(name)
        self.drawn_now.add(name)
        return f"w_{name}@{self.generation.get(name, 0)}"

    def remember(self, ds: Dataset, cfg: Config) -> None:
        """Keep a data set (and the config it came with) for Undo; the list changes in place."""
        self.undo.append((ds, cfg))
        del self.undo[:-MAX_UNDO]

    def new_run(self) -> None:
        self.drawn_before, self.drawn_now = self.drawn_now, set()
