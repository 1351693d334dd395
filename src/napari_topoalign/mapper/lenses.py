"""Lenses (filter functions) for mapper: each maps ``X`` to ``(n,)`` or ``(n, 2)`` values.

The built-in lenses are kept in the registry :data:`LENSES` (name -> function); add your own
with :func:`register_lens` (``register_lens("umap", fn)``): ``fn(X)`` (or
``fn(X, random_state=...)`` if it takes a ``random_state``) returns an array of shape
``(n,)`` or ``(n, 2)``. Every lens is then usable by name in :func:`compute_lens`,
:func:`~napari_topoalign.build_mapper` and the build widget.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np

from .._utils.parallel import thread_map
from .._utils.params import Param, Registry, declare_params
from .._utils.progress import Cancelled
from .._utils.validation import check_array, check_random_state

__all__ = ["LENSES", "register_lens", "compute_lens", "squared_norms", "l2norm"]

#: name -> lens function ``fn(X, *, random_state=None)``; extend with :func:`register_lens`
LENSES = Registry("lens")


def register_lens(name: str, fn: Callable | None = None, *, help: str = "", replace: bool = False):
    """Register a lens ``fn(X) -> (n,) or (n, 2) array`` under ``name`` (usable as a
    decorator). ``fn`` may take a ``random_state`` keyword; it then receives the one given
    to :func:`compute_lens` / :func:`~napari_topoalign.build_mapper`."""
    return LENSES.register(name, fn, help=help, replace=replace)


def squared_norms(X: np.ndarray, *, chunk_rows: int = 8192, n_jobs: int = 1) -> np.ndarray:
    """Squared Euclidean norm of each row, accumulated in float64.

    Works on blocks of ``chunk_rows`` rows so that a float32 ``X`` is never copied to float64
    as a whole (at 1M x 384 that copy alone would be 3 GB); the blocks run in ``n_jobs``
    threads. Every row's value is the same whatever the blocks and threads.
    """
    X = np.asarray(X)
    out = np.empty(X.shape[0], dtype=np.float64)

    def one(start):
        block = X[start : start + chunk_rows]
        out[start : start + chunk_rows] = np.einsum("ij,ij->i", block, block, dtype=np.float64)

    thread_map(one, range(0, X.shape[0], chunk_rows), max(1, int(n_jobs)))
    return out


def l2norm(X: np.ndarray, *, chunk_rows: int = 8192, n_jobs: int = 1) -> np.ndarray:
    """Euclidean norm of each row: the square root of :func:`squared_norms`."""
    out = squared_norms(X, chunk_rows=chunk_rows, n_jobs=n_jobs)
    return np.sqrt(out, out=out)


def l2norm_quantile(X: np.ndarray) -> np.ndarray:
    """Rank of each row's L2 norm, as ``rank / (n + 1)`` (ties share the mean rank)."""
    from scipy.stats import rankdata

    norms = l2norm(X)
    return rankdata(norms, method="average") / (len(norms) + 1)


def pca(X: np.ndarray, n_components: int, random_state=None) -> np.ndarray:
    """The first ``n_components`` principal components."""
    from sklearn.decomposition import PCA

    n_components = min(n_components, X.shape[1], X.shape[0])
    out = PCA(
        n_components=n_components, random_state=check_random_state(random_state)
    ).fit_transform(np.asarray(X, dtype=np.float64))
    return out[:, 0] if out.shape[1] == 1 else out


def eccentricity(X: np.ndarray, *, sample_size: int = 2000, random_state=None) -> np.ndarray:
    """Mean Euclidean distance of each row to the others (estimated from at most
    ``sample_size`` reference rows drawn with ``random_state``)."""
    from sklearn.metrics import pairwise_distances

    X = np.asarray(X)
    n = X.shape[0]
    if n > sample_size:
        ref = check_random_state(random_state).choice(n, sample_size, replace=False)
        ref.sort()
        ref_X = X[ref]
    else:
        ref_X = X
    out = np.empty(n)
    step = 4096
    for start in range(0, n, step):
        d = pairwise_distances(X[start : start + step], ref_X)
        out[start : start + step] = d.mean(axis=1)
    return out


def knn_density(X: np.ndarray, *, k: int = 15) -> np.ndarray:
    """A k-NN density estimate: ``1 / (mean distance to the k nearest neighbours)``."""
    from sklearn.neighbors import NearestNeighbors

    X = np.asarray(X)
    k = max(1, min(k, X.shape[0] - 1))
    dist, _ = NearestNeighbors(n_neighbors=k + 1).fit(X).kneighbors(X)
    mean = dist[:, 1:].mean(axis=1)
    return 1.0 / np.maximum(mean, np.finfo(np.float64).tiny)


LENSES.register(
    "l2norm", lambda X, random_state=None: l2norm(X), help="Euclidean norm of each row"
)
LENSES.register(
    "l2norm_quantile",
    lambda X, random_state=None: l2norm_quantile(X),
    help="rank of each row's norm, in (0, 1)",
)
LENSES.register(
    "pca1", lambda X, random_state=None: pca(X, 1, random_state), help="first principal component"
)
LENSES.register(
    "pca2",
    lambda X, random_state=None: pca(X, 2, random_state),
    help="first two principal components (2-D lens)",
)
LENSES.register(
    "eccentricity",
    lambda X, random_state=None: eccentricity(X, random_state=random_state),
    help="mean distance to the other rows (sampled)",
)
LENSES.register(
    "knn_density",
    lambda X, random_state=None: knn_density(X),
    help="1 / mean distance to 15 nearest neighbours",
)


def _takes_random_state(fn: Callable) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "random_state" or p.kind is p.VAR_KEYWORD for p in params)


def _lens_values(X: np.ndarray, lens, random_state, source: str | None = None) -> np.ndarray:
    """The lens on an already checked ``X`` (no second pass over ``X``)."""
    n = X.shape[0]
    if isinstance(lens, str):
        fn = LENSES.get(lens) if lens in LENSES else None
        if fn is None:
            raise ValueError(
                f"lens: unknown lens {lens!r}; choose one of {LENSES.names()}, an array of shape "
                f"({n},) or ({n}, 2), or a callable (add one with register_lens)"
            )
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                values = fn(X, random_state=random_state) if _takes_random_state(fn) else fn(X)
        except Cancelled:
            raise
        except Exception as exc:
            big = float(np.abs(X).max())
            hint = f"; X holds values up to {big:.3g}: rescale it" if big > 1e100 else ""
            raise ValueError(
                f"lens {lens!r}: failed with {type(exc).__name__}: {exc}{hint}"
            ) from exc
        source = f"lens {lens!r}"
    elif callable(lens):
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                values = (
                    lens(X, random_state=random_state) if _takes_random_state(lens) else lens(X)
                )
        except Cancelled:
            raise
        except Exception as exc:
            raise ValueError(
                f"lens: the lens callable raised {type(exc).__name__}: {exc}"
            ) from exc
        source = "lens callable's result"
    else:
        values = lens
        source = source or "lens"
    values = check_array(values, source, ndim=None, finite=False)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim not in (1, 2) or (values.ndim == 2 and values.shape[1] != 2):
        raise ValueError(f"{source}: expected shape ({n},) or ({n}, 2), got {values.shape}")
    if values.shape[0] != n:
        raise ValueError(f"{source}: has {values.shape[0]} values but X has {n} rows")
    values = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(values)
    if not ok.all():
        bad = np.flatnonzero(~ok.reshape(n, -1).all(axis=1))
        kind = "NaN" if np.isnan(values[bad[0]]).any() else "infinite"
        raise ValueError(
            f"{source}: holds {kind} values ({len(bad)} of {n} inputs, first at input {int(bad[0])}); "
            "a lens must be finite (did it overflow? rescale X or the lens)"
        )
    return values


@declare_params(
    lens=Param(
        "l2norm", "choice", choices=LENSES.names, help="the filter function the cover slices"
    ),
    random_state=Param(
        None, "any", help="seed of the random steps (PCA solver, eccentricity sample)"
    ),
)
def compute_lens(
    X: np.ndarray,
    lens: str | np.ndarray | Callable[[np.ndarray], np.ndarray] = "l2norm",
    *,
    random_state=None,
) -> np.ndarray:
    """Evaluate a lens on ``X``.

    Parameters
    ----------
    X : array-like of shape (n_inputs, n_features)
        Finite numbers (pandas frames, lists, integer and boolean arrays are converted).
    lens : str, array or callable
        A name in :data:`LENSES` (built in: ``"l2norm"``, ``"l2norm_quantile"``, ``"pca1"``,
        ``"pca2"``, ``"eccentricity"``, ``"knn_density"``; add more with
        :func:`register_lens`); or an array of shape ``(n,)`` or ``(n, 2)``; or a callable
        ``f(X)`` returning such an array.
    random_state : None, int, RandomState or Generator
        Seeds the random steps of the lens.

    Returns
    -------
    ndarray of float64, shape (n,) or (n, 2)

    Raises
    ------
    ValueError
        Unknown lens, wrong shape, or values that are not finite (an overflowing lens).
    """
    X = check_array(X, "X")
    check_random_state(random_state)  # refuse a bad seed before any work
    return _lens_values(X, lens, random_state)
