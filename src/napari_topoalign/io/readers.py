"""``read_representations(path, ...)``: one entry point for every representation format.

=================  ==========================================  =========================
suffix             reader                                      large files
=================  ==========================================  =========================
``.npy``           :func:`~.npz.read_npy`                      memory-mapped
``.npz``           :func:`~.npz.read_npz`                      uncompressed members mapped
``.h5``/``.hdf5``  :func:`~.hdf5.read_hdf5`                    contiguous datasets mapped
``.h5ad``          :func:`~.h5ad.read_h5ad`                    contiguous dense arrays mapped
``.zarr``          :func:`~.zarr_file.read_zarr` (directory)   chosen arrays read by chunk
``.safetensors``   :func:`~.safetensors_file.read_safetensors` memory-mapped
``.csv``           :func:`~.table.read_table`                  read whole
``.parquet``       :func:`~.table.read_table`                  read whole
=================  ==========================================  =========================

Keyword arguments are passed to the format's reader; one that the format does not take is an
error that lists the ones it does.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path

from .._utils.params import Registry
from ..model import Representations
from ._common import RepresentationFileError

__all__ = ["read_representations", "READERS", "reader_for", "SUFFIXES"]

#: suffix -> reader function; extend with ``READERS.register(".ext", fn)``.
READERS = Registry("representation reader")


def _lazy(module: str, name: str) -> Callable:
    def call(path, **kwargs):
        import importlib

        fn = getattr(importlib.import_module(module, __package__), name)
        return fn(path, **kwargs)

    call.__name__ = name
    call._target = (module, name)  # type: ignore[attr-defined]
    return call


for _suffix, _mod, _fn in (
    (".npy", ".npz", "read_npy"),
    (".npz", ".npz", "read_npz"),
    (".h5", ".hdf5", "read_hdf5"),
    (".hdf5", ".hdf5", "read_hdf5"),
    (".h5ad", ".h5ad", "read_h5ad"),
    (".zarr", ".zarr_file", "read_zarr"),
    (".safetensors", ".safetensors_file", "read_safetensors"),
    (".csv", ".table", "read_table"),
    (".parquet", ".table", "read_table"),
):
    READERS.register(_suffix, _lazy(_mod, _fn))

#: The suffixes read by :func:`read_representations`.
SUFFIXES = tuple(READERS.names())


def _target(fn):
    import importlib

    target = getattr(fn, "_target", None)
    return getattr(importlib.import_module(target[0], __package__), target[1]) if target else fn


def reader_for(path) -> Callable:
    """The reader of ``path`` by its suffix, or a :class:`RepresentationFileError`."""
    if not isinstance(path, (str, os.PathLike)):
        raise RepresentationFileError(f"path: expected a file path, got {type(path).__name__}")
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in READERS:
        raise RepresentationFileError(
            f"{p.name}: not a representation file (expected one of {', '.join(READERS.names())})"
        )
    return READERS.get(suffix)


def read_representations(path, **kwargs) -> Representations:
    """Read representations from a file, chosen by its suffix.

    Parameters
    ----------
    path : str or path-like
        ``.npy``, ``.npz``, ``.h5``, ``.hdf5``, ``.h5ad``, ``.zarr`` (a directory),
        ``.safetensors``, ``.csv`` or ``.parquet``.
    **kwargs
        Passed to the format's reader. Most take ``names`` (which representations),
        ``label_key``, ``text_key`` and ``id_key`` (which entries or columns describe the
        inputs); HDF5 and zarr take ``group``; tables take ``name`` and ``columns``; formats
        that can be memory-mapped take ``mmap`` (default True); array formats take
        ``flatten`` (flatten ``(n, ...)`` arrays per input).

    Returns
    -------
    Representations
        ``metadata["source"]`` is the path, ``metadata["format"]`` the format and
        ``metadata["reader_kwargs"]`` the keyword arguments (a session that stores the
        representations by reference reads them again with these).

    Raises
    ------
    RepresentationFileError
        The file is missing or unreadable, holds no representation, its arrays disagree in
        rows, hold NaN/infinite values, are ragged or of an unsupported dtype, a named key,
        group or column is missing, or a feature column is not numeric; the message names
        the file and the part.
    ImportError
        The format's library is missing (the message names the extra to install).
    """
    reader = reader_for(path)
    fn = _target(reader)
    params = inspect.signature(fn).parameters
    unknown = [k for k in kwargs if k not in params]
    if unknown:
        accepted = [k for k, v in params.items() if v.kind == inspect.Parameter.KEYWORD_ONLY]
        raise TypeError(
            f"{unknown[0]}: not a parameter of the {Path(path).suffix.lower()} reader; it takes {accepted}"
        )
    reps = fn(path, **kwargs)
    reps.metadata["reader_kwargs"] = dict(kwargs)  # a session saved by reference reads it again so
    return reps
