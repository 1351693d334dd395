"""Panels of a comparison and its publication figure.

- :func:`arrange_panels`: where each graph's panel goes (a row side by side, a grid of small
  multiples, or one overlay), from the session's layout; the viewer draws the graphs at these
  positions and puts each title above its panel.
- :func:`comparison_figure` (and :meth:`napari_topoalign.Comparison.figure`): a matplotlib
  figure of the comparison: one panel per graph, titled (graph name, nodes, edges), nodes
  with area proportional to the inputs they hold, edges as wide as their Jaccard weight, the
  matching regions as Bubble Sets, and a legend (label -> colour, with counts) or a colour
  bar; the colours are those of :mod:`napari_topoalign.colors`, the same as on the canvas.
  Saved as PNG at a chosen DPI, or as SVG or PDF.

matplotlib is needed only for the figure and imported lazily (``pip install
"napari-topoalign[figure]"``).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import colors as _colors
from ._utils.imports import optional_import
from ._utils.params import Param, declare_params
from ._utils.validation import check_int, check_option, check_real

__all__ = ["arrange_panels", "comparison_figure", "panel_title", "ARRANGEMENTS", "FORMATS"]

#: Ways to arrange the panels: ``"auto"`` is a row up to four graphs, a grid beyond.
ARRANGEMENTS = ("auto", "row", "grid", "overlay")
#: File formats :func:`comparison_figure` writes (by the path's suffix).
FORMATS = (".png", ".svg", ".pdf")
_GRID_FROM = 5


def panel_title(graph, name: str | None = None) -> str:
    """``"name - 123 nodes, 456 edges"``."""
    return f"{name or graph.name}: {graph.n_nodes} nodes, {graph.n_edges} edges"


def _bbox(xy: np.ndarray) -> np.ndarray:
    if len(xy) == 0:
        return np.zeros(4)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    return np.r_[lo, hi]


def grid_columns(n: int, aspect: float = 1.5) -> int:
    """Columns of a grid of ``n`` roughly square panels on a canvas ``aspect`` times wider
    than high (7 graphs: 4 columns, 2 rows)."""
    return max(1, min(n, math.ceil(math.sqrt(n * aspect))))


def arrange_panels(
    positions: dict,
    offsets: dict | None = None,
    arrangement: str = "auto",
    *,
    ncols: int | None = None,
    gap: float = 0.25,
    title_room: float | None = None,
) -> tuple[dict, dict]:
    """Positions of the graphs as drawn and the box of each graph's panel.

    Parameters
    ----------
    positions : dict of str to ndarray (n_nodes, 2)
        Node positions ``(x, y)`` by graph, as the layout made them (panel offsets included).
    offsets : dict of str to ndarray (2,), optional
        The layout's panel offsets; ``positions - offset`` is the graph in the frame shared
        by all graphs (so panels keep the joint layout's alignment). Without offsets each
        graph is centred on its own bounding box.
    arrangement : {"auto", "row", "grid", "overlay"}
        ``"row"``: as the layout placed them (side by side); ``"grid"``: small multiples in
        ``ncols`` columns (default :func:`grid_columns`), left to right, top to bottom;
        ``"overlay"``: unchanged, one shared panel; ``"auto"``: a row up to four graphs, a
        grid beyond.
    gap : float
        Space between panels, as a share of the panel size.
    title_room : float, optional
        Height kept free above every row of a grid for the titles, in layout units (default:
        0.16 of the panel's larger side).

    Returns
    -------
    (positions, boxes)
        The drawn positions by graph, and each panel's box ``[xmin, ymin, xmax, ymax]``.
    """
    check_option(arrangement, "arrangement", ARRANGEMENTS)
    gap = check_real(gap, "gap", low=0.0)
    names = list(positions)
    pos = {n: np.asarray(positions[n], dtype=np.float64).reshape(-1, 2) for n in names}
    if arrangement == "auto":
        arrangement = "grid" if len(names) >= _GRID_FROM else "row"
    if arrangement == "overlay" or not names:
        union = _bbox(np.vstack([p for p in pos.values() if len(p)] or [np.zeros((1, 2))]))
        return pos, {n: union.copy() for n in names}
    if arrangement == "row":
        return pos, {n: _bbox(p) for n, p in pos.items()}
    ncols = grid_columns(len(names)) if ncols is None else check_int(ncols, "ncols", minimum=1)
    local = {}
    for n in names:
        if offsets is not None and n in offsets:
            local[n] = pos[n] - np.asarray(offsets[n], dtype=np.float64).reshape(2)
        else:
            b = _bbox(pos[n])
            local[n] = pos[n] - 0.5 * (b[:2] + b[2:])
    nonempty = [p for p in local.values() if len(p)]
    if not nonempty:
        return pos, {n: np.zeros(4) for n in names}
    frame = _bbox(np.vstack(nonempty))  # the frame shared by all panels
    centre = 0.5 * (frame[:2] + frame[2:])
    size = np.maximum(frame[2:] - frame[:2], 1e-9)
    # room for the two-line titles above every row: a share of the larger side, as panels
    # are often flat
    room = (
        0.16 * size.max() if title_room is None else check_real(title_room, "title_room", low=0.0)
    )
    step = size * (1 + gap) + np.array([0.0, room])
    out, boxes = {}, {}
    for k, n in enumerate(names):
        r, c = divmod(k, ncols)
        shift = np.array([c * step[0], -r * step[1]]) - centre
        out[n] = local[n] + shift
        boxes[n] = np.r_[frame[:2] + shift, frame[2:] + shift]
    return out, boxes


def _layout_positions(cmp, names):
    if cmp.layout is None or any(n not in cmp.layout.positions for n in names):
        cmp.layout_separately(names)
    return {n: cmp.layout.positions[n] for n in names}, {
        n: cmp.layout.offsets.get(n) for n in names
    }


def _import_matplotlib():
    return optional_import("matplotlib", "the publication figure", "figure")


@declare_params(
    dpi=Param(200, "int", low=30, high=1200, help="resolution of a PNG file, in dots per inch"),
    panel_size=Param(3.2, "float", low=1.0, high=20.0, help="width of one panel, in inches"),
    ncols=Param(
        None,
        "int",
        low=1,
        high=50,
        none_ok=True,
        help="panels per row (default: all in a row up to four graphs, a grid beyond)",
    ),
    color_by=Param(
        "majority_label",
        "str",
        help="node-table column that colours the nodes (labels or numbers)",
    ),
    regions=Param(True, "bool", help="draw the matching regions as Bubble Sets"),
    legend=Param(True, "bool", help="add a legend (labels) or a colour bar (numbers)"),
)
def comparison_figure(
    cmp,
    path=None,
    *,
    names=None,
    dpi: int = 200,
    panel_size: float = 3.2,
    ncols: int | None = None,
    color_by: str = "majority_label",
    regions: bool = True,
    legend: bool = True,
    title: str | None = None,
):
    """A publication figure of the comparison ``cmp`` (see the module docstring).

    Parameters
    ----------
    cmp : Comparison
        A session with mapper graphs (a layout is made with
        :meth:`~napari_topoalign.Comparison.layout_separately` if it has none).
    path : str or Path, optional
        Where to save it; the suffix picks the format (``.png`` at ``dpi``, ``.svg``,
        ``.pdf``).
    names : list of str, optional
        The graphs to show (default: all, in the session's order).
    dpi, panel_size, ncols, color_by, regions, legend
        See the parameter specs (``param_specs(comparison_figure)``).
    title : str, optional
        A title over the whole figure.

    Returns
    -------
    matplotlib.figure.Figure
        One axes per graph (``fig.topoalign_axes``, a dict by graph name), plus the legend's.
    """
    if not cmp.graphs:
        raise ValueError("figure: no mapper graphs yet; call build_mappers() first")
    names = cmp._names(names, cmp.graphs, "graphs")
    if not names:
        raise ValueError("figure: names: choose at least one graph")
    dpi = check_int(dpi, "dpi", minimum=30, maximum=1200)
    panel_size = check_real(panel_size, "panel_size", low=1.0, high=20.0)
    if path is not None:
        path = Path(path)
        if path.suffix.lower() not in FORMATS:
            raise ValueError(f"path: the suffix must be one of {list(FORMATS)}, got {path.name!r}")
    _import_matplotlib()
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch, Polygon

    positions, offsets = _layout_positions(cmp, names)
    local = {n: positions[n] - (offsets[n] if offsets[n] is not None else 0.0) for n in names}
    frame = _bbox(np.vstack([p for p in local.values() if len(p)] or [np.zeros((1, 2))]))
    span = np.maximum(frame[2:] - frame[:2], 1e-9)
    pad = 0.06 * span.max()
    xlim = (frame[0] - pad, frame[2] + pad)
    ylim = (frame[1] - pad, frame[3] + pad)
    n = len(names)
    ncols = (
        (n if n < _GRID_FROM else grid_columns(n))
        if ncols is None
        else check_int(ncols, "ncols", minimum=1)
    )
    ncols = min(ncols, n)
    nrows = math.ceil(n / ncols)
    aspect = (ylim[1] - ylim[0]) / (xlim[1] - xlim[0])
    panel_h = panel_size * min(max(aspect, 0.35), 2.5)
    legend_w = 1.9 if legend else 0.0
    fig = Figure(
        figsize=(ncols * panel_size + legend_w, nrows * (panel_h + 0.45) + (0.4 if title else 0.0))
    )
    right = 1.0 - legend_w / fig.get_figwidth()
    top = 1.0 - (0.45 if title else 0.0) / fig.get_figheight()
    grid = fig.add_gridspec(
        nrows,
        ncols,
        left=0.01,
        right=right - 0.01,
        bottom=0.01,
        top=top - 0.04,
        wspace=0.04,
        hspace=0.16,
    )

    labels = cmp.representations.labels
    label_map = _colors.label_colors(labels)
    max_size = max(
        float(cmp.graphs[m].nodes["size"].max()) if cmp.graphs[m].n_nodes else 1.0 for m in names
    )
    # the numbers' limits, shared by all panels
    limits = None
    all_values = [cmp.graphs[m].nodes[color_by] for m in names if color_by in cmp.graphs[m].nodes]
    categorical = True
    if all_values:
        import pandas as pd

        values = pd.concat(all_values, ignore_index=True)
        categorical = _colors.is_categorical(color_by, values)
        if not categorical:
            v = values.to_numpy(dtype=np.float64)
            v = v[np.isfinite(v)]
            limits = (float(v.min()), float(v.max())) if len(v) else (0.0, 1.0)
    elif color_by != "majority_label":
        raise KeyError(
            f"color_by: no node-table column {color_by!r}; known: {list(cmp.graphs[names[0]].nodes.columns)}"
        )

    # marker area in points^2 proportional to the inputs; a readable minimum
    panel_pt = panel_size * 72.0
    d_max = 0.085 * panel_pt
    d_min = 0.018 * panel_pt
    axes = {}
    for k, name in enumerate(names):
        graph = cmp.graphs[name]
        ax = fig.add_subplot(grid[k // ncols, k % ncols])
        axes[name] = ax
        xy = local[name]
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("top", "right", "left", "bottom"):
            ax.spines[side].set_color("#bbbbbb")
        ax.set_title(panel_title(graph, name), fontsize=8.5)
        if regions:
            for (a, b), corr in cmp.correspondences.items():
                if name not in (a, b):
                    continue
                attr = "nodes_a" if name == a else "nodes_b"
                sets = [np.asarray(getattr(r, attr), dtype=np.int64) for r in corr.regions]
                if not sets or not len(xy):
                    continue
                from .shapes import bubble_sets
                from .shapes.bubbles import default_scale

                # outlines a few marker diameters wide, as on the canvas
                size = graph.nodes["size"].to_numpy(dtype=np.float64)
                d_pt = float(
                    np.median(np.maximum(d_max * np.sqrt(size / max(max_size, 1.0)), d_min))
                )
                unit_per_pt = (xlim[1] - xlim[0]) / (0.92 * panel_pt)
                scale = max(default_scale(xy), 2.5 * d_pt * unit_per_pt)
                for rank, rings in enumerate(
                    bubble_sets(xy, sets, edges=graph.edges, scale=scale)
                ):
                    colour = _colors.region_color(rank)
                    for ring in rings:
                        ax.add_patch(
                            Polygon(
                                np.asarray(ring),
                                closed=True,
                                facecolor=colour,
                                alpha=0.55,
                                edgecolor=_darker(colour),
                                linewidth=0.9,
                                zorder=1,
                            )
                        )
        e = np.asarray(graph.edges, dtype=np.int64).reshape(-1, 2)
        if len(e):
            w = np.clip(np.asarray(graph.edge_weights, dtype=np.float64), 0, 1)
            shade = 0.75 - 0.55 * w  # strong edges dark on white paper
            ax.add_collection(
                LineCollection(
                    np.stack([xy[e[:, 0]], xy[e[:, 1]]], axis=1),
                    linewidths=np.maximum(3.2 * w, 0.45),
                    colors=np.c_[shade, shade, shade],
                    zorder=2,
                )
            )
        if graph.n_nodes:
            size = graph.nodes["size"].to_numpy(dtype=np.float64)
            d = np.maximum(d_max * np.sqrt(size / max(max_size, 1.0)), d_min)
            if color_by in graph.nodes and categorical:
                face = _colors.label_color_array(
                    graph.nodes[color_by].to_numpy(),
                    label_map
                    if color_by == "majority_label"
                    else _colors.label_colors(
                        np.concatenate([cmp.graphs[m].nodes[color_by].to_numpy() for m in names])
                    ),
                )
            elif color_by in graph.nodes:
                face = _colors.continuous_colors(
                    graph.nodes[color_by].to_numpy(dtype=np.float64), limits
                )
            else:
                face = np.tile(_colors.to_rgba(_colors.LABEL_PALETTE[0]), (graph.n_nodes, 1))
            order = np.argsort(-size, kind="stable")  # small nodes on top
            ax.scatter(
                xy[order, 0],
                xy[order, 1],
                s=d[order] ** 2,
                c=face[order],
                edgecolors="#202020",
                linewidths=0.35,
                zorder=3,
            )
    if legend:
        lax = fig.add_axes([right, 0.08, legend_w / fig.get_figwidth() - 0.01, top - 0.16])
        lax.set_axis_off()
        axes["__legend__"] = lax
        first = None
        if categorical and color_by == "majority_label" and label_map:
            counts = _colors.label_counts(labels)
            handles = [
                Patch(facecolor=c, edgecolor="#202020", label=f"{lab} ({counts.get(lab, 0)})")
                for lab, c in label_map.items()
            ]
            first = lax.legend(
                handles=handles,
                loc="upper left",
                fontsize=7,
                title="label (inputs)",
                title_fontsize=7.5,
                frameon=False,
                ncol=1 if len(handles) <= 24 else 2,
            )
        elif limits is not None:
            from matplotlib.cm import ScalarMappable
            from matplotlib.colors import ListedColormap, Normalize

            ramp = _colors.continuous_colors(np.linspace(0, 1, 256), (0.0, 1.0))
            cax = fig.add_axes([right + 0.01, 0.3, 0.022, top - 0.4])
            bar = fig.colorbar(ScalarMappable(Normalize(*limits), ListedColormap(ramp)), cax=cax)
            bar.set_label(color_by, fontsize=8)
            bar.ax.tick_params(labelsize=7)
            axes["__colorbar__"] = cax
        n_reg = max(
            (
                len(c.regions)
                for key, c in cmp.correspondences.items()
                if key[0] in names and key[1] in names
            ),
            default=0,
        )
        if regions and n_reg:
            handles = [
                Patch(
                    facecolor=_colors.region_color(k),
                    edgecolor=_darker(_colors.region_color(k)),
                    label=f"region {k + 1}",
                )
                for k in range(min(n_reg, len(_colors.REGION_PALETTE)))
            ]
            if first is not None:
                lax.add_artist(first)
            lax.legend(
                handles=handles,
                loc="lower left",
                fontsize=7,
                frameon=False,
                title="matching regions",
                title_fontsize=7.5,
            )
    if title:
        fig.suptitle(title, fontsize=11)
    fig.topoalign_axes = axes
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=dpi, facecolor="white")
    return fig


def _darker(colour: str, factor: float = 0.55) -> tuple:
    rgba = _colors.to_rgba(colour)
    return tuple(rgba[:3] * factor) + (1.0,)
