"""The main job: the built-in digits comparison, in napari or headless.

The pipeline and the files are made here; the window is made by
:mod:`napari_topoalign.viewer._app` (only ``viewer/`` imports napari and Qt).

``python -m napari_topoalign`` (or ``topoalign``) loads the digits sample (pixels PCA and the
two hidden layers of an MLP, for the same 1,797 images), builds one mapper graph per
representation, lays them out jointly, finds the matching regions between the first two, and
opens napari on the result with the dock widgets ready.

``--headless`` runs the same pipeline and, instead of opening a window, writes to ``--out``
(default ``./out``): ``canvas.png`` (a screenshot of the canvas, when an X server is there),
``graphs/<name>.json`` (node-link JSON of every graph), ``layout.json`` (node positions),
``regions.json`` (the matching regions), ``session.topoalign`` (the whole session: File >
Open in napari restores it) and ``summary.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

#: The samples the main job runs on (``--sample``).
SAMPLES = ("digits", "minilm")


def run_pipeline(*, random_state: int = 0, log=print, sample: str = "digits"):
    """A sample comparison (digits, or the MiniLM words) with graphs, joint layout and
    matching regions (no viewer)."""
    from .datasets import (
        DIGITS_MAPPER_PARAMS,
        MINILM_MAPPER_PARAMS,
        load_digits_sample,
        load_minilm_sample,
    )
    from .session import Comparison

    if sample not in SAMPLES:
        raise ValueError(f"sample: expected one of {list(SAMPLES)}, got {sample!r}")
    t0 = time.perf_counter()
    if sample == "minilm":
        cmp, base = Comparison(load_minilm_sample()), MINILM_MAPPER_PARAMS
    else:
        cmp, base = Comparison(load_digits_sample(random_state=random_state)), DIGITS_MAPPER_PARAMS
    log(f"[topoalign] loaded {cmp.representations!r} ({time.perf_counter() - t0:.1f} s)")
    params = dict(base, random_state=random_state)
    t = time.perf_counter()
    cmp.build_mappers(**params)
    graphs = ", ".join(f"{n}: {g.n_nodes} nodes, {g.n_edges} edges" for n, g in cmp.graphs.items())
    log(f"[topoalign] mapper graphs ({time.perf_counter() - t:.1f} s): {graphs}")
    t = time.perf_counter()
    cmp.align_layout(random_state=random_state)
    log(f"[topoalign] joint layout ({time.perf_counter() - t:.1f} s)")
    a, b = cmp.names[:2]
    t = time.perf_counter()
    regions = cmp.find_regions(a, b, random_state=random_state)
    log(
        f"[topoalign] {len(regions)} matching region(s) between {a} and {b} ({time.perf_counter() - t:.1f} s)"
    )
    return cmp


def write_outputs(cmp, out: Path) -> list[Path]:
    """Write the graphs, the layout and the regions of ``cmp`` as JSON into ``out``."""
    from .io.writers import _json_default, write_graph_json

    out.mkdir(parents=True, exist_ok=True)
    (out / "graphs").mkdir(exist_ok=True)
    written = []
    for name, graph in cmp.graphs.items():
        written.append(write_graph_json(out / "graphs" / f"{name}.json", graph))
    if cmp.layout is not None:
        layout = {
            "positions": {n: p.tolist() for n, p in cmp.layout.positions.items()},
            "offsets": {n: o.tolist() for n, o in cmp.layout.offsets.items()},
            "params": cmp.layout.params,
        }
        path = out / "layout.json"
        path.write_text(json.dumps(layout, default=_json_default))
        written.append(path)
    regions = []
    for (a, b), corr in cmp.correspondences.items():
        for rank, r in enumerate(corr.regions):
            regions.append(
                {
                    "graph_a": a,
                    "graph_b": b,
                    "rank": rank + 1,
                    "nodes_a": np.asarray(r.nodes_a).tolist(),
                    "nodes_b": np.asarray(r.nodes_b).tolist(),
                    "n_inputs": int(len(r.inputs)),
                    "overlap": float(r.overlap),
                    "structure": float(r.structure),
                    "score": float(r.score),
                    "p_value": float(r.p_value),
                }
            )
    path = out / "regions.json"
    path.write_text(json.dumps(regions, indent=1, default=_json_default))
    written.append(path)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="topoalign", description="napari-topoalign on a built-in sample comparison"
    )
    parser.add_argument(
        "--headless", action="store_true", help="write the results instead of opening a window"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("out"), help="output folder of --headless (default ./out)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="random seed of every step (default 0)"
    )
    parser.add_argument(
        "--sample",
        choices=SAMPLES,
        default="digits",
        help="the sample to compare: digits (pixels vs MLP layers, default) or minilm "
        "(1,500 words through the 7 hidden states of all-MiniLM-L6-v2)",
    )
    args = parser.parse_args(argv)

    cmp = run_pipeline(random_state=args.seed, sample=args.sample)
    if not args.headless:
        from .viewer._app import run_viewer

        run_viewer(cmp)
        return 0

    written = write_outputs(cmp, args.out)
    written.append(cmp.save(args.out / "session.topoalign"))  # opens in napari as it was
    if os.environ.get("DISPLAY"):
        from .viewer._app import save_screenshots

        written += save_screenshots(cmp, args.out)
    else:
        print("[topoalign] no X display: no canvas.png (scripts/run.sh provides a virtual one)")
    summary = {
        "representations": cmp.names,
        "graphs": {n: {"nodes": g.n_nodes, "edges": g.n_edges} for n, g in cmp.graphs.items()},
        "regions": {f"{a} vs {b}": len(c.regions) for (a, b), c in cmp.correspondences.items()},
        "files": [str(p) for p in written],
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    for p in written:
        print(f"[topoalign] wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
