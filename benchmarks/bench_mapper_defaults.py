"""Mapper defaults on real representations: which clusterer, eps rule, lens and cover show
structure instead of the cover.

For every candidate setting the script builds the mapper graph of every representation of
the real samples (digits: 3 representations; MiniLM: 7 layers when the sample is installed)
with one lens shared by all representations of the sample (computed on a reference
representation), and prints per setting, as medians over the representations:

* ``split``: share of the clustered cover elements that gave two or more nodes;
* ``noise``: share of the inputs in no node;
* ``largest``: largest node as a share of the inputs;
* ``comp``, ``cyc``, ``br``: components, independent cycles, branch points;
* ``nodes``;
* ``purity``: size-weighted mean label purity of the nodes (digits: the digit; MiniLM: the
  sample's labels when it has them);
* ``adj``: comparability of the graphs of adjacent representations: the median over the
  nodes of one graph of their best Jaccard with a node of the next graph (both directions);
* ``time``: seconds per graph.

Usage::

    python benchmarks/bench_mapper_defaults.py            # digits (+ MiniLM if available)
    python benchmarks/bench_mapper_defaults.py --only digits
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np


def best_jaccard(ga, gb) -> float:
    from napari_topoalign.align import node_coupling

    if ga.n_nodes == 0 or gb.n_nodes == 0:
        return 0.0
    C = node_coupling(ga, gb).tocsr()
    a = np.asarray(C.max(axis=1).todense()).ravel()
    b = np.asarray(C.max(axis=0).todense()).ravel()
    return float(np.median(np.concatenate([a, b])))


def samples(only):
    from napari_topoalign.datasets import load_digits_sample

    out = {}
    if only in (None, "digits"):
        reps = load_digits_sample(random_state=0)
        out["digits"] = (reps, list(reps.names), "pixels_pca")
    if only in (None, "minilm"):
        try:
            from napari_topoalign.datasets import load_minilm_sample

            reps = load_minilm_sample()
            out["minilm"] = (reps, list(reps.names), reps.names[len(reps.names) // 2])
        except Exception as exc:  # not installed yet
            print(f"(MiniLM sample not available: {exc})")
    return out


def candidates():
    from napari_topoalign.mapper._clusterers import (
        ElementDBSCAN,
        ElementHDBSCAN,
        GapSingleLinkage,
        KNNComponents,
    )

    c = {
        "dbscan knee (old)": dict(clusterer="dbscan"),
        "dbscan per-element knee": dict(clusterer=ElementDBSCAN(min_samples=3)),
        "dbscan per-element knee x0.9": dict(clusterer=ElementDBSCAN(min_samples=3, scale=0.9)),
        "hdbscan ms3 f.05 eom": dict(clusterer=ElementHDBSCAN(min_samples=3)),
        "single gap": dict(clusterer=GapSingleLinkage(min_samples=3)),
        "knn4 mutual": dict(clusterer=KNNComponents(n_neighbors=4, min_samples=3)),
        "knn5 mutual": dict(clusterer=KNNComponents(n_neighbors=5, min_samples=3)),
        "knn6 mutual": dict(clusterer=KNNComponents(n_neighbors=6, min_samples=3)),
        "knn10 mutual": dict(clusterer=KNNComponents(n_neighbors=10, min_samples=3)),
    }
    return c


def run(setting, reps, names, ref, lens, n_intervals, overlap, labels):
    from napari_topoalign import build_mapper
    from napari_topoalign.mapper import compute_lens
    from napari_topoalign.mapper.report import mapper_report

    shared = compute_lens(reps[ref], lens, random_state=0)
    graphs, rows = [], []
    t = time.perf_counter()
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = build_mapper(
                reps[name],
                lens=shared,
                n_intervals=n_intervals,
                overlap=overlap,
                labels=labels,
                random_state=0,
                name=name,
                **setting,
            )
        graphs.append(g)
        rows.append(mapper_report(g))
    dt = (time.perf_counter() - t) / len(names)
    adj = [best_jaccard(a, b) for a, b in zip(graphs[:-1], graphs[1:])]
    med = lambda f: float(np.median([f(r) for r in rows]))  # noqa: E731
    return {
        "split": med(lambda r: r.split_share),
        "noise": med(lambda r: r.noise_share),
        "largest": med(lambda r: r.largest_node_share),
        "comp": med(lambda r: r.n_components),
        "cyc": med(lambda r: r.n_cycles),
        "br": med(lambda r: r.n_branch_points),
        "nodes": med(lambda r: r.n_nodes),
        "purity": med(lambda r: r.mean_purity if r.mean_purity is not None else np.nan),
        "adj": float(np.median(adj)) if adj else float("nan"),
        "time": dt,
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", choices=["digits", "minilm"], default=None)
    p.add_argument("--lenses", default="l2norm,pca1")
    p.add_argument("--intervals", default="10,15")
    p.add_argument("--overlaps", default="0.3,0.4")
    p.add_argument("--covers", default="uniform,balanced")
    p.add_argument("--settings", default=None, help="comma-separated subset of candidate names")
    args = p.parse_args(argv)
    cands = candidates()
    if args.settings:
        keep = args.settings.split(",")
        cands = {k: v for k, v in cands.items() if k in keep}
    header = (
        f"{'sample':7s} {'lens':7s} {'cov':4s} {'n':>3s} {'ov':>4s} {'setting':30s} {'split':>5s} {'noise':>5s} "
        f"{'larg':>5s} {'comp':>4s} {'cyc':>4s} {'br':>4s} {'nodes':>5s} {'pur':>5s} {'adj':>5s} {'s':>5s}"
    )
    print(header)
    for sname, (reps, names, ref) in samples(args.only).items():
        labels = reps.labels
        for lens in args.lenses.split(","):
            for n_int in [int(v) for v in args.intervals.split(",")]:
                for ov in [float(v) for v in args.overlaps.split(",")]:
                    for cover in args.covers.split(","):
                        for cname, setting in cands.items():
                            setting = dict(setting, cover=cover)
                            r = run(setting, reps, names, ref, lens, n_int, ov, labels)
                            print(
                                f"{sname:7s} {lens:7s} {cover[:4]:4s} {n_int:3d} {ov:4.2f} {cname:30s} {r['split']:5.2f} "
                                f"{r['noise']:5.2f} {r['largest']:5.2f} {r['comp']:4.0f} {r['cyc']:4.0f} "
                                f"{r['br']:4.0f} {r['nodes']:5.0f} {r['purity']:5.2f} {r['adj']:5.2f} "
                                f"{r['time']:5.2f}",
                                flush=True,
                            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
