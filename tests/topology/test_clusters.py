"""Stages, cluster flow, heatmap dendrogram, blob graph and cluster quality."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import fcluster, linkage
from sklearn.metrics import adjusted_rand_score

from napari_topoalign.topology import (
    Sankey,
    Stages,
    blob_graph,
    cluster_flow,
    cluster_quality,
    cluster_stages,
    clusters_at,
    heatmap_dendrogram,
    persistence,
)


def blobs(n_per=60, k=4, spread=1.0, gap=12.0, dim=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim)) * gap
    y = np.repeat(np.arange(k), n_per)
    return centres[y] + rng.normal(scale=spread, size=(y.size, dim)), y


def test_single_linkage_clusters_match_scipy():
    X, _ = blobs(seed=1)
    d = persistence(X, maxdim=0)
    t = float(np.median(d.mst_weights)) * 2
    ours = clusters_at(d, t)
    ref = fcluster(linkage(X, "single"), t, criterion="distance")
    assert adjusted_rand_score(ours, ref) == 1.0
    assert np.bincount(ours).tolist() == sorted(np.bincount(ours).tolist(), reverse=True)


def test_stages_find_the_planted_clusters():
    X, y = blobs(seed=2)
    st = cluster_stages(persistence(X, maxdim=0), y)
    assert st.names[0] == "fine" and st.names[-1] == "one"
    assert np.all(np.diff(st.table["threshold"].to_numpy()) >= 0)
    row = st.table.set_index("stage").loc["labels"]
    assert row["ari"] == pytest.approx(1.0) and row["n_large"] == 4
    assert np.all(st["one"] == 0)
    back = Stages.from_dict(st.to_dict())
    np.testing.assert_array_equal(back["labels"], st["labels"])


def test_sankey_conserves_the_inputs():
    rng = np.random.default_rng(3)
    n = 500
    layers = {f"L{i}": rng.integers(0, 3 + 4 * i, n) for i in range(4)}
    layers["L1"][:7] = 99  # a small cluster: pooled
    sk = cluster_flow(layers, rng.integers(0, 5, n), min_size=10)
    for col in range(3):
        links = sk.links[sk.links["column"] == col]
        assert links["count"].sum() == n  # every input flows exactly once
        out = links.groupby("source")["count"].sum()
        into = links.groupby("target")["count"].sum()
        for node, size in sk.nodes["size"].items():
            c = sk.nodes.loc[node, "column"]
            if c == col:
                assert out[node] == size  # what leaves a node is its size
            if c == col + 1:
                assert into[node] == size
        seen = np.concatenate([sk.inputs_of_link(k) for k in links.index])
        assert np.sort(seen).tolist() == list(range(n))
    assert sk.nodes["size"][sk.nodes["column"] == 2].sum() == n
    pooled = sk.nodes[(sk.nodes["layer"] == "L1") & (sk.nodes["cluster"] == -1)]
    assert len(pooled) == 1 and set(range(7)) <= set(
        sk.inputs_of_node(int(pooled.index[0])).tolist()
    )
    back = Sankey.from_dict(sk.to_dict())
    np.testing.assert_array_equal(back.inputs_of_link(3), sk.inputs_of_link(3))
    with pytest.raises(ValueError, match="clusterings"):
        cluster_flow({"a": np.zeros(5), "b": np.zeros(6)})


def test_heatmap_dendrogram_orders_blocks():
    X, y = blobs(n_per=40, seed=4)
    hd = heatmap_dendrogram(X, y, max_points=100, random_state=0)
    assert hd.distances.shape == (100, 100) and len(hd.inputs) == 100
    # in dendrogram order the labels come in contiguous blocks (well separated blobs)
    changes = int((np.diff(hd.labels) != 0).sum())
    assert changes == 3
    assert np.allclose(hd.distances, hd.distances.T)


def test_blob_graph():
    X, y = blobs(n_per=50, seed=5)
    X = np.r_[X, [[200.0, 200.0, 200.0]]]  # one far outlier
    y = np.r_[y, 0]
    d = persistence(X, maxdim=0)
    st = cluster_stages(d, y)
    bg = blob_graph(X, d, st.threshold("labels"), y, min_size=5)
    big = bg.table[~bg.table["outlier"]]
    assert len(big) == 4 and big["size"].sum() == 200 and np.allclose(big["purity"], 1.0)
    assert bg.table["outlier"].sum() >= 1
    assert len(bg.edges) == len(bg.table) - 1  # the contracted MST is a tree
    assert bg.inputs_of_blob(int(bg.table.iloc[-1]["cluster"])).tolist() == [200]


def test_cluster_quality_tracks_separation():
    reps = {}
    for k, spread in enumerate((6.0, 3.0, 1.0)):
        reps[f"layer{k}"], y = blobs(spread=spread, seed=6)
    st = {name: cluster_stages(persistence(X, maxdim=0), y) for name, X in reps.items()}
    q = cluster_quality(reps, y, stages=st)
    assert list(q.index) == ["layer0", "layer1", "layer2"]
    assert q["silhouette"].is_monotonic_increasing
    assert q["davies_bouldin"].is_monotonic_decreasing
    assert q["ari"].iloc[-1] == pytest.approx(1.0)


def test_mst_class_structure_counts_the_crossings():
    from napari_topoalign.topology import mst_class_structure

    X, y = blobs(n_per=40, k=3, spread=0.5, gap=20.0, seed=8)
    s = mst_class_structure(persistence(X, maxdim=0), y)
    assert s["mst_cross_share"] == pytest.approx(
        2 / (len(y) - 1)
    )  # the tree enters each class once
    assert s["mst_cross_ratio"] > 5
    mixed = mst_class_structure(persistence(X, maxdim=0), np.random.default_rng(0).permutation(y))
    assert mixed["mst_cross_share"] > 0.5
