"""The Chinese page in a real browser (Debian's Chromium, Playwright): every tab clicked and pictured, its
visible text Chinese (no English word outside tests/test_i18n_page.py's ALLOWED) and drawn with real glyphs (no
tofu: every CJK character on the page rendered unlike the box of a character no font has). The PNGs are saved
under $BP_ZH_SHOTS (default: pytest's tmp folder) for a person to look at.

    python -m pytest tests/test_i18n_browser.py -m browser
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.test_i18n_page import english_words
from tools.browser import launch, require_chromium, running_app, wait_board

pytestmark = pytest.mark.browser

require_chromium(pytest)

sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

QUERY = "lang=zh&gen=xor&hidden=4,3&reg=l2&lr=0.03"  # sgd: Adam's numbers are labelled b1, b2, eps (see
# tests/test_i18n_page.py test_the_optimisers_numbers_read_in_chinese)
TABS = ("指标", "单步检查器", "网络", "隐藏空间", "优化器比赛", "历史")

# The visible text nodes of the page (or of `root`): not hidden, not Streamlit's icon ligatures (":material/…:"
# drawn from words: "upload", "memory"), not KaTeX (formulas; the words of \text{…} are AppTest's to check), not the
# language switch (it names both languages on purpose), with each one's font for the glyph check.
VISIBLE_TEXT = """root => {
  const skip = '[translate="no"][aria-hidden="true"], .katex, .st-key-w_lang, script, style, noscript'
    + ', [data-testid="stToastViewButton"]';  // Streamlit's "view more": test_streamlits_own_words… below
  const out = [];
  const walker = document.createTreeWalker(root || document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement, text = n.textContent.trim();
    if (!text || !el || el.closest(skip)) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || parseFloat(style.fontSize) === 0 || parseFloat(style.opacity) === 0) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    const r = el.getBoundingClientRect();  // a skip link or a screen reader's text: kept off the screen, 1 px
    if (r.width <= 1 || r.height <= 1 || r.right <= 0 || r.bottom <= 0) continue;
    out.push([text, style.fontFamily]);
  }
  return out;
}"""

# The characters (of those given, with their font) that the browser draws as the box of U+10FFFD, a code point no
# font covers, or not at all: those are tofu.
TOFU = """([chars, family]) => {
  const c = document.createElement('canvas');
  c.width = 48; c.height = 48;
  const g = c.getContext('2d', {willReadFrequently: true});
  const draw = ch => {
    g.clearRect(0, 0, 48, 48);
    g.font = `32px ${family}`;
    g.fillText(ch, 4, 38);
    return g.getImageData(0, 0, 48, 48).data.join(',');
  };
  const box = draw(String.fromCodePoint(0x10FFFD)), blank = draw(' ');
  return [...chars].filter(ch => [box, blank].includes(draw(ch)));
}"""

SETTLED = """() => !document.querySelector('[data-stale="true"]')
  && !document.querySelector('[data-testid="stStatusWidget"]')"""


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def settle(page, timeout: float = 120_000) -> None:
    """The script run is over and nothing on the page is stale (then a moment for Plotly to draw)."""
    page.wait_for_timeout(300)
    page.wait_for_function(SETTLED, timeout=timeout)
    page.wait_for_timeout(1200)


def picture(page, selector: str, path: Path) -> None:
    """A screenshot of an element, the viewport made tall enough to hold it (the main area scrolls inside the
    page: what lies below the viewport would come out blank)."""
    size = page.viewport_size
    box = page.locator(selector).bounding_box()
    page.set_viewport_size(
        {"width": size["width"], "height": min(8000, max(size["height"], int(box["y"] + box["height"]) + 40))}
    )
    settle(page)
    page.locator(selector).screenshot(path=str(path))
    page.set_viewport_size(size)


def check_chinese(page, where: str, root: str | None = None) -> list[str]:
    """The English words and the tofu characters of the visible text (of the element `root`, a CSS selector)."""
    texts = page.evaluate(VISIBLE_TEXT, page.locator(root).element_handle() if root else None)
    joined = " ".join(t for t, _ in texts)
    assert any(is_cjk(c) for c in joined), f"{where}: no Chinese on the page"
    problems = [f"{where}: English {w!r} in {t[:100]!r}" for t, _ in texts for w in english_words(t)]
    by_font: dict[str, set[str]] = {}
    for t, family in texts:
        by_font.setdefault(family, set()).update(c for c in t if is_cjk(c))
    for family, chars in by_font.items():
        if chars:
            tofu = page.evaluate(TOFU, ["".join(sorted(chars)), family])
            problems += [f"{where}: {ch!r} has no glyph in {family}" for ch in tofu]
    return problems


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    out = Path(os.environ.get("BP_ZH_SHOTS") or tmp_path_factory.mktemp("zh_shots"))
    out.mkdir(parents=True, exist_ok=True)
    return out


@pytest.fixture(scope="module")
def zh_page():
    with running_app() as url, sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1500, "height": 1300})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(f"{url}?{QUERY}")
        wait_board(page, timeout=120_000)
        settle(page)
        page.get_by_role("button", name="走 10 轮", exact=True).click()
        settle(page)
        yield page
        assert not errors, errors
        browser.close()


def test_every_panel_reads_in_chinese_in_the_browser(zh_page, shots):
    page = zh_page
    family = page.evaluate("() => getComputedStyle(document.body).fontFamily")
    assert page.evaluate(TOFU, ["\U0010fffc中", family]) == ["\U0010fffc"], "the tofu check sees a missing glyph"
    problems = check_chinese(page, "the page")
    saved = []
    for i, tab in enumerate(TABS):
        page.get_by_role("tab", name=tab, exact=True).click()
        settle(page)
        if tab == "优化器比赛":
            page.get_by_role("button", name="开始比赛", exact=True).click()
            page.get_by_text("含编译共").wait_for(timeout=300_000)
            settle(page)
        page.mouse.move(0, 0)  # no tooltip in the picture
        page.wait_for_timeout(600)
        path = shots / f"zh_{i}_{tab}.png"
        picture(page, '[data-testid="stTabs"]', path)
        saved.append(path)
        problems += check_chinese(page, tab, '[data-testid="stTabs"]')
    page.screenshot(path=str(shots / "zh_page.png"), full_page=True)
    print("\n".join(str(p) for p in [*saved, shots / "zh_page.png"]))
    assert not problems, "\n".join(problems)
    assert all(p.stat().st_size > 10_000 for p in saved)


AFTER = "s => getComputedStyle(document.querySelector(s), '::after').content"


def test_streamlits_own_words_read_in_chinese(zh_page, shots):
    """The file uploaders' button, size line and drag overlay, a long toast's "view more": Streamlit's words,
    replaced by i18n.streamlit_css."""
    page = zh_page
    for title in ("CSV 文件", "分享与导出"):
        page.get_by_text(title, exact=True).click()
    settle(page)
    problems = []
    for key in ("w_csv", "w_import"):
        page.locator(f".st-key-{key}").screenshot(path=str(shots / f"zh_{key}.png"))
        problems += check_chinese(page, key, f".st-key-{key}")
        assert page.evaluate(AFTER, f".st-key-{key} button [data-testid=stMarkdownContainer] p") == '"上传"'
    assert not problems, "\n".join(problems)
    page.goto(page.url.split("?")[0] + "?lang=zh&gen=xor&hidden=7,5")  # a new network: its compile toast
    wait_board(page, timeout=120_000)
    page.get_by_role("button", name="走 10 轮", exact=True).click()
    page.wait_for_selector('[data-testid="stToastViewButton"]', state="attached", timeout=120_000)  # CSS hides it
    assert page.evaluate(AFTER, '[data-testid="stToastViewButton"]') == '"展开 / 收起"'
    assert "view" not in page.evaluate("() => document.querySelector('[data-testid=stToast]').innerText")
