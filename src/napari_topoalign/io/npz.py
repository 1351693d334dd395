"""Representation files: ``.npz`` (one array per layer name) and ``.npy`` (one array).

An ``.npz`` file holds one ``(n_inputs, n_features)`` array per representation, keyed by its
name, and optionally the reserved keys ``labels`` (one per input), ``ids`` (unique, one per
input), ``images`` (``(n_inputs, H, W)`` or ``(n_inputs, H, W, C)``) and ``texts`` (strings).
A ``.npy`` file holds a single representation, named after the file's stem. Files are read
without pickle: object arrays are refused.

Large files are not read whole: an ``.npy`` file is memory-mapped, and so is every array of
an ``.npz`` archive that is stored uncompressed (``np.savez``); compressed members
(``np.savez_compressed``) are decompressed into memory.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np

from ..model import Representations
from ._common import (
    RESERVED_KEYS,
    RepresentationFileError,
    as_path,
    assemble,
    flatten_rows,
    pick_key,
    select,
)

__all__ = [
    "read_npz",
    "read_npy",
    "read_representations",
    "write_representations",
    "RepresentationFileError",
    "RESERVED_KEYS",
]

SUFFIXES = (".npy", ".npz")
_PICKLED = "holds Python objects (pickled data), which are not read for safety"


def _check_magic(p: Path) -> None:
    with open(p, "rb") as fh:
        magic = fh.read(6)
    if not (magic.startswith(b"PK") or magic == b"\x93NUMPY"):  # a zip archive or an .npy file
        raise RepresentationFileError(
            f"{p.name}: not a readable NumPy file (neither an .npz archive nor .npy data)"
        )


def read_npy(
    path, *, name: str | None = None, mmap: bool = True, flatten: bool = False
) -> Representations:
    """One representation from an ``.npy`` file (memory-mapped unless ``mmap=False``),
    named ``name`` (default: the file's stem)."""
    p = as_path(path, (".npy",))
    _check_magic(p)
    try:
        arr = np.load(p, mmap_mode="r" if mmap else None, allow_pickle=False)
    except ValueError as err:
        if "pickle" in str(err).lower() or "object" in str(err).lower():
            raise RepresentationFileError(f"{p.name}: {_PICKLED}") from err
        raise RepresentationFileError(f"{p.name}: not a readable NumPy file ({err})") from err
    except (OSError, EOFError) as err:
        raise RepresentationFileError(f"{p.name}: not a readable NumPy file ({err})") from err
    key = name or p.stem
    arr = flatten_rows(arr, p.name, key, flatten) if arr.ndim != 2 else arr
    return assemble(p.name, {key: arr}, metadata={"source": str(p), "format": "npy"})


def _member_memmap(p: Path, fh, info: zipfile.ZipInfo):
    """A read-only memory map of an uncompressed ``.npy`` member of a zip archive, or None
    when that is not possible (compressed, encrypted, object dtype)."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        return None
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    fh.seek(start)
    try:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    except ValueError:
        return None
    if dtype.hasobject:
        raise RepresentationFileError(f"{p.name}: array {info.filename[:-4]!r} {_PICKLED}")
    offset = fh.tell()
    if offset - start + int(np.prod(shape)) * dtype.itemsize > info.file_size:
        raise RepresentationFileError(f"{p.name}: array {info.filename[:-4]!r} is truncated")
    if int(np.prod(shape)) == 0:
        return np.zeros(shape, dtype=dtype)
    return np.memmap(
        p, dtype=dtype, mode="r", offset=offset, shape=shape, order="F" if fortran else "C"
    )


def _read_npz_arrays(p: Path, mmap: bool) -> dict[str, np.ndarray]:
    content: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(p) as zf, open(p, "rb") as fh:
            infos = [i for i in zf.infolist() if i.filename.endswith(".npy")]
            for info in infos:
                key = info.filename[:-4]
                arr = _member_memmap(p, fh, info) if mmap else None
                if arr is None:
                    with zf.open(info) as member:
                        try:
                            arr = np.lib.format.read_array(member, allow_pickle=False)
                        except ValueError as err:
                            if "pickle" in str(err).lower() or "object" in str(err).lower():
                                raise RepresentationFileError(
                                    f"{p.name}: array {key!r} {_PICKLED}"
                                ) from err
                            raise RepresentationFileError(
                                f"{p.name}: array {key!r} cannot be read ({err})"
                            ) from err
                content[key] = arr
    except (OSError, EOFError, zipfile.BadZipFile, struct.error) as err:
        raise RepresentationFileError(
            f"{p.name}: damaged or not a readable .npz archive ({err})"
        ) from err
    return content


def read_npz(
    path,
    *,
    names=None,
    label_key: str | None = None,
    text_key: str | None = None,
    id_key: str | None = None,
    mmap: bool = True,
    flatten: bool = False,
) -> Representations:
    """Representations from an ``.npz`` archive: one array per representation, plus the
    reserved keys ``labels``, ``ids``, ``images``, ``texts`` (or the keys given by
    ``label_key``, ``text_key``, ``id_key``). ``names`` picks representations (default all)."""
    p = as_path(path, (".npz",))
    _check_magic(p)
    content = _read_npz_arrays(p, mmap)
    lk = pick_key(content, label_key, "labels", p.name, param="label_key")
    tk = pick_key(content, text_key, "texts", p.name, param="text_key")
    ik = pick_key(content, id_key, "ids", p.name, param="id_key")
    used = {k for k in (lk, tk, ik) if k}
    arrays = {k: v for k, v in content.items() if k not in used and k not in RESERVED_KEYS}
    if not arrays:
        present = sorted(set(content) - set(arrays))
        raise RepresentationFileError(
            f"{p.name}: holds no representation (only {present or 'nothing'}); "
            "store one (n_inputs, n_features) array per layer name"
        )
    arrays = select(arrays, names, p.name)
    arrays = {k: flatten_rows(v, p.name, k, flatten) for k, v in arrays.items()}
    return assemble(
        p.name,
        arrays,
        ids=content.get(ik) if ik else None,
        labels=content.get(lk) if lk else None,
        texts=content.get(tk) if tk else None,
        images=content.get("images"),
        metadata={"source": str(p), "format": "npz"},
    )


def read_representations(path, **kwargs) -> Representations:
    """Read an ``.npz`` or ``.npy`` file (kept for compatibility; see
    :func:`napari_topoalign.io.read_representations` for every format)."""
    from .readers import read_representations as read_any

    p = Path(path) if not isinstance(path, (list, tuple)) else path
    if isinstance(p, Path) and p.suffix.lower() not in SUFFIXES:
        raise RepresentationFileError(
            f"{p.name}: not a representation file (expected .npy or .npz)"
        )
    return read_any(path, **kwargs)


def write_npz(path, representations: Representations, *, compress: bool = True) -> Path:
    """Write representations to an ``.npz`` file readable by :func:`read_npz`
    (``compress=False`` writes members that are memory-mapped when read).

    Representation names may not be one of the reserved keys ``labels``, ``ids``, ``images``
    or ``texts``.
    """
    if not isinstance(representations, Representations):
        raise TypeError(
            f"representations: expected Representations, got {type(representations).__name__}"
        )
    p = Path(path)
    if p.suffix.lower() != ".npz":
        raise ValueError(f"path: representations are written as .npz here, got {p.name!r}")
    clash = [n for n in representations.names if n in RESERVED_KEYS]
    if clash:
        raise ValueError(
            f"representations: names {clash} are reserved for input data in .npz files"
        )
    out = {k: np.asarray(v) for k, v in representations.arrays.items()}
    out["ids"] = np.asarray(representations.ids)
    if representations.labels is not None:
        out["labels"] = np.asarray(representations.labels)
    if representations.images is not None:
        out["images"] = np.asarray(representations.images)
    if representations.texts is not None:
        out["texts"] = np.asarray(representations.texts, dtype=str)
    for k in ("ids", "labels"):
        if k in out and out[k].dtype == object:
            out[k] = out[k].astype(str)
    (np.savez_compressed if compress else np.savez)(p, **out)
    return p


def write_representations(path, representations: Representations, **kwargs) -> Path:
    """Write representations to a file chosen by its suffix (see
    :func:`napari_topoalign.io.write_representations`)."""
    from .writers import write_representations as write_any

    return write_any(path, representations, **kwargs)
