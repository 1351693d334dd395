"""The main job's window: napari on a session with the plugin's dock widgets."""

from __future__ import annotations

from pathlib import Path

import napari
from qtpy.QtWidgets import QApplication

from ._build_widget import BuildMapperWidget
from ._draw import _dock_plugin_widget, draw_comparison, fit_view
from ._layout_widget import JointLayoutWidget
from ._regions_widget import MatchingRegionsWidget

__all__ = ["open_viewer", "run_viewer", "save_screenshots"]


def fit_window(window, width: int = 1500, height: int = 950) -> None:
    """Resize the main window to ``width`` x ``height``, but never past the screen."""
    qt_window = window._qt_window
    screen = qt_window.screen() if hasattr(qt_window, "screen") else None
    if screen is not None:
        free = screen.availableGeometry()
        width, height = min(width, free.width()), min(height, free.height())
    qt_window.resize(width, height)


def open_viewer(cmp, *, show: bool = True, size=(1500, 950)):
    """A napari viewer on ``cmp`` with the dock widgets of the plugin (tabbed on the right,
    each docked once: the Plugins menu shows these instead of adding others)."""
    title = cmp.representations.metadata.get("title", "")
    viewer = napari.Viewer(
        title=f"napari-topoalign: {title}" if title else "napari-topoalign", show=show
    )
    fit_window(viewer.window, *size)
    widgets = {}
    for factory, name in (
        (BuildMapperWidget, "Build mapper graphs"),
        (JointLayoutWidget, "Joint layout"),
        (MatchingRegionsWidget, "Matching regions"),
    ):
        widgets[name] = _dock_plugin_widget(viewer, name, factory)
    QApplication.processEvents()  # the canvas takes its size: sizes are made for it
    draw_comparison(viewer, cmp)
    regions = widgets["Matching regions"]
    if cmp.correspondences and regions is not None:
        regions.show_correspondence(*next(iter(cmp.correspondences)))
        _raise_dock(regions)
    QApplication.processEvents()  # let the window take its size before fitting the view
    fit_view(viewer)
    return viewer


def _raise_dock(widget) -> None:
    """Bring the tab of a tabbed dock widget to the front."""
    dock = getattr(widget, "native", widget)
    while dock is not None and type(dock).__name__ != "QtViewerDockWidget":
        dock = dock.parent()
    if dock is not None:
        dock.show()
        dock.raise_()


def run_viewer(cmp) -> None:
    """Open the viewer on ``cmp`` and run napari's event loop until it is closed."""
    open_viewer(cmp)
    napari.run()


def save_screenshots(cmp, out: Path) -> list[Path]:
    """Open the viewer on ``cmp`` (needs an X display), write ``canvas.png`` (the canvas) and
    ``window.png`` (the whole window) into ``out``, close it; returns the two paths."""
    viewer = open_viewer(cmp, show=True)
    QApplication.processEvents()
    png, window = out / "canvas.png", out / "window.png"
    viewer.screenshot(str(png), canvas_only=True)
    viewer.screenshot(str(window), canvas_only=False)
    viewer.close()
    return [png, window]
