"""zarr stores (a ``.zarr`` directory; needs zarr from the ``io`` extra).

A store that is one array is one representation (named after the directory's stem). A group
holds one array per representation, like an HDF5 file (``group=`` picks a subgroup; deeper
arrays are named by their path); the top-level arrays ``labels``, ``ids``, ``texts`` and
``images`` describe the inputs. zarr arrays are chunked and usually compressed, so the chosen
arrays are read into memory chunk by chunk (nothing else of the store is read). An AnnData
store (``anndata.write_zarr``) is read as AnnData (see :mod:`.h5ad`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..model import Representations
from ._common import RESERVED_KEYS, RepresentationFileError, as_path, assemble, optional_import
from ._tree import ORDER_ATTR, from_tree

__all__ = ["read_zarr", "write_zarr"]

SUFFIXES = (".zarr",)


def _kind(arr) -> str:
    dt = arr.dtype
    try:
        kind = np.dtype(dt).kind
    except TypeError:
        return "string" if "str" in str(dt).lower() else f"other: dtype {dt} is not supported"
    if kind in "SUT":
        return "string"
    if kind in "biuf":
        return "numeric"
    if kind == "O":
        return "other: Python objects (ragged or mixed data)"
    return f"other: dtype {dt} is not supported"


def _values(arr) -> np.ndarray:
    values = np.asarray(arr[...])
    if values.dtype.kind == "T":  # numpy's variable-width StringDType
        values = values.astype(str)
    return values


def read_zarr(
    path,
    *,
    group: str | None = None,
    names=None,
    label_key: str | None = None,
    text_key: str | None = None,
    id_key: str | None = None,
    flatten: bool = False,
) -> Representations:
    """Representations from a zarr store (see the module docstring)."""
    zarr = optional_import("zarr", "reading zarr stores")
    p = as_path(path, SUFFIXES, directory=True)
    if not p.is_dir():
        raise RepresentationFileError(f"{p.name}: expected a .zarr directory, got a file")
    try:
        node = zarr.open(str(p), mode="r")
    except Exception as err:  # zarr raises several kinds for a broken store
        raise RepresentationFileError(f"{p.name}: not a readable zarr store ({err})") from err
    meta = {"source": str(p), "format": "zarr"}
    if isinstance(node, zarr.Array):
        if group not in (None, "", "/"):
            raise RepresentationFileError(f"{p.name}: is one array, it has no group {group!r}")
        what = _kind(node)
        if what != "numeric":
            raise RepresentationFileError(
                f"{p.name}: the array holds {what.replace('other: ', '')}, expected numbers"
            )
        arr = _values(node)
        if arr.ndim != 2:
            if arr.ndim > 2 and flatten:
                arr = arr.reshape(arr.shape[0], -1)
            else:
                raise RepresentationFileError(
                    f"{p.name}: the array has shape {arr.shape}, expected (n_inputs, n_features)"
                )
        return assemble(p.name, {p.stem: arr}, metadata=meta)
    attrs = dict(node.attrs)
    if attrs.get("encoding-type") == "anndata":
        from .h5ad import read_h5ad

        return read_h5ad(p, names=names, label_key=label_key, text_key=text_key, id_key=id_key)
    root = node
    if group not in (None, "", "/"):
        try:
            root = node[group]
        except KeyError:
            root = None
        if root is None or not isinstance(root, zarr.Group):
            groups = [k for k, v in node.members(max_depth=None) if isinstance(v, zarr.Group)]
            raise RepresentationFileError(
                f"{p.name}: no group {group!r}; groups: {groups or 'none'}"
            )
        meta["group"] = group
        attrs = dict(root.attrs)
    entries = {k: v for k, v in root.members(max_depth=None) if isinstance(v, zarr.Array)}
    order = attrs.get(ORDER_ATTR)
    return from_tree(
        p.name,
        entries,
        lambda _n, arr: _values(arr),
        kind=_kind,
        order=list(order) if order else None,
        names=names,
        label_key=label_key,
        text_key=text_key,
        id_key=id_key,
        flatten=flatten,
        metadata=meta,
    )


def write_zarr(path, representations: Representations) -> Path:
    """Write representations to a zarr group readable by :func:`read_zarr`."""
    zarr = optional_import("zarr", "writing zarr stores")
    import warnings

    clash = [n for n in representations.names if n in RESERVED_KEYS]
    if clash:
        raise ValueError(f"representations: names {clash} are reserved for input data")
    p = Path(path)
    root = zarr.open_group(str(p), mode="w")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fixed-width strings have no zarr v3 spec yet
        for name, arr in representations.arrays.items():
            root.create_array(name, data=np.ascontiguousarray(arr))
        ids = np.asarray(representations.ids)
        root.create_array("ids", data=ids.astype(str) if ids.dtype.kind == "O" else ids)
        if representations.labels is not None:
            lab = np.asarray(representations.labels)
            root.create_array("labels", data=lab.astype(str) if lab.dtype.kind == "O" else lab)
        if representations.texts is not None:
            root.create_array("texts", data=np.asarray(representations.texts, dtype=str))
        if representations.images is not None:
            root.create_array("images", data=np.asarray(representations.images))
    root.attrs[ORDER_ATTR] = list(representations.names)
    return p
