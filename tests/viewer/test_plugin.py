"""The npe2 plugin: manifest, sample data, reader, console API, main job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from viewer_helpers import BUILD, small_image_comparison  # noqa: E402

import napari_topoalign  # noqa: E402
from napari_topoalign import Comparison, MapperGraph  # noqa: E402
from napari_topoalign.io import write_representations  # noqa: E402
from napari_topoalign.viewer._graph_layers import edge_segments, get_graph_layers  # noqa: E402
from napari_topoalign.viewer._selection import SELECTED_LAYER  # noqa: E402
from napari_topoalign.viewer._state import METADATA_KEY, get_comparison  # noqa: E402

MANIFEST = Path(napari_topoalign.__file__).parent / "napari.yaml"


def test_manifest_is_valid_and_registered():
    from importlib.metadata import entry_points

    import npe2

    manifest = npe2.PluginManifest.from_file(MANIFEST)
    manifest.validate_imports()  # every python_name imports
    assert manifest.name == "napari-topoalign"
    contrib = manifest.contributions
    assert [s.key for s in contrib.sample_data] == ["digits", "minilm"]
    assert contrib.sample_data[0].display_name == "Digits: pixels vs MLP layers"
    assert {"*.npz", "*.npy", "*.h5ad", "*.topoalign"} <= set(contrib.readers[0].filename_patterns)
    assert {w.display_name for w in contrib.widgets} >= {
        "Build mapper graphs",
        "Joint layout",
        "Matching regions",
        "Inputs",
        "Legend",
    }
    # File > IO Utilities > Export comparison figure
    menus = contrib.menus or {}
    assert any(
        item.command == "napari-topoalign.export_figure"
        for item in menus.get("napari/file/io_utilities", [])
    )
    eps = [ep for ep in entry_points(group="napari.manifest") if ep.name == "napari-topoalign"]
    assert eps and eps[0].value == "napari_topoalign:napari.yaml"
    result = subprocess.run(
        [str(Path(sys.executable).parent / "npe2"), "validate", "napari-topoalign"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_sample_opens_images_with_the_session(make_napari_viewer):
    viewer = make_napari_viewer()
    layers = viewer.open_sample("napari-topoalign", "digits")
    assert len(layers) == 1
    images = layers[0]
    assert images.data.shape == (1797, 8, 8)
    cmp = get_comparison(viewer)
    assert cmp is images.metadata[METADATA_KEY]
    assert cmp.names == ["pixels_pca", "mlp_hidden1", "mlp_hidden2"]
    assert cmp.representations.labels is not None and not cmp.graphs
    np.testing.assert_array_equal(images.data, cmp.representations.images)


def test_reader_opens_images_and_texts(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    cmp = small_image_comparison()
    path = write_representations(tmp_path / "reps.npz", cmp.representations)
    layers = viewer.open(str(path), plugin="napari-topoalign")
    assert [layer.name for layer in layers] == ["reps inputs"]
    opened = get_comparison(viewer)
    assert opened.names == ["A", "B"] and opened.representations.n_inputs == 180
    np.testing.assert_array_equal(layers[0].data, cmp.representations.images)

    # no images but texts: the inputs as points, with their texts as features
    from napari_topoalign import Representations

    reps = Representations(
        dict(cmp.representations.arrays),
        labels=cmp.representations.labels,
        texts=[f"sentence {i}" for i in range(180)],
    )
    path2 = write_representations(tmp_path / "texts.npz", reps)
    (points,) = viewer.open(str(path2), plugin="napari-topoalign")
    assert points.data.shape == (180, 2)
    assert list(points.features["text"][:2]) == ["sentence 0", "sentence 1"]
    assert get_comparison(viewer) is points.metadata[METADATA_KEY]  # the newest file's session
    assert get_comparison(viewer) is not opened

    # selecting nodes lists the texts of their inputs
    from napari_topoalign.viewer import select_nodes

    texts = get_comparison(viewer)
    texts.build_mappers(**BUILD)
    texts.show(viewer)
    # the inputs drawn as points take the comparison's label colours, as the nodes do
    from napari_topoalign import colors

    labels = texts.representations.labels
    np.testing.assert_allclose(
        points.face_color, colors.label_color_array(labels, colors.label_colors(labels))
    )
    sel = select_nodes(viewer, "B", [0])
    widget = next(
        w for w in viewer.window.dock_widgets.values() if type(w).__name__ == "InputsWidget"
    )
    assert widget.columns() == ["input", "id", "label", "text"]
    assert [r[3] for r in widget.rows()] == [f"sentence {i}" for i in sel.inputs]
    assert SELECTED_LAYER not in viewer.layers  # no images to show


def test_reader_error_names_the_file_and_keeps_layers(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    viewer.add_points(np.zeros((3, 2)), name="mine")
    bad = tmp_path / "broken.npz"
    bad.write_bytes(b"this is not a zip archive")
    with pytest.raises(Exception, match=r"broken\.npz: not a readable NumPy file"):
        viewer.open(str(bad), plugin="napari-topoalign")
    mismatched = tmp_path / "mismatch.npz"
    np.savez(mismatched, a=np.zeros((10, 3)), b=np.zeros((9, 3)))
    with pytest.raises(Exception, match=r"mismatch\.npz: representation 'b': has 9 rows"):
        viewer.open(str(mismatched), plugin="napari-topoalign")
    assert [layer.name for layer in viewer.layers] == ["mine"]
    from napari_topoalign.viewer._hooks import get_reader

    assert get_reader(str(tmp_path / "image.png")) is None
    assert get_reader([str(bad), str(mismatched)]) is None


def test_console_show_draws_everything(make_napari_viewer):
    """What a user types in napari's console: cmp.show(viewer)."""
    viewer = make_napari_viewer()
    cmp = small_image_comparison()
    cmp.build_mappers(**BUILD)
    cmp.find_regions("A", "B", n_permutations=0)
    assert cmp.show(viewer) is viewer
    assert get_comparison(viewer) is cmp
    assert cmp.layout is not None and cmp.layout.params["method"] == "separate"
    for name, graph in cmp.graphs.items():
        points, vectors = get_graph_layers(viewer, name)
        assert len(points.data) == graph.n_nodes and len(edge_segments(vectors)) == graph.n_edges
    assert "inputs" in viewer.layers and "A regions" in viewer.layers
    # the regions were drawn from the session's correspondence
    assert set(viewer.layers["A regions"].features["region"]) == set(
        range(len(cmp.correspondences[("A", "B")].regions))
    )


def test_main_job_headless_writes_png_and_graphs(tmp_path):
    """The README's main job, as scripts/run.sh runs it where no display exists."""
    env = dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-m", "napari_topoalign", "--headless", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["representations"] == ["pixels_pca", "mlp_hidden1", "mlp_hidden2"]
    from napari_topoalign.datasets import DIGITS_MAPPER_PARAMS, load_digits_sample

    cmp = Comparison(load_digits_sample(random_state=0))
    cmp.build_mappers(**DIGITS_MAPPER_PARAMS)
    for name, graph in cmp.graphs.items():
        written = MapperGraph.from_node_link(
            json.loads((tmp_path / "graphs" / f"{name}.json").read_text())
        )
        assert written.node_sets() == graph.node_sets()
        np.testing.assert_array_equal(written.edges, graph.edges)
        assert summary["graphs"][name] == {"nodes": graph.n_nodes, "edges": graph.n_edges}
    if os.environ.get("DISPLAY"):
        from skimage.io import imread

        png = imread(tmp_path / "canvas.png")[..., :3].astype(int)
        # the graphs are drawn: many coloured (not grey, not black) pixels
        colourful = (png.max(axis=2) - png.min(axis=2)) > 60
        assert colourful.sum() > 500


def test_console_stages_are_drawn_as_they_run(make_napari_viewer, qtbot):
    """After cmp.show(viewer), stages typed in the console (or run in a thread) are drawn."""
    import threading

    from napari_topoalign.datasets.synthetic import make_planted_pair
    from napari_topoalign.viewer._graph_layers import to_napari

    reps, truth = make_planted_pair(
        n_per_structure=1, n_points=60, differences=("cut_loop",), random_state=0
    )
    cmp = Comparison(reps)
    for name in cmp.names:
        cmp.build_mappers([name], **truth.mapper_params[name])
    viewer = make_napari_viewer()
    cmp.show(viewer)
    points, _ = get_graph_layers(viewer, "A")
    before = np.asarray(points.data).copy()
    cmp.align_layout(random_state=0)  # in the GUI thread: drawn at once
    np.testing.assert_allclose(points.data, to_napari(cmp.layout.positions["A"]))
    assert not np.allclose(points.data, before)

    thread = threading.Thread(
        target=lambda: cmp.align_layout(random_state=1, coupling_strength=2.0)
    )
    thread.start()
    thread.join()
    qtbot.waitUntil(
        lambda: np.allclose(points.data, to_napari(cmp.layout.positions["A"])), timeout=10_000
    )

    cmp.find_regions("A", "B", n_permutations=0)
    n_regions = len(cmp.correspondences[("A", "B")].regions)
    assert n_regions > 0
    # outlined in a worker thread, drawn when it ends
    qtbot.waitUntil(
        lambda: (
            "B regions" in viewer.layers
            and set(viewer.layers["B regions"].features["region"]) == set(range(n_regions))
        ),
        timeout=10_000,
    )

    cmp.build_mappers(["A"], **dict(truth.mapper_params["A"], n_intervals=9))
    assert len(points.data) == cmp.graphs["A"].n_nodes
    assert len(viewer.layers["A regions"].data) == 0  # its regions are gone with the old graph
