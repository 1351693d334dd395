"""The npe2 hooks: the sample data, the readers and the writers.

The samples and the representation reader return layer data that carry a
:class:`~napari_topoalign.Comparison` in their layer's ``metadata`` (see :mod:`._state`), so
the dock widgets find the session as soon as the data are open:

- the *digits* sample: the 1,797 digit images as an Image layer (a stack), with the session
  of the three digits representations (pixels PCA, two MLP hidden layers) and the mapper
  parameters recommended for it;
- the *minilm* sample: 1,500 words through the 7 hidden states of all-MiniLM-L6-v2 (the
  words as points, PCA of the embeddings, with their texts and frequency bands as features);
- the reader of representation files (every format of
  :func:`napari_topoalign.io.read_representations`): the images as an Image layer when the
  file has them, else the inputs as points (the first two principal components of the first
  representation) with their ids, labels and texts as features;
- the reader of session files (``.topoalign``): the saved session drawn whole (graphs at the
  saved layout, regions, inputs);
- the writers: the session (``.topoalign``), its representations (``.npz``, ``.h5ad``) and
  one graph layer (``.graph.json``, ``.kmapper.json``, ``.kmapper.html``, ``.nodes.csv``,
  ``.regions.csv``). See ``docs/io.md``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..io.readers import SUFFIXES, read_representations
from ..io.session_file import SESSION_SUFFIX
from ..session import Comparison
from ._draw import inputs_layer_data
from ._state import METADATA_KEY

__all__ = [
    "make_digits_sample",
    "make_minilm_sample",
    "get_reader",
    "read_representation_file",
    "read_session_file",
    "write_session",
    "write_representations_file",
    "write_graph_file",
    "comparison_layer_data",
]


def make_digits_sample():
    """Digits: pixels vs MLP layers (sample data)."""
    from ..datasets import load_digits_sample

    cmp = Comparison(load_digits_sample(random_state=0))
    return comparison_layer_data(cmp, name="digits")


def make_minilm_sample():
    """Words through MiniLM layers (sample data; the shipped file, no torch needed)."""
    from ..datasets import load_minilm_sample

    cmp = Comparison(load_minilm_sample())
    return comparison_layer_data(cmp, name="minilm words")


def comparison_layer_data(cmp, name: str = "inputs") -> list:
    """Layer data that show a fresh session's inputs and carry the session."""
    reps = cmp.representations
    if reps.images is not None:
        return [inputs_layer_data(cmp, name=f"{name} inputs")]
    from ..mapper.lenses import compute_lens

    first = reps.names[0]
    xy = (
        compute_lens(reps[first], "pca2", random_state=0)
        if reps[first].shape[1] >= 2
        else np.c_[reps[first][:, 0], np.zeros(reps.n_inputs)]
    )
    features = {"input": np.arange(reps.n_inputs), "id": np.asarray(reps.ids)}
    if reps.labels is not None:
        features["label"] = np.asarray(reps.labels)
    if reps.texts is not None:
        features["text"] = np.asarray(reps.texts, dtype=object)
    span = float(np.ptp(xy, axis=0).max()) or 1.0
    meta = {
        "name": f"{name} inputs (PCA of {first})",
        "features": features,
        "size": span / 100,
        "metadata": {"topoalign": {"role": "inputs_points"}, METADATA_KEY: cmp},
    }
    if reps.labels is not None:  # one colour per label, as the graph layers colour them
        from ._graph_layers import QUALITATIVE

        codes = np.unique(np.asarray(reps.labels), return_inverse=True)[1]
        meta["face_color"] = [QUALITATIVE[c % len(QUALITATIVE)] for c in codes]
    return [(np.c_[-xy[:, 1], xy[:, 0]], meta, "points")]


def read_representation_file(path) -> list:
    """Read one representation file (any format of
    :func:`napari_topoalign.io.read_representations`) as layer data carrying its session.

    Raises :class:`~napari_topoalign.io.RepresentationFileError` with a message that names
    the file and what is wrong with it; nothing in the viewer changes then."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            raise ValueError(f"open one representation file at a time, got {len(path)}")
        path = path[0]
    reps = read_representations(path)
    return comparison_layer_data(Comparison(reps), name=Path(path).stem)


def read_session_file(path) -> list:
    """Open a saved session (``.topoalign``): draw its graphs at the saved layout, its
    regions and its inputs into the current viewer (the session becomes the viewer's
    session). The file is read and checked whole before anything is drawn, so a bad file
    changes nothing in the viewer."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            raise ValueError(f"open one session file at a time, got {len(path)}")
        path = path[0]
    from ..io.session_file import load_session

    cmp = load_session(path)
    import napari

    viewer = napari.current_viewer()
    if viewer is None:  # no window: hand napari the inputs and the session
        return comparison_layer_data(cmp, name=Path(path).stem)
    from ._draw import draw_comparison

    draw_comparison(viewer, cmp)
    return [(None,)]


def _npy_ndim(path: str) -> int | None:
    try:
        with open(path, "rb") as fh:
            version = np.lib.format.read_magic(fh)
            read = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape = read(fh)[0]
        return len(shape)
    except Exception:
        return None


def _zarr_store_of(path: str) -> str | None:
    """The ``.zarr`` store whose metadata file (``zarr.json``, ``.zgroup``) is ``path``."""
    p = Path(path)
    if p.name in ("zarr.json", ".zgroup", ".zarray") and p.parent.suffix.lower() == ".zarr":
        return str(p.parent)
    return None


def get_reader(path):
    """The npe2 reader hook: a reader for one representation file or ``.zarr`` store, or
    one session file; None for anything else (a ``.npy`` that is not 2-D, e.g. an image, is
    left to other readers)."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    if not isinstance(path, (str, os.PathLike)):
        return None
    path = os.fspath(path)
    store = _zarr_store_of(path)
    if store is not None:  # the metadata file inside a .zarr store: read the store
        return lambda _path: read_representation_file(store)
    suffix = Path(path.rstrip("/\\")).suffix.lower()
    if suffix == SESSION_SUFFIX:
        return read_session_file
    if suffix not in SUFFIXES:
        return None
    if os.path.isdir(path) and suffix != ".zarr":
        return None
    if suffix == ".npy" and _npy_ndim(path) not in (None, 2):
        return None
    return read_representation_file


def _session_in(layer_data) -> Comparison:
    for item in layer_data:
        meta = item[1] if len(item) > 1 else {}
        cmp = (meta.get("metadata") or {}).get(METADATA_KEY)
        if cmp is not None:
            return cmp
    raise ValueError("none of these layers belongs to a napari-topoalign session")


def write_session(path: str, layer_data: list) -> list[str]:
    """The npe2 writer of sessions (File > Save All Layers as ``.topoalign``): saves the
    session the layers belong to (graphs, layout, regions, every result), atomically."""
    from ..io.session_file import save_session

    return [str(save_session(_session_in(layer_data), path))]


def write_representations_file(path: str, layer_data: list) -> list[str]:
    """The npe2 writer of the session's representations (``.npz``, ``.h5ad``)."""
    from ..io import write_representations

    return [str(write_representations(path, _session_in(layer_data).representations))]


def write_graph_file(path: str, data, meta: dict) -> list[str]:
    """The npe2 writer of one graph layer: ``.graph.json`` (node-link), ``.kmapper.json``
    (KeplerMapper's dictionary), ``.kmapper.html`` (KeplerMapper's page), ``.nodes.csv``
    (the node table) or ``.regions.csv`` (the matching regions of the session)."""
    from ..io import write_graph, write_regions

    metadata = meta.get("metadata") or {}
    cmp = metadata.get(METADATA_KEY)
    name = (metadata.get("topoalign") or {}).get("graph")
    if cmp is None or name not in getattr(cmp, "graphs", {}):
        raise ValueError("this layer is not a napari-topoalign graph layer")
    lower = path.lower()
    graph = cmp.graphs[name]
    if lower.endswith(".regions.csv"):
        return [str(write_regions(path, cmp.correspondences))]
    if lower.endswith(".kmapper.html"):
        from ..io import write_kmapper_html

        labels = cmp.representations.labels
        colours = None
        if labels is not None:
            colours = np.unique(np.asarray(labels), return_inverse=True)[1].astype(float)
        return [str(write_kmapper_html(path, graph, color_values=colours))]
    if lower.endswith(".nodes.csv"):
        from ..io import write_node_table

        return [str(write_node_table(path, graph))]
    return [str(write_graph(path, graph))]  # .graph.json (node-link) or .kmapper.json


#: The file patterns that napari's builtin reader claims too (File > Open asks which reader).
SHARED_PATTERNS = ("*.npz", "*.npy", "*.h5", "*.hdf5", "*.csv")


def prefer_topoalign_reader(patterns=SHARED_PATTERNS) -> dict:
    """Make napari open files matching ``patterns`` with this plugin without asking: the same
    preference that ticking *Remember this choice* in napari's reader dialog stores
    (``settings.plugins.extension2reader``; change it under Preferences > Plugins).
    Returns the new preference mapping."""
    from napari.settings import get_settings

    if isinstance(patterns, str):
        patterns = [patterns]
    settings = get_settings()
    prefs = dict(settings.plugins.extension2reader)
    prefs.update({str(p): "napari-topoalign" for p in patterns})
    settings.plugins.extension2reader = prefs
    return prefs
