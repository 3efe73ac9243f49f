"""The engine's two errors, and how a stranger's key or value is quoted in their one-line messages.

Each error keeps its message as a template and its parameters (`template`, `params`; the message is
``template.format(**params)``, or the template itself when there are none), so that a page can show it in another
language without the engine knowing of one: the page looks the template up in its catalog and fills in the same
parameters (playground/i18n.py `error_text`; `python -m tools.i18n` extracts the templates of the literal
`DataError("…")`, `ConfigError("…")` and `_fail(path, "…")` calls). A parameter may itself be an error (the cause
that a message wraps), translated the same way. The English message, which the command line prints, is the same
either way.
"""

from __future__ import annotations

import json
from typing import Any

CAUSE = "{cause}"  # the template of an error that only names where another error happened (not a catalog text)


def render(template: str, params: dict[str, Any]) -> str:
    """The English message: the template filled in with the parameters, on one line (whatever a value held)."""
    return " ".join((template.format(**params) if params else template).split())


class ConfigError(ValueError):
    """A bad configuration; the message is one line naming the key: ``path: reason``. `path` (e.g.
    ``optimizer.learning_rate``, None where the message names no key) and `reason` (the message without it) are
    there for callers that name the setting their own way (a link's key); `template` and `params` make `reason`
    (see the module's note)."""

    def __init__(self, template: str, /, *, path: str | None = None, **params: Any) -> None:
        self.path = path
        self.template, self.params = template, params
        self.reason = render(template, params)
        super().__init__(" ".join(f"{path}: {self.reason}".split()) if path else self.reason)


class DataError(ValueError):
    """Bad points or a bad CSV file; the message is one line, ``template.format(**params)``."""

    def __init__(self, template: str, /, **params: Any) -> None:
        self.template, self.params = template, params
        super().__init__(render(template, params))


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
