import numpy as np
import pytest
import scipy.sparse as sp

from napari_topoalign import MapperGraph, node_coupling


def _graph(sets, n):
    rows = [i for i, s in enumerate(sets) for _ in s]
    cols = [j for s in sets for j in s]
    m = sp.csr_matrix((np.ones(len(cols), bool), (rows, cols)), shape=(len(sets), n))
    return MapperGraph.from_membership(m)


def _brute(sa, sb, measure):
    out = np.zeros((len(sa), len(sb)))
    for i, a in enumerate(sa):
        for j, b in enumerate(sb):
            a_, b_ = set(a), set(b)
            inter = len(a_ & b_)
            if measure == "jaccard":
                out[i, j] = inter / len(a_ | b_)
            elif measure == "overlap":
                out[i, j] = inter / min(len(a_), len(b_))
            else:
                out[i, j] = inter
    return out


@pytest.mark.parametrize("measure", ["jaccard", "overlap", "count"])
def test_coupling_matches_brute_force(measure):
    rng = np.random.default_rng(0)
    n = 40
    sa = [rng.choice(n, size=rng.integers(1, 12), replace=False) for _ in range(15)]
    sb = [rng.choice(n, size=rng.integers(1, 12), replace=False) for _ in range(11)]
    C = node_coupling(_graph(sa, n), _graph(sb, n), measure=measure)
    assert sp.issparse(C) and C.shape == (15, 11)
    np.testing.assert_allclose(C.toarray(), _brute(sa, sb, measure))
    # only shared pairs are stored
    assert C.nnz == int((_brute(sa, sb, "count") > 0).sum())


def test_coupling_identical_graphs_has_unit_diagonal():
    sets = [[0, 1, 2], [2, 3], [4, 5, 6, 7]]
    g = _graph(sets, 8)
    C = node_coupling(g, g).toarray()
    np.testing.assert_allclose(np.diag(C), 1.0)
    assert C[0, 1] == pytest.approx(1 / 4)


def test_coupling_errors():
    g1, g2 = _graph([[0, 1]], 5), _graph([[0, 1]], 6)
    with pytest.raises(ValueError, match="different inputs"):
        node_coupling(g1, g2)
    with pytest.raises(ValueError, match="measure"):
        node_coupling(g1, g1, measure="cosine")


def test_coupling_empty_graph():
    empty = MapperGraph.empty(5)
    C = node_coupling(empty, _graph([[0, 1]], 5))
    assert C.shape == (0, 1) and C.nnz == 0


def test_coupling_registry_lists_and_extends():
    from napari_topoalign.align.coupling import COUPLINGS

    assert {"jaccard", "overlap", "count", "lift"} <= set(COUPLINGS.names())
    g = _graph([[0, 1, 2, 3], [4, 5]], 10)
    lift = node_coupling(g, g, measure="lift").toarray()
    assert lift[0, 0] == pytest.approx(10 / 4)

    def dice(shared, size_a, size_b, n_inputs):
        return 2 * shared / (size_a + size_b)

    COUPLINGS.register("dice_test", dice)
    try:
        C = node_coupling(g, g, measure="dice_test").toarray()
        np.testing.assert_allclose(np.diag(C), 1.0)
        np.testing.assert_allclose(node_coupling(g, g, measure=dice).toarray(), C)
    finally:
        COUPLINGS.unregister("dice_test")
    with pytest.raises(ValueError, match="measure"):
        node_coupling(g, g, measure="dice_test")
