"""Drawing many graphs: the seven MiniLM layers into napari, side by side with the floor.

Measures, in one run and one process:

- ``plugin``: ``cmp.show(viewer)`` of the MiniLM sample's seven mapper graphs (joint layout)
  into a fresh viewer, up to the first rendered frame (graph layers, titles, colours, sizes,
  legend and inputs docks, fitted view);
- ``floor``: the same number of plain napari layers (7 Points with the same nodes, 7
  Surfaces with the same edge meshes, 1 Points for the titles) added to another fresh viewer,
  up to the first rendered frame: what napari itself costs for that many layers;
- ``redraw``: a new joint layout drawn into the plugin's viewer (positions, sizes, titles,
  fit).

Prints wall and CPU seconds and the ratio plugin / floor. Needs a display with OpenGL
(``xvfb-run -a -s "-screen 0 1600x1200x24 +extension GLX +render -noreset"`` with
``LIBGL_ALWAYS_SOFTWARE=1``)::

    python benchmarks/bench_viewer.py [--repeat 2]
"""

from __future__ import annotations

import argparse
import os
import time


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)

    import napari
    import numpy as np
    from qtpy.QtWidgets import QApplication

    from napari_topoalign import Comparison
    from napari_topoalign.datasets import MINILM_MAPPER_PARAMS, load_minilm_sample
    from napari_topoalign.viewer._draw import display_positions
    from napari_topoalign.viewer._graph_layers import _edge_mesh, to_napari

    cmp = Comparison(load_minilm_sample())
    cmp.build_mappers(**MINILM_MAPPER_PARAMS)
    cmp.align_layout(random_state=0)
    warm = napari.Viewer(show=True)  # napari's one-time start-up costs, outside the timings
    warm.add_points(np.zeros((2, 2)))
    QApplication.processEvents()
    warm.screenshot(canvas_only=True)
    warm.close()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for run in range(args.repeat):
        viewer = napari.Viewer(show=True)
        viewer.window._qt_window.resize(1500, 950)
        QApplication.processEvents()

        def plugin(viewer=viewer):
            cmp.show(viewer)
            QApplication.processEvents()
            viewer.screenshot(canvas_only=True)

        p_wall, p_cpu = _timed(plugin)
        pos, _ = display_positions(viewer, cmp)

        floor_viewer = napari.Viewer(show=True)
        floor_viewer.window._qt_window.resize(1500, 950)
        QApplication.processEvents()

        def floor(floor_viewer=floor_viewer, pos=pos):
            for name, g in cmp.graphs.items():
                rc = to_napari(pos[name])
                floor_viewer.add_surface(
                    _edge_mesh(rc, g.edges, np.full(g.n_edges, 0.05), g.edge_weights)
                )
                floor_viewer.add_points(rc, size=0.2)
            floor_viewer.add_points(np.zeros((7, 2)), features={"t": list("abcdefg")}, text="{t}")
            QApplication.processEvents()
            floor_viewer.screenshot(canvas_only=True)

        f_wall, f_cpu = _timed(floor)

        def redraw(viewer=viewer, run=run):
            cmp.align_layout(random_state=run + 1)
            QApplication.processEvents()
            viewer.screenshot(canvas_only=True)

        r_wall, r_cpu = _timed(redraw)
        print(
            f"run {run}: plugin {p_wall:.2f} s wall / {p_cpu:.2f} s CPU; "
            f"floor (plain napari layers) {f_wall:.2f} / {f_cpu:.2f}; "
            f"ratio plugin/floor {p_wall / f_wall:.2f} wall, {p_cpu / f_cpu:.2f} CPU; "
            f"redraw after a new layout {r_wall:.2f} / {r_cpu:.2f}"
        )
        floor_viewer.close()
        viewer.close()


if __name__ == "__main__":
    main()
