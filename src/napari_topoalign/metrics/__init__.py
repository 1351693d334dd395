"""Similarity measures between representations, and latent functional maps.

- :func:`cka` (linear / RBF, biased / debiased), :func:`svcca`, :func:`pwcca`,
  :func:`mutual_knn`, :func:`procrustes` (a distance): ``f(X, Y, **params) -> float``;
- :func:`lfm`: the latent functional map (Fumero et al. 2024) -> :class:`LFMResult`;
- :data:`MEASURES`: the registry of measures by name; :func:`similarity_matrix`: a measure
  for every pair of N representations, as a DataFrame.

See docs/metrics.md for every default and why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_LAZY = {
    "cka": ".similarity",
    "svcca": ".similarity",
    "pwcca": ".similarity",
    "mutual_knn": ".similarity",
    "procrustes": ".similarity",
    "lfm": ".functional_maps",
    "lfm_similarity": ".functional_maps",
    "LFMResult": ".functional_maps",
    "knn_graph": ".functional_maps",
    "laplacian_eigenbasis": ".functional_maps",
    "MEASURES": ".matrix",
    "similarity_matrix": ".matrix",
    "is_distance": ".matrix",
}

# editors and type checkers see the lazy names (tests/test_packaging.py keeps this in step)
if TYPE_CHECKING:
    from .functional_maps import LFMResult, knn_graph, laplacian_eigenbasis, lfm, lfm_similarity  # noqa: F401
    from .matrix import MEASURES, is_distance, similarity_matrix  # noqa: F401
    from .similarity import cka, mutual_knn, procrustes, pwcca, svcca  # noqa: F401

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
