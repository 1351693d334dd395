"""Mapper engine benchmark: ``build_mapper`` against KeplerMapper 2.1.0, side by side.

Part 1 runs both engines in one process on the same clustered data (float32, 384 features,
L2-norm lens, 50 intervals, 50 % overlap, DBSCAN with a fixed eps), checks that the nodes
(as sets of inputs) and the edges are identical, and prints both times and their ratio.

Part 2 runs our engine alone at growing sizes (10k, 100k, 1M rows by default), each in a
fresh subprocess, and prints time and peak memory: the process's maximum resident set size
(which includes the data itself and every imported library; the data's size is printed
next to it), and the peak of memory allocated (tracemalloc, in untimed runs) by the
L2-norm lens alone and by ``build_mapper`` given that lens (the engine proper; the whole
call allocates the larger of the two).

The data: ``n // 2500`` Gaussian blobs (standard deviation 1 per feature, centres uniform in
``[-10, 10]^384``), so every blob holds about 2 500 inputs at every size, plus 2 % uniform
noise points in the same box. Generated in float32 chunks with a fixed seed. ``eps = 26.5``
is close to what our automatic rule picks on it (``knee_eps(X, 5)`` = 26.7 at 50k rows):
within-blob distances are about 27 +- 1, between blobs about 150, so DBSCAN finds the blobs'
pieces in every interval; an input has about a hundred neighbours within eps, not thousands.

KeplerMapper's time depends little on eps (it computes every distance inside every
interval); ours depends on how many pairs can be pruned, see
``napari_topoalign/mapper/_dbscan.py``.

Usage::

    python benchmarks/bench_mapper.py            # 50k comparison, then 10k, 100k, 1M
    python benchmarks/bench_mapper.py --quick    # 10k comparison, then 10k and 30k
    python benchmarks/bench_mapper.py --sizes 10000 100000 --compare-n 20000

Results are printed and written to ``benchmarks/results/`` (git-ignored) as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

N_FEATURES = 384
PER_BLOB = 2500
EPS = 26.5
MIN_SAMPLES = 5
N_INTERVALS = 50
OVERLAP = 0.5
RESULTS = Path(__file__).resolve().parent / "results"


def make_data(
    n, n_features=N_FEATURES, *, per_blob=PER_BLOB, noise=0.02, box=10.0, seed=0, chunk=65536
):
    """``n x n_features`` float32 clustered data (see the module docstring)."""
    rng = np.random.default_rng(seed)
    k = max(1, n // per_blob)
    centres = rng.uniform(-box, box, size=(k, n_features)).astype(np.float32)
    labels = rng.integers(0, k, size=n)
    X = np.empty((n, n_features), dtype=np.float32)
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        X[s:e] = rng.standard_normal((e - s, n_features), dtype=np.float32)
        X[s:e] += centres[labels[s:e]]
    n_noise = int(round(noise * n))
    noise_rows = np.sort(rng.choice(n, n_noise, replace=False))
    X[noise_rows] = rng.uniform(-box, box, size=(n_noise, n_features)).astype(np.float32)
    return X


def ours(X, n_jobs, lens="l2norm"):
    from napari_topoalign import build_mapper

    return build_mapper(
        X,
        lens=lens,
        n_intervals=N_INTERVALS,
        overlap=OVERLAP,
        cover="uniform",
        clusterer="dbscan",
        eps=EPS,
        min_samples=MIN_SAMPLES,
        n_jobs=n_jobs,
    )


def kepler(X, lens):
    import kmapper as km
    from sklearn.cluster import DBSCAN

    return km.KeplerMapper(verbose=0).map(
        lens,
        X,
        cover=km.Cover(n_cubes=N_INTERVALS, perc_overlap=OVERLAP),
        clusterer=DBSCAN(eps=EPS, min_samples=MIN_SAMPLES),
    )


def _our_sets(graph):
    m = graph.membership.tocsr()
    nodes = [tuple(m.indices[m.indptr[i] : m.indptr[i + 1]].tolist()) for i in range(m.shape[0])]
    edges = {frozenset((nodes[a], nodes[b])) for a, b in np.asarray(graph.edges).reshape(-1, 2)}
    return nodes, edges


def _kepler_sets(graph):
    nodes = {key: tuple(sorted(v)) for key, v in graph["nodes"].items()}
    edges = {frozenset((nodes[a], nodes[b])) for a, bs in graph["links"].items() for b in bs}
    return list(nodes.values()), edges


def compare(n, n_jobs, repeats):
    from napari_topoalign.mapper import compute_lens

    X = make_data(n)
    # warm up both engines (imports, first calls) on a small slice
    small = X[: min(n, 6000)]  # big enough for the pivot groups: first-call imports happen here
    ours(small, n_jobs)
    kepler(small, compute_lens(small, "l2norm"))

    t = time.perf_counter()
    lens = compute_lens(X, "l2norm")  # the same lens our engine computes inside
    t_lens = time.perf_counter() - t
    t = time.perf_counter()
    g_km = kepler(X, lens)
    t_km = time.perf_counter() - t
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        g_ours = ours(X, n_jobs)
        times.append(time.perf_counter() - t)
    t_ours = float(np.median(times))

    n_ours, e_ours = _our_sets(g_ours)
    n_km, e_km = _kepler_sets(g_km)
    same_nodes = sorted(n_ours) == sorted(n_km)
    same_edges = e_ours == e_km
    order_same = n_ours == n_km  # node order: cover element, then DBSCAN label
    return {
        "n": n,
        "n_features": N_FEATURES,
        "eps": EPS,
        "min_samples": MIN_SAMPLES,
        "n_intervals": N_INTERVALS,
        "overlap": OVERLAP,
        "n_jobs": n_jobs,
        "kmapper_s": t_km,
        "ours_s": t_ours,
        "ours_runs_s": times,
        "ratio": t_km / t_ours,
        "lens_s": t_lens,
        "ratio_without_lens": t_km / max(t_ours - t_lens, 1e-9),
        "nodes": len(n_ours),
        "edges": len(e_ours),
        "kmapper_nodes": len(n_km),
        "kmapper_edges": len(e_km),
        "identical_nodes": same_nodes,
        "identical_edges": same_edges,
        "identical_node_order": order_same,
    }


def _child(n, n_jobs):
    """Run in a subprocess: time and peak memory of our engine at one size.

    The timed run is plain. Memory: the process's peak resident set size (includes the
    data and everything imported), and the peak of memory allocated during ``build_mapper``
    (tracemalloc, in a second run, since tracing slows it down), and during the L2-norm
    lens alone.
    """
    import tracemalloc

    from napari_topoalign.mapper import compute_lens

    X = make_data(n)
    ours(X[: min(n, 6000)], n_jobs)  # imports and first calls are not part of the timing
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB (Linux: KiB)
    t = time.perf_counter()
    g = ours(X, n_jobs)
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    del g
    tracemalloc.start()
    lens = compute_lens(X, "l2norm")
    lens_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    tracemalloc.start()
    g = ours(X, n_jobs, lens=lens)  # the same graph, the lens given
    traced_peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "n": n,
                "seconds": elapsed,
                "peak_rss_mib": peak,
                "rss_after_data_mib": rss_data,
                "data_mib": X.nbytes / 2**20,
                "engine_allocated_peak_mib": traced_peak,
                "lens_allocated_peak_mib": lens_peak,
                "nodes": int(g.membership.shape[0]),
                "edges": int(len(g.edges)),
            }
        )
    )


def scale(sizes, n_jobs):
    out = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--child", str(n), "--n-jobs", str(n_jobs)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            out.append({"n": n, "error": proc.stderr.strip().splitlines()[-1:] or ["failed"]})
            continue
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        out.append(row)
        print(
            f"  n={n:>9,d}  time {row['seconds']:8.2f} s  peak RSS {row['peak_rss_mib']:8.0f} MiB "
            f"(data {row['data_mib']:6.0f} MiB)  allocated: engine given the lens "
            f"{row['engine_allocated_peak_mib']:7.0f} MiB, L2-norm lens "
            f"{row['lens_allocated_peak_mib']:6.0f} MiB  nodes {row['nodes']:6d}  edges {row['edges']:6d}",
            flush=True,
        )
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    ap.add_argument("--sizes", type=int, nargs="+", help="sizes of the scaling part")
    ap.add_argument("--compare-n", type=int, help="rows of the side-by-side comparison")
    ap.add_argument("--n-jobs", type=int, default=-1, help="threads of our engine (-1: all cores)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of our engine in the comparison")
    ap.add_argument("--no-compare", action="store_true", help="skip the KeplerMapper comparison")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(args.child, args.n_jobs)
        return 0
    compare_n = args.compare_n or (10_000 if args.quick else 50_000)
    sizes = args.sizes or ([10_000, 30_000] if args.quick else [10_000, 100_000, 1_000_000])

    import sklearn

    try:
        import kmapper  # the reference: in the test extra, not a runtime dependency
    except ImportError:
        if not args.no_compare:
            print(
                "KeplerMapper is not installed (pip install 'napari-topoalign[test]'); use --no-compare"
            )
            return 2
        kmapper = None

    result = {
        "machine": {
            "cpus": len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
            "sklearn": sklearn.__version__,
            "kmapper": getattr(kmapper, "__version__", None),
        }
    }
    ok = True
    if not args.no_compare:
        print(
            f"Side by side: {compare_n:,d} x {N_FEATURES} float32, L2-norm lens, {N_INTERVALS} intervals, "
            f"{OVERLAP:.0%} overlap, DBSCAN(eps={EPS}, min_samples={MIN_SAMPLES})",
            flush=True,
        )
        c = compare(compare_n, args.n_jobs, args.repeats)
        result["compare"] = c
        ok = c["identical_nodes"] and c["identical_edges"]
        print(
            f"  KeplerMapper {c['kmapper_s']:8.2f} s   {c['kmapper_nodes']} nodes, {c['kmapper_edges']} edges"
        )
        print(
            f"  ours         {c['ours_s']:8.2f} s   {c['nodes']} nodes, {c['edges']} edges "
            f"(median of {len(c['ours_runs_s'])}: {', '.join(f'{t:.2f}' for t in c['ours_runs_s'])})"
        )
        print(
            f"  (of our time, computing the L2-norm lens took {c['lens_s']:.2f} s; KeplerMapper was "
            f"given it precomputed; ratio without it: {c['ratio_without_lens']:.1f} x)"
        )
        print(
            f"  ratio        {c['ratio']:8.1f} x faster;  identical nodes: {c['identical_nodes']}, "
            f"identical edges: {c['identical_edges']}, same node order: {c['identical_node_order']}",
            flush=True,
        )
    print(f"Scaling of our engine (n_jobs={args.n_jobs}), one subprocess per size:", flush=True)
    result["scaling"] = scale(sizes, args.n_jobs)

    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench_mapper_{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2))
    print(
        f"\n{'rows':>10} {'seconds':>9} {'peak RSS MiB':>13} {'data MiB':>9} "
        f"{'engine MiB':>11} {'lens MiB':>9}"
    )
    for row in result["scaling"]:
        if "error" in row:
            print(f"{row['n']:>10,d}  failed: {row['error']}")
        else:
            print(
                f"{row['n']:>10,d} {row['seconds']:>9.2f} {row['peak_rss_mib']:>13.0f} "
                f"{row['data_mib']:>9.0f} {row['engine_allocated_peak_mib']:>11.0f} "
                f"{row['lens_allocated_peak_mib']:>9.0f}"
            )
    print(f"written to {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
