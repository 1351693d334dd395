"""Speed and memory of the layer topology, beside ripser (and gudhi) run directly.

    .venv/bin/python benchmarks/bench_topology.py                 # 100,000 x 384, 2,000 landmarks
    .venv/bin/python benchmarks/bench_topology.py --n 20000       # smaller
    .venv/bin/python benchmarks/bench_topology.py --data mixture  # a synthetic mixture instead

Data (``--data minilm``, the default): the 7 layers of the MiniLM sample (1,500 words x 384
each, standardised per layer, 10,500 real vectors) repeated with Gaussian jitter of 0.3 x
the median nearest-neighbour distance of the layer until ``--n`` rows: real directions, and
duplicates that are not exact. ``--data mixture``: 50 Gaussian clusters of intrinsic
dimension 8 embedded in 384 dimensions, plus isotropic noise.

Each stage runs in a fresh process, so the peak resident memory printed is that stage's
(``ru_maxrss``; it includes the ~100-200 MB of the interpreter, numpy and scikit-learn):

1. ``h0``: :func:`napari_topoalign.topology.persistence` with ``maxdim=0`` (exact H0 on all rows);
2. ``landmarks``: 2,000 farthest-point landmarks (saved for the next stages);
3. ``h1_ours``: ``persistence(X[landmarks], maxdim=1)`` (our exact H0 + ripser's H1);
4. ``h1_ripser``: ``ripser.ripser(X[landmarks], maxdim=1)`` directly;
5. ``h0_ref_*``: on a 10,000-row subset, our H0 vs ripser ``maxdim=0`` and scipy's MST of the
   dense distance matrix (the references that need all pairwise distances in memory);
6. ``choice_*``: ripser vs gudhi (Rips complex, ``max_dimension=2``) for H1 on 400 landmarks,
   the measurement behind the choice of ripser.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def make_data(n: int, kind: str, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "mixture":
        d, k = 384, 50
        centres = rng.normal(size=(k, d)) * 3.0
        basis = rng.normal(size=(k, 8, d)) * 0.3
        lab = rng.integers(0, k, n)
        Z = rng.normal(size=(n, 8))
        X = centres[lab] + np.einsum("ij,ijk->ik", Z, basis[lab]) + 0.05 * rng.normal(size=(n, d))
        return X.astype(np.float64)
    from sklearn.neighbors import NearestNeighbors

    from napari_topoalign.datasets import load_minilm_sample

    reps = load_minilm_sample()
    blocks = []
    for name in reps.names:
        A = np.asarray(reps[name], dtype=np.float64)
        A = (A - A.mean(0)) / (A.std(0) + 1e-12)
        dist, _ = NearestNeighbors(n_neighbors=2).fit(A).kneighbors(A)
        blocks.append((A, float(np.median(dist[:, 1]))))
    base = np.concatenate([b[0] for b in blocks])
    scale = np.concatenate([np.full(len(b[0]), b[1]) for b in blocks])
    reps_needed = int(np.ceil(n / len(base)))
    out = []
    for r in range(reps_needed):
        jitter = 0.0 if r == 0 else 0.3 / np.sqrt(base.shape[1])
        out.append(base + jitter * scale[:, None] * rng.normal(size=base.shape))
    X = np.concatenate(out)[:n]
    return X[rng.permutation(len(X))]


def _landmark_file(args) -> Path:
    import tempfile

    return (
        Path(tempfile.gettempdir())
        / f"bench_topology_landmarks_{args.data}_{args.n}_{args.landmarks}.npy"
    )


def stage(name: str, args) -> dict:
    """Run one stage in this process and return its numbers."""
    out: dict = {"stage": name}
    if name.startswith("h1") or name.startswith("choice"):
        Y = np.load(_landmark_file(args))  # the landmarks of the landmarks stage
        X = None
    else:
        X = make_data(args.n, args.data)
    # imports are not timed
    import ripser  # noqa: F401
    import sklearn.metrics  # noqa: F401

    from napari_topoalign.topology import diagrams  # noqa: F401

    if name == "choice_gudhi":
        import gudhi  # noqa: F401
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t = time.perf_counter()
    if name == "landmarks":
        from napari_topoalign.topology import farthest_point_landmarks

        L, eps = farthest_point_landmarks(X, args.landmarks, random_state=0)
        out["cover_radius"] = eps
        out["bound"] = 2 * eps
        np.save(_landmark_file(args), X[L])
    elif name == "h0":
        from napari_topoalign.topology import persistence

        d = persistence(X, maxdim=0)
        out.update({k: v for k, v in d.stats.items() if not isinstance(v, float)})
        out["largest_death"] = float(d.mst_weights[-1])
    elif name == "h1_ours":
        from napari_topoalign.topology import persistence

        d = persistence(Y, maxdim=1)
        out["h1_bars"] = len(d.dgms[1])
        out["h1_longest"] = (
            float((d.dgms[1][:, 1] - d.dgms[1][:, 0]).max()) if len(d.dgms[1]) else 0.0
        )
    elif name == "h1_ripser":
        from ripser import ripser

        dg = ripser(Y, maxdim=1)["dgms"]
        out["h1_bars"] = len(dg[1])
        out["h1_longest"] = float((dg[1][:, 1] - dg[1][:, 0]).max()) if len(dg[1]) else 0.0
    elif name.startswith("h0_ref"):
        sub = X[: min(len(X), args.ref_n)]
        del X
        t = time.perf_counter()
        if name == "h0_ref_ours":
            from napari_topoalign.topology import persistence

            w = persistence(sub, maxdim=0).mst_weights
        elif name == "h0_ref_ripser":
            from ripser import ripser

            dg = ripser(sub, maxdim=0)["dgms"][0]
            w = np.sort(dg[np.isfinite(dg[:, 1]), 1])
        else:
            from scipy.sparse.csgraph import minimum_spanning_tree
            from sklearn.metrics import pairwise_distances

            w = np.sort(minimum_spanning_tree(pairwise_distances(sub)).data)
        out["sum_of_deaths"] = float(np.sum(w))
        out["n_rows"] = len(sub)
    elif name.startswith("choice"):
        Z = Y[: args.choice_n]
        t = time.perf_counter()
        if name == "choice_ripser":
            from ripser import ripser

            dg = ripser(Z, maxdim=1)["dgms"][1]
            out["h1_bars"] = len(dg)
        else:
            import gudhi

            st = gudhi.RipsComplex(points=Z).create_simplex_tree(max_dimension=2)
            st.compute_persistence()
            out["h1_bars"] = len(st.persistence_intervals_in_dimension(1))
        out["n_rows"] = len(Z)
    out["seconds"] = time.perf_counter() - t
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    out["rss_before_mb"] = rss0 / 1024.0
    return out


def run_stage(name: str, args) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--stage",
        name,
        "--n",
        str(args.n),
        "--data",
        args.data,
        "--landmarks",
        str(args.landmarks),
        "--ref-n",
        str(args.ref_n),
        "--choice-n",
        str(args.choice_n),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if res.returncode != 0:
        return {
            "stage": name,
            "error": res.stderr.strip().splitlines()[-1] if res.stderr else "failed",
        }
    return json.loads(res.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--data", choices=["minilm", "mixture"], default="minilm")
    p.add_argument("--landmarks", type=int, default=2000)
    p.add_argument("--ref-n", type=int, default=10_000)
    p.add_argument("--choice-n", type=int, default=400)
    p.add_argument("--stage", default=None)
    p.add_argument("--skip", default="", help="comma-separated stages to skip")
    args = p.parse_args()
    if args.stage:
        print(json.dumps(stage(args.stage, args)))
        return
    print(
        f"bench_topology: n={args.n} x 384 ({args.data}), {args.landmarks} landmarks, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    stages = [
        "h0",
        "landmarks",
        "h1_ours",
        "h1_ripser",
        "h0_ref_ours",
        "h0_ref_ripser",
        "h0_ref_scipy",
        "choice_ripser",
        "choice_gudhi",
    ]
    skip = set(filter(None, args.skip.split(",")))
    results = {}
    for name in stages:
        if name in skip:
            continue
        r = run_stage(name, args)
        results[name] = r
        if "error" in r:
            print(f"{name:15s} failed: {r['error']}")
            continue
        extra = {
            k: v
            for k, v in r.items()
            if k not in ("stage", "seconds", "peak_rss_mb", "rss_before_mb")
        }
        print(
            f"{name:15s} {r['seconds']:9.2f} s  peak RSS {r['peak_rss_mb']:8.0f} MB  {extra}",
            flush=True,
        )

    def ratio(a, b):
        if a in results and b in results and "seconds" in results[a] and "seconds" in results[b]:
            return results[b]["seconds"] / max(results[a]["seconds"], 1e-9)
        return float("nan")

    print("\nratios (reference time / ours; > 1: ours faster)")
    print(f"  H1 on the landmarks, ripser direct / ours : {ratio('h1_ours', 'h1_ripser'):.2f}")
    print(
        f"  H0 on {args.ref_n} rows, ripser / ours      : {ratio('h0_ref_ours', 'h0_ref_ripser'):.2f}"
    )
    print(
        f"  H0 on {args.ref_n} rows, dense scipy / ours : {ratio('h0_ref_ours', 'h0_ref_scipy'):.2f}"
    )
    print(
        f"  H1 on {args.choice_n} landmarks, gudhi / ripser : {ratio('choice_ripser', 'choice_gudhi'):.2f}"
    )
    for a, b in (("h0_ref_ours", "h0_ref_ripser"), ("h0_ref_ours", "h0_ref_scipy")):
        if "sum_of_deaths" in results.get(a, {}) and "sum_of_deaths" in results.get(b, {}):
            print(
                f"  sum of H0 deaths, {a} vs {b}: {results[a]['sum_of_deaths']:.6f} vs "
                f"{results[b]['sum_of_deaths']:.6f}"
            )


if __name__ == "__main__":
    main()
