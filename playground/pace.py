"""What Play's loops share across the sessions of one server process.

Streamlit executes app.py afresh on every script run, so a name defined at its top level lives for one run only:
a table of epoch times kept there was empty again at every click, and a lock there was a new lock each run, shared
by no one. What every session's play loop shares lives in this module, imported once per process.
"""

from __future__ import annotations

import threading

EPOCH_S: dict[tuple, float] = {}  # (spec, steps per epoch) → the fewest seconds one epoch took in this process
MAX_EPOCH_S = 256  # networks whose epoch time is kept
TRAINED_CHUNKS: set[tuple] = set()  # (spec, compiled chunk size) trained in this process: catching up uses no other
# One Play frame at a time in this process: XLA runs one CPU computation at a time per device anyway (measured:
# 2 or 4 threads training sessions in one process train no more epochs per second than 1), and 30 play loops
# contending for the GIL at once starved the thread that sends every session's frames.
FRAME_TURN = threading.Lock()
