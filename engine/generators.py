"""Seeded point generators, one record per generator: its function, its problem, whether it makes more than two
classes or 1-D inputs. The names the config accepts are views of these records (one source)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from sklearn import datasets as skd

SCALE = 5.0  # generated 2-D data lies in about [-6, 6]², as in TensorFlow Playground
TRUE_PLANE = (0.5, -0.3, 1.0)  # y = w1·x1 + w2·x2 + b, the seeds' linear regression

Points = tuple[np.ndarray, np.ndarray]  # inputs (n, d); labels (n,) or targets (n,)


class Generator(NamedTuple):
    make: Callable[[int, float, int, np.random.Generator], Points]  # (n, noise, classes, rng) → (x, y)
    problem: str  # classification or regression
    multi_class: bool = False  # classification with any number of classes (else 2)
    one_d: bool = False  # one input x (curve fitting)


def _labels_xy(rng: np.random.Generator, x: np.ndarray, noise: float) -> np.ndarray:
    return (x + rng.normal(0.0, SCALE * noise, x.shape)).astype(np.float32)


def _circle(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    x, y = skd.make_circles(n, noise=noise, factor=0.5, random_state=rng.integers(2**31))
    return SCALE * x, 1 - y  # label 1 inside, as in TensorFlow Playground


def _xor(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    x = rng.uniform(-SCALE, SCALE, (n, 2))
    x += np.sign(x) * 0.3  # keep points off the axes
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    return _labels_xy(rng, x, noise), y


def _gaussians(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    angles = 2 * np.pi * np.arange(k) / k + np.pi / 4
    centres = 2.8 * np.stack([np.cos(angles), np.sin(angles)], 1)
    y = np.arange(n) % k
    x = centres[y] + rng.normal(0.0, 0.6 + 4 * noise, (n, 2))
    return x, y


def _spiral(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    y = np.arange(n) % k
    t = rng.uniform(0, 1, n)
    r = SCALE * t
    theta = 1.75 * 2 * np.pi * t + 2 * np.pi * y / k
    x = np.stack([r * np.sin(theta), r * np.cos(theta)], 1)
    return _labels_xy(rng, x, noise * 0.5), y


def _moons(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    x, y = skd.make_moons(n, noise=noise, random_state=rng.integers(2**31))
    return 2.5 * (x - [0.5, 0.25]), y


def _blobs(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    x, y = skd.make_blobs(
        n, centers=k, cluster_std=0.8 + 4 * noise, center_box=(-4.0, 4.0), random_state=rng.integers(2**31)
    )
    return x, y


def _plane(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    x = rng.uniform(-SCALE - 1, SCALE + 1, (n, 2))
    w1, w2, b = TRUE_PLANE
    return x, w1 * x[:, 0] + w2 * x[:, 1] + b + rng.normal(0, SCALE * noise, n)


def _gaussian_bumps(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    x = rng.uniform(-SCALE - 1, SCALE + 1, (n, 2))
    bumps = [(-3, 2.5, 1.0), (0, 2.5, -1.0), (3, 2.5, 1.0), (-3, -2.5, -1.0), (0, -2.5, 1.0), (3, -2.5, -1.0)]
    y = sum(s * np.exp(-((x[:, 0] - cx) ** 2 + (x[:, 1] - cy) ** 2) / 4.0) for cx, cy, s in bumps)
    return x, y + rng.normal(0, noise, n)


def _sine(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    x = rng.uniform(-math.pi, math.pi, (n, 1))
    return x, np.sin(x[:, 0]) + rng.normal(0, noise, n)


def _square(n: int, noise: float, k: int, rng: np.random.Generator) -> Points:
    x = rng.uniform(-2.0, 2.0, (n, 1))
    return x, x[:, 0] ** 2 + rng.normal(0, noise, n)


RECORDS: dict[str, Generator] = {
    "circle": Generator(_circle, "classification"),
    "xor": Generator(_xor, "classification"),
    "gaussians": Generator(_gaussians, "classification", multi_class=True),
    "spiral": Generator(_spiral, "classification", multi_class=True),
    "moons": Generator(_moons, "classification"),
    "blobs": Generator(_blobs, "classification", multi_class=True),
    "plane": Generator(_plane, "regression"),
    "gaussian_bumps": Generator(_gaussian_bumps, "regression"),
    "sine": Generator(_sine, "regression", one_d=True),
    "square": Generator(_square, "regression", one_d=True),
}

# Views of the records by property (one source: RECORDS)
CLASSIFICATION_GENERATORS = tuple(k for k, g in RECORDS.items() if g.problem == "classification")
REGRESSION_GENERATORS = tuple(k for k, g in RECORDS.items() if g.problem == "regression")
ONE_D_GENERATORS = tuple(k for k, g in RECORDS.items() if g.one_d)
MULTI_CLASS_GENERATORS = tuple(k for k, g in RECORDS.items() if g.multi_class)
GENERATORS = CLASSIFICATION_GENERATORS + REGRESSION_GENERATORS
