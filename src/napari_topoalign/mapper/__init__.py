"""Mapper graphs: lenses, covers, clustering, nerve.

Lenses, covers and clusterers are registries of name -> function that users extend
(:func:`register_lens`, :func:`register_cover`, :func:`register_clusterer`) and the build
widget lists.
"""

from .._utils.params import param_specs
from . import _clusterers  # noqa: F401  (registers 'knn', 'hdbscan', 'single_gap', 'dbscan_local')
from ._clusterers import ElementDBSCAN, ElementHDBSCAN, GapSingleLinkage, KNNComponents
from .cluster import CLUSTERERS, knee_eps, register_clusterer
from .cover import COVERS, Cover, make_cover, register_cover
from .engine import DegenerateGraphWarning, EmptyGraphWarning, build_mapper
from .lenses import LENSES, compute_lens, register_lens
from .report import MapperReport, mapper_report

__all__ = [
    "build_mapper",
    "compute_lens",
    "make_cover",
    "Cover",
    "knee_eps",
    "EmptyGraphWarning",
    "DegenerateGraphWarning",
    "LENSES",
    "COVERS",
    "CLUSTERERS",
    "register_lens",
    "register_cover",
    "register_clusterer",
    "param_specs",
    "mapper_report",
    "MapperReport",
    "KNNComponents",
    "ElementDBSCAN",
    "ElementHDBSCAN",
    "GapSingleLinkage",
]
