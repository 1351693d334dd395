"""CKA, SVCCA, PWCCA, mutual kNN and Procrustes: invariances, and values against independent
references written here in the plainest O(n^2) textbook form."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import ortho_group

from napari_topoalign.metrics import cka, mutual_knn, procrustes, pwcca, svcca


def _data(n=60, d1=5, d2=7, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d1)) + 2.0
    Y = np.tanh(X @ rng.normal(size=(d1, d2))) + 0.3 * rng.normal(size=(n, d2)) - 1.0
    return X, Y


# -- textbook references ------------------------------------------------------------------------


def ref_hsic(K, L):
    """Biased HSIC: tr(K H L H) / (n - 1)^2 with the centring matrix H."""
    n = len(K)
    H = np.eye(n) - np.ones((n, n)) / n
    return np.trace(K @ H @ L @ H) / (n - 1) ** 2


def ref_hsic_unbiased(K, L):
    """Song et al. (2012), eq. 5, on the raw Gram matrices."""
    n = len(K)
    Kt, Lt = K.copy(), L.copy()
    np.fill_diagonal(Kt, 0)
    np.fill_diagonal(Lt, 0)
    one = np.ones(n)
    return (
        np.trace(Kt @ Lt)
        + (one @ Kt @ one) * (one @ Lt @ one) / ((n - 1) * (n - 2))
        - 2.0 / (n - 2) * (one @ Kt @ Lt @ one)
    ) / (n * (n - 3))


def ref_cka(K, L, unbiased=False):
    h = ref_hsic_unbiased if unbiased else ref_hsic
    return h(K, L) / np.sqrt(h(K, K) * h(L, L))


def ref_rbf(X):
    D = np.array([[np.linalg.norm(a - b) for b in X] for a in X])
    sigma = np.median(D[np.triu_indices(len(X), 1)])
    return np.exp(-(D**2) / (2 * sigma**2))


def inv_sqrt(S):
    w, V = np.linalg.eigh(S)
    return V @ np.diag(w**-0.5) @ V.T


def ref_cca(X, Y):
    """Canonical correlations and the X-side canonical variates, by the covariance formulas."""
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    n = len(X)
    Sxx, Syy, Sxy = Xc.T @ Xc / (n - 1), Yc.T @ Yc / (n - 1), Xc.T @ Yc / (n - 1)
    T = inv_sqrt(Sxx) @ Sxy @ inv_sqrt(Syy)
    U, rho, _ = np.linalg.svd(T, full_matrices=False)
    H = Xc @ inv_sqrt(Sxx) @ U
    return rho, H / np.linalg.norm(H, axis=0)


def ref_svd_reduce(X, share):
    Xc = X - X.mean(0)
    U, s, _ = np.linalg.svd(Xc, full_matrices=False)
    var = s**2 / np.sum(s**2)
    r = int(np.argmax(np.cumsum(var) >= share - 1e-12)) + 1
    return U[:, :r] * s[:r]


# -- values --------------------------------------------------------------------------------------


@pytest.mark.parametrize("debiased", [False, True])
def test_linear_cka_equals_reference(debiased):
    X, Y = _data()
    want = (
        ref_cka(X @ X.T, Y @ Y.T, unbiased=debiased)
        if debiased
        else ref_cka((X - X.mean(0)) @ (X - X.mean(0)).T, Y @ Y.T)
    )
    assert cka(X, Y, debiased=debiased) == pytest.approx(want, abs=1e-6)
    # float32 input takes the same path (feature space)
    assert cka(X.astype(np.float32), Y.astype(np.float32), debiased=debiased) == pytest.approx(
        want, abs=1e-4
    )


def test_linear_cka_gram_path_when_features_outnumber_inputs():
    X, Y = _data(n=12, d1=30, d2=20)
    assert cka(X, Y) == pytest.approx(ref_cka(X @ X.T, Y @ Y.T), abs=1e-6)
    assert cka(X, Y, debiased=True) == pytest.approx(ref_cka(X @ X.T, Y @ Y.T, True), abs=1e-6)


@pytest.mark.parametrize("debiased", [False, True])
def test_rbf_cka_equals_reference(debiased):
    X, Y = _data(n=40)
    want = ref_cka(ref_rbf(X), ref_rbf(Y), unbiased=debiased)
    assert cka(X, Y, kernel="rbf", debiased=debiased) == pytest.approx(want, abs=1e-6)


def test_svcca_equals_reference():
    X, Y = _data(n=80, d1=6, d2=9)
    for share in (0.99, 0.7):
        rho, _ = ref_cca(ref_svd_reduce(X, share), ref_svd_reduce(Y, share))
        assert svcca(X, Y, n_components=share) == pytest.approx(rho.mean(), abs=1e-6)
    rho, _ = ref_cca(ref_svd_reduce(X, 1.0)[:, :3], ref_svd_reduce(Y, 1.0)[:, :3])
    assert svcca(X, Y, n_components=3) == pytest.approx(rho.mean(), abs=1e-6)


def test_pwcca_equals_reference():
    X, Y = _data(n=80, d1=4, d2=9)
    rho, H = ref_cca(X, Y)
    Xc = X - X.mean(0)
    alpha = np.array(
        [sum(abs(H[:, i] @ Xc[:, j]) for j in range(X.shape[1])) for i in range(H.shape[1])]
    )
    want = np.sum(alpha / alpha.sum() * rho)
    assert pwcca(X, Y) == pytest.approx(want, abs=1e-6)
    # weights from the side with fewer directions: swapping the arguments gives the same value
    assert pwcca(Y, X) == pytest.approx(want, abs=1e-6)


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_mutual_knn_equals_reference(metric):
    X, Y = _data(n=50)
    k = 5

    def neigh(Z):
        if metric == "cosine":
            U = Z / np.linalg.norm(Z, axis=1, keepdims=True)
            D = 1 - U @ U.T
        else:
            D = np.array([[np.linalg.norm(a - b) for b in Z] for a in Z])
        np.fill_diagonal(D, np.inf)
        return [set(np.argsort(D[i], kind="stable")[:k]) for i in range(len(Z))]

    nx, ny = neigh(X), neigh(Y)
    want = np.mean([len(a & b) / k for a, b in zip(nx, ny)])
    assert mutual_knn(X, Y, k=k, metric=metric) == pytest.approx(want, abs=1e-12)


def test_procrustes_equals_reference():
    X, Y = _data(n=50, d1=5, d2=7)

    def norm(Z):
        Z = Z - Z.mean(0)
        return Z / np.linalg.norm(Z)

    A, B = norm(X), norm(Y)
    A = np.c_[A, np.zeros((len(A), 2))]  # pad to the same width
    U, _, Vt = np.linalg.svd(B.T @ A)
    R = U @ Vt  # argmin_R ||A - B R|| over orthogonal R
    want = np.linalg.norm(A - B @ R) ** 2
    assert procrustes(X, Y) == pytest.approx(want, abs=1e-6)


# -- invariances ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kernel,debiased", [("linear", False), ("linear", True), ("rbf", False), ("rbf", True)]
)
def test_cka_invariances(kernel, debiased):
    X, Y = _data()
    Q = ortho_group.rvs(X.shape[1], random_state=1)
    assert cka(X, X, kernel=kernel, debiased=debiased) == pytest.approx(1.0, abs=1e-9)
    assert cka(X, 3.7 * X @ Q + 5.0, kernel=kernel, debiased=debiased) == pytest.approx(
        1.0, abs=1e-9
    )
    base = cka(X, Y, kernel=kernel, debiased=debiased)
    assert base < 0.99
    assert cka(0.2 * X @ Q - 1, 10 * Y, kernel=kernel, debiased=debiased) == pytest.approx(
        base, abs=1e-9
    )


def test_cca_family_and_procrustes_invariances():
    X, Y = _data()
    Q = ortho_group.rvs(X.shape[1], random_state=2)
    assert svcca(X, X @ Q * 2 + 1) == pytest.approx(1.0, abs=1e-9)
    assert pwcca(X, X @ Q * 2 + 1) == pytest.approx(1.0, abs=1e-9)
    assert procrustes(X, 4 * X @ Q - 3) == pytest.approx(0.0, abs=1e-9)
    assert procrustes(X, Y) > 0.1
    # a non-orthogonal linear map is not a rotation
    A = np.diag([1, 1, 1, 1, 10.0])
    assert procrustes(X, X @ A) > 0.05


def test_mutual_knn_identical_and_unrelated():
    X, Y = _data(n=200)
    rng = np.random.default_rng(5)
    Q = ortho_group.rvs(X.shape[1], random_state=3)
    assert mutual_knn(X, X) == 1.0
    assert mutual_knn(X, 2 * X @ Q, metric="cosine") == pytest.approx(1.0)
    assert mutual_knn(X, X @ Q + 4, metric="euclidean") == pytest.approx(1.0)
    noise = rng.normal(size=(200, 5))
    assert mutual_knn(X, noise, k=10) < 0.2


def test_unrelated_representations_score_low():
    rng = np.random.default_rng(0)
    X, Z = rng.normal(size=(300, 10)), rng.normal(size=(300, 10))
    assert cka(X, Z) < 0.15
    assert cka(X, Z, debiased=True) < 0.05


# -- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [cka, svcca, pwcca, mutual_knn, procrustes])
def test_bad_input_names_the_argument(fn):
    X, Y = _data()
    with pytest.raises(ValueError, match="Y: has 59 rows but X has 60"):
        fn(X, Y[:-1])
    bad = X.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X: row 3 holds NaN"):
        fn(bad, Y)
    with pytest.raises(ValueError, match="Y: is constant"):
        fn(X, np.ones_like(Y))


def test_bad_parameters():
    X, Y = _data(n=20)
    with pytest.raises(ValueError, match="k: must be smaller than the number of inputs"):
        mutual_knn(X, Y, k=20)
    with pytest.raises(ValueError, match="kernel: unknown option"):
        cka(X, Y, kernel="poly")
    with pytest.raises(ValueError, match="sigma"):
        cka(X, Y, kernel="rbf", sigma=-1.0)
    with pytest.raises(ValueError, match="n_components"):
        svcca(X, Y, n_components=1.5)
    with pytest.raises(ValueError, match="X: has 3 rows"):
        cka(X[:3], Y[:3], debiased=True)
