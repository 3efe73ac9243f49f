"""Inline points checked before they become a data set: finite numbers, 1-D or 2-D inputs, labels 0..k-1, at most
the row limit. The config checks a document's points with it, the data sets build on it."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import limits
from engine.errors import DataError


def _all_numbers(row: Any) -> bool:
    """Every entry a real number (JSON numbers or NumPy ones): not a string, a boolean or a nested list."""
    if isinstance(row, np.ndarray):
        return row.dtype.kind in "iuf"
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in row
    )


def validate_points(x: Any, y: Any, problem: str, classes: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Check inline points: finite numbers, 1-D or 2-D inputs, labels 0..k-1, at most the row limit."""
    if not isinstance(x, (list, np.ndarray)) or not isinstance(y, (list, np.ndarray)):
        raise DataError("x and y must be lists")
    if len(x) != len(y):
        raise DataError("x has {nx} rows but y has {ny}", nx=len(x), ny=len(y))
    if len(x) == 0:
        raise DataError("no points")
    if len(x) > limits.MAX_POINTS:
        raise DataError("{rows} rows is more than the limit of {n}", rows=len(x), n=limits.MAX_POINTS)
    rows = [r if isinstance(r, (list, tuple, np.ndarray)) else [r] for r in x]
    if not all(_all_numbers(r) for r in rows):
        raise DataError("x must be rows of 1 or 2 numbers")
    try:
        xa = np.asarray(rows, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise DataError("x must be rows of 1 or 2 numbers") from None
    if xa.ndim != 2 or xa.shape[1] not in (1, 2):
        raise DataError("x must be rows of 1 or 2 numbers")
    if not np.isfinite(xa).all() or np.abs(xa).max() > limits.MAX_ABS_COORD:
        raise DataError("x must be finite numbers within ±{limit}", limit=format(limits.MAX_ABS_COORD, "g"))
    if not all(_all_numbers(v if isinstance(v, (list, tuple, np.ndarray)) else [v]) for v in y):
        raise DataError("y must be numbers (labels or targets) of equal length")
    try:
        ya = np.asarray(y, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise DataError("y must be numbers (labels or targets) of equal length") from None
    if not np.isfinite(ya).all():
        raise DataError("y must be finite numbers")
    if classes is not None and (
        isinstance(classes, bool) or not isinstance(classes, (int, float, np.integer)) or classes != int(classes)
    ):
        raise DataError("classes must be a whole number")
    if problem == "classification":
        if xa.shape[1] != 2:
            raise DataError("classification needs 2 input columns (x1, x2); for y over one x use curve fitting")
        if ya.ndim != 1 or (ya != np.round(ya)).any() or (ya < 0).any():
            raise DataError("classification labels must be whole numbers 0, 1, …")
        if ya.max() >= limits.MAX_CLASSES and not classes:
            raise DataError(
                "labels must be 0..{last} (at most {k} classes), found {found}",
                last=limits.MAX_CLASSES - 1,
                k=limits.MAX_CLASSES,
                found=int(ya.max()),
            )
        k = int(classes) if classes else max(int(ya.max()) + 1, 2)
        if not limits.MIN_CLASSES <= k <= limits.MAX_CLASSES:
            raise DataError(
                "{k} classes; the playground has {lo} to {hi}", k=k, lo=limits.MIN_CLASSES, hi=limits.MAX_CLASSES
            )
        if ya.max() >= k:
            raise DataError("labels must be 0..{last}, found {found}", last=k - 1, found=int(ya.max()))
        return xa.astype(np.float32), ya.astype(np.int32), k
    ya = ya.reshape(len(ya), -1)
    if ya.shape[1] == 0:
        raise DataError("each point needs a target value")
    if ya.shape[1] > limits.MAX_OUTPUTS:
        raise DataError("at most {n} targets per point", n=limits.MAX_OUTPUTS)
    if np.abs(ya).max() > limits.MAX_ABS_TARGET:
        raise DataError(
            "targets must be within ±{limit} (rescale the data: the loss would overflow float32)",
            limit=format(limits.MAX_ABS_TARGET, "g"),
        )
    return xa.astype(np.float32), ya.astype(np.float32), 0
