"""Lessons (issue 14): every shipped lesson loads, malformed files are refused in one line naming the field, and
the CLAIMS test — every step of every lesson runs with the engine and its answer key holds: the key functions'
answers, each step's own claims, and, written out here from the engine's raw numbers, the fact that justifies
each key (the diverging option really went non-finite and the others fell, the smallest gradient really is
W0's, the race's winner really has the lowest loss…). The explanations fill in both languages with this run's
numbers: another seed gives other numbers."""

from __future__ import annotations

import copy
import json
import math
import re
import time
from pathlib import Path

import numpy as np
import pytest

from playground import lessons
from playground.lessons import Attempt, LessonError, check, expected_answer, reveal, run_step, verify
from playground.lessons.facts import FACTS, RunResult
from playground.lessons.grading import LEFTOVER, neuron_name
from playground.lessons.schema import parse_lesson, read_lesson
from playground.resources import PRESETS_DIR

SHIPPED = (
    "backprop_by_hand",
    "xor",
    "learning_rate",
    "batch_size",
    "optimisers",
    "vanishing_gradients",
    "zeros_init",
    "overfitting",
)
# every lesson in the package (a teacher's new one too: its claims are checked like these)
STEPS = [(name, i) for name in lessons.names() for i in range(len(lessons.load(name).steps))]
_RESULTS: dict[tuple[str, int], RunResult] = {}
_SECONDS: list[float] = []


def result_of(name: str, i: int) -> RunResult:
    """Each step's run once per test session (the claims and the explanation tests read the same run)."""
    if (name, i) not in _RESULTS:
        t0 = time.perf_counter()
        _RESULTS[name, i] = run_step(lessons.load(name).steps[i])
        _SECONDS.append(time.perf_counter() - t0)
    return _RESULTS[name, i]


# ---- the schema ---------------------------------------------------------------------------------------------
def test_the_eight_lessons_load_in_order():
    infos = lessons.list_lessons()
    assert [i.name for i in infos if i.name in SHIPPED] == list(SHIPPED)
    for info in infos:
        assert 2 <= info.steps <= 4, info.name
        for text in (info.title, info.summary):
            assert text.en.strip() and text.zh.strip()
            assert re.search(r"[\u4e00-\u9fff]", text.zh), f"{info.name}: the Chinese text has no Chinese"


@pytest.mark.parametrize("name", lessons.names())
def test_every_step_has_both_languages_and_a_config(name):
    les = lessons.load(name)
    for step in les.steps:
        q = step.question
        for t in (q.prompt, step.reveal.text, *(o.text for o in q.options)):
            assert t.en.strip() and t.zh.strip()
        assert re.search(r"[\u4e00-\u9fff]", q.prompt.zh)
        assert isinstance(step.config(), dict)
        if not step.answer.is_fixed and q.kind != "number":
            assert step.answer.expect is not None, f"{step.where}: a computed key says what the lesson expects"


def test_glossary_terms_in_the_chinese_lessons():
    """The Chinese lessons use the glossary's words (playground/locales/GLOSSARY.md)."""
    zh = "".join(
        json.dumps(json.loads((lessons.LESSONS_DIR / f"{n}.json").read_text()), ensure_ascii=False) for n in SHIPPED
    )
    for term in (
        "反向传播",
        "前向传播",
        "梯度下降",
        "学习率",
        "损失函数",
        "激活函数",
        "权重",
        "偏置",
        "小批量",
        "动量",
    ):
        assert term in zh, term
    for term in ("过拟合", "正则化", "梯度消失", "梯度爆炸", "梯度裁剪", "隐藏层", "神经元", "测试集", "初始化"):
        assert term in zh, term


def test_tab_flags_are_the_pages():
    from playground import panels  # imports Streamlit; the lessons package itself does not

    assert tuple(t.flag for t in panels.TABS) == lessons.TAB_FLAGS


def test_neuron_names_are_the_diagrams():
    from playground.network import neuron_names

    sizes, feats = (2, 3, 4, 1), ("x1", "x2")
    names = neuron_names(sizes, feats)
    for l, layer in enumerate(names):
        for j, n in enumerate(layer):
            assert neuron_name(l, j, sizes, feats) == n


def test_the_lessons_package_imports_no_streamlit():
    import subprocess
    import sys

    code = "import sys, playground.lessons; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[1]).returncode == 0


def test_the_facts_named_for_validation_are_the_facts_a_run_has():
    res = result_of("xor", 0)
    assert set(res.facts) == set(FACTS["epochs"])
    assert set(result_of("backprop_by_hand", 0).facts) == set(FACTS["backprop"])
    assert set(result_of("learning_rate", 0).facts) == set(FACTS["race"])
    assert set(result_of("batch_size", 0).facts) == set(FACTS["compare"])


# ---- malformed files: one line naming the field ----------------------------------------------------------
# The README's example ("Lessons: the file format"), verbatim: it must load, run and hold.
EXAMPLE_JSON = r"""
{
  "name": "my_first_lesson",
  "order": 100,
  "title": {"en": "XOR and the learning rate", "zh": "XOR 与学习率"},
  "summary": {
    "en": "A straight line against XOR, then three learning rates on a 2-3-1 network.",
    "zh": "先看一条直线能否分开 XOR，再在 2-3-1 网络上比较三种学习率。"
  },
  "steps": [
    {
      "setup": {"preset": "xor_2-3-1", "overrides": {"hidden": []}, "hide": ["race", "warp"], "tab": "metrics"},
      "question": {
        "kind": "choice",
        "prompt": {
          "en": "With no hidden layer, will the network get all four XOR points right after 200 epochs?",
          "zh": "没有隐藏层时，训练 200 轮后网络能把 XOR 的四个点全部分对吗？"
        },
        "options": [
          {"id": "yes", "en": "Yes", "zh": "能"},
          {"id": "no", "en": "No", "zh": "不能"}
        ]
      },
      "run": {"kind": "epochs", "epochs": 200},
      "answer": {"fixed": "no"},
      "claims": ["train_score <= 0.75"],
      "reveal": {
        "numbers": {"right": "round(train_score * 4)"},
        "text": {
          "en": "No: only **{right} of 4** points are right, and the loss is stuck at {train_loss:.3f}. One straight line cannot separate XOR.",
          "zh": "不能：只分对了 **4 个中的 {right} 个**，损失函数停在 {train_loss:.3f}。一条直线分不开 XOR。"
        }
      }
    },
    {
      "setup": {"preset": "xor_2-3-1", "tab": "race"},
      "question": {
        "kind": "choice",
        "prompt": {
          "en": "The 2-3-1 network with plain gradient descent for 200 epochs at three learning rates. Which ends with the lowest loss?",
          "zh": "2-3-1 网络用普通梯度下降训练 200 轮，学习率取三个值。哪一个最后损失最低？"
        },
        "options": [
          {"id": "slow", "en": "η = 0.1", "zh": "η = 0.1"},
          {"id": "medium", "en": "η = 1", "zh": "η = 1"},
          {"id": "fast", "en": "η = 10", "zh": "η = 10"}
        ]
      },
      "run": {
        "kind": "race",
        "epochs": 200,
        "racers": [
          {"id": "slow", "optimizer": "sgd", "learning_rate": 0.1},
          {"id": "medium", "optimizer": "sgd", "learning_rate": 1},
          {"id": "fast", "optimizer": "sgd", "learning_rate": 10}
        ]
      },
      "answer": {"computed": "race_winner()", "expect": "fast"},
      "claims": ["train_loss[fast] < train_loss[slow]"],
      "reveal": {
        "text": {
          "en": "**{expected}**: loss {train_loss[fast]:.3f}, against {train_loss[medium]:.3f} (η = 1) and {train_loss[slow]:.3f} (η = 0.1).",
          "zh": "**{expected}**：损失为 {train_loss[fast]:.3f}，而 η = 1 是 {train_loss[medium]:.3f}，η = 0.1 是 {train_loss[slow]:.3f}。"
        }
      }
    }
  ]
}
"""  # noqa: E501
EXAMPLE = json.loads(EXAMPLE_JSON)


def test_the_readme_example_loads_and_its_claims_hold():
    les = parse_lesson(copy.deepcopy(EXAMPLE), "lessons/my_first_lesson.json", "my_first_lesson")
    for step in les.steps:
        res = run_step(step)
        assert verify(step, res) == []


def _del(path: str):
    def f(doc):
        *keys, last = _keys(path)
        at = doc
        for k in keys:
            at = at[k]
        del at[last]

    return f


def _set(path: str, value):
    def f(doc):
        *keys, last = _keys(path)
        at = doc
        for k in keys:
            at = at[k]
        at[last] = value

    return f


def _keys(path: str) -> list:
    return [int(k) if k.isdigit() else k for k in re.findall(r"[^.\[\]]+", path)]


BAD = [
    (_del("steps[1].question.options[2].zh"), "steps[1].question.options[2].zh: missing"),
    (_del("title.zh"), "title.zh: missing"),
    (_set("name", "other"), "name: must be the file's name 'bad', got 'other'"),
    (
        _set("steps[0].question.kind", "essay"),
        'steps[0].question.kind: must be one of choice, order, number, layer, neuron, point, got "essay"',
    ),
    (_set("steps[0].question.kind", "number"), "steps[0].question.options: a number question has no options"),
    (
        _set("steps[0].answer.fixed", "maybe"),
        'steps[0].answer.fixed: must be one of the options\' ids (yes, no), got "maybe"',
    ),
    (
        _del("steps[0].claims"),
        "steps[0].claims: a fixed answer needs at least one claim: a fact of the run that shows it is right",
    ),
    (_set("steps[0].claims", ["train_scor <= 0.75"]), "steps[0].claims[0]: unknown name 'train_scor'"),
    (
        _set("steps[0].claims", ["train_loss.__class__"]),
        "steps[0].claims[0]: Attribute is not allowed in a lesson expression",
    ),
    (_set("steps[1].answer.computed", "race_winer()"), "steps[1].answer.computed: unknown function 'race_winer'"),
    (
        _set("steps[1].answer.computed", "smallest_final_grad_layer()"),
        "steps[1].answer.computed: smallest_final_grad_layer() needs a epochs run, not race",
    ),
    (
        _set("steps[1].question.options[2].id", "turbo"),
        "steps[1].answer.computed: names a racer or variant: the options must be exactly the run's ids "
        "(slow, medium, fast)",
    ),
    (
        _set("steps[0].setup.overrides", {"optimizer.learning_rate": -1}),
        "steps[0].setup.overrides.optimizer.learning_rate: must be > 0, got -1",
    ),
    (
        _set("steps[0].setup.hide", ["sidebar", "chart"]),
        'steps[0].setup.hide[1]: no panel named "chart" (known: data, network, optimizer, transport, draw, sidebar, '
        "share, metrics, inspector, diagram, warp, race, history)",
    ),
    (_set("steps[0].setup.preset", "spirals"), 'steps[0].setup.preset: no preset named "spirals" (known: '),
    (
        _set("steps[1].run.racers[0].optimizer", "adamax"),
        "steps[1].run.racers[0].optimizer: must be one of sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, "
        'got "adamax"',
    ),
    (_set("steps[1].run.epochs", 100000), "steps[1].run.epochs: must be a whole number from 1 to 5000, got 100000"),
    (
        _set("steps[0].reveal.text.en", "Only {rigth} of 4."),
        "steps[0].reveal.text.en: {rigth} is not a fact of a epochs run, a number of this reveal, expected or option",
    ),
    (
        _set("steps[0].reveal.text.en", "Loss {train_loss.real}."),
        "steps[0].reveal.text.en: {train_loss.real}: no attributes in a placeholder",
    ),
    (
        _set("steps[0].reveal.text.zh", "不能：损失函数停在 {train_loss:.3f}。"),
        "steps[0].reveal.text.zh: the two languages must show the same numbers; differs in {right}",
    ),
    (_set("steps[0].question.options[1].id", "yes"), "steps[0].question.options[1].id: 'yes' is used twice"),
    (
        _set("steps[1].claims", ["train_loss[fats] < 1"]),
        "steps[1].claims[0]: [fats]: a name in brackets is a racer's or variant's id (fast, medium, slow); to index "
        "by a fact, compute: g[layers - 1]",
    ),
    (
        _set("steps[1].reveal.text.en", "Loss {train_loss[fats]:.3f}."),
        "steps[1].reveal.text.en: {train_loss[fats]}: [fats] is not a number or an id (ids: fast, medium, slow)",
    ),
]


@pytest.mark.parametrize(("mutate", "message"), BAD, ids=[m for _, m in BAD])
def test_a_malformed_lesson_is_refused_in_one_line_naming_the_field(tmp_path, mutate, message):
    doc = copy.deepcopy(EXAMPLE)
    doc["name"] = "bad"
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(LessonError) as e:
        read_lesson(path, label="lessons/bad.json")
    text = str(e.value)
    assert "\n" not in text
    assert text.startswith(f"lessons/bad.json: {message}"), text


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", "lessons/bad.json: not valid JSON (Expecting property name enclosed in double quotes at line 1)"),
        (b"\xff\xfe", "lessons/bad.json: not UTF-8 text"),
        (b"[]", "lessons/bad.json: must be an object, got a list"),
    ],
)
def test_a_file_that_is_not_a_lesson_document(tmp_path, raw, message):
    path = tmp_path / "bad.json"
    path.write_bytes(raw)
    with pytest.raises(LessonError, match=re.escape(message)):
        read_lesson(path, label="lessons/bad.json")


def test_an_unknown_lesson_name():
    with pytest.raises(LessonError, match=r"^lesson: no lesson named 'nope' \(known: backprop_by_hand, "):
        lessons.load("nope")
    with pytest.raises(LessonError):
        lessons.load("../presets/xor_2-3-1")


# ---- the claims: every step's key holds for the engine's run ---------------------------------------------
@pytest.mark.parametrize(("name", "i"), STEPS, ids=[f"{n}-{i + 1}" for n, i in STEPS])
def test_claims(name, i):
    step = lessons.load(name).steps[i]
    res = result_of(name, i)
    assert res.as_authored
    assert verify(step, res) == []
    fact = JUSTIFY.get((name, i))  # written out from the engine's raw numbers, not from the lesson's facts
    if fact is not None:
        fact(res, expected_answer(step, res))


def _history(res: RunResult, key: str = "main") -> dict[str, np.ndarray]:
    s = res.session if key == "main" else res.sessions[key]
    return s.history.data


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _worked(res: RunResult):
    """The 2-2-2-2 example by hand in numpy, from the preset's own numbers."""
    doc = json.loads((PRESETS_DIR / "worked_2-2-2-2.json").read_text())
    p = doc["params"]
    a = [np.asarray(doc["data"]["x"][0], float)]
    for l in range(3):
        a.append(_sigmoid(a[-1] @ np.asarray(p[f"W{l}"]) + np.asarray(p[f"b{l}"])))
    y = np.asarray(doc["data"]["y"][0], float)
    d3 = (a[3] - y) * a[3] * (1 - a[3])
    d2 = (d3 @ np.asarray(p["W2"]).T) * a[2] * (1 - a[2])
    d1 = (d2 @ np.asarray(p["W1"]).T) * a[1] * (1 - a[1])
    return a, [None, d1, d2, d3], np.outer(a[2], d3)


def _bp1(res, key):
    a, _d, _g = _worked(res)
    assert abs(key - a[1][0]) < 1e-5 and abs(key - _sigmoid(0.6)) < 1e-5


def _bp2(res, key):
    _a, d, _g = _worked(res)
    assert abs(key - d[3][0]) < 1e-5


def _bp3(res, key):
    _a, _d, g = _worked(res)
    assert abs(key - g[0, 0]) < 1e-5
    assert abs(res.step.new_params[2][0][0, 0] - (0.9 - 0.1 * g[0, 0])) < 1e-5  # one SGD step, η = 0.1


def _bp4(res, key):
    _a, d, _g = _worked(res)
    best = max((abs(d[l][j]), l, j) for l in (1, 2, 3) for j in (0, 1))
    assert key == (best[1], best[2]) == (3, 1)


def _xor_linear(res, key):
    h = _history(res)
    assert key == "no" and h["train_score"][-1] <= 0.75  # never all four: at most 3 of 4 for a line


def _xor_hidden(res, key):
    assert key == "yes" and _history(res)["train_score"][-1] == 1.0


def _race_final(res) -> tuple[list[str], np.ndarray, list[bool]]:
    race = res.race
    loss = np.asarray(race.metrics["train_loss"], float)
    final = np.array([row[np.isfinite(row)][-1] if np.isfinite(row).any() else np.nan for row in loss])
    return list(res.tracks), final, race.diverged()


def _lr_diverges(res, key):
    ids, _final, div = _race_final(res)
    assert div == [i == key for i in ids] and key == "large"  # the engine's own non-finite flag
    loss = res.race.metrics["train_loss"]
    for k, i in enumerate(ids):
        if i != key:
            assert loss[k, -1] < loss[k, 0]  # the others lowered their loss


def _lr_fastest(res, key):
    ids, final, div = _race_final(res)
    ok = [k for k in range(len(ids)) if not div[k]]
    assert ids[min(ok, key=lambda k: final[k])] == key == "right"


def _lr_edge(res, key):
    _ids, _final, div = _race_final(res)
    lrs = [o.learning_rate for o in res.race.racers]
    assert lrs == sorted(lrs)
    assert div == [False, False, False, True] and key == "lr_007"
    loss = res.race.metrics["train_loss"]
    assert loss[3, 49] > 1000 * loss[3, 0]  # η = 0.09: blowing up long before it went non-finite


def _ups(loss) -> float:
    return float(np.mean(np.diff(loss) > 0))


def _batch_noise(res, key):
    ups = {v: _ups(_history(res, v)["train_loss"]) for v in ("full", "mini", "sgd")}
    assert max(ups, key=ups.get) == key == "sgd" and ups["full"] == 0


def _reach(loss, target) -> float:
    hit = np.flatnonzero(np.asarray(loss) <= target)
    return hit[0] + 1 if len(hit) else math.inf


def _batch_epochs(res, key):
    e = {v: _reach(_history(res, v)["train_loss"], 0.68) for v in ("full", "mini", "sgd")}
    assert min(e, key=e.get) == key == "sgd" and e["sgd"] < e["mini"] < e["full"] < math.inf


def _batch_steps(res, key):
    after = {}
    for v in ("full", "mini", "sgd"):
        s = res.sessions[v]
        epoch = math.ceil(140 / s.steps_per_epoch)
        after[v] = _history(res, v)["train_loss"][epoch - 1]
    assert {v: res.sessions[v].steps_per_epoch for v in after} == {"full": 1, "mini": 14, "sgd": 140}
    assert max(after, key=after.get) == key == "sgd"


def _race_winner(expected):
    def f(res, key):
        ids, final, div = _race_final(res)
        assert not any(div)
        assert ids[int(np.argmin(final))] == key == expected

    return f


def _race_order(res, key):
    ids, final, _div = _race_final(res)
    assert [ids[k] for k in np.argsort(final)] == key == ["momentum", "adam", "sgd"]


def _sgd_behind(res, key):
    ids, final, _div = _race_final(res)
    loss = dict(zip(ids, final, strict=True))
    assert key == "no" and loss["sgd"] > 10 * max(loss["momentum"], loss["adam"])


def _vanishing(res, key):
    g = np.median(_history(res)["grad_norm"][-5:], axis=0)
    assert int(np.argmin(g)) == key == 0 and g[-1] > 1000 * g[0]


def _relu_he(res, key):
    g = np.median(_history(res)["grad_norm"][-5:], axis=0)
    assert key == "close" and g.max() / g.min() < 10 and g.min() > 0


def _clipping(res, key):
    assert key == "plain"
    assert res.sessions["plain"].divergence is not None and res.sessions["clipped"].divergence is None
    h = _history(res, "clipped")["train_loss"]
    assert h[-1] < 0.5 * h[0]


def _hidden(res) -> list[np.ndarray]:
    from engine.views import layer_activations

    s = res.session
    x, _ = s.dataset.part(False)
    return [np.asarray(a) for a in layer_activations(s.spec, s.params, np.asarray(x, np.float32))[1:-1]]


def _zeros_sigmoid(res, key):
    hs = _hidden(res)
    assert key == "identical"
    for h in hs:
        assert np.abs(h - h[:, :1]).max() == 0 and np.abs(h).max() > 0.1  # equal, and not 0


def _zeros_tanh(res, key):
    assert key == "stuck" and (_history(res)["grad_norm"] == 0).all()
    assert all(np.abs(h).max() == 0 for h in _hidden(res))


def _xavier(res, key):
    h = _hidden(res)[0]
    assert key == "yes" and _history(res)["train_score"][-1] > 0.9
    assert len({tuple(np.round(c, 6)) for c in h.T}) == h.shape[1]


def _overfit(res, key):
    h = _history(res)
    assert key == "higher" and h["test_loss"][-1] > 10 * h["train_loss"][-1] and h["train_score"][-1] == 1.0


def _more_data(res, key):
    gap = {v: _history(res, v)["test_loss"][-1] - _history(res, v)["train_loss"][-1] for v in ("few", "many")}
    assert min(gap, key=gap.get) == key == "many"


def _regularise(res, key):
    test = {v: _history(res, v)["test_loss"][-1] for v in ("none", "l2", "dropout")}
    assert min(test, key=test.get) == key == "l2" and test["l2"] < 0.5 * test["none"]


JUSTIFY = {
    ("backprop_by_hand", 0): _bp1,
    ("backprop_by_hand", 1): _bp2,
    ("backprop_by_hand", 2): _bp3,
    ("backprop_by_hand", 3): _bp4,
    ("xor", 0): _xor_linear,
    ("xor", 1): _xor_hidden,
    ("xor", 2): _xor_hidden,  # 100 % by a sigmoid of a weighted sum of the hidden outputs: a plane separates them
    ("learning_rate", 0): _lr_diverges,
    ("learning_rate", 1): _lr_fastest,
    ("learning_rate", 2): _lr_edge,
    ("batch_size", 0): _batch_noise,
    ("batch_size", 1): _batch_epochs,
    ("batch_size", 2): _batch_steps,
    ("optimisers", 0): _race_winner("momentum"),
    ("optimisers", 1): _race_order,
    ("optimisers", 2): _sgd_behind,
    ("vanishing_gradients", 0): _vanishing,
    ("vanishing_gradients", 1): _relu_he,
    ("vanishing_gradients", 2): _clipping,
    ("zeros_init", 0): _zeros_sigmoid,
    ("zeros_init", 1): _zeros_tanh,
    ("zeros_init", 2): _xavier,
    ("overfitting", 0): _overfit,
    ("overfitting", 1): _more_data,
    ("overfitting", 2): _regularise,
}


def test_every_shipped_step_has_its_fact_written_out():
    assert set(JUSTIFY) == {(n, i) for n, i in STEPS if n in SHIPPED}


# ---- the explanations: filled from this run, in both languages --------------------------------------------
@pytest.mark.parametrize(("name", "i"), STEPS, ids=[f"{n}-{i + 1}" for n, i in STEPS])
def test_explanation_fills_in_both_languages(name, i):
    step = lessons.load(name).steps[i]
    res = result_of(name, i)
    for lang in ("en", "zh"):
        text = reveal(step, res, lang)
        assert not LEFTOVER.search(text) and "{" not in text and "}" not in text, text
        assert re.search(r"\d", text), f"{step.where}: an explanation without a number from the run"
        template = step.reveal.text.get(lang)
        assert text.count("NaN") == template.count("NaN") and "nan" not in text  # no undefined number shown
    assert re.search(r"[\u4e00-\u9fff]", reveal(step, res, "zh"))


def _with(doc: dict, **changes) -> dict:
    doc = copy.deepcopy(doc)
    for path, v in changes.items():
        at = doc
        *keys, last = path.split("__")
        for k in keys:
            at = at.setdefault(k, {})
        at[last] = v
    return doc


@pytest.mark.parametrize(
    ("name", "i", "change", "shown"),
    [
        ("vanishing_gradients", 0, {"seed": 1}, "{g_min:.1e}"),
        ("optimisers", 0, {"seed": 1}, "{train_loss[momentum]:.3f}"),
        ("batch_size", 0, {"data__seed": 1}, "{ups[sgd]:.0%}"),
        ("overfitting", 0, {"seed": 1}, "{test_loss:.2f}"),
        ("backprop_by_hand", 1, {"params__W2": [[0.5, 1.1], [1.0, 1.2]]}, "{delta[3][0]:.4f}"),
    ],
)
def test_the_explanations_numbers_are_the_runs(name, i, change, shown):
    """Another seed (or other weights) gives other numbers in the explanation: they come from the run, and
    each shown number is the run's own fact."""
    step = lessons.load(name).steps[i]
    base = result_of(name, i)
    other = run_step(step, _with(step.config(), **change))
    assert not other.as_authored
    for lang in ("en", "zh"):
        a, b = reveal(step, base, lang), reveal(step, other, lang)
        assert a != b
        for res, text in ((base, a), (other, b)):
            assert shown.format_map(res.facts) in text
    assert shown.format_map(base.facts) != shown.format_map(other.facts)


# ---- answers: locked, checked, shown -------------------------------------------------------------------------
def test_an_attempt_is_locked_when_the_run_starts():
    a = Attempt().with_answer("no")
    assert a.answered and not a.locked
    with pytest.raises(LessonError, match="answer first"):
        Attempt().lock()
    locked = a.lock()
    with pytest.raises(LessonError, match="locked"):
        locked.with_answer("yes")
    step = lessons.load("xor").steps[0]
    res = result_of("xor", 0)
    with pytest.raises(LessonError, match="not locked"):
        check(step, a, res)
    v = check(step, locked, res, "zh")
    assert v.correct and v.expected == "no" and v.shown_expected_text == "不能，永远分不对全部四个"
    assert not check(step, "yes", res).correct


def test_number_answers_within_the_tolerance():
    step = lessons.load("backprop_by_hand").steps[1]  # δ, ±0.002
    res = result_of("backprop_by_hand", 1)
    key = expected_answer(step, res)
    assert check(step, key + 0.0019, res).correct and not check(step, key + 0.0021, res).correct
    assert check(step, f"−{abs(key):.4f}", res).correct  # a typed minus sign
    assert check(step, f"-{abs(key):.4f}".replace(".", ","), res).correct  # a decimal comma
    v = check(step, "-0.15", res, "en")
    assert v.shown_expected_text == f"{key:.4g} (±0.002)" and v.shown_answer_text == "-0.15"
    with pytest.raises(LessonError, match="a finite number"):
        check(step, "about a half", res)


def test_layer_neuron_and_order_answers():
    les = lessons.load("vanishing_gradients")
    res = result_of("vanishing_gradients", 0)
    assert check(les.steps[0], "W0", res).correct and check(les.steps[0], 0, res).correct
    assert not check(les.steps[0], "W8", res).correct
    assert check(les.steps[0], 3, res).shown_expected_text == "W0"
    step = lessons.load("backprop_by_hand").steps[3]
    res = result_of("backprop_by_hand", 3)
    v = check(step, [3, 0], res)
    assert not v.correct and v.shown_expected_text == "out 1" and v.shown_answer_text == "out 0"
    assert check(step, (3, 1), res).correct
    step = lessons.load("optimisers").steps[1]
    res = result_of("optimisers", 1)
    assert check(step, ["momentum", "adam", "sgd"], res).correct
    assert not check(step, ["adam", "momentum", "sgd"], res).correct
    with pytest.raises(LessonError, match="every one of"):
        check(step, ["adam", "sgd"], res)


def test_a_point_question(tmp_path):
    """The board-click kind: a fixed key and a radius (no shipped lesson asks one yet)."""
    doc = copy.deepcopy(EXAMPLE)
    step0 = doc["steps"][0]
    step0["question"] = {"kind": "point", "prompt": {"en": "Click.", "zh": "点击。"}, "radius": 0.25}
    step0["answer"] = {"fixed": [0.5, 0.5]}
    les = parse_lesson(doc, "lessons/my_first_lesson.json", "my_first_lesson")
    step = les.steps[0]
    res = RunResult("epochs", seed=0)
    assert check(step, (0.6, 0.6), res).correct and not check(step, (0.8, 0.5), res).correct
    assert check(step, (0.6, 0.6), res).shown_expected_text == "(0.50, 0.50)"
    step0["question"].pop("radius")
    with pytest.raises(LessonError, match=r"steps\[0\]\.question\.radius: missing"):
        parse_lesson(doc, "lessons/my_first_lesson.json", "my_first_lesson")


def test_the_page_session_is_trained_in_place():
    """run_step on the page's session trains that session (its board then shows the run)."""
    from engine.config import parse_config
    from engine.session import Session

    step = lessons.load("xor").steps[0]
    s = Session(parse_config(step.config()))
    res = run_step(step, s)
    assert res.session is s and s.epoch == step.run.epochs and res.as_authored
    again = run_step(step, s)  # trained already: the student's own run, not the lesson's
    assert not again.as_authored


def test_the_command_line(capsys, tmp_path):
    from playground.lessons.__main__ import main

    assert main(["list"]) == 0
    assert "backprop_by_hand" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    assert main(["check", str(bad)]) == 2
    assert "name: missing" in capsys.readouterr().err


def test_all_steps_run_in_well_under_two_minutes():
    """Every step's run (measured where this session ran it first; compilation included, from the persistent
    cache where warm)."""
    for name, i in STEPS:
        result_of(name, i)
    total = sum(_SECONDS)
    print(f"lesson runs: {total:.1f} s for {len(STEPS)} steps")
    assert total < 120
