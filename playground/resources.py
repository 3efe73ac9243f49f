"""Where the page's files are: package data inside `playground/`, and plotly.js from the installed plotly package.

Nothing here writes anything: an installed wheel is read-only to the app.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
APP = PACKAGE / "app.py"  # the Streamlit page
SERVE = PACKAGE / "serve.py"  # the launcher `backprop-playground` runs: the page plus plotly.js (st.App)
CONFIG = PACKAGE / ".streamlit" / "config.toml"  # the server's settings (Streamlit reads it next to the script)
PRESETS_DIR = PACKAGE / "presets"
WEB = PACKAGE / "web"
BOARD_JS = WEB / "board.js"
BOARD_CSS = WEB / "board.css"


@functools.cache
def source(path: Path) -> str:
    """A packaged web file's text, read once per process (the board mounts it on every rerun)."""
    return path.read_text(encoding="utf-8")


def plotly_js() -> Path:
    """plotly.min.js as the installed plotly package ships it (the same version that builds the figures)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("plotly is not installed")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


def plotly_version() -> str:
    from plotly.offline import get_plotlyjs_version

    return get_plotlyjs_version()


def plotly_url() -> str:
    """The path, relative to the page, at which the launcher serves plotly.js (versioned, so browsers may cache it
    for good)."""
    return f"vendor/plotly-{plotly_version()}.min.js"
