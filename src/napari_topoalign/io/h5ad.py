"""AnnData files (``.h5ad``, and AnnData zarr stores; needs anndata from the ``io`` extra).

Representations: ``X`` (named ``"X"``), every ``obsm`` entry (named by its key, e.g.
``"X_pca"``) and every entry of ``layers`` (named by its key; ``"layers/<key>"`` when that
clashes with an ``obsm`` key), in that order. Inputs: ``obs`` rows. Their ids are
``obs_names`` (or the ``obs`` column ``id_key``); labels and texts are ``obs`` columns chosen
by name (``label_key``, ``text_key``; by default a column called ``label``/``labels`` and
``text``/``texts`` when there is one). ``names`` picks representations.

Dense arrays stored contiguously and uncompressed are memory-mapped; sparse matrices are made
dense (refused above 2 GiB: pick other entries with ``names``); data-frame entries of
``obsm`` are used when all their columns are numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..model import Representations
from ._common import RepresentationFileError, as_path, assemble, optional_import, select

__all__ = ["read_h5ad", "write_h5ad"]

SUFFIXES = (".h5ad", ".zarr")
DENSE_LIMIT = 2 * 1024**3  # bytes of a sparse entry made dense


def _dense(fname: str, key: str, value):
    import scipy.sparse as sp

    if sp.issparse(value):
        nbytes = value.shape[0] * value.shape[1] * 8
        if nbytes > DENSE_LIMIT:
            raise RepresentationFileError(
                f"{fname}: {key!r} is a sparse {value.shape} matrix, {nbytes / 1024**3:.1f} GiB when dense "
                f"(limit {DENSE_LIMIT / 1024**3:.0f} GiB); pick other entries with names="
            )
        return value.toarray()
    if isinstance(value, pd.DataFrame):
        bad = [c for c in value.columns if not pd.api.types.is_numeric_dtype(value[c])]
        if bad:
            raise RepresentationFileError(
                f"{fname}: {key!r} is a table whose column {bad[0]!r} is not numeric"
            )
        return value.to_numpy()
    return value


def read_h5ad(
    path,
    *,
    names=None,
    label_key: str | None = None,
    text_key: str | None = None,
    id_key: str | None = None,
    mmap: bool = True,
) -> Representations:
    """Representations from an AnnData file (see the module docstring)."""
    anndata_io = optional_import("anndata.io", "reading AnnData files")
    p = as_path(path, SUFFIXES, directory=True)
    if p.suffix.lower() == ".zarr":
        zarr = optional_import("zarr", "reading zarr stores")
        try:
            root = zarr.open_group(str(p), mode="r")
        except Exception as err:
            raise RepresentationFileError(f"{p.name}: not a readable zarr store ({err})") from err
        is_dataset = lambda obj: isinstance(obj, zarr.Array)  # noqa: E731
        values = lambda obj: np.asarray(obj[...])  # noqa: E731
        closer = None
    else:
        h5py = optional_import("h5py", "reading AnnData files")
        from .hdf5 import h5_values

        try:
            root = h5py.File(p, "r")
        except OSError as err:
            raise RepresentationFileError(
                f"{p.name}: not a readable HDF5/AnnData file ({err})"
            ) from err
        is_dataset = lambda obj: isinstance(obj, h5py.Dataset)  # noqa: E731
        values = lambda obj: h5_values(p, obj, mmap=mmap)  # noqa: E731
        closer = root
    try:
        if "obs" not in root:
            raise RepresentationFileError(f"{p.name}: not an AnnData file (no 'obs' group)")
        try:
            obs = anndata_io.read_elem(root["obs"])
        except Exception as err:
            raise RepresentationFileError(
                f"{p.name}: the 'obs' table cannot be read ({err})"
            ) from err
        found: dict[str, tuple[str, object]] = {}
        if "X" in root:
            found["X"] = ("X", root["X"])
        for section in ("obsm", "layers"):
            if section in root:
                for key in root[section]:
                    name = key if key not in found else f"{section}/{key}"
                    found[name] = (f"{section}/{key}", root[section][key])
        chosen = select(found, names, p.name)
        arrays = {}
        skipped = {}
        for name, (where, obj) in chosen.items():
            if is_dataset(obj):
                arr = values(obj)
            else:
                try:
                    arr = anndata_io.read_elem(obj)
                except Exception as err:
                    raise RepresentationFileError(
                        f"{p.name}: {where!r} cannot be read ({err})"
                    ) from err
            arr = _dense(p.name, where, arr)
            arr_np = np.asarray(arr) if not isinstance(arr, np.ndarray) else arr
            if arr_np.ndim != 2:
                if names is None:
                    skipped[where] = f"shape {arr_np.shape}"
                    continue
                raise RepresentationFileError(
                    f"{p.name}: {where!r} has shape {arr_np.shape}, expected (n_inputs, n_features)"
                )
            if arr_np.dtype.kind not in "biuf" and names is None:
                skipped[where] = f"dtype {arr_np.dtype}"
                continue
            arrays[name] = arr_np

        def column(key, param):
            if key is None:
                return None
            if key not in obs.columns:
                raise RepresentationFileError(
                    f"{p.name}: {param}={key!r}: no such obs column; obs has {list(obs.columns)}"
                )
            return obs[key].to_numpy()

        def default(options):
            return next((c for c in options if c in obs.columns), None)

        labels = column(
            label_key if label_key is not None else default(("label", "labels")), "label_key"
        )
        texts = column(
            text_key if text_key is not None else default(("text", "texts")), "text_key"
        )
        ids = (
            column(id_key, "id_key")
            if id_key is not None
            else (
                obs["ids"].to_numpy() if "ids" in obs.columns else np.asarray(obs.index, dtype=str)
            )
        )
        if texts is not None:
            texts = [
                "" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v)
                for v in texts
            ]
        if labels is not None and labels.dtype == object:
            labels = np.asarray([str(v) for v in labels])
        order = None
        if "uns" in root and "topoalign_names" in root["uns"]:
            try:
                order = [
                    str(v)
                    for v in np.asarray(
                        anndata_io.read_elem(root["uns"]["topoalign_names"])
                    ).ravel()
                ]
            except Exception:
                order = None
        if order and names is None:
            arrays = {
                n: arrays[n]
                for n in [o for o in order if o in arrays] + [a for a in arrays if a not in order]
            }
        return assemble(
            p.name,
            arrays,
            ids=ids,
            labels=labels,
            texts=texts,
            metadata={"source": str(p), "format": "h5ad", "obs_columns": list(obs.columns)},
            skipped=skipped,
        )
    finally:
        if closer is not None:
            closer.close()


def write_h5ad(path, representations: Representations) -> Path:
    """Write representations as AnnData: every representation an ``obsm`` entry, ``X`` left
    empty, ``obs`` with the columns ``ids``, ``labels`` and ``texts``, ``obs_names`` the ids
    as text, ``uns["topoalign_names"]`` the order of the representations. Readable by
    :func:`read_h5ad` and by anndata/scanpy. Images are not written (AnnData has no place
    for them)."""
    anndata = optional_import("anndata", "writing AnnData files")
    ids = np.asarray(representations.ids)
    obs = pd.DataFrame(index=pd.Index([str(i) for i in ids], dtype=object))
    obs["ids"] = ids
    if representations.labels is not None:
        obs["labels"] = np.asarray(representations.labels)
    if representations.texts is not None:
        obs["texts"] = pd.array(representations.texts, dtype=object)
    adata = anndata.AnnData(
        X=None,
        obs=obs,
        obsm={n: np.asarray(a) for n, a in representations.arrays.items()},
        uns={"topoalign_names": np.asarray(representations.names, dtype=object)},
    )
    p = Path(path)
    if p.suffix.lower() == ".zarr":
        adata.write_zarr(str(p))
    else:
        adata.write_h5ad(str(p))
    return p
