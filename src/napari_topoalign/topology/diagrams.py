"""Persistence diagrams of a representation: H0 exact, H1 (and H2) with ripser on landmarks.

Filtration: the Vietoris-Rips filtration, parameterised by the diameter of a simplex (an
edge enters at its length), as in ripser.

- **H0** is exact for any number of inputs: its finite deaths are the edge lengths of the
  minimum spanning tree of the complete graph (:mod:`._mst`), all births are 0, and one bar
  never dies.
- **H1, H2** come from ripser. With ``n_landmarks`` they are computed on ``n_landmarks``
  max-min (farthest-point) landmarks ``L`` of the inputs ``X``. With ``eps`` the covering
  radius ``max_x min_{l in L} d(x, l)`` (the Hausdorff distance of ``L`` and ``X``), the
  stability theorem of Rips persistence (Chazal, de Silva and Oudot, "Persistence stability
  for geometric complexes", Geom. Dedicata 2014, Thm. 5.2; with ``d_GH(X, L) <= d_H(X, L)``)
  gives, in this diameter convention,

      ``d_B(Dgm_k(Rips(X)), Dgm_k(Rips(L))) <= 2 d_GH(X, L) <= 2 eps``

  for every homology dimension ``k``. :attr:`Diagrams.cover_radius` is ``eps`` and
  :attr:`Diagrams.bound` is ``2 eps`` (0 without landmarks): every H1 bar of the full data
  longer than ``4 eps`` has a partner among the landmark bars, and the ends of matched
  bars differ by at most ``2 eps``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._utils.params import Param, declare_params
from .._utils.progress import check_progress, report, sub_progress
from .._utils.validation import (
    check_array,
    check_bool,
    check_int,
    check_option,
    check_random_state,
)
from ._mst import minimum_spanning_tree

__all__ = [
    "Diagrams",
    "persistence",
    "farthest_point_landmarks",
    "lifetimes",
    "persistence_entropy",
    "betti_curve",
    "diagram_distance",
    "diagram_distances",
    "METRICS",
    "MAX_RIPSER_POINTS",
]

#: Metrics accepted (scikit-learn's names; ripser takes the same).
METRICS = ("euclidean", "cosine", "manhattan", "chebyshev")
#: ripser stores all pairwise distances; above this many points H1 needs ``n_landmarks``.
MAX_RIPSER_POINTS = 5000


@dataclass
class Diagrams:
    """Persistence diagrams of one representation.

    Attributes
    ----------
    dgms : list of ndarray of shape (m, 2)
        ``dgms[k]`` holds the (birth, death) pairs of H_k, sorted by decreasing lifetime;
        a bar that never dies has death ``inf``.
    maxdim : int
        Highest homology dimension computed.
    metric : str
    n_points : int
        Inputs of the representation (H0 is computed on all of them).
    landmarks : ndarray of int64 or None
        Indices of the landmarks H1 and up were computed on (None: all inputs).
    cover_radius : float
        Covering radius ``eps`` of the landmarks (0 without landmarks).
    bound : float
        ``2 * cover_radius``: bound on the bottleneck distance between the landmark H_k
        (k >= 1) diagrams and those of all inputs (see the module docstring).
    mst_edges : ndarray of shape (n_points - 1, 2)
        The minimum spanning tree (sorted by length), from which H0 and the single-linkage
        clusterings are read.
    mst_weights : ndarray of shape (n_points - 1,)
    stats : dict
        Timings and counts of the computation.
    h1_inputs : list of ndarray or None
        With ``representatives``: the inputs of each H1 bar's representative cocycle (in the
        order of ``dgms[1]``).
    """

    dgms: list
    maxdim: int
    metric: str = "euclidean"
    n_points: int = 0
    landmarks: np.ndarray | None = None
    cover_radius: float = 0.0
    bound: float = 0.0
    mst_edges: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.int64))
    mst_weights: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stats: dict = field(default_factory=dict)
    h1_inputs: list | None = None

    def __getitem__(self, dim: int) -> np.ndarray:
        return self.dgms[dim]

    @property
    def scale(self) -> float:
        """The largest finite H0 death (the threshold at which all inputs form one cluster)."""
        return float(self.mst_weights[-1]) if len(self.mst_weights) else 0.0

    def inputs_of_bar(self, dim: int, bar: int) -> np.ndarray:
        """The inputs of bar ``bar`` (its row in ``dgms[dim]``). H0: the cluster that dies
        there (the smaller of the two single-linkage clusters its death merges; for the bar
        that never dies, all inputs). H1: the inputs of its representative cocycle (needs
        ``representatives=True``)."""
        dim = int(dim)
        bar = int(bar)
        if not 0 <= dim < len(self.dgms) or not 0 <= bar < len(self.dgms[dim]):
            raise IndexError(f"bar: no bar {bar} in H{dim}")
        if dim == 0:
            death = self.dgms[0][bar, 1]
            if not np.isfinite(death):
                return np.arange(self.n_points, dtype=np.int64)
            # the MST edge of this death: among the edges of that length, the bar's rank
            same = np.flatnonzero(self.dgms[0][:, 1] == death)
            edges_at = np.flatnonzero(self.mst_weights == death)
            k = int(edges_at[min(int(np.searchsorted(same, bar)), len(edges_at) - 1)])
            import scipy.sparse as sp
            from scipy.sparse.csgraph import connected_components

            e = self.mst_edges[:k]
            n = self.n_points
            g = sp.coo_matrix((np.ones(len(e)), (e[:, 0], e[:, 1])), shape=(n, n))
            _, lab = connected_components(g, directed=False)
            u, v = self.mst_edges[k]
            a, b = np.flatnonzero(lab == lab[u]), np.flatnonzero(lab == lab[v])
            return a if (len(a), a[0]) <= (len(b), b[0]) else b
        if dim == 1 and self.h1_inputs is not None:
            return np.asarray(self.h1_inputs[bar], dtype=np.int64)
        raise ValueError(
            f"dim: the inputs of H{dim} bars need persistence(..., representatives=True)"
        )

    def lifetimes(self, dim: int = 0, *, finite: bool = True) -> np.ndarray:
        return lifetimes(self, dim, finite=finite)

    def entropy(self, dim: int = 0, *, normalized: bool = False) -> float:
        return persistence_entropy(self, dim, normalized=normalized)

    def betti_curve(self, dim: int = 0, thresholds=None, *, n: int = 100):
        return betti_curve(self, dim, thresholds, n=n)

    def summary(self) -> dict:
        """Plain numbers: bars, finite bars, total and largest lifetime and entropy per dim."""
        out: dict[str, Any] = {"n_points": self.n_points}
        for k in range(len(self.dgms)):
            life = self.lifetimes(k)
            out[f"H{k}_bars"] = int(len(self.dgms[k]))
            out[f"H{k}_total"] = float(life.sum())
            out[f"H{k}_max"] = float(life.max()) if life.size else 0.0
            out[f"H{k}_entropy"] = self.entropy(k)
        return out

    def to_dict(self) -> dict:
        return {
            "dgms": [np.asarray(d, dtype=np.float64) for d in self.dgms],
            "maxdim": int(self.maxdim),
            "metric": self.metric,
            "n_points": int(self.n_points),
            "landmarks": None
            if self.landmarks is None
            else np.asarray(self.landmarks, dtype=np.int64),
            "cover_radius": float(self.cover_radius),
            "bound": float(self.bound),
            "mst_edges": np.asarray(self.mst_edges, dtype=np.int64),
            "mst_weights": np.asarray(self.mst_weights, dtype=np.float64),
            "stats": dict(self.stats),
            "h1_inputs": None
            if self.h1_inputs is None
            else [np.asarray(a, dtype=np.int64) for a in self.h1_inputs],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Diagrams:
        lm = data.get("landmarks")
        return cls(
            dgms=[np.asarray(d, dtype=np.float64).reshape(-1, 2) for d in data["dgms"]],
            maxdim=int(data["maxdim"]),
            metric=str(data.get("metric", "euclidean")),
            n_points=int(data.get("n_points", 0)),
            landmarks=None if lm is None else np.asarray(lm, dtype=np.int64),
            cover_radius=float(data.get("cover_radius", 0.0)),
            bound=float(data.get("bound", 0.0)),
            mst_edges=np.asarray(data.get("mst_edges", np.zeros((0, 2))), dtype=np.int64).reshape(
                -1, 2
            ),
            mst_weights=np.asarray(data.get("mst_weights", np.zeros(0)), dtype=np.float64),
            stats=dict(data.get("stats", {})),
            h1_inputs=None
            if data.get("h1_inputs") is None
            else [np.asarray(a, dtype=np.int64) for a in data["h1_inputs"]],
        )

    def __repr__(self) -> str:
        bars = ", ".join(f"H{k}: {len(d)}" for k, d in enumerate(self.dgms))
        lm = (
            ""
            if self.landmarks is None
            else f", {len(self.landmarks)} landmarks (bound {self.bound:.3g})"
        )
        return f"Diagrams({self.n_points} points; {bars}{lm})"


def _bar_order(dgm: np.ndarray) -> np.ndarray:
    life = dgm[:, 1] - dgm[:, 0]
    return np.lexsort((dgm[:, 0], -life))


def _sort_bars(dgm: np.ndarray) -> np.ndarray:
    dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    return dgm[_bar_order(dgm)]


def farthest_point_landmarks(
    X, n_landmarks: int, *, metric: str = "euclidean", random_state=None, progress=None
):
    """Max-min (farthest-point) landmarks: a random first point, then repeatedly the point
    farthest from those chosen.

    Returns
    -------
    indices : ndarray of int64, shape (n_landmarks,)
    cover_radius : float
        ``max_x min_l d(x, l)`` over all rows ``x`` (0 when every row is a landmark).
    """
    from ._mst import RowDistances

    X = check_array(X, "X")
    n = X.shape[0]
    m = check_int(n_landmarks, "n_landmarks", minimum=1)
    metric = check_option(metric, "metric", METRICS)
    rng = check_random_state(random_state)
    if m >= n:
        return np.arange(n, dtype=np.int64), 0.0
    idx = np.empty(m, dtype=np.int64)
    idx[0] = rng.randint(n)
    dist = RowDistances(X, metric)
    near = dist([idx[0]])[0]
    near[idx[0]] = 0.0
    if metric == "cosine":  # not a metric: no triangle-inequality pruning
        for j in range(1, m):
            if j % 64 == 0:
                report(progress, j / m, f"landmark {j} of {m}")
            idx[j] = int(np.argmax(near))
            np.minimum(near, dist([idx[j]])[0], out=near)
        near[idx] = 0.0
        return idx, float(near.max())
    # Each point remembers its nearest landmark; a new landmark l can only come closer to the
    # points of landmark a's group when d(a, l) < 2 * (the group's largest distance to a),
    # by the triangle inequality, so the other groups are not even looked at.
    assign = np.zeros(n, dtype=np.int64)
    radius = np.zeros(m)
    radius[0] = near.max()
    for j in range(1, m):
        if j % 64 == 0:
            report(progress, j / m, f"landmark {j} of {m}")
        new = int(np.argmax(near))
        idx[j] = new
        to_landmarks = dist.between(new, idx[:j])
        groups = np.flatnonzero(to_landmarks < 2.0 * radius[:j])
        rows = np.flatnonzero(np.isin(assign, groups)) if len(groups) < j else None
        if rows is None or 2 * len(rows) > n:  # most points: one pass over X, no gathered copy
            rows = np.arange(n)
            d = dist([new])[0]
        else:
            d = dist.between(new, rows)
        closer = d < near[rows]
        upd = rows[closer]
        near[upd] = d[closer]
        assign[upd] = j
        near[new] = 0.0
        assign[new] = j
        touched = np.unique(np.r_[groups, j])
        # the largest distance of each touched group to its landmark, from the points it kept
        sel = np.isin(assign[rows], touched)
        r_rows = rows[sel]
        radius[touched] = 0.0
        np.maximum.at(radius, assign[r_rows], near[r_rows])
    return idx, float(near.max())


def _ripser(X, maxdim, metric, cocycles=False):
    from ripser import ripser

    out = ripser(X, maxdim=maxdim, metric=metric, do_cocycles=cocycles)
    return out["dgms"], out.get("cocycles") if cocycles else None


@declare_params(
    maxdim=Param(
        1, "int", low=0, high=2, help="highest homology dimension (H0 exact; H1, H2 by ripser)"
    ),
    metric=Param("euclidean", "choice", choices=list(METRICS), help="distance between inputs"),
    n_landmarks=Param(
        None,
        "int",
        low=2,
        high=20_000,
        none_ok=True,
        help="compute H1 and up on this many farthest-point landmarks (None: on all inputs)",
    ),
    random_state=Param(None, "int", low=0, none_ok=True, help="seed of the first landmark"),
    representatives=Param(
        False, "bool", help="keep the inputs of each H1 bar's representative cocycle"
    ),
)
def persistence(
    X,
    *,
    maxdim: int = 1,
    metric: str = "euclidean",
    n_landmarks: int | None = None,
    random_state=None,
    representatives: bool = False,
    progress=None,
) -> Diagrams:
    """Persistence diagrams of the Rips filtration of the rows of ``X``.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features)
    maxdim : int in [0, 2]
        Highest homology dimension. H0 is exact on all inputs (minimum spanning tree).
    metric : {"euclidean", "cosine", "manhattan", "chebyshev"}
    n_landmarks : int, optional
        H1 and up on this many farthest-point landmarks; the bottleneck error bound
        ``2 * cover_radius`` is kept in the result. Needed above
        :data:`MAX_RIPSER_POINTS` inputs when ``maxdim >= 1``.
    random_state : None, int or RandomState
        Chooses the first landmark.
    representatives : bool
        Keep, for each H1 bar, the inputs on the edges of its representative cocycle
        (ripser's ``do_cocycles``; slower), in :attr:`Diagrams.h1_inputs`.
    progress : callable, optional
        ``progress(fraction, message)``; may raise ``Cancelled``.

    Returns
    -------
    Diagrams
    """
    import time

    X = check_array(X, "X", min_rows=1)
    maxdim = check_int(maxdim, "maxdim", minimum=0, maximum=2)
    metric = check_option(metric, "metric", METRICS)
    n = X.shape[0]
    if n_landmarks is not None:
        n_landmarks = check_int(n_landmarks, "n_landmarks", minimum=2)
    progress = check_progress(progress)
    if maxdim >= 1 and (n_landmarks or n) > MAX_RIPSER_POINTS:
        raise ValueError(
            f"n_landmarks: H1 on {n_landmarks or n} points would need ripser's full distance "
            f"matrix (limit {MAX_RIPSER_POINTS} points); pass n_landmarks <= {MAX_RIPSER_POINTS} "
            "or maxdim=0"
        )
    stats: dict[str, Any] = {}
    t0 = time.perf_counter()
    edges, weights, mst_stats = minimum_spanning_tree(
        X, metric=metric, progress=sub_progress(progress, 0.0, 0.6 if maxdim else 1.0, "H0")
    )
    stats["h0_seconds"] = time.perf_counter() - t0
    stats.update({f"mst_{k}": v for k, v in mst_stats.items()})
    h0 = np.zeros((n, 2))
    h0[: n - 1, 1] = weights
    h0[n - 1, 1] = np.inf
    dgms = [_sort_bars(h0)]
    landmarks = None
    eps = 0.0
    h1_inputs = None
    if maxdim >= 1:
        Y = X
        if n_landmarks is not None and n_landmarks < n:
            report(progress, 0.6, f"{n_landmarks} farthest-point landmarks")
            t1 = time.perf_counter()
            landmarks, eps = farthest_point_landmarks(
                X,
                n_landmarks,
                metric=metric,
                random_state=random_state,
                progress=sub_progress(progress, 0.6, 0.7, "landmarks"),
            )
            stats["landmark_seconds"] = time.perf_counter() - t1
            Y = X[landmarks]
        report(progress, 0.7, f"H1{'-H2' if maxdim == 2 else ''} with ripser on {len(Y)} points")
        t2 = time.perf_counter()
        higher, cocycles = _ripser(Y, maxdim, metric, representatives)
        stats["ripser_seconds"] = time.perf_counter() - t2
        for k, dk in enumerate(higher[1:], start=1):
            dk = np.asarray(dk, dtype=np.float64).reshape(-1, 2)
            order = _bar_order(dk)
            dgms.append(dk[order])
            if cocycles is not None and k == 1:
                base = np.arange(n) if landmarks is None else landmarks
                h1_inputs = [
                    np.unique(base[np.asarray(cocycles[1][i])[:, :2].astype(np.int64)])
                    for i in order.tolist()
                ]
    report(progress, 1.0, "diagrams")
    return Diagrams(
        dgms=dgms,
        maxdim=maxdim,
        metric=metric,
        n_points=n,
        landmarks=landmarks,
        cover_radius=float(eps),
        bound=2.0 * float(eps),
        mst_edges=edges,
        mst_weights=weights,
        stats=stats,
        h1_inputs=h1_inputs,
    )


# -- summaries ----------------------------------------------------------------------------------
def _dgm(d, dim: int) -> np.ndarray:
    if isinstance(d, Diagrams):
        if not 0 <= dim < len(d.dgms):
            raise ValueError(f"dim: the diagrams hold H0..H{len(d.dgms) - 1}, got {dim}")
        return d.dgms[dim]
    return np.asarray(d, dtype=np.float64).reshape(-1, 2)


def lifetimes(d, dim: int = 0, *, finite: bool = True) -> np.ndarray:
    """Death minus birth of each bar of H_dim (sorted decreasing); infinite bars are left
    out when ``finite``."""
    dgm = _dgm(d, dim)
    life = dgm[:, 1] - dgm[:, 0]
    if finite:
        life = life[np.isfinite(life)]
    return np.sort(life)[::-1]


def persistence_entropy(d, dim: int = 0, *, normalized: bool = False) -> float:
    """Shannon entropy ``-sum p_i log p_i`` of the finite lifetimes ``l_i`` with
    ``p_i = l_i / sum l`` (Atienza et al. 2020); ``normalized`` divides by ``log(#bars)``.
    0 for fewer than two bars of positive length."""
    life = lifetimes(d, dim)
    life = life[life > 0]
    if life.size < 2:
        return 0.0
    p = life / life.sum()
    h = float(-(p * np.log(p)).sum())
    return h / float(np.log(life.size)) if normalized else h


def betti_curve(d, dim: int = 0, thresholds=None, *, n: int = 100):
    """The number of H_dim bars alive at each threshold ``t`` (``birth <= t < death``).

    Returns ``(thresholds, counts)``; by default ``n`` thresholds from 0 to the largest
    finite death."""
    dgm = _dgm(d, dim)
    if thresholds is None:
        finite = dgm[np.isfinite(dgm[:, 1]), 1]
        top = float(finite.max()) if finite.size else 1.0
        thresholds = np.linspace(0.0, top, check_int(n, "n", minimum=2))
    t = np.asarray(thresholds, dtype=np.float64).ravel()
    births = np.sort(dgm[:, 0])
    deaths = np.sort(dgm[:, 1])
    counts = np.searchsorted(births, t, side="right") - np.searchsorted(deaths, t, side="right")
    return t, counts.astype(np.int64)


# -- distances ----------------------------------------------------------------------------------
def _truncate(dgm: np.ndarray, max_points: int | None):
    """The finite bars, at most ``max_points`` of the most persistent ones, and the largest
    lifetime and the total lifetime left out."""
    dgm = dgm[np.isfinite(dgm).all(axis=1)]
    if max_points is None or len(dgm) <= max_points:
        return dgm, 0.0, 0.0
    life = dgm[:, 1] - dgm[:, 0]
    order = np.argsort(-life, kind="stable")
    kept, dropped = order[:max_points], order[max_points:]
    return dgm[kept], float(life[dropped].max()), float(life[dropped].sum())


@declare_params(
    dim=Param(0, "int", low=0, high=2, help="homology dimension"),
    kind=Param(
        "bottleneck", "choice", choices=["bottleneck", "wasserstein"], help="diagram distance"
    ),
    max_points=Param(
        1000, "int", low=1, none_ok=True, help="most persistent bars compared per diagram"
    ),
    normalize=Param(
        False, "bool", help="divide each diagram by its largest finite H0 death first"
    ),
)
def diagram_distance(
    a,
    b,
    *,
    dim: int = 0,
    kind: str = "bottleneck",
    max_points: int | None = 1000,
    normalize: bool = False,
) -> tuple[float, float]:
    """Bottleneck (L-infinity ground metric) or 1-Wasserstein distance (L2 ground metric),
    as persim computes them, between the
    H_dim diagrams of ``a`` and ``b`` (infinite bars left out: both diagrams of a
    connected-space H0 have exactly one).

    Diagrams whose bars are all born at 0 (H0) are compared exactly on all their bars (a
    dynamic programme, see :func:`_line_distance`; up to :data:`MAX_EXACT_LINE` bars).
    Otherwise only the ``max_points`` most persistent bars of each diagram are compared; a bar of
    lifetime ``l`` is ``l / 2`` (L-infinity) or ``l / sqrt(2)`` (L2) from the diagonal, so
    leaving out bars of lifetime at most ``l_max`` (total ``L``) changes the bottleneck
    distance by at most ``l_max / 2`` and the Wasserstein distance by at most
    ``L / sqrt(2)`` per diagram.

    Returns ``(distance, error_bound)``.
    """
    import persim

    kind = check_option(kind, "kind", ["bottleneck", "wasserstein"])
    if max_points is not None:
        max_points = check_int(max_points, "max_points", minimum=1)
    normalize = check_bool(normalize, "normalize")
    da, db = _dgm(a, dim), _dgm(b, dim)
    if normalize:
        for name, d in (("a", a), ("b", b)):
            if not isinstance(d, Diagrams):
                raise TypeError(f"{name}: normalize=True needs Diagrams (their H0 scale)")
        da = da / (a.scale or 1.0)
        db = db / (b.scale or 1.0)
    da, ma, sa = _truncate(da, None if _zero_births(da, db) and _exact_ok(da, db) else max_points)
    db, mb, sb = _truncate(db, None if _zero_births(da, db) and _exact_ok(da, db) else max_points)
    if _zero_births(da, db):
        return _line_distance(da[:, 1], db[:, 1], kind), _trunc_error(kind, ma, mb, sa, sb)
    if kind == "bottleneck":
        value = float(persim.bottleneck(da, db)) if len(da) or len(db) else 0.0
    else:
        value = float(persim.wasserstein(da, db)) if len(da) or len(db) else 0.0
    return value, _trunc_error(kind, ma, mb, sa, sb)


def _trunc_error(kind, ma, mb, sa, sb) -> float:
    return max(ma, mb) / 2.0 if kind == "bottleneck" else (sa + sb) / np.sqrt(2.0)


#: Diagrams whose bars are all born at 0 (H0) are compared exactly up to this many bars each.
MAX_EXACT_LINE = 20_000


def _zero_births(da, db) -> bool:
    return bool(np.all(da[:, 0] == 0) and np.all(db[:, 0] == 0))


def _exact_ok(da, db) -> bool:
    return max(len(da), len(db)) <= MAX_EXACT_LINE


def _line_distance(a: np.ndarray, b: np.ndarray, kind: str) -> float:
    """Exact bottleneck (L-infinity ground metric) / 1-Wasserstein (L2 ground metric)
    distance, as persim defines them, between two diagrams whose points are all born at 0,
    ``(0, a_i)`` and ``(0, b_j)``: a point is matched to another at cost ``|a_i - b_j|`` or
    to the diagonal at cost ``a_i / 2`` (bottleneck) or ``a_i / sqrt(2)`` (Wasserstein).
    On a line an optimal matching never crosses (for ``a1 < a2`` and ``b1 < b2``,
    ``|a1 - b1| + |a2 - b2| <= |a1 - b2| + |a2 - b1|``, and the same with max), so a dynamic
    programme over the sorted values is exact; it runs along anti-diagonals, vectorised."""
    a = np.sort(np.asarray(a, dtype=np.float64))
    b = np.sort(np.asarray(b, dtype=np.float64))
    n, m = len(a), len(b)
    if n == 0 and m == 0:
        return 0.0
    bottleneck = kind == "bottleneck"
    join = np.maximum if bottleneck else np.add
    if n == 0 or m == 0:
        rest = (a if n else b) / (2.0 if bottleneck else np.sqrt(2.0))
        return float(rest.max() if bottleneck else rest.sum())
    to_diag = (
        2.0 if bottleneck else np.sqrt(2.0)
    )  # L-inf (persim's bottleneck) or L2 (its wasserstein)
    half_a = np.r_[0.0, a / to_diag]  # index i: a_i (1-based)
    half_b = np.r_[0.0, b / to_diag]
    inf = np.inf
    prev2 = np.full(n + 1, inf)  # diagonal k-2, indexed by i
    prev1 = np.full(n + 1, inf)  # diagonal k-1
    prev1[0] = 0.0  # k = 0: f[0][0]
    prev2, prev1 = prev1, np.full(n + 1, inf)
    # k = 1: f[0][1] and f[1][0]
    prev1[0] = half_b[1]
    prev1[1] = half_a[1]
    for k in range(2, n + m + 1):
        cur = np.full(n + 1, inf)
        lo, hi = max(0, k - m), min(n, k)
        i = np.arange(lo, hi + 1)
        j = k - i
        val = np.full(i.size, inf)
        ok = i >= 1  # from f[i-1][j]: delete a_i
        val[ok] = join(prev1[i[ok] - 1], half_a[i[ok]])
        ok = j >= 1  # from f[i][j-1]: delete b_j
        val[ok] = np.minimum(val[ok], join(prev1[i[ok]], half_b[j[ok]]))
        ok = (i >= 1) & (j >= 1)  # match a_i with b_j
        ii, jj = i[ok], j[ok]
        val[ok] = np.minimum(val[ok], join(prev2[ii - 1], np.abs(a[ii - 1] - b[jj - 1])))
        cur[i] = val
        prev2, prev1 = prev1, cur
    return float(prev1[n])


def diagram_distances(
    diagrams: dict,
    *,
    dim: int = 0,
    kind: str = "bottleneck",
    max_points: int | None = 1000,
    normalize: bool = False,
    progress=None,
) -> pd.DataFrame:
    """The layer x layer matrix of :func:`diagram_distance` between the diagrams of a dict
    ``name -> Diagrams``. The largest truncation error bound is in ``df.attrs["error_bound"]``."""
    if not isinstance(diagrams, dict) or not diagrams:
        raise ValueError("diagrams: expected a non-empty dict name -> Diagrams")
    names = list(diagrams)
    k = len(names)
    D = np.zeros((k, k))
    worst = 0.0
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    for step, (i, j) in enumerate(pairs):
        report(progress, step / max(1, len(pairs)), f"{kind} {names[i]} - {names[j]}")
        v, e = diagram_distance(
            diagrams[names[i]],
            diagrams[names[j]],
            dim=dim,
            kind=kind,
            max_points=max_points,
            normalize=normalize,
        )
        D[i, j] = D[j, i] = v
        worst = max(worst, e)
    df = pd.DataFrame(D, index=names, columns=names)
    df.attrs["error_bound"] = worst
    df.attrs["kind"] = kind
    df.attrs["dim"] = dim
    return df
