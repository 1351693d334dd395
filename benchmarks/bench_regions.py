"""Matching regions: the acceptance table of issue 12 (self, rotation, noise ladder, null,
real layers, planted) and the speed on two ~2,000-node graphs of real layers.

Every graph pair is built with ``build_mapper`` and ONE lens computed once and passed to
both representations as an array (``GRAPH`` below gives the other parameters), except the
null, where each representation gets its own lens (a lens shared by a representation and a
row-permuted copy would put the same inputs in the same cover elements of both graphs, i.e.
plant the correspondence the null must not have).

Usage::

    python benchmarks/bench_regions.py            # full size (a few minutes)
    python benchmarks/bench_regions.py --quick    # small sizes, for development
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

#: Mapper parameters of the graphs (the lens is given as an array).
GRAPH = dict(n_intervals=20, overlap=0.4, clusterer="knn", cover="balanced", random_state=0)
ALPHA = 0.05
NOISE = (0.01, 0.05, 0.1, 0.2, 0.5)


def linear_cka(X, Y) -> float:
    try:
        from napari_topoalign.metrics import cka

        return float(cka(X, Y))
    except Exception:  # the metrics helper's module may not be there yet
        X = X - X.mean(axis=0)
        Y = Y - Y.mean(axis=0)
        xy = np.linalg.norm(X.T @ Y) ** 2
        return float(xy / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)))


def coverage(regions, n_inputs: int, alpha: float = ALPHA) -> dict:
    """Shares of the ``n_inputs`` inputs: in significant regions (any kind), in significant
    preserved regions, and in the strongly coupled node pairs of significant regions."""
    sig = [r for r in regions if r.p_value <= alpha]
    pres = [r for r in sig if r.kind == "preserved"]

    def union(rs, what="inputs"):
        return (
            len(np.unique(np.concatenate([getattr(r, what) for r in rs]))) / n_inputs
            if rs
            else 0.0
        )

    return {
        "any": union(sig),
        "preserved": union(pres),
        "matched": union(sig, "matched_inputs"),
        "n_sig": len(sig),
    }


def held(*graphs) -> int:
    """Inputs held by a node of every one of ``graphs``."""
    sets = [set(np.unique(g.membership.indices).tolist()) for g in graphs]
    return len(set.intersection(*sets))


def graphs(X, Y, lens, **extra):
    from napari_topoalign.mapper import build_mapper

    params = dict(GRAPH, **extra)
    return build_mapper(X, lens=lens, **params), build_mapper(Y, lens=lens, **params)


def self_cover(regions, graph, min_size=3):
    """Share of the nodes of components with >= min_size nodes that lie in a region, and the
    lowest score of a region."""
    from napari_topoalign._utils.graph import connected_components

    _, lab = connected_components(graph.n_nodes, graph.edges)
    big = np.isin(lab, np.flatnonzero(np.bincount(lab) >= min_size))
    covered = np.zeros(graph.n_nodes, dtype=bool)
    for r in regions:
        covered[r.nodes_a] = True
    share = covered[big].mean() if big.any() else 1.0
    return float(share), min((r.score for r in regions), default=float("nan"))


def main(argv=None) -> int:
    from napari_topoalign.align import covered_share, find_matching_regions
    from napari_topoalign.datasets.minilm import MINILM_NAMES, load_minilm_sample
    from napari_topoalign.datasets.planted import make_planted_graphs
    from napari_topoalign.mapper import build_mapper, compute_lens

    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    quick = args.quick
    n_perm = 30 if quick else 100
    rows = []

    def row(case, **values):
        rows.append((case, values))
        text = ", ".join(
            f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()
        )
        print(f"{case:<34} {text}", flush=True)

    reps = load_minilm_sample()
    n = 600 if quick else reps.n_inputs
    layers = {name: np.asarray(reps[name], dtype=np.float64)[:n] for name in MINILM_NAMES}
    X = layers["block3"]
    lens = compute_lens(X, "pca1", random_state=0)

    # self and rotation
    ga, _ = graphs(X, X, lens)
    regs = find_matching_regions(ga, ga, n_permutations=n_perm, random_state=0)
    share, low = self_cover(regs, ga)
    row("self", nodes=ga.n_nodes, covered=share, min_score=low, regions=len(regs))
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(X.shape[1], X.shape[1])))
    ga, gb = graphs(X, X @ q, lens)
    regs = find_matching_regions(ga, gb, n_permutations=n_perm, random_state=0)
    share, low = self_cover(regs, ga)
    row("rotation (shared lens)", nodes=f"{ga.n_nodes}/{gb.n_nodes}", covered=share, min_score=low)
    ga, gb = graphs(X, X @ q, "l2norm")
    regs = find_matching_regions(ga, gb, n_permutations=n_perm, random_state=0)
    share, low = self_cover(regs, ga)
    row("rotation (l2norm lens)", nodes=f"{ga.n_nodes}/{gb.n_nodes}", covered=share, min_score=low)

    # noise ladder
    rng = np.random.default_rng(0)
    sd = X.std(axis=0)
    for level in NOISE:
        ga, gb = graphs(X, X + rng.normal(size=X.shape) * sd * level, lens)
        regs = find_matching_regions(ga, gb, n_permutations=n_perm, random_state=0)
        c = coverage(regs, held(ga))
        w = covered_share(ga, gb, regs, alpha=ALPHA) * ga.n_inputs / held(ga)
        row(
            f"noise {int(level * 100)} %",
            weighted=w,
            matched=c["matched"],
            any=c["any"],
            preserved=c["preserved"],
            regions=len(regs),
        )

    # null: rows permuted, each its own lens
    n_seeds = 5 if quick else 20
    hits = 0
    for seed in range(n_seeds):
        Xp = X[np.random.default_rng(seed).permutation(n)]
        ga = build_mapper(X, lens=lens, **GRAPH)
        gb = build_mapper(Xp, lens=compute_lens(Xp, "pca1", random_state=0), **GRAPH)
        regs = find_matching_regions(ga, gb, n_permutations=n_perm, random_state=seed)
        hits += any(r.p_value <= ALPHA for r in regs)
    row("null (rows permuted, own lenses)", seeds=n_seeds, with_significant=hits)

    # real layers: for each pair one lens (pca1 of the pair's first layer) shared by both
    names = list(MINILM_NAMES)
    pairs = [(names[i], names[j]) for i in range(len(names)) for j in range(i + 1, len(names))]
    cov, cov_matched, ckas = [], [], []
    for a, b in pairs:
        pair_lens = compute_lens(layers[a], "pca1", random_state=0)
        ga, gb = graphs(layers[a], layers[b], pair_lens)
        regs = find_matching_regions(ga, gb, n_permutations=n_perm, random_state=0)
        c = coverage(regs, n)
        cov.append(covered_share(ga, gb, regs, alpha=ALPHA))
        cov_matched.append(c["matched"])
        ckas.append(linear_cka(layers[a], layers[b]))
        adjacent = names.index(b) == names.index(a) + 1
        print(
            f"   {a}-{b}: cka={ckas[-1]:.3f} weighted={cov[-1]:.3f} matched={c['matched']:.3f} any={c['any']:.3f} "
            f"preserved={c['preserved']:.3f} regions={len(regs)}{' (adjacent)' if adjacent else ''}",
            flush=True,
        )
    from scipy.stats import spearmanr

    adj = [c for (a, b), c in zip(pairs, cov) if names.index(b) == names.index(a) + 1]
    adj_m = [c for (a, b), c in zip(pairs, cov_matched) if names.index(b) == names.index(a) + 1]
    row(
        "real layers (MiniLM)",
        adjacent_min=min(adj),
        spearman_cka=float(spearmanr(cov, ckas)[0]),
        matched_adjacent_min=min(adj_m),
        matched_spearman=float(spearmanr(cov_matched, ckas)[0]),
    )

    # planted
    seeds = range(3 if quick else 10)
    res = []
    for seed in seeds:
        ga, gb, truth = make_planted_graphs(random_state=seed)
        regs = find_matching_regions(ga, gb, n_permutations=n_perm, random_state=0)
        res.append(truth.evaluate(regs))
    row(
        "planted",
        recall_min=min(r["recall"] for r in res),
        precision_min=min(r["precision"] for r in res),
        preserved_whole=sum(len(r["preserved_whole"]) for r in res),
        wrong=sum(len(r["wrong"]) for r in res),
        reported=sum(v is not None for r in res for v in r["differences"].values()),
        changed=sum(len(r["differences"]) for r in res),
    )
    res = []
    for seed in seeds:
        ga, gb, truth = make_planted_graphs(random_state=seed, extra_bridges=2, n_copies=2)
        regs = find_matching_regions(ga, gb, n_permutations=n_perm, random_state=0)
        res.append(truth.evaluate(regs))
    row(
        "planted (2 copies, bridge cycles)",
        recall_min=min(r["recall"] for r in res),
        precision_min=min(r["precision"] for r in res),
        preserved_whole=sum(len(r["preserved_whole"]) for r in res),
        wrong=sum(len(r["wrong"]) for r in res),
    )

    # speed: two ~2,000-node graphs of real layers, 100 permutations
    lens2 = compute_lens(layers["block3"], "pca2", random_state=0)
    fine = dict(
        n_intervals=60 if quick else 120,
        overlap=0.8,
        clusterer="dbscan",
        cover="uniform",
        min_samples=2,
        random_state=0,
    )
    ga = build_mapper(layers["block3"], lens=lens2, **fine)
    gb = build_mapper(layers["block4"], lens=lens2, **fine)
    times, cpu = [], []
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        regs = find_matching_regions(ga, gb, n_permutations=100, random_state=0)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    c = coverage(regs, n)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    row(
        "speed (block3-block4)",
        nodes=f"{ga.n_nodes}/{gb.n_nodes}",
        seconds=min(times),
        cpu_seconds=min(cpu),
        target=2.0,
        load=load,
        regions=len(regs),
        matched=c["matched"],
        any=c["any"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
