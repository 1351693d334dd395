"""Make the screenshots of docs/walkthrough.md: a comparison as a new user makes it.

1. ``walkthrough_1_sample.png``: File > Open Sample > napari-topoalign > Digits;
2. ``walkthrough_2_build.png``: *Build mapper graphs*, Build pressed;
3. ``walkthrough_3_layout.png``: *Joint layout*, Run pressed;
4. ``walkthrough_4_regions.png``: *Matching regions*, Find regions pressed, the best region
   (first row) clicked;
5. ``walkthrough_5_colour.png``: nodes coloured by ``lens_mean``, the legend's colour bar;
6. ``walkthrough_6_minilm.png``: the seven MiniLM layers as a grid of small multiples;
7. ``walkthrough_figure.png``: File > IO Utilities > Export comparison figure (the same
   comparison as 4, as a publication figure).

Every step goes through the widgets as a user would (their buttons, their background jobs).
Needs a display with OpenGL, e.g. ``xvfb-run -a -s "-screen 0 1600x1200x24 +extension GLX
+render -noreset" .venv/bin/python docs/make_walkthrough_screenshots.py`` with
``LIBGL_ALWAYS_SOFTWARE=1``.
"""

from __future__ import annotations

import time
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"
SIZE = (1600, 1000)


def _wait(widget, timeout: float = 600.0) -> None:
    from qtpy.QtWidgets import QApplication

    start = time.monotonic()
    QApplication.processEvents()
    while widget._worker is not None and time.monotonic() - start < timeout:
        QApplication.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        QApplication.processEvents()


def _raise(widget) -> None:
    native = getattr(widget, "native", widget)
    parent = native.parent()
    while parent is not None and type(parent).__name__ != "QtViewerDockWidget":
        parent = parent.parent()
    if parent is not None:
        parent.show()
        parent.raise_()


def _shot(viewer, name: str) -> Path:
    from qtpy.QtWidgets import QApplication

    for _ in range(3):
        QApplication.processEvents()
    path = IMAGES / name
    viewer.screenshot(str(path), canvas_only=False)
    print(path)
    return path


def main() -> list[Path]:
    import napari
    from qtpy.QtWidgets import QApplication

    from napari_topoalign.viewer._app import fit_window
    from napari_topoalign.viewer._draw import fit_view
    from napari_topoalign.viewer._figure_export import export_figure
    from napari_topoalign.viewer._graph_layers import color_graphs_by

    IMAGES.mkdir(parents=True, exist_ok=True)
    out = []
    viewer = napari.Viewer(title="napari-topoalign walkthrough", show=True)
    fit_window(viewer.window, *SIZE)
    viewer.open_sample("napari-topoalign", "digits")
    _, build = viewer.window.add_plugin_dock_widget(
        "napari-topoalign", "Build mapper graphs", tabify=True
    )
    QApplication.processEvents()
    out.append(_shot(viewer, "walkthrough_1_sample.png"))

    build.run()
    _wait(build)
    out.append(_shot(viewer, "walkthrough_2_build.png"))

    _, layout = viewer.window.add_plugin_dock_widget(
        "napari-topoalign", "Joint layout", tabify=True
    )
    layout.run()
    _wait(layout)
    out.append(_shot(viewer, "walkthrough_3_layout.png"))

    _, regions = viewer.window.add_plugin_dock_widget(
        "napari-topoalign", "Matching regions", tabify=True
    )
    regions.reset_choices()
    regions.find_button.clicked.emit()
    QApplication.processEvents()
    _wait(regions)
    if regions.table.rowCount():
        regions.show_region(regions.region_at_row(0))
    fit_view(viewer)
    out.append(_shot(viewer, "walkthrough_4_regions.png"))
    figure = export_figure(viewer, str(IMAGES / "walkthrough_figure.png"), dpi=110)
    if figure is not None:
        out.append(figure)
        print(figure)

    color_graphs_by(viewer, "lens_mean")
    legend = next(
        w for w in viewer.window.dock_widgets.values() if type(w).__name__ == "LegendWidget"
    )
    legend.refresh()
    _raise(legend)
    out.append(_shot(viewer, "walkthrough_5_colour.png"))
    viewer.close()

    from napari_topoalign import Comparison
    from napari_topoalign.datasets import MINILM_MAPPER_PARAMS, load_minilm_sample

    cmp = Comparison(load_minilm_sample())
    cmp.build_mappers(**MINILM_MAPPER_PARAMS)
    cmp.align_layout(random_state=0)
    viewer = napari.Viewer(title="napari-topoalign: MiniLM layers", show=True)
    fit_window(viewer.window, *SIZE)
    QApplication.processEvents()
    start = time.perf_counter()
    cmp.show(viewer)
    QApplication.processEvents()
    viewer.screenshot(canvas_only=True)
    print(f"seven MiniLM graphs drawn in {time.perf_counter() - start:.1f} s")
    legend = next(
        w for w in viewer.window.dock_widgets.values() if type(w).__name__ == "LegendWidget"
    )
    _raise(legend)
    out.append(_shot(viewer, "walkthrough_6_minilm.png"))
    viewer.close()
    return out


if __name__ == "__main__":
    main()
