"""The page's languages (playground/i18n.py, playground/locales): complete catalogs, the choice of language,
and a page that reads in Chinese where it has been translated so far."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from playground import controls, i18n
from tools import i18n as extract

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "playground" / "app.py")
FIELD = re.compile(r"\{[^{}]*\}")


def test_every_marked_text_has_a_translation_in_every_catalog():
    tmpl = extract.template()
    assert len(tmpl) > 150
    for lang in i18n.LANGUAGES:
        if lang != i18n.DEFAULT:
            assert extract.missing(lang, tmpl) == [], lang


def test_a_translation_keeps_the_placeholders_of_its_text():
    for lang in i18n.LANGUAGES:
        for msgid, text in i18n.catalog(lang).items():
            assert sorted(FIELD.findall(msgid)) == sorted(FIELD.findall(text)), (lang, msgid, text)


def test_the_catalog_on_disk_is_what_the_code_marks():
    """No stale template: `python -m tools.i18n` was run after the texts changed."""
    with (i18n.LOCALES / "messages.pot").open("rb") as f:
        on_disk = {m.id for m in read_po(f) if m.id}
    assert on_disk == {m.id for m in extract.template() if m.id}


@pytest.mark.parametrize(
    "asked, browser, lang, noted",
    [
        ("zh", "en-US", "zh", False),
        ("EN", "zh-CN", "en", False),
        (None, "zh-CN", "zh", False),
        (None, "zh_TW", "zh", False),
        (None, "de-DE", "en", False),
        (None, None, "en", False),
        ("klingon", "zh-CN", "zh", True),
    ],
)
def test_the_language_of_a_new_session(asked, browser, lang, noted):
    got, note = i18n.choose(asked, browser)
    assert got == lang and (note is not None) == noted


def test_texts_follow_the_language_of_the_run():
    i18n.use("zh")
    assert i18n._("Learning rate η") == "学习率 η" and i18n._("not marked anywhere") == "not marked anywhere"
    i18n.use("en")
    assert i18n._("Learning rate η") == "Learning rate η"


def new_app(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_settings_read_in_chinese():
    at = new_app({"lang": "zh", "opt": "adam", "reg": "l2", "sched": "cosine"})
    labels = [
        w.label for kind in ("selectbox", "number_input", "slider", "select_slider", "radio") for w in at.get(kind)
    ]
    helps = [w.help for kind in ("selectbox", "number_input", "slider", "select_slider", "radio") for w in at.get(kind)]
    english = {c.label for c in controls.CONTROLS if c.label != i18n.catalog("zh").get(c.label, c.label)}
    assert not english & set(labels), english & set(labels)
    assert "学习率 η" in labels and "正则化系数" in labels and "最终比例 f（相对 η）" in labels
    for h in helps:
        if h:
            assert re.search(r"[\u4e00-\u9fff]", h), h  # every tooltip has Chinese in it
    assert [b.label for b in at.button][:4] == ["播放", "单步", "走 10 轮", "重置"]
    assert [t.label for t in at.tabs] == ["指标", "单步检查器", "网络", "隐藏空间", "优化器比赛", "历史"]
    assert any(m.value == "### 第 0 轮" for m in at.markdown)
    assert at.query_params["lang"] == ["zh"] or at.query_params["lang"] == "zh"


def test_switching_language_keeps_the_training():
    at = new_app({"gen": "xor"})
    [step10] = [b for b in at.button if b.label == "Step 10"]
    step10.click().run()
    s = at.session_state.page.session
    before = s.export()["params"]
    at.button_group(key="w_lang").set_value("zh").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state.page.lang == "zh"
    assert at.session_state.page.session is s and s.epoch == 10
    assert s.export()["params"] == before
    assert [b.label for b in at.button][:4] == ["播放", "单步", "走 10 轮", "重置"]
    assert at.query_params["lang"] in ("zh", ["zh"])  # a chosen language travels with the link


def test_a_link_without_a_language_opens_in_english_and_stays_without_one():
    at = new_app({"gen": "xor"})
    assert at.session_state.page.lang == "en" and "lang" not in at.query_params
    assert next(b.label for b in at.button) == "Play"


def test_notices_of_callbacks_are_in_the_pages_language():
    at = new_app({"lang": "zh", "gen": "xor"})
    [features] = [w for w in at.multiselect if str(w.key).startswith("w_features@")]
    features.set_value([]).run()
    assert any("网络至少需要一个输入特征" in w.value for w in at.warning), [w.value for w in at.warning]


def test_a_preset_reads_in_chinese():
    at = new_app({"lang": "zh", "preset": "xor_2-3-1"})
    [info] = [re.sub(r"\\(.)", r"\1", i.value) for i in at.sidebar.info]  # Markdown escaped (playground/text.py)
    assert "用 2-3-1 sigmoid 网络学异或" in info and "局部极小值" in info
    assert at.session_state.page.session.cfg.title == "XOR with a 2-3-1 sigmoid network"  # the config keeps English


@pytest.fixture
def zh_here():
    """AppTest formats a widget's options in the test's own thread (a browser gets them from the script run):
    that thread must speak the page's language too."""
    i18n.use("zh")
    yield
    i18n.use("en")


def test_every_tab_runs_in_chinese(zh_here):
    at = new_app({"lang": "zh", "gen": "xor", "hidden": "3,2"})
    [step10] = [b for b in at.button if b.label == "走 10 轮"]
    step10.click().run()
    seen = {}
    for tab in ("Metrics", "Step inspector", "Network", "Hidden space", "Optimiser race", "History"):
        at.session_state.page.tab = tab
        at.run()
        assert not at.exception, (tab, [e.value for e in at.exception])
        if tab == "Optimiser race":
            [race] = [b for b in at.button if b.label == "开始比赛"]
            race.click().run()
            assert not at.exception, [e.value for e in at.exception]
        seen[tab] = " ".join(str(e.value) for e in (*at.caption, *at.markdown, *at.info) if e.value)
    assert "第 10 轮时" in seen["Metrics"]
    assert "前向传播" in seen["Step inspector"] and "误差项 δ" in seen["Step inspector"]
    assert "每个方块是一个神经元" in seen["Network"]
    assert "灰色" in seen["Hidden space"]
    assert "含编译共" in seen["Optimiser race"]
    assert "的权重" in seen["History"]


def test_a_tab_clicked_on_the_chinese_page_opens():
    """A browser's click on a tab sets the tabs widget to its (translated) title and calls on_tab: the Chinese
    titles were compared with English ones outside the page's language and every tab but the first came up
    empty."""
    import threading

    from playground import app, page

    class State(dict):
        __getattr__ = dict.__getitem__

        def __setattr__(self, k, v):
            self[k] = v

    p = page.Page(session=None, settings={}, lang="zh")
    fake = State(page=p, tab="单步检查器")
    real = app.ss
    i18n.use("en")  # a callback thread that has not been told the language yet
    try:
        app.ss = fake
        t = threading.Thread(target=app.on_tab)
        t.start()
        t.join()
    finally:
        app.ss = real
    assert p.tab == "Step inspector"
