"""``build_mapper``: lens -> cover -> clustering per cover element -> nerve."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._utils.parallel import n_threads
from .._utils.params import Param, declare_params
from .._utils.progress import Cancelled, ProgressFn
from .._utils.validation import (
    check_array,
    check_callable,
    check_int,
    check_random_state,
    check_real,
    check_vector,
)
from ..model import MapperGraph
from ._clusterers import resolve_auto
from .cluster import (
    CLUSTERERS,
    knee_eps,
    make_clusterer,
    min_cluster_samples,
    single_linkage_labels,
)
from .cover import COVERS, check_cover_args, make_cover
from .lenses import LENSES, _lens_values, squared_norms


class EmptyGraphWarning(UserWarning):
    """The cover and clusterer produced no node."""


class DegenerateGraphWarning(UserWarning):
    """The graph says little about the data (constant data or lens, duplicated rows, every
    node holding the same inputs); the message names the cause."""


def _seed(random_state):
    """The seed handed to every random step: an int or None as given (each stage then draws
    exactly the stream it drew before), or one int drawn from a RandomState / Generator (so
    that stages running in threads never share a generator and the result stays
    deterministic)."""
    check_random_state(random_state)  # a clear error for anything else
    if random_state is None or isinstance(random_state, (int, np.integer)):
        return None if random_state is None else int(random_state)
    return int(check_random_state(random_state).randint(0, 2**31 - 1))


def _degenerate_cause(X: np.ndarray, lens_values: np.ndarray, min_samples: int) -> str | None:
    """Why the graph of ``X`` with this lens would be degenerate, or None. Cheap: the lens
    range, and exact duplicates in an evenly spaced sample of at most 2,000 rows."""
    lens2 = lens_values.reshape(len(lens_values), -1)
    span = lens2.max(axis=0) - lens2.min(axis=0)
    size = np.abs(lens2).max(axis=0)
    flat = span <= 1e-6 * np.maximum(size, 1e-300)
    if flat.any():
        if bool(np.all(X.min(axis=0) == X.max(axis=0))):
            return "X is constant (every row is the same), so every node holds every input"
        what = (
            "constant"
            if np.all(span[flat] == 0)
            else f"nearly constant (its values span only {float(span[flat][0]):.3g})"
        )
        return (
            f"the lens is {what}, so every cover element holds (nearly) all inputs; rows of "
            "the same norm (normalised embeddings?) make the L2-norm lens constant: choose "
            "another lens, such as 'pca1'"
        )
    n = X.shape[0]
    if n >= 2 * max(min_samples, 2):
        rows = np.unique(np.linspace(0, n - 1, min(n, 2000)).astype(np.int64))
        distinct = len(np.unique(X[rows], axis=0))
        if distinct <= 0.5 * len(rows):
            return (
                f"X holds many duplicated rows (only {distinct} distinct rows among {len(rows)} "
                "sampled evenly), so nodes are groups of identical rows; remove the duplicates "
                "or give eps explicitly"
            )
    return None


@declare_params(
    lens=Param(
        "l2norm",
        "choice",
        choices=LENSES.names,
        help="the filter function the cover slices (or an array, or a callable)",
    ),
    n_intervals=Param(15, "int", low=1, high=100_000, help="cover elements per lens dimension"),
    overlap=Param(
        0.4,
        "float",
        low=0.0,
        high=1.0,
        high_open=True,
        help="fraction of an element's width shared with its neighbour",
    ),
    cover=Param(
        "auto",
        "choice",
        choices=COVERS.names,
        help="equal-width ('uniform') or equal-count ('balanced') intervals; 'auto': balanced "
        "for the adaptive clusterers, uniform for DBSCAN",
    ),
    clusterer=Param(
        "auto",
        "choice",
        choices=CLUSTERERS.names,
        help="clustering inside each cover element; 'auto': 'knn' (mutual 5-NN components), "
        "or 'dbscan' when eps is given",
    ),
    eps=Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="neighbourhood radius; empty: chosen by the knee rule",
    ),
    min_samples=Param(
        3,
        "int",
        low=1,
        high=10_000,
        help="DBSCAN's min_samples; the fewest inputs an element needs",
    ),
    min_intersection=Param(
        1,
        "int",
        low=1,
        high=1_000_000,
        help="two nodes are joined when they share this many inputs",
    ),
    n_jobs=Param(
        None, "int", low=-64, high=1024, none_ok=True, help="threads (empty: 1, -1: all cores)"
    ),
    random_state=Param(
        None, "int", low=0, high=2**32 - 1, none_ok=True, help="seed of every random step"
    ),
)
def build_mapper(
    X,
    *,
    lens="l2norm",
    n_intervals=15,
    overlap=0.4,
    cover="auto",
    clusterer="auto",
    eps=None,
    min_samples=3,
    min_intersection=1,
    labels=None,
    n_jobs=None,
    random_state=None,
    progress: ProgressFn | None = None,
    name: str = "",
) -> MapperGraph:
    """Build the mapper graph of one representation.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features)
        The representation (finite numbers; pandas frames, lists, integer, boolean, float16
        and longdouble arrays are converted; sparse and masked arrays are refused).
    lens : str, array of shape (n,) or (n, 2), or callable
        See :func:`napari_topoalign.mapper.compute_lens` (names: :data:`~.lenses.LENSES`).
    n_intervals : int or pair of int
        Cover elements per lens dimension (at most 100,000, and 1,000,000 in all).
    overlap : float in [0, 1), or one per lens dimension
        Fraction of an element's width shared with its neighbour.
    cover : str or callable
        A name in :data:`~.cover.COVERS`: ``"uniform"`` (equal-width intervals) or
        ``"balanced"`` (equal-count intervals); or ``fn(lens, n_intervals, overlap) -> Cover``.
    clusterer : str or scikit-learn clusterer
        A name in :data:`~.cluster.CLUSTERERS`. ``"dbscan"``: DBSCAN(eps, min_samples).
        ``"single"``: single linkage cut at distance ``eps``, components smaller than
        ``min_samples`` are noise. Any object with ``fit_predict`` is cloned and used as is
        (label -1 is noise).
    eps : float, optional
        Neighbourhood radius / distance cut. ``None`` chooses it once for the whole
        representation with :func:`~napari_topoalign.mapper.knee_eps`.
    min_samples : int
        DBSCAN's ``min_samples``; also the fewest inputs an element needs to be clustered.
    min_intersection : int
        Two nodes are joined when they share at least this many inputs.
    labels : array-like of shape (n_inputs,), optional
        Class labels for the node table's majority label and purity.
    n_jobs : int, optional
        Threads for clustering the elements in parallel (``None``: 1; ``-1``: all cores).
    random_state : None, int, RandomState or Generator
        Seeds every random step (PCA solver, eps subsample, stochastic clusterers). An int
        gives the same graph every time.
    progress : callable(fraction, message), optional
        Called after each cover element; raise from it to cancel.
    name : str
        Stored on the graph.

    Returns
    -------
    MapperGraph
        Nodes are ordered by cover element, then by cluster label.

    Warns
    -----
    EmptyGraphWarning
        No node at all.
    DegenerateGraphWarning
        Constant data, a constant lens, heavily duplicated rows, or every node holding the
        same inputs (the message names the cause).
    """
    min_samples = check_int(min_samples, "min_samples", minimum=1)
    min_intersection = check_int(min_intersection, "min_intersection", minimum=1)
    if not isinstance(name, str):
        raise TypeError(f"name: expected a string, got {type(name).__name__} {name!r}")
    progress = check_callable(progress, "progress", signature="progress(fraction, message)")
    if eps is not None:
        eps = check_real(eps, "eps", low=0.0, low_open=True)
    # "auto": the measured defaults, or KeplerMapper's DBSCAN and cover when eps is given
    clusterer, cover = resolve_auto(clusterer, cover, eps)
    threads = 1 if n_jobs is None else n_threads(n_jobs)
    seed = _seed(random_state)
    if isinstance(clusterer, str):
        if clusterer not in CLUSTERERS:
            raise ValueError(
                f"clusterer: unknown clusterer {clusterer!r}; choose one of {CLUSTERERS.names()} "
                "or pass a scikit-learn clusterer object (add one with register_clusterer)"
            )
    elif isinstance(clusterer, type):
        raise TypeError(
            f"clusterer: pass an instance such as {clusterer.__name__}(...), not the class"
        )
    elif not hasattr(clusterer, "fit_predict"):
        raise TypeError(f"clusterer: {type(clusterer).__name__} object has no fit_predict method")
    if isinstance(cover, str) and cover not in COVERS:
        raise ValueError(
            f"cover: unknown cover {cover!r}; choose one of {COVERS.names()} (add one with register_cover)"
        )
    if isinstance(lens, str) and lens not in LENSES:
        raise ValueError(
            f"lens: unknown lens {lens!r}; choose one of {LENSES.names()}, an array or a callable "
            "(add one with register_lens)"
        )
    X = check_array(X, "X", min_rows=min_samples)
    n = X.shape[0]
    # one value or one per lens dimension; checked again against the lens's dimensions
    if isinstance(n_intervals, (list, tuple, np.ndarray)):
        if len(n_intervals) not in (1, 2):
            raise ValueError(
                f"n_intervals: give one integer or one per lens dimension, got {n_intervals!r}"
            )
        n_intervals = tuple(
            check_int(v, f"n_intervals[{i}]", minimum=1, maximum=100_000)
            for i, v in enumerate(n_intervals)
        )
    else:
        n_intervals = check_int(n_intervals, "n_intervals", minimum=1, maximum=100_000)
    if isinstance(overlap, (list, tuple, np.ndarray)):
        if len(overlap) not in (1, 2):
            raise ValueError(f"overlap: give one value or one per lens dimension, got {overlap!r}")
        for i, v in enumerate(overlap):
            check_real(v, f"overlap[{i}]", low=0.0, high=1.0, high_open=True)
    else:
        check_real(overlap, "overlap", low=0.0, high=1.0, high_open=True)
    if labels is not None:
        labels = check_vector(labels, "labels", n)

    from .fast import cluster_elements

    sqnorms = None
    if isinstance(lens, str) and lens == "l2norm":
        # the same values as compute_lens(X, "l2norm"), in threads; the squared norms are
        # kept for the DBSCAN path, which needs them too
        sqnorms = squared_norms(X, n_jobs=threads)
        with np.errstate(over="ignore"):
            lens_values = _lens_values(X, np.sqrt(sqnorms), seed, source="lens 'l2norm'")
    else:
        lens_values = _lens_values(X, lens, seed)
    n_dims = 1 if lens_values.ndim == 1 else lens_values.shape[1]
    check_cover_args(n_intervals, overlap, n_dims)
    cause = _degenerate_cause(X, lens_values, min_samples)
    fitted = make_cover(lens_values, cover, n_intervals, overlap)
    elements = fitted.members(lens_values)

    if (
        isinstance(clusterer, str)
        and eps is None
        and getattr(CLUSTERERS.get(clusterer), "uses_eps", True)
    ):
        eps = knee_eps(X, min_samples, random_state=seed)
    params: dict[str, Any] = {
        "lens": lens if isinstance(lens, str) else "custom",
        "n_intervals": n_intervals if isinstance(n_intervals, int) else list(n_intervals),
        "overlap": overlap if np.isscalar(overlap) else [float(v) for v in np.atleast_1d(overlap)],
        "cover": cover if isinstance(cover, str) else "custom",
        "clusterer": clusterer if isinstance(clusterer, str) else repr(clusterer),
        "eps": None if eps is None else float(eps),
        "min_samples": min_samples,
        "min_intersection": min_intersection,
        "random_state": random_state if isinstance(random_state, (int, type(None))) else "object",
    }

    if isinstance(clusterer, str):
        min_pts = min_samples
    else:
        min_pts = min_cluster_samples(clusterer)

    node_rows = cluster_elements(
        X,
        elements,
        clusterer=clusterer,
        eps=eps,
        min_samples=min_samples,
        min_points=min_pts,
        n_jobs=threads,
        random_state=seed,
        progress=progress,
        lens=lens_values,
        lens_is_l2norm=isinstance(lens, str) and lens == "l2norm",
        sqnorms=sqnorms,
    )
    if not node_rows:
        warnings.warn(
            f"build_mapper{f' ({name})' if name else ''}: the cover and clusterer produced no "
            "node (every cover element was too small or all noise); returning an empty graph. "
            "Try a larger eps, fewer intervals or a smaller min_samples.",
            EmptyGraphWarning,
            stacklevel=2,
        )
    cover_ids = np.array([c for c, _ in node_rows], dtype=np.int64)
    lengths = np.array([len(m) for _, m in node_rows], dtype=np.int64)
    indices = (
        np.concatenate([m for _, m in node_rows]) if node_rows else np.zeros(0, dtype=np.int64)
    )
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    membership = sp.csr_matrix(
        (np.ones(len(indices), dtype=bool), indices, indptr), shape=(len(node_rows), n)
    )
    graph = MapperGraph.from_membership(
        membership,
        min_intersection=min_intersection,
        lens=lens_values,
        cover_element=cover_ids,
        labels=labels,
        params=params,
        name=name,
    )
    if cause is None and graph.n_nodes > 2 and len(np.unique(np.diff(membership.indptr))) == 1:
        sets = {tuple(graph.node_members(i).tolist()) for i in range(graph.n_nodes)}
        if len(sets) == 1:
            cause = f"all {graph.n_nodes} nodes hold the same {graph.nodes['size'].iloc[0]} inputs"
    if cause is not None and graph.n_nodes:
        warnings.warn(
            f"build_mapper{f' ({name})' if name else ''}: the graph is degenerate: {cause}.",
            DegenerateGraphWarning,
            stacklevel=2,
        )
    return graph


def cluster_one(X_sub, clusterer, eps, min_samples, random_state):
    """Cluster labels of the rows of ``X_sub`` (-1 is noise); a clusterer that fails or
    returns labels of the wrong shape is named in the error."""
    what = clusterer if isinstance(clusterer, str) else type(clusterer).__name__
    try:
        labels = _cluster_labels(X_sub, clusterer, eps, min_samples, random_state)
    except Cancelled:
        raise
    except Exception as exc:
        raise ValueError(
            f"clusterer: {what} failed on a cover element of {len(X_sub)} inputs "
            f"({type(exc).__name__}: {exc})"
        ) from exc
    labels = np.asarray(labels)
    if labels.shape != (len(X_sub),):
        raise ValueError(
            f"clusterer: {what}.fit_predict returned labels of shape {labels.shape} for a cover "
            f"element of {len(X_sub)} inputs; expected ({len(X_sub)},)"
        )
    return labels


def _cluster_labels(X_sub, clusterer, eps, min_samples, random_state):
    if clusterer == "dbscan":
        from sklearn.cluster import DBSCAN

        return DBSCAN(eps=eps, min_samples=min_samples).fit_predict(X_sub)
    if clusterer == "single":
        return single_linkage_labels(X_sub, eps, min_samples)
    if isinstance(clusterer, str):  # another registered clusterer
        return np.asarray(
            make_clusterer(clusterer, eps, min_samples, random_state).fit_predict(X_sub)
        )
    from sklearn.base import clone

    est = clone(clusterer, safe=False)  # a plain object with fit_predict is deep-copied
    if (
        random_state is not None
        and hasattr(est, "get_params")
        and "random_state" in est.get_params()
    ):
        est.set_params(random_state=random_state)
    return np.asarray(est.fit_predict(X_sub))
