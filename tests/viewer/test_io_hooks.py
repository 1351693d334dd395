"""The reader and writer hooks in a real viewer: every format opens with its session, a bad
file changes nothing, File > Save writes the session and opening it restores the drawing."""

from __future__ import annotations

import numpy as np
import pytest

napari = pytest.importorskip("napari")

from viewer_helpers import BUILD, small_image_comparison  # noqa: E402

from napari_topoalign import Comparison, Representations  # noqa: E402
from napari_topoalign.io import RepresentationFileError, read_graph_json, write_representations  # noqa: E402
from napari_topoalign.viewer._graph_layers import get_graph_layers  # noqa: E402
from napari_topoalign.viewer._state import METADATA_KEY, get_comparison  # noqa: E402

PLUGIN = "napari-topoalign"


def text_reps(n=60, seed=0):
    rng = np.random.default_rng(seed)
    return Representations(
        {"a": rng.normal(size=(n, 4)), "b": rng.normal(size=(n, 5))},
        labels=np.arange(n) % 3,
        texts=[f"w{i}" for i in range(n)],
    )


@pytest.mark.parametrize("suffix", [".npz", ".h5", ".h5ad", ".safetensors", ".csv", ".parquet"])
def test_every_format_opens_with_its_session(make_napari_viewer, tmp_path, suffix):
    pytest.importorskip(
        {
            ".h5": "h5py",
            ".h5ad": "anndata",
            ".safetensors": "safetensors",
            ".parquet": "pyarrow",
        }.get(suffix, "numpy")
    )
    viewer = make_napari_viewer()
    reps = text_reps()
    if suffix in (".csv", ".parquet"):
        reps = Representations({"a": reps["a"]}, labels=reps.labels, texts=reps.texts)
    path = write_representations(
        tmp_path / f"a{suffix}", reps
    )  # a table's representation is named after the file
    (layer,) = viewer.open(str(path), plugin=PLUGIN)
    cmp = get_comparison(viewer)
    assert cmp is layer.metadata[METADATA_KEY]
    assert cmp.names == reps.names
    np.testing.assert_array_equal(cmp.representations["a"], reps["a"])
    assert layer.data.shape == (60, 2)
    assert list(layer.features["text"][:2]) == ["w0", "w1"]


def test_zarr_store_opens_from_its_metadata_file(make_napari_viewer, tmp_path):
    pytest.importorskip("zarr")
    viewer = make_napari_viewer()
    path = write_representations(tmp_path / "acts.zarr", text_reps())
    meta = path / "zarr.json"
    assert meta.is_file()
    (layer,) = viewer.open(str(meta), plugin=PLUGIN)
    assert get_comparison(viewer).names == ["a", "b"]


def test_unshared_suffixes_open_without_a_choice(make_napari_viewer, tmp_path):
    pytest.importorskip("anndata")
    from napari.plugins import _npe2

    viewer = make_napari_viewer()
    path = write_representations(tmp_path / "reps.h5ad", text_reps())
    assert list(_npe2.get_readers(str(path))) == [PLUGIN]
    (layer,) = viewer.open(str(path), plugin=None)  # as File > Open: ours is the only reader
    assert get_comparison(viewer).names == ["a", "b"]
    session = Comparison(text_reps()).save(tmp_path / "s.topoalign")
    assert list(_npe2.get_readers(str(session))) == [PLUGIN]


def test_shared_suffix_dialog_presets_our_reader(make_napari_viewer, tmp_path, qtbot):
    from napari._qt.dialogs.qt_reader_dialog import QtReaderDialog
    from napari.plugins import _npe2

    make_napari_viewer()
    path = write_representations(tmp_path / "reps.npz", text_reps())
    readers = _npe2.get_readers(str(path))
    assert PLUGIN in readers and len(readers) >= 2  # napari's builtin reader claims .npz too
    dialog = QtReaderDialog(pth=str(path), readers=readers)
    qtbot.addWidget(dialog)
    assert dialog._get_plugin_choice() == readers[PLUGIN]


def test_prefer_reader_opens_shared_suffix_directly(make_napari_viewer, tmp_path):
    from napari.settings import get_settings

    from napari_topoalign.viewer._hooks import prefer_topoalign_reader

    viewer = make_napari_viewer()
    settings = get_settings()
    before = dict(settings.plugins.extension2reader)
    try:
        prefs = prefer_topoalign_reader(["*.npz"])
        assert prefs["*.npz"] == PLUGIN
        path = write_representations(tmp_path / "reps.npz", text_reps())
        viewer.open(str(path), plugin=None)  # as File > Open: the preference, no dialog
        assert get_comparison(viewer).names == ["a", "b"]
    finally:
        settings.plugins.extension2reader = before


def test_bad_file_names_it_and_keeps_what_was_open(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    good = write_representations(tmp_path / "good.npz", text_reps())
    viewer.open(str(good), plugin=PLUGIN)
    cmp = get_comparison(viewer)
    n_layers = len(viewer.layers)
    bad = tmp_path / "bad.npz"
    np.savez(bad, a=np.ones((4, 2)), b=np.ones((3, 2)))
    with pytest.raises(Exception) as info:  # noqa: B017 - napari wraps the reader's error
        viewer.open(str(bad), plugin=PLUGIN)
    chain = [info.value, info.value.__cause__, getattr(info.value, "original_error", None)]
    assert any(
        isinstance(e, RepresentationFileError) and "bad.npz" in str(e)
        for e in chain
        if e is not None
    )
    assert len(viewer.layers) == n_layers and get_comparison(viewer) is cmp
    broken = tmp_path / "broken.topoalign"
    broken.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(Exception) as info:  # noqa: B017 - napari wraps the reader's error
        viewer.open(str(broken), plugin=PLUGIN)
    chain = [info.value, info.value.__cause__, getattr(info.value, "original_error", None)]
    assert any("broken.topoalign" in str(e) for e in chain if e is not None)
    assert len(viewer.layers) == n_layers and get_comparison(viewer) is cmp


def test_save_session_and_open_it_restores_layers_layout_regions(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    cmp = small_image_comparison()
    cmp.build_mappers(**BUILD)
    cmp.align_layout(random_state=0, iterations=60)
    cmp.find_regions(random_state=0)
    cmp.show(viewer)
    n_regions = sum(len(c.regions) for c in cmp.correspondences.values())
    # File > Save All Layers as .topoalign
    written = viewer.layers.save(str(tmp_path / "work.topoalign"), plugin=PLUGIN)
    assert written == [str(tmp_path / "work.topoalign")]
    names_before = sorted(layer.name for layer in viewer.layers)

    viewer2 = make_napari_viewer()
    out = viewer2.open(str(tmp_path / "work.topoalign"), plugin=PLUGIN)
    assert out == []  # the reader draws the session itself
    restored = get_comparison(viewer2)
    assert restored is not cmp and list(restored.graphs) == ["A", "B"]
    assert sum(len(c.regions) for c in restored.correspondences.values()) == n_regions
    for name in ("A", "B"):
        np.testing.assert_array_equal(restored.layout.positions[name], cmp.layout.positions[name])
        points, _ = get_graph_layers(viewer2, name)
        assert len(points.data) == cmp.graphs[name].n_nodes
    assert sorted(layer.name for layer in viewer2.layers) == names_before


def test_graph_and_representation_writers(make_napari_viewer, tmp_path):
    viewer = make_napari_viewer()
    cmp = small_image_comparison()
    cmp.build_mappers(**BUILD)
    cmp.find_regions(random_state=0)
    cmp.show(viewer)
    points, _ = get_graph_layers(viewer, "A")
    viewer.layers.selection = {points}
    path = tmp_path / "A.graph.json"
    viewer.layers.save(str(path), selected=True, plugin=PLUGIN)
    back = read_graph_json(path)
    assert back.node_sets() == cmp.graphs["A"].node_sets()
    for name in ("A.kmapper.json", "A.nodes.csv", "A.regions.csv", "A.kmapper.html"):
        viewer.layers.save(str(tmp_path / name), selected=True, plugin=PLUGIN)
        assert (tmp_path / name).stat().st_size > 0
    viewer.layers.save(str(tmp_path / "reps.npz"), plugin=PLUGIN)
    from napari_topoalign.io import read_representations

    reps = read_representations(tmp_path / "reps.npz")
    np.testing.assert_array_equal(reps["B"], cmp.representations["B"])


def test_minilm_sample_opens(make_napari_viewer):
    viewer = make_napari_viewer()
    (layer,) = viewer.open_sample(PLUGIN, "minilm")
    cmp = get_comparison(viewer)
    assert len(cmp.names) == 7 and cmp.representations.n_inputs == 1500
    assert layer.data.shape == (1500, 2)
    assert layer.features["text"][0] == "the"
