"""napari-topoalign: compare neural-network representations by their topology.

The public API is re-exported here; heavy submodules are imported on first use.
"""

from __future__ import annotations

import importlib

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
    "node_coupling": ".align",
    "joint_layout": ".align",
    "layout_quality": ".align",
    "find_matching_regions": ".align",
    "Region": ".align",
    "bubble_set": ".shapes",
    "load_digits_sample": ".datasets",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name: str):
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name], __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'napari_topoalign' has no attribute {name!r}")


def __dir__():
    return __all__
