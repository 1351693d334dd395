"""Make docs/images/joint_layout.png: two digits graphs laid out jointly, side by side.

The digits sample's ``pixels_pca`` and ``mlp_hidden1`` representations, mapper graphs on one
1-D PCA lens of ``pixels_pca`` shared by both (15 intervals, overlap 0.4, the default
clusterer), ``joint_layout`` with default parameters, drawn as
graph layers (nodes coloured by their majority digit, the same colours in both panels).

Needs a display with OpenGL (e.g. ``xvfb-run -a -s "-screen 0 1600x1200x24 +extension GLX
+render -noreset" python docs/make_layout_screenshot.py`` with ``LIBGL_ALWAYS_SOFTWARE=1``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "images" / "joint_layout.png"


def main() -> Path:
    import napari

    from napari_topoalign import Comparison
    from napari_topoalign.datasets import load_digits_sample
    from napari_topoalign.viewer._graph_layers import to_napari as _to_napari

    reps = load_digits_sample(random_state=0)
    cmp = Comparison(reps)
    names = ["pixels_pca", "mlp_hidden1"]
    cmp.build_mappers(names, lens="pca1", n_intervals=15, overlap=0.4, random_state=0)
    layout = cmp.align_layout(names, random_state=0)

    viewer = napari.Viewer(show=True, title="napari-topoalign: joint layout")
    viewer.window._qt_window.resize(1400, 800)
    palette = np.array(
        [
            [0.12, 0.47, 0.71],
            [1.0, 0.5, 0.05],
            [0.17, 0.63, 0.17],
            [0.84, 0.15, 0.16],
            [0.58, 0.4, 0.74],
            [0.55, 0.34, 0.29],
            [0.89, 0.47, 0.76],
            [0.5, 0.5, 0.5],
            [0.74, 0.74, 0.13],
            [0.09, 0.75, 0.81],
        ]
    )
    for name in names:
        g = cmp.graphs[name]
        rc = _to_napari(layout.positions[name])
        e = g.edges
        viewer.add_vectors(
            np.stack([rc[e[:, 0]], rc[e[:, 1]] - rc[e[:, 0]]], axis=1),
            name=f"{name} edges",
            vector_style="line",
            edge_width=0.06,
            edge_color="#9a9a9a",
        )
        labels = g.nodes["majority_label"].to_numpy().astype(int)
        size = 0.35 + 0.5 * np.sqrt(g.nodes["size"].to_numpy() / g.nodes["size"].max())
        viewer.add_points(
            rc,
            name=f"{name} nodes",
            size=size,
            face_color=palette[labels % 10],
            border_width=0.05,
            border_color="#202020",
            features=g.nodes,
        )
        off = _to_napari(layout.offsets[name][None, :])[0]
        top = rc[:, 0].min() - 1.5
        viewer.add_points(
            [[top, off[1] + 0.5 * (rc[:, 1].max() + rc[:, 1].min() - 2 * off[1])]],
            name=f"{name} title",
            size=0,
            text={"string": [name], "size": 14, "color": "white"},
        )
    viewer.reset_view()
    napari.qt.get_qapp().processEvents()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    viewer.screenshot(str(OUT), canvas_only=True)
    viewer.close()
    return OUT


if __name__ == "__main__":
    print(main())
