"""build_mapper, compute_lens, covers and registries: every bad input answered.

Each row of a table is one bad input and what a good answer is: an error naming the argument,
a warning naming the cause, or the documented conversion.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_topoalign import build_mapper, compute_lens, register_lens
from napari_topoalign.mapper import (
    CLUSTERERS,
    COVERS,
    LENSES,
    DegenerateGraphWarning,
    EmptyGraphWarning,
    knee_eps,
    make_cover,
    param_specs,
    register_clusterer,
    register_cover,
)

RNG = np.random.default_rng(0)
X = np.concatenate([RNG.normal(size=(100, 4)), RNG.normal(size=(100, 4)) + 5])
N = len(X)
BIG = np.concatenate([X + RNG.normal(scale=0.05, size=X.shape) for _ in range(12)])  # > 2000 rows
FIXED = dict(n_intervals=6, overlap=0.3, cover="uniform", clusterer="dbscan", random_state=0)


def _build(X=X, **kw):
    return build_mapper(X, **{**FIXED, **kw})


# --------------------------------------------------------------------------- parameters
BAD_PARAMS = [
    # (kwargs, exception, text the message must hold)
    ({"eps": True}, TypeError, "eps: expected a real number, got a boolean"),
    ({"eps": "1.0"}, TypeError, "eps"),
    ({"eps": float("nan")}, ValueError, "eps: must be a finite number"),
    ({"eps": float("inf")}, ValueError, "eps"),
    ({"eps": 0.0}, ValueError, "eps: must lie in (0, inf)"),
    ({"eps": -1.0}, ValueError, "eps"),
    ({"n_intervals": True}, TypeError, "n_intervals: expected an integer, got a boolean"),
    ({"n_intervals": 10.0}, TypeError, "n_intervals: expected an integer"),
    ({"n_intervals": "10"}, TypeError, "n_intervals"),
    ({"n_intervals": None}, TypeError, "n_intervals"),
    ({"n_intervals": 0}, ValueError, "n_intervals: must be an integer >= 1"),
    ({"n_intervals": 10**9}, ValueError, "n_intervals: must be an integer <= 100000"),
    ({"n_intervals": (3, 4, 5)}, ValueError, "n_intervals"),
    ({"n_intervals": (3, 4)}, ValueError, "n_intervals: give one value or one per lens dimension"),
    ({"n_intervals": (3, 1.5)}, TypeError, "n_intervals[1]"),
    ({"overlap": True}, TypeError, "overlap"),
    ({"overlap": "0.3"}, TypeError, "overlap"),
    ({"overlap": None}, TypeError, "overlap"),
    ({"overlap": float("nan")}, ValueError, "overlap"),
    ({"overlap": 1.0}, ValueError, "overlap: must lie in [0, 1)"),
    ({"overlap": -0.1}, ValueError, "overlap"),
    ({"overlap": (0.2, 0.3)}, ValueError, "overlap: give one value"),
    (
        {"overlap": 0.9999999, "n_intervals": 100_000},
        ValueError,
        "overlap: every input would lie in",
    ),
    ({"min_samples": 0}, ValueError, "min_samples: must be an integer >= 1"),
    ({"min_samples": 2.5}, TypeError, "min_samples"),
    ({"min_samples": True}, TypeError, "min_samples"),
    ({"min_samples": 10**6}, ValueError, "needs at least 1000000"),
    ({"min_intersection": 0}, ValueError, "min_intersection"),
    ({"min_intersection": 1.0}, TypeError, "min_intersection"),
    ({"n_jobs": 0}, ValueError, "n_jobs"),
    ({"n_jobs": 1.5}, TypeError, "n_jobs"),
    ({"random_state": "a"}, TypeError, "random_state"),
    ({"random_state": -1}, ValueError, "random_state"),
    ({"random_state": 2**40}, ValueError, "random_state"),
    ({"random_state": 1.5}, TypeError, "random_state"),
    ({"random_state": True}, TypeError, "random_state"),
    ({"lens": "tsne"}, ValueError, "lens: unknown lens 'tsne'"),
    ({"lens": np.zeros(N - 1)}, ValueError, f"{N - 1} values but X has {N}"),
    ({"lens": np.zeros((N, 3))}, ValueError, "lens: expected shape"),
    ({"lens": np.array(["a"] * N)}, TypeError, "lens: expected numeric values"),
    ({"lens": np.r_[np.nan, np.zeros(N - 1)]}, ValueError, "lens: holds NaN"),
    ({"lens": lambda Z: np.exp(Z[:, 0] * 1000)}, ValueError, "overflow"),
    ({"lens": lambda Z: 1 / 0}, ValueError, "lens: the lens callable raised ZeroDivisionError"),
    ({"cover": "fancy"}, ValueError, "cover: unknown cover 'fancy'"),
    ({"cover": 3}, TypeError, "cover"),
    ({"clusterer": "kmeans"}, ValueError, "clusterer: unknown clusterer 'kmeans'"),
    ({"clusterer": object()}, TypeError, "clusterer: object object has no fit_predict"),
    ({"labels": [1, 2]}, ValueError, "labels: expected shape (200,)"),
    ({"progress": 3}, TypeError, "progress: expected a callable"),
    ({"name": 5}, TypeError, "name: expected a string"),
]


@pytest.mark.parametrize(
    "kwargs, error, text", BAD_PARAMS, ids=[repr(k)[:40] for k, _, _ in BAD_PARAMS]
)
def test_bad_parameter_is_named(kwargs, error, text):
    with pytest.raises(error) as info:
        _build(**kwargs)
    assert text in str(info.value)


def test_clusterer_class_instead_of_instance():
    from sklearn.cluster import DBSCAN

    with pytest.raises(TypeError, match=r"clusterer: pass an instance such as DBSCAN\(...\)"):
        _build(clusterer=DBSCAN)


# --------------------------------------------------------------------------- X
Xn = X.copy()
Xn[7, 2] = np.nan
Xi = X.copy()
Xi[9, 0] = -np.inf
BAD_X = [
    (Xn, ValueError, "X: row 7 holds NaN values"),
    (Xi, ValueError, "X: row 9 holds infinite values"),
    (sp.csr_matrix(X), TypeError, "X: a scipy sparse matrix (200 x 4) is not accepted"),
    (np.ma.masked_array(X), TypeError, "X: a masked array is not accepted"),
    (X.astype(str), TypeError, "X: expected numeric values, got strings"),
    (
        np.array([["a", "b"]] * N, dtype=object),
        TypeError,
        "X: expected numeric values, got an object array",
    ),
    (X.astype(complex), TypeError, "complex"),
    (np.zeros((N, 2), dtype="datetime64[s]"), TypeError, "dates"),
    (X[:, 0], ValueError, "X: expected a 2-D array"),
    (X[:, :, None], ValueError, "X: expected a 2-D array"),
    (np.zeros((0, 4)), ValueError, "X: is empty"),
    (np.zeros((N, 0)), ValueError, "X: is empty"),
    (X[:2], ValueError, "X: has 2 rows, needs at least 3"),
    ([[1.0, 2.0], [1.0]], TypeError, "X"),
    (None, TypeError, "X"),
    ("data.npy", TypeError, "X: expected an array, got a string"),
]


@pytest.mark.parametrize("bad, error, text", BAD_X, ids=[f"X{i}" for i in range(len(BAD_X))])
def test_bad_X_is_named(bad, error, text):
    with pytest.raises(error) as info:
        _build(bad)
    assert text in str(info.value)


@pytest.mark.parametrize(
    "convert",
    [
        pd.DataFrame,
        lambda a: a.astype(np.float32),
        lambda a: a.astype(np.float16),
        lambda a: a.astype(np.longdouble),
        lambda a: a.astype(object),
        lambda a: a.tolist(),
    ],
    ids=["pandas", "float32", "float16", "longdouble", "object", "list"],
)
def test_documented_conversions_give_a_graph(convert):
    g = _build(convert(X))
    assert g.n_inputs == N and g.n_nodes > 0


def test_float16_and_longdouble_are_converted_like_their_float_counterparts():
    g16 = _build(X.astype(np.float16))
    g32 = _build(X.astype(np.float16).astype(np.float32))
    assert g16.node_sets() == g32.node_sets()
    glong = _build(X.astype(np.longdouble))
    assert glong.node_sets() == _build(X).node_sets()


def test_integer_and_boolean_data_become_float64():
    Xint = np.round(X * 10).astype(np.int64)
    assert _build(Xint).node_sets() == _build(Xint.astype(np.float64)).node_sets()
    assert _build(X > 0, eps=1.0).n_inputs == N


# --------------------------------------------------------------------------- degenerate data
@pytest.mark.parametrize(
    "data, kwargs, text",
    [
        (np.ones((200, 4)), {}, "X is constant"),
        (np.ones((200, 4)), {"lens": "pca1"}, "X is constant"),
        (X, {"lens": np.ones(N)}, "the lens is constant"),
        (X / np.linalg.norm(X, axis=1, keepdims=True), {}, "nearly constant"),
        (np.repeat(X[:6], 40, axis=0), {}, "duplicated rows"),
    ],
    ids=["constant_X", "constant_X_pca", "constant_lens", "unit_norm_rows", "duplicated_rows"],
)
def test_degenerate_graph_warns_with_the_cause(data, kwargs, text):
    with pytest.warns(DegenerateGraphWarning, match=text):
        _build(data, **kwargs)


def test_healthy_data_gives_no_degenerate_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateGraphWarning)
        _build()


def test_no_node_warns():
    with pytest.warns(EmptyGraphWarning, match="no node"):
        g = _build(X * 100, eps=1e-9, min_samples=5)
    assert g.n_nodes == 0


# --------------------------------------------------------------------------- random_state
@pytest.mark.parametrize("lens", ["l2norm", "eccentricity", "pca1"])
def test_random_state_kinds_are_deterministic(lens):
    big = BIG  # > 2000 rows: the eps and eccentricity samples are random
    for make in (lambda: 3, lambda: np.random.RandomState(3), lambda: np.random.default_rng(3)):
        a = build_mapper(big, lens=lens, random_state=make())
        b = build_mapper(big, lens=lens, random_state=make())
        assert a.node_sets() == b.node_sets()


def test_int_seed_gives_sklearns_stream():
    # knee_eps with an int seed draws exactly what sklearn.utils.check_random_state(int) draws
    from sklearn.utils import check_random_state

    big = BIG
    queries = np.sort(check_random_state(7).choice(len(big), 2000, replace=False))
    from sklearn.neighbors import NearestNeighbors

    kd = np.sort(NearestNeighbors(n_neighbors=3).fit(big).kneighbors(big[queries])[0][:, -1])
    assert knee_eps(big, 3, random_state=7) in set(kd.tolist())


# --------------------------------------------------------------------------- covers, knee, registries
@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: make_cover(X[:, 0], "x"), ValueError, "cover: unknown cover 'x'"),
        (lambda: make_cover(X[:, 0], "uniform", 10**9), ValueError, "n_intervals"),
        (
            lambda: make_cover(X[:, :2], "uniform", (1000, 1001)),
            ValueError,
            "n_intervals: the cover would have elements",
        ),
        (lambda: make_cover(X[:, 0], "uniform", True), TypeError, "n_intervals"),
        (lambda: make_cover(X[:, 0], "balanced", 5, "0.3"), TypeError, "overlap"),
        (lambda: knee_eps(X, True), TypeError, "min_samples"),
        (lambda: knee_eps(Xn), ValueError, "X: row 7"),
        (lambda: compute_lens(sp.csr_matrix(X)), TypeError, "X: a scipy sparse"),
        (lambda: compute_lens(X, "pca1", random_state="x"), TypeError, "random_state"),
        (
            lambda: register_lens("zz_not_callable", 3),
            TypeError,
            "lens 'zz_not_callable': expected a callable",
        ),
        (lambda: register_lens("", len), ValueError, "lens name"),
        (lambda: register_lens("l2norm", len), ValueError, "registered already"),
        (lambda: register_cover("zz_cover", 5), TypeError, "cover 'zz_cover'"),
        (lambda: register_clusterer("zz_cl", "dbscan"), TypeError, "clusterer 'zz_cl'"),
    ],
)
def test_cover_knee_and_registry_errors(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)


def test_registered_lens_cover_and_clusterer_are_usable_by_name():
    from sklearn.cluster import AgglomerativeClustering

    register_lens("test_first_col", lambda Z: Z[:, 0], replace=True)
    register_cover("test_uniform", COVERS.get("uniform"), replace=True)
    register_clusterer("test_agglo", AgglomerativeClustering(n_clusters=2), replace=True)
    try:
        g = build_mapper(
            X, lens="test_first_col", cover="test_uniform", clusterer="test_agglo", n_intervals=4
        )
        ref = build_mapper(
            X,
            lens=X[:, 0],
            cover="uniform",
            clusterer=AgglomerativeClustering(n_clusters=2),
            n_intervals=4,
        )
        assert g.node_sets() == ref.node_sets()
        assert g.params["lens"] == "test_first_col" and g.params["clusterer"] == "test_agglo"
        assert "test_first_col" in param_specs(build_mapper)["lens"].options()
    finally:
        LENSES.unregister("test_first_col")
        COVERS.unregister("test_uniform")
        CLUSTERERS.unregister("test_agglo")


def test_param_specs_are_declared_and_checked():
    specs = param_specs(build_mapper)
    for key in (
        "lens",
        "n_intervals",
        "overlap",
        "cover",
        "clusterer",
        "eps",
        "min_samples",
        "min_intersection",
    ):
        assert key in specs and specs[key].help
    assert specs["overlap"].high == 1.0 and specs["overlap"].high_open
    with pytest.raises(TypeError, match="eps"):
        specs["eps"].check(True, "eps")
    assert set(LENSES.names()) <= set(specs["lens"].options())
    assert {"dbscan", "single"} <= set(specs["clusterer"].options())
    assert {"uniform", "balanced"} <= set(param_specs(compute_lens)["lens"].options()) | set(
        COVERS.names()
    )


# --------------------------------------------------------------------------- properties
@settings(max_examples=40, deadline=None)
@given(st.one_of(st.booleans(), st.floats(allow_nan=True), st.text(max_size=3), st.none()))
def test_count_parameters_refuse_non_integers(value):
    if isinstance(value, float) and value.is_integer() and False:
        return
    for key in ("min_samples", "min_intersection"):
        with pytest.raises((TypeError, ValueError)) as info:
            build_mapper(X, **{key: value})
        assert key in str(info.value)


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=-1e6, max_value=1e6).filter(lambda v: not 0 <= v < 1))
def test_overlap_outside_the_unit_interval_is_refused(value):
    with pytest.raises(ValueError, match="overlap"):
        build_mapper(X, overlap=value)


class _WrongLength:
    def fit_predict(self, Z):
        return np.zeros(3)


class _Raising:
    def fit_predict(self, Z):
        return 1 / 0


@pytest.mark.parametrize(
    "kwargs, text",
    [
        (
            {"clusterer": _WrongLength()},
            "clusterer: _WrongLength.fit_predict returned labels of shape (3,)",
        ),
        ({"clusterer": _Raising()}, "clusterer: _Raising failed on a cover element"),
    ],
)
def test_misbehaving_clusterer_objects_are_named(kwargs, text):
    with pytest.raises(ValueError) as info:
        build_mapper(X, n_intervals=4, **kwargs)
    assert text in str(info.value)


def test_values_that_overflow_are_named():
    with pytest.raises(ValueError, match="lens 'pca1': failed .* rescale it"):
        build_mapper(X * 1e160, lens="pca1", random_state=0)
    with pytest.raises(ValueError, match="lens 'l2norm': holds infinite values"):
        build_mapper(X * 1e200, random_state=0)
