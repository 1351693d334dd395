"""Joint layout benchmark: ``joint_layout`` vs networkx's ``spring_layout`` on the union graph.

Data: pairs of mapper-like graphs over the same inputs, built so that their node coupling is
real. The inputs are points of a 2-D latent shape (three blobs, a loop and a branch); each
graph sees them through its own smooth warp plus noise, and its nodes are the inputs within a
radius of random centres (different centres per graph), so the nodes overlap like mapper
nodes do, the edges are the nerve (Jaccard weights) from ``MapperGraph.from_membership``, and
the coupling between the two graphs comes from shared inputs. Each input lies in about 2
nodes of each graph.

Compared in one run at 2 x 2,000 nodes:

* ``joint_layout(graphs, random_state=0)`` (default parameters);
* ``networkx.spring_layout`` of the *union graph*: the nodes of both graphs, each graph's
  edges with their Jaccard weights, plus one edge per coupled pair of nodes weighted by their
  Jaccard coupling (the plain way to get a joint layout), with default parameters
  (``method="auto"``: networkx picks its energy-based solver from 500 nodes up) and seed 0.

Both are measured with the same quality function (``napari_topoalign.align.layout_quality``:
alignment = coupling-weighted mean distance of coupled nodes divided by the layout's RMS
radius; stress per graph), together with the independent baseline (each graph alone,
aligned afterwards by Procrustes). Then ``joint_layout`` alone at 2 x 20,000 nodes.

Targets (issue 4): joint_layout >= 20x faster than spring_layout at 2 x 2,000 nodes; 2 x
20,000 nodes in < 10 s on this machine. Other processes share the machine's two cores, so
expect noise; the ratio is measured side by side in one run.

Usage::

    python benchmarks/bench_layout.py           # 2 x 2,000 (with networkx) and 2 x 20,000
    python benchmarks/bench_layout.py --quick   # 2 x 300 and 2 x 2,000, a few seconds
    python benchmarks/bench_layout.py --acceptance   # issues 4 and 12: ~70 cases + 27 real pairs
    python benchmarks/bench_layout.py --acceptance --real-only   # the real pairs alone

``--acceptance`` checks the quality criteria of issue 4 (alignment ratio >= 2 and every
stress ratio <= 1.10 against ``independent_baseline`` with the same seed) on the cases of
``tests/align/test_quality.py`` and on held-out ones: digits pairs (1-D PCA lens, 15
intervals, overlap 0.4) at layout seeds 3-12 on all three pairs, synthetic pairs (the test's
generator) at data seeds 4-13. Then issue 12's criteria on every case and on real adjacent
pairs built with the default parameters of a comparison (one shared lens): digits (2 pairs)
and MiniLM (6 pairs), layout seeds 0-2: ratio >= 1 everywhere, stress ratios <= 1.10, median
ratio over the MiniLM pairs >= 1.5.

Results are printed and written to ``benchmarks/results/`` (git-ignored) as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

RESULTS = Path(__file__).resolve().parent / "results"


def latent_shape(n_inputs: int, rng) -> np.ndarray:
    """Three blobs, a loop and a branch in the plane (about unit density per area 1)."""
    k = n_inputs // 5
    parts = [rng.normal(c, 0.9, size=(k, 2)) for c in [(0, 0), (9, 0), (4.5, 7)]]
    t = rng.uniform(0, 2 * np.pi, k)
    parts.append(
        np.column_stack([4.5 + 4 * np.cos(t), -7 + 4 * np.sin(t)])
        + rng.normal(scale=0.4, size=(k, 2))
    )
    s = rng.uniform(0, 1, n_inputs - 4 * k)
    parts.append(
        np.column_stack([9 + 8 * s, 0 + 6 * s**2]) + rng.normal(scale=0.4, size=(len(s), 2))
    )
    return np.vstack(parts)


def mapper_like_pair(n_nodes: int, *, seed: int = 0, inputs_per_node: float = 2.0):
    """Two graphs of ``n_nodes`` nodes each over the same inputs (see the module docstring)."""
    from napari_topoalign.model import MapperGraph

    rng = np.random.default_rng(seed)
    n_inputs = int(n_nodes * 10 / inputs_per_node)  # ~10 inputs per node, ~3 nodes per input
    Z = latent_shape(n_inputs, rng)
    graphs = []
    for k in range(2):
        A = rng.normal(size=(2, 2)) * 0.3 + np.eye(2)
        W = Z @ A + 0.6 * np.sin(Z[:, ::-1] / 3.0 + k)
        centres = W[rng.choice(n_inputs, n_nodes, replace=False)]
        # radius so that a node holds about 10 inputs, i.e. each input lies in about
        # ``inputs_per_node`` nodes; then noise of a third of that radius, so that the two
        # graphs' nodes do not hold exactly the same neighbourhoods
        d, _ = cKDTree(W).query(centres, k=10)
        r = float(np.median(d[:, -1]))
        W = W + rng.normal(scale=r / 3, size=W.shape)
        tree = cKDTree(W)
        members = tree.query_ball_point(centres, r)
        rows = np.repeat(np.arange(n_nodes), [len(m) for m in members])
        cols = np.concatenate([np.asarray(m, dtype=np.int64) for m in members])
        M = sp.csr_matrix((np.ones(len(rows), bool), (rows, cols)), shape=(n_nodes, n_inputs))
        graphs.append(MapperGraph.from_membership(M, name=f"g{k}"))
    return graphs


def union_graph(graphs):
    import networkx as nx

    from napari_topoalign.align import node_coupling

    G = nx.Graph()
    for g, graph in enumerate(graphs):
        G.add_nodes_from((g, i) for i in range(graph.n_nodes))
        G.add_weighted_edges_from(
            ((g, int(a)), (g, int(b)), float(w))
            for (a, b), w in zip(graph.edges, graph.edge_weights)
        )
    for a in range(len(graphs)):
        for b in range(a + 1, len(graphs)):
            c = node_coupling(graphs[a], graphs[b]).tocoo()
            G.add_weighted_edges_from(
                ((a, int(i)), (b, int(j)), float(w)) for i, j, w in zip(c.row, c.col, c.data)
            )
    return G


def quality(graphs, positions, offsets=None):
    from napari_topoalign.align import layout_quality

    q = layout_quality(graphs, positions, offsets=offsets)
    return {"alignment": q["mean_alignment"], "stress": q["stress"]}


def fmt(q):
    return f"alignment {q['alignment']:.3f}, stress " + ", ".join(f"{s:.4f}" for s in q["stress"])


def run_pair(n_nodes: int, *, with_networkx: bool, seed: int) -> dict:
    import networkx as nx

    from napari_topoalign.align import joint_layout
    from napari_topoalign.align.quality import independent_baseline

    t = time.perf_counter()
    graphs = mapper_like_pair(n_nodes, seed=seed)
    out = {
        "n_nodes": [g.n_nodes for g in graphs],
        "n_edges": [g.n_edges for g in graphs],
        "n_inputs": graphs[0].n_inputs,
        "build_s": time.perf_counter() - t,
    }
    print(f"\n2 graphs x {n_nodes:,} nodes ({out['n_edges']} edges, {out['n_inputs']:,} inputs)")
    t = time.perf_counter()
    pos = joint_layout(graphs, random_state=0)
    out["joint_s"] = time.perf_counter() - t
    out["joint_iterations"] = pos.params["iterations"]
    out["joint_quality"] = quality(graphs, pos)
    print(f"  joint_layout          {out['joint_s']:8.2f} s   {fmt(out['joint_quality'])}")
    t = time.perf_counter()
    base = independent_baseline(graphs, random_state=0)
    out["independent_s"] = time.perf_counter() - t
    out["independent_quality"] = quality(graphs, base)
    print(
        f"  independent+Procrustes{out['independent_s']:8.2f} s   {fmt(out['independent_quality'])}"
    )
    if with_networkx:
        G = union_graph(graphs)
        t = time.perf_counter()
        p = nx.spring_layout(G, seed=0)
        out["networkx_s"] = time.perf_counter() - t
        nxpos = [
            np.array([p[(g, i)] for i in range(graph.n_nodes)]) for g, graph in enumerate(graphs)
        ]
        out["networkx_quality"] = quality(graphs, nxpos)
        out["speedup"] = out["networkx_s"] / out["joint_s"]
        print(
            f"  nx.spring_layout union{out['networkx_s']:8.2f} s   {fmt(out['networkx_quality'])}"
        )
        print(f"  speed-up joint_layout vs networkx: {out['speedup']:.1f}x (target >= 20x)")
    return out


def acceptance_cases():
    """(set, label, graphs, seed) of the acceptance check: the tests' cases, the held-out
    set of docs/layout.md and further held-out seeds."""
    tests = Path(__file__).resolve().parents[1] / "tests"
    for path in (
        tests,
        tests / "align",
    ):  # test_quality imports the shared data from tests/conftest.py
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from test_quality import _synthetic_pair

    from napari_topoalign import build_mapper
    from napari_topoalign.datasets import load_digits_sample

    reps = load_digits_sample(random_state=0)
    names = ("pixels_pca", "mlp_hidden1", "mlp_hidden2")
    # the graphs of issue 4's battery: explicit DBSCAN (the default clusterer before issue 12)
    dg = {
        n: build_mapper(
            reps[n],
            lens="pca1",
            n_intervals=15,
            overlap=0.4,
            clusterer="dbscan",
            random_state=0,
            name=n,
        )
        for n in names
    }
    pairs = [
        ("pixels_pca", "mlp_hidden1"),
        ("mlp_hidden1", "mlp_hidden2"),
        ("pixels_pca", "mlp_hidden2"),
    ]
    synth = {d: _synthetic_pair(d) for d in range(14)}
    cases = [("tests", f"{a} vs {b}", [dg[a], dg[b]], s) for a, b in pairs[:2] for s in range(3)]
    cases += [("tests", f"synthetic {d}", synth[d], s) for d in range(4) for s in (0, 1)]
    cases += [
        ("held-out", f"{a} vs {b}", [dg[a], dg[b]], s) for a, b in pairs for s in range(3, 8)
    ]
    cases += [("held-out", f"synthetic {d}", synth[d], 0) for d in range(4, 10)]
    cases += [
        ("further", f"{a} vs {b}", [dg[a], dg[b]], s) for a, b in pairs for s in range(8, 13)
    ]
    cases += [("further", f"synthetic {d}", synth[d], 1) for d in range(4, 10)]
    cases += [("further", f"synthetic {d}", synth[d], 0) for d in range(10, 14)]
    return cases


def real_cases(seeds=(0, 1, 2)):
    """(set, label, graphs, seed) of real adjacent pairs with the default mapper parameters of
    a comparison (one lens shared by all representations): digits pixels -> hidden1 ->
    hidden2 and the MiniLM sample's 6 adjacent layer pairs (when it is installed)."""
    import warnings

    from napari_topoalign import Comparison
    from napari_topoalign.datasets import load_digits_sample

    samples = {"digits": load_digits_sample(random_state=0)}
    try:
        from napari_topoalign.datasets import load_minilm_sample

        samples["minilm"] = load_minilm_sample()
    except Exception as exc:  # the sample is optional
        print(f"(MiniLM sample not available: {exc})")
    cases = []
    for sample, reps in samples.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            graphs = Comparison(reps).build_mappers(random_state=0)
        names = list(reps.names)
        for a, b in zip(names[:-1], names[1:]):
            cases += [(f"real {sample}", f"{a} vs {b}", [graphs[a], graphs[b]], s) for s in seeds]
    return cases


def run_acceptance(*, real_only: bool = False, coupling_strength: float | None = None) -> dict:
    """Issue 4's criteria (alignment ratio >= 2, stress ratios <= 1.10) on its battery, and
    issue 12's on every case (ratio >= 1: never worse than independent layouts aligned by
    Procrustes; stress ratios <= 1.10) and on the real pairs (median ratio >= 1.5 over the
    MiniLM adjacent-layer pairs)."""
    from napari_topoalign.align import joint_layout, layout_quality
    from napari_topoalign.align.quality import independent_baseline

    kw = {} if coupling_strength is None else {"coupling_strength": coupling_strength}
    cases = ([] if real_only else acceptance_cases()) + real_cases()
    rows = []
    print(
        f"{'set':12s} {'case':28s} {'seed':>4s} {'joint':>6s} {'base':>6s} {'ratio':>6s}  stress ratios   fallback"
    )
    for which, label, graphs, seed in cases:
        pos = joint_layout(graphs, random_state=seed, **kw)
        joint = layout_quality(graphs, pos)
        base = layout_quality(graphs, independent_baseline(graphs, random_state=seed))
        ratio = base["mean_alignment"] / joint["mean_alignment"]
        stress_ratio = [j / b for j, b in zip(joint["stress"], base["stress"])]
        ok12 = ratio >= 1.0 - 1e-9 and max(stress_ratio) <= 1.10
        ok4 = ratio >= 2.0 and max(stress_ratio) <= 1.10
        rows.append(
            {
                "set": which,
                "case": label,
                "seed": seed,
                "nodes": [g.n_nodes for g in graphs],
                "joint": joint["mean_alignment"],
                "baseline": base["mean_alignment"],
                "ratio": ratio,
                "stress_ratio": stress_ratio,
                "fallback": bool(pos.params.get("fallback")),
                "ok_issue12": ok12,
                "ok_issue4": ok4,
            }
        )
        flag = "" if ok12 else "  FAIL (issue 12)"
        if not which.startswith("real") and not ok4:
            flag += "  below issue 4's 2x"
        print(
            f"{which:12s} {label:28s} {seed:4d} {joint['mean_alignment']:6.3f} {base['mean_alignment']:6.3f} "
            f"{ratio:6.2f}  "
            + ", ".join(f"{r:.3f}" for r in stress_ratio)
            + f"   {'yes' if pos.params.get('fallback') else 'no'}{flag}",
            flush=True,
        )
    print()
    for which in dict.fromkeys(r["set"] for r in rows):
        sel = [r for r in rows if r["set"] == which]
        ratios = [r["ratio"] for r in sel]
        line = (
            f"{which:12s}: {len(sel):3d} cases, ratio min {min(ratios):.2f} median {np.median(ratios):.2f}, "
            f"worst stress ratio {max(max(r['stress_ratio']) for r in sel):.3f}, "
            f"issue 12 pass {sum(r['ok_issue12'] for r in sel)}/{len(sel)}"
        )
        if not which.startswith("real"):
            line += f", issue 4 (>= 2x) pass {sum(r['ok_issue4'] for r in sel)}/{len(sel)}"
        else:
            line += f", fallback {sum(r['fallback'] for r in sel)}"
        print(line)
    mini = [r["ratio"] for r in rows if r["set"] == "real minilm"]
    if mini:
        print(
            f"MiniLM adjacent layers, shared lens: median ratio {np.median(mini):.2f} (target >= 1.5)"
        )
    return {"cases": rows}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="2 x 300 vs networkx and 2 x 2,000 alone"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--acceptance",
        action="store_true",
        help="the quality criteria of issues 4 and 12 on ~70 + 27 cases",
    )
    parser.add_argument(
        "--real-only", action="store_true", help="with --acceptance: only the real pairs"
    )
    parser.add_argument("--coupling-strength", type=float, default=None, help="with --acceptance")
    args = parser.parse_args(argv)
    if args.acceptance:
        result = {
            "benchmark": "bench_layout_acceptance",
            "python": sys.version.split()[0],
            **run_acceptance(real_only=args.real_only, coupling_strength=args.coupling_strength),
        }
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / f"bench_layout_acceptance_{time.strftime('%Y%m%d-%H%M%S')}.json"
        path.write_text(json.dumps(result, indent=2))
        print(f"written {path}")
        return 0
    compare, large = (300, 2000) if args.quick else (2000, 20000)
    result = {
        "benchmark": "bench_layout",
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "quick": args.quick,
        "compare": run_pair(compare, with_networkx=True, seed=args.seed),
        "large": run_pair(large, with_networkx=False, seed=args.seed),
    }
    print(
        f"\n2 x {large:,} nodes: joint_layout {result['large']['joint_s']:.2f} s (target < 10 s)"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench_layout_{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"written {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
