"""Data sets: seeded generators, validation of inline points and CSV files, train/test split, CSV export."""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, replace

import numpy as np
from sklearn import datasets as skd

from engine import limits
from engine.config import ONE_D_GENERATORS, Config, ConfigError, shown

SCALE = 5.0  # generated 2-D data lies in about [-6, 6]², as in TensorFlow Playground
MAX_CSV_BYTES = limits.MAX_UPLOAD_BYTES


class DataError(ValueError):
    """Bad points or a bad CSV file; the message is one line."""


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray  # (n, d) float32, d = 1 or 2
    y: np.ndarray  # classification: (n,) int32 labels; regression: (n, m) float32 targets
    test: np.ndarray  # (n,) bool: True for a test point
    problem: str
    classes: int = 0  # 0 for regression

    @property
    def n(self) -> int:
        return len(self.x)

    @property
    def dim(self) -> int:
        return self.x.shape[1]

    @property
    def n_targets(self) -> int:
        return 1 if self.problem == "classification" else self.y.shape[1]

    def part(self, test: bool) -> tuple[np.ndarray, np.ndarray]:
        m = self.test == test
        return self.x[m], self.y[m]

    def add(self, x: np.ndarray, y: np.ndarray, test: bool = False) -> Dataset:
        """A data set with more points (validated, within the limit)."""
        x = np.asarray(x, np.float32).reshape(-1, self.dim)
        y = np.asarray(y, self.y.dtype).reshape((-1, *self.y.shape[1:]))
        if self.n + len(x) > limits.MAX_POINTS:
            raise DataError(f"at most {limits.MAX_POINTS} points")
        if not np.isfinite(x).all() or (self.problem == "regression" and not np.isfinite(y).all()):
            raise DataError("points must be finite numbers")
        if self.problem == "classification" and ((y < 0) | (y >= self.classes)).any():
            raise DataError(f"labels must be 0..{self.classes - 1}")
        return replace(
            self,
            x=np.concatenate([self.x, x]),
            y=np.concatenate([self.y, y]),
            test=np.concatenate([self.test, np.full(len(x), test)]),
        )

    def keep(self, mask: np.ndarray) -> Dataset:
        return replace(self, x=self.x[mask], y=self.y[mask], test=self.test[mask])

    def bounds(self, pad: float = 0.1) -> tuple[float, float, float, float]:
        """(x_min, x_max, y_min, y_max) of the inputs, padded; for 1-D data the second pair is the targets'."""
        if self.n == 0:
            return (-6.0, 6.0, -6.0, 6.0)
        a = self.x[:, 0]
        b = self.x[:, 1] if self.dim == 2 else self.y[:, 0]
        lo = np.array([a.min(), b.min()])
        hi = np.array([a.max(), b.max()])
        span = np.maximum(hi - lo, 1e-3)
        lo, hi = lo - pad * span, hi + pad * span
        short = hi - lo < 2.0  # one point, or points on a line: show at least ±1 around them
        mid = (lo + hi) / 2
        lo, hi = np.where(short, mid - 1.0, lo), np.where(short, mid + 1.0, hi)
        return (float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1]))


# ---- generators ---------------------------------------------------------------------------------


def _labels_xy(rng: np.random.Generator, x: np.ndarray, noise: float) -> np.ndarray:
    return (x + rng.normal(0.0, SCALE * noise, x.shape)).astype(np.float32)


def _circle(n, noise, k, rng):
    x, y = skd.make_circles(n, noise=noise, factor=0.5, random_state=rng.integers(2**31))
    return SCALE * x, 1 - y  # label 1 inside, as in TensorFlow Playground


def _xor(n, noise, k, rng):
    x = rng.uniform(-SCALE, SCALE, (n, 2))
    x += np.sign(x) * 0.3  # keep points off the axes
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    return _labels_xy(rng, x, noise), y


def _gaussians(n, noise, k, rng):
    angles = 2 * np.pi * np.arange(k) / k + np.pi / 4
    centres = 2.8 * np.stack([np.cos(angles), np.sin(angles)], 1)
    y = np.arange(n) % k
    x = centres[y] + rng.normal(0.0, 0.6 + 4 * noise, (n, 2))
    return x, y


def _spiral(n, noise, k, rng):
    y = np.arange(n) % k
    t = rng.uniform(0, 1, n)
    r = SCALE * t
    theta = 1.75 * 2 * np.pi * t + 2 * np.pi * y / k
    x = np.stack([r * np.sin(theta), r * np.cos(theta)], 1)
    return _labels_xy(rng, x, noise * 0.5), y


def _moons(n, noise, k, rng):
    x, y = skd.make_moons(n, noise=noise, random_state=rng.integers(2**31))
    return 2.5 * (x - [0.5, 0.25]), y


def _blobs(n, noise, k, rng):
    x, y = skd.make_blobs(
        n, centers=k, cluster_std=0.8 + 4 * noise, center_box=(-4.0, 4.0), random_state=rng.integers(2**31)
    )
    return x, y


TRUE_PLANE = (0.5, -0.3, 1.0)  # y = w1·x1 + w2·x2 + b, the seeds' linear regression


def _plane(n, noise, rng):
    x = rng.uniform(-SCALE - 1, SCALE + 1, (n, 2))
    w1, w2, b = TRUE_PLANE
    return x, w1 * x[:, 0] + w2 * x[:, 1] + b + rng.normal(0, SCALE * noise, n)


def _gaussian_bumps(n, noise, rng):
    x = rng.uniform(-SCALE - 1, SCALE + 1, (n, 2))
    bumps = [(-3, 2.5, 1.0), (0, 2.5, -1.0), (3, 2.5, 1.0), (-3, -2.5, -1.0), (0, -2.5, 1.0), (3, -2.5, -1.0)]
    y = sum(s * np.exp(-((x[:, 0] - cx) ** 2 + (x[:, 1] - cy) ** 2) / 4.0) for cx, cy, s in bumps)
    return x, y + rng.normal(0, noise, n)


def _sine(n, noise, rng):
    x = rng.uniform(-math.pi, math.pi, (n, 1))
    return x, np.sin(x[:, 0]) + rng.normal(0, noise, n)


def _square(n, noise, rng):
    x = rng.uniform(-2.0, 2.0, (n, 1))
    return x, x[:, 0] ** 2 + rng.normal(0, noise, n)


CLASSIFIERS = {
    "circle": _circle,
    "xor": _xor,
    "gaussians": _gaussians,
    "spiral": _spiral,
    "moons": _moons,
    "blobs": _blobs,
}
REGRESSORS = {"plane": _plane, "gaussian_bumps": _gaussian_bumps, "sine": _sine, "square": _square}


def split_mask(n: int, test_fraction: float, seed: int) -> np.ndarray:
    """A seeded train/test split: True marks the round(n·test_fraction) test points."""
    test = np.zeros(n, bool)
    n_test = min(round(n * test_fraction), n - 1) if n > 1 else 0
    test[np.random.default_rng(seed + 7919).permutation(n)[:n_test]] = True
    return test


def generate(
    name: str, n: int, noise: float = 0.1, seed: int = 0, classes: int = 2, test_fraction: float = 0.5
) -> Dataset:
    rng = np.random.default_rng(seed)
    if name in CLASSIFIERS:
        x, y = CLASSIFIERS[name](n, noise, classes, rng)
        return Dataset(
            np.asarray(x, np.float32),
            np.asarray(y, np.int32),
            split_mask(n, test_fraction, seed),
            "classification",
            int(classes),
        )
    if name in REGRESSORS:
        x, y = REGRESSORS[name](n, noise, rng)
        y = np.asarray(y, np.float32).reshape(n, 1)
        return Dataset(np.asarray(x, np.float32), y, split_mask(n, test_fraction, seed), "regression")
    raise DataError(f"unknown generator {name!r}")


# ---- validation and CSV -------------------------------------------------------------------------


def _all_numbers(row) -> bool:
    """Every entry a real number (JSON numbers or NumPy ones): not a string, a boolean or a nested list."""
    if isinstance(row, np.ndarray):
        return row.dtype.kind in "iuf"
    return all(
        isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)) for v in row
    )


def validate_points(x, y, problem: str, classes: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Check inline points: finite numbers, 1-D or 2-D inputs, labels 0..k-1, at most the row limit."""
    if not isinstance(x, (list, np.ndarray)) or not isinstance(y, (list, np.ndarray)):
        raise DataError("x and y must be lists")
    if len(x) != len(y):
        raise DataError(f"x has {len(x)} rows but y has {len(y)}")
    if len(x) == 0:
        raise DataError("no points")
    if len(x) > limits.MAX_POINTS:
        raise DataError(f"{len(x)} rows is more than the limit of {limits.MAX_POINTS}")
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
        raise DataError(f"x must be finite numbers within ±{limits.MAX_ABS_COORD:g}")
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
                f"labels must be 0..{limits.MAX_CLASSES - 1} (at most {limits.MAX_CLASSES} classes), "
                f"found {int(ya.max())}"
            )
        k = int(classes) if classes else max(int(ya.max()) + 1, 2)
        if not limits.MIN_CLASSES <= k <= limits.MAX_CLASSES:
            raise DataError(f"{k} classes; the playground has {limits.MIN_CLASSES} to {limits.MAX_CLASSES}")
        if ya.max() >= k:
            raise DataError(f"labels must be 0..{k - 1}, found {int(ya.max())}")
        return xa.astype(np.float32), ya.astype(np.int32), k
    ya = ya.reshape(len(ya), -1)
    if ya.shape[1] == 0:
        raise DataError("each point needs a target value")
    if ya.shape[1] > limits.MAX_OUTPUTS:
        raise DataError(f"at most {limits.MAX_OUTPUTS} targets per point")
    if np.abs(ya).max() > limits.MAX_ABS_TARGET:
        raise DataError(
            f"targets must be within ±{limits.MAX_ABS_TARGET:g} (rescale the data: the loss would overflow float32)"
        )
    return xa.astype(np.float32), ya.astype(np.float32), 0


def from_points(x, y, problem: str, classes: int | None = None, test=None, test_fraction=0.0, seed=0) -> Dataset:
    xa, ya, k = validate_points(x, y, problem, classes)
    t = np.asarray(test, bool) if test is not None else split_mask(len(xa), test_fraction, seed)
    return Dataset(xa, ya, t, problem, k)


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def parse_csv(
    text: str, problem: str, classes: int | None = None, test_fraction: float = 0.0, seed: int = 0
) -> Dataset:
    """CSV → Dataset. With a header, x* columns are inputs, an optional `set` column (anywhere) says
    train/test, the rest are targets; without one, the last column is the target. Without a `set` column a
    `test_fraction` of the rows is held out at random (seeded)."""
    if len(text) > MAX_CSV_BYTES:
        raise DataError(f"CSV is larger than {MAX_CSV_BYTES // 1_000_000} MB")
    if "\0" in text:
        raise DataError("this is not a text file (it holds binary data); save the table as CSV")
    text = text.removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with a byte-order mark
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # Windows, and old Mac Excel's bare CR
    first = next((line for line in text.splitlines() if line.strip()), "")
    sep = next((d for d in (";", "\t") if "," not in first and d in first), ",")  # European Excel writes ;
    try:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=sep) if any(c.strip() for c in r)]
    except csv.Error as e:
        raise DataError(f"not a readable CSV file ({shown(str(e), 60)})") from None
    if sep == ";":  # … with decimal commas: 0,5 is 0.5
        rows = [[c.replace(",", ".") for c in r] for r in rows]
    if not rows:
        raise DataError("CSV is empty")
    header = None
    if not all(_is_number(c) for c in rows[0]):
        header = [c.strip().lower() for c in rows[0]]
        rows = rows[1:]
    if not rows:
        raise DataError("CSV has a header but no rows")
    if len(rows) > limits.MAX_POINTS:
        raise DataError(f"CSV has {len(rows)} rows; the limit is {limits.MAX_POINTS}")
    width = len(header) if header else len(rows[0])
    if header:
        xi = [i for i, h in enumerate(header) if h in ("x", "x1", "x2")]
        si = [i for i, h in enumerate(header) if h == "set"]
        yi = [i for i in range(width) if i not in xi and i not in si]
    else:
        xi, si, yi = list(range(width - 1)), [], [width - 1]
    if not 1 <= len(xi) <= 2 or not yi:
        raise DataError("CSV needs 1 or 2 input columns (x1, x2) and a target column")
    xs, ys, test = [], [], []
    for line, r in enumerate(rows, start=2 if header else 1):
        if len(r) != width:
            raise DataError(f"line {line}: expected {width} columns, got {len(r)}")
        try:
            xs.append([float(r[i]) for i in xi])
            ys.append([float(r[i]) for i in yi])
        except ValueError:
            bad = next(r[i] for i in xi + yi if not _is_number(r[i]))
            raise DataError(f"line {line}: {bad.strip()[:20]!r} is not a number") from None
        if si:
            s = r[si[0]].strip().lower()
            if s not in ("train", "test"):
                raise DataError(f"line {line}: set must be train or test, got {s[:20]!r}")
            test.append(s == "test")
    y = [v[0] for v in ys] if problem == "classification" or len(yi) == 1 else ys
    if problem == "classification" and len(yi) != 1:
        raise DataError("classification CSV needs exactly one label column")
    try:
        return from_points(xs, y, problem, classes, test=test if si else None, test_fraction=test_fraction, seed=seed)
    except DataError as e:
        raise DataError(f"CSV: {e}") from None


def to_csv(ds: Dataset) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    xcols = ["x1", "x2"][: ds.dim]
    ycols = (
        ["label"]
        if ds.problem == "classification"
        else (["y"] if ds.n_targets == 1 else [f"y{i + 1}" for i in range(ds.n_targets)])
    )
    w.writerow(xcols + ycols + ["set"])
    for x, y, t in zip(ds.x, ds.y, ds.test, strict=True):
        ys = [int(y)] if ds.problem == "classification" else [f"{v:.6g}" for v in y]
        w.writerow([f"{v:.6g}" for v in x] + ys + ["test" if t else "train"])
    return out.getvalue()


def load_dataset(cfg: Config) -> Dataset:
    """The config's data: a generator, inline points or a CSV file (errors name the config key)."""
    d = cfg.data
    try:
        if "generator" in d:
            return generate(d["generator"], d["n"], d["noise"], d["seed"], d.get("classes", 2), cfg.test_fraction)
        if "csv" in d:
            try:
                with open(d["csv"], encoding="utf-8-sig") as f:
                    text = f.read(MAX_CSV_BYTES + 1)
            except OSError as e:
                raise DataError(f"cannot read {shown(d['csv'], 60)}: {e.strerror}") from None
            except UnicodeDecodeError:
                raise DataError(f"{shown(d['csv'], 60)} is not UTF-8 text") from None
            return parse_csv(text, cfg.problem, d.get("classes"), cfg.test_fraction, cfg.seed)
        return from_points(
            d["x"], d["y"], cfg.problem, d.get("classes"), d.get("test"), test_fraction=cfg.test_fraction, seed=cfg.seed
        )
    except DataError as e:
        raise ConfigError(f"data: {e}") from None


def is_one_d(cfg: Config) -> bool:
    return cfg.data.get("generator") in ONE_D_GENERATORS
