"""A battery of bad inputs across the public API, each outcome classified.

Every case calls one public function with one bad (or borderline) input and says what a
good answer is:

- ``error(*names)``: an exception (TypeError, ValueError, IndexError or KeyError) whose
  message names one of ``names`` (the argument, or the key/field that is wrong);
- ``warns(pattern)``: a result, with a warning whose message matches ``pattern`` (a graph
  that is degenerate must say so, and why);
- ``ok(check)``: a result for which ``check(result)`` holds (a documented conversion, a round
  trip that keeps what it should).

Each case runs in a forked child with a time limit, and its outcome is one of:

``clear``    an error that names the argument (expected an error);
``handled``  the documented result or warning (expected ok / warns), or a clear error where a
             warning or conversion was acceptable too;
``vague``    an exception that does not name the argument, or an unexpected exception type
             (something from deep inside numpy, scipy or scikit-learn);
``silent``   a result without the error or warning it needed, or a wrong result;
``hang``     no answer within ``--timeout`` seconds (default 20).

Usage::

    python benchmarks/bad_input_battery.py               # every case
    python benchmarks/bad_input_battery.py -k mapper     # cases whose id contains "mapper"
    python benchmarks/bad_input_battery.py --list        # the case ids

Prints the counts per area and per outcome, every case that is not clear or handled, and
writes ``benchmarks/results/bad_input_battery.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import re
import sys
import time
import traceback
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
ERRORS = (TypeError, ValueError, IndexError, KeyError)


@dataclass
class Case:
    id: str
    area: str
    fn: Callable[[], Any]
    expect: str  # "error", "warns", "ok"
    names: tuple = ()
    pattern: str = ""
    check: Callable[[Any], bool] | None = None
    or_error: bool = False  # a clear error is acceptable too (for ok / warns)


CASES: list[Case] = []


def case(id, area, fn, *, error=None, warns=None, ok=None, or_error=False):
    if error is not None:
        names = (error,) if isinstance(error, str) else tuple(error)
        CASES.append(Case(id, area, fn, "error", names=names))
    elif warns is not None:
        CASES.append(Case(id, area, fn, "warns", pattern=warns, or_error=or_error))
    else:
        CASES.append(Case(id, area, fn, "ok", check=ok or (lambda r: True), or_error=or_error))


# =========================================================================== data
def _data():
    rng = np.random.default_rng(0)
    X = np.concatenate([rng.normal(size=(150, 5)), rng.normal(size=(150, 5)) + 5])
    return X


X = _data()
N = len(X)


class _Obj:
    pass


BAD_NUMBERS = {
    "bool_true": True,
    "np_bool": np.bool_(True),
    "string": "3",
    "nan": float("nan"),
    "inf": float("inf"),
    "neg_inf": -float("inf"),
    "list": [1, 2, 3],
    "object": _Obj(),
    "complex": 1 + 2j,
}


# =========================================================================== mapper
def _mapper_cases():
    from napari_topoalign import build_mapper, compute_lens
    from napari_topoalign.mapper import knee_eps, make_cover

    def bm(**kw):
        return lambda: build_mapper(X, random_state=0, **kw)

    int_params = {
        "n_intervals": [0, -1, 1.5, 10.0, 10**9, 100_001],
        "min_samples": [0, -2, 2.5, 3.0, 10**6],
        "min_intersection": [0, -1, 0.5, 2.0],
        "n_jobs": [0, 1.5, 10**9 * -1],
    }
    for p, vals in int_params.items():
        for v in vals:
            case(f"mapper.build.{p}={v!r}", "mapper", bm(**{p: v}), error=(p, "X"))
        for k, v in BAD_NUMBERS.items():
            case(f"mapper.build.{p}={k}", "mapper", bm(**{p: v}), error=p)
    for p, vals in {"overlap": [-0.1, 1.0, 1.5, 1e300], "eps": [0.0, -1.0, -1e-300]}.items():
        for v in vals:
            case(f"mapper.build.{p}={v!r}", "mapper", bm(**{p: v}), error=p)
        for k, v in BAD_NUMBERS.items():
            if k == "list" and p == "overlap":
                continue
            case(f"mapper.build.{p}={k}", "mapper", bm(**{p: v}), error=p)
    case("mapper.build.overlap=None", "mapper", bm(overlap=None), error="overlap")
    case("mapper.build.n_intervals=None", "mapper", bm(n_intervals=None), error="n_intervals")
    case("mapper.build.min_samples=None", "mapper", bm(min_samples=None), error="min_samples")
    case(
        "mapper.build.n_intervals=(3,4)_1d_lens",
        "mapper",
        bm(n_intervals=(3, 4)),
        error="n_intervals",
    )
    case(
        "mapper.build.n_intervals=(3,4,5)",
        "mapper",
        bm(n_intervals=(3, 4, 5)),
        error="n_intervals",
    )
    case(
        "mapper.build.overlap=(0.2,0.3)_1d_lens", "mapper", bm(overlap=(0.2, 0.3)), error="overlap"
    )
    case(
        "mapper.build.overlap=0.9999999_memberships",
        "mapper",
        bm(overlap=0.9999999, n_intervals=100_000),
        error=("cover", "overlap"),
    )
    case(
        "mapper.build.n_intervals=(1000,1001)_2d",
        "mapper",
        bm(lens="pca2", n_intervals=(1000, 1001)),
        error="n_intervals",
    )
    case("mapper.build.lens=unknown", "mapper", bm(lens="tsne"), error="lens")
    case("mapper.build.lens=wrong_length", "mapper", bm(lens=np.zeros(N - 1)), error="lens")
    case("mapper.build.lens=3cols", "mapper", bm(lens=np.zeros((N, 3))), error="lens")
    case("mapper.build.lens=nan", "mapper", bm(lens=np.r_[np.nan, np.zeros(N - 1)]), error="lens")
    case("mapper.build.lens=strings", "mapper", bm(lens=np.array(["a"] * N)), error="lens")
    case("mapper.build.lens=scalar", "mapper", bm(lens=3.0), error="lens")
    case("mapper.build.lens=int", "mapper", bm(lens=5), error="lens")
    case(
        "mapper.build.lens=callable_overflow",
        "mapper",
        bm(lens=lambda Z: np.exp(Z[:, 0] * 1000)),
        error="lens",
    )
    case("mapper.build.lens=callable_wrong_shape", "mapper", bm(lens=lambda Z: Z), error="lens")
    case(
        "mapper.build.lens=callable_raises",
        "mapper",
        bm(lens=lambda Z: 1 / 0),
        error=("lens", "division"),
    )
    case(
        "mapper.build.lens=constant_array", "mapper", bm(lens=np.ones(N)), warns="lens is constant"
    )
    case(
        "mapper.build.X_overflow_l2norm",
        "mapper",
        lambda: build_mapper(X * 1e300, random_state=0),
        error=("lens", "X"),
    )
    case("mapper.build.cover=unknown", "mapper", bm(cover="fancy"), error="cover")
    case("mapper.build.cover=int", "mapper", bm(cover=3), error="cover")
    case("mapper.build.clusterer=unknown", "mapper", bm(clusterer="kmeans"), error="clusterer")
    case(
        "mapper.build.clusterer=class",
        "mapper",
        bm(clusterer=__import__("sklearn.cluster", fromlist=["DBSCAN"]).DBSCAN),
        error="clusterer",
    )
    case("mapper.build.clusterer=object", "mapper", bm(clusterer=_Obj()), error="clusterer")
    case("mapper.build.clusterer=int", "mapper", bm(clusterer=5), error="clusterer")
    case("mapper.build.labels=short", "mapper", bm(labels=[1, 2]), error="labels")
    case("mapper.build.labels=2d", "mapper", bm(labels=np.zeros((N, 2))), error="labels")
    case("mapper.build.progress=3", "mapper", bm(progress=3), error="progress")
    case("mapper.build.progress=string", "mapper", bm(progress="print"), error="progress")
    case("mapper.build.name=5", "mapper", bm(name=5), error="name")
    for k, v in {
        "str": "a",
        "neg": -1,
        "huge": 2**40,
        "float": 1.5,
        "bool": True,
        "object": _Obj(),
    }.items():
        case(
            f"mapper.build.random_state={k}",
            "mapper",
            lambda v=v: build_mapper(X, random_state=v),
            error="random_state",
        )
    for k, v in {
        "generator": np.random.default_rng(0),
        "randomstate": np.random.RandomState(0),
        "np_int": np.int64(3),
    }.items():
        case(
            f"mapper.build.random_state={k}",
            "mapper",
            lambda v=v: build_mapper(X, random_state=v),
            ok=lambda g: g.n_nodes > 0,
        )
    case(
        "mapper.build.generator_deterministic",
        "mapper",
        lambda: [
            build_mapper(X, lens="eccentricity", random_state=np.random.default_rng(5)).node_sets()
            for _ in range(2)
        ],
        ok=lambda r: r[0] == r[1],
    )
    # X variants
    import pandas as pd
    import scipy.sparse as sp

    Xn = X.copy()
    Xn[7, 2] = np.nan
    Xi = X.copy()
    Xi[9, 0] = np.inf
    xs = {
        "nan": (Xn, "error", "X"),
        "inf": (Xi, "error", "X"),
        "sparse": (sp.csr_matrix(X), "error", "X"),
        "masked": (np.ma.masked_array(X, mask=np.zeros_like(X, bool)), "error", "X"),
        "strings": (X.astype(str), "error", "X"),
        "object_strings": (np.array([["a", "b"]] * N, dtype=object), "error", "X"),
        "complex": (X.astype(complex), "error", "X"),
        "datetime": (np.zeros((N, 2), dtype="datetime64[s]"), "error", "X"),
        "1d": (X[:, 0], "error", "X"),
        "3d": (X[:, :, None], "error", "X"),
        "empty": (np.zeros((0, 5)), "error", "X"),
        "no_columns": (np.zeros((N, 0)), "error", "X"),
        "too_few_rows": (X[:2], "error", "X"),
        "ragged": ([[1.0, 2.0], [1.0]], "error", "X"),
        "none": (None, "error", "X"),
        "scalar": (3.0, "error", "X"),
        "string": ("data.npy", "error", "X"),
        "dict": ({"a": X}, "error", "X"),
    }
    for k, (val, _exp, nm) in xs.items():
        case(
            f"mapper.build.X={k}",
            "mapper",
            lambda v=val: build_mapper(v, random_state=0),
            error=nm,
        )
    for k, val in {
        "pandas": pd.DataFrame(X),
        "float16": X.astype(np.float16),
        "longdouble": X.astype(np.longdouble),
        "float32": X.astype(np.float32),
        "int": np.round(X * 10).astype(np.int64),
        "object_numbers": X.astype(object),
        "list": X.tolist(),
    }.items():
        case(
            f"mapper.build.X={k}",
            "mapper",
            lambda v=val: build_mapper(v, random_state=0),
            ok=lambda g: g.n_nodes > 0 and g.n_inputs == N,
        )
    case(
        "mapper.build.X=bool",
        "mapper",
        lambda: build_mapper(X > 0, random_state=0, eps=1.0),
        ok=lambda g: g.n_inputs == N,
    )
    # degenerate data
    case(
        "mapper.build.constant_X",
        "mapper",
        lambda: build_mapper(np.ones((200, 4)), random_state=0),
        warns="constant",
    )
    case(
        "mapper.build.constant_X_pca",
        "mapper",
        lambda: build_mapper(np.ones((200, 4)), lens="pca1", random_state=0),
        warns="constant",
    )
    case(
        "mapper.build.duplicated_rows",
        "mapper",
        lambda: build_mapper(np.repeat(X[:6], 40, axis=0), random_state=0),
        warns="duplicated|constant",
    )
    case(
        "mapper.build.unit_norm_rows",
        "mapper",
        lambda: build_mapper(X / np.linalg.norm(X, axis=1, keepdims=True), random_state=0),
        warns="constant",
    )
    case(
        "mapper.build.no_node",
        "mapper",
        lambda: build_mapper(X * 100, eps=1e-9, min_samples=5, random_state=0),
        warns="no node",
    )
    case(
        "mapper.build.two_rows_min1",
        "mapper",
        lambda: build_mapper(X[:2], min_samples=1, random_state=0),
        ok=lambda g: g.n_inputs == 2,
    )
    case(
        "mapper.build.cancel",
        "mapper",
        lambda: build_mapper(X, random_state=0, progress=_cancel),
        error="Cancelled",
    )
    # compute_lens
    case("mapper.lens.X=nan", "mapper", lambda: compute_lens(Xn), error="X")
    case("mapper.lens.X=sparse", "mapper", lambda: compute_lens(sp.csr_matrix(X)), error="X")
    case("mapper.lens.unknown", "mapper", lambda: compute_lens(X, "umap"), error="lens")
    case(
        "mapper.lens.random_state=str",
        "mapper",
        lambda: compute_lens(X, "pca1", random_state="x"),
        error="random_state",
    )
    case(
        "mapper.lens.generator",
        "mapper",
        lambda: compute_lens(X, "eccentricity", random_state=np.random.default_rng(0)),
        ok=lambda v: v.shape == (N,),
    )
    case(
        "mapper.lens.callable_nan",
        "mapper",
        lambda: compute_lens(X, lambda Z: np.full(len(Z), np.nan)),
        error="lens",
    )
    # cover / knee_eps
    lens = X[:, 0]
    case("mapper.cover.unknown", "mapper", lambda: make_cover(lens, "x"), error="cover")
    case(
        "mapper.cover.n_intervals=1e9",
        "mapper",
        lambda: make_cover(lens, "uniform", 10**9),
        error="n_intervals",
    )
    case(
        "mapper.cover.n_intervals=True",
        "mapper",
        lambda: make_cover(lens, "uniform", True),
        error="n_intervals",
    )
    case(
        "mapper.cover.overlap=str",
        "mapper",
        lambda: make_cover(lens, "uniform", 5, "0.3"),
        error="overlap",
    )
    case(
        "mapper.cover.balanced_n=0",
        "mapper",
        lambda: make_cover(lens, "balanced", 0),
        error="n_intervals",
    )
    case(
        "mapper.knee.min_samples=True",
        "mapper",
        lambda: knee_eps(X, True),
        error="min_samples",
    )
    case("mapper.knee.X=nan", "mapper", lambda: knee_eps(Xn), error="X")
    # registries
    from napari_topoalign import register_clusterer, register_cover, register_lens

    case(
        "mapper.register_lens.not_callable", "mapper", lambda: register_lens("zz", 3), error="lens"
    )
    case("mapper.register_lens.empty_name", "mapper", lambda: register_lens("", len), error="name")
    case(
        "mapper.register_lens.duplicate",
        "mapper",
        lambda: register_lens("l2norm", len),
        error="l2norm",
    )
    case(
        "mapper.register_cover.not_callable",
        "mapper",
        lambda: register_cover("zz", None) and None or register_cover("zz", 5),
        error="cover",
    )
    case(
        "mapper.register_clusterer.not_callable",
        "mapper",
        lambda: register_clusterer("zz", "dbscan"),
        error="clusterer",
    )
    case(
        "mapper.register_lens.works",
        "mapper",
        lambda: (
            register_lens("first_col", lambda Z: Z[:, 0]),
            build_mapper(X, lens="first_col", random_state=0),
        )[1],
        ok=lambda g: g.params["lens"] == "first_col" and g.n_nodes > 0,
    )


def _cancel(f, m):
    from napari_topoalign import Cancelled

    raise Cancelled("stop")


# =========================================================================== model
def _model_cases():
    import pandas as pd
    import scipy.sparse as sp

    from napari_topoalign import MapperGraph, Representations, build_mapper

    g = build_mapper(
        X, random_state=0, n_intervals=8, overlap=0.3, cover="uniform", clusterer="dbscan"
    )
    nl = g.to_node_link()
    km = g.to_kmapper()

    def nl_with(mutate):
        import copy

        d = copy.deepcopy(nl)
        mutate(d)
        return lambda: MapperGraph.from_node_link(d)

    def set_member(d, v):
        d["nodes"][0]["members"][0] = v

    for k, v in {
        "1.5": 1.5,
        "str": "3",
        "neg": -1,
        "big": N,
        "nan": float("nan"),
        "bool": True,
        "none": None,
    }.items():
        case(
            f"model.node_link.member={k}",
            "model",
            nl_with(lambda d, v=v: set_member(d, v)),
            error="node",
        )
    case(
        "model.node_link.duplicate_member",
        "model",
        nl_with(lambda d: d["nodes"][0]["members"].append(d["nodes"][0]["members"][0])),
        error="node",
    )
    case(
        "model.node_link.members_string",
        "model",
        nl_with(lambda d: d["nodes"][0].__setitem__("members", "0,1")),
        error="node",
    )
    case(
        "model.node_link.members_nested",
        "model",
        nl_with(lambda d: d["nodes"][0].__setitem__("members", [[0, 1]])),
        error="node",
    )
    case(
        "model.node_link.duplicate_id",
        "model",
        nl_with(lambda d: d["nodes"][1].__setitem__("id", 0)),
        error="id",
    )
    case(
        "model.node_link.missing_id",
        "model",
        nl_with(lambda d: d["nodes"][1].pop("id")),
        error="id",
    )
    case(
        "model.node_link.unknown_target",
        "model",
        nl_with(lambda d: d["links"].append({"source": 0, "target": 10**6})),
        error="link",
    )
    case(
        "model.node_link.self_link",
        "model",
        nl_with(lambda d: d["links"].append({"source": 1, "target": 1})),
        error="link",
    )
    case(
        "model.node_link.duplicate_link",
        "model",
        nl_with(lambda d: d["links"].append(dict(d["links"][0]))),
        error="link",
    )
    case(
        "model.node_link.reversed_duplicate_link",
        "model",
        nl_with(
            lambda d: d["links"].append(
                {"source": d["links"][0]["target"], "target": d["links"][0]["source"]}
            )
        ),
        error="link",
    )
    case(
        "model.node_link.weight=str",
        "model",
        nl_with(lambda d: d["links"][0].__setitem__("weight", "x")),
        error="weight",
    )
    case(
        "model.node_link.weight=nan",
        "model",
        nl_with(lambda d: d["links"][0].__setitem__("weight", float("nan"))),
        error="weight",
    )
    case(
        "model.node_link.weight=2",
        "model",
        nl_with(lambda d: d["links"][0].__setitem__("weight", 2.0)),
        error="weight",
    )
    case(
        "model.node_link.weight=-1",
        "model",
        nl_with(lambda d: d["links"][0].__setitem__("weight", -1.0)),
        error="weight",
    )
    case(
        "model.node_link.size_mismatch",
        "model",
        nl_with(lambda d: d["nodes"][0].__setitem__("size", 10**6)),
        error="size",
    )
    case(
        "model.node_link.n_inputs=str",
        "model",
        nl_with(lambda d: d["graph"].__setitem__("n_inputs", "300")),
        error="n_inputs",
    )
    case(
        "model.node_link.n_inputs=-1",
        "model",
        nl_with(lambda d: d["graph"].__setitem__("n_inputs", -1)),
        error="n_inputs",
    )
    case(
        "model.node_link.n_inputs=1.5",
        "model",
        nl_with(lambda d: d["graph"].__setitem__("n_inputs", 1.5)),
        error="n_inputs",
    )
    case(
        "model.node_link.n_inputs_missing",
        "model",
        nl_with(lambda d: d["graph"].pop("n_inputs")),
        error="n_inputs",
    )
    case("model.node_link.no_graph", "model", nl_with(lambda d: d.pop("graph")), error="graph")
    case(
        "model.node_link.nodes_not_list",
        "model",
        nl_with(lambda d: d.__setitem__("nodes", 5)),
        error="nodes",
    )
    case(
        "model.node_link.not_a_dict",
        "model",
        lambda: MapperGraph.from_node_link([1, 2]),
        error="data",
    )
    case(
        "model.node_link.missing_weight_is_jaccard",
        "model",
        nl_with(lambda d: d["links"][0].pop("weight")),
        ok=lambda h: abs(h.edge_weights[0] - g.edge_weights[0]) < 1e-12,
    )
    case(
        "model.node_link.round_trip_list_params",
        "model",
        lambda: MapperGraph.from_node_link(
            json.loads(
                json.dumps(
                    build_mapper(
                        X, lens="pca2", n_intervals=[3, 4], overlap=[0.2, 0.3], random_state=0
                    ).to_node_link()
                )
            )
        ),
        ok=lambda h: (
            h.params.get("n_intervals") == [3, 4] and h.params.get("overlap") == [0.2, 0.3]
        ),
    )
    case(
        "model.node_link.round_trip_same_graph",
        "model",
        lambda: MapperGraph.from_node_link(json.loads(json.dumps(nl))),
        ok=lambda h: (
            h.node_sets() == g.node_sets()
            and np.array_equal(h.edges, g.edges)
            and np.allclose(h.edge_weights, g.edge_weights)
        ),
    )

    def km_with(mutate, n=N):
        import copy

        d = copy.deepcopy(km)
        mutate(d)
        return lambda: MapperGraph.from_kmapper(d, n)

    first = next(iter(km["nodes"]))
    for k, v in {"1.5": 1.5, "str": "3", "neg": -1, "big": N, "bool": False}.items():
        case(
            f"model.kmapper.member={k}",
            "model",
            km_with(lambda d, v=v: d["nodes"][first].__setitem__(0, v)),
            error="node",
        )
    case(
        "model.kmapper.unknown_link",
        "model",
        km_with(lambda d: d["links"].setdefault(first, []).append("cube999_cluster0")),
        error="links",
    )
    case(
        "model.kmapper.self_link",
        "model",
        km_with(lambda d: d["links"].setdefault(first, []).append(first)),
        error="links",
    )
    case(
        "model.kmapper.n_inputs=str",
        "model",
        lambda: MapperGraph.from_kmapper(km, "300"),
        error="n_inputs",
    )
    case(
        "model.kmapper.n_inputs=True",
        "model",
        lambda: MapperGraph.from_kmapper(km, True),
        error="n_inputs",
    )
    case(
        "model.kmapper.not_dict", "model", lambda: MapperGraph.from_kmapper([1], N), error="graph"
    )
    case("model.kmapper.no_nodes", "model", lambda: MapperGraph.from_kmapper({}, N), error="nodes")
    case(
        "model.kmapper.labels_short",
        "model",
        lambda: MapperGraph.from_kmapper(km, N, labels=[1]),
        error="labels",
    )
    case(
        "model.kmapper.min_intersection=0",
        "model",
        lambda: MapperGraph.from_kmapper(km, N, min_intersection=0),
        error="min_intersection",
    )
    case(
        "model.kmapper.round_trip_min_intersection",
        "model",
        lambda: MapperGraph.from_kmapper(
            build_mapper(X, min_intersection=3, random_state=0).to_kmapper(), N
        ),
        ok=lambda h: (
            h.params.get("min_intersection") == 3
            and np.array_equal(h.edges, build_mapper(X, min_intersection=3, random_state=0).edges)
        ),
    )

    # constructor
    table = g.nodes
    E, W, M = g.edges, g.edge_weights, g.membership
    bad_m = M.astype(np.float64).toarray()
    bad_m[0, 0] = 2
    frac_m = M.astype(np.float64).toarray()
    frac_m[0, 0] = 0.5
    nan_m = M.astype(np.float64).toarray()
    nan_m[0, 1] = np.nan
    case(
        "model.graph.membership=2",
        "model",
        lambda: MapperGraph(bad_m, E, W, table),
        error="membership",
    )
    case(
        "model.graph.membership=0.5",
        "model",
        lambda: MapperGraph(frac_m, E, W, table),
        error="membership",
    )
    case(
        "model.graph.membership=nan",
        "model",
        lambda: MapperGraph(nan_m, E, W, table),
        error="membership",
    )
    case(
        "model.graph.membership=strings",
        "model",
        lambda: MapperGraph(M.toarray().astype(str), E, W, table),
        error="membership",
    )
    case(
        "model.graph.edges=self",
        "model",
        lambda: MapperGraph(M, np.vstack([E, [[1, 1]]]), np.r_[W, 0.5], table),
        error="edges",
    )
    case(
        "model.graph.edges=dup",
        "model",
        lambda: MapperGraph(M, np.vstack([E, E[:1]]), np.r_[W, W[:1]], table),
        error="edges",
    )
    case(
        "model.graph.edges=dup_reversed",
        "model",
        lambda: MapperGraph(M, np.vstack([E, E[:1, ::-1]]), np.r_[W, W[:1]], table),
        error="edges",
    )
    case(
        "model.graph.edges=out_of_range",
        "model",
        lambda: MapperGraph(M, np.vstack([E, [[0, 10**6]]]), np.r_[W, 0.5], table),
        error="edges",
    )
    case(
        "model.graph.edges=negative",
        "model",
        lambda: MapperGraph(M, np.vstack([E, [[-1, 2]]]), np.r_[W, 0.5], table),
        error="edges",
    )
    case(
        "model.graph.edges=fractional",
        "model",
        lambda: MapperGraph(M, E + 0.5, W, table),
        error="edges",
    )
    case(
        "model.graph.edges=3cols",
        "model",
        lambda: MapperGraph(M, np.zeros((2, 3)), np.zeros(2), table),
        error="edges",
    )
    case(
        "model.graph.weights=nan",
        "model",
        lambda: MapperGraph(M, E, np.r_[np.nan, W[1:]], table),
        error="edge_weights",
    )
    case(
        "model.graph.weights=neg",
        "model",
        lambda: MapperGraph(M, E, -W, table),
        error="edge_weights",
    )
    case(
        "model.graph.weights=short",
        "model",
        lambda: MapperGraph(M, E, W[:-1], table),
        error="edge_weights",
    )
    case(
        "model.graph.weights=str",
        "model",
        lambda: MapperGraph(M, E, np.array(["a"] * len(W)), table),
        error="edge_weights",
    )
    case(
        "model.graph.nodes=dict",
        "model",
        lambda: MapperGraph(M, E, W, {"size": [1]}),
        error="nodes",
    )
    case(
        "model.graph.nodes=short",
        "model",
        lambda: MapperGraph(M, E, W, table.iloc[:-1]),
        error="nodes",
    )
    case(
        "model.graph.nodes=wrong_sizes",
        "model",
        lambda: MapperGraph(M, E, W, table.assign(size=table["size"] + 1)),
        error="size",
    )
    case("model.graph.name=int", "model", lambda: MapperGraph(M, E, W, table, {}, 5), error="name")
    case(
        "model.graph.params=list",
        "model",
        lambda: MapperGraph(M, E, W, table, [1]),
        error="params",
    )
    # accessors
    for k, v in {"neg": -1, "frac": 1.5, "str": "0", "bool": True, "big": g.n_nodes}.items():
        case(f"model.node_members({k})", "model", lambda v=v: g.node_members(v), error="node")
    for k, v in {
        "neg": [-1],
        "frac": [1.5],
        "big": [N],
        "str": ["a"],
        "nan": [np.nan],
        "mask_short": [True, False],
    }.items():
        case(
            f"model.nodes_of_inputs({k})",
            "model",
            lambda v=v: g.nodes_of_inputs(v),
            error="inputs",
        )
        case(
            f"model.inputs_of_nodes({k})", "model", lambda v=v: g.inputs_of_nodes(v), error="nodes"
        )
    case(
        "model.nodes_of_inputs(mask)",
        "model",
        lambda: g.nodes_of_inputs(np.arange(N) < 5),
        ok=lambda r: np.array_equal(r, g.nodes_of_inputs(np.arange(5))),
    )
    # Layout
    from napari_topoalign import Layout

    case(
        "model.layout.positions_1d", "model", lambda: Layout({"a": np.ones(6)}), error="positions"
    )
    case(
        "model.layout.positions_3cols",
        "model",
        lambda: Layout({"a": np.ones((2, 3))}),
        error="positions",
    )
    case(
        "model.layout.positions_nan",
        "model",
        lambda: Layout({"a": [[np.nan, 0.0]]}),
        error="positions",
    )
    case(
        "model.layout.positions_list",
        "model",
        lambda: Layout([np.ones((2, 2))]),
        error="positions",
    )
    case(
        "model.layout.offsets_unknown",
        "model",
        lambda: Layout({"a": np.ones((2, 2))}, {"b": [0, 0]}),
        error="offsets",
    )
    case(
        "model.layout.offsets_3",
        "model",
        lambda: Layout({"a": np.ones((2, 2))}, {"a": [0, 0, 0]}),
        error="offsets",
    )
    case(
        "model.layout.ok",
        "model",
        lambda: Layout({"a": np.ones((2, 2))}, {"a": [1, 0]}).centered("a"),
        ok=lambda c: np.array_equal(c, [[0.0, 1.0], [0.0, 1.0]]),
    )
    # Representations
    ok = np.zeros((5, 2))
    case(
        "model.reps.rows_mismatch",
        "model",
        lambda: Representations({"a": ok, "b": np.zeros((4, 2))}),
        error="representation 'b'",
    )
    case(
        "model.reps.nan",
        "model",
        lambda: Representations({"a": np.full((5, 2), np.nan)}),
        error="representation 'a'",
    )
    case(
        "model.reps.sparse",
        "model",
        lambda: Representations({"a": sp.csr_matrix(ok)}),
        error="representation 'a'",
    )
    case(
        "model.reps.strings",
        "model",
        lambda: Representations({"a": ok.astype(str)}),
        error="representation 'a'",
    )
    case("model.reps.empty", "model", lambda: Representations({}), error="arrays")
    case("model.reps.not_mapping", "model", lambda: Representations([ok]), error="arrays")
    case("model.reps.key_int", "model", lambda: Representations({1: ok}), error="arrays")
    case(
        "model.reps.labels_short",
        "model",
        lambda: Representations({"a": ok}, labels=[1]),
        error="labels",
    )
    case(
        "model.reps.ids_dup",
        "model",
        lambda: Representations({"a": ok}, ids=[1, 1, 2, 3, 4]),
        error="ids",
    )
    case(
        "model.reps.texts_short",
        "model",
        lambda: Representations({"a": ok}, texts=["a"]),
        error="texts",
    )
    case(
        "model.reps.images_bad",
        "model",
        lambda: Representations({"a": ok}, images=np.zeros((4, 3, 3))),
        error="images",
    )
    case("model.reps.unknown_name", "model", lambda: Representations({"a": ok})["b"], error="b")
    case(
        "model.reps.pandas_ok",
        "model",
        lambda: Representations({"a": pd.DataFrame(ok)}),
        ok=lambda r: r.n_inputs == 5,
    )
    case(
        "model.reps.labels_series",
        "model",
        lambda: Representations({"a": ok}, labels=pd.Series(list("abcde"))),
        ok=lambda r: list(r.labels) == list("abcde"),
    )


# =========================================================================== shapes
def _shapes_cases():
    from napari_topoalign.shapes import bubble_set, bubble_sets

    rng = np.random.default_rng(1)
    pos = rng.uniform(0, 10, size=(60, 2))
    mem = [0, 1, 2, 3]

    def bs(**kw):
        return lambda: bubble_set(pos, mem, **kw)

    lengths = [
        "pixel_size",
        "node_r0",
        "node_r1",
        "edge_r0",
        "edge_r1",
        "nonmember_r0",
        "nonmember_r1",
        "route_margin",
        "scale",
    ]
    for p in lengths:
        for k, v in {**BAD_NUMBERS, "zero": 0.0, "neg": -1.0}.items():
            case(f"shapes.bubble.{p}={k}", "shapes", bs(**{p: v}), error=p)
    for p in ["node_weight", "threshold"]:
        for k, v in {**BAD_NUMBERS, "zero": 0.0, "neg": -1.0}.items():
            case(f"shapes.bubble.{p}={k}", "shapes", bs(**{p: v}), error=p)
    for p, vals in {
        "edge_weight": [-1.0],
        "nonmember_weight": [0.5],
        "threshold_relax": [1.0, -0.1],
        "simplify": [-1.0],
        "hole_area": [-1.0],
    }.items():
        for v in vals:
            case(f"shapes.bubble.{p}={v}", "shapes", bs(**{p: v}), error=p)
        for k, v in BAD_NUMBERS.items():
            case(f"shapes.bubble.{p}={k}", "shapes", bs(**{p: v}), error=p)
    for p, vals in {
        "max_iterations": [0, 1.5, 8.0, 10**6],
        "max_route_splits": [-1, 2.5, 10**6],
        "max_cells": [10, 10**12, 1e6],
    }.items():
        for v in vals:
            case(f"shapes.bubble.{p}={v!r}", "shapes", bs(**{p: v}), error=p)
        for k in ("bool_true", "string", "nan", "object"):
            case(f"shapes.bubble.{p}={k}", "shapes", bs(**{p: BAD_NUMBERS[k]}), error=p)
    for k, v in {"int": 1, "string": "yes", "none": None}.items():
        case(
            f"shapes.bubble.virtual_edges={k}",
            "shapes",
            bs(virtual_edges=v),
            error="virtual_edges",
        )
    case("shapes.bubble.unknown_param", "shapes", bs(radius=3), error="radius")
    case(
        "shapes.bubble.pixel_gt_r0", "shapes", bs(pixel_size=1.0, node_r0=0.5), error="pixel_size"
    )
    case("shapes.bubble.r0_ge_r1", "shapes", bs(node_r0=2.0, node_r1=1.0), error="node_r0")
    pn = pos.copy()
    pn[3, 0] = np.nan
    import scipy.sparse as sp

    for k, v in {
        "nan": pn,
        "3cols": np.zeros((60, 3)),
        "1d": pos[:, 0],
        "strings": pos.astype(str),
        "sparse": sp.csr_matrix(pos),
        "masked": np.ma.masked_array(pos),
        "none": None,
        "complex": pos.astype(complex),
    }.items():
        case(
            f"shapes.bubble.positions={k}",
            "shapes",
            lambda v=v: bubble_set(v, mem),
            error="positions",
        )
    for k, v in {
        "neg": [-1, 2],
        "frac": [1.5, 2],
        "big": [0, 60],
        "str": ["a"],
        "mask_short": [True, False],
        "2d": [[0, 1], [2, 3]],
        "objects": np.array([_Obj()]),
    }.items():
        case(
            f"shapes.bubble.members={k}", "shapes", lambda v=v: bubble_set(pos, v), error="members"
        )
    case(
        "shapes.bubble.edges=out_of_range",
        "shapes",
        lambda: bubble_set(pos, mem, edges=[[0, 100]]),
        error="edges",
    )
    case(
        "shapes.bubble.edges=frac",
        "shapes",
        lambda: bubble_set(pos, mem, edges=[[0, 1.5]]),
        error="edges",
    )
    case(
        "shapes.bubble.edges=3cols",
        "shapes",
        lambda: bubble_set(pos, mem, edges=[[0, 1, 2]]),
        error="edges",
    )
    case(
        "shapes.bubble.non_members=neg",
        "shapes",
        lambda: bubble_set(pos, mem, non_members=[-1]),
        error="non_members",
    )
    case(
        "shapes.bubble.members_empty", "shapes", lambda: bubble_set(pos, []), ok=lambda r: r == []
    )
    case(
        "shapes.bubble.coincident_positions",
        "shapes",
        lambda: bubble_set(np.zeros((10, 2)), [0, 1, 2]),
        ok=lambda r: len(r) >= 1,
    )
    case(
        "shapes.bubble.huge_coordinates",
        "shapes",
        lambda: bubble_set(pos * 1e12, mem),
        ok=lambda r: len(r) >= 1,
        or_error=True,
    )
    case(
        "shapes.bubble.spread_far_apart",
        "shapes",
        lambda: bubble_set(np.r_[pos, [[1e7, 1e7]]], mem + [60]),
        ok=lambda r: len(r) >= 1,
    )
    case("shapes.bubble.max_cells_1e8", "shapes", bs(max_cells=10**8), error="max_cells")
    case("shapes.bubbles.sets=int", "shapes", lambda: bubble_sets(pos, 5), error="sets")
    case("shapes.bubbles.sets=str", "shapes", lambda: bubble_sets(pos, "abc"), error="sets")
    case(
        "shapes.bubbles.sets_bad_member",
        "shapes",
        lambda: bubble_sets(pos, [[0, 1], [-1]]),
        error="sets[1]",
    )
    case(
        "shapes.bubbles.progress=3",
        "shapes",
        lambda: bubble_sets(pos, [[0, 1]], progress=3),
        error="progress",
    )
    case(
        "shapes.bubbles.cancel_first_step",
        "shapes",
        lambda: bubble_sets(pos, [[0, 1]] * 3, progress=_cancel),
        error="Cancelled",
    )
    case(
        "shapes.bubbles.mask_matrix",
        "shapes",
        lambda: bubble_sets(pos, np.eye(60, dtype=bool)[:3]),
        ok=lambda r: len(r) == 3,
    )


# =========================================================================== datasets, quality, session
def _other_cases():
    from napari_topoalign import Comparison, build_mapper
    from napari_topoalign.align.quality import layout_quality, stress
    from napari_topoalign.datasets import load_digits_sample
    from napari_topoalign.datasets.synthetic import make_planted_pair

    for p, vals in {
        "n_per_structure": [-1, 1.5, True, "2"],
        "n_points": [10, 1e3, True, "300", 10**9],
        "noise": [-0.1, 0.5, "0.05", True, float("nan")],
        "distortion": [-1, 0.9, "0.1", True],
        "dims": [(1, 5), (3,), "ab", (2.5, 3), (True, 4)],
        "differences": [["nonsense"], ["cut_loop", "cut_loop"]] if False else [["nonsense"]],
        "names": [("A", "A"), "AB", ("A",)],
        "random_state": ["x", -1, 1.5],
    }.items():
        for v in vals:
            case(
                f"datasets.planted.{p}={v!r}",
                "datasets",
                lambda p=p, v=v: make_planted_pair(**{p: v}),
                error=p,
            )
    case(
        "datasets.planted.generator",
        "datasets",
        lambda: make_planted_pair(random_state=np.random.default_rng(0), n_points=60),
        ok=lambda r: r[0].n_inputs > 0,
    )
    for p, vals in {
        "random_state": ["0", 1.5, True, -1, None],
        "n_components": [0, 65, 2.5, True],
        "hidden": [(0, 3), (3,), "ab", (2.5, 3)],
        "max_iter": [0, True, "3"],
    }.items():
        for v in vals:
            case(
                f"datasets.digits.{p}={v!r}",
                "datasets",
                lambda p=p, v=v: load_digits_sample(**{p: v}),
                error=p,
            )

    g = build_mapper(
        X, random_state=0, n_intervals=8, overlap=0.3, cover="uniform", clusterer="dbscan"
    )
    P = np.random.default_rng(0).normal(size=(g.n_nodes, 2))
    case(
        "quality.positions_wrong_shape",
        "align.quality",
        lambda: layout_quality([g, g], [P, P[:-1]]),
        error="positions[1]",
    )
    case(
        "quality.positions_nan",
        "align.quality",
        lambda: layout_quality([g, g], [P, np.full_like(P, np.nan)]),
        error="positions[1]",
    )
    case(
        "quality.positions_strings",
        "align.quality",
        lambda: layout_quality([g, g], [P, P.astype(str)]),
        error="positions[1]",
    )
    case(
        "quality.positions_count",
        "align.quality",
        lambda: layout_quality([g, g], [P]),
        error="positions",
    )
    case(
        "quality.offsets_bad",
        "align.quality",
        lambda: layout_quality([g, g], [P, P], offsets=[[0, 0], [1]]),
        error="offsets[1]",
    )
    case(
        "quality.graphs_not_graphs",
        "align.quality",
        lambda: layout_quality([g, 5], [P, P]),
        error="graphs[1]",
    )
    case(
        "quality.max_sources=0",
        "align.quality",
        lambda: layout_quality([g, g], [P, P], max_sources=0),
        error="max_sources",
    )
    case(
        "quality.max_sources=True",
        "align.quality",
        lambda: layout_quality([g, g], [P, P], max_sources=True),
        error="max_sources",
    )
    case(
        "quality.stress_random_state_str",
        "align.quality",
        lambda: stress(g, P, random_state="x"),
        error="random_state",
    )
    case(
        "quality.stress_generator",
        "align.quality",
        lambda: stress(g, P, max_sources=5, random_state=np.random.default_rng(0)),
        ok=lambda v: math.isfinite(v),
    )

    def cmp():
        return Comparison({"a": X, "b": X + 1})

    case(
        "session.build.n_intervals=1e9",
        "session",
        lambda: cmp().build_mappers(n_intervals=10**9),
        error="n_intervals",
    )
    case(
        "session.build.progress=3",
        "session",
        lambda: cmp().build_mappers(progress=3),
        error="progress",
    )
    case("session.build.unknown_param", "session", lambda: cmp().build_mappers(foo=1), error="foo")
    case("session.build.unknown_name", "session", lambda: cmp().build_mappers(["zz"]), error="zz")
    case("session.build.cancel_keeps_old", "session", lambda: _cancel_keeps(cmp()), ok=lambda r: r)
    case(
        "session.layout.iterations=1e6",
        "session",
        lambda: _built(cmp()).align_layout(iterations=10**6),
        error="iterations",
    )
    case(
        "session.layout.iterations=True",
        "session",
        lambda: _built(cmp()).align_layout(iterations=True),
        error="iterations",
    )
    case(
        "session.layout.callback=3",
        "session",
        lambda: _built(cmp()).align_layout(callback=3),
        error="callback",
    )
    case(
        "session.layout.progress=3",
        "session",
        lambda: _built(cmp()).align_layout(progress=3),
        error="progress",
    )
    case(
        "session.layout_separately.iterations=1e6",
        "session",
        lambda: _built(cmp()).layout_separately(iterations=10**6),
        error="iterations",
    )
    case("session.regions_no_graphs", "session", lambda: cmp().find_regions(), error="graphs")
    case(
        "session.reps_mismatch",
        "session",
        lambda: Comparison({"a": X, "b": X[:-1]}),
        error="representation 'b'",
    )
    case(
        "session.cancelled_import",
        "session",
        lambda: __import__("napari_topoalign.session", fromlist=["Cancelled"]).Cancelled,
        ok=lambda c: (
            c is __import__("napari_topoalign._utils.progress", fromlist=["Cancelled"]).Cancelled
        ),
    )


def _others_cases():
    """Public functions of the other stages (owned elsewhere; counted under their own area)."""
    import napari_topoalign as nt

    g = nt.build_mapper(
        X, random_state=0, n_intervals=8, overlap=0.3, cover="uniform", clusterer="dbscan"
    )
    h = nt.build_mapper(
        X + 0.01, random_state=0, n_intervals=8, overlap=0.3, cover="uniform", clusterer="dbscan"
    )
    small = nt.build_mapper(
        X[:100], random_state=0, n_intervals=5, overlap=0.3, cover="uniform", clusterer="dbscan"
    )
    Y = X @ np.random.default_rng(3).normal(size=(5, 5))
    Xn = X.copy()
    Xn[4, 1] = np.nan
    rows = [
        (
            "align.coupling",
            "node_coupling.measure=unknown",
            lambda: nt.node_coupling(g, h, measure="x"),
            "measure",
        ),
        (
            "align.coupling",
            "node_coupling.other_inputs",
            lambda: nt.node_coupling(g, small),
            "graphs",
        ),
        ("align.coupling", "node_coupling.not_graph", lambda: nt.node_coupling(g, X), "graph"),
        (
            "align.layout",
            "joint_layout.iterations=1e6",
            lambda: nt.joint_layout([g, h], iterations=10**6),
            "iterations",
        ),
        (
            "align.layout",
            "joint_layout.iterations=True",
            lambda: nt.joint_layout([g, h], iterations=True),
            "iterations",
        ),
        (
            "align.layout",
            "joint_layout.coupling_strength=nan",
            lambda: nt.joint_layout([g, h], coupling_strength=float("nan")),
            "coupling_strength",
        ),
        (
            "align.layout",
            "joint_layout.arrangement=x",
            lambda: nt.joint_layout([g, h], arrangement="x"),
            "arrangement",
        ),
        (
            "align.layout",
            "joint_layout.random_state=str",
            lambda: nt.joint_layout([g, h], random_state="x"),
            "random_state",
        ),
        (
            "align.layout",
            "joint_layout.progress=3",
            lambda: nt.joint_layout([g, h], progress=3),
            "progress",
        ),
        (
            "align.layout",
            "joint_layout.callback=3",
            lambda: nt.joint_layout([g, h], callback=3),
            "callback",
        ),
        ("align.layout", "joint_layout.graphs=[]", lambda: nt.joint_layout([]), "graphs"),
        (
            "align.regions",
            "regions.min_size=0",
            lambda: nt.find_matching_regions(g, h, min_size=0),
            "min_size",
        ),
        (
            "align.regions",
            "regions.min_size=True",
            lambda: nt.find_matching_regions(g, h, min_size=True),
            "min_size",
        ),
        (
            "align.regions",
            "regions.n_permutations=-1",
            lambda: nt.find_matching_regions(g, h, n_permutations=-1),
            "n_permutations",
        ),
        (
            "align.regions",
            "regions.n_permutations=1e9",
            lambda: nt.find_matching_regions(g, h, n_permutations=10**9),
            "n_permutations",
        ),
        (
            "align.regions",
            "regions.min_coupling=2",
            lambda: nt.find_matching_regions(g, h, min_coupling=2.0),
            "min_coupling",
        ),
        (
            "align.regions",
            "regions.coupling=x",
            lambda: nt.find_matching_regions(g, h, coupling="x"),
            "coupling",
        ),
        (
            "align.regions",
            "regions.random_state=str",
            lambda: nt.find_matching_regions(g, h, random_state="x"),
            "random_state",
        ),
        (
            "align.regions",
            "regions.progress=3",
            lambda: nt.find_matching_regions(g, h, progress=3),
            "progress",
        ),
        (
            "align.regions",
            "regions.other_inputs",
            lambda: nt.find_matching_regions(g, small),
            "graph",
        ),
        ("align.motifs", "motifs.unknown", lambda: nt.find_motifs(g, "hexagon"), "motif"),
        (
            "align.motifs",
            "motifs.time_limit=-1",
            lambda: nt.find_motifs(g, "loop", time_limit=-1),
            "time_limit",
        ),
        (
            "align.motifs",
            "motifs.max_instances=0",
            lambda: nt.find_motifs(g, "loop", max_instances=0),
            "max_instances",
        ),
        (
            "align.motifs",
            "motifs.progress=3",
            lambda: nt.find_motifs(g, "loop", progress=3),
            "progress",
        ),
        ("metrics", "cka.rows_mismatch", lambda: nt.cka(X, Y[:-1]), "X"),
        ("metrics", "cka.nan", lambda: nt.cka(Xn, Y), "X"),
        ("metrics", "cka.kernel=x", lambda: nt.cka(X, Y, kernel="x"), "kernel"),
        ("metrics", "cka.debiased=1", lambda: nt.cka(X, Y, debiased=1), "debiased"),
        (
            "metrics",
            "cka.sparse",
            lambda: nt.cka(__import__("scipy.sparse", fromlist=["x"]).csr_matrix(X), Y),
            "X",
        ),
        (
            "metrics",
            "svcca.n_components=2",
            lambda: nt.svcca(X, Y, n_components=2.0),
            "n_components",
        ),
        ("metrics", "mutual_knn.k=0", lambda: nt.mutual_knn(X, Y, k=0), "k"),
        ("metrics", "mutual_knn.k=True", lambda: nt.mutual_knn(X, Y, k=True), "k"),
        ("metrics", "mutual_knn.metric=x", lambda: nt.mutual_knn(X, Y, metric="x"), "metric"),
        ("metrics", "procrustes.strings", lambda: nt.procrustes(X.astype(str), Y), "X"),
        ("metrics", "lfm.n_neighbors=0", lambda: nt.lfm(X, Y, n_neighbors=0), "n_neighbors"),
        (
            "metrics",
            "similarity.measure=x",
            lambda: nt.similarity_matrix(nt.Representations({"a": X, "b": Y}), "x"),
            "measure",
        ),
        ("topology", "persistence.maxdim=-1", lambda: nt.persistence(X, maxdim=-1), "maxdim"),
        ("topology", "persistence.maxdim=True", lambda: nt.persistence(X, maxdim=True), "maxdim"),
        ("topology", "persistence.nan", lambda: nt.persistence(Xn), "X"),
        (
            "topology",
            "persistence.n_landmarks=0",
            lambda: nt.persistence(X, n_landmarks=0),
            "n_landmarks",
        ),
        (
            "topology",
            "persistence.random_state=str",
            lambda: nt.persistence(X, n_landmarks=50, random_state="x"),
            "random_state",
        ),
        (
            "io",
            "read.missing_file",
            lambda: nt.read_representations("/nonexistent/file.npz"),
            "file",
        ),
        ("io", "read.path=int", lambda: nt.read_representations(5), "path"),
        (
            "io",
            "read.truncated_npz",
            lambda: nt.read_representations(_truncated_npz()),
            "truncated|corrupt|damaged",
        ),
        (
            "io",
            "read.not_npz",
            lambda: nt.read_representations(_text_file(".npz")),
            "npz|zip|corrupt|not",
        ),
        (
            "shapes.membrane",
            "membrane.positions_nan",
            lambda: nt.membrane(np.full((5, 2), np.nan), [0, 1], [[0, 1]], [0.0, 0.0]),
            "positions",
        ),
        ("mapper.report", "mapper_report.not_graph", lambda: nt.mapper_report(X), "graph"),
    ]
    for area, name, fn, expected in rows:
        case(f"{area}.{name}", area, fn, error=tuple(expected.split("|")))


def _truncated_npz():
    import os
    import tempfile

    d = tempfile.mkdtemp()
    path = os.path.join(d, "t.npz")
    np.savez(path, a=X)
    data = open(path, "rb").read()
    open(path, "wb").write(data[: len(data) // 2])
    return path


def _text_file(suffix):
    import os
    import tempfile

    d = tempfile.mkdtemp()
    path = os.path.join(d, "t" + suffix)
    open(path, "w").write("hello")
    return path


def _extreme_cases():
    """Values at the ends of the float range, and user objects that misbehave."""
    import scipy.sparse as sp

    from napari_topoalign import MapperGraph, build_mapper
    from napari_topoalign.shapes import bubble_set

    pos = np.random.default_rng(1).uniform(0, 10, size=(60, 2))
    mem = [0, 1, 2, 3]
    rows = [
        ("shapes", "bubble.scale=1e-300", lambda: bubble_set(pos, mem, scale=1e-300), "scale"),
        ("shapes", "bubble.scale=1e300", lambda: bubble_set(pos, mem, scale=1e300), "scale"),
        ("shapes", "bubble.positions*1e300", lambda: bubble_set(pos * 1e300, mem), "positions"),
        ("shapes", "bubble.positions*1e154", lambda: bubble_set(pos * 1e154, mem), "positions"),
        (
            "shapes",
            "bubble.pixel_size=1e-12",
            lambda: bubble_set(pos, mem, pixel_size=1e-12),
            "pixel_size",
        ),
    ]
    bad_len = type("WrongLength", (), {"fit_predict": lambda self, Z: np.zeros(3)})()
    raising = type("Raising", (), {"fit_predict": lambda self, Z: 1 / 0})()
    M3 = sp.eye(3, 5, dtype=bool, format="csr")
    rows += [
        (
            "mapper",
            "build.clusterer_wrong_length",
            lambda: build_mapper(X, clusterer=bad_len),
            "clusterer",
        ),
        (
            "mapper",
            "build.clusterer_raises",
            lambda: build_mapper(X, clusterer=raising),
            "clusterer",
        ),
        (
            "mapper",
            "build.X*1e160_pca",
            lambda: build_mapper(X * 1e160, lens="pca1", random_state=0),
            "lens",
        ),
        (
            "mapper",
            "build.X*1e200_l2norm",
            lambda: build_mapper(X * 1e200, random_state=0),
            "lens",
        ),
        (
            "model",
            "from_membership.min_intersection=0",
            lambda: MapperGraph.from_membership(M3, min_intersection=0),
            "min_intersection",
        ),
        (
            "model",
            "from_membership.lens_short",
            lambda: MapperGraph.from_membership(M3, lens=np.zeros(2)),
            "lens",
        ),
        (
            "model",
            "from_membership.labels_short",
            lambda: MapperGraph.from_membership(M3, labels=np.zeros(2)),
            "labels",
        ),
        (
            "model",
            "from_membership.cover_short",
            lambda: MapperGraph.from_membership(M3, cover_element=np.zeros(2)),
            "cover_element",
        ),
        ("model", "empty(-1)", lambda: MapperGraph.empty(-1), "n_inputs"),
        ("model", "empty(1.5)", lambda: MapperGraph.empty(1.5), "n_inputs"),
    ]
    for area, name, fn, expected in rows:
        case(f"{area}.extreme.{name}", area, fn, error=expected)
    case(
        "shapes.extreme.positions*1e-300",
        "shapes",
        lambda: bubble_set(pos * 1e-300, mem),
        ok=lambda r: len(r) >= 1,
    )
    case(
        "shapes.extreme.max_iterations=1000",
        "shapes",
        lambda: bubble_set(pos, mem, max_iterations=1000),
        ok=lambda r: len(r) >= 1,
    )
    case(
        "shapes.extreme.all_members",
        "shapes",
        lambda: bubble_set(pos, list(range(60))),
        ok=lambda r: len(r) >= 1,
    )
    case(
        "mapper.extreme.X*1e-300",
        "mapper",
        lambda: build_mapper(X * 1e-300, random_state=0),
        warns="constant",
        or_error=True,
    )
    case(
        "mapper.extreme.eps=1e300",
        "mapper",
        lambda: build_mapper(X, eps=1e300, random_state=0),
        ok=lambda g: g.n_nodes > 0,
    )


def _built(c):
    c.build_mappers(
        random_state=0, n_intervals=6, overlap=0.3, cover="uniform", clusterer="dbscan"
    )
    return c


def _cancel_keeps(c):
    from napari_topoalign import Cancelled

    _built(c)
    before = dict(c.graphs)
    try:
        c.build_mappers(random_state=1, progress=_cancel)
    except Cancelled:
        pass
    return c.graphs == before


# =========================================================================== runner
def _names_in(message: str, names) -> bool:
    low = message.lower()
    return any(n.lower() in low for n in names)


def _run_case(c: Case):
    """Run in the child: returns (outcome, detail)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = c.fn()
        except BaseException as exc:  # noqa: BLE001 - classify everything
            msg = f"{type(exc).__name__}: {exc}"
            cancelled = type(exc).__name__ == "Cancelled"
            if c.expect == "error":
                if cancelled and "Cancelled" in c.names:
                    return "clear", msg
                ours = type(exc).__module__.startswith(
                    "napari_topoalign"
                )  # e.g. RepresentationFileError
                if (isinstance(exc, ERRORS) or ours) and _names_in(str(exc), c.names):
                    return "clear", msg
                if isinstance(exc, ERRORS) and (
                    isinstance(exc, KeyError) and _names_in(repr(exc.args), c.names)
                ):
                    return "clear", msg
                return "vague", msg + "\n" + "".join(traceback.format_exception(exc)[-3:])[-600:]
            if c.or_error and isinstance(exc, ERRORS):
                return "handled", msg
            return "vague", msg + "\n" + "".join(traceback.format_exception(exc)[-3:])[-600:]
        texts = [str(w.message) for w in caught]
        if c.expect == "error":
            return (
                "silent",
                f"returned {type(result).__name__} without an error; warnings: {texts[:2]}",
            )
        if c.expect == "warns":
            if any(re.search(c.pattern, t, re.I) for t in texts):
                return (
                    "handled",
                    f"warned: {[t for t in texts if re.search(c.pattern, t, re.I)][0][:160]}",
                )
            return "silent", f"no warning matching {c.pattern!r}; warnings: {texts[:2]}"
        try:
            good = bool(c.check(result))
        except Exception as exc:  # noqa: BLE001
            return "silent", f"check failed: {type(exc).__name__}: {exc}"
        return ("handled", "documented result") if good else ("silent", "wrong result")


def _child(c: Case, conn):
    try:
        conn.send(_run_case(c))
    except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable detail
        conn.send(("vague", f"battery: {type(exc).__name__}: {exc}"))
    conn.close()


def run(cases, timeout: float):
    ctx = mp.get_context("fork")
    out = []
    for i, c in enumerate(cases):
        parent, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_child, args=(c, child))
        t0 = time.perf_counter()
        proc.start()
        child.close()
        if parent.poll(timeout):
            outcome, detail = parent.recv()
        else:
            outcome, detail = "hang", f"no answer within {timeout:g} s"
        proc.join(0.5)
        if proc.is_alive():
            proc.kill()
            proc.join()
        elif proc.exitcode not in (0, None) and outcome == "hang":
            outcome, detail = "vague", f"child died with exit code {proc.exitcode}"
        out.append(
            {
                "id": c.id,
                "area": c.area,
                "expect": c.expect,
                "outcome": outcome,
                "seconds": round(time.perf_counter() - t0, 3),
                "detail": detail,
            }
        )
        if (i + 1) % 50 == 0:
            print(f"  {i + 1}/{len(cases)} cases", file=sys.stderr)
    return out


def collect():
    CASES.clear()
    _mapper_cases()
    _model_cases()
    _shapes_cases()
    _other_cases()
    _others_cases()
    _extreme_cases()
    ids = Counter(c.id for c in CASES)
    dup = [k for k, v in ids.items() if v > 1]
    assert not dup, f"duplicate case ids: {dup}"
    return list(CASES)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-k", default="", help="only the cases whose id contains this text")
    ap.add_argument(
        "--timeout", type=float, default=20.0, help="seconds per case before it counts as a hang"
    )
    ap.add_argument("--list", action="store_true", help="print the case ids and stop")
    args = ap.parse_args(argv)
    cases = [c for c in collect() if args.k in c.id]
    if args.list:
        print("\n".join(c.id for c in cases))
        return 0
    t0 = time.perf_counter()
    results = run(cases, args.timeout)
    total = time.perf_counter() - t0
    order = ["clear", "handled", "vague", "silent", "hang"]
    by_area = defaultdict(Counter)
    for r in results:
        by_area[r["area"]][r["outcome"]] += 1
    print(f"\n{len(results)} bad inputs in {total:.0f} s\n")
    print(f"{'area':16s}" + "".join(f"{o:>9s}" for o in order))
    for area in sorted(by_area):
        print(f"{area:16s}" + "".join(f"{by_area[area][o]:9d}" for o in order))
    tot = Counter(r["outcome"] for r in results)
    print(f"{'total':16s}" + "".join(f"{tot[o]:9d}" for o in order))
    bad = [r for r in results if r["outcome"] in ("vague", "silent", "hang")]
    if bad:
        print("\nnot answered clearly:")
        for r in bad:
            print(f"- [{r['outcome']}] {r['id']}: {r['detail'].splitlines()[0][:220]}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bad_input_battery.json").write_text(
        json.dumps({"counts": dict(tot), "results": results}, indent=1)
    )
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
