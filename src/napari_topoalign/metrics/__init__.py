"""Similarity measures between representations, and latent functional maps.

- :func:`cka` (linear / RBF, biased / debiased), :func:`svcca`, :func:`pwcca`,
  :func:`mutual_knn`, :func:`procrustes` (a distance): ``f(X, Y, **params) -> float``;
- :func:`lfm`: the latent functional map (Fumero et al. 2024) -> :class:`LFMResult`;
- :data:`MEASURES`: the registry of measures by name; :func:`similarity_matrix`: a measure
  for every pair of N representations, as a DataFrame.

See docs/metrics.md for every default and why.
"""

from __future__ import annotations

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

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
