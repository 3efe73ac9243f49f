"""What a user sees, measured in real headless Chromium: visible board frames/s while playing, epochs/s, click
→ pixel latency, bytes per frame on the WebSocket, and the time from changing the architecture in the sidebar to
the new untrained boundary on the board (cold: an empty JAX compilation cache; warm: the cache a previous server
filled; floor: a new weight seed, nothing to compile). TensorFlow Playground's default network.

    python -m tools.bench [--speed 100] [--seconds 8] [--only play|arch] [--arch-runs 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from tools.browser import epoch, launch, running_app, wait_board

TFP_DEFAULT = "hidden=4,2&act=tanh&loss=mse&out=tanh&opt=sgd&lr=0.03&batch=10&test=0.5&n=500"
# Each change leads to a network this server has not built yet: a neighbour (±1 neuron, another activation) of
# the one shown, as a user exploring would make.
ARCH_CHANGES = (("h1", 5), ("h2", 3), ("act", "relu"), ("h1", 6), ("act", "sigmoid"), ("h2", 2))
# Time origin of a change: the last Enter or pointer press before the rerun (capture phase, before Streamlit).
T0_JS = """() => {
  if (window.__bpT0Hook) return;
  window.__bpT0Hook = true;
  const mark = () => { window.__bpT0 = performance.now(); };
  addEventListener("keydown", (e) => { if (e.key === "Enter") mark(); }, true);
  addEventListener("pointerdown", mark, true);
}"""


def measure(speed: int, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        sizes: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: sizes.append(len(f) if f else 0)))
        q = TFP_DEFAULT
        page.goto(f"{url}?{q}")
        wait_board(page)
        # speed: the select_slider's value is set through the URL-free path: press keys on its thumb
        thumb = page.get_by_role("slider", name="Speed (epochs per frame)")
        thumb.focus()
        from playground.state import SPEEDS

        target = SPEEDS.index(speed)
        current = SPEEDS.index(50)
        for _ in range(abs(target - current)):
            page.keyboard.press("ArrowRight" if target > current else "ArrowLeft")
        page.wait_for_timeout(1500)
        page.get_by_role("button", name="Play").click()
        page.wait_for_function("() => (window.__bpMetrics.seqs || []).length >= 5", timeout=60_000)
        page.wait_for_timeout(1000)
        f0, e0, b0, n0, t0 = (
            page.evaluate("() => window.__bpMetrics.frames"),
            epoch(page),
            sum(sizes),
            len(sizes),
            time.time(),
        )
        page.wait_for_timeout(seconds * 1000)
        f1, e1, b1, n1, t1 = (
            page.evaluate("() => window.__bpMetrics.frames"),
            epoch(page),
            sum(sizes),
            len(sizes),
            time.time(),
        )
        box = page.locator(".bp-board").bounding_box()
        for i in range(5):
            page.mouse.click(box["x"] + box["width"] * (0.3 + 0.1 * i), box["y"] + box["height"] * 0.3)
            page.wait_for_timeout(700)
        lat = page.evaluate("() => window.__bpMetrics.clickLat")
        page.get_by_role("button", name="Pause").click()
        browser.close()
    big = [s for s in sizes[n0:n1] if s > 5000]  # the frame messages (not acks / pings)
    return {
        "speed_epochs_per_frame": speed,
        "visible_frames_per_s": (f1 - f0) / (t1 - t0),
        "epochs_per_s": (e1 - e0) / (t1 - t0),
        "click_to_pixel_ms_median": statistics.median(lat),
        "click_to_pixel_ms_max": max(lat),
        "bytes_per_frame_median": statistics.median(big) if big else 0,
        "websocket_bytes_per_s": (b1 - b0) / (t1 - t0),
    }


def change_architecture(page, what: str, value) -> float:
    """Change one sidebar setting; seconds until the board has painted the rerun's frame (the new network)."""
    page.evaluate(T0_JS)
    seq0 = page.evaluate("() => window.__bpMetrics.shownSeq || 0")
    if what == "act":
        box = page.get_by_role("combobox", name="Activation σ", exact=True)
        box.focus()
        box.press("ArrowDown")  # opens the list (a mouse click on the box does not always)
        page.get_by_role("option", name=value, exact=True).click()
    else:
        box = page.get_by_label(what, exact=True)
        box.fill(str(value))
        box.press("Enter")
    js = f"() => window.__bpMetrics.shownSeq > {seq0} && window.__bpMetrics.shownAt > window.__bpT0"
    try:
        page.wait_for_function(js, timeout=60_000)
    except Exception:
        Path("bench-results").mkdir(exist_ok=True)
        page.screenshot(path="bench-results/arch-timeout.png")
        raise
    return page.evaluate("() => window.__bpMetrics.shownAt - window.__bpT0") / 1000


def measure_arch(cache: str, settle: float = 3.0, script: str | None = None) -> dict:
    """One server with the JAX compilation cache in `cache`: first board after page load, then ARCH_CHANGES."""
    from playwright.sync_api import sync_playwright

    with running_app(env={"BACKPROP_JAX_CACHE": cache}, script=script) as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        t0 = time.time()
        page.goto(f"{url}?{TFP_DEFAULT}")
        wait_board(page, timeout=120_000)
        first = time.time() - t0
        page.wait_for_timeout(settle * 1000)
        times = []
        for what, value in ARCH_CHANGES:
            times.append(change_architecture(page, what, value))
            page.wait_for_timeout(settle * 1000)  # a user looks at the new boundary
        # the floor: a new Session of a network this process has compiled already (another weight seed)
        floor = []
        for seed in (1, 2, 3):
            floor.append(change_architecture(page, "Seed", seed))
            page.wait_for_timeout(1000)
        browser.close()
    return {"first_board_s": first, "change_s": times, "floor_s": floor}


def measure_arch_runs(runs: int, settle: float = 3.0, script: str | None = None) -> dict:
    """`runs` pairs of servers: cold (a new, empty cache folder), then warm (the folder the cold one filled)."""
    out: dict = {"cold": [], "warm": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="bench-ui-jax-cache-") as d:
            out["cold"].append(measure_arch(d, settle, script))
            out["warm"].append(measure_arch(d, settle, script))
    r = {}
    for k in ("cold", "warm"):
        changes = [t for run in out[k] for t in run["change_s"]]
        r[f"arch_change_{k}_ms_median"] = 1000 * statistics.median(changes)
        r[f"arch_change_{k}_ms_max"] = 1000 * max(changes)
        r[f"first_board_{k}_s_median"] = statistics.median(run["first_board_s"] for run in out[k])
    r["rerun_floor_ms_median"] = 1000 * statistics.median(t for k in out for run in out[k] for t in run["floor_s"])
    r["arch_changes_per_case"] = len(ARCH_CHANGES) * runs
    return r | {"arch_runs": out}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--only", choices=("play", "arch"), help="run one of the two measurements")
    ap.add_argument("--arch-runs", type=int, default=2, help="cold + warm server pairs for the architecture change")
    ap.add_argument("--settle", type=float, default=3.0, help="seconds between two architecture changes")
    ap.add_argument("--script", default=None, help=argparse.SUPPRESS)  # another page script
    ap.add_argument("--json", default="bench-results/ui.json")
    args = ap.parse_args(argv)
    r = {}
    if args.only != "arch":
        r |= measure(args.speed, args.seconds)
    if args.only != "play":
        r |= measure_arch_runs(args.arch_runs, args.settle, args.script)
    for k, v in r.items():
        if isinstance(v, int | float):
            print(f"{k:32} {v:12.1f}")
    for k, runs in r.get("arch_runs", {}).items():
        for run in runs:
            ms = " ".join(f"{1000 * t:5.0f}" for t in run["change_s"])
            floor = " ".join(f"{1000 * t:4.0f}" for t in run["floor_s"])
            print(f"{k:5} first board {run['first_board_s']:5.1f} s · changes (ms): {ms} · floor (ms): {floor}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
