"""Speed of the similarity measures, printed as ratios beside their references.

    .venv/bin/python benchmarks/bench_metrics.py            # full size (heavy: 200k inputs)
    .venv/bin/python benchmarks/bench_metrics.py --quick    # small sizes, for development

1. Linear CKA on 50,000 x 768 float32 against the three matrix products it needs (X'Y, X'X,
   Y'Y on the centred data), timed side by side in the same run (best of 3).
2. Mutual kNN on 50,000 x 768 (exact search): time, and the recall of its neighbour lists
   against scikit-learn's brute-force search on a sample of queries (1.0: exact).
3. The kNN graph and LFM at 10k, 50k and 200k inputs (128-d, a curved 12-d structure plus
   noise): time and peak memory (resident set of a fresh process per size). At 200k only one
   representation's graph and eigenbasis are timed (the exact graph is an n^2 search; the
   similarity of two representations costs twice that).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np


def best(fn, repeat=3):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def data(n, d, seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    Z = rng.normal(size=(n, 12)).astype(dtype)
    A = rng.normal(size=(12, d)).astype(dtype) / np.sqrt(12)
    B = rng.normal(size=(d, d)).astype(dtype) / np.sqrt(d)
    X = np.tanh(Z @ A) + 0.1 * rng.normal(size=(n, d)).astype(dtype)
    Y = np.tanh(X @ B) + 0.1 * rng.normal(size=(n, d)).astype(dtype)
    return X.astype(dtype), Y.astype(dtype)


def bench_cka(n, d):
    from napari_topoalign.metrics import cka

    X, Y = data(n, d)

    def products():
        Xc = X - X.mean(axis=0)
        Yc = Y - Y.mean(axis=0)
        return (Xc.T @ Yc, Xc.T @ Xc, Yc.T @ Yc)

    cka(X[:100], Y[:100])  # warm up
    t_ref, _ = best(products)
    t_cka, v = best(lambda: cka(X, Y))
    t_deb, vd = best(lambda: cka(X, Y, debiased=True))
    print(
        f"linear CKA {n} x {d} float32: {t_cka:.3f} s (value {v:.4f}); three products {t_ref:.3f} s; "
        f"ratio {t_cka / t_ref:.2f} (target <= 1.5)"
    )
    print(f"  debiased: {t_deb:.3f} s (value {vd:.4f}); ratio {t_deb / t_ref:.2f}")


def bench_mutual_knn(n, d, k=10, n_check=500):
    from sklearn.neighbors import NearestNeighbors

    from napari_topoalign.metrics import mutual_knn
    from napari_topoalign.metrics._neighbors import knn

    X, Y = data(n, d)
    t = time.perf_counter()
    v = mutual_knn(X, Y, k=k, metric="cosine")
    t_ours = time.perf_counter() - t
    # recall against scikit-learn on a sample of queries (excluding the query itself)
    rng = np.random.default_rng(1)
    q = rng.choice(n, n_check, replace=False)
    idx, _ = knn(X, k, metric="cosine")
    t = time.perf_counter()
    nn = NearestNeighbors(n_neighbors=k + 1, algorithm="brute", metric="cosine").fit(X)
    ref = nn.kneighbors(X[q], return_distance=False)
    t_sk = time.perf_counter() - t
    hits = [len(set(idx[i]) & (set(r) - {i})) / k for i, r in zip(q, ref)]
    per_query_ours = t_ours / (2 * n)
    per_query_sk = t_sk / n_check
    print(
        f"mutual kNN {n} x {d} float32, k={k}, exact: {t_ours:.1f} s (value {v:.4f}); "
        f"recall vs scikit-learn brute force on {n_check} queries: {np.mean(hits):.4f}"
    )
    print(
        f"  per query: ours {1e3 * per_query_ours:.2f} ms, scikit-learn brute {1e3 * per_query_sk:.2f} ms; "
        f"ratio {per_query_ours / per_query_sk:.2f}"
    )


def one_size(n, d, what):
    """Run in a fresh process: the kNN graph and the Laplacian eigenbasis of one
    representation (timed apart), the LFM similarity (two graphs, two bases), the full LFM
    (20 anchors, map, ZoomOut, point map) up to 10k, and the peak resident memory. Above
    50k only the one-representation parts run (the exact kNN graph is an n^2 search)."""
    import resource

    from napari_topoalign.metrics import lfm
    from napari_topoalign.metrics.functional_maps import knn_graph, laplacian_eigenbasis

    X, Y = data(n, d)
    out = {"n": n, "d": d}
    t = time.perf_counter()
    W, _ = knn_graph(X, 10)
    out["graph_s"] = time.perf_counter() - t
    t = time.perf_counter()
    laplacian_eigenbasis(W, 50, random_state=0)
    out["eig_s"] = time.perf_counter() - t
    del W
    if n <= 50_000:
        t = time.perf_counter()
        out["similarity"] = lfm(X, Y, random_state=0, fit=False)
        out["lfm_similarity_s"] = time.perf_counter() - t
    if what == "full" and n <= 10_000:
        t = time.perf_counter()
        r = lfm(X, Y, random_state=0, anchors=20)
        out["lfm_full_s"] = time.perf_counter() - t
        out["top1"] = r.accuracy()
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def bench_lfm(sizes, d):
    print(
        f"kNN graph (k=10, cosine) and LFM (k=50 eigenvectors), {d}-d float32, one process per size:"
    )
    for n in sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--dim", str(d)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"  n={n}: failed\n{res.stderr[-2000:]}")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        parts = [f"kNN graph {r['graph_s']:.1f} s", f"eigenbasis (50) {r['eig_s']:.1f} s"]
        if "lfm_similarity_s" in r:
            parts.append(
                f"LFM similarity (2 graphs + 2 bases) {r['lfm_similarity_s']:.1f} s = {r['similarity']:.3f}"
            )
        else:
            parts.append(
                f"LFM similarity ~ 2 x (graph + basis) = {2 * (r['graph_s'] + r['eig_s']):.0f} s (derived)"
            )
        if "lfm_full_s" in r:
            parts.append(
                f"full LFM (20 anchors, ZoomOut, point map) {r['lfm_full_s']:.1f} s, top-1 {r['top1']:.3f}"
            )
        parts.append(f"peak RSS {r['peak_rss_mb']:.0f} MB")
        print(f"  n={n}: " + "; ".join(parts), flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--one", type=int)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--only", choices=["cka", "knn", "lfm"])
    args = p.parse_args(argv)
    if args.one:
        one_size(args.one, args.dim, "full")
        return
    n_big = 5_000 if args.quick else 50_000
    if args.only in (None, "cka"):
        bench_cka(n_big, 768)
    if args.only in (None, "knn"):
        bench_mutual_knn(n_big, 768)
    if args.only in (None, "lfm"):
        bench_lfm([2_000, 5_000] if args.quick else [10_000, 50_000, 200_000], args.dim)


if __name__ == "__main__":
    main()
