"""What the play loop asks of Streamlit's script runner: whether another run of this session waits for it.

Play trains in a script run that goes on until something stops it. A full-app request (Pause, a setting) stops it
by itself: Streamlit raises at the run's next call. A fragment's request does not: Streamlit never lets one preempt
a running script (`_fragment_run_should_not_preempt_script` in its `script_requests.py`), so a stroke on the board
fragment would wait behind a play loop that never ends. The loop therefore asks between frames whether a request
waits, and ends its run if one does; the board fragment's run that follows applies the stroke and plays on.

Streamlit has no public call for this: `ScriptRequests` keeps it in `_state`. tests/test_runs.py checks the reading
against Streamlit's own class, so an upgrade that changes it fails a test instead of hanging strokes.
"""

from __future__ import annotations

from typing import Any

from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.scriptrunner_utils.script_requests import ScriptRequests, ScriptRequestType


def request_waiting(requests: ScriptRequests | None = None) -> bool:
    """Whether a rerun request (a fragment's or the app's) waits for the running script: `requests`, or this
    script run's."""
    if requests is None:
        ctx: Any = get_script_run_ctx()
        requests = getattr(ctx, "script_requests", None)
    return getattr(requests, "_state", None) is ScriptRequestType.RERUN
