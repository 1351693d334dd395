"""The data model, the session, the datasets and the layout quality: every bad input answered.

Converters (the constructor, ``from_node_link``, ``from_kmapper``) validate members, ids,
links, weights and sizes; accessors refuse negative and fractional indices; round trips keep
list-valued parameters and ``min_intersection``. (build_mapper's tables are in
``tests/mapper/test_mapper_bad_input.py``, Bubble Sets' in ``tests/shapes/test_bubbles_bad_input.py``.)
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from napari_topoalign import (
    Cancelled,
    Comparison,
    Layout,
    MapperGraph,
    Representations,
    build_mapper,
)

RNG = np.random.default_rng(0)
X = np.concatenate([RNG.normal(size=(100, 4)), RNG.normal(size=(100, 4)) + 5])
N = len(X)
G = build_mapper(
    X, n_intervals=6, overlap=0.3, cover="uniform", clusterer="dbscan", random_state=0
)
NL = G.to_node_link()
KM = G.to_kmapper()
FIRST = next(iter(KM["nodes"]))


def _nl(mutate):
    d = copy.deepcopy(NL)
    mutate(d)
    return d


def _set_member(value):
    def mutate(d):
        d["nodes"][0]["members"][0] = value

    return mutate


NODE_LINK_CASES = [
    (_set_member(1.5), ValueError, "members must be whole numbers, got 1.5"),
    (_set_member("3"), TypeError, "members must be input indices"),
    (_set_member(-1), ValueError, "outside [0, 200)"),
    (_set_member(N), ValueError, "outside [0, 200)"),
    (_set_member(True), TypeError, "boolean"),
    (_set_member(None), TypeError, "members must be input indices"),
    (
        lambda d: d["nodes"][0]["members"].append(d["nodes"][0]["members"][0]),
        ValueError,
        "more than once",
    ),
    (lambda d: d["nodes"][0].__setitem__("members", "0,1"), TypeError, "members must be a list"),
    (lambda d: d["nodes"][0].__setitem__("members", [[0, 1]]), ValueError, "flat list"),
    (lambda d: d["nodes"][1].__setitem__("id", 0), ValueError, "node id 0 appears more than once"),
    (lambda d: d["nodes"][1].pop("id"), ValueError, "lacks 'id'"),
    (
        lambda d: d["links"].append({"source": 0, "target": 10**6}),
        ValueError,
        "names an unknown node",
    ),
    (
        lambda d: d["links"].append({"source": 1, "target": 1}),
        ValueError,
        "node 1 is linked to itself",
    ),
    (lambda d: d["links"].append(dict(d["links"][0])), ValueError, "appears more than once"),
    (
        lambda d: d["links"].append(
            {"source": d["links"][0]["target"], "target": d["links"][0]["source"]}
        ),
        ValueError,
        "appears more than once",
    ),
    (lambda d: d["links"][0].__setitem__("weight", "x"), TypeError, "weight 'x'"),
    (
        lambda d: d["links"][0].__setitem__("weight", float("nan")),
        ValueError,
        "edge_weights: must be Jaccard",
    ),
    (lambda d: d["links"][0].__setitem__("weight", 2.0), ValueError, "edge_weights"),
    (lambda d: d["nodes"][0].__setitem__("size", 10**6), ValueError, "has size 1000000 but"),
    (lambda d: d["graph"].__setitem__("n_inputs", "200"), TypeError, "n_inputs"),
    (lambda d: d["graph"].__setitem__("n_inputs", -1), ValueError, "n_inputs"),
    (lambda d: d["graph"].pop("n_inputs"), ValueError, "n_inputs"),
    (lambda d: d.pop("graph"), ValueError, "missing field(s) ['graph']"),
    (lambda d: d.__setitem__("nodes", 5), TypeError, "'nodes' must be a list"),
    (lambda d: d.__setitem__("links", [1]), TypeError, "'links' must be a list"),
]


@pytest.mark.parametrize(
    "mutate, error, text", NODE_LINK_CASES, ids=[f"nl{i}" for i in range(len(NODE_LINK_CASES))]
)
def test_from_node_link_validates(mutate, error, text):
    with pytest.raises(error) as info:
        MapperGraph.from_node_link(_nl(mutate))
    assert text in str(info.value)


def test_node_link_round_trip_keeps_everything_and_list_params():
    back = MapperGraph.from_node_link(json.loads(json.dumps(NL)))
    assert back.node_sets() == G.node_sets()
    np.testing.assert_array_equal(back.edges, G.edges)
    np.testing.assert_allclose(back.edge_weights, G.edge_weights)
    g2 = build_mapper(X, lens="pca2", n_intervals=[3, 4], overlap=[0.2, 0.3], random_state=0)
    back2 = MapperGraph.from_node_link(json.loads(json.dumps(g2.to_node_link())))
    assert back2.params["n_intervals"] == [3, 4] and back2.params["overlap"] == [0.2, 0.3]


def test_node_link_missing_weight_is_the_jaccard_index():
    back = MapperGraph.from_node_link(_nl(lambda d: d["links"][0].pop("weight")))
    assert back.edge_weights[0] == pytest.approx(G.edge_weights[0])


def test_node_link_string_ids_keep_their_order():
    d = _nl(lambda d: None)
    names = {r["id"]: f"n{r['id']}" for r in d["nodes"]}
    for r in d["nodes"]:
        r["id"] = names[r["id"]]
    for lk in d["links"]:
        lk["source"], lk["target"] = names[lk["source"]], names[lk["target"]]
    back = MapperGraph.from_node_link(d)
    assert back.node_sets() == G.node_sets()
    np.testing.assert_array_equal(back.edges, G.edges)


KMAPPER_CASES = [
    (lambda d: d["nodes"][FIRST].__setitem__(0, 1.5), ValueError, "whole numbers"),
    (lambda d: d["nodes"][FIRST].__setitem__(0, False), TypeError, "boolean"),
    (lambda d: d["nodes"][FIRST].__setitem__(0, -1), ValueError, "outside [0, 200)"),
    (
        lambda d: d["links"].setdefault(FIRST, []).append("cube999_cluster0"),
        ValueError,
        "unknown node",
    ),
    (lambda d: d["links"].setdefault(FIRST, []).append(FIRST), ValueError, "linked to itself"),
    (lambda d: d.__setitem__("nodes", [1]), TypeError, "graph['nodes']"),
]


@pytest.mark.parametrize(
    "mutate, error, text", KMAPPER_CASES, ids=[f"km{i}" for i in range(len(KMAPPER_CASES))]
)
def test_from_kmapper_validates(mutate, error, text):
    d = copy.deepcopy(KM)
    mutate(d)
    with pytest.raises(error) as info:
        MapperGraph.from_kmapper(d, N)
    assert text in str(info.value)


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda: MapperGraph.from_kmapper(KM, "200"), TypeError, "n_inputs"),
        (lambda: MapperGraph.from_kmapper(KM, True), TypeError, "n_inputs"),
        (lambda: MapperGraph.from_kmapper([1], N), TypeError, "graph"),
        (lambda: MapperGraph.from_kmapper({}, N), ValueError, "no 'nodes' key"),
        (lambda: MapperGraph.from_kmapper(KM, N, labels=[1]), ValueError, "labels"),
        (
            lambda: MapperGraph.from_kmapper(KM, N, min_intersection=0),
            ValueError,
            "min_intersection",
        ),
    ],
)
def test_from_kmapper_arguments(call, error, text):
    with pytest.raises(error, match=None) as info:
        call()
    assert text in str(info.value)


def test_min_intersection_survives_the_kmapper_round_trip():
    g = build_mapper(X, min_intersection=3, random_state=0)
    back = MapperGraph.from_kmapper(g.to_kmapper(), N)
    assert back.params["min_intersection"] == 3
    np.testing.assert_array_equal(back.edges, g.edges)


# --------------------------------------------------------------------------- constructor
M, E, W, T = G.membership, G.edges, G.edge_weights, G.nodes


def _dense_with(i, j, v):
    a = M.astype(np.float64).toarray()
    a[i, j] = v
    return a


CONSTRUCTOR_CASES = [
    (
        lambda: MapperGraph(_dense_with(0, 0, 2), E, W, T),
        ValueError,
        "membership: entries must be 0/1",
    ),
    (
        lambda: MapperGraph(_dense_with(0, 0, 0.5), E, W, T),
        ValueError,
        "membership: entries must be 0/1",
    ),
    (lambda: MapperGraph(_dense_with(0, 1, np.nan), E, W, T), ValueError, "membership"),
    (lambda: MapperGraph(M.toarray().astype(str), E, W, T), TypeError, "membership"),
    (
        lambda: MapperGraph(M, np.vstack([E, [[1, 1]]]), np.r_[W, 0.5], T),
        ValueError,
        "joins node 1 to itself",
    ),
    (
        lambda: MapperGraph(M, np.vstack([E, E[:1]]), np.r_[W, W[:1]], T),
        ValueError,
        "appears more than once",
    ),
    (
        lambda: MapperGraph(M, np.vstack([E, E[:1, ::-1]]), np.r_[W, W[:1]], T),
        ValueError,
        "appears more than once",
    ),
    (
        lambda: MapperGraph(M, np.vstack([E, [[0, 10**6]]]), np.r_[W, 0.5], T),
        ValueError,
        "edges: node indices",
    ),
    (
        lambda: MapperGraph(M, np.vstack([E, [[-1, 2]]]), np.r_[W, 0.5], T),
        ValueError,
        "edges: node indices",
    ),
    (
        lambda: MapperGraph(M, E + 0.5, W, T),
        ValueError,
        "edges: node indices must be whole numbers",
    ),
    (lambda: MapperGraph(M, E, np.r_[np.nan, W[1:]], T), ValueError, "edge_weights"),
    (lambda: MapperGraph(M, E, -W, T), ValueError, "edge_weights"),
    (lambda: MapperGraph(M, E, W[:-1], T), ValueError, "edge_weights: has"),
    (lambda: MapperGraph(M, E, W, {"size": [1]}), TypeError, "nodes: expected a pandas DataFrame"),
    (lambda: MapperGraph(M, E, W, T.iloc[:-1]), ValueError, "nodes: has"),
    (
        lambda: MapperGraph(M, E, W, T.assign(size=T["size"] + 1)),
        ValueError,
        "the size column says node 0",
    ),
    (lambda: MapperGraph(M, E, W, T, {}, 5), TypeError, "name"),
    (lambda: MapperGraph(M, E, W, T, [1]), TypeError, "params"),
]


@pytest.mark.parametrize(
    "call, error, text", CONSTRUCTOR_CASES, ids=[f"c{i}" for i in range(len(CONSTRUCTOR_CASES))]
)
def test_constructor_validates(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)


# --------------------------------------------------------------------------- accessors
@pytest.mark.parametrize("node", [-1, 1.5, "0", True, 10**6])
def test_node_members_refuses_bad_indices(node):
    with pytest.raises((TypeError, IndexError)) as info:
        G.node_members(node)
    assert "node" in str(info.value)


@pytest.mark.parametrize("bad", [[-1], [1.5], [N], ["a"], [np.nan], [True, False]])
def test_index_accessors_refuse_bad_indices(bad):
    with pytest.raises((TypeError, ValueError, IndexError), match="inputs"):
        G.nodes_of_inputs(bad)
    with pytest.raises((TypeError, ValueError, IndexError), match="nodes"):
        G.inputs_of_nodes(bad)


def test_nodes_of_inputs_takes_a_mask():
    np.testing.assert_array_equal(
        G.nodes_of_inputs(np.arange(N) < 5), G.nodes_of_inputs(np.arange(5))
    )


# --------------------------------------------------------------------------- Representations, Layout
OK = np.zeros((5, 2))


@pytest.mark.parametrize(
    "call, error, text",
    [
        (
            lambda: Representations({"a": sp.csr_matrix(OK)}),
            TypeError,
            "representation 'a': a scipy sparse",
        ),
        (lambda: Representations({"a": np.ma.masked_array(OK)}), TypeError, "masked"),
        (
            lambda: Representations({"a": OK.astype(str)}),
            TypeError,
            "representation 'a': expected numeric",
        ),
        (lambda: Representations([OK]), ValueError, "arrays"),
        (lambda: Representations({1: OK}), ValueError, "arrays"),
        (lambda: Representations({"a": OK}, texts=["x"]), ValueError, "texts"),
        (lambda: Layout({"a": np.ones(6)}), ValueError, "positions['a']"),
        (lambda: Layout({"a": [[np.nan, 0.0]]}), ValueError, "positions['a']"),
        (lambda: Layout([np.ones((2, 2))]), TypeError, "positions"),
        (lambda: Layout({"a": np.ones((2, 2))}, {"b": [0, 0]}), KeyError, "offsets"),
        (lambda: Layout({"a": np.ones((2, 2))}, {"a": [0, 0, 0]}), ValueError, "offsets['a']"),
    ],
)
def test_representations_and_layout_validate(call, error, text):
    with pytest.raises(error) as info:
        call()
    assert text in str(info.value)


def test_representations_convert_pandas_and_keep_labels():
    reps = Representations({"a": pd.DataFrame(OK)}, labels=pd.Series(list("abcde")))
    assert reps.n_inputs == 5 and list(reps.labels) == list("abcde")


# --------------------------------------------------------------------------- session
def _cmp():
    return Comparison({"a": X, "b": X + 1})


@pytest.mark.parametrize(
    "call, error, text",
    [
        (lambda c: c.build_mappers(n_intervals=10**9), ValueError, "n_intervals"),
        (lambda c: c.build_mappers(progress=3), TypeError, "progress"),
        (lambda c: c.build_mappers(["zz"]), KeyError, "zz"),
        (
            lambda c: c.layout_separately(progress=3),
            (TypeError, ValueError),
            "progress|mapper graphs",
        ),
        (lambda c: c.find_regions(), ValueError, "graphs"),
    ],
)
def test_session_refuses_bad_input(call, error, text):
    import re

    with pytest.raises(error) as info:
        call(_cmp())
    assert re.search(text, str(info.value))


def test_cancel_leaves_the_session_as_it_was():
    c = _cmp()
    c.build_mappers(
        random_state=0, n_intervals=5, overlap=0.3, cover="uniform", clusterer="dbscan"
    )
    before = dict(c.graphs)

    def stop(f, m):
        raise Cancelled("stop")

    with pytest.raises(Cancelled):
        c.build_mappers(random_state=1, progress=stop)
    assert c.graphs == before


def test_cancelled_is_one_class_everywhere():
    import napari_topoalign
    from napari_topoalign._utils.progress import Cancelled as C1
    from napari_topoalign.session import Cancelled as C2

    assert C1 is C2 is napari_topoalign.Cancelled


# --------------------------------------------------------------------------- datasets, quality
@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"n_points": True}, "n_points"),
        ({"n_points": 10}, "n_points"),
        ({"noise": "0.05"}, "noise"),
        ({"noise": 0.5}, "noise"),
        ({"distortion": True}, "distortion"),
        ({"dims": (2.5, 3)}, "dims[0]"),
        ({"dims": "ab"}, "dims"),
        ({"names": "AB"}, "names"),
        ({"random_state": "x"}, "random_state"),
    ],
)
def test_planted_pair_refuses_bad_input(kwargs, text):
    from napari_topoalign.datasets.synthetic import make_planted_pair

    with pytest.raises((TypeError, ValueError)) as info:
        make_planted_pair(**kwargs)
    assert text in str(info.value)


def test_planted_pair_takes_a_generator():
    from napari_topoalign.datasets.synthetic import make_planted_pair

    a, _ = make_planted_pair(n_points=60, random_state=np.random.default_rng(0))
    b, _ = make_planted_pair(n_points=60, random_state=np.random.default_rng(0))
    np.testing.assert_array_equal(a[a.names[0]], b[b.names[0]])


@pytest.mark.parametrize(
    "kwargs, text",
    [
        ({"random_state": "0"}, "random_state"),
        ({"n_components": 65}, "n_components"),
        ({"hidden": (0, 3)}, "hidden[0]"),
        ({"max_iter": True}, "max_iter"),
    ],
)
def test_digits_refuses_bad_input(kwargs, text):
    from napari_topoalign.datasets import load_digits_sample

    with pytest.raises((TypeError, ValueError), match=text.replace("[", r"\[")):
        load_digits_sample(**kwargs)


def test_layout_quality_names_the_bad_array():
    from napari_topoalign.align.quality import layout_quality, stress

    P = RNG.normal(size=(G.n_nodes, 2))
    with pytest.raises(ValueError, match=r"positions\[1\]"):
        layout_quality([G, G], [P, P[:-1]])
    with pytest.raises(ValueError, match=r"positions\[1\]: row 0 holds NaN"):
        layout_quality([G, G], [P, np.full_like(P, np.nan)])
    with pytest.raises(ValueError, match=r"offsets\[1\]"):
        layout_quality([G, G], [P, P], offsets=[[0, 0], [1]])
    with pytest.raises(TypeError, match="max_sources"):
        layout_quality([G, G], [P, P], max_sources=True)
    assert stress(G, P, max_sources=5, random_state=np.random.default_rng(0)) == stress(
        G, P, max_sources=5, random_state=np.random.default_rng(0)
    )


# --------------------------------------------------------------------------- properties
@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.floats(allow_nan=False, allow_infinity=False).filter(
            lambda v: not float(v).is_integer()
        ),
        min_size=1,
        max_size=4,
    )
)
def test_fractional_members_are_never_truncated(values):
    d = _nl(lambda d: None)
    d["nodes"][0]["members"] = values
    d["nodes"][0].pop("size", None)
    with pytest.raises(ValueError, match="whole numbers"):
        MapperGraph.from_node_link(d)


@settings(max_examples=20, deadline=None)
@given(st.integers(min_value=-(10**6), max_value=-1))
def test_negative_indices_never_wrap(i):
    with pytest.raises(IndexError, match="out of range"):
        G.nodes_of_inputs([i])


@pytest.mark.parametrize(
    "call, text",
    [
        (
            lambda: MapperGraph.from_membership(
                sp.eye(3, 5, dtype=bool, format="csr"), min_intersection=0
            ),
            "min_intersection",
        ),
        (
            lambda: MapperGraph.from_membership(
                sp.eye(3, 5, dtype=bool, format="csr"), lens=np.zeros(2)
            ),
            "lens: expected shape (5,)",
        ),
        (
            lambda: MapperGraph.from_membership(
                sp.eye(3, 5, dtype=bool, format="csr"), labels=np.zeros(2)
            ),
            "labels",
        ),
        (
            lambda: MapperGraph.from_membership(
                sp.eye(3, 5, dtype=bool, format="csr"), cover_element=[0]
            ),
            "cover_element",
        ),
        (lambda: MapperGraph.empty(-1), "n_inputs"),
        (lambda: MapperGraph.empty(1.5), "n_inputs"),
    ],
)
def test_from_membership_and_empty_validate(call, text):
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    assert text in str(info.value)
