"""Speed of the similarity measures, printed as ratios beside their references.

    .venv/bin/python benchmarks/bench_metrics.py            # small sizes (a few minutes)
    .venv/bin/python benchmarks/bench_metrics.py --full     # full size (heavy: LFM at 200k)
    .venv/bin/python benchmarks/bench_metrics.py --only lfm --sizes 10000 50000

1. Linear CKA on 50,000 x 768 float32 (``--full``; 5,000 otherwise) against the three
   matrix products it needs (X'Y, X'X, Y'Y on the centred data), timed side by side in the
   same run (best of 3).
2. Mutual kNN on 50,000 x 768 (exact search): time, and the recall of its neighbour lists
   against scikit-learn's brute-force search on a sample of queries (1.0: exact).
3. The kNN graph and the whole LFM (the public ``lfm(X, Y)`` with its defaults) at 10k, 50k
   and 200k inputs (``--full``; 2k and 5k otherwise), ``--dim`` features (default 128: a
   curved 12-d structure plus noise, ``data()``): wall time and peak memory, in a fresh
   process per size. Peak memory is the tracemalloc peak of each step (NumPy's buffers and
   Python objects allocated by it, the input data excluded) and the peak resident set of the
   process (data included). The LFM's phases (graphs, eigenbases, descriptors, map, ZoomOut,
   point map) are timed from its progress messages and written to stderr as they end, so a
   run stopped early still shows the phases it finished.
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


class PhaseClock:
    """A progress callback that times the phases of a run from its messages (the text before
    the first ``:``), with the tracemalloc peak of each phase above the memory traced when it
    began, writes each phase to stderr when the next one starts, and the progress inside a
    phase every 10 % (so a run stopped early still shows what it finished and its rate)."""

    def __init__(self, label=""):
        self.label = label
        self.t0 = time.perf_counter()
        self.current = None
        self.start = self.t0
        self.cpu0 = time.process_time()
        self.cpu: dict[str, float] = {}
        self.base = 0
        self.tenth = 0
        self.phases: dict[str, float] = {}
        self.peaks: dict[str, float] = {}
        self.abs_peak = 0.0

    def __call__(self, fraction, message=""):
        import tracemalloc

        name = message.split(":")[0].strip() or "start"
        if name != self.current:
            self._close()
            self.current, self.start, self.fraction0 = name, time.perf_counter(), fraction
            self.cpu0 = time.process_time()
            self.tenth = 0
            if tracemalloc.is_tracing():
                self.base = tracemalloc.get_traced_memory()[0]
                tracemalloc.reset_peak()
        elif fraction >= self.fraction0 + (self.tenth + 1) * 0.1 * (1.0 - self.fraction0):
            self.tenth += 1
            print(
                f"  [{self.label}] ... {self.current}: {message} {fraction:.3f} at "
                f"{time.perf_counter() - self.start:.0f} s",
                file=sys.stderr,
                flush=True,
            )

    def _close(self):
        import tracemalloc

        if self.current is None:
            return
        dt = time.perf_counter() - self.start
        cpu = time.process_time() - self.cpu0
        self.phases[self.current] = self.phases.get(self.current, 0.0) + dt
        self.cpu[self.current] = self.cpu.get(self.current, 0.0) + cpu
        peak = ""
        if tracemalloc.is_tracing():
            top = tracemalloc.get_traced_memory()[1]
            self.abs_peak = max(self.abs_peak, top / 2**20)
            mb = (top - self.base) / 2**20
            self.peaks[self.current] = max(self.peaks.get(self.current, 0.0), mb)
            peak = f", peak +{mb:.0f} MB"
        print(
            f"  [{self.label}] {self.current}: {dt:.1f} s (CPU {cpu:.1f} s){peak} (at {time.perf_counter() - self.t0:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    def finish(self):
        self._close()
        self.current = None
        return {k: round(v, 2) for k, v in self.phases.items()}


def one_size(n, d):
    """Run in a fresh process: the whole LFM (``lfm(X, Y, random_state=0)``, defaults), then
    the kNN graph of ``X`` alone, each with its wall time and tracemalloc peak; the peak
    resident set of the process at the end."""
    import resource
    import tracemalloc

    from napari_topoalign.metrics import lfm
    from napari_topoalign.metrics.functional_maps import knn_graph

    X, Y = data(n, d)
    out = {"n": n, "d": d}
    tracemalloc.start()
    clock = PhaseClock(f"n={n} LFM")
    t, c = time.perf_counter(), time.process_time()
    r = lfm(X, Y, random_state=0, progress=clock)
    out["lfm_s"] = time.perf_counter() - t
    out["lfm_cpu_s"] = time.process_time() - c
    out["lfm_phases_s"] = clock.finish()
    out["lfm_phases_cpu_s"] = {k: round(v, 2) for k, v in clock.cpu.items()}
    out["lfm_phase_peak_mb"] = {k: round(v, 1) for k, v in clock.peaks.items()}
    out["lfm_peak_mb"] = clock.abs_peak
    out["similarity"] = r.similarity
    out["top1"] = r.accuracy()
    del r
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    t, c = time.perf_counter(), time.process_time()
    W, _ = knn_graph(X, 10)
    out["graph_s"] = time.perf_counter() - t
    out["graph_cpu_s"] = time.process_time() - c
    out["graph_peak_mb"] = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    del W
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def bench_lfm(sizes, d):
    print(
        f"kNN graph (k=10, cosine) and the whole LFM (lfm(X, Y) defaults: k=10 graphs, 50 "
        f"eigenvectors, HKS, ZoomOut, top-5 point map), {d}-d float32, one process per size:"
    )
    rows = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--dim", str(d)]
        res = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        if res.returncode != 0:
            print(f"  n={n}: failed (return code {res.returncode})")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        rows.append(r)
        ph = ", ".join(f"{k} {v:.1f} s" for k, v in r["lfm_phases_s"].items())
        print(f"  n={n}: LFM phases: {ph}", flush=True)
    if not rows:
        return
    print(
        f"  {'n':>8} | {'kNN graph s (CPU)':>17} | {'graph peak MB':>13} | {'LFM s (CPU)':>15} | "
        f"{'LFM peak MB':>11} | {'graph / LFM':>11} | {'peak RSS MB':>11} | similarity | top-1"
    )
    for r in rows:
        g = f"{r['graph_s']:.1f} ({r['graph_cpu_s']:.0f})"
        w = f"{r['lfm_s']:.1f} ({r['lfm_cpu_s']:.0f})"
        print(
            f"  {r['n']:>8} | {g:>17} | {r['graph_peak_mb']:>13.0f} | {w:>15} | "
            f"{r['lfm_peak_mb']:>11.0f} | {r['graph_s'] / r['lfm_s']:>11.2f} | "
            f"{r['peak_rss_mb']:>11.0f} | {r['similarity']:>10.3f} | {r['top1']:.3f}"
        )
    for a, b in zip(rows, rows[1:]):
        f = b["n"] / a["n"]
        print(
            f"  {a['n']} -> {b['n']} (x{f:g} inputs): kNN graph x{b['graph_s'] / a['graph_s']:.1f}, "
            f"LFM x{b['lfm_s'] / a['lfm_s']:.1f} (an exact n^2 search: x{f * f:g}), "
            f"LFM peak memory x{b['lfm_peak_mb'] / a['lfm_peak_mb']:.1f}"
        )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--full", action="store_true", help="full sizes (LFM up to 200k inputs)")
    p.add_argument("--quick", action="store_true", help="small sizes (the default)")
    p.add_argument("--sizes", type=int, nargs="+", help="LFM sizes (overrides the defaults)")
    p.add_argument("--one", type=int, help=argparse.SUPPRESS)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--only", choices=["cka", "knn", "lfm"])
    args = p.parse_args(argv)
    if args.one:
        one_size(args.one, args.dim)
        return
    n_big = 50_000 if args.full else 5_000
    if args.only in (None, "cka"):
        bench_cka(n_big, 768)
    if args.only in (None, "knn"):
        bench_mutual_knn(n_big, 768)
    if args.only in (None, "lfm"):
        sizes = args.sizes or ([10_000, 50_000, 200_000] if args.full else [2_000, 5_000])
        bench_lfm(sizes, args.dim)


if __name__ == "__main__":
    main()
