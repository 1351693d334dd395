"""Geometry only: Bubble Sets and membranes as simple polygons (no napari, no Qt)."""

from __future__ import annotations

from .._lazy import lazy_names

_LAZY = {
    "bubble_set": ".bubbles",
    "bubble_sets": ".bubbles",
    "ring_is_simple": "._contour",
    "membrane": ".membranes",
    "Membrane": ".membranes",
}

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
