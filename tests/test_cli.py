"""The command line: trains, refuses bad configs with exit 2, reports divergence with exit 3."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine.cli import main
from playground.resources import PRESETS_DIR

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted(PRESETS_DIR.glob("*.json"))


def write(tmp_path, doc, name="c.json"):
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def test_train_xor_to_95_percent(tmp_path, capsys):
    cfg = write(
        tmp_path,
        {
            "data": {"generator": "xor", "n": 500, "noise": 0.05, "seed": 1},
            "hidden": [8, 8],
            "optimizer": {"name": "adam", "learning_rate": 0.01},
        },
    )
    assert main(["train", cfg, "--epochs", "150", "--out", str(tmp_path / "out")]) == 0
    recs = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert len(recs) == 150 and recs[-1]["epoch"] == 150
    assert recs[-1]["test_accuracy"] >= 0.95
    assert {"train_loss", "test_loss", "train_accuracy", "grad_norm", "update_ratio", "weight_norm"} <= set(recs[0])
    assert len(recs[0]["grad_norm"]) == 3
    params = np.load(tmp_path / "out" / "params.npz")
    assert params["W0"].shape == (2, 8) and params["b2"].shape == (1,)
    err = capsys.readouterr().err
    assert "epochs/s" in err and "epoch 150/150" in err


def test_bad_config_exit_2_one_line(tmp_path):
    cfg = write(tmp_path, {"optimizer": {"name": "sgd", "learning_rate": -1}})
    r = subprocess.run(
        [sys.executable, "-m", "engine", "train", cfg, "--out", str(tmp_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert r.returncode == 2
    assert r.stderr.strip() == "config error: optimizer.learning_rate: must be > 0, got -1"


@pytest.mark.parametrize("text", ["{not json", "[1, 2]"])
def test_broken_json_exit_2(tmp_path, text):
    p = tmp_path / "c.json"
    p.write_text(text)
    assert main(["train", str(p), "--out", str(tmp_path)]) == 2


def test_divergence_exit_3_keeps_last_finite_state(tmp_path, capsys):
    cfg = write(
        tmp_path,
        {
            "problem": "regression",
            "data": {"generator": "plane", "n": 100},
            "hidden": [8],
            "activation": "relu",
            "optimizer": {"name": "sgd", "learning_rate": 3},
            "batch_size": None,
        },
    )
    assert main(["train", cfg, "--epochs", "200", "--out", str(tmp_path / "o")]) == 3
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "diverged at epoch" in err and "layer" in err
    params = np.load(tmp_path / "o" / "params.npz")
    assert all(np.isfinite(params[k]).all() for k in params.files)
    recs = json.loads((tmp_path / "o" / "metrics.json").read_text())
    assert all(r["train_loss"] is not None for r in recs)


def test_backprop_command_agrees_with_autodiff(tmp_path, capsys):
    out = tmp_path / "step.json"
    assert main(["backprop", str(PRESETS_DIR / "worked_2-2-2-2.json"), "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "δ1 = (δ2·W2ᵀ) ⊙ σ′(z1)" in text and "∂L/∂W0 = a0ᵀ·δ0" in text
    step = json.loads(out.read_text())
    assert step["max_diff_vs_autodiff"] < 1e-6
    np.testing.assert_allclose(step["z"][0], [[0.6, 1.3]], atol=1e-6)


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.stem)
def test_every_preset_trains_through_the_cli(preset, tmp_path):
    doc = json.loads(preset.read_text())
    epochs = doc.get("epochs", 1000)
    assert main(["train", str(preset), "--out", str(tmp_path), "--quiet"]) == 0
    recs = json.loads((tmp_path / "metrics.json").read_text())
    assert len(recs) == epochs
    if preset.stem == "xor_2-3-1":
        assert recs[-1]["train_accuracy"] == 1.0


def test_data_command_writes_csv(tmp_path):
    cfg = write(tmp_path, {"data": {"generator": "moons", "n": 40}})
    assert main(["data", cfg, "--csv", str(tmp_path / "d.csv")]) == 0
    lines = (tmp_path / "d.csv").read_text().splitlines()
    assert lines[0] == "x1,x2,label,set" and len(lines) == 41


@pytest.mark.parametrize("cmd", ["train", "backprop"])
def test_no_training_points_is_refused_in_one_line(tmp_path, cmd):
    """Every point held out for testing: refused with exit 2 (train looped for ever waiting for an epoch that a
    session with no training rows never runs)."""
    cfg = write(tmp_path, {"data": {"x": [[0, 0], [1, 1], [2, 2]], "y": [0, 1, 0], "test": [1, 1, 1]}})
    args = [cmd, cfg, *(["--epochs", "3", "--quiet", "--out", str(tmp_path / "o")] if cmd == "train" else [])]
    r = subprocess.run([sys.executable, "-m", "engine", *args], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr[-500:]
    assert r.stderr.splitlines()[-1] == "config error: data: no training points (every point is a test point)"
