"""An imported state is a stranger's document (issue 15): every number in its weights and optimiser state is a
JSON number that fits where it goes, or the import is refused in one line naming the key; a seeded fuzzer over
exported states checks that an import either gives a session that trains or is refused that way (the page's
Import: parse_document, then Session, before anything on the page changes)."""

from __future__ import annotations

import copy
import json
import random
import warnings

import pytest

from engine.config import ConfigError, parse_document
from engine.session import Session
from tests.test_hostile import MAX_MESSAGE, _junk, one_line

ADAM = {"data": {"generator": "xor", "n": 40}, "hidden": [3], "optimizer": {"name": "adam", "learning_rate": 0.01}}
MOMENTUM = {
    "problem": "regression",
    "data": {"generator": "sine", "n": 30},
    "hidden": [4],
    "batch_size": None,
    "optimizer": {"name": "momentum"},
}


def exported(doc: dict) -> dict:
    s = Session(parse_document(json.dumps(doc)))
    s.train(3)
    return s.export()


@pytest.fixture(scope="module")
def adam_state() -> dict:
    return exported(ADAM)


def imported(doc: dict) -> Session:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a value cast out of its type's range warned, then wrapped
        return Session(parse_document(json.dumps(doc, allow_nan=True)))


@pytest.mark.parametrize("v", [True, False])
def test_a_boolean_among_the_weights_is_refused(v):
    """[[true], [0]] was taken as [[1], [0]] (NumPy makes one integer array of it)."""
    doc = {"hidden": [], "params": {"W0": [[v], [0]], "b0": [0]}}
    with pytest.raises(ConfigError, match=r"^params\.W0: must be finite numbers$"):
        imported(doc)


@pytest.mark.parametrize(
    "leaf,value,kind",
    [
        (0, 2**40, "int32"),  # the step count: wrapped to 0
        (5, 2.5, "int32"),  # cut to 2
        (6, [[1e39] * 3] * 2, "float32"),  # Adam's first moment: inf, then NaN on the next step
    ],
)
def test_an_optimiser_state_that_does_not_fit_its_type_is_refused(adam_state, leaf, value, kind):
    doc = copy.deepcopy(adam_state)
    doc["train_state"]["optimizer"][leaf] = value
    with pytest.raises(ConfigError) as e:
        imported(doc)
    assert one_line(e.value) == f"train_state.optimizer[{leaf}]: must be {kind} numbers"


def test_a_shuffling_key_must_be_whole_numbers(adam_state):
    doc = copy.deepcopy(adam_state)
    doc["train_state"]["key"][0] += 0.5
    with pytest.raises(ConfigError, match=r"^train_state\.key: must be 32-bit unsigned integers$"):
        imported(doc)


def test_an_exported_state_imports_and_trains_on(adam_state):
    s = imported(adam_state)
    assert s.epoch == 3
    s.train(1)
    assert s.epoch == 4 and s.divergence is None


def _leaves(d, path=()):
    """Every place in a document a fuzzer may change (the first and last item of each list)."""
    if isinstance(d, dict):
        for k, v in d.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(d, list) and d and len(path) < 6:
        for i in {0, len(d) - 1}:
            yield from _leaves(d[i], (*path, i))
    if path:
        yield path


ODD = [None, [], {}, "", 1e39, -1, 2**40, True, [[1, 2]], float("nan"), 0.5, -0.0, 3]


def test_fuzzed_imports_give_a_session_that_trains_or_one_line_naming_the_key():
    rng = random.Random(21)
    states = [exported(ADAM), exported(MOMENTUM)]
    outcomes = {"imported": 0, "refused": 0}
    for _ in range(300):
        doc = copy.deepcopy(rng.choice(states))
        places = list(_leaves(doc))
        for _ in range(rng.randrange(1, 3)):
            *up, last = rng.choice(places)
            d = doc
            try:
                for k in up:
                    d = d[k]
                old = d[last]
                if isinstance(old, (int, float)) and not isinstance(old, bool) and rng.random() < 0.5:
                    d[last] = old * rng.choice([-1, 0, 2, 0.5])  # a near value: often still a usable state
                else:
                    d[last] = _junk(rng) if rng.random() < 0.6 else rng.choice(ODD)
            except (KeyError, IndexError, TypeError):
                pass  # an earlier change removed the place
        try:
            s = imported(doc)
        except ConfigError as e:
            msg = one_line(e)
            key = msg.split(": ", 1)[0].split(".", 1)[0].split("[", 1)[0]
            assert key in doc or key == "config", msg  # names a key of the document
            outcomes["refused"] += 1
            continue
        s.train(1)  # an accepted import trains (or says it diverged) and reports
        assert s.epoch >= 1 or s.divergence is not None or not s.has_training_rows
        report = s.report()
        assert isinstance(report, dict) and len(json.dumps(report, default=str)) < 100 * MAX_MESSAGE
        outcomes["imported"] += 1
    assert outcomes["imported"] > 40 and outcomes["refused"] > 100, outcomes
