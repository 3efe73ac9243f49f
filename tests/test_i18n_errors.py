"""The engine's error messages on the Chinese page: the engine raises a template and its parameters
(engine/errors.py), the page translates the template (playground/i18n.py error_text / error_reason), the command
line prints the English message as before."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.config import parse_config, parse_document
from engine.data import parse_csv
from engine.errors import ConfigError, DataError
from playground import i18n
from tools import i18n as extract

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def zh():
    i18n.use("zh")
    yield
    i18n.use("en")


def refused(doc) -> ConfigError:
    with pytest.raises(ConfigError) as e:
        parse_config(doc)
    return e.value


def test_a_config_error_reads_in_chinese_and_stays_english_for_the_command_line(zh):
    e = refused({"optimizer": {"name": "sgd", "learning_rate": -1}})
    assert str(e) == "optimizer.learning_rate: must be > 0, got -1"
    assert (e.path, e.reason) == ("optimizer.learning_rate", "must be > 0, got -1")
    assert i18n.error_text(e) == "optimizer.learning_rate：必须 > 0，实际为 -1"  # the key stays: it is the file's
    assert i18n.error_reason(e) == "必须 > 0，实际为 -1"
    e = refused({"activation": "swish!"})
    assert i18n.error_reason(e).startswith("必须是 ") and "swish!" in i18n.error_reason(e)


def test_the_english_page_shows_the_english_message():
    e = refused({"hidden": [4] * 99})
    assert i18n.error_text(e) == str(e) and str(e).startswith("hidden: at most ") and str(e).endswith(", got 99")


def test_a_points_error_inside_a_config_error_is_translated_too(zh):
    e = refused({"problem": "regression", "data": {"x": [[0.0], [1.0]], "y": [0.5]}})
    assert str(e) == "data: x has 2 rows but y has 1"
    assert i18n.error_text(e) == "data：x 有 2 行，而 y 有 1 行"


@pytest.mark.parametrize(
    "text, english, chinese",
    [
        ("x1,x2,label\n1,2,0\n1,a,1\n", "line 3: 'a' is not a number", "第 3 行：'a' 不是数字"),
        ("x1,x2,label,set\n1,2,0,dev\n", "line 2: set must be train or test, got 'dev'", "set 列必须是 train 或 test"),
        ("", "CSV is empty", "CSV 是空的"),
        ("x1,x2,label\n1,2,0.5\n", "CSV: classification labels must be whole numbers", "CSV：分类标签必须是整数"),
    ],
)
def test_a_refused_csv_reads_in_chinese(zh, text, english, chinese):
    with pytest.raises(DataError) as e:
        parse_csv(text, "classification")
    assert english in str(e.value)
    assert chinese in i18n.error_text(e.value), i18n.error_text(e.value)


def test_an_import_that_is_not_json_reads_in_chinese(zh):
    with pytest.raises(ConfigError) as e:
        parse_document(b"\xff\xfe")
    assert str(e.value) == "config: not UTF-8 text" and i18n.error_text(e.value) == "config：不是 UTF-8 文本"


def test_a_finished_message_reads_as_it_is(zh):
    """An error raised elsewhere with its message already written (no template of the catalog) is shown as
    it is, not lost."""
    assert i18n.error_text(ValueError("something else")) == "something else"
    assert i18n.error_text(ConfigError("race: between 1 and 4 racers")) == "race: between 1 and 4 racers"


def test_a_translation_whose_fields_do_not_fit_falls_back_to_english(zh, monkeypatch):
    monkeypatch.setitem(i18n.catalog("zh"), "must be > {lo}, got {v}", "必须 > {low}")
    e = refused({"optimizer": {"name": "sgd", "learning_rate": 0}})
    assert i18n.error_reason(e) == "must be > 0, got 0"


def literal_templates(path: Path) -> list[str]:
    """The message arguments of the DataError / ConfigError / _fail calls of a module that are not plain string
    literals (an f-string cannot be a catalog text)."""
    bad = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            index = {"DataError": 0, "ConfigError": 0, "_fail": 1}.get(node.func.id)
            if index is None or len(node.args) <= index:
                continue
            arg = node.args[index]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                continue
            if isinstance(arg, ast.Name) and arg.id in ("CAUSE", "template"):  # a wrapper; _fail's own body
                continue
            bad.append(f"{path.name}:{node.lineno}")
    return bad


def test_the_engine_raises_its_pages_messages_as_templates():
    """The engine modules whose errors reach the page (a link, an import, a CSV) raise literal templates, so that
    tools.i18n extracts every one of them."""
    converted = ("config.py", "data.py", "points.py")  # inputs.py and race.py: partly (f-strings left there)
    files = [ROOT / "engine" / name for name in converted] + [ROOT / "playground" / "panels.py"]
    assert [b for f in files for b in literal_templates(f)] == []


def test_the_templates_are_in_the_catalog():
    ids = {m.id for m in extract.template()}
    assert {"must be > {lo}, got {v}", "CSV: {cause}", "line {line}: {bad!r} is not a number"} <= ids
    assert "{cause}" not in ids  # the wrapper is no text of its own


def test_a_refused_link_value_reads_in_chinese():
    from playground import controls

    i18n.use("zh")
    try:
        _cfg, notices = controls.query_to_config({"lr": "-1"})
    finally:
        i18n.use("en")
    [note] = notices
    assert note.startswith("lr：必须 > 0，实际为 -1；"), note
