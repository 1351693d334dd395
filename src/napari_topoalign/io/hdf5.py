"""HDF5 files (``.h5``, ``.hdf5``; needs h5py from the ``io`` extra).

One dataset per representation, at the top of the file or inside one group (``group=``);
datasets deeper down are named by their path (``"model_a/layer3"``). The top-level datasets
``labels``, ``ids``, ``texts`` and ``images`` (or those named by ``label_key``, ``text_key``,
``id_key``) describe the inputs. A dataset stored contiguously and uncompressed (h5py's
default) is memory-mapped; chunked or compressed datasets are read into memory.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..model import Representations
from ._common import RepresentationFileError, as_path, optional_import
from ._tree import ORDER_ATTR, from_tree

__all__ = ["read_hdf5", "write_hdf5", "h5_values"]

SUFFIXES = (".h5", ".hdf5")


def h5_values(p: Path, ds, *, mmap: bool = True):
    """The values of h5py dataset ``ds`` of file ``p``: a read-only memory map when the
    dataset is contiguous and uncompressed, else an in-memory array; strings decoded."""
    h5py = optional_import("h5py", "reading HDF5 files")
    dt = ds.dtype
    if h5py.check_string_dtype(dt) is not None:
        return np.asarray(ds.asstr()[()], dtype=object).astype(str)
    if h5py.check_vlen_dtype(dt) is not None:
        raise RepresentationFileError(
            f"{p.name}: dataset {ds.name!r} holds ragged (variable-length) data"
        )
    if (
        mmap
        and dt.kind in "biuf"
        and ds.chunks is None
        and ds.compression is None
        and not ds.external
        and ds.size > 0
    ):
        offset = ds.id.get_offset()
        if offset is not None:
            return np.memmap(p, mode="r", dtype=dt, offset=offset, shape=ds.shape)
    return ds[()]


def _kind(h5py, ds) -> str:
    dt = ds.dtype
    if h5py.check_string_dtype(dt) is not None or dt.kind in "SU":
        return "string"
    if h5py.check_vlen_dtype(dt) is not None:
        return "other: ragged (variable-length) data"
    if dt.kind in "biuf":
        return "numeric"
    return f"other: dtype {dt} is not supported"


def read_hdf5(
    path,
    *,
    group: str | None = None,
    names=None,
    label_key: str | None = None,
    text_key: str | None = None,
    id_key: str | None = None,
    mmap: bool = True,
    flatten: bool = False,
) -> Representations:
    """Representations from an HDF5 file (see the module docstring)."""
    h5py = optional_import("h5py", "reading HDF5 files")
    p = as_path(path, SUFFIXES)
    try:
        fh = h5py.File(p, "r")
    except OSError as err:
        raise RepresentationFileError(f"{p.name}: not a readable HDF5 file ({err})") from err
    with fh:
        root = fh
        if group not in (None, "", "/"):
            if group not in fh or not isinstance(fh[group], h5py.Group):
                groups = []
                fh.visititems(lambda n, o: groups.append(n) if isinstance(o, h5py.Group) else None)
                raise RepresentationFileError(
                    f"{p.name}: no group {group!r}; groups: {groups or 'none'}"
                )
            root = fh[group]
        entries = {}
        root.visititems(
            lambda n, o: entries.__setitem__(n, o) if isinstance(o, h5py.Dataset) else None
        )
        order = root.attrs.get(ORDER_ATTR)
        order = (
            [str(v.decode() if isinstance(v, bytes) else v) for v in order]
            if order is not None
            else None
        )
        return from_tree(
            p.name,
            entries,
            lambda _n, ds: h5_values(p, ds, mmap=mmap),
            kind=lambda ds: _kind(h5py, ds),
            order=order,
            names=names,
            label_key=label_key,
            text_key=text_key,
            id_key=id_key,
            flatten=flatten,
            metadata={"source": str(p), "format": "hdf5", **({"group": group} if group else {})},
        )


def write_hdf5(
    path,
    representations: Representations,
    *,
    group: str | None = None,
    compression: str | None = None,
) -> Path:
    """Write representations to an HDF5 file readable by :func:`read_hdf5` (uncompressed by
    default, so that reading memory-maps them)."""
    h5py = optional_import("h5py", "writing HDF5 files")
    from ._common import RESERVED_KEYS

    clash = [n for n in representations.names if n in RESERVED_KEYS]
    if clash:
        raise ValueError(f"representations: names {clash} are reserved for input data")
    p = Path(path)
    with h5py.File(p, "w") as fh:
        root = fh.require_group(group) if group else fh
        for name, arr in representations.arrays.items():
            root.create_dataset(name, data=np.asarray(arr), compression=compression)
        root.attrs[ORDER_ATTR] = np.array(representations.names, dtype=h5py.string_dtype())
        ids = np.asarray(representations.ids)
        root.create_dataset(
            "ids", data=ids.astype(h5py.string_dtype()) if ids.dtype.kind in "UO" else ids
        )
        if representations.labels is not None:
            lab = np.asarray(representations.labels)
            root.create_dataset(
                "labels", data=lab.astype(h5py.string_dtype()) if lab.dtype.kind in "UO" else lab
            )
        if representations.texts is not None:
            root.create_dataset(
                "texts", data=np.array(representations.texts, dtype=h5py.string_dtype())
            )
        if representations.images is not None:
            root.create_dataset(
                "images", data=np.asarray(representations.images), compression=compression
            )
    return p
