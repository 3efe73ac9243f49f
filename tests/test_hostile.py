"""Hostile and broken input (issue 15/16): every document, CSV, link and stroke a stranger may send gets one
bounded line naming what is wrong, and changes nothing. Seeded fuzzers over each kind of input run here at a
size that fits CI (hundreds of cases each)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from engine.config import KEYS, Config, ConfigError, parse_config, parse_document
from engine.data import DataError, generate, parse_csv
from engine.errors import shown
from playground import state
from playground.controls import query_to_config
from playground.text import plain

MAX_MESSAGE = 300


def one_line(e: Exception) -> str:
    msg = str(e)
    assert "\n" not in msg and "\r" not in msg and len(msg) <= MAX_MESSAGE, msg[:400]
    return msg


def names_a_key(msg: str, doc: dict) -> None:
    """A refusal of a document starts with the key path it is about (a key of the document, or one the document
    left to its default, e.g. `data.generator` after `problem`), or with `config:` for the document as a whole."""
    head = msg.split(": ", 1)[0]
    top = head.split(".", 1)[0].split("[", 1)[0]
    assert ": " in msg and (top in {shown(k) for k in doc} or top in KEYS or top == "config"), msg


# ---- config documents ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw,start",
    [
        ('{"seed": ' + "1" * 5000 + "}", "config: not a usable JSON document"),
        ("[" * 5000 + "]" * 5000, "config: not a usable JSON document"),
        ('{"data": ' * 3000 + "1" + "}" * 3000, "config: "),
        (b'{"title": "\xff\xfe"}', "config: not UTF-8 text"),
        ("{not json", "config: not valid JSON"),
        ('{"seed": ' + "9" * 401 + "}", "seed: must be between 0 and"),
        ('{"data": {"x": [[' + "9" * 401 + ', 1]], "y": [0]}}', "data: x must be rows of 1 or 2 numbers"),
        ('{"data": {"x": [[0, 0], [1, 1]], "y": [0, 1], "classes": "abc"}}', "data.classes: must be a number"),
        ('{"data": {"x": [[0, 0], [1, 1]], "y": [0, 1], "classes": [3]}}', "data.classes: must be a number"),
        ('{"data": {"x": [[0, 0], [1, 1]], "y": [0, 1], "classes": NaN}}', "data.classes: must be finite"),
        ('{"data": {"x": [[0, 0], [1, 1]], "y": [0, 1], "classes": Infinity}}', "data.classes: must be finite"),
        ('{"data": {"x": [[0, 0], [1, 1]], "y": [0, 1], "classes": 2.5}}', "data.classes: must be a whole number"),
        ('{"data": {"x": [["0", 0], [1, 1]], "y": [0, 1]}}', "data: x must be rows of 1 or 2 numbers"),
        ('{"data": {"x": [[true, 0], [1, 1]], "y": [0, 1]}}', "data: x must be rows of 1 or 2 numbers"),
        ('{"data": {"x": [[0, 0], [1, 1]], "y": ["0", 1]}}', "data: y must be numbers"),
        ('{"problem": "regression", "data": {"x": [[1, 2], [3, 4]], "y": [[], []]}}', "data: each point needs a"),
        ('{"problem": "regression", "data": {"x": [[1, 2], [3, 4]], "y": [1e39, 0]}}', "data: targets must be within"),
        ('{"problem": "regression", "data": {"x": [[1, 2], [3, 4]], "y": [1e30, 0]}}', "data: targets must be within"),
        ('{"data": {"x": [[0, 0], [1, 1]], "y": [0, 7]}}', "data: labels must be 0..5 (at most 6 classes), found 7"),
        ('{"data": {"x": [[0, 0], [1, 1]], "y": [0, 1], "classes": "3"}}', "data.classes: must be a number"),
        ('{"trained_epochs": 5}', "trained_epochs: goes with params"),
        ('{"title": null, "caption": 3}', "caption: must be text"),
        ('{"a\\nb": 1}', "a\\nb: unknown key"),
        ('{"' + "k" * 5000 + '": 1}', "kkkk"),
    ],
)
def test_a_bad_document_gets_one_bounded_line(raw, start):
    with pytest.raises(ConfigError) as e:
        parse_document(raw)
    assert one_line(e.value).startswith(start), str(e.value)[:200]


def test_a_null_title_is_empty_and_a_nul_path_is_refused():
    assert parse_document('{"title": null}').title == ""
    with pytest.raises(ConfigError, match=r"^data\.csv: must be a file path"):
        parse_config({"data": {"csv": "a\0b"}}, files=True)
    for classes in ("abc", [3], "3", float("nan")):  # next to a CSV path (the command line's config files)
        with pytest.raises(ConfigError, match=r"^data\.classes: must be"):
            parse_config({"data": {"csv": "points.csv", "classes": classes}}, files=True)


def _junk(rng: random.Random, depth: int = 0):
    kind = rng.randrange(9 if depth < 3 else 6)
    if kind == 0:
        return rng.choice([None, True, False, 0, -1, 1, 2.5, 1e39, -1e308, float("nan"), float("inf"), 10**30])
    if kind == 1:
        return rng.choice(["", "sgd", "adam", "relu", "circle", "regression", "x1", "a\nb", "[x](y)", "é" * 50])
    if kind == 2:
        return rng.randrange(-5, 40)
    if kind == 3:
        return rng.uniform(-10, 10)
    if kind == 4:
        return [rng.uniform(-3, 3) for _ in range(rng.randrange(3))]
    if kind == 5:
        return rng.choice([[[0, 0], [1, 1]], [[0.5], [1]], [0, 1], [[0, 0, 0]]])
    if kind == 6:
        return [_junk(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [
        "problem",
        "data",
        "hidden",
        "activation",
        "optimizer",
        "loss",
        "features",
        "batch_size",
        "seed",
        "generator",
        "x",
        "y",
        "classes",
        "n",
        "noise",
        "name",
        "learning_rate",
        "b1",
        "params",
        "W0",
        "b0",
        "regularization",
        "kind",
        "rate",
        "schedule",
        "test",
        "trained_epochs",
        "init",
        "junk",
    ]
    return {rng.choice(keys): _junk(rng, depth + 1) for _ in range(rng.randrange(5))}


def _document(rng: random.Random) -> dict:
    base = Config().to_dict()
    for _ in range(rng.randrange(1, 4)):
        path = rng.choice(
            [
                ("problem",),
                ("hidden",),
                ("activation",),
                ("data",),
                ("optimizer",),
                ("features",),
                ("batch_size",),
                ("seed",),
                ("data", "x"),
                ("data", "classes"),
                ("optimizer", "name"),
                ("optimizer", "learning_rate"),
                ("params",),
                ("regularization",),
                ("schedule",),
                (rng.choice(["zzz", "a\nb", "x" * 300]),),
            ]
        )
        d = base
        for k in path[:-1]:
            if not isinstance(d.get(k), dict):
                d[k] = {}
            d = d[k]
        d[path[-1]] = _junk(rng)
    return base


def test_fuzzed_documents_are_accepted_or_refused_in_one_line():
    rng = random.Random(15)
    refused = 0
    for _ in range(400):
        doc = _document(rng)
        try:
            cfg = parse_document(json.dumps(doc, allow_nan=True))
        except ConfigError as e:
            names_a_key(one_line(e), doc)
            refused += 1
            continue
        assert isinstance(cfg, Config)
    assert 50 < refused < 400  # the fuzzer reaches both sides


# ---- CSV -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,start",
    [
        (bytes(range(256)).decode("latin-1"), "this is not a text file"),
        ("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "this is not a text file"),
        ('x1,x2,label\n0,0,"' + "a" * 200_000 + '"\n', "not a readable CSV file"),
        ("x1,x2,label\n0,0,7\n1,1,0\n", "CSV: labels must be 0..5"),
    ],
)
def test_a_bad_csv_gets_one_line(text, start):
    with pytest.raises(DataError) as e:
        parse_csv(text, "classification")
    assert one_line(e.value).startswith(start)


def test_csv_with_bare_carriage_returns_loads():
    """Excel for Mac writes bare CR line endings."""
    ds = parse_csv("x1,x2,label\r0.1,0.2,0\r1,1,1\r0.5,0.3,0\r", "classification")
    assert ds.n == 3 and ds.y.tolist() == [0, 1, 0]


def test_a_set_column_anywhere_and_a_leading_blank_line_keep_the_files_split():
    ds = parse_csv("\nset,x1,x2,label\ntest,0,0,0\ntrain,1,1,1\ntrain,2,2,0\n", "classification", test_fraction=0.5)
    assert ds.test.tolist() == [True, False, False]
    ds = parse_csv("x1,x2,label\n0,0,0\n1,1,1\n2,2,0\n3,3,1\n", "classification", test_fraction=0.5)
    assert ds.test.sum() == 2  # no set column: the fraction, seeded


ENGINE_MESSAGES = "".join(
    (Path(__file__).resolve().parents[1] / "engine" / f).read_text() for f in ("data.py", "points.py")
)


def _junk_csv(rng: random.Random) -> str:
    cells = ["0", "1", "-2.5", "1e400", "nan", "", "x", '"q"', "1,5", "label", "set", "test", "é", "7"]
    seps = [",", ";", "\t", "\r", "\n", "\r\n", '"']
    return "".join(rng.choice(cells) + rng.choice(seps) for _ in range(rng.randrange(0, 60)))


def _csv(rng: random.Random) -> str:
    """A table that is mostly well formed (a separator, a line ending, 1–3 columns, a header or none, a set
    column somewhere), with a bad cell now and then; one in five is junk through and through."""
    if rng.random() < 0.2:
        return _junk_csv(rng)
    sep, end = rng.choice([",", ";", "\t"]), rng.choice(["\n", "\r\n", "\r"])
    names = rng.choice([["x1", "x2", "label"], ["x", "y"], ["x1", "x2", "y", "set"], ["set", "x1", "x2", "label"]])
    bad = ["1e400", "nan", "", "x", '"q"', "1,5", "label", "test", "é", "7", "-1", "0.5", "\x00"]

    def cell(name: str) -> str:
        if rng.random() < 0.03:
            return rng.choice(bad)
        if name == "set":
            return rng.choice(["train", "test", "train"])
        if name in ("label", "y") and rng.random() < 0.5:
            return rng.choice(["0", "1", "2"])
        return rng.choice(["0", "1", "-2.5", "0.25", "3", "1e-3", "12"])

    rows = [sep.join(cell(n) for n in names) for _ in range(rng.randrange(0, 25))]
    head = [sep.join(names)] if rng.random() < 0.8 else []
    return rng.choice(["", end]) + end.join(head + rows) + rng.choice(["", end])


def test_fuzzed_csv_is_loaded_or_refused_in_one_line():
    rng = random.Random(16)
    loaded, refused = 0, set()
    for _ in range(600):
        text = _csv(rng)
        for problem in ("classification", "regression"):
            try:
                ds = parse_csv(text, problem)
            except DataError as e:
                one_line(e)
                assert e.template in ENGINE_MESSAGES, e  # the documented refusal, not a parser's own error text
                refused.add(e.template)
            else:
                assert ds.n >= 1 and np.isfinite(ds.x).all()
                loaded += 1
    assert loaded > 100 and len(refused) >= 5, (loaded, refused)


# ---- links ---------------------------------------------------------------------------------------
def test_fuzzed_links_give_a_config_and_bounded_notices():
    rng = random.Random(17)
    noticed = 0
    keys = [
        "gen",
        "hidden",
        "act",
        "opt",
        "lr",
        "batch",
        "features",
        "seed",
        "n",
        "noise",
        "problem",
        "loss",
        "b1",
        "sched",
        "final",
        "classes",
        "[x](https://e.example)",
        "a\nb",
        "k" * 200,
    ]
    values = [
        "",
        "0",
        "-1",
        "1e400",
        "nan",
        "adam",
        "relu",
        "3,3",
        "full",
        "x1,x2",
        "moons",
        "regression",
        "9" * 30,
        "[x](y)",
        "a\nb",
        "é" * 70,
    ]
    for _ in range(400):
        q = {rng.choice(keys): rng.choice(values) for _ in range(rng.randrange(1, 6))}
        before = dict(q)
        cfg, notes = query_to_config(q)
        assert isinstance(cfg, Config) and q == before
        for n in notes:
            assert "\n" not in n and len(n) <= MAX_MESSAGE, n
            assert any(n.startswith(shown(k) + ": ") for k in q), n  # names the link's key
        noticed += bool(notes)
    assert 100 < noticed < 400


# ---- board strokes -------------------------------------------------------------------------------
BAD_STROKES = [
    {"id": "a", "tool": "point", "pts": [[0, 0]], "label": float("inf")},
    {"id": "b", "tool": "point", "pts": [[0, 0]], "label": float("nan")},
    {"id": "c", "tool": "point", "pts": [[0, 0]], "label": 9},
    {"id": "d", "tool": "point", "pts": [[0, 0]], "label": "1"},
    {"id": "e", "tool": "point", "pts": [[float("inf"), 0]]},
    {"id": "f", "tool": "point", "pts": [["0", 0]]},
    {"id": "g", "tool": "point", "pts": "zz"},
    {"id": "h", "tool": "erase", "pts": [[0, 0]], "radius": float("nan")},
    {"id": "i", "tool": "point", "pts": [[0, 0, 0]]},
    {"id": "j", "tool": "point", "pts": [[1e300, 0]]},
]


@pytest.mark.parametrize("stroke", BAD_STROKES, ids=[s["id"] for s in BAD_STROKES])
def test_a_bad_stroke_is_refused_in_one_line(stroke):
    ds = generate("xor", 40, 0.1, 0, 2, 0.0)
    with pytest.raises(DataError) as e:
        state.apply_stroke(ds, stroke)
    one_line(e.value)
    assert state.nearest_point(ds, {**stroke, "tool": "inspect"}) in (None, *range(ds.n))


def test_a_long_spray_is_kept():
    """Longer than the old 500-point cut; a spray that reaches the data set's limit keeps what fits."""
    ds = generate("xor", 40, 0.1, 0, 2, 0.0)
    pts = [[i / 1000, 0.5] for i in range(1500)]
    assert state.apply_stroke(ds, {"id": "s", "tool": "point", "pts": pts, "label": 1}).n == 1540
    pts = [[i / 1000, 0.5] for i in range(2048)]
    assert state.apply_stroke(ds, {"id": "s", "tool": "point", "pts": pts, "label": 1}).n == 2048


def test_fuzzed_strokes_are_applied_or_refused():
    rng = random.Random(18)
    ds = generate("xor", 40, 0.1, 0, 2, 0.0)
    x0, y0, t0 = ds.x.copy(), ds.y.copy(), ds.test.copy()
    for _ in range(400):
        s = {"id": "x", "tool": rng.choice(["point", "erase", "inspect", None, 3])}
        for k in rng.sample(["pts", "label", "radius", "target"], rng.randrange(5)):
            s[k] = _junk(rng)
        try:
            out = state.apply_stroke(ds, s)
        except DataError as e:
            one_line(e)
        else:
            assert out.n <= 2048 and np.isfinite(out.x).all()
        state.nearest_point(ds, s)
        assert np.array_equal(ds.x, x0) and np.array_equal(ds.y, y0) and np.array_equal(ds.test, t0)  # unchanged


# ---- text shown as text --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "[Click here to log in again](https://evil.example/login)=1",
        "![x](https://e.example/p.png)",
        "a\n# heading",
        "<img src=x onerror=alert(1)>",
        "https://evil.example",
    ],
)
def test_a_persons_text_renders_as_text(text):
    from markdown_it import MarkdownIt

    html = MarkdownIt("gfm-like").render(plain(text))
    assert "<a " not in html and "<img" not in html and "<h1" not in html and html.count("<p>") == 1, html


# ---- the command line ----------------------------------------------------------------------------
def test_fuzzed_config_files_exit_0_or_2_with_one_line(tmp_path, capsys):
    from engine.cli import main

    rng = random.Random(19)
    codes = []
    for i in range(200):
        doc = _document(rng)
        path = tmp_path / f"c{i}.json"
        path.write_text(json.dumps(doc, allow_nan=True))
        codes.append(main(["data", str(path), "--csv", str(tmp_path / "d.csv")]))
        err = capsys.readouterr().err
        if codes[-1] == 2:
            assert err.startswith("config error: ") and err.count("\n") == 1 and len(err) <= MAX_MESSAGE + 20, err
            continue
        # a config the data command takes also trains and prints its backprop step (or diverges: exit 3)
        assert main(["train", str(path), "--epochs", "2", "--quiet", "--out", str(tmp_path / "o")]) in (0, 3)
        assert main(["backprop", str(path)]) == 0
        capsys.readouterr()
    assert set(codes) == {0, 2}


def test_cli_limits(tmp_path, capsys):
    from engine.cli import main

    path = tmp_path / "c.json"
    path.write_text(json.dumps({"data": {"generator": "xor", "n": 20}}))
    assert main(["train", str(path), "--epochs", "20000000", "--quiet", "--out", str(tmp_path)]) == 2
    assert "--epochs: must be between 1 and 10,000,000" in capsys.readouterr().err
    for row in ("99999", "-1"):
        assert main(["backprop", str(path), "--row", row]) == 2
        assert capsys.readouterr().err == "config error: --row: must be a point's index, 0 to 19, got " + row + "\n"


# ---- what a session keeps ------------------------------------------------------------------------
def test_a_sessions_history_is_bounded_by_a_named_limit():
    """Per-epoch metrics of a Play left running: at most limits.MAX_HISTORY epochs are kept (thinned), snapshots
    at most limits.MAX_SNAPSHOTS."""
    from engine import limits
    from engine.history import History, Snapshots

    h, snaps = History(), Snapshots()
    for start in range(0, 3 * limits.MAX_HISTORY, 10_000):
        h.extend({"epoch": np.arange(start + 1, start + 10_001), "train_loss": np.zeros(10_000, np.float32)})
        snaps.add(start, [])
    assert limits.MAX_HISTORY // 2 <= len(h) <= limits.MAX_HISTORY
    assert h.data["epoch"][-1] == 3 * limits.MAX_HISTORY and len(snaps.items) <= limits.MAX_SNAPSHOTS
