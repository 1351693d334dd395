"""Clustering of all cover elements (the engine's hot loop)."""

from __future__ import annotations

import numpy as np


def cluster_elements(
    X, elements, *, clusterer, eps, min_samples, min_points, n_jobs=None, random_state=None, progress=None,
    lens=None, lens_is_l2norm=False,
):
    """Cluster every cover element; return ``[(element_index, member_indices), ...]`` in
    element order, then cluster-label order (KeplerMapper's node order)."""
    from .engine import cluster_one

    total = max(len(elements), 1)
    rows = []
    for i, members in enumerate(elements):
        if len(members) >= min_points:
            labels = cluster_one(X[members], clusterer, eps, min_samples, random_state)
            for lab in np.unique(labels):
                if lab != -1 and not (isinstance(lab, float) and np.isnan(lab)):
                    rows.append((i, members[labels == lab].astype(np.int64)))
        if progress is not None:
            progress((i + 1) / total, f"cover element {i + 1}/{total}")
    return rows
