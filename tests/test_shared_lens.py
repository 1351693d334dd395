"""Comparison.build_mappers builds every graph on one lens shared by all representations."""

from __future__ import annotations

import numpy as np
import pytest

from napari_topoalign import Comparison, compute_lens
from napari_topoalign.model import Representations


@pytest.fixture
def reps():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(240, 3))
    a = Z @ rng.normal(size=(3, 6))
    b = np.tanh(Z @ rng.normal(size=(3, 5))) + rng.normal(scale=0.05, size=(240, 5))
    return Representations({"a": a, "b": b}, metadata={"score": Z[:, 0] * 2.0})


def _element_members(g):
    """Inputs of each cover element (the union of its nodes)."""
    out = {}
    for i, e in enumerate(g.nodes["cover_element"]):
        out.setdefault(int(e), set()).update(g.node_members(i).tolist())
    return out


def test_default_is_one_pca1_lens_of_the_first_representation(reps):
    cmp = Comparison(reps)
    graphs = cmp.build_mappers(n_intervals=6, random_state=0)
    lens = compute_lens(reps["a"], "pca1", random_state=0)
    for g in graphs.values():
        assert g.params["shared_lens"] == {"lens": "pca1", "from": "a"}
        # every node's mean lens value is the mean of a's pca1 over its inputs
        means = [lens[g.node_members(i)].mean() for i in range(g.n_nodes)]
        np.testing.assert_allclose(g.nodes["lens_mean"], means)
    assert cmp.mapper_params["shared_lens"] is True and cmp.mapper_params["lens_from"] == "a"
    assert cmp.mapper_params["lens"] == "pca1"
    # the same lens: element k of both graphs lies within the same lens interval
    ea, eb = _element_members(graphs["a"]), _element_members(graphs["b"])
    for k in set(ea) & set(eb):
        lo = min(lens[list(ea[k])].min(), lens[list(eb[k])].min())
        hi = max(lens[list(ea[k])].max(), lens[list(eb[k])].max())
        width = np.ptp(lens) / (6 * (1 - 0.4)) + 1e-9  # at most one element's width apart
        assert hi - lo <= 2 * width


def test_lens_from_a_representation_an_attribute_or_an_array(reps):
    cmp = Comparison(reps)
    g = cmp.build_mappers(lens="l2norm", lens_from="b", n_intervals=5, random_state=0)["a"]
    assert g.params["shared_lens"] == {"lens": "l2norm", "from": "b"}
    np.testing.assert_allclose(
        g.nodes["lens_mean"].iloc[0], np.linalg.norm(reps["b"], axis=1)[g.node_members(0)].mean()
    )
    g = cmp.build_mappers(lens_from="score", n_intervals=5, random_state=0)["b"]
    assert g.params["shared_lens"] == {"lens": "attribute", "from": "score"}
    np.testing.assert_allclose(
        g.nodes["lens_mean"].iloc[0], reps.metadata["score"][g.node_members(0)].mean()
    )
    arr = np.linspace(0, 1, 240)
    g = cmp.build_mappers(lens=arr, n_intervals=5, random_state=0)["b"]
    assert g.params["shared_lens"] == {"lens": "array", "from": None}


def test_per_representation_lens_stays_an_option(reps):
    cmp = Comparison(reps)
    graphs = cmp.build_mappers(shared_lens=False, lens="pca1", n_intervals=5, random_state=0)
    g = graphs["b"]
    assert "shared_lens" not in g.params
    own = compute_lens(reps["b"], "pca1", random_state=0)
    np.testing.assert_allclose(g.nodes["lens_mean"].iloc[0], own[g.node_members(0)].mean())


def test_bad_shared_lens_arguments(reps):
    cmp = Comparison(reps)
    with pytest.raises(KeyError, match="lens_from"):
        cmp.build_mappers(lens_from="nope")
    with pytest.raises(ValueError, match="lens_from"):
        cmp.build_mappers(lens=np.zeros(240), lens_from="a")
    with pytest.raises(ValueError, match="lens_from"):
        cmp.build_mappers(shared_lens=False, lens_from="a")
    with pytest.raises(TypeError, match="shared_lens"):
        cmp.build_mappers(shared_lens="yes")
    with pytest.raises(TypeError, match="lens_from"):
        cmp.build_mappers(lens_from=3)
    assert cmp.graphs == {}  # nothing kept from the failed calls
