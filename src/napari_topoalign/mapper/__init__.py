"""Mapper graphs: lenses, covers, clustering, nerve."""

from .cluster import knee_eps
from .cover import Cover, make_cover
from .engine import EmptyGraphWarning, build_mapper
from .lenses import compute_lens

__all__ = ["build_mapper", "compute_lens", "make_cover", "Cover", "knee_eps", "EmptyGraphWarning"]
