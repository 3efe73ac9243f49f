"""Data sets: the points of a config (generated, inline or from a CSV file), the train/test split, CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, replace

import numpy as np

from engine import limits
from engine.config import Config
from engine.errors import CAUSE, ConfigError, DataError, shown
from engine.generators import RECORDS as GENERATOR_RECORDS
from engine.points import validate_points

MAX_CSV_BYTES = limits.MAX_UPLOAD_BYTES


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
            raise DataError("at most {n} points", n=limits.MAX_POINTS)
        if not np.isfinite(x).all() or (self.problem == "regression" and not np.isfinite(y).all()):
            raise DataError("points must be finite numbers")
        if self.problem == "classification" and ((y < 0) | (y >= self.classes)).any():
            raise DataError("labels must be 0..{last}", last=self.classes - 1)
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


# ---- generated, inline and CSV data ---------------------------------------------------------------


def split_mask(n: int, test_fraction: float, seed: int) -> np.ndarray:
    """A seeded train/test split: True marks the round(n·test_fraction) test points."""
    test = np.zeros(n, bool)
    n_test = min(round(n * test_fraction), n - 1) if n > 1 else 0
    test[np.random.default_rng(seed + 7919).permutation(n)[:n_test]] = True
    return test


def generate(
    name: str, n: int, noise: float = 0.1, seed: int = 0, classes: int = 2, test_fraction: float = 0.5
) -> Dataset:
    gen = GENERATOR_RECORDS.get(name)
    if gen is None:
        raise DataError("unknown generator {name!r}", name=name)
    x, y = gen.make(n, noise, classes, np.random.default_rng(seed))
    x, test = np.asarray(x, np.float32), split_mask(n, test_fraction, seed)
    if gen.problem == "classification":
        return Dataset(x, np.asarray(y, np.int32), test, "classification", int(classes))
    return Dataset(x, np.asarray(y, np.float32).reshape(n, 1), test, "regression")


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
        raise DataError("CSV is larger than {mb} MB", mb=MAX_CSV_BYTES // 1_000_000)
    if "\0" in text:
        raise DataError("this is not a text file (it holds binary data); save the table as CSV")
    text = text.removeprefix("\ufeff")  # Excel's "CSV UTF-8" starts with a byte-order mark
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # Windows, and old Mac Excel's bare CR
    first = next((line for line in text.splitlines() if line.strip()), "")
    sep = next((d for d in (";", "\t") if "," not in first and d in first), ",")  # European Excel writes ;
    try:
        rows = [r for r in csv.reader(io.StringIO(text), delimiter=sep) if any(c.strip() for c in r)]
    except csv.Error as e:
        raise DataError("not a readable CSV file ({why})", why=shown(str(e), 60)) from None
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
        raise DataError("CSV has {rows} rows; the limit is {n}", rows=len(rows), n=limits.MAX_POINTS)
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
            raise DataError("line {line}: expected {width} columns, got {got}", line=line, width=width, got=len(r))
        try:
            xs.append([float(r[i]) for i in xi])
            ys.append([float(r[i]) for i in yi])
        except ValueError:
            bad = next(r[i] for i in xi + yi if not _is_number(r[i]))
            raise DataError("line {line}: {bad!r} is not a number", line=line, bad=bad.strip()[:20]) from None
        if si:
            s = r[si[0]].strip().lower()
            if s not in ("train", "test"):
                raise DataError("line {line}: set must be train or test, got {got!r}", line=line, got=s[:20])
            test.append(s == "test")
    y = [v[0] for v in ys] if problem == "classification" or len(yi) == 1 else ys
    if problem == "classification" and len(yi) != 1:
        raise DataError("classification CSV needs exactly one label column")
    try:
        return from_points(xs, y, problem, classes, test=test if si else None, test_fraction=test_fraction, seed=seed)
    except DataError as e:
        raise DataError("CSV: {cause}", cause=e) from None


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
                raise DataError("cannot read {file}: {why}", file=shown(d["csv"], 60), why=e.strerror) from None
            except UnicodeDecodeError:
                raise DataError("{file} is not UTF-8 text", file=shown(d["csv"], 60)) from None
            return parse_csv(text, cfg.problem, d.get("classes"), cfg.test_fraction, cfg.seed)
        return from_points(
            d["x"], d["y"], cfg.problem, d.get("classes"), d.get("test"), test_fraction=cfg.test_fraction, seed=cfg.seed
        )
    except DataError as e:
        raise ConfigError(CAUSE, path="data", cause=e) from None
