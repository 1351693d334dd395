"""Layer topology (HOLE: Xu et al., "HOLE: Homology-Oriented Layer Exploration"): the
persistent homology of every layer and the views read off it.

- :func:`persistence` -> :class:`Diagrams`: H0 exact for any number of inputs (minimum
  spanning tree), H1/H2 by ripser on farthest-point landmarks with a bottleneck bound;
  summaries (:func:`lifetimes`, :func:`persistence_entropy`, :func:`betti_curve`) and
  distances (:func:`diagram_distance`, :func:`diagram_distances`: bottleneck, Wasserstein);
- clusters read off H0: :func:`cluster_stages`, :func:`cluster_flow` (a :class:`Sankey`),
  :func:`heatmap_dendrogram`, :func:`blob_graph`, :func:`cluster_quality`;
- robustness: :func:`perturb`, :func:`representation_robustness`, :func:`model_robustness`
  (:func:`compress_mlp`, :func:`mlp_activations`), :func:`robustness_curves`;
- :func:`layer_topology`: all of it for a set of layers (what ``Comparison.topology`` keeps);
- :mod:`.plot`: matplotlib drawings of each (matplotlib imported on use).

See docs/topology.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_names

_LAZY = {
    "Diagrams": ".diagrams",
    "persistence": ".diagrams",
    "farthest_point_landmarks": ".diagrams",
    "lifetimes": ".diagrams",
    "persistence_entropy": ".diagrams",
    "betti_curve": ".diagrams",
    "diagram_distance": ".diagrams",
    "diagram_distances": ".diagrams",
    "minimum_spanning_tree": "._mst",
    "clusters_at": ".clusters",
    "Stages": ".clusters",
    "cluster_stages": ".clusters",
    "Sankey": ".clusters",
    "cluster_flow": ".clusters",
    "HeatmapDendrogram": ".clusters",
    "heatmap_dendrogram": ".clusters",
    "BlobGraph": ".clusters",
    "blob_graph": ".clusters",
    "cluster_quality": ".clusters",
    "mst_class_structure": ".clusters",
    "PERTURBATIONS": ".robustness",
    "perturb": ".robustness",
    "compress_mlp": ".robustness",
    "mlp_activations": ".robustness",
    "robustness_curves": ".robustness",
    "representation_robustness": ".robustness",
    "model_robustness": ".robustness",
    "layer_topology": ".report",
}

# editors and type checkers see the lazy names (tests/test_packaging.py keeps this in step)
if TYPE_CHECKING:
    from ._mst import minimum_spanning_tree  # noqa: F401
    from .clusters import (  # noqa: F401
        BlobGraph,
        HeatmapDendrogram,
        Sankey,
        Stages,
        blob_graph,
        cluster_flow,
        cluster_quality,
        cluster_stages,
        clusters_at,
        heatmap_dendrogram,
        mst_class_structure,
    )
    from .diagrams import (  # noqa: F401
        Diagrams,
        betti_curve,
        diagram_distance,
        diagram_distances,
        farthest_point_landmarks,
        lifetimes,
        persistence,
        persistence_entropy,
    )
    from .report import layer_topology  # noqa: F401
    from .robustness import (  # noqa: F401
        PERTURBATIONS,
        compress_mlp,
        mlp_activations,
        model_robustness,
        perturb,
        representation_robustness,
        robustness_curves,
    )

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
