"""Final-evaluation metrics, through scikit-learn."""

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


def regression_report(y: np.ndarray, pred: np.ndarray) -> dict:
    if len(y) == 0:
        return {}
    out = {"mse": float(skm.mean_squared_error(y, pred)), "mae": float(skm.mean_absolute_error(y, pred))}
    # one R² for several targets, as the training curve computes it: 1 − Σres/Σtot pooled over every target
    # (scikit-learn's variance_weighted average of the per-target R²; for one target the ordinary R²)
    out["r2"] = float(skm.r2_score(y, pred, multioutput="variance_weighted")) if len(y) > 1 else float("nan")
    return out
