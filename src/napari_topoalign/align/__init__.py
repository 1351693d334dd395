"""Alignment of several mapper graphs: node coupling, joint layout, matching regions, motifs."""

from __future__ import annotations

from .._lazy import lazy_names

_LAZY = {
    "node_coupling": ".coupling",
    "joint_layout": ".layout",
    "layout_quality": ".quality",
    "find_matching_regions": ".regions",
    "Region": ".regions",
    "find_motifs": ".motifs",
    "compare_motifs": ".motifs",
    "MOTIFS": ".motifs",
    "MotifResult": ".motifs",
    "MotifInstance": ".motifs",
    "MotifComparison": ".motifs",
}

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
