"""What a user sees, measured in real headless Chromium: visible board frames/s while playing, epochs/s, click
→ pixel latency, and bytes per frame on the WebSocket. TensorFlow Playground's default network.

    python -m playground.bench [--speed 100] [--seconds 8]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from playground.browser import epoch, launch, running_app, wait_board


def measure(speed: int, seconds: float) -> dict:
    from playwright.sync_api import sync_playwright

    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        sizes: list[int] = []
        page.on("websocket", lambda ws: ws.on("framereceived", lambda f: sizes.append(len(f) if f else 0)))
        q = "hidden=4,2&act=tanh&loss=mse&out=tanh&opt=sgd&lr=0.03&batch=10&test=0.5&n=500"
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
        page.get_by_role("button", name="▶ Play").click()
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
        page.get_by_role("button", name="⏸ Pause").click()
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--json", default="bench-results/ui.json")
    args = ap.parse_args(argv)
    r = measure(args.speed, args.seconds)
    for k, v in r.items():
        print(f"{k:28} {v:12.1f}")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
