"""safetensors files (``.safetensors``).

Every tensor is one representation (rows are inputs; tensors of more dimensions with
``flatten=True``), except the reserved names ``labels``, ``ids`` and ``images`` (or those
given by ``label_key`` and ``id_key``). safetensors holds numbers only: texts may be given in
the header's ``__metadata__`` as ``{"texts": "<a JSON list of strings>"}`` (as
:func:`write_safetensors` writes them). The format is a JSON header followed by the raw
tensors, so every tensor is memory-mapped (the header is checked against the file's size);
bfloat16 tensors are converted to float32. The ``safetensors`` package is only needed to
write.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np

from ..model import Representations
from ._common import RESERVED_KEYS, RepresentationFileError, as_path, assemble, pick_key, select

__all__ = ["read_safetensors", "write_safetensors"]

SUFFIXES = (".safetensors",)

_DTYPES = {
    "F64": "<f8",
    "F32": "<f4",
    "F16": "<f2",
    "I64": "<i8",
    "I32": "<i4",
    "I16": "<i2",
    "I8": "i1",
    "U64": "<u8",
    "U32": "<u4",
    "U16": "<u2",
    "U8": "u1",
    "BOOL": "?",
}


def _header(p: Path):
    size = p.stat().st_size
    with open(p, "rb") as fh:
        head = fh.read(8)
        if len(head) < 8:
            raise RepresentationFileError(
                f"{p.name}: not a safetensors file (shorter than its 8-byte header size)"
            )
        (n,) = struct.unpack("<Q", head)
        if n <= 1 or 8 + n > size or n > 100_000_000:
            raise RepresentationFileError(
                f"{p.name}: not a safetensors file (header size {n} does not fit a {size}-byte file)"
            )
        raw = fh.read(n)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise RepresentationFileError(f"{p.name}: damaged safetensors header ({err})") from err
    if not isinstance(header, dict):
        raise RepresentationFileError(f"{p.name}: damaged safetensors header (not a JSON object)")
    return header, 8 + n, size


def _tensor(p: Path, name: str, info, base: int, size: int, mmap: bool):
    try:
        dtype, shape, (start, stop) = (
            info["dtype"],
            [int(s) for s in info["shape"]],
            info["data_offsets"],
        )
    except (KeyError, TypeError, ValueError) as err:
        raise RepresentationFileError(
            f"{p.name}: tensor {name!r} has a damaged header entry ({err})"
        ) from err
    if dtype == "BF16":
        np_dtype = np.dtype("<u2")
    elif dtype in _DTYPES:
        np_dtype = np.dtype(_DTYPES[dtype])
    else:
        raise RepresentationFileError(
            f"{p.name}: tensor {name!r} has dtype {dtype}, which is not supported"
        )
    count = int(np.prod(shape)) if shape else 1
    if stop - start != count * np_dtype.itemsize or base + stop > size or start < 0:
        raise RepresentationFileError(
            f"{p.name}: tensor {name!r} is truncated or its offsets are damaged"
        )
    if count == 0:
        arr = np.zeros(shape, dtype=np_dtype)
    elif mmap:
        arr = np.memmap(p, mode="r", dtype=np_dtype, offset=base + start, shape=tuple(shape))
    else:
        with open(p, "rb") as fh:
            fh.seek(base + start)
            arr = np.frombuffer(fh.read(stop - start), dtype=np_dtype).reshape(shape)
    if dtype == "BF16":  # the upper half of a float32
        arr = (np.asarray(arr).astype(np.uint32) << 16).view(np.float32)
    return arr


def read_safetensors(
    path,
    *,
    names=None,
    label_key: str | None = None,
    id_key: str | None = None,
    mmap: bool = True,
    flatten: bool = False,
) -> Representations:
    """Representations from a safetensors file (see the module docstring)."""
    p = as_path(path, SUFFIXES)
    header, base, size = _header(p)
    meta = header.pop("__metadata__", None) or {}
    lk = pick_key(header, label_key, "labels", p.name, param="label_key")
    ik = pick_key(header, id_key, "ids", p.name, param="id_key")
    described = {k for k in (lk, ik) if k} | {k for k in RESERVED_KEYS if k in header}
    candidates, skipped = {}, {}
    for name, info in header.items():
        if name in described:
            continue
        shape = info.get("shape", []) if isinstance(info, dict) else []
        if len(shape) == 2 or (len(shape) > 2 and flatten):
            candidates[name] = info
        else:
            skipped[name] = f"shape {tuple(shape)}" + (
                "; pass flatten=True to flatten it per input" if len(shape) > 2 else ""
            )
    if names is not None:
        for n in [names] if isinstance(names, str) else names:
            if n in skipped:
                raise RepresentationFileError(
                    f"{p.name}: {n!r} is not a representation ({skipped[n]})"
                )
        skipped = {}
    if not candidates:
        raise RepresentationFileError(
            f"{p.name}: holds no readable representation (a 2-D tensor)"
            + (f"; found {skipped}" if skipped else "")
        )
    order = []
    if "topoalign_names" in meta:
        try:
            order = [str(n) for n in json.loads(meta["topoalign_names"])]
        except (TypeError, json.JSONDecodeError):
            order = []
    if order:
        candidates = {
            n: candidates[n]
            for n in [o for o in order if o in candidates]
            + [c for c in candidates if c not in order]
        }
    chosen = select(candidates, names, p.name)
    arrays = {}
    for name, info in chosen.items():
        arr = _tensor(p, name, info, base, size, mmap)
        arrays[name] = arr.reshape(arr.shape[0], -1) if arr.ndim > 2 else arr

    def extra(key):
        return _tensor(p, key, header[key], base, size, False) if key else None

    texts = None
    if "texts" in meta:
        try:
            texts = json.loads(meta["texts"])
        except (TypeError, json.JSONDecodeError) as err:
            raise RepresentationFileError(
                f"{p.name}: __metadata__['texts'] is not a JSON list ({err})"
            ) from err
        if not isinstance(texts, list):
            raise RepresentationFileError(f"{p.name}: __metadata__['texts'] is not a JSON list")
    return assemble(
        p.name,
        arrays,
        ids=extra(ik),
        labels=extra(lk),
        texts=texts,
        images=extra("images" if "images" in header else None),
        metadata={"source": str(p), "format": "safetensors"},
        skipped=skipped,
    )


def write_safetensors(path, representations: Representations) -> Path:
    """Write representations to a safetensors file readable by :func:`read_safetensors`.
    Labels and ids must be numeric (safetensors holds numbers only); texts go into the
    header's metadata."""
    from ._common import optional_import

    st = optional_import("safetensors.numpy", "writing safetensors files")
    clash = [n for n in representations.names if n in RESERVED_KEYS]
    if clash:
        raise ValueError(f"representations: names {clash} are reserved for input data")
    tensors = {n: np.ascontiguousarray(a) for n, a in representations.arrays.items()}
    for key, value in (("ids", representations.ids), ("labels", representations.labels)):
        if value is None:
            continue
        value = np.asarray(value)
        if value.dtype.kind not in "biuf":
            raise ValueError(
                f"{key}: safetensors holds numbers only, got dtype {value.dtype}; write .npz or .h5 instead"
            )
        tensors[key] = np.ascontiguousarray(value)
    if representations.images is not None:
        tensors["images"] = np.ascontiguousarray(representations.images)
    meta = {"topoalign_names": json.dumps(representations.names)}
    if representations.texts is not None:
        meta["texts"] = json.dumps(representations.texts)
    p = Path(path)
    st.save_file(tensors, str(p), metadata=meta)
    return p
