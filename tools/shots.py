"""Screenshots of the page in headless Chromium, for the README and for looking at what we build.

    python -m tools.shots [--out bench-results/shots] [--only NAME ...]

Each shot opens a link (the URL holds the whole set-up), presses Step 10 a number of times, and saves NAME.png
(the inspector and race shots: the panels under the board only; the race shot runs the default race first).
The main area scrolls inside the page, so the viewport is tall enough to hold all of what is pictured.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playground import i18n
from tools.browser import epoch, launch, running_app, wait_board

SHOTS = {
    # name: (query, clicks on "Step 10", viewport height or (width, height))
    "screenshot": (
        "gen=spiral&n=500&test=0.3&features=x1,x2,sin(x1),sin(x2)&hidden=6,6&opt=adam&lr=0.01&batch=32",
        60,
        1000,
    ),
    "full": ("gen=moons&n=300&hidden=6,4&opt=adam&lr=0.01", 20, 1900),
    "classes": ("gen=blobs&classes=4&n=400&hidden=8,8&opt=adam&lr=0.01", 20, 1000),
    "regression": ("problem=regression&gen=gaussian_bumps&n=400&hidden=8,8&opt=adam&lr=0.01", 30, 1000),
    "curve": ("problem=regression&gen=sine&n=200&hidden=8,8&opt=adam&lr=0.01", 30, 1000),
    "deep": ("gen=circle&hidden=8,8,8,8,8,8,8,8&act=sigmoid&opt=sgd&lr=0.1", 5, 1000),
    "dead": ("gen=circle&hidden=8,8,8,8&act=relu&init=he&lr=10", 3, 1000),  # the dead-ReLU notice
    "present": ("gen=xor&hidden=4,4&opt=adam&lr=0.01&present=1&hide=data,optimizer,share", 20, 1000),
    # the panels under the board: only the tabs are kept in the picture
    # a laptop and a projector at 1280×720: the whole board, Play and the counter without scrolling
    "laptop_720": ("gen=spiral&n=400&hidden=8,8&opt=adam&lr=0.01&batch=32", 30, (1280, 720)),
    "projector_720": ("gen=spiral&n=400&hidden=8,8&opt=adam&lr=0.01&batch=32&present=1", 30, (1280, 720)),
    "screenshot_zh": (  # the page in Chinese (?lang=zh)
        "gen=spiral&n=500&test=0.3&features=x1,x2,sin(x1),sin(x2)&hidden=6,6&opt=adam&lr=0.01&batch=32&lang=zh",
        60,
        1000,
    ),
    "inspector": ("preset=worked_2-2-2-2", 0, 2600),
    "race": ("gen=spiral&n=400&hidden=8,8&batch=10&lr=0.01", 0, 2600),
}
PANELS = {"inspector", "race"}


EPOCH_MOVED = """e => {
  const h = document.querySelector(".st-key-sec_transport h3");
  return !!h && parseInt(h.innerText.replace(/\\D/g, "")) !== e;
}"""


def step(page, button, timeout: float = 60_000) -> None:
    """Click and wait for the epoch counter to move (clicks during a script run would be merged)."""
    before = epoch(page)
    button.click()
    page.wait_for_function(EPOCH_MOVED, arg=before, timeout=timeout)


def shoot(names: list[str], out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    saved = []
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        for name in names:
            query, steps, size = SHOTS[name]
            width, height = size if isinstance(size, tuple) else (1500, size)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{url}?{query}")
            wait_board(page, timeout=120_000)
            lang = "zh" if "lang=zh" in query else "en"
            button = page.get_by_role("button", name=i18n.catalog(lang).get("Step 10", "Step 10"), exact=True)
            for _ in range(steps):
                step(page, button)
            if name == "race":
                page.get_by_role("tab", name="Optimiser race").click()
                page.get_by_role("button", name="Race", exact=True).click()
                page.get_by_text("including compilation").wait_for(timeout=300_000)
            page.mouse.move(0, 0)  # no tooltip in the picture
            page.wait_for_timeout(2500)
            path = out / f"{name}.png"
            if name in PANELS:
                page.locator('[data-testid="stTabs"]').screenshot(path=str(path))
            else:
                page.screenshot(path=str(path))
            saved.append(path)
            page.close()
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="bench-results/shots")
    ap.add_argument("--only", nargs="*", choices=sorted(SHOTS), help="these shots only")
    args = ap.parse_args(argv)
    for path in shoot(args.only or list(SHOTS), Path(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
