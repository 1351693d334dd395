"""Matplotlib drawings of the layer-topology results (matplotlib is imported on use).

Every function draws into the axes (or figure) it is given and returns a dict
``artist -> (kind, index)`` of the pickable artists it made (``("bar", (dim, row))``,
``("link", k)``, ``("node", k)``, ``("blob", cluster)``), so that a viewer can turn a click
into the inputs of that element (:func:`inputs_of_pick`). The docs scripts use the same
functions.
"""

from __future__ import annotations

import numpy as np

from .clusters import BlobGraph, HeatmapDendrogram, Sankey
from .diagrams import Diagrams

__all__ = [
    "plot_diagram",
    "plot_barcode",
    "plot_sankey",
    "plot_heatmap_dendrogram",
    "plot_blob_graph",
    "plot_robustness",
    "plot_quality",
    "inputs_of_pick",
    "LABEL_CMAP",
]

LABEL_CMAP = "tab10"
_DIM_COLORS = ("#1f77b4", "#d62728", "#2ca02c")


def _finite_top(dgms) -> float:
    vals = [d[np.isfinite(d[:, 1]), 1] for d in dgms if len(d)]
    vals = np.concatenate(vals) if vals else np.zeros(0)
    return float(vals.max()) if vals.size else 1.0


def plot_diagram(
    ax, diagrams: Diagrams, *, dims=None, title: str = "", max_points: int = 3000
) -> dict:
    """Persistence diagram (birth vs death) of the dimensions ``dims`` (all by default);
    infinite deaths are drawn on a dashed line above the others."""
    dims = range(len(diagrams.dgms)) if dims is None else dims
    top = _finite_top([diagrams.dgms[k] for k in dims])
    inf_y = top * 1.08
    picks = {}
    for k in dims:
        d = diagrams.dgms[k][:max_points]
        y = np.where(np.isfinite(d[:, 1]), d[:, 1], inf_y)
        art = ax.scatter(
            d[:, 0], y, s=10, color=_DIM_COLORS[k % 3], alpha=0.7, label=f"H{k}", picker=True
        )
        picks[art] = ("bars", k)
    ax.plot([0, inf_y], [0, inf_y], color="0.6", lw=0.8)
    ax.axhline(inf_y, color="0.6", ls="--", lw=0.8)
    ax.set_xlabel("birth")
    ax.set_ylabel("death")
    ax.legend(loc="lower right", fontsize=7)
    if title:
        ax.set_title(title, fontsize=9)
    return picks


def plot_barcode(
    ax, diagrams: Diagrams, dim: int = 0, *, max_bars: int = 60, title: str = ""
) -> dict:
    """The ``max_bars`` longest bars of H_dim (longest at the top); each bar is pickable."""
    d = diagrams.dgms[dim][:max_bars]
    top = _finite_top([d]) * 1.08
    picks = {}
    for row, (b, e) in enumerate(d):
        end = e if np.isfinite(e) else top
        (line,) = ax.plot(
            [b, end],
            [row, row],
            color=_DIM_COLORS[dim % 3],
            lw=2.2,
            solid_capstyle="butt",
            picker=4,
        )
        picks[line] = ("bar", (dim, row))
    ax.set_ylim(len(d) - 0.5 if len(d) else 1, -0.5)
    ax.set_yticks([])
    ax.set_xlabel("threshold")
    ax.set_title(
        title or f"H{dim} barcode ({len(diagrams.dgms[dim])} bars, {len(d)} longest)", fontsize=9
    )
    return picks


def _band(x0, x1, y0a, y0b, y1a, y1b):
    """A Sankey band from [y0a, y0b] at x0 to [y1a, y1b] at x1 (cubic Bezier edges)."""
    from matplotlib.path import Path

    xm = (x0 + x1) / 2
    verts = [
        (x0, y0a),
        (xm, y0a),
        (xm, y1a),
        (x1, y1a),
        (x1, y1b),
        (xm, y1b),
        (xm, y0b),
        (x0, y0b),
        (x0, y0a),
    ]
    codes = [
        Path.MOVETO,
        Path.CURVE4,
        Path.CURVE4,
        Path.CURVE4,
        Path.LINETO,
        Path.CURVE4,
        Path.CURVE4,
        Path.CURVE4,
        Path.CLOSEPOLY,
    ]
    return Path(verts, codes)


def sankey_geometry(sankey: Sankey, *, gap: float = 0.02):
    """Node boxes ``(column, y0, y1)`` (heights are shares of the inputs, nodes stacked by
    size with the pooled small clusters last) and link bands ``(x0, x1, y0a, y0b, y1a, y1b)``."""
    n = sankey.node_of_input.shape[1]
    nodes = sankey.nodes
    boxes = np.zeros((len(nodes), 3))
    for col in sorted(nodes["column"].unique()):
        rows = nodes[nodes["column"] == col]
        order = sorted(
            rows.index, key=lambda i: (rows.loc[i, "cluster"] < 0, -rows.loc[i, "size"], i)
        )
        y = 0.0
        for i in order:
            h = nodes.loc[i, "size"] / n
            boxes[i] = (col, y, y + h)
            y += h + gap
    out_pos = boxes[:, 1].copy()
    in_pos = boxes[:, 1].copy()
    bands = []
    links = sankey.links
    # links leave a node in the order of their target's position, and enter likewise
    order = sorted(
        links.index,
        key=lambda k: (
            links.loc[k, "column"],
            boxes[links.loc[k, "source"], 1],
            boxes[links.loc[k, "target"], 1],
        ),
    )
    geo = {}
    for k in order:
        s, t, c = (
            int(links.loc[k, "source"]),
            int(links.loc[k, "target"]),
            int(links.loc[k, "count"]),
        )
        h = c / n
        geo[k] = (boxes[s, 0], boxes[t, 0], out_pos[s], out_pos[s] + h)
        out_pos[s] += h
    order_in = sorted(
        links.index,
        key=lambda k: (
            links.loc[k, "column"],
            boxes[links.loc[k, "target"], 1],
            boxes[links.loc[k, "source"], 1],
        ),
    )
    for k in order_in:
        t, c = int(links.loc[k, "target"]), int(links.loc[k, "count"])
        h = c / n
        x0, x1, a, b = geo[k]
        geo[k] = (x0, x1, a, b, in_pos[t], in_pos[t] + h)
        in_pos[t] += h
    bands = [geo[k] for k in links.index]
    return boxes, bands


def plot_sankey(
    ax, sankey: Sankey, *, width: float = 0.08, highlight_inputs=None, title: str = ""
) -> dict:
    """The cluster flow: one column per layer, a box per cluster (height: its inputs,
    colour: its majority label, pale when impure, grey for the pooled small clusters),
    a band per link coloured like its source. With ``highlight_inputs``, the bands that
    carry any of them are drawn opaque and the others faded."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import PathPatch, Rectangle

    cmap = plt.get_cmap(LABEL_CMAP)
    boxes, bands = sankey_geometry(sankey)
    nodes = sankey.nodes
    colors = []
    for i in range(len(nodes)):
        lab = nodes.loc[i, "label"]
        if (
            nodes.loc[i, "cluster"] < 0
            or lab is None
            or (isinstance(lab, float) and np.isnan(lab))
        ):
            colors.append((0.6, 0.6, 0.6, 1.0))
        else:
            try:
                base = np.array(cmap(int(lab) % 10))
            except (TypeError, ValueError):
                base = np.array(cmap(hash(str(lab)) % 10))
            pur = nodes.loc[i, "purity"]
            pur = 1.0 if pur is None or np.isnan(pur) else float(pur)
            colors.append(tuple(base[:3] * pur + (1 - pur) * 0.85) + (1.0,))
    hot = None
    if highlight_inputs is not None:
        hot = np.zeros(sankey.node_of_input.shape[1], dtype=bool)
        hot[np.asarray(highlight_inputs, dtype=np.int64)] = True
    picks = {}
    for k, (x0, x1, y0a, y0b, y1a, y1b) in enumerate(bands):
        s = int(sankey.links.loc[k, "source"])
        alpha = 0.45
        if hot is not None:
            alpha = 0.8 if hot[sankey.inputs_of_link(k)].any() else 0.08
        patch = PathPatch(
            _band(x0 + width / 2, x1 - width / 2, y0a, y0b, y1a, y1b),
            facecolor=colors[s],
            edgecolor="none",
            alpha=alpha,
            picker=True,
        )
        ax.add_patch(patch)
        picks[patch] = ("link", k)
    for i, (col, y0, y1) in enumerate(boxes):
        rect = Rectangle(
            (col - width / 2, y0),
            width,
            y1 - y0,
            facecolor=colors[i],
            edgecolor="0.2",
            lw=0.5,
            picker=True,
            zorder=3,
        )
        ax.add_patch(rect)
        picks[rect] = ("node", i)
    ax.set_xlim(-0.3, len(sankey.layers) - 0.7)
    ax.set_ylim(boxes[:, 2].max() + 0.02 if len(boxes) else 1, -0.02)
    ax.set_xticks(range(len(sankey.layers)))
    ax.set_xticklabels(sankey.layers, fontsize=8)
    ax.set_yticks([])
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or f"cluster flow ({sankey.stage or 'stage'})", fontsize=9)
    return picks


def plot_heatmap_dendrogram(fig, hd: HeatmapDendrogram, *, title: str = "") -> dict:
    """The single-linkage dendrogram (left) beside the distance heatmap in its leaf order;
    a colour strip shows the labels. Rows of the heatmap are pickable (``("rows", i)``)."""
    import matplotlib.pyplot as plt
    from scipy.cluster.hierarchy import dendrogram

    gs = fig.add_gridspec(1, 3, width_ratios=[1.2, 0.12, 4], wspace=0.02)
    ax_d = fig.add_subplot(gs[0, 0])
    ax_l = fig.add_subplot(gs[0, 1])
    ax_h = fig.add_subplot(gs[0, 2])
    with plt.rc_context({"lines.linewidth": 0.5}):
        dendrogram(
            hd.linkage,
            orientation="left",
            ax=ax_d,
            no_labels=True,
            color_threshold=0,
            above_threshold_color="0.3",
        )
    ax_d.invert_yaxis()
    ax_d.set_axis_off()
    n = len(hd.order)
    im = ax_h.imshow(
        hd.distances,
        cmap="viridis_r",
        aspect="auto",
        interpolation="nearest",
        picker=True,
        extent=(0, n, n, 0),
    )
    ax_h.set_xticks([])
    ax_h.set_yticks([])
    if hd.labels is not None:
        try:
            vals = np.asarray(hd.labels).astype(int) % 10
            ax_l.imshow(
                vals[:, None],
                cmap=LABEL_CMAP,
                vmin=0,
                vmax=9,
                aspect="auto",
                interpolation="nearest",
                extent=(0, 1, n, 0),
            )
        except (TypeError, ValueError):
            pass
    ax_l.set_axis_off()
    ax_h.set_title(
        title or f"{hd.layer}: single linkage of {n} inputs, distances in its order", fontsize=9
    )
    fig.colorbar(im, ax=ax_h, fraction=0.04, pad=0.01)
    return {im: ("rows", None)}


def plot_blob_graph(ax, bg: BlobGraph, *, title: str = "", size_scale: float = 2000.0) -> dict:
    """Clusters as discs at their PCA centroids (area by count, colour by majority label,
    pale when impure; outliers as grey crosses), joined by the contracted spanning tree."""
    import matplotlib.pyplot as plt

    cmap = plt.get_cmap(LABEL_CMAP)
    t = bg.table
    n = int(t["size"].sum())
    xy = t[["x", "y"]].to_numpy()
    for a, b in bg.edges.tolist():
        ax.plot(*xy[[a, b]].T, color="0.75", lw=0.6, zorder=1)
    picks = {}
    big = t[~t["outlier"]]
    if len(big):
        cols = []
        for _, r in big.iterrows():
            lab, pur = r["label"], r["purity"]
            pur = 1.0 if pur is None or np.isnan(pur) else float(pur)
            try:
                base = np.array(cmap(int(lab) % 10))
            except (TypeError, ValueError):
                base = np.array(cmap(0))
            cols.append(tuple(base[:3] * pur + (1 - pur) * 0.9) + (1.0,))
        art = ax.scatter(
            big["x"],
            big["y"],
            s=size_scale * big["size"] / n + 20,
            c=cols,
            edgecolors="0.2",
            linewidths=0.6,
            zorder=3,
            picker=True,
        )
        picks[art] = ("blobs", big["cluster"].to_numpy())
        for _, r in big.iterrows():
            ax.annotate(
                f"{r['label']}\n{int(r['size'])}",
                (r["x"], r["y"]),
                ha="center",
                va="center",
                fontsize=6,
                zorder=4,
            )
    small = t[t["outlier"]]
    if len(small):
        art = ax.scatter(
            small["x"],
            small["y"],
            s=14,
            marker="x",
            color="0.45",
            zorder=2,
            picker=True,
            label=f"outliers ({int(small['size'].sum())} inputs)",
        )
        picks[art] = ("blobs", small["cluster"].to_numpy())
        ax.legend(loc="best", fontsize=7)
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    ax.set_title(title or f"{bg.layer}: clusters at {bg.threshold:.3g}", fontsize=9)
    return picks


def plot_robustness(ax, df, measure: str = "bottleneck_h0", *, title: str = "") -> dict:
    """One curve per layer of ``measure`` against the perturbation level."""
    for layer, part in df.groupby("layer", sort=False):
        ax.plot(part["level"].astype(float), part[measure], marker="o", ms=3, label=str(layer))
    kind = str(df["kind"].iloc[0]) if "kind" in df and len(df) else ""
    ax.set_xlabel(f"{kind} level" if kind else "level")
    ax.set_ylabel(measure)
    if kind in ("quantize", "pca", "quantize_weights"):
        ax.invert_xaxis()  # fewer bits / components = stronger
    ax.legend(fontsize=7)
    ax.set_title(title or f"{measure} under {kind}", fontsize=9)
    return {}


def plot_quality(ax, quality, *, measures=("silhouette", "ari", "nmi"), title: str = "") -> dict:
    """Cluster quality per layer (in order), one line per measure."""
    x = np.arange(len(quality))
    for m in measures:
        if m in quality:
            ax.plot(x, quality[m], marker="o", label=m)
    ax.set_xticks(x)
    ax.set_xticklabels(list(quality.index), fontsize=8)
    ax.legend(fontsize=7)
    ax.set_title(title or "class separation per layer", fontsize=9)
    return {}


def inputs_of_pick(
    tag, event_index, *, diagrams=None, sankey=None, blob=None, heatmap=None
) -> np.ndarray:
    """The inputs of a picked element: ``tag`` from a drawing's dict, ``event_index`` the
    matplotlib pick event's ``ind`` (for scatters) or the picked row (heatmap)."""
    kind, what = tag
    if kind == "bar":
        dim, row = what
        return diagrams.inputs_of_bar(dim, row)
    if kind == "bars":
        return diagrams.inputs_of_bar(what, int(np.atleast_1d(event_index)[0]))
    if kind == "link":
        return sankey.inputs_of_link(what)
    if kind == "node":
        return sankey.inputs_of_node(what)
    if kind == "blobs":
        ids = np.asarray(what)[np.atleast_1d(event_index).astype(int)]
        return np.unique(np.concatenate([blob.inputs_of_blob(int(c)) for c in ids]))
    if kind == "rows":
        r = int(event_index)
        return heatmap.inputs_in_rows(r, r + 1)
    raise ValueError(f"tag: unknown pick kind {kind!r}")
