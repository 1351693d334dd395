"""What every reader shares: the error type, lazy imports of optional libraries, the checks
of what a file holds, and the assembly of :class:`Representations` with errors that name the
file."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._utils.imports import optional_import as _optional_import
from ..model import Representations

__all__ = [
    "RepresentationFileError",
    "RESERVED_KEYS",
    "optional_import",
    "as_path",
    "check_numeric",
    "decode_strings",
    "assemble",
    "pick_key",
]

#: Keys of a file that describe the inputs rather than a representation.
RESERVED_KEYS = ("labels", "ids", "images", "texts")

#: Default names looked for when a label, text or id key is not given.
DEFAULT_KEYS = {
    "labels": ("labels", "label"),
    "texts": ("texts", "text"),
    "ids": ("ids", "id"),
    "images": ("images",),
}


class RepresentationFileError(ValueError):
    """A file that cannot be read as representations; the message names it and says why."""


def optional_import(module: str, what: str, extra: str = "io"):
    """Import ``module`` or say which extra brings it (the ``io`` extra by default)."""
    return _optional_import(module, what, extra)


def as_path(path, suffixes: Iterable[str], *, directory: bool = False) -> Path:
    """``path`` as a Path with one of ``suffixes`` that exists (a file, or a directory when
    ``directory``), or a :class:`RepresentationFileError`."""
    if not isinstance(path, (str, os.PathLike)):
        raise RepresentationFileError(f"path: expected a file path, got {type(path).__name__}")
    p = Path(path)
    suffixes = tuple(suffixes)
    if p.suffix.lower() not in suffixes:
        raise RepresentationFileError(
            f"{p.name}: not a representation file (expected {' or '.join(suffixes)})"
        )
    if directory:
        if not p.exists():
            raise RepresentationFileError(f"{p}: no such file or directory")
    elif not p.is_file():
        raise RepresentationFileError(
            f"{p}: no such file" if not p.exists() else f"{p}: is a directory, not a file"
        )
    return p


def check_numeric(arr, fname: str, what: str) -> None:
    """Refuse arrays that are not numbers (strings, objects, complex, dates)."""
    kind = np.dtype(arr.dtype).kind
    if kind == "O":
        raise RepresentationFileError(
            f"{fname}: {what} holds Python objects (ragged or mixed data), expected numbers"
        )
    if kind not in "biuf":
        raise RepresentationFileError(
            f"{fname}: {what} has dtype {arr.dtype}, which is not supported (expected integer, float or boolean numbers)"
        )


def decode_strings(values) -> list[str]:
    """Strings from an array of str or bytes (HDF5 and zarr give bytes)."""
    out = []
    for v in np.asarray(values).ravel():
        if isinstance(v, bytes):
            out.append(v.decode("utf-8"))
        else:
            out.append(str(v))
    return out


def pick_key(
    available: Iterable[str], given: str | None, role: str, fname: str, *, param: str
) -> str | None:
    """The key used for ``role`` (labels, texts, ids): the one ``given`` (an error if the file
    has none of that name), else the first default name the file has, else None."""
    available = list(available)
    if given is not None:
        if given not in available:
            raise RepresentationFileError(
                f"{fname}: {param}={given!r}: no such entry; the file has {sorted(available)}"
            )
        return given
    for key in DEFAULT_KEYS[role]:
        if key in available:
            return key
    return None


def select(available: Mapping[str, Any], names, fname: str) -> dict[str, Any]:
    """The entries named by ``names`` (all when None), in that order, or an error listing
    what the file has."""
    if names is None:
        return dict(available)
    if isinstance(names, str):
        names = [names]
    names = list(names)
    missing = [n for n in names if n not in available]
    if missing:
        raise RepresentationFileError(
            f"{fname}: no representation named {missing[0]!r}; the file has {list(available) or 'none'}"
        )
    if not names:
        raise RepresentationFileError(
            f"{fname}: names is empty; give None (all) or at least one name"
        )
    return {n: available[n] for n in names}


def flatten_rows(arr, fname: str, name: str, flatten: bool):
    """A 2-D view of ``arr``: (n, ...) arrays are flattened per row when ``flatten``."""
    if arr.ndim == 2:
        return arr
    if arr.ndim > 2 and flatten:
        return np.asarray(arr).reshape(arr.shape[0], -1)
    if arr.ndim > 2:
        raise RepresentationFileError(
            f"{fname}: representation {name!r} has shape {tuple(arr.shape)}; pass flatten=True "
            "to flatten each input's values into one row"
        )
    raise RepresentationFileError(
        f"{fname}: representation {name!r} has shape {tuple(arr.shape)}, expected (n_inputs, n_features)"
    )


def assemble(
    fname: str,
    arrays: Mapping[str, Any],
    *,
    ids=None,
    labels=None,
    texts=None,
    images=None,
    metadata: dict | None = None,
    skipped: Mapping[str, str] | None = None,
) -> Representations:
    """:class:`Representations` from what a reader found, every error naming the file."""
    skipped = dict(skipped or {})
    if not arrays:
        extra = f"; skipped: {skipped}" if skipped else ""
        raise RepresentationFileError(
            f"{fname}: holds no readable representation (an (n_inputs, n_features) array of numbers){extra}"
        )
    for name, arr in arrays.items():
        check_numeric(arr, fname, f"representation {name!r}")
    if skipped:
        warnings.warn(f"{fname}: not read as representations: {skipped}", stacklevel=3)
    if texts is not None:
        texts = decode_strings(texts)
    if labels is not None:
        labels = np.asarray(labels)
        if labels.dtype.kind == "S":
            labels = np.asarray(decode_strings(labels))
        if labels.dtype.kind == "O":
            labels = np.asarray([str(v) for v in labels])
    if ids is not None:
        ids = np.asarray(ids)
        if ids.dtype.kind in "SO":
            ids = np.asarray(decode_strings(ids))
    meta = dict(metadata or {})
    if skipped:
        meta["skipped"] = skipped
    try:
        return Representations(
            dict(arrays), ids=ids, labels=labels, texts=texts, images=images, metadata=meta
        )
    except (ValueError, TypeError) as err:
        raise RepresentationFileError(f"{fname}: {err}") from err
