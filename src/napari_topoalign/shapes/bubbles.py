"""Bubble Sets: an isocontour around a set of nodes, routed around the other nodes.

Written from the published description of the method in C. Collins, G. Penn and
S. Carpendale, "Bubble Sets: Revealing Set Relations with Isocontours over Existing
Visualizations", IEEE TVCG 15(6), 2009:

1. **Virtual edges.** The members are joined into one connected structure: a minimum
   spanning tree over the members in which the graph's own edges between members cost
   (almost) nothing and any other pair costs its length times one plus the number of
   non-member nodes it passes. Each virtual edge that passes too close to a non-member is
   split at a point displaced around that obstacle, and the two halves are routed again, a
   few times at most.
2. **Energy field.** On a grid of square "pixel groups" over the members' bounding box plus
   a margin, every member node and every member edge (real or virtual) adds a positive
   energy ``w * ((R1 - d) / (R1 - R0)) ** 2`` that falls from ``w`` at distance ``R0`` to
   zero at ``R1``; every non-member node subtracts the same falloff times a negative weight,
   but only where some positive energy is present.
3. **Isocontour.** Marching squares (:func:`skimage.measure.find_contours`) at the energy
   threshold gives the outline.
4. **Relaxation.** While the members do not all lie in one connected region above the
   threshold, the negative weight and the threshold are lowered step by step (the last step
   has no negative energy at all, so the members always end up connected through the virtual
   edges).

The output is a list of simple polygons (one per connected region that holds members,
usually one), in the coordinates of ``positions``. Every member lies strictly inside.

The code follows these steps: :mod:`._bubble_params` (parameters, defaults as multiples of
the node spacing, input checks), :mod:`._routing` (1), :mod:`._field` (2), :mod:`._outline`
(3, 4 and the holes), :mod:`._contour` (ring geometry: simple polygons). This module holds
the public functions.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.spatial import cKDTree

from .._utils.params import declare_params
from .._utils.progress import ProgressFn
from .._utils.validation import check_callable
from ._bubble_params import (  # noqa: F401  (the parameters and checks, re-exported)
    _PARAM_NAMES,
    BUBBLE_PARAMS,
    _check_edges,
    _check_nodes,
    _check_positions,
    _make_params,
    _Params,
    _positive,
    default_scale,
)
from ._field import _Grid, _obstacle_reach  # noqa: F401
from ._outline import _bubble, _holes_and_cuts  # noqa: F401
from ._routing import _virtual_edges  # noqa: F401

__all__ = ["bubble_set", "bubble_sets", "default_scale", "BUBBLE_PARAMS"]


def _prepare(positions, edges, params, scale):
    pos = _check_positions(positions)
    e = _check_edges(edges, len(pos))
    if scale is None:
        scale = default_scale(pos)
    elif len(pos) > 1:
        extent = float(np.ptp(pos, axis=0).max())
        s = _positive("scale", scale)
        if extent > 0 and s < extent * 1e-9:
            raise ValueError(
                f"scale: {s:g} is below a billionth of the layout's extent ({extent:.3g}); give "
                "the typical node spacing (None: the median nearest-neighbour distance)"
            )
    unknown = sorted(set(params) - _PARAM_NAMES)
    if unknown:
        raise TypeError(f"unknown parameter(s) {unknown}; known: {sorted(_PARAM_NAMES)}")
    p = _make_params(scale, **params)
    return pos, e, p


def _member_edges(edges: np.ndarray, is_member: np.ndarray) -> np.ndarray:
    if len(edges) == 0:
        return edges
    sel = is_member[edges[:, 0]] & is_member[edges[:, 1]] & (edges[:, 0] != edges[:, 1])
    # each undirected edge once, in a canonical order (so every path sums the same terms)
    return np.unique(np.sort(edges[sel], axis=1), axis=0)


@declare_params(**BUBBLE_PARAMS)
def bubble_set(
    positions,
    members,
    *,
    edges=None,
    non_members=None,
    scale: float | None = None,
    **params,
) -> list[np.ndarray]:
    """Outline one set of nodes with a Bubble Set (Collins, Penn and Carpendale 2009).

    Parameters
    ----------
    positions : array-like of shape (n_nodes, 2)
        Node positions (x, y); the polygons come back in the same coordinates.
    members : array-like of int or bool
        The set: node indices, or a boolean mask of length ``n_nodes``.
    edges : array-like of shape (n_edges, 2), optional
        The graph's edges. Those joining two members get positive energy and are used
        before any virtual edge.
    non_members : array-like of int or bool, optional
        Nodes the outline should avoid (negative energy, routing obstacles). By default
        every node that is not a member.
    scale : float, optional
        The typical node spacing; all default lengths are multiples of it. By default the
        median nearest-neighbour distance of ``positions`` (see :func:`default_scale`).
    **params
        Tuning, all optional (lengths in position units):

        - ``pixel_size`` (0.2 scale): side of the grid's pixel groups;
        - ``node_r0``, ``node_r1`` (0.3, 0.8 scale): the member node falloff, energy
          ``node_weight`` at ``node_r0`` and 0 at ``node_r1``;
        - ``edge_r0``, ``edge_r1`` (0.2, 0.55 scale): the same for member edges (real and
          virtual);
        - ``nonmember_r0``, ``nonmember_r1`` (0.3, 0.8 scale): the same for non-members;
        - ``node_weight`` (1), ``edge_weight`` (1), ``nonmember_weight`` (-0.8);
        - ``threshold`` (1): the energy of the outline;
        - ``threshold_relax`` (0.4): the fraction by which the threshold is lowered by
          the last relaxation step;
        - ``max_iterations`` (8): relaxation steps; the negative weight falls linearly to 0
          at the last one;
        - ``route_margin`` (0.6 scale): how far virtual edges keep from non-members;
        - ``max_route_splits`` (6): how many bends one virtual edge may get;
        - ``virtual_edges`` (True): join the members with routed virtual edges;
        - ``simplify`` (0.15): drop outline vertices closer than this many pixel sizes to
          the chord of their neighbours (3 passes at most; 0 keeps every vertex of the
          marching squares);
        - ``hole_area`` (1 scale²): holes of the region at least this large stay open, and
          so does any hole holding a non-member; smaller empty holes are filled. An open
          hole is joined to the outside by a cut of (almost) zero width, so the polygon stays
          simple and shows the hole (a loop of members stays a ring);
        - ``max_cells`` (1,000,000): the most grid points of one set; a set spread far
          beyond its node spacing gets coarser pixels instead of unbounded memory.

    Returns
    -------
    list of ndarray of shape (k, 2)
        Simple polygons (counter-clockwise, first vertex not repeated), one per connected
        region holding members; empty when ``members`` is empty. Every member lies strictly
        inside one of them.

    Raises
    ------
    TypeError, ValueError
        Bad positions, node indices, edges or parameters (the message names which).
    """
    pos, e, p = _prepare(positions, edges, params, scale)
    n = len(pos)
    mem = _check_nodes(members, n, "members")
    if len(mem) == 0:
        return []
    is_member = np.zeros(n, dtype=bool)
    is_member[mem] = True
    if non_members is None:
        others = np.flatnonzero(~is_member)
    else:
        others = _check_nodes(non_members, n, "non_members")
        others = others[~is_member[others]]
    return _bubble(pos, mem, _member_edges(e, is_member), others, p)


@declare_params(**BUBBLE_PARAMS)
def bubble_sets(
    positions,
    sets: Sequence,
    *,
    edges=None,
    scale: float | None = None,
    progress: ProgressFn | None = None,
    **params,
) -> list[list[np.ndarray]]:
    """Bubble Sets for many sets of nodes of one layout at once.

    Each set avoids every node that is not in it. The work that the sets share (input
    checks, the node spacing, one KD-tree of all nodes to find the non-members near each set,
    the adjacency of the edges) is done once.

    Parameters
    ----------
    positions : array-like of shape (n_nodes, 2)
    sets : sequence of array-like of int or bool
        One member set per entry (indices or boolean masks).
    edges : array-like of shape (n_edges, 2), optional
    scale : float, optional
    progress : callable(fraction, message), optional
        Called after every few sets; raising from it stops the computation.
    **params
        As for :func:`bubble_set`.

    Returns
    -------
    list of list of ndarray
        For each set, the polygons :func:`bubble_set` would return for it.
    """
    progress = check_callable(progress, "progress", signature="progress(fraction, message)")
    pos, e, p = _prepare(positions, edges, params, scale)
    n = len(pos)
    if isinstance(sets, (str, bytes)) or isinstance(sets, dict):
        raise TypeError(f"sets: expected a sequence of member sets, got {type(sets).__name__}")
    if isinstance(sets, np.ndarray) and sets.dtype == bool and sets.ndim == 2:
        sets = list(sets)
    try:
        sets = list(sets)
    except TypeError as exc:
        raise TypeError(
            f"sets: expected a sequence of member sets, got {type(sets).__name__}"
        ) from exc
    tree = cKDTree(pos) if n else None
    reach = math.sqrt(2.0) * _obstacle_reach(p)
    out: list[list[np.ndarray]] = []
    is_member = np.zeros(n, dtype=bool)
    if len(e):
        # edges sorted by their first node, to pick each set's member edges quickly
        both = np.concatenate([e, e[:, ::-1]])
        both = both[both[:, 0] != both[:, 1]]
        order = np.argsort(both[:, 0], kind="stable")
        both = both[order]
        starts = np.searchsorted(both[:, 0], np.arange(n + 1))
    if progress is not None:  # cancellable before the first set
        progress(0.0, f"bubble sets: 0/{len(sets)}")
    for k, members in enumerate(sets):
        mem = _check_nodes(members, n, f"sets[{k}]")
        if len(mem) == 0:
            out.append([])
            continue
        is_member[mem] = True
        mpos = pos[mem]
        lo = mpos.min(axis=0)
        hi = mpos.max(axis=0)
        centre = 0.5 * (lo + hi)
        radius = 0.5 * float(np.hypot(*(hi - lo))) + reach
        cand = np.asarray(tree.query_ball_point(centre, radius), dtype=np.int64)
        cand = np.sort(cand[~is_member[cand]])
        if len(e):
            idx = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in mem])
            sub = both[idx]
            sub = np.unique(sub[is_member[sub[:, 1]] & (sub[:, 0] < sub[:, 1])], axis=0)
        else:
            sub = e
        out.append(_bubble(pos, mem, sub, cand, p))
        is_member[mem] = False
        if progress is not None and (k % 8 == 7 or k == len(sets) - 1):
            progress((k + 1) / len(sets), f"bubble sets: {k + 1}/{len(sets)}")
    return out
