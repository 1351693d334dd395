"""napari-topoalign: compare neural-network representations by their topology.

The public API is re-exported here; heavy submodules are imported on first use.
"""

from __future__ import annotations

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
    "load_digits_sample": ".datasets",
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

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
__all__ = __all__ + ["__version__"]
