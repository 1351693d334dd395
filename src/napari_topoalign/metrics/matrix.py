"""The registry of similarity measures and the N x N matrix of a measure over representations."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._utils.params import Registry, check_params, param_specs
from .._utils.progress import check_progress
from .._utils.validation import check_array, check_same_rows
from .functional_maps import lfm_similarity
from .similarity import cka, mutual_knn, procrustes, pwcca, svcca

__all__ = ["MEASURES", "similarity_matrix", "is_distance", "SYMMETRIC", "score_key"]

#: Similarity measures by name: ``f(X, Y, **params) -> float``. Register your own with
#: ``MEASURES.register("name", fn)`` (and :func:`~napari_topoalign._utils.params.declare_params`
#: on ``fn`` for its widget controls).
MEASURES = Registry("similarity measure")
MEASURES.register("cka", cka, help="centred kernel alignment (linear or RBF; biased or debiased)")
MEASURES.register("svcca", svcca, help="SVD then CCA: mean canonical correlation")
MEASURES.register("pwcca", pwcca, help="projection-weighted CCA (Morcos et al. 2018)")
MEASURES.register("mutual_knn", mutual_knn, help="mean share of common k nearest neighbours")
MEASURES.register("procrustes", procrustes, help="orthogonal Procrustes distance (0: same shape)")
MEASURES.register("lfm", lfm_similarity, help="latent functional map similarity (spectral)")

#: Measures that are distances (0 for identical representations), not similarities.
DISTANCES = {"procrustes"}
#: Measures known to be symmetric in their two arguments (the matrix is computed once per pair).
SYMMETRIC = {"cka", "svcca", "mutual_knn", "procrustes", "lfm"}


def is_distance(measure) -> bool:
    """Whether ``measure`` (a name) is a distance (lower = more alike)."""
    return isinstance(measure, str) and measure in DISTANCES


def similarity_matrix(
    representations,
    measure="cka",
    *,
    names=None,
    symmetric: bool | None = None,
    progress=None,
    **params,
) -> pd.DataFrame:
    """The measure for every pair of representations, as an ``N x N`` DataFrame indexed by
    the names (row ``a``, column ``b``: ``measure(rep[a], rep[b])``).

    Parameters
    ----------
    representations : Representations, mapping of name to array, or sequence of arrays
        All with the same rows (inputs).
    measure : str or callable
        A name in :data:`MEASURES` or a function ``f(X, Y, **params) -> float``.
    names : sequence of str, optional
        A subset, in this order (default: all).
    symmetric : bool, optional
        Compute each unordered pair once and mirror it (default: True for the measures in
        :data:`SYMMETRIC`, False otherwise, e.g. ``pwcca``). The diagonal is computed too.
    progress : callable ``(fraction, message)``, optional
        Called after every pair; may raise Cancelled to stop.
    **params
        Passed to the measure; checked against its declared parameters.
    """
    progress = check_progress(progress)
    fn = MEASURES.get(measure)
    label = measure if isinstance(measure, str) else getattr(fn, "__name__", "measure")
    if param_specs(fn):
        extra = {k: v for k, v in params.items() if k not in param_specs(fn)}
        checked = check_params(fn, {k: v for k, v in params.items() if k in param_specs(fn)})
        params = {**checked, **extra}
    if hasattr(representations, "arrays") and hasattr(representations, "names"):
        pool = {nm: representations[nm] for nm in representations.names}
    elif isinstance(representations, Mapping):
        pool = dict(representations)
    else:
        pool = {str(i): r for i, r in enumerate(representations)}
    if names is None:
        names = list(pool)
    else:
        names = [names] if isinstance(names, str) else list(names)
        unknown = [nm for nm in names if nm not in pool]
        if unknown:
            raise KeyError(f"names: unknown representation(s) {unknown}; known: {list(pool)}")
    if not names:
        raise ValueError("representations: is empty; give at least one")
    arrays = [check_array(pool[nm], f"representations[{nm!r}]", ndim=2) for nm in names]
    check_same_rows(arrays, [f"representations[{nm!r}]" for nm in names])
    if symmetric is None:
        symmetric = isinstance(measure, str) and measure in SYMMETRIC
    N = len(names)
    pairs = [(i, j) for i in range(N) for j in range(N) if not symmetric or j >= i]
    M = np.full((N, N), np.nan)
    # measures with a per-representation stage (``fn.prepare(X, **params)`` -> state, then
    # ``fn.compare(state_x, state_y, **params)``) run it once per representation
    states = None
    prepare, compare = getattr(fn, "prepare", None), getattr(fn, "compare", None)
    if callable(prepare) and callable(compare):
        states = []
        for i, A in enumerate(arrays):
            progress(0.5 * i / N, f"{label}: preparing {names[i]}")
            states.append(prepare(A, **params))
        if any(s is None for s in states):
            states = None
    start = 0.5 if states is not None else 0.0
    for t, (i, j) in enumerate(pairs):
        progress(start + (1 - start) * t / len(pairs), f"{label}: {names[i]} vs {names[j]}")
        if states is not None:
            value = float(compare(states[i], states[j], **params))
        else:
            value = float(fn(arrays[i], arrays[j], **params))
        M[i, j] = value
        if symmetric:
            M[j, i] = value
    progress(1.0, f"{label}: done")
    frame = pd.DataFrame(M, index=list(names), columns=list(names))
    frame.attrs["measure"] = label
    frame.attrs["params"] = {
        k: v for k, v in params.items() if isinstance(v, (int, float, str, bool, type(None)))
    }
    return frame


def score_key(measure, params: Mapping | None = None) -> str:
    """The key of a matrix in ``Comparison.scores``: the measure's name, with its parameters
    in sorted order when any were given (``"cka(kernel=rbf)"``)."""
    name = measure if isinstance(measure, str) else getattr(measure, "__name__", "measure")
    params = {k: v for k, v in (params or {}).items() if k not in ("progress", "n_jobs")}
    if not params:
        return name
    inner = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
    return f"{name}({inner})"
