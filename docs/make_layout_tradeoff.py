"""Make docs/images/layout_tradeoff.png: alignment against stress on a real pair of layers.

The MiniLM sample's ``block3`` and ``block4`` (the digits sample's ``pixels_pca`` and
``mlp_hidden1`` when MiniLM is not installed), mapper graphs with the default parameters of a
comparison (one ``pca1`` lens shared by both layers). ``joint_layout`` is run for every
``coupling_strength`` in 0 .. 16 and ``stress_tol`` in 0 .. 0.5, layout seeds 0-2; each point
is one run: x = the larger of the two graphs' stress ratios (joint / independent layout),
y = alignment (coupling-weighted mean distance of coupled nodes / layout scale, smaller is
better). The independent layouts aligned by Procrustes (the baseline) sit at x = 1. Lines
join the runs of one ``stress_tol`` (mean over seeds), ordered by ``coupling_strength``.

Run: ``python docs/make_layout_tradeoff.py`` (matplotlib; about a minute). Prints the table
it plots.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "images" / "layout_tradeoff.png"
STRENGTHS = (0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0)
TOLS = (0.0, 0.02, 0.05, 0.1, 0.2, 0.5)
SEEDS = (0, 1, 2)


def real_pair():
    from napari_topoalign import Comparison, datasets

    try:
        reps, names = datasets.load_minilm_sample(), ["block3", "block4"]
    except Exception:  # the sample is optional
        reps, names = datasets.load_digits_sample(random_state=0), ["pixels_pca", "mlp_hidden1"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graphs = Comparison(reps).build_mappers(names, random_state=0)
    return [graphs[n] for n in names], names


def measure(graphs):
    from napari_topoalign.align import joint_layout, layout_quality
    from napari_topoalign.align.quality import independent_baseline

    base = {s: layout_quality(graphs, independent_baseline(graphs, random_state=s)) for s in SEEDS}
    rows = []
    for tol in TOLS:
        for cs in STRENGTHS:
            for s in SEEDS:
                q = layout_quality(
                    graphs,
                    joint_layout(graphs, random_state=s, coupling_strength=cs, stress_tol=tol),
                )
                stress = max(j / b for j, b in zip(q["stress"], base[s]["stress"]))
                rows.append((tol, cs, s, q["mean_alignment"], stress, base[s]["mean_alignment"]))
    return rows


def main() -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    graphs, names = real_pair()
    rows = np.array(measure(graphs))
    print(f"{names[0]} ({graphs[0].n_nodes} nodes) vs {names[1]} ({graphs[1].n_nodes} nodes)")
    print(
        f"{'stress_tol':>10s} {'coupling':>8s} {'alignment':>9s} {'ratio':>6s} {'stress ratio':>12s}  (mean over seeds)"
    )
    fig, ax = plt.subplots(figsize=(7.5, 5.0), dpi=120)
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(TOLS)))
    for tol, colour in zip(TOLS, colours):
        sel = rows[rows[:, 0] == tol]
        ax.scatter(sel[:, 4], sel[:, 3], s=10, color=colour, alpha=0.35, linewidths=0)
        means = np.array([sel[sel[:, 1] == cs][:, [4, 3, 5]].mean(axis=0) for cs in STRENGTHS])
        ax.plot(means[:, 0], means[:, 1], "-o", color=colour, ms=4, label=f"stress_tol = {tol:g}")
        for cs, (x, y, b) in zip(STRENGTHS, means):
            print(f"{tol:10.2f} {cs:8.1f} {y:9.3f} {b / y:6.2f} {x:12.3f}")
            if tol == TOLS[-1]:
                ax.annotate(
                    f"{cs:g}", (x, y), textcoords="offset points", xytext=(4, 3), fontsize=7
                )
    base = rows[:, 5].reshape(-1, len(SEEDS))[0]
    ax.scatter(
        np.ones(len(base)),
        base,
        marker="x",
        color="crimson",
        s=40,
        label="independent + Procrustes",
    )
    ax.axvline(1.10, color="grey", lw=0.8, ls="--")
    ax.text(1.105, ax.get_ylim()[1], "1.10", va="top", fontsize=8, color="grey")
    ax.set_xlabel("stress ratio (larger of the two graphs; joint / own layout)")
    ax.set_ylabel("alignment (smaller is better)")
    ax.set_title(
        f"Joint layout of {names[0]} and {names[1]}: alignment vs stress\n"
        "(labels: coupling_strength on the stress_tol = 0.5 line)",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT)
    print(f"written {OUT}")
    return OUT


if __name__ == "__main__":
    main()
