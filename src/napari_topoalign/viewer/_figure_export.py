"""File > IO Utilities > *Export comparison figure*: the publication figure of the viewer's
session (:meth:`napari_topoalign.Comparison.figure`), written as PNG, SVG or PDF.

The figure uses the session's layout and the comparison's colours (the same as the canvas),
the viewer's node colouring (the column the graphs are coloured by) and its arrangement.
"""

from __future__ import annotations

from pathlib import Path

from napari.viewer import Viewer

from ._graph_layers import graph_of_layer, layer_tag
from ._state import get_comparison

__all__ = ["export_figure", "FILTERS"]

FILTERS = "PNG image (*.png);;SVG vector image (*.svg);;PDF document (*.pdf)"


def _color_by(viewer) -> str:
    for layer in viewer.layers:
        tag = graph_of_layer(layer)
        if tag is not None and tag[1] == "nodes":
            return (layer_tag(layer) or {}).get("color_by", "majority_label")
    return "majority_label"


def export_figure(viewer: Viewer, path: str | None = None, *, dpi: int = 300):
    """Write the figure of ``viewer``'s session to ``path`` (asked for with a file dialog
    when None). Returns the path written, or None when nothing was (no session, no graphs,
    dialog cancelled); problems are shown in the viewer."""
    from napari.utils.notifications import show_error, show_info

    cmp = get_comparison(viewer)
    if cmp is None or not cmp.graphs:
        show_error(
            "Export figure: no mapper graphs yet; open a sample or a file, then build them "
            "(Plugins > napari-topoalign > Build mapper graphs)"
        )
        return None
    if path is None:
        from qtpy.QtWidgets import QFileDialog

        parent = getattr(getattr(viewer, "window", None), "_qt_window", None)
        path, _ = QFileDialog.getSaveFileName(
            parent, "Export comparison figure", "comparison.png", FILTERS
        )
        if not path:
            return None
        if Path(path).suffix.lower() not in (".png", ".svg", ".pdf"):
            path = str(Path(path).with_suffix(".png"))
    from ._draw import get_arrangement

    names = list(cmp.graphs)
    ncols = None
    if get_arrangement(viewer, cmp) == "row":
        ncols = len(names)
    try:
        cmp.figure(path, dpi=dpi, color_by=_color_by(viewer), ncols=ncols)
    except Exception as exc:  # shown, never raised into Qt's event loop
        show_error(f"Export figure failed: {exc}")
        return None
    show_info(f"napari-topoalign: figure written to {path}")
    return Path(path)
