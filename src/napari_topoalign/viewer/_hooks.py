"""The npe2 hooks: the sample data and the reader of representation files.

Both return layer data that carry a :class:`~napari_topoalign.Comparison` in their layer's
``metadata`` (see :mod:`._state`), so the dock widgets find the session as soon as the data
are open:

- the *digits* sample: the 1,797 digit images as an Image layer (a stack), with the session
  of the three digits representations (pixels PCA, two MLP hidden layers) and the mapper
  parameters recommended for it;
- the reader, for ``.npz`` (one array per representation, optional ``labels``, ``ids``,
  ``images``, ``texts``) and ``.npy`` (one representation) files: the images as an Image
  layer when the file has them, else the inputs as points (the first two principal
  components of the first representation) with their ids, labels and texts as features.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io.npz import SUFFIXES, read_representations
from ..session import Comparison
from ._draw import inputs_layer_data
from ._state import METADATA_KEY

__all__ = ["make_digits_sample", "make_minilm_sample", "get_reader", "read_representation_file", "comparison_layer_data"]


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
    xy = compute_lens(reps[first], "pca2", random_state=0) if reps[first].shape[1] >= 2 else np.c_[
        reps[first][:, 0], np.zeros(reps.n_inputs)
    ]
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
    """Read one ``.npz``/``.npy`` representation file as layer data carrying its session.

    Raises :class:`~napari_topoalign.io.RepresentationFileError` with a message that names
    the file and what is wrong with it."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            raise ValueError(f"open one representation file at a time, got {len(path)}")
        path = path[0]
    reps = read_representations(path)
    return comparison_layer_data(Comparison(reps), name=Path(path).stem)


def get_reader(path):
    """The npe2 reader hook: a reader for one ``.npz``/``.npy`` file, else None."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    if not isinstance(path, str) or Path(path).suffix.lower() not in SUFFIXES:
        return None
    return read_representation_file
