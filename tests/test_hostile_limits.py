"""Every bound on what a stranger's document may hold is named in engine/limits.py (issue 15)."""

from __future__ import annotations

import json

import pytest

from engine import limits
from engine.config import ConfigError, parse_document


@pytest.mark.parametrize(
    "key,limit", [("title", "MAX_TITLE_CHARS"), ("caption", "MAX_CAPTION_CHARS"), ("view", "MAX_VIEW_CHARS")]
)
def test_a_long_text_is_cut_at_its_named_limit(key, limit):
    n = getattr(limits, limit)
    assert getattr(parse_document(json.dumps({key: "é" * (n + 50)})), key) == "é" * n


@pytest.mark.parametrize(
    "key,limit",
    [
        ("warmup_epochs", "MAX_SCHEDULE_EPOCHS"),
        ("step_epochs", "MAX_SCHEDULE_EPOCHS"),
        ("decay_epochs", "MAX_DECAY_EPOCHS"),
    ],
)
def test_a_schedules_lengths_stop_at_their_named_limits(key, limit):
    n = getattr(limits, limit)
    assert getattr(parse_document(json.dumps({"schedule": {"name": "cosine", key: n}})).schedule, key) == n
    with pytest.raises(ConfigError, match=rf"^schedule\.{key}: must be between \d and {n:,}, got {n + 1:,}$"):
        parse_document(json.dumps({"schedule": {"name": "cosine", key: n + 1}}))
