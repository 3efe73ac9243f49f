"""A closed tab's memory comes back without the cyclic garbage collector: the packaged config turns off
Streamlit's `gc.collect(2)` after every script run (it held the GIL ≈ 170 ms a run), so a session, its page and
its board stream must be freed by reference counting alone when Streamlit drops the session."""

import gc
import weakref

from engine.config import Config
from engine.session import Session
from playground import board as bd
from playground.page import Page


def test_a_trained_session_and_its_page_are_freed_by_reference_counting():
    s = Session(Config())
    s.train(20)
    stream = bd.Stream("k")
    stream(s, 1, [])
    p = Page(session=s, settings={})
    p.remember(s.dataset, s.cfg)
    refs = [weakref.ref(o) for o in (s, p, stream)]
    was = gc.isenabled()
    gc.disable()
    try:
        del s, p, stream
        assert [r() for r in refs] == [None, None, None]
    finally:
        if was:
            gc.enable()
