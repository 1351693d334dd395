"""Alignment of several mapper graphs: node coupling, joint layout, matching regions, motifs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_LAZY = {
    "node_coupling": ".coupling",
    "joint_layout": ".layout",
    "layout_quality": ".quality",
    "find_matching_regions": ".regions",
    "score_region": ".regions",
    "input_agreement": ".regions",
    "covered_share": ".regions",
    "Region": ".regions",
    "COUPLINGS": ".coupling",
    "find_motifs": ".motifs",
    "compare_motifs": ".motifs",
    "MOTIFS": ".motifs",
    "MotifResult": ".motifs",
    "MotifInstance": ".motifs",
    "MotifComparison": ".motifs",
}

# editors and type checkers see the lazy names (tests/test_packaging.py keeps this in step)
if TYPE_CHECKING:
    from .coupling import COUPLINGS, node_coupling  # noqa: F401
    from .layout import joint_layout  # noqa: F401
    from .motifs import (  # noqa: F401
        MOTIFS,
        MotifComparison,
        MotifInstance,
        MotifResult,
        compare_motifs,
        find_motifs,
    )
    from .quality import layout_quality  # noqa: F401
    from .regions import (  # noqa: F401
        Region,
        covered_share,
        find_matching_regions,
        input_agreement,
        score_region,
    )

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
