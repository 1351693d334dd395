"""``mapper_report``: is a mapper graph more than its cover?

A mapper graph whose every cover element holds one cluster is a picture of the cover, not of
the data: with a 1-D lens it is a path of one node per interval (or a few such paths), and
with a 2-D lens a grid. :func:`mapper_report` counts what tells such a graph apart from one
that shows structure (cover elements that split into several clusters, the share of inputs
left as noise, the largest node, components, cycles, branch points) and says in one line what
to change.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..model import MapperGraph

__all__ = ["MapperReport", "mapper_report"]

#: thresholds of the advice (shares of inputs or of clustered cover elements)
NOISE_HIGH = 0.30  # more inputs than this left as noise: the clusterer is too strict
LARGEST_HIGH = 0.25  # a node holding more than this share of the inputs: too coarse
SPLIT_LOW = 0.10  # fewer clustered elements than this split: little more than the cover
FRAGMENTED = 0.34  # more components than this share of the nodes: pieces, not a graph


@dataclass
class MapperReport:
    """What a mapper graph shows beyond its cover (see :func:`mapper_report`).

    Attributes
    ----------
    n_nodes, n_edges, n_inputs : int
    n_elements : int
        Cover elements that gave at least one node.
    n_split_elements : int
        Of those, the elements that gave two or more nodes.
    split_share : float
        ``n_split_elements / n_elements`` (0 for an empty graph).
    noise_share : float
        Share of the inputs in no node.
    largest_node : int
        Index of the largest node (-1 for an empty graph).
    largest_node_share : float
        Its size as a share of the inputs.
    n_components : int
        Connected components of the graph.
    n_cycles : int
        Independent cycles (the cycle rank ``E - V + C``).
    n_branch_points : int
        Nodes of degree three or more.
    is_cover_path : bool
        Every element holds one node and every component is a path: the graph is its cover.
    mean_purity : float or None
        Mean label purity of the nodes weighted by size (when the graph has labels).
    advice : str
        One plain-language line: what the graph shows, or what to change.
    """

    n_nodes: int
    n_edges: int
    n_inputs: int
    n_elements: int
    n_split_elements: int
    split_share: float
    noise_share: float
    largest_node: int
    largest_node_share: float
    n_components: int
    n_cycles: int
    n_branch_points: int
    is_cover_path: bool
    mean_purity: float | None = None
    advice: str = ""
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MapperReport:
        data = dict(data)
        data["warnings"] = list(data.get("warnings") or [])
        return cls(**data)

    def summary(self) -> str:
        """One line for a status bar: the counts and the advice."""
        if self.n_nodes == 0:
            return self.advice
        return (
            f"{self.n_split_elements}/{self.n_elements} elements split, "
            f"noise {100 * self.noise_share:.0f} %, largest node {100 * self.largest_node_share:.0f} %, "
            f"{self.n_components} component(s), {self.n_cycles} cycle(s), "
            f"{self.n_branch_points} branch point(s). {self.advice}"
        )


def mapper_report(graph: MapperGraph) -> MapperReport:
    """Report what a mapper graph shows beyond its cover, and what to change if nothing.

    Parameters
    ----------
    graph : MapperGraph
        A graph from :func:`~napari_topoalign.build_mapper` (its node table's
        ``cover_element`` column tells which nodes come from one element; without it every
        node counts as its own element).

    Returns
    -------
    MapperReport
        The counts, and in ``advice`` one line: the graph shows structure, or what to change
        (eps, clusterer, intervals, overlap, min_samples) and why. ``warnings`` holds every
        problem found, ``advice`` the most important one.

    Examples
    --------
    >>> r = mapper_report(build_mapper(X))          # doctest: +SKIP
    >>> r.split_share, r.noise_share, r.advice       # doctest: +SKIP
    """
    if not isinstance(graph, MapperGraph):
        raise TypeError(f"graph: expected a MapperGraph, got {type(graph).__name__}")
    n, n_in, n_e = graph.n_nodes, graph.n_inputs, graph.n_edges
    if n == 0:
        advice = (
            "The graph is empty: every cover element was too small or all noise. "
            "Use a larger eps, fewer intervals or a smaller min_samples."
        )
        return MapperReport(
            0,
            0,
            n_in,
            0,
            0,
            0.0,
            1.0 if n_in else 0.0,
            -1,
            0.0,
            0,
            0,
            0,
            False,
            None,
            advice,
            [advice],
        )
    sizes = np.diff(graph.membership.indptr).astype(np.int64)
    covered = np.zeros(n_in, dtype=bool)
    covered[graph.membership.indices] = True
    noise = 1.0 - covered.mean() if n_in else 0.0
    if "cover_element" in graph.nodes:
        elem = np.asarray(graph.nodes["cover_element"], dtype=np.int64)
    else:
        elem = np.arange(n)
    _, per_elem = np.unique(elem, return_counts=True)
    n_elem = len(per_elem)
    n_split = int((per_elem >= 2).sum())
    from .._utils.graph import connected_components

    n_comp, comp = connected_components(n, graph.edges)
    deg = np.bincount(graph.edges.ravel(), minlength=n) if n_e else np.zeros(n, dtype=np.int64)
    n_cycles = int(n_e - n + n_comp)
    n_branch = int((deg >= 3).sum())
    is_path = bool(n_split == 0 and n_cycles == 0 and n_branch == 0)
    largest = int(np.argmax(sizes))
    largest_share = float(sizes[largest] / n_in) if n_in else 0.0
    purity = None
    if "purity" in graph.nodes and n:
        p = np.asarray(graph.nodes["purity"], dtype=np.float64)
        purity = float((p * sizes).sum() / sizes.sum())
    split_share = n_split / n_elem if n_elem else 0.0

    found: list[str] = []
    clusterer = str(graph.params.get("clusterer", ""))
    if noise > NOISE_HIGH:
        if clusterer == "knn" or "KNNComponents" in clusterer:
            fix = (
                "a larger neighbourhood (clusterer=KNNComponents(n_neighbors=10)), more "
                "intervals (smaller elements) or a smaller min_samples"
            )
        else:
            fix = "a larger eps or a smaller min_samples, or clusterer='knn'"
        found.append(f"{100 * noise:.0f} % of the inputs are noise (in no node): use {fix}.")
    if is_path or split_share < SPLIT_LOW:
        what = (
            "a path of one cluster per interval"
            if is_path
            else (f"little more than its cover ({n_split} of {n_elem} elements split)")
        )
        if clusterer in ("dbscan", "single") or "DBSCAN" in clusterer:
            change = (
                "Use a clusterer that adapts to each element (clusterer='knn', the default, or "
                "'dbscan_local') or a smaller eps"
            )
        else:
            change = "Use more intervals, or clusterer='dbscan_local' or 'hdbscan'"
        found.append(
            f"The graph is {what}: the clusterer joins each cover element into one cluster. "
            f"{change}; or a lens that spreads the inputs more (e.g. pca1 of a reference)."
        )
    if largest_share > LARGEST_HIGH:
        found.append(
            f"One node holds {100 * largest_share:.0f} % of the inputs: use more intervals, a "
            "smaller eps or a balanced cover."
        )
    if n_comp > max(2, FRAGMENTED * n):
        found.append(
            f"The graph falls into {n_comp} components for {n} nodes: use a larger overlap, "
            "a larger eps or fewer intervals."
        )
    if found:
        advice = found[0]
    else:
        advice = (
            f"The graph shows structure beyond its cover ({n_split} of {n_elem} elements split, "
            f"{n_cycles} cycle(s), {n_branch} branch point(s))."
        )
    return MapperReport(
        n_nodes=int(n),
        n_edges=int(n_e),
        n_inputs=int(n_in),
        n_elements=int(n_elem),
        n_split_elements=n_split,
        split_share=float(split_share),
        noise_share=float(noise),
        largest_node=largest,
        largest_node_share=largest_share,
        n_components=int(n_comp),
        n_cycles=n_cycles,
        n_branch_points=n_branch,
        is_cover_path=is_path,
        mean_purity=purity,
        advice=advice,
        warnings=found,
    )
