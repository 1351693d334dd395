"""Alignment of several mapper graphs: node coupling, joint layout, matching regions, motifs."""

from __future__ import annotations

import importlib

_LAZY = {
    "node_coupling": ".coupling",
    "joint_layout": ".layout",
    "layout_quality": ".quality",
    "find_matching_regions": ".regions",
    "Region": ".regions",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
