"""The backprop step inspector: one explicit step (engine.backprop.Step) written out as formulas with numbers.

Pure functions from a Step to sections of LaTeX (rendered by st.latex / KaTeX, which Streamlit bundles). Layers
are numbered from 1 as in the textbook: W⁽ˡ⁾ is the engine's W{l-1}, a⁽⁰⁾ the input features.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import jax.numpy as jnp
import numpy as np
import optax

from engine.activations import DERIVATIVES, FORMULAS
from engine.backprop import Step
from engine.losses import RECORDS as LOSSES  # the engine's own record of each loss: one copy
from engine.losses import delta_formula
from engine.spec import Spec
from playground.i18n import N_, _

MAX_ROWS, MAX_COLS = 6, 6
DELTA = r"\delta"


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)  # LaTeX, one display formula each
    notes: list[str] = field(default_factory=list)  # plain markdown


def num(v: float, digits: int = 4) -> str:
    """A number as LaTeX: 4 significant digits, powers of ten written out."""
    v = float(v)
    if not np.isfinite(v):
        return r"\text{NaN}" if np.isnan(v) else (r"\infty" if v > 0 else r"-\infty")
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        s = f"{v:.{digits}g}"
        return s
    m, e = f"{v:.{digits - 1}e}".split("e")
    return rf"{m}{{\times}}10^{{{int(e)}}}"


def mat(a: np.ndarray, max_rows: int = MAX_ROWS, max_cols: int = MAX_COLS) -> str:
    """A vector or matrix as a bmatrix, elided with ⋯ / ⋮ beyond max_rows × max_cols."""
    a = np.atleast_2d(np.asarray(a, np.float64))
    r, c = a.shape
    rows = list(range(r)) if r <= max_rows else [*range(max_rows - 1), -1]
    cols = list(range(c)) if c <= max_cols else [*range(max_cols - 1), -1]
    out = []
    for i in rows:
        cells = [num(a[i, j]) for j in cols]
        if c > max_cols:
            cells.insert(max_cols - 1, r"\cdots")
        out.append(" & ".join(cells))
        if r > max_rows and i == rows[-2]:
            out.append(" & ".join([r"\vdots"] * len(cells)))
    body = r" \\ ".join(out)
    shape = rf"_{{{r}\times{c}}}" if r > max_rows or c > max_cols else ""
    return rf"\begin{{bmatrix}}{body}\end{{bmatrix}}{shape}"


WIDE_MATRICES = 1  # an equation with more matrices than this is stacked, one "= …" per line


def stacked(line: str) -> str:
    """A long chain a = b = c as an aligned block, one equals sign per line: shown in one line it ran past the
    column (the default 2-4-2-1 network's z = a·W + b = [a][W] + [b] = [z]) and was cut, with no scrollbar on
    systems that hide them. Splits only at top level (outside braces and environments)."""
    if line.count(r"\begin{bmatrix}") <= WIDE_MATRICES:
        return line
    parts, depth, env, start, i = [], 0, 0, 0, 0
    while i < len(line):
        if line.startswith(r"\begin{", i):
            env += 1
        elif line.startswith(r"\end{", i):
            env -= 1
        ch = line[i]
        depth += ch == "{"
        depth -= ch == "}"
        if ch == "=" and depth == 0 and env == 0:
            parts.append(line[start:i].strip())
            start = i + 1
        i += 1
    parts.append(line[start:].strip())
    if len(parts) < 3:
        return line
    rows = [rf"{parts[0]} &= {parts[1]}", *(rf"&= {q}" for q in parts[2:])]
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"


def sup(name: str, l: int) -> str:
    return rf"{name}^{{({l})}}"


def forward_section(step: Step, spec: Spec) -> Section:
    sec = Section(_("1 · Forward pass"))
    L = len(step.z)
    sec.notes.append(
        _(
            "a⁽⁰⁾ holds the input features ({features}), one row per example. Hidden σ = {act}; output σ = {out}."
        ).format(features=", ".join(spec.features), act=spec.activation, out=spec.out_act)
    )
    for l in range(1, L + 1):
        act = spec.out_act if l == L else spec.activation
        sec.lines.append(
            rf"{sup('z', l)} = {sup('a', l - 1)}{sup('W', l)} + {sup('b', l)} = "
            rf"{mat(step.a[l - 1])}{mat(step.weights[l - 1][0])} + {mat(step.weights[l - 1][1][None, :])}"
            rf" = {mat(step.z[l - 1])}"
        )
        sec.lines.append(rf"{sup('a', l)} = \sigma_{{\text{{{act}}}}}({sup('z', l)}) = {mat(step.a[l])}")
    sec.lines.append(FORMULAS[spec.activation])
    return sec


def loss_section(step: Step, spec: Spec, y: np.ndarray) -> Section:
    sec = Section(_("2 · Loss"))
    sec.lines.append(LOSSES[spec.loss].tex)
    sec.lines.append(rf"\hat y = {sup('a', len(step.z))} = {mat(step.a[-1])},\quad y = {mat(y)}")
    total = rf"L = {num(step.data_loss, 6)}"
    if step.reg_loss:
        total += rf" \;+\; \lambda R(W) = {num(step.data_loss)} + {num(step.reg_loss)} = {num(step.loss)}"
    sec.lines.append(total)
    return sec


def output_delta_formula(spec: Spec) -> str:
    """δ⁽ᴸ⁾ as the loss's record writes it for this output activation."""
    return delta_formula(spec.loss, spec.out_act)


def backward_section(step: Step, spec: Spec) -> Section:
    sec = Section(_("3 · Error terms δ, from the output back"))
    L = len(step.z)
    sec.lines.append(output_delta_formula(spec).replace("^{(L)}", f"^{{({L})}}") + rf" = {mat(step.delta[-1])}")
    for l in range(L - 1, 0, -1):
        sp = np.asarray(DERIVATIVES[spec.activation](jnp.asarray(step.z[l - 1])))
        sec.lines.append(
            rf"{sup(DELTA, l)} = ({sup(DELTA, l + 1)}\,{sup('W', l + 1)}{{}}^{{\!\top}}) \odot \sigma'({sup('z', l)})"
            rf" = \big({mat(step.delta[l])}{mat(step.weights[l][0].T)}\big) \odot {mat(sp)} = {mat(step.delta[l - 1])}"
        )
    if L == 1:
        sec.notes.append(_("No hidden layer: the output δ is the only error term."))
    return sec


def gradient_section(step: Step, spec: Spec, regularization: tuple[str, float] = ("none", 0.0)) -> Section:
    """The gradients, with the weight penalty's term where the config's regularisation (kind, rate) has one."""
    sec = Section(_("4 · Gradients"))
    kind, rate = regularization if regularization[1] > 0 else ("none", 0.0)
    rows = _("rows")  # of the batch: the bias gradient sums δ over them
    reg = {"l2": rf" + \lambda {sup('W', 'l')}", "l1": rf" + \lambda\,\mathrm{{sign}}({sup('W', 'l')})"}.get(kind, "")
    sec.lines.append(
        rf"\frac{{\partial L}}{{\partial {sup('W', 'l')}}} = {sup('a', 'l-1')}{{}}^{{\top}} {sup(DELTA, 'l')}{reg},"
        rf"\qquad \frac{{\partial L}}{{\partial {sup('b', 'l')}}} = "
        rf"\textstyle\sum_{{\text{{{rows}}}}} {sup(DELTA, 'l')}"
    )
    if reg:
        sec.notes.append(
            _("λ = {rate} ({kind} regularisation of the weights, not the biases).").format(rate=f"{rate:g}", kind=kind)
        )
    for l in range(1, len(step.z) + 1):
        sec.lines.append(
            rf"\frac{{\partial L}}{{\partial {sup('W', l)}}} = {mat(step.dW[l - 1])},\qquad"
            rf"\frac{{\partial L}}{{\partial {sup('b', l)}}} = {mat(step.db[l - 1][None, :])}"
        )
    if step.max_diff_vs_autodiff is not None:
        sec.notes.append(
            _("`jax.grad` of the same loss gives the same gradients: max |explicit − jax.grad| = {d}.").format(
                d=f"{step.max_diff_vs_autodiff:.2e}"
            )
        )
    return sec


UPDATE_FORMULAS = {
    "sgd": [r"W \leftarrow W - \eta\, g"],
    "momentum": [r"v \leftarrow \mu v + g", r"W \leftarrow W - \eta\, v"],
    "nesterov": [r"v \leftarrow \mu v + g", r"W \leftarrow W - \eta\,(g + \mu v)"],
    "adagrad": [r"G \leftarrow G + g^2", r"W \leftarrow W - \eta\, g / \sqrt{G + \epsilon}"],
    "rmsprop": [r"s \leftarrow \rho s + (1-\rho) g^2", r"W \leftarrow W - \eta\, g / \sqrt{s + \epsilon}"],
    "adam": [
        r"m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2",
        r"\hat m = m / (1-\beta_1^t),\quad \hat v = v / (1-\beta_2^t)",
        r"W \leftarrow W - \eta\, \hat m / (\sqrt{\hat v} + \epsilon)",
    ],
    "adamw": [
        r"m \leftarrow \beta_1 m + (1-\beta_1) g,\quad v \leftarrow \beta_2 v + (1-\beta_2) g^2",
        r"\hat m = m / (1-\beta_1^t),\quad \hat v = v / (1-\beta_2^t)",
        r"W \leftarrow W - \eta\,\big(\hat m / (\sqrt{\hat v} + \epsilon) + \lambda_w W\big)",
    ],
}
MOMENT_NAMES = {"mu": "m", "nu": "v", "trace": "v", "sum_of_squares": "G"}
# the step's numbers by the symbols of the formulas above (optax names them learning_rate, b1 …)
NUMBER_SYMBOLS = {
    "learning_rate": "η",
    "momentum": "μ",
    "decay": "ρ",
    "b1": "β₁",
    "b2": "β₂",
    "eps": "ε",
    "weight_decay": r"$\lambda_w$",
    "initial_accumulator_value": "G₀",
}
NUMBER_WORDS = {"max_norm": N_("clipping norm")}


def number_name(key: str) -> str:
    """One of the step's numbers as the update formulas write it (η, β₁ …), or in words (the clipping norm)."""
    return NUMBER_SYMBOLS.get(key) or _(NUMBER_WORDS.get(key, key))


RMS_NAME = {"rmsprop": "s"}


def _find(state, name: str):
    try:
        return optax.tree_utils.tree_get(state, name)
    except (KeyError, ValueError):
        return None


def optimizer_numbers(name: str, after) -> dict[str, object]:
    """The optimiser's state after the step: moments per layer (lists of (W, b)) and the step count t."""
    out: dict[str, object] = {}
    for key in ("mu", "nu", "trace", "sum_of_squares"):
        v = _find(after, key)
        if v is not None:
            label = RMS_NAME.get(name, MOMENT_NAMES[key]) if key == "nu" and name == "rmsprop" else MOMENT_NAMES[key]
            out[label] = v
    counts = [
        int(np.asarray(c))
        for p, c in optax.tree_utils.tree_get_all_with_path(after, "count")
        if "ScaleByAdam" in str(p) or name in ("adam", "adamw")
    ]
    if counts:
        out["t"] = max(counts)
    return out


def update_section(step: Step, spec: Spec, hyper: dict[str, float]) -> Section:
    name = spec.optimizer
    sec = Section(_("5 · Update ({name})").format(name=name))
    sec.lines += UPDATE_FORMULAS[name]
    shown = ", ".join(f"{number_name(k)} = {v:g}" for k, v in hyper.items() if k not in ("member",))
    sec.notes.append(
        _("Numbers of this step: {numbers}. g is ∂L/∂W (after clipping when it is on).").format(numbers=shown)
    )
    nums = optimizer_numbers(name, step.optimizer_after)
    if "t" in nums:
        t = nums["t"]
        b1, b2 = hyper.get("b1", 0.9), hyper.get("b2", 0.999)
        sec.lines.append(rf"t = {t}:\quad 1-\beta_1^t = {num(1 - b1**t)},\quad 1-\beta_2^t = {num(1 - b2**t)}")
    for l in range(1, len(step.z) + 1):
        W, b = step.weights[l - 1]
        dW, db = step.updates[l - 1]
        for label, tree in nums.items():
            if label == "t":
                continue
            sec.lines.append(rf"{label}_{{{sup('W', l)}}} = {mat(np.asarray(tree[l - 1][0]))}")
        W1, b1 = step.new_params[l - 1]
        dw, dbl = sup(r"\Delta W", l), sup(r"\Delta b", l)
        sec.lines.append(rf"{sup('W', l)} \leftarrow {sup('W', l)} + {dw} = {mat(W)} + {mat(dW)} = {mat(W1)}")
        sec.lines.append(
            rf"{sup('b', l)} \leftarrow {sup('b', l)} + {dbl} = "
            rf"{mat(b[None, :])} + {mat(db[None, :])} = {mat(b1[None, :])}"
        )
    return sec


def sections(
    step: Step,
    spec: Spec,
    y: np.ndarray,
    hyper: dict[str, float],
    regularization: tuple[str, float] = ("none", 0.0),
) -> list[Section]:
    """Everything the inspector shows, in reading order (`hyper`: the step's numbers by name, as printed;
    `regularization`: the config's (kind, rate))."""
    return [
        forward_section(step, spec),
        loss_section(step, spec, y),
        backward_section(step, spec),
        gradient_section(step, spec, regularization),
        update_section(step, spec, hyper),
    ]
