"""Start the app on a free port and drive it with Playwright in Debian's Chromium (shared by tests and bench)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_app(timeout: float = 90.0, env: dict[str, str] | None = None, script: str = "playground/app.py"):
    """Yields the app's URL; the server is stopped afterwards. `env` adds to the server's environment."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            script,
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        t0 = time.time()
        while time.time() - t0 < timeout:
            try:
                urllib.request.urlopen(url + "_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        else:
            raise RuntimeError("the app did not start")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def launch(p):
    return p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)


def wait_board(page, timeout: float = 60_000) -> None:
    page.wait_for_function("() => (window.__bpMetrics || {}).frames >= 1", timeout=timeout)


def epoch(page) -> int:
    text = page.locator("h3", has_text="Epoch").first.inner_text()
    return int("".join(c for c in text if c.isdigit()))


def board_points(page) -> int:
    """Points Plotly draws on the board (train + test traces), i.e. what Python has confirmed."""
    return page.evaluate(
        "() => { const d = document.querySelector('.bp-board').data; return d[1].x.length + d[2].x.length; }"
    )
