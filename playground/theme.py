"""Colours and type sizes shared by every view."""

CLASS_COLORS = ("#f28e2b", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b")  # class 0, 1, …
TRAIN_COLOR, TEST_COLOR, REG_COLOR, ACC_COLOR = "#1f77b4", "#f28e2b", "#7f7f7f", "#2ca02c"
LAYER_COLORS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6", "#9d755d", "#bab0ac")
DIVERGING = [[0.0, "#f28e2b"], [0.5, "#f7f7f7"], [1.0, "#1f77b4"]]  # orange ← 0 · 1 → blue
MISTAKE_COLOR = "#1a1a1a"  # the ring around a misclassified point: no class has this colour
SHADE_MAX = 0.6  # the shading behind class points stops at this much of a class colour: points stay visible
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def blend(hex_color: str, t: float) -> str:
    """hex colour mixed with white: t = 0 white, 1 the colour."""
    r, g, b = (int(hex_color[i : i + 2], 16) for i in (1, 3, 5))
    mix = lambda c: round(255 + (c - 255) * t)  # noqa: E731
    return f"#{mix(r):02x}{mix(g):02x}{mix(b):02x}"


def class_colorscale(k: int) -> list:
    """The shading of class probabilities, paler than the points drawn on it. Two classes: P(class 1) from
    orange through white to blue. k classes: z = class + confidence on [0, k], each class's band from pale to
    SHADE_MAX of its colour."""
    if k == 2:
        return [[0.0, blend(CLASS_COLORS[0], SHADE_MAX)], [0.5, "#f7f7f7"], [1.0, blend(CLASS_COLORS[1], SHADE_MAX)]]
    scale = []
    for c in range(k):
        lo, hi = c / k, (c + 1) / k
        top = blend(CLASS_COLORS[c], SHADE_MAX)
        scale += [[lo, blend(CLASS_COLORS[c], 0.12)], [hi - 1e-6 if c < k - 1 else hi, top]]
    return scale
