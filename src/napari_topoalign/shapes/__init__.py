"""Geometry only: Bubble Sets and membranes as simple polygons (no napari, no Qt)."""

from __future__ import annotations

import importlib

_LAZY = {
    "bubble_set": ".bubbles",
    "bubble_sets": ".bubbles",
    "ring_is_simple": "._contour",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
