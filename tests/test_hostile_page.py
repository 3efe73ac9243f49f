"""The page says when one session hits a bound of what it may cost a shared server (issue 15): Play's epochs per
frame are capped under the speed slider, and a race past its bounds is refused in a notice before it trains."""

from __future__ import annotations

from tests.test_app import click, new_app, open_tab, warnings

BIG = {"hidden": ",".join(["32"] * 8), "act": "relu", "gen": "spiral", "n": "2000"}


def test_the_page_says_when_a_frame_is_capped():
    at = new_app({**BIG, "batch": "1"})
    s = at.session_state.page.session
    capped = s.epochs_within_budget(50)  # the speed slider starts at 50 epochs per frame
    assert 1 <= capped < 50
    want = f"This network and data train at most {capped:,} epochs per frame here (a shared server's limit per frame)."
    assert want in [c.value for c in at.caption]


def test_the_page_refuses_a_race_past_its_bounds_and_trains_nothing():
    """6 full-batch racers × 10,000 epochs of an 8 × 32 network on 2,000 points: within the step bound, past
    the work bound (it ran for minutes)."""
    at = open_tab(new_app({**BIG, "batch": "full", "test": "0"}), "Optimiser race")
    at.session_state.page.race.rows = [{"optimizer": "sgd", "learning_rate": 0.01 * (i + 1)} for i in range(6)]
    at.session_state["w_race_epochs"] = 10_000
    click(at, "Race")
    [note] = [w for w in warnings(at) if w.startswith("Race not run — ")]
    assert "6 racers × 10,000 epochs of 2,000 points × 7,521 weights is more than one race may run here" in note
    assert "\n" not in note and note.endswith("epochs for this network and data")
    assert at.session_state.page.race.result is None
