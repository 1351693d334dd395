"""similarity_matrix, the MEASURES registry and Comparison.compute_scores / cmp.scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from napari_topoalign import Comparison
from napari_topoalign._utils.params import param_specs
from napari_topoalign.metrics import MEASURES, cka, pwcca, similarity_matrix


class Stop(Exception):
    pass


def _reps(n=80, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    return {"a": X, "b": np.tanh(X @ rng.normal(size=(6, 4))), "c": rng.normal(size=(n, 5))}


def test_registry_lists_every_measure_with_declared_params():
    assert set(MEASURES.names()) >= {"cka", "svcca", "pwcca", "mutual_knn", "procrustes", "lfm"}
    assert set(param_specs(MEASURES.get("cka"))) == {"kernel", "debiased", "sigma"}
    assert "n_neighbors" in param_specs(MEASURES.get("lfm"))
    for name in MEASURES.names():
        assert hasattr(MEASURES.get(name), "__params__"), name


def test_matrix_values_and_symmetry():
    reps = _reps()
    M = similarity_matrix(reps, "cka", kernel="rbf")
    assert isinstance(M, pd.DataFrame)
    assert list(M.index) == list(M.columns) == ["a", "b", "c"]
    assert M.loc["a", "b"] == pytest.approx(cka(reps["a"], reps["b"], kernel="rbf"))
    np.testing.assert_allclose(M.values, M.values.T)
    np.testing.assert_allclose(np.diag(M.values), 1.0)
    # an asymmetric measure is computed both ways
    P = similarity_matrix(reps, "pwcca")
    assert P.loc["a", "b"] == pytest.approx(pwcca(reps["a"], reps["b"]))
    assert P.loc["b", "a"] == pytest.approx(pwcca(reps["b"], reps["a"]))


def test_matrix_progress_cancel_and_names():
    reps = _reps()
    seen = []
    similarity_matrix(reps, "procrustes", progress=lambda f, m: seen.append((f, m)))
    assert seen[-1][0] == 1.0 and len(seen) == 7  # 6 unordered pairs + done

    def stop(f, m):
        if f > 0:
            raise Stop

    with pytest.raises(Stop):
        similarity_matrix(reps, "cka", progress=stop)
    sub = similarity_matrix(reps, "svcca", names=["c", "a"])
    assert list(sub.index) == ["c", "a"]
    with pytest.raises(KeyError, match="names: unknown representation"):
        similarity_matrix(reps, "cka", names=["zz"])
    with pytest.raises(ValueError, match="unknown similarity measure 'nope'"):
        similarity_matrix(reps, "nope")
    with pytest.raises(ValueError, match="kernel: unknown option 3"):
        similarity_matrix(reps, "cka", kernel=3)
    bad = dict(reps, d=np.zeros((79, 3)))
    with pytest.raises(ValueError, match="has 79 rows"):
        similarity_matrix(bad, "cka")


def test_user_measure_registered():
    reps = _reps()

    def first_col_corr(X, Y):
        return float(abs(np.corrcoef(X[:, 0], Y[:, 0])[0, 1]))

    MEASURES.register("first_col", first_col_corr)
    try:
        M = similarity_matrix(reps, "first_col")
        assert M.loc["a", "a"] == pytest.approx(1.0)
    finally:
        MEASURES.unregister("first_col")


def test_session_keeps_scores():
    cmp = Comparison(_reps())
    M = cmp.compute_scores("cka")
    cmp.compute_scores("lfm", n_neighbors=8, n_eigenvectors=10)
    assert set(cmp.scores) == {"cka", "lfm(n_eigenvectors=10, n_neighbors=8)"}
    assert cmp.scores["cka"] is M
    other = cmp.copy()
    assert set(other.scores) == set(cmp.scores)
    other.compute_scores("svcca")
    assert "svcca" not in cmp.scores
    cmp.update_from(other)
    assert "svcca" in cmp.scores


@pytest.mark.parametrize(
    "measure,params",
    [("lfm", dict(n_neighbors=6, n_eigenvectors=8, random_state=0)), ("mutual_knn", dict(k=5))],
)
def test_prepared_measures_equal_pairwise_calls(measure, params):
    """LFM and mutual kNN compute each representation's graph / neighbours once per matrix:
    the values equal the pairwise calls."""
    reps = _reps()
    M = similarity_matrix(reps, measure, **params)
    fn = MEASURES.get(measure)
    for a in reps:
        for b in reps:
            assert M.loc[a, b] == pytest.approx(fn(reps[a], reps[b], **params), abs=1e-9)
    with pytest.raises(ValueError, match="must be smaller than the number of inputs"):
        similarity_matrix(reps, measure, **{("n_neighbors" if measure == "lfm" else "k"): 80})


def test_scores_saved_in_the_session_file(tmp_path):
    cmp = Comparison(_reps())
    cmp.compute_scores("cka")
    cmp.compute_scores("pwcca")
    path = tmp_path / "s.topoalign"
    cmp.save(path)
    back = Comparison.load(path)
    assert set(back.scores) == {"cka", "pwcca"}
    pd.testing.assert_frame_equal(back.scores["pwcca"], cmp.scores["pwcca"])
