"""Motif search speed on a 5,000-node mapper graph, side by side with networkx, and the MiniLM
motif table.

    python benchmarks/bench_motifs.py            # every built-in motif + two 6-node patterns
    python benchmarks/bench_motifs.py --quick    # a smaller graph (~1,500 nodes)
    python benchmarks/bench_motifs.py --minilm   # loops and branches per MiniLM layer (docs/motifs.md)

The graph: a mapper graph (1-D lens, DBSCAN in each interval) of points sampled on several
hundred small structures (circles, Y shapes, blobs) placed side by side in 8-D, with noise:
loops, branches, flares, chains and stars, as mapper graphs of real representations have.
Every search runs under its time limit (10 s) and prints its count, time and whether a limit
cut it. References, each in a subprocess bounded by a timeout so that nothing hangs:
``networkx.minimum_cycle_basis`` (loops), ``networkx.find_cliques`` (cliques) and networkx's
VF2 ``GraphMatcher`` (patterns); the ratio is reference time / our time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from napari_topoalign.align.motifs import MOTIFS, compare_motifs, find_motifs
from napari_topoalign.mapper import build_mapper

PATTERNS = {
    "6-node path (induced)": [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5)],
    "triangle with a 3-node tail": [(0, 1), (1, 2), (2, 0), (2, 3), (3, 4), (4, 5)],
}
PARAMS = {
    "loop": {"min_length": 4},
    "branch": {},
    "flare": {},
    "path": {},
    "star": {},
    "clique": {"min_size": 4},
}


def structures_graph(n_structures: int = 540, n_points: int = 600, seed: int = 0):
    """The benchmark's mapper graph (about 5,000 nodes for 540 structures)."""
    rng = np.random.default_rng(seed)
    parts = []
    for k in range(n_structures):
        centre = np.zeros(8)
        centre[0] = 3.0 * k
        centre[1:] = rng.normal(scale=3, size=7)
        kind = k % 3
        if kind == 0:
            t = rng.uniform(0, 2 * np.pi, n_points)
            p = np.column_stack([np.cos(t), np.sin(t)])
        elif kind == 1:
            s = rng.uniform(0, 1, n_points)
            ang = np.array([0.0, 2.1, 4.2])[rng.integers(0, 3, n_points)]
            p = np.column_stack([s * np.cos(ang), s * np.sin(ang)])
        else:
            p = rng.normal(scale=0.4, size=(n_points, 2))
        q = np.zeros((8, 2))
        q[0, 0] = 1.0
        v = rng.normal(size=7)
        q[1:, 1] = v / np.linalg.norm(v)
        parts.append(centre + p @ q.T + 0.02 * rng.normal(size=(n_points, 8)))
    X = np.concatenate(parts)
    return build_mapper(
        X, lens=X[:, 0], n_intervals=int(n_structures * 7.2), overlap=0.4, eps=0.15, min_samples=3
    )


_REF = r"""
import json, sys, time
import networkx as nx
from networkx.algorithms.isomorphism import GraphMatcher
data = json.load(open(sys.argv[1]))
g = nx.Graph(); g.add_nodes_from(range(data["n"])); g.add_edges_from(map(tuple, data["edges"]))
what = data["what"]
t = time.perf_counter()
if what == "loop":
    n = sum(1 for c in nx.minimum_cycle_basis(g) if len(c) >= 4)
elif what == "clique":
    n = sum(1 for c in nx.find_cliques(g) if len(c) >= 4)
else:
    p = nx.Graph(data["pattern"])
    seen = set()
    for m in GraphMatcher(g, p).subgraph_isomorphisms_iter():
        inv = {b: a for a, b in m.items()}
        seen.add((frozenset(m), frozenset(frozenset((inv[a], inv[b])) for a, b in p.edges())))
    n = len(seen)
print(json.dumps({"count": n, "seconds": time.perf_counter() - t}))
"""


def reference(graph, what: str, pattern=None, timeout: float = 120.0):
    """Count and seconds of the networkx reference, or (None, '>timeout')."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "g.json")
        with open(path, "w") as fh:
            json.dump(
                {
                    "n": graph.n_nodes,
                    "edges": graph.edges.tolist(),
                    "what": what,
                    "pattern": pattern,
                },
                fh,
            )
        try:
            out = subprocess.run(
                [sys.executable, "-c", _REF, path],
                capture_output=True,
                text=True,
                timeout=timeout,
                check=True,
            )
        except subprocess.TimeoutExpired:
            return None, None
        res = json.loads(out.stdout.strip().splitlines()[-1])
        return res["count"], res["seconds"]


def speed(quick: bool, time_limit: float, ref_timeout: float) -> None:
    t = time.perf_counter()
    graph = structures_graph(160 if quick else 540)
    print(f"graph: {graph} (built in {time.perf_counter() - t:.1f} s)")
    deg = np.bincount(graph.edges.ravel(), minlength=graph.n_nodes)
    print(f"degrees: {dict(zip(*np.unique(deg, return_counts=True)))}")
    print(
        f"{'motif':32s} {'count':>7s} {'seconds':>8s} {'cut':>14s} | {'networkx':>9s} {'nx count':>8s} {'ratio':>7s}"
    )
    rows = [(name, name, PARAMS.get(name, {})) for name in MOTIFS.names()]
    rows += [(label, edges, {}) for label, edges in PATTERNS.items()]
    for label, motif, params in rows:
        res = find_motifs(graph, motif, time_limit=time_limit, **params)
        cut = res.reason if res.truncated else "-"
        ref = None
        if label == "loop":
            ref = reference(graph, "loop", timeout=ref_timeout)
        elif label == "clique":
            ref = reference(graph, "clique", timeout=ref_timeout)
        elif not isinstance(motif, str):
            ref = reference(
                graph, "pattern", pattern=[list(e) for e in motif], timeout=ref_timeout
            )
        if ref is None:
            tail = ""
        elif ref[0] is None:
            tail = f" | {'>' + format(ref_timeout, '.0f') + ' s':>9s} {'-':>8s} {'>' + format(ref_timeout / max(res.elapsed, 1e-9), '.0f') + 'x':>7s}"
        else:
            tail = f" | {ref[1]:9.3f} {ref[0]:8d} {ref[1] / max(res.elapsed, 1e-9):6.1f}x"
        print(f"{label:32s} {len(res):7d} {res.elapsed:8.3f} {cut:>14s}{tail}", flush=True)


def minilm(time_limit: float) -> None:
    """Loops and branches per MiniLM layer and their fate between adjacent layers."""
    from napari_topoalign import Comparison, load_minilm_sample
    from napari_topoalign.mapper import compute_lens

    reps = load_minilm_sample()
    params = dict(reps.metadata.get("mapper_params", {}))
    # one lens for every layer: the first principal component of the embedding layer
    lens = compute_lens(reps[reps.names[0]], "pca1", random_state=0)
    params["lens"] = lens
    cmp = Comparison(reps)
    t = time.perf_counter()
    cmp.build_mappers(**params)
    print(
        f"mapper graphs built in {time.perf_counter() - t:.1f} s with { ({k: v for k, v in params.items() if k != 'lens'}) } and a shared PCA-1 lens"
    )
    names = list(cmp.graphs)
    for motif, mparams in (("loop", {"min_length": 4}), ("branch", {})):
        print(f"\n{motif} {mparams}")
        print("| layer | nodes | edges | instances |")
        print("|---|---:|---:|---:|")
        for name in names:
            g = cmp.graphs[name]
            res = find_motifs(g, motif, time_limit=time_limit, **mparams)
            print(
                f"| {name} | {g.n_nodes} | {g.n_edges} | {len(res)}{' (cut)' if res.truncated else ''} |"
            )
        print("\n| from -> to | preserved | broken | new |")
        print("|---|---:|---:|---:|")
        for a, b in zip(names[:-1], names[1:]):
            table = compare_motifs(
                cmp.graphs[a], cmp.graphs[b], motif, time_limit=time_limit, **mparams
            )
            counts = table["status"].value_counts()
            print(
                f"| {a} -> {b} | {counts.get('preserved', 0)} | {counts.get('broken', 0)} | {counts.get('new', 0)} |"
            )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="a smaller graph")
    ap.add_argument("--minilm", action="store_true", help="the MiniLM loop/branch table")
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--ref-timeout", type=float, default=120.0)
    args = ap.parse_args(argv)
    if args.minilm:
        minilm(args.time_limit)
    else:
        speed(args.quick, args.time_limit, args.ref_timeout)


if __name__ == "__main__":
    main()
