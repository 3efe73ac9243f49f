"""The launcher: the page (app.py) plus one route that serves plotly.js straight from the installed plotly package.

`backprop-playground` runs `streamlit run` on this file (so does `streamlit run playground/serve.py` in a
checkout). Streamlit finds the `st.App` below and serves app.py with it; its settings come from
`.streamlit/config.toml` next to this file. plotly.js is read where pip put it, never copied into the package, under
a versioned path that the browser may cache for good (the page loads it once, before the first board is drawn).
"""

from __future__ import annotations

import streamlit as st
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.routing import Route
from streamlit import config

from playground import resources

PLOTLY_JS = resources.plotly_js()
CACHE = "public, max-age=31536000, immutable"  # the path names the version


async def plotly_js(request: Request) -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": CACHE})


def _route(path: str) -> str:
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/{path}" if base else f"/{path}"


app = st.App(str(resources.APP), routes=[Route(_route(resources.plotly_url()), plotly_js, methods=["GET", "HEAD"])])
