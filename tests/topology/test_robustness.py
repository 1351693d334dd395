"""Robustness curves, model compression, and the session stage."""

from __future__ import annotations

import numpy as np
import pytest

from napari_topoalign import Comparison
from napari_topoalign.datasets.digits import load_digits_mlp
from napari_topoalign.topology import (
    Diagrams,
    compress_mlp,
    mlp_activations,
    model_robustness,
    perturb,
    representation_robustness,
)


def _blobs(seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), 50)
    X = np.eye(3)[y] * 10 + rng.normal(scale=0.5, size=(150, 3))
    return X, y


def test_noise_curves_are_monotone():
    X, y = _blobs()
    df = representation_robustness({"x": X}, y, kind="noise", levels=(0.0, 0.1, 0.5, 2.0, 8.0))
    assert df["bottleneck_h0"].iloc[0] == 0 and df["ari_stage"].iloc[0] == 1.0
    assert df["bottleneck_h0"].is_monotonic_increasing
    assert df["ari_stage"].is_monotonic_decreasing and df["ari_stage"].iloc[-1] < 0.5
    assert df["ari_labels"].is_monotonic_decreasing


def test_quantize_and_pca():
    X, y = _blobs(1)
    Q = perturb(X, "quantize", 2)
    assert np.unique(Q).size <= 4
    P = perturb(np.c_[X, X @ np.ones((3, 2))], "pca", 3)
    assert np.linalg.matrix_rank(P - P.mean(0)) <= 3
    with pytest.raises(ValueError, match="perturbation"):
        perturb(X, "nope", 1)
    df = representation_robustness(
        {"x": X}, y, kind="quantize", levels=(12, 1), maxdim=1, n_landmarks=60
    )
    assert {"bottleneck_h0", "bottleneck_h1"} <= set(df.columns)
    assert df["bottleneck_h0"].iloc[0] < df["bottleneck_h0"].iloc[1]


def test_mlp_compression_and_mapper_curves():
    mlp, X, y = load_digits_mlp()
    sub = np.arange(0, len(X), 9)  # 200 inputs
    h = mlp_activations(mlp, X[sub])
    assert [a.shape[1] for a in h] == [64, 32]
    pruned = compress_mlp(mlp, "prune", 0.9)
    assert np.mean(pruned.coefs_[0] == 0) == pytest.approx(0.9, abs=1e-3)
    assert np.all(mlp.coefs_[0] != 0)  # the original is untouched
    q = compress_mlp(mlp, "quantize_weights", 2)
    assert all(np.unique(W).size <= 3 for W in q.coefs_)
    df = model_robustness(
        mlp,
        X[sub],
        y[sub],
        kind="prune",
        levels=(0.0, 0.99),
        mapper_params=dict(lens="pca1", n_intervals=6, overlap=0.3, random_state=0),
    )
    assert set(df["layer"]) == {"hidden1", "hidden2"}
    first = df[df["level"] == 0.0]
    assert np.allclose(first["bottleneck_h0"], 0) and np.allclose(first["mapper_nodes"], 1.0)
    assert (first["n_regions"] >= 1).all() and df["region_share"].between(0, 1).all()
    acc = df.groupby("level")["accuracy"].first()
    assert acc[0.0] > acc[0.99]


def test_session_keeps_topology():
    X, y = _blobs(2)
    cmp = Comparison({"a": X, "b": X * 2 + 1}, labels=y)
    out = cmp.topology(maxdim=1, n_landmarks=60, robustness="noise", robustness_levels=(0.0, 1.0))
    assert out is cmp.topology or dict(out) == dict(cmp.topology)
    assert isinstance(cmp.topology, dict)
    assert set(cmp.topology) >= {
        "diagrams",
        "stages",
        "flows",
        "distances",
        "quality",
        "robustness",
    }
    assert isinstance(cmp.topology["diagrams"]["a"], Diagrams)
    assert cmp.topology["distances"]["bottleneck_H0"].loc["a", "b"] == pytest.approx(0, abs=1e-9)
    assert "noise" in cmp.topology["robustness"]
    assert list(cmp.copy().topology) == list(cmp.topology)
    with pytest.raises(KeyError, match="names"):
        cmp.topology(["zz"])


def test_topology_survives_the_session_file(tmp_path):
    X, y = _blobs(3)
    cmp = Comparison({"a": X, "b": X[:, ::-1] * 3}, labels=y)
    cmp.topology(maxdim=1, n_landmarks=50)
    path = tmp_path / "s.topoalign"
    cmp.save(path)
    back = Comparison.load(path)
    a, b = cmp.topology, back.topology
    assert set(a) <= set(b)
    for name in ("a", "b"):
        for k in range(2):
            np.testing.assert_array_equal(a["diagrams"][name].dgms[k], b["diagrams"][name].dgms[k])
        np.testing.assert_array_equal(a["stages"][name]["labels"], b["stages"][name]["labels"])
    np.testing.assert_array_equal(
        a["flows"]["labels"].inputs_of_link(0), b["flows"]["labels"].inputs_of_link(0)
    )
    assert b["distances"]["wasserstein_H1"].equals(a["distances"]["wasserstein_H1"])
    assert callable(back.topology)
