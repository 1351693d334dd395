"""Time and peak memory of opening a large representation and of saving/loading a session.

    .venv/bin/python benchmarks/bench_io.py              # 1,000,000 x 768 float32 (3.1 GB)
    .venv/bin/python benchmarks/bench_io.py --n 100000   # a quick run

1. A ``(n, d)`` float32 representation is written as ``.npy``, ``.h5`` (contiguous, the h5py
   default) and ``.zarr`` (chunked, compressed: zarr's default), one at a time, and each is
   opened in a fresh process with :func:`napari_topoalign.io.read_representations` (the
   finite-value check included) and, side by side, by the plain library call that reads it
   whole (``np.load``, ``h5py`` ``ds[()]``, ``zarr`` ``arr[...]``). Printed: wall time, peak
   RSS of the process (file-backed pages of a memory map count while they are mapped) and
   the peak of Python/NumPy heap allocations (tracemalloc), and the ratio to the plain read.
2. A session over the same ``n`` inputs with 7 mapper graphs (~1.3 memberships per input
   each), a layout and 6 correspondences (coupling matrices, regions), its representations
   stored by reference to the ``.npy`` file, is saved with ``Comparison.save`` and loaded with
   ``Comparison.load`` (checksums of every part and of the referenced file verified), each
   in a fresh process.

Files go to a temporary folder (``--dir``) and are deleted as soon as they are measured. The
page cache is warm (each file was just written): times are for reading from memory, not disk.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve()


def _peak_rss_mb() -> float:
    """Peak RSS since the last :func:`_reset_peak` (VmHWM), else of the whole process."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:  # pragma: no cover - not Linux
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _reset_peak() -> None:
    """Reset the peak RSS to the current RSS (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:  # pragma: no cover
        pass


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _child(task: str, path: str, extra: str) -> dict:
    """Run one measurement in this (fresh) process: once timed, once under tracemalloc."""
    import gc
    import tracemalloc

    import h5py  # noqa: F401 - imports are not what is measured
    import zarr

    from napari_topoalign import Comparison
    from napari_topoalign.io import read_representations

    def run():
        if task == "ours":
            reps = read_representations(path)
            return reps, list(reps[reps.names[0]].shape)
        if task == "plain":
            suffix = Path(path).suffix
            if suffix == ".npy":
                arr = np.load(path)
            elif suffix == ".h5":
                with h5py.File(path, "r") as fh:
                    arr = fh["layer"][()]
            else:
                arr = zarr.open_group(path, mode="r")["layer"][...]
            return arr, list(arr.shape)
        if task == "save":
            out = session.save(
                Path(path).with_name("session.topoalign"), representations="reference"
            )
            return out, [out.stat().st_size]
        if task == "checksum":
            from napari_topoalign.io.session_file import file_checksum

            return file_checksum(path), [Path(path).stat().st_size]
        if task == "load":
            cmp = Comparison.load(path)
            return cmp, [len(cmp.graphs), sum(g.membership.nnz for g in cmp.graphs.values())]
        raise ValueError(task)  # pragma: no cover

    session = _make_session(Path(path), json.loads(extra)) if task == "save" else None
    gc.collect()
    _reset_peak()
    before = _current_rss_mb()
    t = time.perf_counter()
    result, shape = run()
    seconds = time.perf_counter() - t
    peak = _peak_rss_mb()
    del result
    gc.collect()
    tracemalloc.start()
    result, _ = run()
    _, heap_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": seconds,
        "peak_rss_mb": peak,
        "rss_before_mb": before,
        "heap_peak_mb": heap_peak / 2**20,
        "shape": shape,
    }


def _make_session(npy: Path, cfg: dict):
    """7 synthetic mapper graphs over the inputs of ``npy`` (overlapping intervals of a
    random lens, split in two clusters each), a layout and consecutive correspondences."""
    import scipy.sparse as sp

    from napari_topoalign import Comparison, Layout, MapperGraph
    from napari_topoalign.io import read_representations
    from napari_topoalign.model import Correspondence

    try:
        from napari_topoalign.model import Region
    except ImportError:  # pragma: no cover
        from napari_topoalign.align import Region

    reps = read_representations(npy)
    n = reps.n_inputs
    rng = np.random.default_rng(0)
    cmp = Comparison(reps)
    labels = rng.integers(0, 10, n)
    n_int, overlap = cfg["intervals"], 0.3
    for k in range(7):
        lens = rng.random(n)
        width = 1.0 / (n_int - (n_int - 1) * overlap)
        starts = np.arange(n_int) * width * (1 - overlap)
        rows, cols = [], []
        node = 0
        side = rng.random(n) < 0.5
        for s in starts:
            inside = np.flatnonzero((lens >= s) & (lens < s + width))
            for half in (True, False):
                members = inside[side[inside] == half]
                rows.append(np.full(len(members), node))
                cols.append(members)
                node += 1
        m = sp.csr_matrix(
            (
                np.ones(sum(len(c) for c in cols), dtype=bool),
                (np.concatenate(rows), np.concatenate(cols)),
            ),
            shape=(node, n),
        )
        cmp.graphs[f"layer{k}"] = MapperGraph.from_membership(
            m,
            labels=labels,
            lens=lens,
            name=f"layer{k}",
            params={"lens": "random", "n_intervals": n_int},
        )
    cmp.layout = Layout(
        {name: rng.normal(size=(g.n_nodes, 2)) for name, g in cmp.graphs.items()},
        params={"method": "joint"},
    )
    names = list(cmp.graphs)
    for a, b in zip(names[:-1], names[1:]):
        ga, gb = cmp.graphs[a], cmp.graphs[b]
        coupling = (ga.membership.astype(np.float32) @ gb.membership.T.astype(np.float32)).tocsr()
        region = Region(
            nodes_a=np.arange(10),
            nodes_b=np.arange(12),
            inputs=ga.inputs_of_nodes(np.arange(10)),
            score=0.5,
        )
        cmp.correspondences[(a, b)] = Correspondence(
            a, b, coupling, [region], {"min_overlap": 0.2}
        )
    return cmp


def measure(task: str, path: Path, extra: dict | None = None) -> dict:
    out = subprocess.run(
        [sys.executable, str(HERE), "--child", task, str(path), json.dumps(extra or {})],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--d", type=int, default=768)
    parser.add_argument(
        "--intervals", type=int, default=500, help="cover intervals of the synthetic graphs"
    )
    parser.add_argument("--dir", default=None, help="where to put the temporary files")
    parser.add_argument(
        "--formats", default=".npy,.h5,.zarr", help="comma-separated suffixes to open"
    )
    parser.add_argument("--no-session", action="store_true", help="skip the session save/load")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(*args.child)))
        return 0

    import h5py
    import zarr

    tmp = Path(tempfile.mkdtemp(prefix="bench_io_", dir=args.dir))
    gb = args.n * args.d * 4 / 1e9
    print(f"[bench_io] {args.n:,} x {args.d} float32 ({gb:.2f} GB) in {tmp}; warm page cache")
    rng = np.random.default_rng(0)
    X = np.empty((args.n, args.d), dtype=np.float32)
    step = 100_000
    for s in range(0, args.n, step):
        X[s : s + step] = rng.standard_normal((min(step, args.n - s), args.d), dtype=np.float32)
    rows = []
    try:
        formats = [f.strip() for f in args.formats.split(",") if f.strip()]
        if not args.no_session and ".npy" not in formats:
            formats.insert(0, ".npy")  # the session refers to the .npy
        for suffix in formats:
            path = tmp / f"layer{suffix}"
            t = time.perf_counter()
            if suffix == ".npy":
                np.save(path, X)
            elif suffix == ".h5":
                with h5py.File(path, "w") as fh:
                    fh["layer"] = X
            else:
                g = zarr.open_group(str(path), mode="w")
                g.create_array("layer", data=X)
            write_s = time.perf_counter() - t
            os.sync()  # the written pages reach the disk before the file is read back
            ours = measure("ours", path)
            plain = measure("plain", path)
            rows.append((suffix, write_s, ours, plain))
            print(
                f"[bench_io] open {suffix:6s} read_representations {ours['seconds']:7.2f} s, peak RSS "
                f"+{ours['peak_rss_mb'] - ours['rss_before_mb']:6.0f} MB, heap peak {ours['heap_peak_mb']:7.0f} MB | "
                f"plain full read {plain['seconds']:6.2f} s, peak RSS +{plain['peak_rss_mb'] - plain['rss_before_mb']:6.0f} MB, "
                f"heap peak {plain['heap_peak_mb']:7.0f} MB | time ratio "
                f"{ours['seconds'] / max(plain['seconds'], 1e-9):.2f}x, heap ratio "
                f"{ours['heap_peak_mb'] / max(plain['heap_peak_mb'], 1e-9):.3f}x (write {write_s:.1f} s)",
                flush=True,
            )
            if suffix != ".npy":
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        del X
        if args.no_session:
            return 0
        npy = tmp / "layer.npy"
        save = measure("save", npy, {"intervals": args.intervals})
        session = tmp / "session.topoalign"
        load = measure("load", session)
        digest = measure("checksum", npy)
        print(
            f"[bench_io] session: 7 graphs over {args.n:,} inputs ({load['shape'][1]:,} memberships), "
            f"layout, 6 correspondences; representations by reference to the .npy; file "
            f"{save['shape'][0] / 1e6:.1f} MB",
            flush=True,
        )
        print(
            f"[bench_io] session save {save['seconds']:6.2f} s (peak RSS {save['peak_rss_mb']:.0f} MB with the "
            f"session in memory, {save['rss_before_mb']:.0f} MB before saving; heap peak {save['heap_peak_mb']:.0f} MB) | "
            f"load {load['seconds']:6.2f} s (peak RSS +{load['peak_rss_mb'] - load['rss_before_mb']:.0f} MB, heap peak "
            f"{load['heap_peak_mb']:.0f} MB)",
            flush=True,
        )
        print(
            f"[bench_io] of which the SHA-256 of the referenced .npy: {digest['seconds']:.2f} s "
            f"(done once by save, once by load): the session's own parts take about "
            f"{save['seconds'] - digest['seconds']:.2f} s to save and {load['seconds'] - digest['seconds']:.2f} s to load",
            flush=True,
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
