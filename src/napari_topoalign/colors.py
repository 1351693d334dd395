"""One colour map for a whole comparison: labels, regions, highlights, continuous values.

Every view of a comparison (each graph layer of the viewer, the inputs, the legend, the
regions table, the publication figure) takes its colours from here, so that one label has
one colour everywhere and comparing graphs by colour means something:

- :func:`label_colors` maps every label of the inputs to a colour by the label's rank in the
  sorted set of all labels of the comparison (not by the order in which labels happen to
  appear in one graph): saturated, mid-light colours (matplotlib's ``tab10``, then the
  darker halves of ``tab20b``, then evenly spaced hues);
- :func:`region_colors` gives matching regions, by rank, colours of another family: light
  pastel tints, drawn as faint fills with a strong outline, that cannot be taken for a
  label's node colour;
- :data:`HIGHLIGHT` (white) marks the nodes that hold selected inputs: neither a label
  colour nor the end of a colormap;
- :data:`CONTINUOUS` (``"viridis"``) colours numeric node features; :func:`continuous_colors`
  maps values to it.

Colours are ``"#rrggbb"`` strings or RGBA float arrays; no plotting library is imported.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterable

import numpy as np

__all__ = [
    "LABEL_PALETTE",
    "REGION_PALETTE",
    "HIGHLIGHT",
    "NODE_BORDER",
    "UNLABELLED",
    "CONTINUOUS",
    "label_colors",
    "label_color_array",
    "region_colors",
    "region_color",
    "continuous_colors",
    "to_rgba",
    "label_counts",
    "is_categorical",
]

#: Label colours, in rank order: tab10, then tab20b's darker halves (saturated, mid-light).
LABEL_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#5254a3",
    "#8ca252",
    "#bd9e39",
    "#ad494a",
    "#a55194",
)

#: Region colours, by rank: light pastel tints (ColorBrewer Pastel1/Set3-like), another
#: family than :data:`LABEL_PALETTE`; drawn as faint fills with an outline.
REGION_PALETTE = (
    "#fbe3a4",
    "#b3f0e6",
    "#f7c6e0",
    "#d6e9a5",
    "#c9d3f5",
    "#f9cfa8",
    "#e2c6f2",
    "#bfe6ff",
    "#f3f0b0",
    "#c2f0c2",
)

#: Border of nodes that hold selected inputs (and of the selected nodes themselves).
HIGHLIGHT = np.array([1.0, 1.0, 1.0, 1.0])
#: Border of all other nodes.
NODE_BORDER = np.array([0.12, 0.12, 0.12, 1.0])
#: Colour of nodes whose label is missing or unknown to the map.
UNLABELLED = "#4d4d4d"
#: Colormap of continuous node features (numbers).
CONTINUOUS = "viridis"


def _hex(rgb) -> str:
    r, g, b = (int(round(255 * min(max(float(c), 0.0), 1.0))) for c in rgb[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def to_rgba(colour, alpha: float = 1.0) -> np.ndarray:
    """``"#rrggbb"`` (or an RGB/RGBA sequence of floats in [0, 1]) -> RGBA float array."""
    if isinstance(colour, str):
        h = colour.lstrip("#")
        if len(h) != 6:
            raise ValueError(f"colour: expected '#rrggbb', got {colour!r}")
        rgb = [int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    else:
        rgb = [float(c) for c in list(colour)[:3]]
    return np.array(rgb + [float(alpha)])


def _extra_colour(k: int) -> str:
    """The ``k``-th colour beyond the palette: golden-angle hues, alternating lightness."""
    hue = (0.07 + 0.381966 * k) % 1.0
    light = (0.45, 0.6, 0.35)[k % 3]
    return _hex(colorsys.hls_to_rgb(hue, light, 0.75))


def _natural(value):
    """Sort key of a text label that compares its digit runs as numbers
    (``"251-500"`` after ``"1-250"``, before ``"1001-1250"``)."""
    parts = re.split(r"(\d+)", str(value))
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts if p != ""]


def _sorted_unique(labels) -> list:
    values = np.asarray(labels, dtype=object).ravel()
    keep = [
        _key(v)
        for v in values
        if v is not None and not (isinstance(v, (float, np.floating)) and np.isnan(v))
    ]
    uniq = set(keep)
    if all(isinstance(v, str) for v in uniq):
        return sorted(uniq, key=_natural)
    try:
        return sorted(uniq)
    except TypeError:  # mixed types: sort by their text
        return sorted(uniq, key=lambda v: (type(v).__name__, _natural(v)))


def _key(value):
    """A dictionary key for a label: NumPy scalars as Python scalars."""
    return value.item() if isinstance(value, np.generic) else value


def label_colors(labels: Iterable) -> dict:
    """One colour (``"#rrggbb"``) per distinct label, by the label's rank in the sorted
    set of ``labels``.

    Pass the labels of *all* inputs of a comparison (``cmp.representations.labels``), never
    those of one graph: the map is then the same for every graph, layer, widget and figure.
    Missing labels (None, NaN) get no entry (see :data:`UNLABELLED`).

    >>> label_colors([3, 1, 1, 2])
    {1: '#1f77b4', 2: '#ff7f0e', 3: '#2ca02c'}
    """
    if labels is None:
        return {}
    uniq = _sorted_unique(labels)
    return {
        _key(v): LABEL_PALETTE[k]
        if k < len(LABEL_PALETTE)
        else _extra_colour(k - len(LABEL_PALETTE))
        for k, v in enumerate(uniq)
    }


def label_color_array(values, colors: dict, alpha: float = 1.0) -> np.ndarray:
    """RGBA colours ``(n, 4)`` of ``values`` (labels) under the map ``colors``; values the
    map does not know get :data:`UNLABELLED`."""
    values = np.asarray(values, dtype=object).ravel()
    cache: dict = {}
    out = np.empty((len(values), 4))
    for i, v in enumerate(values):
        key = _key(v)
        try:
            rgba = cache[key]
        except (KeyError, TypeError):
            try:
                hexc = colors.get(key, UNLABELLED)
            except TypeError:
                hexc = UNLABELLED
            rgba = to_rgba(hexc, alpha)
            try:
                cache[key] = rgba
            except TypeError:
                pass
        out[i] = rgba
    return out


def region_color(rank: int) -> str:
    """The colour of the region ranked ``rank`` (0 = best), cycling through
    :data:`REGION_PALETTE`."""
    return REGION_PALETTE[int(rank) % len(REGION_PALETTE)]


def region_colors(n: int, alpha: float = 1.0) -> np.ndarray:
    """RGBA colours ``(n, 4)`` of the regions ranked ``0 .. n-1``."""
    return np.array([to_rgba(region_color(k), alpha) for k in range(int(n))]).reshape(int(n), 4)


def _viridis_table() -> np.ndarray:
    """A 9-stop approximation of viridis (enough for linear interpolation in figures and
    swatches; the viewer uses napari's own colormap of the same name)."""
    return np.array(
        [
            [0.267, 0.005, 0.329],
            [0.283, 0.141, 0.458],
            [0.254, 0.265, 0.530],
            [0.207, 0.372, 0.553],
            [0.164, 0.471, 0.558],
            [0.128, 0.567, 0.551],
            [0.135, 0.659, 0.518],
            [0.267, 0.749, 0.441],
            [0.478, 0.821, 0.318],
            [0.741, 0.873, 0.150],
            [0.993, 0.906, 0.144],
        ]
    )


def continuous_colors(values, limits: tuple[float, float] | None = None) -> np.ndarray:
    """RGBA colours ``(n, 4)`` of numbers on :data:`CONTINUOUS` between ``limits`` (default:
    the finite min and max of ``values``); NaN gets :data:`UNLABELLED`."""
    v = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(v)
    if limits is None:
        lo, hi = (float(v[finite].min()), float(v[finite].max())) if finite.any() else (0.0, 1.0)
    else:
        lo, hi = map(float, limits)
    t = np.clip((v - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    table = _viridis_table()
    pos = np.where(finite, t, 0.0) * (len(table) - 1)
    i = np.minimum(pos.astype(int), len(table) - 2)
    f = (pos - i)[:, None]
    rgb = (1 - f) * table[i] + f * table[i + 1]
    out = np.c_[rgb, np.ones(len(v))]
    out[~finite] = to_rgba(UNLABELLED)
    return out


def label_counts(labels) -> dict:
    """Number of inputs per label, in the order of :func:`label_colors`."""
    if labels is None:
        return {}
    values = np.asarray(labels, dtype=object).ravel()
    counts: dict = {}
    for v in values:
        key = _key(v)
        try:
            counts[key] = counts.get(key, 0) + 1
        except TypeError:
            continue
    return {k: counts.get(k, 0) for k in label_colors(labels)}


def is_categorical(column: str, values) -> bool:
    """Whether a node-table column is coloured by category (labels, text, booleans) rather
    than on the colormap (numbers). Columns named like labels are categories even when the
    labels are integers."""
    import pandas as pd

    if column in ("majority_label", "label") or str(column).endswith("label"):
        return True
    values = pd.Series(values) if not isinstance(values, pd.Series) else values
    return not (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values))
