"""Similarity measures between two representations of the same inputs.

Each measure takes ``X`` ``(n_inputs, d1)`` and ``Y`` ``(n_inputs, d2)`` (row ``i`` of both is
input ``i``) and returns one float:

- :func:`cka`: centred kernel alignment (Kornblith et al. 2019), linear or RBF kernel, biased
  or debiased HSIC (Song et al. 2012; Nguyen et al. 2021);
- :func:`svcca`: SVD then CCA (Raghu et al. 2017), the mean canonical correlation;
- :func:`pwcca`: projection-weighted CCA (Morcos et al. 2018);
- :func:`mutual_knn`: mean share of common k nearest neighbours (Huh et al. 2024);
- :func:`procrustes`: the orthogonal Procrustes distance (Ding et al. 2021; a distance: 0
  for identical shapes).

Every default and why is in docs/metrics.md.
"""

from __future__ import annotations

import numpy as np

from .._utils.params import Param, declare_params
from .._utils.validation import (
    check_array,
    check_bool,
    check_budget,
    check_int,
    check_option,
    check_real,
    check_same_rows,
)
from ._neighbors import METRICS, knn

__all__ = ["cka", "svcca", "pwcca", "mutual_knn", "procrustes", "check_pair"]

#: Largest n for which an n x n Gram matrix is formed (RBF CKA): 15,000^2 float64 = 1.8 GB.
MAX_GRAM = 15_000


def check_pair(
    X, Y, *, min_rows: int = 2, names=("X", "Y"), float64: bool = False, nonconstant: bool = True
):
    """``X`` and ``Y`` checked: 2-D, finite, numeric, the same number of rows (at least
    ``min_rows``), neither constant (all rows equal) when ``nonconstant``."""
    a, b = names
    X = check_array(X, a, ndim=2, min_rows=1)
    Y = check_array(Y, b, ndim=2, min_rows=1)
    check_same_rows([X, Y], [a, b])
    if X.shape[0] < min_rows:
        raise ValueError(f"{a}: has {X.shape[0]} rows (inputs), needs at least {min_rows}")
    if float64:
        X = X.astype(np.float64, copy=False)
        Y = Y.astype(np.float64, copy=False)
    elif X.dtype != Y.dtype:
        X = X.astype(np.float64, copy=False)
        Y = Y.astype(np.float64, copy=False)
    if nonconstant:
        for M, nm in ((X, a), (Y, b)):
            if np.all(M == M[0:1]):
                raise ValueError(
                    f"{nm}: is constant (every input has the same vector); a similarity to it is undefined"
                )
    return X, Y


def _centre(X: np.ndarray) -> np.ndarray:
    return X - X.mean(axis=0, dtype=np.float64).astype(X.dtype)


# -- CKA --------------------------------------------------------------------------------------


def _hsic_debiased_terms(
    K_frob_cross: float,
    sx: np.ndarray,
    sy: np.ndarray,
    n: int,
    Kx1: np.ndarray,
    Ly1: np.ndarray,
    sumK: float,
    sumL: float,
) -> float:
    """The unbiased HSIC (Song et al. 2012, eq. 5) from its pieces: ``tr(K~L~)``, the
    diagonals ``sx, sy`` of K and L, ``K~1``, ``L~1`` and ``1'K~1``, ``1'L~1``."""
    return (
        K_frob_cross + sumK * sumL / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * float(Kx1 @ Ly1)
    ) / (n * (n - 3))


def _linear_hsics(X: np.ndarray, Y: np.ndarray, debiased: bool) -> tuple[float, float, float]:
    """``(HSIC(X,Y), HSIC(X,X), HSIC(Y,Y))`` for linear kernels of centred ``X, Y``, from the
    three feature-space products (cost ``n (d1 + d2)^2``, never ``n^2``)."""
    n = X.shape[0]
    XtY = X.T @ Y
    XtX = X.T @ X
    YtY = Y.T @ Y
    f = np.float64
    xy = float(np.sum(XtY.astype(f) ** 2))
    xx = float(np.sum(XtX.astype(f) ** 2))
    yy = float(np.sum(YtY.astype(f) ** 2))
    if not debiased:
        return xy, xx, yy
    sx = np.einsum("ij,ij->i", X, X).astype(f)  # diag of K = XX'
    sy = np.einsum("ij,ij->i", Y, Y).astype(f)
    # K~ = K - diag(K). With centred columns, K1 = 0, so K~1 = -sx and 1'K~1 = -sum(sx).
    Kx1 = X @ X.sum(axis=0).astype(X.dtype)
    Ly1 = Y @ Y.sum(axis=0).astype(Y.dtype)
    Kx1 = Kx1.astype(f) - sx
    Ly1 = Ly1.astype(f) - sy
    sumK, sumL = float(Kx1.sum()), float(Ly1.sum())
    h_xy = _hsic_debiased_terms(xy - float(sx @ sy), sx, sy, n, Kx1, Ly1, sumK, sumL)
    h_xx = _hsic_debiased_terms(xx - float(sx @ sx), sx, sx, n, Kx1, Kx1, sumK, sumK)
    h_yy = _hsic_debiased_terms(yy - float(sy @ sy), sy, sy, n, Ly1, Ly1, sumL, sumL)
    return h_xy, h_xx, h_yy


def _gram_hsics(K: np.ndarray, L: np.ndarray, debiased: bool) -> tuple[float, float, float]:
    """HSICs from two Gram matrices (biased: of the doubly centred matrices)."""
    n = K.shape[0]
    if not debiased:
        Kc = K - K.mean(0)[None, :] - K.mean(1)[:, None] + K.mean()
        Lc = L - L.mean(0)[None, :] - L.mean(1)[:, None] + L.mean()
        return float(np.sum(Kc * Lc)), float(np.sum(Kc * Kc)), float(np.sum(Lc * Lc))
    Kt = K.copy()
    Lt = L.copy()
    np.fill_diagonal(Kt, 0.0)
    np.fill_diagonal(Lt, 0.0)
    k1, l1 = Kt.sum(1), Lt.sum(1)
    sk, sl = float(k1.sum()), float(l1.sum())

    def h(A, B, a1, b1, sa, sb):
        return (
            float(np.sum(A * B)) + sa * sb / ((n - 1) * (n - 2)) - 2.0 / (n - 2) * float(a1 @ b1)
        ) / (n * (n - 3))

    return h(Kt, Lt, k1, l1, sk, sl), h(Kt, Kt, k1, k1, sk, sk), h(Lt, Lt, l1, l1, sl, sl)


def _rbf_gram(X: np.ndarray, sigma: float | None) -> np.ndarray:
    X = X.astype(np.float64, copy=False)
    sq = np.einsum("ij,ij->i", X, X)
    D2 = np.maximum(sq[:, None] - 2.0 * (X @ X.T) + sq[None, :], 0.0)
    np.fill_diagonal(D2, 0.0)
    if sigma is None:
        iu = np.triu_indices(X.shape[0], k=1)
        sigma = float(np.median(np.sqrt(D2[iu])))
        if sigma == 0.0:
            sigma = float(np.sqrt(D2.max())) or 1.0
    return np.exp(-D2 / (2.0 * sigma * sigma))


def _ratio(xy: float, xx: float, yy: float) -> float:
    den = xx * yy
    if den <= 0:
        return 0.0
    return float(xy / np.sqrt(den))


@declare_params(
    kernel=Param(
        "linear", "choice", choices=["linear", "rbf"], help="kernel of the Gram matrices"
    ),
    debiased=Param(
        False, "bool", help="unbiased HSIC estimator (Song et al. 2012): no upward bias at small n"
    ),
    sigma=Param(
        None,
        "float",
        low=0.0,
        low_open=True,
        none_ok=True,
        help="RBF bandwidth; None: the median pairwise distance, per representation",
    ),
)
def cka(
    X, Y, *, kernel: str = "linear", debiased: bool = False, sigma: float | None = None
) -> float:
    """Centred kernel alignment of ``X`` and ``Y``: ``HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))``.

    Parameters
    ----------
    X, Y : array ``(n_inputs, d1)``, ``(n_inputs, d2)``
    kernel : ``"linear"`` or ``"rbf"``
        Linear CKA is computed in feature space from ``X'Y``, ``X'X``, ``Y'Y`` (cost linear in
        ``n``); when ``n`` is smaller than the feature count, from the Gram matrices instead.
        RBF CKA forms the ``n x n`` Gram matrices ``exp(-|x - x'|^2 / (2 sigma^2))``.
    debiased : bool
        The unbiased HSIC estimator (Song et al. 2012), as used for CKA by Nguyen et al.
        (2021); needs at least 4 inputs. It can be slightly negative for unrelated data.
    sigma : float, optional
        RBF bandwidth; None (default) takes the median pairwise distance of each
        representation, which keeps RBF CKA invariant to isotropic scaling.

    Returns
    -------
    float in [0, 1] (biased estimator); 1 for ``Y = s X R + t`` (orthogonal ``R``, ``s > 0``).
    """
    kernel = check_option(kernel, "kernel", ["linear", "rbf"])
    debiased = check_bool(debiased, "debiased")
    sigma = check_real(sigma, "sigma", low=0.0, low_open=True, allow_none=True)
    X, Y = check_pair(X, Y, min_rows=4 if debiased else 2)
    n = X.shape[0]
    if kernel == "linear":
        Xc, Yc = _centre(X), _centre(Y)
        if n < max(X.shape[1], Y.shape[1]) and n <= MAX_GRAM:
            Xc = Xc.astype(np.float64, copy=False)
            Yc = Yc.astype(np.float64, copy=False)
            return _ratio(*_gram_hsics(Xc @ Xc.T, Yc @ Yc.T, debiased))
        return _ratio(*_linear_hsics(Xc, Yc, debiased))
    check_budget(
        n,
        MAX_GRAM,
        "cka(kernel='rbf'): inputs for the n x n Gram matrices",
        "use kernel='linear' or a subsample of the inputs",
    )
    return _ratio(*_gram_hsics(_rbf_gram(X, sigma), _rbf_gram(Y, sigma), debiased))


# -- CCA family --------------------------------------------------------------------------------


def _basis(Xc: np.ndarray, keep) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An orthonormal basis ``U`` ``(n, r)`` of the column space of centred ``Xc`` (thin
    SVD), keeping the leading directions: ``keep`` None -> all above the rank tolerance; a
    float in (0, 1] -> the fewest directions explaining that share of variance; an int ->
    that many. Also returns the singular values and right singular vectors kept."""
    U, s, Vt = np.linalg.svd(Xc.astype(np.float64, copy=False), full_matrices=False)
    tol = s[0] * max(Xc.shape) * np.finfo(np.float64).eps if s.size else 0.0
    rank = int(np.sum(s > tol))
    if keep is None:
        r = rank
    elif isinstance(keep, float):
        var = s[:rank] ** 2
        share = np.cumsum(var) / var.sum()
        r = int(np.searchsorted(share, keep - 1e-12) + 1)
    else:
        r = min(int(keep), rank)
    r = max(1, min(r, rank))
    return U[:, :r], s[:r], Vt[:r]


def _cca(Ux: np.ndarray, Uy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Canonical correlations of two orthonormal bases (Bjorck & Golub 1973): the singular
    values of ``Ux'Uy``, with the left and right singular vectors."""
    A, rho, Bt = np.linalg.svd(Ux.T @ Uy, full_matrices=False)
    return np.clip(rho, 0.0, 1.0), A, Bt.T


@declare_params(
    n_components=Param(
        0.99,
        "any",
        help="SVD step: a share of variance in (0, 1] (float) or a number of directions (int)",
    ),
)
def svcca(X, Y, *, n_components=0.99) -> float:
    """SVCCA (Raghu et al. 2017): each representation is reduced by an SVD to its leading
    directions (``n_components``: the share of variance kept, default 0.99, or a count),
    then the mean of the canonical correlations of the two reduced representations.

    Returns a float in [0, 1]; invariant to invertible linear maps of the kept subspaces.
    """
    if isinstance(n_components, (float, np.floating)):
        n_components = check_real(
            float(n_components), "n_components", low=0.0, high=1.0, low_open=True
        )
    else:
        n_components = check_int(n_components, "n_components", minimum=1)
    X, Y = check_pair(X, Y, min_rows=2, float64=True)
    Ux, _, _ = _basis(_centre(X), n_components)
    Uy, _, _ = _basis(_centre(Y), n_components)
    rho, _, _ = _cca(Ux, Uy)
    return float(rho.mean())


@declare_params()
def pwcca(X, Y) -> float:
    """Projection-weighted CCA (Morcos et al. 2018).

    CCA of the two centred representations (on their full-rank column spaces); the canonical
    correlations ``rho_i`` are averaged with weights ``alpha_i = sum_j |<h_i, x_j>|``, how much
    of the neurons ``x_j`` of the representation the canonical variate ``h_i`` accounts for,
    normalised to sum 1. As in the authors' code the weights come from the representation with
    fewer (non-degenerate) directions, ``X`` on a tie; so ``pwcca`` is not symmetric when the
    two differ in rank.
    """
    X, Y = check_pair(X, Y, min_rows=2, float64=True)
    Xc, Yc = _centre(X), _centre(Y)
    Ux, _, _ = _basis(Xc, None)
    Uy, _, _ = _basis(Yc, None)
    rho, A, B = _cca(Ux, Uy)
    if Ux.shape[1] <= Uy.shape[1]:
        H, M = Ux @ A, Xc
    else:
        H, M = Uy @ B, Yc
    alpha = np.abs(H.T @ M).sum(axis=1)
    total = alpha.sum()
    if total <= 0:
        return 0.0
    return float(np.sum(alpha / total * rho))


# -- mutual kNN ------------------------------------------------------------------------------


@declare_params(
    k=Param(10, "int", low=1, high=10_000, help="neighbours per input"),
    metric=Param(
        "cosine", "choice", choices=list(METRICS), help="distance of the neighbour search"
    ),
)
def mutual_knn(X, Y, *, k: int = 10, metric: str = "cosine", n_jobs=None, progress=None) -> float:
    """Mutual k-nearest-neighbour alignment (Huh et al. 2024): for each input, the share of
    its ``k`` nearest neighbours in ``X`` that are also among its ``k`` nearest in ``Y``,
    averaged over the inputs. 1 for identical neighbourhoods; ``~k / n`` for unrelated ones.

    The search is exact (blocked matrix products on a thread pool; ties broken by index).
    """
    X, Y = check_pair(X, Y, min_rows=2)
    n = X.shape[0]
    k = check_int(k, "k", minimum=1)
    if k > n - 1:
        raise ValueError(f"k: must be smaller than the number of inputs ({n}), got {k}")
    metric = check_option(metric, "metric", list(METRICS))

    def sub(lo, hi):
        if progress is None:
            return None
        return lambda f, m="": progress(lo + (hi - lo) * f, f"mutual kNN: {m}")

    ix, _ = knn(X, k, metric=metric, n_jobs=n_jobs, progress=sub(0.0, 0.5))
    iy, _ = knn(Y, k, metric=metric, n_jobs=n_jobs, progress=sub(0.5, 1.0))
    return float(_overlap(ix, iy).mean() / k)


def _knn_prepare(X, *, k: int = 10, metric: str = "cosine", n_jobs=None, **_ignored):
    """The neighbour lists of one representation, for :func:`similarity_matrix` (one search
    per representation instead of two per pair); the same checks as :func:`mutual_knn`."""
    X, _ = check_pair(X, X, min_rows=2)
    n = X.shape[0]
    k = check_int(k, "k", minimum=1)
    if k > n - 1:
        raise ValueError(f"k: must be smaller than the number of inputs ({n}), got {k}")
    metric = check_option(metric, "metric", list(METRICS))
    return knn(X, k, metric=metric, n_jobs=n_jobs)[0]


def _knn_compare(ix, iy, **_ignored) -> float:
    return float(_overlap(ix, iy).mean() / ix.shape[1])


mutual_knn.prepare = _knn_prepare  # type: ignore[attr-defined]
mutual_knn.compare = _knn_compare  # type: ignore[attr-defined]


def _overlap(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Per row, the number of common entries of two rows of distinct indices."""
    n, k = ix.shape
    a = np.sort(ix, axis=1)
    b = np.sort(iy, axis=1)
    both = np.concatenate([a, b], axis=1)
    both.sort(axis=1)
    return np.sum(both[:, 1:] == both[:, :-1], axis=1)


# -- Procrustes --------------------------------------------------------------------------------


@declare_params()
def procrustes(X, Y) -> float:
    """Orthogonal Procrustes distance (Ding et al. 2021): with ``X, Y`` centred and scaled to
    unit Frobenius norm, ``min_R ||X - Y R||_F^2 = 2 - 2 ||X'Y||_*`` over orthogonal ``R``
    (``||.||_*``: the nuclear norm; a narrower representation is padded with zero columns).

    A distance in [0, 2]: 0 when ``Y`` is a rotation / reflection, scaling and translation of
    ``X``. Feature-space cost: one ``d1 x d2`` product and its singular values.
    """
    X, Y = check_pair(X, Y, min_rows=2)
    Xc, Yc = _centre(X), _centre(Y)
    nx = float(np.linalg.norm(Xc.astype(np.float64, copy=False)))
    ny = float(np.linalg.norm(Yc.astype(np.float64, copy=False)))
    M = (Xc.T @ Yc).astype(np.float64) / (nx * ny)
    nuc = float(np.linalg.svd(M, compute_uv=False).sum())
    return float(max(0.0, 2.0 - 2.0 * nuc))
