"""Latent functional maps (Fumero et al., NeurIPS 2024).

Two representations of the same inputs are compared through a *functional map*: a linear map
``C`` between functions on their kNN graphs, written in the low-frequency eigenbases of the
graph Laplacians. The steps:

1. a symmetric kNN graph of each representation (:func:`knn_graph`), Gaussian weights with a
   local bandwidth (Zelnik-Manor & Perona 2004), so that the graph does not change under
   rotations, reflections, isotropic scaling and translations of the representation;
2. the eigenvectors of its normalised Laplacian for the ``n_eigenvectors`` smallest
   eigenvalues (:func:`laplacian_eigenbasis`, ARPACK through ``scipy.sparse.linalg.eigsh``);
3. descriptor functions on both graphs that should correspond (:func:`descriptors`): heat
   kernel signatures (intrinsic: need nothing), graph distances to anchor inputs, label
   indicators;
4. ``C`` by regularised least squares (:func:`fit_functional_map`): descriptor preservation,
   commutativity with the Laplacians and with the descriptors' multiplication operators, in
   closed form (one linear solve of ``k^2`` unknowns);
5. a point-to-point correspondence from ``C`` (nearest neighbours of the transported spectral
   embeddings), refined by ZoomOut (Melzi et al. 2019);
6. the similarity read off a map: ``1 - ||off(C'C)||_F / ||C'C||_F`` (the authors' area
   distortion measure: 1 exactly when ``C`` is orthogonal, i.e. the two graphs' low-frequency
   function spaces coincide).

Every default and why is in docs/metrics.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .._utils.params import Param, declare_params
from .._utils.progress import report, sub_progress
from .._utils.validation import (
    check_bool,
    check_index_array,
    check_int,
    check_option,
    check_random_state,
    check_real,
    check_vector,
)
from ._neighbors import METRICS, knn
from .similarity import check_pair

__all__ = [
    "LFMResult",
    "lfm",
    "knn_graph",
    "laplacian_eigenbasis",
    "heat_kernel_signatures",
    "descriptor_functions",
    "fit_functional_map",
    "map_to_matches",
    "zoomout",
    "map_similarity",
    "subspace_similarity",
    "DESCRIPTORS",
]

DESCRIPTORS = ("hks", "anchors", "labels")
#: Maps with at most this many coefficients are solved by one dense factorisation; larger
#: ones by matrix-free conjugate gradients (same minimiser).
DENSE_MAP_SOLVE = 900
#: Power of the spectral filter in :func:`laplacian_eigenbasis`.
FILTER_POWER = 16


# -- result ------------------------------------------------------------------------------------


@dataclass
class LFMResult:
    """What :func:`lfm` returns.

    Attributes
    ----------
    C : (k, k) array
        The functional map fitted from the descriptors (refined by ZoomOut when ``refine``):
        coefficients of functions on ``X``'s graph in, of ``Y``'s graph out.
    C_known : (k, k) array
        The map induced by the known correspondence of the rows (input ``i`` of ``X`` is input
        ``i`` of ``Y``): ``Phi_Y' Phi_X``.
    similarity : float
        Read off ``C_known`` (``similarity_map="known"``, default) or ``C`` ("fitted"):
        ``1 - ||off(C'C)|| / ||C'C||``.
    similarity_fitted, similarity_known : float
        Both readings.
    matches : (n,) int array
        For every input of ``X``, the input of ``Y`` that ``C`` maps it to.
    candidates : (n, top_k) int array
        The ``top_k`` best matches, best first (``matches`` is the first column).
    evals_x, evals_y : (k,) arrays
        Eigenvalues of the two normalised Laplacians.
    params : dict
        The parameters used.
    """

    C: np.ndarray
    C_known: np.ndarray
    similarity: float
    similarity_fitted: float
    similarity_known: float
    matches: np.ndarray
    candidates: np.ndarray
    evals_x: np.ndarray
    evals_y: np.ndarray
    params: dict = field(default_factory=dict)

    def accuracy(self, truth=None, *, top: int = 1) -> float:
        """Share of inputs whose true match (default: itself) is among the ``top`` candidates."""
        n = len(self.matches)
        truth = np.arange(n) if truth is None else np.asarray(truth)
        top = check_int(top, "top", minimum=1, maximum=self.candidates.shape[1])
        return float(np.mean(np.any(self.candidates[:, :top] == truth[:, None], axis=1)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "C": np.asarray(self.C),
            "C_known": np.asarray(self.C_known),
            "similarity": float(self.similarity),
            "similarity_fitted": float(self.similarity_fitted),
            "similarity_known": float(self.similarity_known),
            "matches": np.asarray(self.matches),
            "candidates": np.asarray(self.candidates),
            "evals_x": np.asarray(self.evals_x),
            "evals_y": np.asarray(self.evals_y),
            "params": {k: _plain(v) for k, v in self.params.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LFMResult:
        return cls(
            C=np.asarray(d["C"], dtype=np.float64),
            C_known=np.asarray(d["C_known"], dtype=np.float64),
            similarity=float(d["similarity"]),
            similarity_fitted=float(d["similarity_fitted"]),
            similarity_known=float(d["similarity_known"]),
            matches=np.asarray(d["matches"], dtype=np.int64),
            candidates=np.asarray(d["candidates"], dtype=np.int64),
            evals_x=np.asarray(d["evals_x"], dtype=np.float64),
            evals_y=np.asarray(d["evals_y"], dtype=np.float64),
            params=dict(d.get("params", {})),
        )

    def __float__(self) -> float:
        return float(self.similarity)


def _plain(v):
    if isinstance(v, np.ndarray):
        return v
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, tuple):
        return list(v)
    return v


# -- graph and eigenbasis ----------------------------------------------------------------------


def knn_graph(
    X: np.ndarray, n_neighbors: int, *, metric: str = "cosine", n_jobs=None, progress=None
):
    """The symmetric kNN graph of the rows of ``X`` as a CSR matrix of weights, and the CSR
    matrix of edge lengths (distances).

    ``i ~ j`` when either is among the other's ``n_neighbors`` nearest (the union: every
    input keeps at least its own neighbours). Weight ``exp(-d_ij^2 / (s_i s_j))`` with
    ``s_i`` the distance of ``i`` to its ``n_neighbors``-th neighbour (a local bandwidth: the
    weights do not depend on the scale of the data, dense and sparse regions are treated
    alike). Duplicate inputs (distance 0) get weight 1.
    """
    n = X.shape[0]
    idx, dist = knn(X, n_neighbors, metric=metric, n_jobs=n_jobs, progress=progress)
    dist = np.maximum(dist.astype(np.float64), 0.0)
    scale = dist[:, -1].copy()
    pos = scale > 0
    scale[~pos] = scale[pos].min() if pos.any() else 1.0
    rows = np.repeat(np.arange(n), n_neighbors)
    cols = idx.ravel()
    d = dist.ravel()
    w = np.exp(-(d * d) / (scale[rows] * scale[cols]))
    W = sp.csr_matrix((w, (rows, cols)), shape=(n, n))
    W = W.maximum(W.T).tocsr()
    Dm = sp.csr_matrix((np.maximum(d, 1e-12), (rows, cols)), shape=(n, n))
    Dm = Dm.maximum(Dm.T).tocsr()
    return W, Dm


def laplacian_eigenbasis(W: sp.csr_matrix, k: int, *, random_state=None, tol: float = 1e-8):
    """The ``k`` smallest eigenvalues and eigenvectors of the normalised Laplacian
    ``L = I - D^-1/2 W D^-1/2``, eigenvalues ascending.

    Computed as the largest eigenpairs of ``((S + I) / 2)^p`` (``S = D^-1/2 W D^-1/2``,
    ``p =`` :data:`FILTER_POWER`): the shift maps the spectrum into [0, 1] keeping its order,
    the power spreads the wanted top end and squeezes the rest towards 0, so ARPACK's Lanczos
    iteration converges in far fewer restarts (2-5x faster at 5,000 inputs than on ``S + I``),
    with sparse products only (no factorisation, as shift-invert would need). The eigenvalues
    are the Rayleigh quotients on ``S``. Dense
    ``eigh`` for tiny graphs (fewer inputs than ARPACK's Krylov space needs). The start vector comes from ``random_state``; eigenvector
    signs are fixed (largest-magnitude entry positive), so results are reproducible.
    """
    from scipy.sparse.linalg import eigsh

    n = W.shape[0]
    deg = np.asarray(W.sum(axis=1)).ravel()
    inv = 1.0 / np.sqrt(np.maximum(deg, 1e-300))
    S = sp.diags(inv) @ W @ sp.diags(inv)
    ncv = max(2 * k + 1, k + 32)
    if n <= ncv + 8:
        vals, vecs = np.linalg.eigh(S.toarray())
        vals, vecs = vals[::-1][:k], vecs[:, ::-1][:, :k]
    else:
        from scipy.sparse.linalg import LinearOperator

        rs = check_random_state(random_state)
        v0 = rs.uniform(-1.0, 1.0, n)
        A = ((S + sp.identity(n, format="csr")) * 0.5).tocsr()

        def apply(v):
            for _ in range(FILTER_POWER):
                v = A @ v
            return v

        op = LinearOperator((n, n), matvec=apply, matmat=apply, dtype=np.float64)
        _, vecs = eigsh(op, k=k, which="LA", v0=v0, tol=tol, ncv=ncv)
        vals = np.einsum("ij,ij->j", vecs, S @ vecs)  # Rayleigh quotients: eigenvalues of S
        order = np.argsort(-vals)
        vals, vecs = vals[order], vecs[:, order]
    evals = np.clip(1.0 - vals, 0.0, 2.0)
    big = np.argmax(np.abs(vecs), axis=0)
    signs = np.sign(vecs[big, np.arange(vecs.shape[1])])
    signs[signs == 0] = 1.0
    return evals, vecs * signs


# -- descriptors -------------------------------------------------------------------------------


def heat_kernel_signatures(evals: np.ndarray, evecs: np.ndarray, n_times: int) -> np.ndarray:
    """Heat kernel signatures (Sun et al. 2009) ``HKS_t(x) = sum_k exp(-t l_k) phi_k(x)^2`` at
    ``n_times`` times spaced geometrically over ``[4 ln 10 / l_max, 4 ln 10 / l_1]`` (the
    range of the original paper: from the time at which the highest kept frequency has decayed
    to that at which the lowest non-zero one has), each column divided by its total heat.
    Intrinsic: the same on two isometric graphs, whatever their eigenvector signs."""
    ev = np.abs(np.asarray(evals, dtype=np.float64))
    pos = ev[ev > 1e-10]
    lo = pos.min() if pos.size else 1.0
    hi = ev.max() if ev.max() > 0 else 1.0
    times = np.geomspace(4 * np.log(10) / hi, 4 * np.log(10) / lo, n_times)
    coefs = np.exp(-np.outer(times, ev))  # (T, k)
    H = (evecs**2) @ coefs.T  # (n, T)
    return H / coefs.sum(axis=1)[None, :]


def _anchor_functions(Dm: sp.csr_matrix, anchors: np.ndarray) -> np.ndarray:
    """``exp(-(g / median g)^2)`` of the graph (shortest-path) distances ``g`` to each anchor:
    scale free, 1 at the anchor, 0 where the anchor cannot be reached."""
    from scipy.sparse.csgraph import dijkstra

    G = dijkstra(Dm, directed=False, indices=anchors).T  # (n, a)
    out = np.zeros_like(G)
    for j in range(G.shape[1]):
        g = G[:, j]
        fin = np.isfinite(g) & (g > 0)
        med = float(np.median(g[fin])) if fin.any() else 1.0
        out[:, j] = np.where(np.isfinite(g), np.exp(-((g / med) ** 2)), 0.0)
    return out


def descriptor_functions(
    which, evals, evecs, Dm, *, anchors=None, labels=None, n_times: int = 10
) -> np.ndarray:
    """The descriptor functions of one graph, ``(n, p)``: for ``"hks"`` the heat kernel
    signatures, for ``"anchors"`` the graph-distance functions of the anchors, for
    ``"labels"`` one indicator per label (in sorted label order)."""
    cols = []
    for name in which:
        if name == "hks":
            cols.append(heat_kernel_signatures(evals, evecs, n_times))
        elif name == "anchors":
            cols.append(_anchor_functions(Dm, anchors))
        elif name == "labels":
            uniq = np.unique(labels)
            cols.append((labels[:, None] == uniq[None, :]).astype(np.float64))
    return np.concatenate(cols, axis=1)


# -- the map -----------------------------------------------------------------------------------


def fit_functional_map(
    desc_x: np.ndarray,
    desc_y: np.ndarray,
    evecs_x: np.ndarray,
    evecs_y: np.ndarray,
    evals_x: np.ndarray,
    evals_y: np.ndarray,
    *,
    w_laplacian: float = 1e-2,
    w_commute: float = 1e-1,
) -> np.ndarray:
    """The functional map ``C`` ``(k_y, k_x)`` minimising

        ``||C A - B||^2 + w_laplacian ||C L_x - L_y C||^2 + w_commute sum_d ||C M_x^d - M_y^d C||^2``

    with ``A = Phi_x' F_x``, ``B = Phi_y' F_y`` the descriptors in the eigenbases (each
    descriptor scaled to unit norm on its graph), ``L`` the diagonal eigenvalue matrices and
    ``M^d = Phi' diag(f_d) Phi`` the multiplication operators of the descriptors (scaled to
    maximum 1). The energy is quadratic in ``C``: its minimiser solves one symmetric positive
    definite system of ``k_x k_y`` unknowns (``vec`` identities): factorised directly up to
    :data:`DENSE_MAP_SOLVE` unknowns, else by preconditioned conjugate gradients to a relative
    residual of 1e-10 (matrix-free, ``p k^3`` per product).
    """
    kx, ky = evecs_x.shape[1], evecs_y.shape[1]
    nx_ = np.linalg.norm(desc_x, axis=0)
    ny_ = np.linalg.norm(desc_y, axis=0)
    keep = (nx_ > 0) & (ny_ > 0)
    Fx, Fy = desc_x[:, keep], desc_y[:, keep]
    A = evecs_x.T @ (Fx / nx_[keep])  # (kx, p)
    B = evecs_y.T @ (Fy / ny_[keep])  # (ky, p)
    lap = (evals_x[None, :] - evals_y[:, None]) ** 2  # (ky, kx)
    AAt = A @ A.T
    rhs = B @ A.T  # (ky, kx)
    Mxs, Mys = [], []
    if w_commute > 0 and Fx.shape[1]:
        mx = np.abs(Fx).max(axis=0)
        my = np.abs(Fy).max(axis=0)
        for j in range(Fx.shape[1]):
            Mxs.append(evecs_x.T @ (evecs_x * (Fx[:, j] / mx[j])[:, None]))
            Mys.append(evecs_y.T @ (evecs_y * (Fy[:, j] / my[j])[:, None]))
    if kx * ky <= DENSE_MAP_SOLVE:
        # vec(C) column-major: vec(C A) = (A' (x) I) vec(C)
        Iy, Ix = np.eye(ky), np.eye(kx)
        N = np.kron(AAt, Iy)
        N[np.diag_indices_from(N)] += w_laplacian * lap.ravel(order="F")
        if Mxs:
            sx = sum(M @ M for M in Mxs)
            sy = sum(M @ M for M in Mys)
            cross = sum(np.kron(Mx, My) for Mx, My in zip(Mxs, Mys))
            # ||C Mx - My C||^2 = vec(C)' [ (Mx^2 (x) I) + (I (x) My^2) - 2 (Mx (x) My) ] vec(C)
            N += w_commute * (np.kron(sx, Iy) + np.kron(Ix, sy) - 2.0 * cross)
        N[np.diag_indices_from(N)] += 1e-10 * max(1.0, float(np.trace(N)) / N.shape[0])
        c = np.linalg.solve(N, rhs.ravel(order="F"))
        return c.reshape((ky, kx), order="F")
    # larger maps: the same normal equations by conjugate gradients, matrix-free (each product
    # costs p k^3 instead of forming the (k^2 x k^2) matrix), Jacobi-preconditioned
    from scipy.sparse.linalg import LinearOperator, cg

    sx = sum(M @ M for M in Mxs) if Mxs else np.zeros((kx, kx))
    sy = sum(M @ M for M in Mys) if Mys else np.zeros((ky, ky))
    dcross = sum(np.outer(np.diag(My), np.diag(Mx)) for Mx, My in zip(Mxs, Mys)) if Mxs else 0.0

    def apply(v):
        C = v.reshape((ky, kx))
        out = C @ AAt + w_laplacian * lap * C
        if Mxs:
            out += w_commute * (
                C @ sx + sy @ C - 2.0 * sum(My @ C @ Mx for Mx, My in zip(Mxs, Mys))
            )
        return out.ravel()

    diag = np.diag(AAt)[None, :] + w_laplacian * lap
    if Mxs:
        diag = diag + w_commute * (np.diag(sx)[None, :] + np.diag(sy)[:, None] - 2.0 * dcross)
    diag = np.maximum(diag, 1e-12 * max(1.0, float(diag.max())))
    op = LinearOperator((kx * ky, kx * ky), matvec=apply, dtype=np.float64)
    pre = LinearOperator((kx * ky, kx * ky), matvec=lambda v: v / diag.ravel(), dtype=np.float64)
    c, _ = cg(op, rhs.ravel(), M=pre, rtol=1e-10, atol=0.0, maxiter=20 * kx * ky)
    return c.reshape((ky, kx))


def map_to_matches(
    C: np.ndarray,
    evecs_x: np.ndarray,
    evecs_y: np.ndarray,
    *,
    top_k: int = 1,
    n_jobs=None,
    progress=None,
):
    """For every input of ``X``, the ``top_k`` inputs of ``Y`` whose spectral embedding
    ``Phi_y C`` (the adjoint transport of ``Y``'s deltas into ``X``'s basis) is nearest to its
    own ``Phi_x`` row: ``(n_x, top_k)`` indices, best first."""
    kx = C.shape[1]
    ky = C.shape[0]
    emb_y = evecs_y[:, :ky] @ C
    idx, _ = knn(
        emb_y,
        top_k,
        metric="euclidean",
        queries=evecs_x[:, :kx],
        exclude_self=False,
        n_jobs=n_jobs,
        progress=progress,
        prepared=True,
    )
    return idx


def _pull_matches(C: np.ndarray, evecs_x: np.ndarray, evecs_y: np.ndarray, n_jobs=None):
    """For every input of ``Y``, the input of ``X`` whose transported embedding ``Phi_x C'``
    is nearest to its ``Phi_y`` row (the map ZoomOut iterates on)."""
    ky, kx = C.shape
    emb_x = evecs_x[:, :kx] @ C.T
    idx, _ = knn(
        emb_x,
        1,
        metric="euclidean",
        queries=evecs_y[:, :ky],
        exclude_self=False,
        n_jobs=n_jobs,
        prepared=True,
    )
    return idx[:, 0]


def zoomout(
    C: np.ndarray,
    evecs_x: np.ndarray,
    evecs_y: np.ndarray,
    k_final: int,
    *,
    n_steps: int = 10,
    n_jobs=None,
    progress=None,
) -> np.ndarray:
    """ZoomOut (Melzi et al. 2019): alternately the point map from the current ``C`` and the
    ``C`` one size larger from that point map (``Phi_y' Pi Phi_x``, the pull-back), growing
    from ``C``'s size to ``k_final`` in ``n_steps`` steps. Returns the ``(k_final, k_final)`` map."""
    k0 = C.shape[0]
    sizes = np.unique(np.linspace(k0, k_final, n_steps + 1).round().astype(int))[1:]
    if sizes.size == 0:
        sizes = np.array([k_final])
    report(progress, 0.0, f"ZoomOut {k0}")
    for i, k in enumerate(sizes):
        T = _pull_matches(C, evecs_x, evecs_y, n_jobs=n_jobs)  # Y -> X
        C = evecs_y[:, :k].T @ evecs_x[T, :k]
        report(progress, (i + 1) / len(sizes), f"ZoomOut {C.shape[0]}")
    return C


def subspace_similarity(C: np.ndarray) -> float:
    """``||C||_F^2 / k`` for ``C = Phi_y' Phi_x`` (orthonormal bases): the mean squared cosine
    of the principal angles between the two graphs' spans of their ``k`` lowest-frequency
    eigenvectors. 1 when the spans coincide (identical graphs, whatever the eigenvector signs
    or the rotations inside repeated eigenvalues); about ``k / n`` for unrelated graphs."""
    k = min(C.shape)
    return float(min(1.0, np.sum(C * C) / k))


def map_similarity(C: np.ndarray) -> float:
    """``1 - ||off(C'C)||_F / ||C'C||_F``: 1 when ``C'C`` is diagonal (``C`` orthogonal up to
    a scaling of its columns: the two graphs' low-frequency function spaces coincide), lower
    as the map mixes frequencies (the authors' area-distortion reading of ``C``)."""
    M = C.T @ C
    total = float(np.linalg.norm(M))
    if total == 0:
        return 0.0
    off = M - np.diag(np.diag(M))
    return float(1.0 - np.linalg.norm(off) / total)


# -- the whole method --------------------------------------------------------------------------


def _check_graph_sizes(n: int, n_neighbors: int, n_eigenvectors: int) -> None:
    """The kNN graph and the eigenbasis need fewer neighbours and eigenvectors than inputs."""
    if n_neighbors >= n:
        raise ValueError(
            f"n_neighbors: must be smaller than the number of inputs ({n}), got {n_neighbors}"
        )
    if n_eigenvectors >= n:
        raise ValueError(
            f"n_eigenvectors: must be smaller than the number of inputs ({n}), got {n_eigenvectors}"
        )


@declare_params(
    n_neighbors=Param(10, "int", low=2, high=1000, help="neighbours per input in each kNN graph"),
    n_eigenvectors=Param(
        50, "int", low=2, high=500, help="Laplacian eigenvectors: size of the functional map"
    ),
    descriptors=Param("auto", "any", help="'auto' or names from ('hks', 'anchors', 'labels')"),
    metric=Param("cosine", "choice", choices=list(METRICS), help="distance of the kNN graphs"),
    n_times=Param(10, "int", low=1, high=200, help="heat kernel signature times"),
    refine=Param(True, "bool", help="ZoomOut refinement of the fitted map"),
    similarity_map=Param(
        "known",
        "choice",
        choices=["known", "fitted"],
        help="read the similarity off the map of the shared rows or the fitted map",
    ),
    w_laplacian=Param(1e-2, "float", low=0.0, help="weight of Laplacian commutativity"),
    w_commute=Param(1e-1, "float", low=0.0, help="weight of descriptor-operator commutativity"),
    top_k=Param(5, "int", low=1, high=100, help="candidate matches kept per input"),
)
def lfm(
    X,
    Y,
    *,
    n_neighbors: int = 10,
    n_eigenvectors: int = 50,
    descriptors="auto",
    anchors=None,
    labels=None,
    metric: str = "cosine",
    n_times: int = 10,
    refine: bool = True,
    similarity_map: str = "known",
    w_laplacian: float = 1e-2,
    w_commute: float = 1e-1,
    top_k: int = 5,
    random_state=None,
    n_jobs=None,
    progress=None,
    fit: bool = True,
) -> LFMResult:
    """Latent functional map between ``X`` and ``Y`` (rows: the same inputs).

    Parameters
    ----------
    X, Y : arrays ``(n_inputs, d1)``, ``(n_inputs, d2)``
    n_neighbors : int
        Neighbours of each input in the symmetric kNN graphs (default 10).
    n_eigenvectors : int
        Size ``k`` of the functional map (default 50).
    descriptors : "auto" or sequence of names
        Among ``"hks"`` (heat kernel signatures), ``"anchors"`` (graph distances to the
        anchors; needs ``anchors``), ``"labels"`` (label indicators; needs ``labels``).
        ``"auto"``: HKS, plus anchors and labels when given.
    anchors : int or array of input indices, optional
        Inputs known to correspond (the same row in both); an int draws that many at random
        (``random_state``).
    labels : array ``(n_inputs,)``, optional
        Class labels shared by both representations.
    metric : "cosine" or "euclidean"
        Distance of the kNN graphs (default cosine: the usual geometry of embeddings).
    n_times : int
        Number of HKS times.
    refine : bool
        ZoomOut from ``k/2`` to ``k`` (default True).
    similarity_map : "known" or "fitted"
        Which map ``similarity`` is read from (see :class:`LFMResult`).
    w_laplacian, w_commute : float
        Weights of the regularisers (see :func:`fit_functional_map`).
    top_k : int
        Candidate matches kept per input (for top-k accuracies).
    random_state : None, int or RandomState
        Anchors drawn by number and the eigensolver's start vector.
    progress : callable ``(fraction, message)``, optional
    """
    n_neighbors = check_int(n_neighbors, "n_neighbors", minimum=2)
    n_eigenvectors = check_int(n_eigenvectors, "n_eigenvectors", minimum=2)
    n_times = check_int(n_times, "n_times", minimum=1)
    top_k = check_int(top_k, "top_k", minimum=1)
    refine = check_bool(refine, "refine")
    metric = check_option(metric, "metric", list(METRICS))
    similarity_map = check_option(similarity_map, "similarity_map", ["known", "fitted"])
    w_laplacian = check_real(w_laplacian, "w_laplacian", low=0.0)
    w_commute = check_real(w_commute, "w_commute", low=0.0)
    X, Y = check_pair(X, Y, min_rows=3)
    n = X.shape[0]
    _check_graph_sizes(n, n_neighbors, n_eigenvectors)
    if top_k > n:
        raise ValueError(f"top_k: must be at most the number of inputs ({n}), got {top_k}")
    rs = check_random_state(random_state)
    seed = int(
        rs.randint(0, 2**31 - 1)
    )  # the eigensolver's start, drawn first (see _prepare_basis)
    if anchors is not None:
        if isinstance(anchors, (int, np.integer)) and not isinstance(anchors, bool):
            a = check_int(int(anchors), "anchors", minimum=1, maximum=n)
            anchors = np.sort(rs.choice(n, size=a, replace=False))
        else:
            anchors = check_index_array(anchors, "anchors", n, unique=True, allow_empty=False)
    if labels is not None:
        labels = check_vector(labels, "labels", n)
    if isinstance(descriptors, str):
        if descriptors != "auto":
            descriptors = [descriptors]
    if descriptors == "auto":
        which = (
            ["hks"]
            + (["anchors"] if anchors is not None else [])
            + (["labels"] if labels is not None else [])
        )
    else:
        try:
            which = list(descriptors)
        except TypeError:
            raise TypeError(
                f"descriptors: expected 'auto' or a sequence of names from {DESCRIPTORS}"
            ) from None
        if not which:
            raise ValueError(f"descriptors: is empty; choose from {DESCRIPTORS} or 'auto'")
        for name in which:
            check_option(name, "descriptors", list(DESCRIPTORS))
        if "anchors" in which and anchors is None:
            raise ValueError(
                "descriptors: 'anchors' needs anchors (indices of corresponding inputs)"
            )
        if "labels" in which and labels is None:
            raise ValueError("descriptors: 'labels' needs labels (one per input)")

    report(progress, 0.0, "kNN graph of X")
    Wx, Dx = knn_graph(
        X,
        n_neighbors,
        metric=metric,
        n_jobs=n_jobs,
        progress=sub_progress(progress, 0.0, 0.25, "kNN graph of X"),
    )
    Wy, Dy = knn_graph(
        Y,
        n_neighbors,
        metric=metric,
        n_jobs=n_jobs,
        progress=sub_progress(progress, 0.25, 0.5, "kNN graph of Y"),
    )
    report(progress, 0.5, "Laplacian eigenvectors")
    # the same start vector for both: identical graphs give identical bases
    ex, Vx = laplacian_eigenbasis(Wx, n_eigenvectors, random_state=seed)
    report(progress, 0.6, "Laplacian eigenvectors")
    ey, Vy = laplacian_eigenbasis(Wy, n_eigenvectors, random_state=seed)
    C_known = Vy.T @ Vx
    s_known = subspace_similarity(C_known)
    if not fit:
        report(progress, 1.0, "done")
        return s_known
    report(progress, 0.7, "descriptors")
    Fx = descriptor_functions(which, ex, Vx, Dx, anchors=anchors, labels=labels, n_times=n_times)
    Fy = descriptor_functions(which, ey, Vy, Dy, anchors=anchors, labels=labels, n_times=n_times)
    k0 = max(2, n_eigenvectors // 2) if refine else n_eigenvectors
    report(progress, 0.75, "functional map")
    C = fit_functional_map(
        Fx,
        Fy,
        Vx[:, :k0],
        Vy[:, :k0],
        ex[:k0],
        ey[:k0],
        w_laplacian=w_laplacian,
        w_commute=w_commute,
    )
    if refine and k0 < n_eigenvectors:
        C = zoomout(
            C,
            Vx,
            Vy,
            n_eigenvectors,
            n_jobs=n_jobs,
            progress=sub_progress(progress, 0.8, 0.95, "refine"),
        )
    report(progress, 0.95, "point-to-point map")
    cand = map_to_matches(C, Vx, Vy, top_k=top_k, n_jobs=n_jobs)
    s_fit = map_similarity(C)
    params = dict(
        n_neighbors=n_neighbors,
        n_eigenvectors=n_eigenvectors,
        descriptors=list(which),
        metric=metric,
        n_times=n_times,
        refine=refine,
        similarity_map=similarity_map,
        w_laplacian=w_laplacian,
        w_commute=w_commute,
        top_k=top_k,
        anchors=None if anchors is None else np.asarray(anchors, dtype=np.int64),
    )
    report(progress, 1.0, "done")
    return LFMResult(
        C=C,
        C_known=C_known,
        similarity=s_known if similarity_map == "known" else s_fit,
        similarity_fitted=s_fit,
        similarity_known=s_known,
        matches=cand[:, 0].copy(),
        candidates=cand,
        evals_x=ex,
        evals_y=ey,
        params=params,
    )


def lfm_similarity(X, Y, **params) -> float:
    """:func:`lfm`'s similarity alone (the measure registered as ``"lfm"``). With the default
    ``similarity_map="known"`` the map is not fitted (nothing of it enters the number)."""
    if params.get("similarity_map", "known") == "known":
        return float(lfm(X, Y, fit=False, **params))
    return float(lfm(X, Y, **params).similarity)


def _prepare_basis(
    X,
    *,
    n_neighbors: int = 10,
    n_eigenvectors: int = 50,
    metric: str = "cosine",
    similarity_map: str = "known",
    random_state=None,
    n_jobs=None,
    **_ignored,
):
    """The eigenbasis of one representation for :func:`similarity_matrix` (each
    representation's graph and basis computed once, not once per pair), or None when the
    similarity needs the fitted map. The same checks and start vector as :func:`lfm`."""
    if similarity_map != "known":
        return None
    n_neighbors = check_int(n_neighbors, "n_neighbors", minimum=2)
    n_eigenvectors = check_int(n_eigenvectors, "n_eigenvectors", minimum=2)
    metric = check_option(metric, "metric", list(METRICS))
    X, _ = check_pair(X, X, min_rows=3)
    n = X.shape[0]
    _check_graph_sizes(n, n_neighbors, n_eigenvectors)
    seed = int(check_random_state(random_state).randint(0, 2**31 - 1))
    W, _ = knn_graph(X, n_neighbors, metric=metric, n_jobs=n_jobs)
    return laplacian_eigenbasis(W, n_eigenvectors, random_state=seed)[1]


def _compare_bases(Vx, Vy, **_ignored) -> float:
    return subspace_similarity(Vy.T @ Vx)


lfm_similarity.__params__ = dict(lfm.__params__)  # type: ignore[attr-defined]
lfm_similarity.prepare = _prepare_basis  # type: ignore[attr-defined]
lfm_similarity.compare = _compare_bases  # type: ignore[attr-defined]
