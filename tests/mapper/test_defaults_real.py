"""The default mapper parameters on real representations show structure, not the cover.

Measured 2026-12-01 (docs/mapper.md "Defaults"): with the defaults of a comparison (shared
``pca1`` lens of the first representation, ``clusterer="auto"`` = mutual 5-NN components,
balanced cover, 15 intervals, overlap 0.4) every digits graph splits 15 of 15 elements, leaves
4-6 % of the inputs as noise, its largest node holds 7 % of them, with 13-30 cycles and 31-36
branch points; MiniLM block3 / block4 split 10 and 9 of 15 elements, 3.5 / 4.1 % noise,
largest node 10.3 %, 6 / 8 cycles, 12 / 12 branch points. The thresholds below leave a wide
margin. The old default (DBSCAN with one knee-rule eps, uniform cover, 10 intervals, overlap
0.3, the L2-norm lens of the layer itself) gives MiniLM block4 a largest node of 39 %.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from napari_topoalign import Comparison, build_mapper
from napari_topoalign.align import node_coupling
from napari_topoalign.mapper.report import mapper_report

datasets = pytest.importorskip("napari_topoalign.datasets")


def _build(reps, names=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Comparison(reps).build_mappers(names, random_state=0)


def _best_jaccard(ga, gb) -> float:
    C = node_coupling(ga, gb).tocsr()
    a = np.asarray(C.max(axis=1).todense()).ravel()
    b = np.asarray(C.max(axis=0).todense()).ravel()
    return float(np.median(np.concatenate([a, b])))


def _assert_structure(r, *, min_split, min_features):
    assert not r.is_cover_path
    assert r.split_share >= min_split, r
    assert r.noise_share <= 0.15, r
    assert r.largest_node_share < 0.15, r
    assert r.n_cycles + r.n_branch_points >= min_features, r


@pytest.fixture(scope="module")
def digits_graphs():
    return _build(datasets.load_digits_sample(random_state=0))


@pytest.fixture(scope="module")
def minilm():
    if not hasattr(datasets, "load_minilm_sample"):
        pytest.skip("the MiniLM sample is not available")
    try:
        return datasets.load_minilm_sample()
    except Exception as exc:  # the sample file is optional
        pytest.skip(f"the MiniLM sample is not available: {exc}")


def test_digits_default_graphs_show_structure(digits_graphs):
    for g in digits_graphs.values():
        r = mapper_report(g)
        _assert_structure(r, min_split=0.6, min_features=10)
        assert r.n_cycles >= 3 and r.n_branch_points >= 5
        assert r.mean_purity is not None and r.mean_purity >= 0.7  # nodes hold one digit mostly
        assert g.params["clusterer"] == "knn" and g.params["cover"] == "balanced"
        assert g.params["shared_lens"] == {"lens": "pca1", "from": "pixels_pca"}
        assert "structure" in r.advice


def test_minilm_two_layers_default_graphs_show_structure_and_stay_comparable(minilm):
    graphs = _build(minilm, ["block3", "block4"])
    for g in graphs.values():
        _assert_structure(mapper_report(g), min_split=0.2, min_features=4)
        assert g.params["shared_lens"]["from"] == "block3"
    # one lens: the cover slices both layers by the same function, so their nodes correspond
    # (median best Jaccard of a node with a node of the other layer; measured 0.8)
    assert _best_jaccard(graphs["block3"], graphs["block4"]) >= 0.5


def test_the_old_default_is_little_more_than_its_cover_on_minilm(minilm):
    """The check above can fail: the old default has one node holding a large share."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = build_mapper(
            minilm["block4"], clusterer="dbscan", n_intervals=10, overlap=0.3, random_state=0
        )
    r = mapper_report(old)
    assert old.params["cover"] == "uniform"  # "auto" with DBSCAN is KeplerMapper's cover
    assert r.largest_node_share >= 0.25
    assert r.warnings  # and the report says what to change
