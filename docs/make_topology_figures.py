"""Figures and tables of docs/topology.md.

    .venv/bin/python docs/make_topology_figures.py            # everything
    .venv/bin/python docs/make_topology_figures.py --quick    # fewer robustness levels

Writes docs/images/topology_digits_layers.png (HOLE's finding on the digits MLP: class
separation grows with depth, by cluster quality and by the H0 structure of each layer),
topology_digits_views.png (Sankey, heatmap dendrogram, blob graph, barcode of the last layer),
topology_robustness.png (representation noise, quantisation, PCA, and compression of the MLP
itself: magnitude pruning and weight quantisation with activations recomputed) and
topology_minilm.png (the 7 MiniLM layers: quality and the H0 / H1 diagram distances), and
prints the tables as Markdown.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from napari_topoalign.datasets import load_digits_sample, load_minilm_sample  # noqa: E402
from napari_topoalign.datasets.digits import load_digits_mlp  # noqa: E402
from napari_topoalign.topology import (  # noqa: E402
    blob_graph,
    heatmap_dendrogram,
    layer_topology,
    model_robustness,
    representation_robustness,
)
from napari_topoalign.topology import plot as tplot  # noqa: E402

HERE = Path(__file__).parent
IMAGES = HERE / "images"
DIGITS_MAPPER = dict(lens="pca1", n_intervals=10, overlap=0.35, random_state=0)


def markdown(df, floatfmt=".3f") -> str:
    cols = [df.index.name or ""] + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for idx, row in df.iterrows():
        vals = [f"{v:{floatfmt}}" if isinstance(v, (float, np.floating)) else str(v) for v in row]
        lines.append("| " + " | ".join([str(idx)] + vals) + " |")
    return "\n".join(lines)


def digits_layers():
    reps = load_digits_sample()
    mlp, inputs, labels = load_digits_mlp()
    # the network's layers in depth order: its input (the standardised pixels), then its hidden layers
    layers = {
        "input pixels": inputs,
        "mlp_hidden1": reps["mlp_hidden1"],
        "mlp_hidden2": reps["mlp_hidden2"],
    }
    t = time.perf_counter()
    res = layer_topology(layers, reps.labels, maxdim=1, n_landmarks=500, random_state=0)
    seconds = time.perf_counter() - t
    q = res["quality"].copy()
    q["H1_bars"] = [len(res["diagrams"][n].dgms[1]) for n in layers]
    print(
        f"\n### Digits: class separation per layer ({seconds:.1f} s for all of layer_topology)\n"
    )
    print(markdown(q))
    print("\nStages of mlp_hidden2:\n")
    print(markdown(res["stages"]["mlp_hidden2"].table.set_index("stage")))
    print("\nBottleneck distances of the normalised H0 diagrams:\n")
    print(markdown(res["distances"]["bottleneck_H0"]))

    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2), layout="constrained")
    x = np.arange(len(layers))
    ax = axes[0]
    for m in ("silhouette", "ari", "nmi"):
        ax.plot(x, q[m], marker="o", label=m)
    ax.set_xticks(x, list(layers), fontsize=8)
    ax.set_title("class separation by depth (digits MLP)", fontsize=10)
    ax.legend(fontsize=8)
    ax = axes[1]
    ax.plot(
        x,
        100 * q["mst_cross_share"],
        marker="o",
        color="#c44e52",
        label="MST edges joining two classes (%)",
    )
    ax.set_ylabel("% of the H0 deaths between classes", color="#c44e52")
    ax.set_xticks(x, list(layers), fontsize=8)
    ax2 = ax.twinx()
    ax2.plot(x, q["mst_cross_ratio"], marker="s", color="#4c72b0")
    ax2.set_ylabel("median between-class death / median within", color="#4c72b0")
    ax.set_title("H0 structure: fewer, longer deaths between classes", fontsize=10)
    ax = axes[2]
    data, ticks = [], []
    for name in layers:
        d = res["diagrams"][name]
        e = d.mst_edges
        cross = labels[e[:, 0]] != labels[e[:, 1]]
        inside = np.median(d.mst_weights[~cross])
        data += [d.mst_weights[~cross] / inside, d.mst_weights[cross] / inside]
        ticks += [f"{name}\nwithin", f"{name}\nbetween"]
    box = ax.boxplot(data, showfliers=False, patch_artist=True)
    for k, patch in enumerate(box["boxes"]):
        patch.set_facecolor("#dddddd" if k % 2 == 0 else "#f4a582")
    ax.set_xticks(np.arange(1, len(ticks) + 1), ticks, fontsize=7)
    ax.set_ylabel("H0 death / median within-class death")
    ax.set_title("H0 deaths inside and between classes", fontsize=10)
    fig.savefig(IMAGES / "topology_digits_layers.png", dpi=110)
    plt.close(fig)

    # the views of one comparison: Sankey, heatmap dendrogram, blob graph, barcode
    fig = plt.figure(figsize=(14, 9), layout="constrained")
    sub = fig.subfigures(2, 2)
    tplot.plot_sankey(
        sub[0, 0].add_subplot(111),
        res["flows"]["labels"],
        title="cluster flow at the labels stage (one box per cluster)",
    )
    hd = heatmap_dendrogram(reps["mlp_hidden2"], reps.labels, layer="mlp_hidden2", random_state=0)
    tplot.plot_heatmap_dendrogram(sub[0, 1], hd)
    st = res["stages"]["mlp_hidden2"]
    bg = blob_graph(
        reps["mlp_hidden2"],
        res["diagrams"]["mlp_hidden2"],
        st.threshold("labels"),
        reps.labels,
        min_size=st.min_size,
        layer="mlp_hidden2",
    )
    tplot.plot_blob_graph(
        sub[1, 0].add_subplot(111), bg, title="mlp_hidden2: clusters at the labels stage"
    )
    tplot.plot_barcode(sub[1, 1].add_subplot(111), res["diagrams"]["mlp_hidden2"], 0, max_bars=40)
    fig.savefig(IMAGES / "topology_digits_views.png", dpi=100)
    plt.close(fig)
    return reps, mlp, inputs


def robustness(reps, mlp, inputs, quick: bool):
    labels = reps.labels
    layers = {n: reps[n] for n in ("mlp_hidden1", "mlp_hidden2")}
    runs = {}
    kw = dict(mapper_params=DIGITS_MAPPER)
    t = time.perf_counter()
    levels = {
        "noise": (0.0, 0.2, 0.5, 1.0) if quick else (0.0, 0.1, 0.2, 0.4, 0.7, 1.0),
        "quantize": (8, 4, 2) if quick else (12, 8, 6, 4, 3, 2),
        "pca": (16, 4, 2) if quick else (32, 16, 8, 4, 2),
        "prune": (0.0, 0.7, 0.95) if quick else (0.0, 0.3, 0.5, 0.7, 0.85, 0.95, 0.99),
        "quantize_weights": (8, 4, 2) if quick else (12, 8, 6, 4, 3, 2),
        "input_noise": (0.0, 0.5, 1.0) if quick else (0.0, 0.2, 0.4, 0.7, 1.0, 1.5),
    }
    for kind in ("noise", "quantize", "pca"):
        runs[kind] = representation_robustness(
            layers, labels, kind=kind, levels=levels[kind], **kw
        )
    names = ["mlp_hidden1", "mlp_hidden2"]
    for kind in ("prune", "quantize_weights", "input_noise"):
        runs[kind] = model_robustness(
            mlp, inputs, labels, kind=kind, levels=levels[kind], names=names, **kw
        )
    print(f"\n### Robustness (digits MLP layers; {time.perf_counter() - t:.0f} s)\n")
    for kind, df in runs.items():
        print(f"\n{kind}:\n")
        print(markdown(df.set_index("layer")))
    measures = ("bottleneck_h0", "ari_stage", "region_share")
    fig, axes = plt.subplots(
        len(measures),
        len(runs),
        figsize=(3.2 * len(runs), 2.6 * len(measures)),
        layout="constrained",
    )
    for j, (kind, df) in enumerate(runs.items()):
        for i, m in enumerate(measures):
            ax = axes[i, j]
            tplot.plot_robustness(ax, df, m, title=f"{m}: {kind}" if i == 0 else m)
            if "accuracy" in df and i == len(measures) - 1:
                acc = df.groupby("level", sort=False)["accuracy"].first()
                ax.plot(acc.index.astype(float), acc.values, "k--", lw=1, label="accuracy")
                ax.legend(fontsize=6)
    fig.savefig(IMAGES / "topology_robustness.png", dpi=100)
    plt.close(fig)


def minilm():
    reps = load_minilm_sample()
    layers = {n: reps[n].astype(np.float64) for n in reps.names}
    t = time.perf_counter()
    res = layer_topology(layers, reps.labels, maxdim=1, n_landmarks=500, random_state=0)
    seconds = time.perf_counter() - t
    q = res["quality"]
    print(f"\n### MiniLM: 7 layers x 1500 words ({seconds:.1f} s)\n")
    print(markdown(q.join(res["summary"][["H0_max", "H1_bars", "H1_max", "bound"]])))
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), layout="constrained")
    tplot.plot_quality(
        axes[0],
        q,
        measures=("silhouette", "ari", "nmi"),
        title="frequency-band separation per layer (MiniLM)",
    )
    for ax, key in zip(axes[1:], ("bottleneck_H0", "bottleneck_H1")):
        D = res["distances"][key]
        im = ax.imshow(D.values, cmap="magma")
        ax.set_xticks(range(len(D)), D.columns, rotation=45, fontsize=7)
        ax.set_yticks(range(len(D)), D.index, fontsize=7)
        ax.set_title(f"{key} (normalised diagrams)", fontsize=10)
        fig.colorbar(im, ax=ax, fraction=0.046)
    fig.savefig(IMAGES / "topology_minilm.png", dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    IMAGES.mkdir(exist_ok=True)
    reps, mlp, inputs = digits_layers()
    robustness(reps, mlp, inputs, args.quick)
    minilm()


if __name__ == "__main__":
    main()
