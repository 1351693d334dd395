"""The built-in sample comparison: scikit-learn's digits, seen by pixels and by an MLP.

Everything is made by the code from data bundled with scikit-learn; nothing is downloaded.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np

from ..model import Representations

#: The representation names of the sample, in order.
DIGITS_NAMES = ("pixels_pca", "mlp_hidden1", "mlp_hidden2")

#: Mapper parameters that give readable graphs of every digits representation (33 to 101
#: nodes each), used by the main job and offered by the build widget for this sample.
DIGITS_MAPPER_PARAMS = {"lens": "pca1", "n_intervals": 15, "overlap": 0.4, "random_state": 0}


@lru_cache(maxsize=4)
def _digits_mlp(random_state: int, hidden: tuple[int, int], max_iter: int):
    """The sample's MLPClassifier, fitted on the standardised pixels (cached)."""
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    scaled = StandardScaler().fit_transform(digits.data.astype(np.float64))
    mlp = MLPClassifier(
        hidden_layer_sizes=hidden,
        activation="relu",
        solver="adam",
        max_iter=max_iter,
        random_state=random_state,
        tol=1e-5,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(scaled, digits.target.astype(np.int64))
    return mlp


def load_digits_mlp(
    *, random_state: int = 0, hidden: tuple[int, int] = (64, 32), max_iter: int = 300
):
    """The fitted MLP of :func:`load_digits_sample` (a copy), its inputs (the standardised
    pixels) and the labels: ``(mlp, inputs, labels)``."""
    import copy

    from sklearn.datasets import load_digits
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    scaled = StandardScaler().fit_transform(digits.data.astype(np.float64))
    mlp = _digits_mlp(int(random_state), tuple(int(h) for h in hidden), int(max_iter))
    return copy.deepcopy(mlp), scaled, digits.target.astype(np.int64)


@lru_cache(maxsize=4)
def _digits_arrays(random_state: int, n_components: int, hidden: tuple[int, int], max_iter: int):
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler

    digits = load_digits()
    pixels = digits.data.astype(np.float64)
    labels = digits.target.astype(np.int64)
    images = digits.images.astype(np.float32)

    pca = PCA(n_components=n_components, random_state=random_state)
    pixels_pca = pca.fit_transform(pixels)

    scaled = StandardScaler().fit_transform(pixels)
    mlp = _digits_mlp(random_state, hidden, max_iter)
    # forward pass by hand: the hidden activations MLPClassifier does not expose
    h1 = np.maximum(scaled @ mlp.coefs_[0] + mlp.intercepts_[0], 0.0)
    h2 = np.maximum(h1 @ mlp.coefs_[1] + mlp.intercepts_[1], 0.0)
    accuracy = float(mlp.score(scaled, labels))
    return pixels_pca, h1, h2, labels, images, accuracy, pca.explained_variance_ratio_.sum()


def load_digits_sample(
    *,
    random_state: int = 0,
    n_components: int = 32,
    hidden: tuple[int, int] = (64, 32),
    max_iter: int = 300,
) -> Representations:
    """Digits: pixels vs MLP layers.

    The 1,797 8x8 images of scikit-learn's bundled digits, in three representations:

    ``pixels_pca``
        The pixels projected on their first ``n_components`` principal components.
    ``mlp_hidden1``, ``mlp_hidden2``
        The ReLU activations of the two hidden layers of an ``MLPClassifier`` trained on the
        standardised pixels (deterministic for a given ``random_state``).

    Parameters
    ----------
    random_state : int
        Seeds the PCA solver and the network's initialisation and batches.
    n_components : int
        Number of principal components of the pixels.
    hidden : (int, int)
        Widths of the two hidden layers.
    max_iter : int
        Training epochs.

    Returns
    -------
    Representations
        With ``labels`` (the digit), ``images`` (1797, 8, 8) and ``metadata`` holding the
        network's training accuracy, the PCA's explained variance and the recommended
        mapper parameters (:data:`DIGITS_MAPPER_PARAMS`).
    """
    from .._utils.validation import check_int

    # an int seed only: the sample is cached per seed (a generator could not be a cache key)
    random_state = check_int(random_state, "random_state", minimum=0, maximum=2**32 - 1)
    if isinstance(hidden, (str, bytes)) or not hasattr(hidden, "__len__") or len(hidden) != 2:
        raise ValueError(f"hidden: expected two positive layer widths, got {hidden!r}")
    hidden = tuple(
        check_int(h, f"hidden[{i}]", minimum=1, maximum=4096) for i, h in enumerate(hidden)
    )
    n_components = check_int(n_components, "n_components", minimum=1, maximum=64)
    max_iter = check_int(max_iter, "max_iter", minimum=1, maximum=100_000)
    pca, h1, h2, labels, images, accuracy, explained = _digits_arrays(
        int(random_state), int(n_components), hidden, int(max_iter)
    )
    arrays = dict(zip(DIGITS_NAMES, (pca, h1, h2)))
    return Representations(
        {k: v.copy() for k, v in arrays.items()},
        labels=labels.copy(),
        images=images.copy(),
        metadata={
            "source": "sklearn.datasets.load_digits",
            "title": "Digits: pixels vs MLP layers",
            "mlp_train_accuracy": accuracy,
            "pca_explained_variance": float(explained),
            "random_state": int(random_state),
            "mapper_params": dict(DIGITS_MAPPER_PARAMS),
        },
    )
