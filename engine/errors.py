"""The engine's two errors, and how a stranger's key or value is quoted in their one-line messages."""

from __future__ import annotations

import json
from typing import Any


class ConfigError(ValueError):
    """A bad configuration; the message is one line naming the key."""


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
