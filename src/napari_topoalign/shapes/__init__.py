"""Geometry only: Bubble Sets and membranes as simple polygons (no napari, no Qt)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_LAZY = {
    "bubble_set": ".bubbles",
    "bubble_sets": ".bubbles",
    "ring_is_simple": "._contour",
    "membrane": ".membranes",
    "Membrane": ".membranes",
}

# editors and type checkers see the lazy names (tests/test_packaging.py keeps this in step)
if TYPE_CHECKING:
    from ._contour import ring_is_simple  # noqa: F401
    from .bubbles import bubble_set, bubble_sets  # noqa: F401
    from .membranes import Membrane, membrane  # noqa: F401

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
