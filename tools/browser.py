"""Start the app on a free port and drive it with Playwright in Debian's Chromium (shared by tests, bench, shots)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the repository (tools/ is not installed)
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def require_chromium(pytest, module: bool = True) -> None:
    """Browser tests: skipped where Debian's Chromium is missing, but never in CI (CI must run them)."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise RuntimeError(f"CI must run the browser tests: {CHROMIUM} is missing")
    pytest.skip("no Debian chromium (apt-get install chromium)", allow_module_level=module)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_command(script: str | None = None) -> list[str]:
    """The command that starts the app: `backprop-playground` (as `python -m playground.cli`, the launcher with
    plotly.js), or `streamlit run script` for another page script (a benchmark of an older checkout)."""
    if script is None:
        return [sys.executable, "-m", "playground.cli"]
    return [sys.executable, "-m", "streamlit", "run", script]


@contextlib.contextmanager
def running_app(
    timeout: float = 90.0,
    env: dict[str, str] | None = None,
    script: str | None = None,
    command: Sequence[str] | None = None,
    cwd: Path = ROOT,
) -> Iterator[str]:
    """Yields the app's URL; the server is stopped afterwards. `env` adds to the server's environment; `command`
    replaces app_command(script) (the port, address and headless flags are added to it)."""
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    flags = ["--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true"]
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [*(command or app_command(script)), *flags], cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            t0 = time.time()
            while time.time() - t0 < timeout and proc.poll() is None:
                try:
                    urllib.request.urlopen(url + "_stcore/health", timeout=2)
                    break
                except OSError:
                    time.sleep(0.3)
            else:
                log.seek(0)
                tail = log.read().decode(errors="replace")[-3000:]
                raise RuntimeError(f"the app did not start (exit code {proc.poll()}):\n{tail}")
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
    text = page.locator(".st-key-sec_transport h3").first.inner_text()  # "Epoch 1,230" / "第 1,230 轮"
    return int("".join(c for c in text if c.isdigit()))


def board_points(page) -> int:
    """Points Plotly draws on the board (train + test traces), i.e. what Python has confirmed."""
    return page.evaluate(
        "() => { const d = document.querySelector('.bp-board').data; return d[1].x.length + d[2].x.length; }"
    )
