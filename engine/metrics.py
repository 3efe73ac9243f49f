"""Final-evaluation metrics, through scikit-learn (R²: pooled over targets, as the training curve computes it)."""

import numpy as np
from sklearn import metrics as skm


def classification_report(labels: np.ndarray, probs: np.ndarray, classes: int, scores=None) -> dict:
    """Accuracy, per-class precision / recall / F1 (nan where undefined), the confusion matrix (rows: true
    class), and ROC AUC for two classes, of `scores` (class 1's unclipped output) where given, else of class 1's
    probability."""
    labels = np.asarray(labels, int)
    if len(labels) == 0:
        return {}
    pred = probs.argmax(-1)
    ks = list(range(classes))
    # nan, not 0, where a ratio is undefined (a class never predicted has no precision): the page shows "–"
    p, r, f, support = skm.precision_recall_fscore_support(labels, pred, labels=ks, zero_division=np.nan)
    out = {
        "accuracy": float(skm.accuracy_score(labels, pred)),
        "precision": p.tolist(),
        "recall": r.tolist(),
        "f1": f.tolist(),
        "support": support.tolist(),
        "confusion": skm.confusion_matrix(labels, pred, labels=ks).tolist(),
    }
    if classes == 2 and len(set(labels.tolist())) == 2:
        out["roc_auc"] = float(skm.roc_auc_score(labels, probs[:, 1] if scores is None else scores))
    return out


def pooled_r2(y: np.ndarray, pred: np.ndarray) -> float:
    """R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)², both sums over every target and point (ȳ per target): what the training
    curve computes. nan where the targets do not vary (Σ(y − ȳ)² ≤ 1e-12, the curve's rule too). For several
    targets with variance this is scikit-learn's `r2_score(…, multioutput="variance_weighted")`; a constant target
    counts here with its residual, where scikit-learn drops it."""
    y = np.asarray(y, np.float64).reshape(len(y), -1)
    pred = np.asarray(pred, np.float64).reshape(len(pred), -1)
    tot = float(((y - y.mean(0)) ** 2).sum())
    return 1.0 - float(((y - pred) ** 2).sum()) / tot if tot > 1e-12 else float("nan")


def regression_report(y: np.ndarray, pred: np.ndarray) -> dict:
    if len(y) == 0:
        return {}
    out = {"mse": float(skm.mean_squared_error(y, pred)), "mae": float(skm.mean_absolute_error(y, pred))}
    # one R² for several targets, as the training curve computes it: pooled over every target (see pooled_r2)
    out["r2"] = pooled_r2(y, pred)
    return out
