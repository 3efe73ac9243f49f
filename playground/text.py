"""A person's text shown as text: Streamlit renders the strings of st.warning, st.info … as Markdown, so a
link, an image or a heading inside an imported title, a file name or an echoed URL key would render as one."""

from __future__ import annotations

import re

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:=^&])")


def plain(text: object, limit: int = 400) -> str:
    """One line, at most `limit` characters, every Markdown (and HTML) character escaped."""
    s = " ".join(str(text).split())
    if len(s) > limit:
        s = s[: limit - 1] + "…"
    return _MARKDOWN.sub(r"\\\1", s)
