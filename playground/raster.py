"""Arrays → colour images (a PNG data URI), for Plotly layout images: one image instead of thousands of cells."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def lut(colorscale: list, n: int = 256) -> np.ndarray:
    """(n, 3) uint8 colours of a Plotly colourscale [[pos, "#rrggbb"], …] sampled evenly on [0, 1]."""
    pos = np.array([p for p, _ in colorscale], float)
    rgb = np.array([[int(c[i : i + 2], 16) for i in (1, 3, 5)] for _, c in colorscale], float)
    t = np.linspace(0, 1, n)
    return np.stack([np.interp(t, pos, rgb[:, k]) for k in range(3)], 1).round().astype(np.uint8)


def colorize(z: np.ndarray, lo: float, hi: float, colorscale: list) -> np.ndarray:
    """(h, w) values → (h, w, 4) RGBA; NaN is transparent."""
    table = lut(colorscale)
    t = np.clip((np.nan_to_num(z, nan=lo) - lo) / max(hi - lo, 1e-12), 0, 1)
    rgba = np.zeros((*z.shape, 4), np.uint8)
    rgba[..., :3] = table[(t * 255).round().astype(int)]
    rgba[..., 3] = np.where(np.isnan(z), 0, 255)
    return rgba


def png(rgba: np.ndarray) -> bytes:
    """A minimal RGBA PNG (no dependencies): rows top to bottom."""
    h, w, _ = rgba.shape
    raw = b"".join(b"\x00" + rgba[i].tobytes() for i in range(h))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    head = struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b"")


def data_uri(rgba: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(rgba)).decode()
