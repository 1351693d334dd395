"""Comparison: the session object the console and the widgets use."""

from __future__ import annotations

import numpy as np
import pytest

from napari_topoalign import Cancelled, Comparison


def _cmp():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(80, 4)), rng.normal(size=(80, 4)) + 6])
    Q = np.linalg.qr(rng.normal(size=(4, 4)))[0]
    return Comparison(
        {"a": X, "b": 2 * X @ Q + rng.normal(scale=0.05, size=X.shape)},
        labels=np.repeat([0, 1], 80),
    )


def test_build_mappers_builds_one_graph_per_representation():
    cmp = _cmp()
    built = cmp.build_mappers(
        lens="pca1", n_intervals=5, overlap=0.3, min_samples=3, random_state=0
    )
    assert list(built) == ["a", "b"] == list(cmp.graphs)
    for name, g in cmp.graphs.items():
        assert g.name == name and g.n_inputs == 160 and g.n_nodes > 0
        assert "purity" in g.nodes
    assert cmp.mapper_params["n_intervals"] == 5
    assert "graphs: ['a', 'b']" in repr(cmp)


def test_build_mappers_is_atomic_on_error_and_cancel():
    cmp = _cmp()
    cmp.build_mappers(["a"], lens="pca1", n_intervals=4)
    before = cmp.graphs["a"]
    with pytest.raises(ValueError, match="overlap"):
        cmp.build_mappers(overlap=3.0)
    assert cmp.graphs == {"a": before}

    calls = []

    def progress(fraction, message):
        calls.append((fraction, message))
        if fraction > 0.5:
            raise Cancelled()

    with pytest.raises(Cancelled):
        cmp.build_mappers(lens="pca1", n_intervals=4, progress=progress)
    assert cmp.graphs == {"a": before}
    assert calls and all(0 <= f <= 1 for f, _ in calls)
    assert any(m.startswith("b:") for f, m in calls)


def test_unknown_names_and_pairs():
    cmp = _cmp()
    with pytest.raises(KeyError, match="unknown name"):
        cmp.build_mappers(["c"])
    with pytest.raises(ValueError, match="at least two mapper graphs"):
        cmp.node_coupling()
    cmp.build_mappers(lens="pca1", n_intervals=4)
    with pytest.raises(ValueError, match="twice"):
        cmp.node_coupling("a", "a")
    C = cmp.node_coupling()
    assert C.shape == (cmp.graphs["a"].n_nodes, cmp.graphs["b"].n_nodes)
