"""What a session keeps of its past: per-epoch metrics and weight snapshots, both bounded in size."""

from __future__ import annotations

import numpy as np

from engine import limits
from engine.model import Params


class History:
    """Per-epoch metrics, kept at a bounded size: past `limits.MAX_HISTORY` epochs, every other record is dropped."""

    def __init__(self, cap: int = limits.MAX_HISTORY):
        self.cap, self.stride = cap, 1
        self.data: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.data.get("epoch", ()))

    def extend(self, m: dict[str, np.ndarray]) -> None:
        keep = m["epoch"] % self.stride == 0
        for k, v in m.items():
            v = v[keep]
            self.data[k] = np.concatenate([self.data[k], v]) if k in self.data else v
        while len(self) > self.cap:
            self.stride *= 2
            keep = self.data["epoch"] % self.stride == 0
            self.data = {k: v[keep] for k, v in self.data.items()}

    def records(self) -> list[dict]:
        keys = list(self.data)
        return [{k: _jsonable(self.data[k][i]) for k in keys} for i in range(len(self))]


class Snapshots:
    """Weights at some epochs for the history scrubber, at most `cap` of them: when full, every other one is
    dropped and the spacing between kept epochs doubles (memory stays bounded, epoch 0 is always kept)."""

    def __init__(self, cap: int = limits.MAX_SNAPSHOTS):
        self.cap, self.stride = cap, 1
        self.items: list[tuple[int, Params]] = []

    def __len__(self) -> int:
        return len(self.items)

    @property
    def epochs(self) -> list[int]:
        return [e for e, _ in self.items]

    def add(self, epoch: int, params: Params) -> None:
        if self.items and epoch - self.items[-1][0] < self.stride:
            return
        self.items.append((epoch, params))
        while len(self.items) > self.cap:
            self.stride *= 2
            self.items = self.items[::2]

    def at(self, epoch: int) -> tuple[int, Params]:
        """The snapshot at or just before `epoch`."""
        best = self.items[0]
        for it in self.items:
            if it[0] <= epoch:
                best = it
        return best


def _jsonable(v: object) -> object:
    v = np.asarray(v)
    if v.ndim:
        return [_jsonable(x) for x in v]
    if v.dtype == bool:
        return bool(v)
    if np.issubdtype(v.dtype, np.integer):
        return int(v)
    f = float(v)
    return f if np.isfinite(f) else None
