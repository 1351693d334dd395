"""Bubble Sets: the parameters (defaults as multiples of the node spacing) and the input checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from .._utils.params import Param
from .._utils.validation import check_array, check_bool, check_int, check_real

#: the most grid points one set's energy field may have (each float64 array of the field is
#: then 160 MB): larger grids would take minutes and gigabytes
MAX_CELLS_LIMIT = 20_000_000

#: the tunable parameters of :func:`~napari_topoalign.shapes.bubble_set` (lengths default to
#: multiples of the node spacing ``scale``; None means that default)
BUBBLE_PARAMS = {
    "scale": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="typical node spacing (empty: median nearest-neighbour distance)",
    ),
    "pixel_size": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="side of the grid's pixel groups (0.2 scale)",
    ),
    "node_r0": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="member node: full energy up to this distance (0.3 scale)",
    ),
    "node_r1": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="member node: no energy beyond this distance (0.8 scale)",
    ),
    "edge_r0": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="member edge: full energy up to this distance (0.2 scale)",
    ),
    "edge_r1": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="member edge: no energy beyond this distance (0.55 scale)",
    ),
    "nonmember_r0": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="non-member: full negative energy up to this distance (0.3 scale)",
    ),
    "nonmember_r1": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="non-member: no negative energy beyond this distance (0.8 scale)",
    ),
    "node_weight": Param(1.0, "float", low=0.0, low_open=True, help="energy of a member node"),
    "edge_weight": Param(1.0, "float", low=0.0, help="energy of a member edge"),
    "nonmember_weight": Param(-0.8, "float", high=0.0, help="(negative) energy of a non-member"),
    "threshold": Param(1.0, "float", low=0.0, low_open=True, help="energy of the outline"),
    "threshold_relax": Param(
        0.4,
        "float",
        low=0.0,
        high=1.0,
        high_open=True,
        help="how far the threshold falls by the last relaxation step",
    ),
    "max_iterations": Param(8, "int", low=1, high=1000, help="relaxation steps"),
    "route_margin": Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="how far virtual edges keep from non-members (0.6 scale)",
    ),
    "max_route_splits": Param(6, "int", low=0, high=100, help="bends one virtual edge may get"),
    "virtual_edges": Param(True, "bool", help="join the members with routed virtual edges"),
    "simplify": Param(
        0.15,
        "float",
        low=0.0,
        help="drop outline vertices closer than this many pixels to their neighbours' chord",
    ),
    "hole_area": Param(
        None,
        "float",
        low=0.0,
        none_ok=True,
        help="empty holes smaller than this are filled (1 scale^2)",
    ),
    "max_cells": Param(
        1_000_000,
        "int",
        low=1000,
        high=MAX_CELLS_LIMIT,
        help="most grid points of one set (coarser pixels beyond)",
    ),
}


# --------------------------------------------------------------------------------------------
# parameters and input checks
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Params:
    scale: float
    pixel_size: float
    node_r0: float
    node_r1: float
    edge_r0: float
    edge_r1: float
    nonmember_r0: float
    nonmember_r1: float
    node_weight: float
    edge_weight: float
    nonmember_weight: float
    threshold: float
    threshold_relax: float
    max_iterations: int
    route_margin: float
    max_route_splits: int
    virtual_edges: bool
    simplify: float
    hole_area: float
    max_cells: int


def default_scale(positions: np.ndarray) -> float:
    """The typical node spacing of a layout: the median distance from each node to its
    nearest distinct neighbour (1.0 when all nodes coincide)."""
    pts = np.asarray(positions, dtype=np.float64)
    if len(pts) < 2:
        return 1.0
    tree = cKDTree(pts)
    k = min(len(pts), 8)
    dist, _ = tree.query(pts, k=k)
    dist = np.where(dist > 0, dist, np.inf).min(axis=1)
    dist = dist[np.isfinite(dist)]
    if len(dist) == 0:
        return 1.0
    s = float(np.median(dist))
    return s if s > 0 else 1.0


#: the largest coordinate or length accepted: the energy field squares distances, and beyond
#: this they overflow float64
MAX_COORDINATE = 1e100


def _positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite real number > 0 (>= 0 with ``allow_zero``) and at most
    :data:`MAX_COORDINATE`; booleans and strings refused."""
    return check_real(value, name, low=0.0, low_open=not allow_zero, high=MAX_COORDINATE)


def _make_params(
    scale: float,
    *,
    pixel_size=None,
    node_r0=None,
    node_r1=None,
    edge_r0=None,
    edge_r1=None,
    nonmember_r0=None,
    nonmember_r1=None,
    node_weight=1.0,
    edge_weight=1.0,
    nonmember_weight=-0.8,
    threshold=1.0,
    threshold_relax=0.4,
    max_iterations=8,
    route_margin=None,
    max_route_splits=6,
    virtual_edges=True,
    simplify=0.15,
    hole_area=None,
    max_cells=1_000_000,
) -> _Params:
    s = _positive("scale", scale)

    def length(name, value, factor):
        return s * factor if value is None else _positive(name, value)

    node_r0 = length("node_r0", node_r0, 0.3)
    node_r1 = length("node_r1", node_r1, 0.8)
    edge_r0 = length("edge_r0", edge_r0, 0.2)
    edge_r1 = length("edge_r1", edge_r1, 0.55)
    nonmember_r0 = length("nonmember_r0", nonmember_r0, 0.3)
    nonmember_r1 = length("nonmember_r1", nonmember_r1, 0.8)
    for lo_name, lo, hi_name, hi in [
        ("node_r0", node_r0, "node_r1", node_r1),
        ("edge_r0", edge_r0, "edge_r1", edge_r1),
        ("nonmember_r0", nonmember_r0, "nonmember_r1", nonmember_r1),
    ]:
        if not lo < hi:
            raise ValueError(f"{lo_name}: must be smaller than {hi_name} ({lo} >= {hi})")
    pixel_size = length("pixel_size", pixel_size, 0.2)
    if pixel_size > node_r0:
        raise ValueError(
            f"pixel_size: {pixel_size} is larger than node_r0={node_r0}; members could fall outside"
        )
    if pixel_size < node_r0 * 1e-4:
        raise ValueError(
            f"pixel_size: {pixel_size:g} is below node_r0/10000 = {node_r0 * 1e-4:g}: the grid "
            f"would need about {(node_r1 / pixel_size) ** 2:.3g} points per node; use at least that"
        )
    node_weight = _positive("node_weight", node_weight)
    edge_weight = _positive("edge_weight", edge_weight, allow_zero=True)
    nonmember_weight = check_real(nonmember_weight, "nonmember_weight", high=0.0)
    threshold = _positive("threshold", threshold)
    threshold_relax = check_real(
        threshold_relax, "threshold_relax", low=0.0, high=1.0, high_open=True
    )
    max_iterations = check_int(max_iterations, "max_iterations", minimum=1, maximum=1000)
    route_margin = length("route_margin", route_margin, 0.6)
    max_route_splits = check_int(max_route_splits, "max_route_splits", minimum=0, maximum=100)
    virtual_edges = check_bool(virtual_edges, "virtual_edges")
    return _Params(
        scale=s,
        pixel_size=pixel_size,
        node_r0=node_r0,
        node_r1=node_r1,
        edge_r0=edge_r0,
        edge_r1=edge_r1,
        nonmember_r0=nonmember_r0,
        nonmember_r1=nonmember_r1,
        node_weight=node_weight,
        edge_weight=edge_weight,
        nonmember_weight=nonmember_weight,
        threshold=threshold,
        threshold_relax=threshold_relax,
        max_iterations=int(max_iterations),
        route_margin=route_margin,
        max_route_splits=int(max_route_splits),
        virtual_edges=virtual_edges,
        simplify=_positive("simplify", simplify, allow_zero=True),
        max_cells=_check_max_cells(max_cells),
        hole_area=s * s * 1.0
        if hole_area is None
        else _positive("hole_area", hole_area, allow_zero=True),
    )


def _check_max_cells(value) -> int:
    value = check_int(value, "max_cells", minimum=1000)
    if value > MAX_CELLS_LIMIT:
        raise ValueError(
            f"max_cells: at most {MAX_CELLS_LIMIT:,} grid points per set, got {value:,} (a grid "
            f"that large needs about {value * 8 * 4 / 1e9:.3g} GB for its energy arrays and "
            "minutes per set; the outline does not need it: pixels grow coarser instead)"
        )
    return value


_PARAM_NAMES = frozenset(name for name in _Params.__dataclass_fields__ if name != "scale")


def _check_positions(positions) -> np.ndarray:
    if isinstance(positions, np.ndarray) and positions.ndim == 2 and positions.shape[0] == 0:
        if positions.shape[1] != 2:
            raise ValueError(f"positions: expected shape (n_nodes, 2), got {positions.shape}")
        return np.zeros((0, 2))
    pos = check_array(positions, "positions", ndim=2, finite=False)
    if pos.shape[1] != 2:
        raise ValueError(f"positions: expected shape (n_nodes, 2), got {pos.shape}")
    pos = pos.astype(np.float64, copy=False)
    if not np.isfinite(pos).all():
        row = int(np.flatnonzero(~np.isfinite(pos).all(axis=1))[0])
        raise ValueError(f"positions: row {row} is not finite ({pos[row].tolist()})")
    big = float(np.abs(pos).max()) if pos.size else 0.0
    if big > MAX_COORDINATE:
        raise ValueError(
            f"positions: coordinates up to {big:.3g} are too large for the energy field (its "
            f"squared distances overflow beyond {MAX_COORDINATE:g}); rescale the layout"
        )
    return pos


def _check_nodes(nodes, n: int, name: str) -> np.ndarray:
    """Index array or boolean mask -> sorted unique int64 indices."""
    arr = np.asarray(nodes)
    if arr.dtype == object:
        raise TypeError(f"{name}: expected node indices or a boolean mask, got objects")
    if arr.ndim != 1:
        if arr.size == 0:
            return np.zeros(0, dtype=np.int64)
        raise ValueError(
            f"{name}: expected a 1-D index array or boolean mask, got shape {arr.shape}"
        )
    if arr.dtype == bool:
        if len(arr) != n:
            raise ValueError(
                f"{name}: boolean mask has length {len(arr)}, positions has {n} nodes"
            )
        return np.flatnonzero(arr).astype(np.int64)
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if not np.issubdtype(arr.dtype, np.integer):
        if (
            np.issubdtype(arr.dtype, np.floating)
            and np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
        ):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(
                f"{name}: expected integer node indices or a boolean mask, got dtype {arr.dtype}"
            )
    arr = arr.astype(np.int64)
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise ValueError(f"{name}: node index {int(arr[bad][0])} is out of range for {n} nodes")
    return np.unique(arr)


def _check_edges(edges, n: int) -> np.ndarray:
    if edges is None:
        return np.zeros((0, 2), dtype=np.int64)
    arr = np.asarray(edges)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"edges: expected shape (n_edges, 2), got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        if (
            np.issubdtype(arr.dtype, np.floating)
            and np.all(np.isfinite(arr))
            and np.all(arr == np.round(arr))
        ):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"edges: expected integer node indices, got dtype {arr.dtype}")
    arr = arr.astype(np.int64)
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        raise ValueError(f"edges: node index {int(arr[bad][0])} is out of range for {n} nodes")
    return arr
