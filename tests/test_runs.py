"""playground/runs.py reads Streamlit's script requests: checked against Streamlit's own class, so that an upgrade
that changes what it reads fails here instead of leaving strokes waiting behind Play."""

from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests

from playground.runs import request_waiting


def test_nothing_waits_for_a_fresh_run():
    assert not request_waiting(ScriptRequests())


def test_a_fragments_request_waits_and_does_not_preempt():
    """The case the play loop exists for: Streamlit will not stop the running script for a fragment's rerun (a
    stroke on the board), so the loop must see it waiting and end its run."""
    r = ScriptRequests()
    r.request_rerun(RerunData(fragment_id="board_area"))
    assert r.on_scriptrunner_yield() is None  # Streamlit lets the running script go on …
    assert request_waiting(r)  # … so the loop ends its run itself
    assert r.on_scriptrunner_ready().type.name == "RERUN"  # and the next run is the fragment's
    assert not request_waiting(r)


def test_a_full_request_waits_until_the_runner_takes_it():
    r = ScriptRequests()
    r.request_rerun(RerunData())
    assert request_waiting(r)
    assert r.on_scriptrunner_yield().type.name == "RERUN"  # a full rerun preempts by itself
    assert not request_waiting(r)


def test_a_stop_is_not_a_rerun():
    r = ScriptRequests()
    r.request_stop()
    assert not request_waiting(r)


def test_outside_a_script_run_nothing_waits():
    assert not request_waiting()
