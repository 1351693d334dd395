"""Make docs/images/viewer.png: napari on the digits comparison, the best matching region
selected.

The main job's pipeline and window (``python -m napari_topoalign``): three mapper graphs laid
out jointly side by side, each titled (name, nodes, edges), nodes coloured by their majority
label with one colour per digit in every graph, the matching regions between ``pixels_pca``
and ``mlp_hidden1`` as pastel Bubble Sets; then the best region (first row of the *Matching
regions* table) is selected: its nodes get white borders in both graphs, the nodes of
``mlp_hidden2`` that hold the same images get white borders too, and the images they hold
are shown as a montage below the graphs (right; the stack of all inputs is on the left).

Needs a display with OpenGL, e.g. ``xvfb-run -a -s "-screen 0 1600x1200x24 +extension GLX
+render -noreset" .venv/bin/python docs/make_viewer_screenshot.py`` with
``LIBGL_ALWAYS_SOFTWARE=1``.
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent / "images" / "viewer.png"


def dock(viewer, kind: str):
    """The docked widget of type ``kind`` (its tab brought to the front)."""
    widget = next(w for w in viewer.window.dock_widgets.values() if type(w).__name__ == kind)
    native = getattr(widget, "native", widget)
    parent = native.parent()
    while parent is not None and type(parent).__name__ != "QtViewerDockWidget":
        parent = parent.parent()
    if parent is not None:
        parent.show()
        parent.raise_()
    return widget


def main(out: Path = OUT) -> Path:
    from qtpy.QtWidgets import QApplication

    from napari_topoalign.__main__ import run_pipeline
    from napari_topoalign.viewer._app import open_viewer
    from napari_topoalign.viewer._draw import fit_view

    cmp = run_pipeline(random_state=0)
    viewer = open_viewer(cmp, show=True, size=(1600, 1000))
    regions = dock(viewer, "MatchingRegionsWidget")
    regions.show_region(regions.region_at_row(0))
    QApplication.processEvents()
    fit_view(viewer)
    QApplication.processEvents()
    out.parent.mkdir(parents=True, exist_ok=True)
    viewer.screenshot(str(out), canvas_only=False)
    viewer.close()
    return out


if __name__ == "__main__":
    print(main())
