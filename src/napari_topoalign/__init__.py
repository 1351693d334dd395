"""napari-topoalign: compare neural-network representations by their topology.

The public API is re-exported here; heavy submodules are imported on first use.
"""

# ruff: noqa: F401  (the TYPE_CHECKING imports exist for editors only)

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_names

__version__ = "0.1.0"

_LAZY = {
    "Representations": ".model",
    "MapperGraph": ".model",
    "Layout": ".model",
    "Correspondence": ".model",
    "Comparison": ".session",
    "Cancelled": ".session",
    "build_mapper": ".mapper",
    "compute_lens": ".mapper",
    "mapper_report": ".mapper",
    "register_lens": ".mapper",
    "register_cover": ".mapper",
    "register_clusterer": ".mapper",
    "param_specs": ".mapper",
    "LENSES": ".mapper",
    "COVERS": ".mapper",
    "CLUSTERERS": ".mapper",
    "EmptyGraphWarning": ".mapper",
    "DegenerateGraphWarning": ".mapper",
    "node_coupling": ".align",
    "joint_layout": ".align",
    "layout_quality": ".align",
    "find_matching_regions": ".align",
    "Region": ".align",
    "find_motifs": ".align",
    "compare_motifs": ".align",
    "MOTIFS": ".align",
    "membrane": ".shapes",
    "bubble_set": ".shapes",
    "bubble_sets": ".shapes",
    "load_digits_sample": ".datasets",
    "persistence": ".topology",
    "Diagrams": ".topology",
    "layer_topology": ".topology",
    "cka": ".metrics",
    "svcca": ".metrics",
    "pwcca": ".metrics",
    "mutual_knn": ".metrics",
    "procrustes": ".metrics",
    "lfm": ".metrics",
    "LFMResult": ".metrics",
    "similarity_matrix": ".metrics",
    "MEASURES": ".metrics",
    "load_minilm_sample": ".datasets",
    "read_representations": ".io",
    "extract_hidden_states": ".extract",
    "collect_activations": ".extract",
}

# editors and type checkers see the lazy names (tests/test_packaging.py keeps this in step)
if TYPE_CHECKING:
    from .align import (
        MOTIFS,
        Region,
        compare_motifs,
        find_matching_regions,
        find_motifs,
        joint_layout,
        layout_quality,
        node_coupling,
    )
    from .datasets import load_digits_sample, load_minilm_sample
    from .extract import collect_activations, extract_hidden_states
    from .io import read_representations
    from .mapper import (
        CLUSTERERS,
        COVERS,
        LENSES,
        DegenerateGraphWarning,
        EmptyGraphWarning,
        build_mapper,
        compute_lens,
        mapper_report,
        param_specs,
        register_clusterer,
        register_cover,
        register_lens,
    )
    from .metrics import (
        MEASURES,
        LFMResult,
        cka,
        lfm,
        mutual_knn,
        procrustes,
        pwcca,
        similarity_matrix,
        svcca,
    )
    from .model import Correspondence, Layout, MapperGraph, Representations
    from .session import Cancelled, Comparison
    from .shapes import bubble_set, bubble_sets, membrane
    from .topology import Diagrams, layer_topology, persistence

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
__all__ = __all__ + ["__version__"]
