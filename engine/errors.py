"""The engine's two errors, and how a stranger's key or value is quoted in their one-line messages."""

from __future__ import annotations

import json
from typing import Any


class ConfigError(ValueError):
    """A bad configuration; the message is one line naming the key. `path` (e.g. ``optimizer.learning_rate``) and
    `reason` (the message without it) are there for callers that name the setting their own way (a link's key)."""

    def __init__(self, message: str, *, path: str | None = None, reason: str | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.reason = reason if reason is not None else message


class DataError(ValueError):
    """Bad points or a bad CSV file; the message is one line."""


def shown(v: Any, limit: int = 40) -> str:
    """A stranger's key or value in a message: JSON-quoted (newlines escaped), at most `limit` characters."""
    if isinstance(v, str):
        s = json.dumps(v[: limit + 1], ensure_ascii=False)[1:-1]
    else:
        try:
            s = json.dumps(v)
        except (TypeError, ValueError, RecursionError):
            s = type(v).__name__
    return s if len(s) <= limit else s[: limit - 1] + "…"
