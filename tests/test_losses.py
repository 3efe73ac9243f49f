"""One record per loss: its δ⁽ᴸ⁾ is jax.grad of its mean ℓ for every output it allows, and the views the page and
the config read (LOSSES, ALLOWED_OUTPUT, the tooltip, the implied output) come from the records."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from engine.losses import ALLOWED_OUTPUT, LOSSES, RECORDS, default_output, delta_formula, encode_targets, loss_tooltip

PAIRS = [(loss, out) for loss, r in RECORDS.items() for out in r.outputs]


@pytest.mark.parametrize("loss,out", PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_each_records_delta_is_the_gradient_of_its_mean_loss(loss, out):
    rng = np.random.default_rng(len(loss) * 7 + len(out))
    with jax.enable_x64(True):
        z = jnp.asarray(rng.normal(size=(5, 3)))
        if loss in ("bce", "cross_entropy"):
            y = encode_targets(rng.integers(0, 3, 5), 3, out).astype(z.dtype)
        else:
            y = jnp.asarray(rng.uniform(0, 1, size=(5, 3)))
        r = RECORDS[loss]
        auto = jax.grad(lambda v: r.per_sample(v, y, out).mean())(z)
        np.testing.assert_allclose(r.delta(z, y, out), auto, rtol=1e-9, atol=1e-12)
    assert delta_formula(loss, out).startswith(r"\delta^{(L)}" if not r.via_output or out != "softmax" else "g = ")


def test_the_views_come_from_the_records():
    assert LOSSES == ("mse", "half_sse", "bce", "cross_entropy")
    assert {k: r.outputs for k, r in RECORDS.items()} == ALLOWED_OUTPUT
    assert default_output("bce", "classification") == "sigmoid"
    assert default_output("cross_entropy", "classification") == "softmax"
    assert default_output("mse", "regression") == "linear" and default_output("mse", "classification") == "sigmoid"
    for loss in LOSSES:
        assert default_output(loss, "classification") in ALLOWED_OUTPUT[loss]
        assert RECORDS[loss].tex.startswith("L = ")


def test_the_loss_tooltip_has_one_line_per_loss():
    lines = loss_tooltip().split("\n\n")
    assert lines[0].startswith("auto:")
    assert [line.split(":")[0] for line in lines[1:]] == list(LOSSES)
    assert all("\n" not in r.tooltip for r in RECORDS.values())
