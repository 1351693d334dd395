"""Shared helpers of the viewer tests (run under a real X server, see scripts/test.sh).

Imported as a plain module: pytest puts this folder on ``sys.path`` for its test files."""

from __future__ import annotations

import numpy as np

from napari_topoalign import Comparison


def three_class_curves(n_per, seed):
    """``(rng, labels, Z)``: three well separated classes of ``n_per`` points on short 2-D
    curves, and the generator as it stands after drawing them (for the representations)."""
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1, 2], n_per)
    centres = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    t = rng.uniform(0, 1, labels.size)
    Z = (
        centres[labels]
        + np.c_[3 * t, np.sin(3 * t)]
        + rng.normal(scale=0.15, size=(labels.size, 2))
    )
    return rng, labels, Z


def small_image_comparison(n_per=60, seed=0):
    """Two representations of ``3 * n_per`` tiny images in three well separated classes."""
    rng, labels, Z = three_class_curves(n_per, seed)
    A = np.tanh(Z @ rng.normal(size=(2, 6)) / 4)
    B = Z @ rng.normal(size=(2, 9)) + rng.normal(scale=0.05, size=(labels.size, 9))
    images = rng.uniform(0, 1, size=(labels.size, 5, 5)).astype(np.float32)
    images[:, 2, 2] = labels  # a pixel that tells the class
    return Comparison({"A": A, "B": B}, labels=labels, images=images)


BUILD = dict(lens="pca1", n_intervals=6, overlap=0.35, random_state=0)


def canvas_pixel(viewer, world_rc):
    """Screenshot pixel (row, col) of world coordinates ``world_rc`` on a 2-D canvas."""
    camera = viewer.scene.camera
    size = np.asarray(viewer.canvas.size, dtype=float)  # (height, width)
    centre = np.asarray(camera.center, dtype=float)[-2:]
    return (np.asarray(world_rc, dtype=float) - centre) * camera.zoom + size / 2
