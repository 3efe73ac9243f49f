"""Config validation: one line naming the key; unknown keys refused."""

import json

import pytest

from engine.config import ConfigError, parse_config


@pytest.mark.parametrize(
    "doc,message",
    [
        ({"optimizer": {"name": "sgd", "learning_rate": -1}}, "optimizer.learning_rate: must be > 0, got -1"),
        (
            {"problem": "regression", "data": {"generator": "sine"}, "features": ["x1", "x2"]},
            "features: x2 needs 2-D input; curve fitting has x1",
        ),
        (
            {"problem": "regression", "data": {"x": [[0.0], [1.0]], "y": [0.0, 1.0]}, "features": ["x1*x2"]},
            "features: x1*x2 needs 2-D input",
        ),
        ({"optimizer": {"name": "adam", "b1": 2}}, "optimizer.b1: must be between"),
        ({"optimizer": {"name": "sgd", "momentum": 0.9}}, "optimizer.momentum: unknown key"),
        ({"optimizer": {"name": "lbfgs"}}, "optimizer.name: must be one of"),
        ({"hidden": [4] * 9}, "hidden: at most 8 hidden layers"),
        ({"hidden": [33]}, "hidden[0]: must be between 1 and 32"),
        ({"hidden": [2.5]}, "hidden[0]: must be a whole number"),
        ({"activation": "swish"}, "activation: must be one of"),
        ({"features": ["x3"]}, "features[0]: must be one of"),
        ({"colour": "red"}, "colour: unknown key"),
        ({"data": {"generator": "circle", "n": 10**7}}, "data.n: must be between"),
        ({"data": {"generator": "circle", "classes": 3}}, "data.classes: circle has 2 classes"),
        ({"data": {"generator": "plane"}}, "data.generator: must be one of"),
        ({"data": {"x": [[0, 0], [1, float("nan")]], "y": [0, 1]}}, "data: x must be finite"),
        ({"data": {"x": [[0, 0], [1, 1]], "y": [0, 7]}, "loss": "bce"}, "data"),
        ({"loss": "bce", "output_activation": "linear"}, "output_activation: bce needs sigmoid"),
        ({"problem": "regression", "data": {"generator": "plane"}, "loss": "cross_entropy"}, "loss: cross_entropy"),
        ({"batch_size": 0}, "batch_size: must be between"),
        ({"regularization": {"kind": "l3"}}, "regularization.kind"),
        ({"dropout": 1.5}, "dropout: must be between"),
        ({"schedule": {"name": "cosine", "decay_epochs": 0}}, "schedule.decay_epochs"),
        ({"seed": "x"}, "seed: must be a number"),
        ({"clip_norm": 0}, "clip_norm: must be > 0"),
    ],
)
def test_bad_configs_name_the_key(doc, message):
    with pytest.raises(ConfigError) as e:
        parse_config(doc)
    assert str(e.value).startswith(message) or message in str(e.value)
    assert "\n" not in str(e.value)


def test_defaults_and_round_trip():
    cfg = parse_config({})
    assert cfg.optimizer.name == "sgd" and cfg.hidden == (4, 2)
    again = parse_config(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg


def test_optimizer_hyperparameters_have_defaults():
    cfg = parse_config({"optimizer": {"name": "adamw", "learning_rate": 0.01, "weight_decay": 0.1}})
    assert dict(cfg.optimizer.hyper) == {"b1": 0.9, "b2": 0.999, "eps": 1e-8, "weight_decay": 0.1}


@pytest.mark.parametrize("path", ["/etc/passwd", "../../secret.csv", "/proc/self/fd/1", "data.csv"])
def test_a_document_from_the_page_never_names_a_server_file(path):
    """An imported state or a link must not make the server open one of its files (the CLI's config files may)."""
    with pytest.raises(ConfigError, match=r"^data\.csv: a file path is for config files on the command line"):
        parse_config({"data": {"csv": path}})
    assert parse_config({"data": {"csv": path}}, files=True).data["csv"] == path
