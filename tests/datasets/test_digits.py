import numpy as np
import pytest

from napari_topoalign.datasets import DIGITS_NAMES, load_digits_sample


def test_digits_sample_shapes_and_labels():
    reps = load_digits_sample()
    assert reps.names == list(DIGITS_NAMES)
    assert reps.n_inputs == 1797
    assert reps.images.shape == (1797, 8, 8)
    assert reps["pixels_pca"].shape == (1797, 32)
    assert reps["mlp_hidden1"].shape == (1797, 64)
    assert reps["mlp_hidden2"].shape == (1797, 32)
    assert set(np.unique(reps.labels)) == set(range(10))
    # a trained network: the sample is only meaningful if the MLP learned the digits
    assert reps.metadata["mlp_train_accuracy"] > 0.95
    # ReLU activations are non-negative and not all dead
    for name in ("mlp_hidden1", "mlp_hidden2"):
        assert reps[name].min() >= 0
        assert (reps[name].max(axis=0) > 0).mean() > 0.5


def test_digits_sample_is_deterministic_and_not_shared():
    a = load_digits_sample(random_state=0)
    b = load_digits_sample(random_state=0)
    for name in a.names:
        np.testing.assert_array_equal(a[name], b[name])
    a.arrays["mlp_hidden1"][0, 0] = 1e6  # a user's edit does not leak into the cache
    assert load_digits_sample()["mlp_hidden1"][0, 0] != 1e6
    c = load_digits_sample(random_state=1)
    assert not np.allclose(a["mlp_hidden2"], c["mlp_hidden2"])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"random_state": None}, "random_state"),
        ({"hidden": (8,)}, "hidden"),
        ({"n_components": 65}, "n_components"),
    ],
)
def test_digits_sample_bad_parameters(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):  # a wrong type is a TypeError
        load_digits_sample(**kwargs)
