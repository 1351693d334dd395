"""Session files: one :class:`~napari_topoalign.Comparison` in one file, without pickle.

Format (schema version 1)
-------------------------
A zip archive (suffix ``.topoalign``) of

- ``manifest.json``: ``{"format": "napari-topoalign session", "schema_version": 1,
  "package_version", "created", "parts": {name: {"sha256", "size"}}}``, written last;
- ``session.json``: the session as JSON, in which each array is a reference to a part;
- ``arrays/<k>.npy``: one NumPy array each (``np.save`` with ``allow_pickle=False``).

Every part is listed in the manifest with its SHA-256, which is checked on load: a missing
part, a damaged part, a truncated file, a file that is no session and a schema newer than
this version reads are errors that name the file and the part.

What is saved
-------------
The representations (embedded, or ``representations="reference"``: the source file's path,
reader options and SHA-256, checked when loading), and every public attribute of the
session: the graphs, the layout, the correspondences with their regions, the mapper
parameters, and whatever later stages keep there (``scores``, ``topology``, ``motifs``, ...).
Values are encoded generically:

- ``None``, ``bool``, ``int``, ``float`` (NaN and infinities too), ``str``: as JSON;
- ``list``, ``tuple``, ``set``, ``frozenset``, ``dict`` (any keys the encoder takes, e.g.
  ``(graph_a, graph_b)`` tuples), ``bytes``, ``pathlib.Path``: tagged JSON;
- NumPy scalars (dtype kept) and arrays (any shape; numbers, booleans, fixed-width strings;
  object arrays element by element);
- pandas ``DataFrame``, ``Series``, ``Index`` (dtypes, categories and index kept);
- SciPy sparse matrices and arrays (format kept);
- dataclasses of ``napari_topoalign``: by ``to_dict()``/``from_dict()`` when the class has
  both, else field by field. On load a class is only ever looked up inside the
  ``napari_topoalign`` package and must be a dataclass: nothing else is imported or run.

Anything else is refused when saving, naming where it sits (``"scores['cka'].foo"``).

Saving is atomic: the archive is written to a temporary file in the same folder, flushed
and fsynced, then renamed over the target; a failure leaves the previous file intact.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import hashlib
import importlib
import inspect
import json
import math
import zipfile
from pathlib import Path, PurePath
from typing import Any

import numpy as np

__all__ = [
    "SCHEMA_VERSION",
    "SESSION_SUFFIX",
    "SessionFileError",
    "save_session",
    "load_session",
    "encode",
    "decode",
    "file_checksum",
]

#: The schema version this code writes; files of a newer version are refused.
SCHEMA_VERSION = 1
#: The suffix of session files.
SESSION_SUFFIX = ".topoalign"
FORMAT = "napari-topoalign session"
PACKAGE = "napari_topoalign"

#: Attributes of a Comparison that are not saved as data (callbacks, caches).
_SKIP_ATTRS = {"representations"}


class SessionFileError(ValueError):
    """A session file that cannot be written or read; the message names the file and part."""


# ---------------------------------------------------------------------------------------
# generic encoder / decoder
# ---------------------------------------------------------------------------------------
class _Writer:
    """Collects the arrays of an encoded tree as numbered parts."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def add(self, arr: np.ndarray) -> str:
        name = f"arrays/{len(self.arrays):06d}.npy"
        self.arrays[name] = arr
        return name


def _array_ok(arr: np.ndarray) -> bool:
    return arr.dtype.kind in "biufcUSmM" and not arr.dtype.hasobject and arr.dtype.fields is None


def encode(value: Any, writer: _Writer, where: str = "session") -> Any:
    """``value`` as JSON-able data, its arrays handed to ``writer``; refuses what it does not
    know, naming ``where``."""
    import pandas as pd
    import scipy.sparse as sp

    if isinstance(value, np.generic):  # before float: np.float64 is a float subclass
        arr = np.asarray(value)
        if arr.dtype.kind in "biuf":
            item = value.item()
            item = item if (not isinstance(item, float) or math.isfinite(item)) else repr(item)
            return {"__npscalar__": arr.dtype.str, "value": item}
        if arr.dtype.kind in "US":
            return {
                "__npscalar__": arr.dtype.str,
                "value": value.item()
                if arr.dtype.kind == "U"
                else base64.b64encode(value.item()).decode(),
            }
        return {"__npscalar_array__": writer.add(arr.reshape(1))}
    if isinstance(value, str):
        return str(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        if math.isfinite(value):
            return value
        return {"__float__": repr(value)}
    if isinstance(value, np.ndarray):
        if type(value) is not np.ndarray:  # memmap and other subclasses: plain arrays
            value = np.asarray(value)
        if _array_ok(value):
            return {"__ndarray__": writer.add(value)}
        if value.dtype.kind == "O":
            items = [
                encode(v, writer, f"{where}[{i}]") for i, v in enumerate(value.ravel().tolist())
            ]
            return {"__objarray__": items, "shape": list(value.shape)}
        raise SessionFileError(
            f"cannot save {where}: arrays of dtype {value.dtype} are not supported"
        )
    if isinstance(value, pd.DataFrame):
        return {
            "__dataframe__": {
                "columns": encode(value.columns, writer, f"{where}.columns"),
                "index": encode(value.index, writer, f"{where}.index"),
                "data": [
                    _column_values(value.iloc[:, j], writer, f"{where}[{value.columns[j]!r}]")
                    for j in range(value.shape[1])
                ],
                "dtypes": [str(dt) for dt in value.dtypes],
                "categories": [
                    _categories(value.iloc[:, j], writer, where) for j in range(value.shape[1])
                ],
            }
        }
    if isinstance(value, pd.Series):
        return {
            "__series__": {
                "values": _column_values(value, writer, where),
                "dtype": str(value.dtype),
                "categories": _categories(value, writer, where),
                "index": encode(value.index, writer, f"{where}.index"),
                "name": encode(value.name, writer, f"{where}.name"),
            }
        }
    if isinstance(value, pd.Index):
        if isinstance(value, pd.RangeIndex):
            return {
                "__rangeindex__": [int(value.start), int(value.stop), int(value.step)],
                "name": encode(value.name, writer, where),
            }
        if isinstance(value, pd.MultiIndex):
            return {
                "__multiindex__": [
                    encode(value.get_level_values(i), writer, f"{where}.level{i}")
                    for i in range(value.nlevels)
                ],
                "names": [encode(n, writer, where) for n in value.names],
            }
        return {
            "__index__": _column_values(value, writer, where),
            "dtype": str(value.dtype),
            "categories": _categories(value, writer, where),
            "name": encode(value.name, writer, where),
        }
    if sp.issparse(value):
        fmt = value.format
        kind = "array" if isinstance(value, sp.sparray) else "matrix"
        m = value.tocsr() if fmt not in ("csr", "csc", "coo") else value
        out = {
            "__sparse__": fmt,
            "kind": kind,
            "shape": [int(s) for s in m.shape],
            "stored": m.format,
        }
        if m.format == "coo":
            out["parts"] = {
                "data": writer.add(np.asarray(m.data)),
                "row": writer.add(np.asarray(m.row)),
                "col": writer.add(np.asarray(m.col)),
            }
        else:
            out["parts"] = {
                "data": writer.add(np.asarray(m.data)),
                "indices": writer.add(np.asarray(m.indices)),
                "indptr": writer.add(np.asarray(m.indptr)),
            }
            out["sorted"] = bool(m.has_sorted_indices)
        return out
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        path = f"{cls.__module__}:{cls.__qualname__}"
        if not cls.__module__.split(".")[0] == PACKAGE:
            raise SessionFileError(
                f"cannot save {where}: {path} is a dataclass from outside napari_topoalign "
                "(only the package's own classes are restored on load)"
            )
        if callable(getattr(value, "to_dict", None)) and callable(getattr(cls, "from_dict", None)):
            return {
                "__dataclass__": path,
                "dict": encode(value.to_dict(), writer, f"{where}.to_dict()"),
            }
        fields = {}
        for f in dataclasses.fields(value):
            fields[f.name] = encode(getattr(value, f.name), writer, f"{where}.{f.name}")
        return {
            "__dataclass__": path,
            "fields": fields,
            "init": [f.name for f in dataclasses.fields(value) if f.init],
        }
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode(v, writer, f"{where}[{k!r}]") for k, v in value.items()}
        return {
            "__dict__": [
                [encode(k, writer, f"{where} key"), encode(v, writer, f"{where}[{k!r}]")]
                for k, v in value.items()
            ]
        }
    if isinstance(value, list):
        return [encode(v, writer, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, writer, f"{where}[{i}]") for i, v in enumerate(value)]}
    if isinstance(value, frozenset):
        return {"__frozenset__": [encode(v, writer, f"{where} item") for v in _sorted(value)]}
    if isinstance(value, set):
        return {"__set__": [encode(v, writer, f"{where} item") for v in _sorted(value)]}
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(value).decode("ascii")}
    if isinstance(value, PurePath):
        return {"__path__": str(value)}
    if isinstance(value, complex):
        return {
            "__complex__": [encode(value.real, writer, where), encode(value.imag, writer, where)]
        }
    raise SessionFileError(
        f"cannot save {where}: {type(value).__module__}.{type(value).__qualname__} is not one of the "
        "types a session holds (plain values, numpy arrays, pandas frames, scipy.sparse, "
        "napari_topoalign dataclasses)"
    )


def _sorted(values):
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=repr)


def _column_values(col, writer: _Writer, where: str):
    import pandas as pd

    dtype = col.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = col.codes if isinstance(col, pd.Index) else col.cat.codes
        return {"__ndarray__": writer.add(np.asarray(codes))}
    if isinstance(dtype, np.dtype) and _array_ok(np.empty(0, dtype=dtype)):
        return {"__ndarray__": writer.add(np.asarray(col.to_numpy()))}
    # extension dtypes (str, string, Int64, boolean...) and object columns: element-wise,
    # missing values as None
    values = col.to_numpy(dtype=object)
    items = []
    for i, v in enumerate(values.tolist()):
        if (
            v is None
            or v is pd.NA
            or v is pd.NaT
            or (isinstance(v, float) and math.isnan(v) and not isinstance(dtype, np.dtype))
        ):
            items.append(None)
        else:
            items.append(encode(v, writer, f"{where}[{i}]"))
    return {"__objarray__": items, "shape": [len(items)]}


def _categories(col, writer: _Writer, where: str):
    import pandas as pd

    if isinstance(col.dtype, pd.CategoricalDtype):
        return {
            "values": encode(col.dtype.categories, writer, f"{where}.categories"),
            "ordered": bool(col.dtype.ordered),
        }
    return None


class _Reader:
    def __init__(self, fname: str, load_part):
        self.fname = fname
        self.load_part = load_part

    def array(self, name: str) -> np.ndarray:
        return self.load_part(name)


def _class(path: str, fname: str):
    module, _, qual = path.partition(":")
    if module.split(".")[0] != PACKAGE or not qual:
        raise SessionFileError(
            f"{fname}: refuses to restore class {path!r} (only napari_topoalign classes are restored)"
        )
    try:
        obj = importlib.import_module(module)
        for part in qual.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as err:
        raise SessionFileError(
            f"{fname}: part session.json names class {path!r}, which this version does not have"
        ) from err
    if not (isinstance(obj, type) and dataclasses.is_dataclass(obj)):
        raise SessionFileError(f"{fname}: {path!r} is not a dataclass; refused")
    return obj


def decode(data: Any, reader: _Reader) -> Any:
    """Inverse of :func:`encode`."""
    import pandas as pd
    import scipy.sparse as sp

    if isinstance(data, list):
        return [decode(v, reader) for v in data]
    if not isinstance(data, dict):
        return data
    if len(data) >= 1:
        tag = next(iter(data))
        if tag == "__float__":
            return float(data["__float__"])
        if tag == "__npscalar__":
            dt = np.dtype(data["__npscalar__"])
            v = data["value"]
            if dt.kind == "S":
                return np.array(base64.b64decode(v), dtype=dt)[()]
            if isinstance(v, str) and dt.kind == "f":
                v = float(v)
            return np.array(v, dtype=dt)[()]
        if tag == "__npscalar_array__":
            return reader.array(data[tag])[0]
        if tag == "__ndarray__":
            return reader.array(data[tag])
        if tag == "__objarray__":
            items = [decode(v, reader) for v in data[tag]]
            out = np.empty(len(items), dtype=object)
            out[:] = items if items else []
            return out.reshape(data["shape"])
        if tag == "__dataframe__":
            d = data[tag]
            columns = decode(d["columns"], reader)
            index = decode(d["index"], reader)
            cols = {}
            for j, (values, dtype, cats) in enumerate(
                zip(d["data"], d["dtypes"], d["categories"])
            ):
                cols[j] = _restore_column(decode(values, reader), dtype, cats, reader)
            df = pd.DataFrame(cols, index=index)
            df.columns = columns
            return df
        if tag == "__series__":
            d = data[tag]
            values = _restore_column(
                decode(d["values"], reader), d["dtype"], d["categories"], reader
            )
            return pd.Series(
                values, index=decode(d["index"], reader), name=decode(d["name"], reader)
            )
        if tag == "__rangeindex__":
            start, stop, step = data[tag]
            return pd.RangeIndex(start, stop, step, name=decode(data["name"], reader))
        if tag == "__multiindex__":
            levels = [decode(v, reader) for v in data[tag]]
            return pd.MultiIndex.from_arrays(
                levels, names=[decode(n, reader) for n in data["names"]]
            )
        if tag == "__index__":
            values = _restore_column(
                decode(data[tag], reader), data["dtype"], data["categories"], reader
            )
            return pd.Index(values, name=decode(data["name"], reader))
        if tag == "__sparse__":
            parts = {k: reader.array(v) for k, v in data["parts"].items()}
            shape = tuple(data["shape"])
            array_kind = data.get("kind") == "array"
            if data["stored"] == "coo":
                cls = sp.coo_array if array_kind else sp.coo_matrix
                m = cls((parts["data"], (parts["row"], parts["col"])), shape=shape)
            else:
                cls = {
                    "csr": sp.csr_array if array_kind else sp.csr_matrix,
                    "csc": sp.csc_array if array_kind else sp.csc_matrix,
                }[data["stored"]]
                m = cls((parts["data"], parts["indices"], parts["indptr"]), shape=shape)
                m.has_sorted_indices = bool(data.get("sorted", False))
            return m.asformat(data["__sparse__"]) if data["__sparse__"] != m.format else m
        if tag == "__dataclass__":
            cls = _class(data[tag], reader.fname)
            if "dict" in data:
                if not callable(getattr(cls, "from_dict", None)):
                    raise SessionFileError(
                        f"{reader.fname}: class {data[tag]!r} has no from_dict in this version"
                    )
                return cls.from_dict(decode(data["dict"], reader))
            fields = {k: decode(v, reader) for k, v in data["fields"].items()}
            init = set(data.get("init", fields))
            obj = cls(**{k: v for k, v in fields.items() if k in init})
            for k, v in fields.items():
                if k not in init:
                    object.__setattr__(obj, k, v)
            return obj
        if tag == "__dict__":
            return {_hashable(decode(k, reader)): decode(v, reader) for k, v in data[tag]}
        if tag == "__tuple__":
            return tuple(decode(v, reader) for v in data[tag])
        if tag == "__set__":
            return {decode(v, reader) for v in data[tag]}
        if tag == "__frozenset__":
            return frozenset(decode(v, reader) for v in data[tag])
        if tag == "__bytes__":
            return base64.b64decode(data[tag])
        if tag == "__path__":
            return Path(data[tag])
        if tag == "__complex__":
            return complex(decode(data[tag][0], reader), decode(data[tag][1], reader))
    return {k: decode(v, reader) for k, v in data.items()}


def _hashable(key):
    return key


def _restore_column(values, dtype: str, cats, reader):
    import pandas as pd

    if cats is not None:
        categories = decode(cats["values"], reader)
        return pd.Categorical.from_codes(
            np.asarray(values), categories=categories, ordered=cats["ordered"]
        )
    if isinstance(values, np.ndarray) and values.dtype != object:
        return values
    items = list(values.tolist()) if isinstance(values, np.ndarray) else list(values)
    if dtype == "object":
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out
    try:
        target = pd.api.types.pandas_dtype(dtype)
    except TypeError:
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out
    return pd.array(items, dtype=target)


# ---------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------
def file_checksum(path) -> str:
    """SHA-256 of a file, or of every file of a directory (paths and contents, in order)."""
    p = Path(path)
    h = hashlib.sha256()
    files = [p] if p.is_file() else sorted(f for f in p.rglob("*") if f.is_file())
    for f in files:
        if p.is_dir():
            h.update(str(f.relative_to(p)).encode() + b"\0")
        with open(f, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


class _HashingFile:
    """A write-only or read-only file wrapper that hashes what passes through."""

    def __init__(self, fh):
        self.fh = fh
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        data = memoryview(data).cast("B")
        self.sha.update(data)
        self.size += len(data)
        return self.fh.write(data)

    def read(self, n: int = -1) -> bytes:
        data = self.fh.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data

    def readinto(self, buf) -> int:  # pragma: no cover - numpy uses read()
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


def _write_array_part(zf: zipfile.ZipFile, name: str, arr: np.ndarray, parts: dict) -> None:
    """Stream ``arr`` as ``.npy`` into the archive (no copy of it in memory), hashing it."""
    with zf.open(name, "w", force_zip64=arr.nbytes > (1 << 30)) as member:
        hf = _HashingFile(member)
        np.lib.format.write_array(hf, arr, allow_pickle=False)
    parts[name] = {"sha256": hf.sha.hexdigest(), "size": hf.size}


def _session_tree(cmp, writer: _Writer, representations: str, reader_kwargs: dict | None) -> dict:
    reps = cmp.representations
    if representations not in ("embed", "reference"):
        raise ValueError(
            f"representations: expected 'embed' or 'reference', got {representations!r}"
        )
    if representations == "reference":
        source = reps.metadata.get("source")
        if not source or not Path(source).exists():
            raise SessionFileError(
                "cannot save the representations by reference: they were not read from a file "
                "(metadata['source'] is missing or gone); save them embedded"
            )
        rep_tree = {
            "mode": "reference",
            "source": str(Path(source).resolve()),
            "sha256": file_checksum(source),
            "reader_kwargs": encode(
                dict(reader_kwargs or reps.metadata.get("reader_kwargs", {}) or {}),
                writer,
                "reader_kwargs",
            ),
            "names": list(reps.names),
        }
    else:
        rep_tree = {"mode": "embedded", "value": encode(reps, writer, "representations")}
    attrs = {}
    for key, value in vars(cmp).items():
        if key.startswith("_") or key in _SKIP_ATTRS or inspect.isroutine(value):
            continue
        attrs[key] = encode(value, writer, key)
    return {"representations": rep_tree, "attributes": attrs}


def save_session(
    cmp,
    path,
    *,
    representations: str = "embed",
    reader_kwargs: dict | None = None,
    compress: bool = False,
) -> Path:
    """Save ``cmp`` to ``path`` (suffix ``.topoalign`` added when missing), atomically.

    Parameters
    ----------
    cmp : Comparison
    path : str or path-like
    representations : {"embed", "reference"}
        ``"embed"`` stores the arrays in the file; ``"reference"`` stores the path of the file
        they were read from (``representations.metadata["source"]``) with its SHA-256, which
        :func:`load_session` checks.
    reader_kwargs : dict, optional
        With ``"reference"``: the options to read the source again (default
        ``metadata["reader_kwargs"]`` or none).
    compress : bool
        Deflate the parts (smaller, slower); default stored.

    Returns
    -------
    Path
        The file written.
    """
    from .. import __version__
    from .writers import atomic_path

    p = Path(path)
    if p.suffix.lower() != SESSION_SUFFIX:
        p = p.with_name(p.name + SESSION_SUFFIX)
    writer = _Writer()
    tree = _session_tree(cmp, writer, representations, reader_kwargs)
    body = json.dumps(tree, allow_nan=False, separators=(",", ":")).encode("utf-8")
    parts: dict[str, dict] = {}
    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_path(p) as tmp:
        with (
            open(tmp, "wb") as raw,
            zipfile.ZipFile(raw, "w", compression=mode, allowZip64=True) as zf,
        ):
            for name, arr in writer.arrays.items():
                _write_array_part(zf, name, arr, parts)
            _write_part(zf, "session.json", body, parts)
            manifest = {
                "format": FORMAT,
                "schema_version": SCHEMA_VERSION,
                "package_version": __version__,
                "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
                "parts": parts,
            }
            zf.writestr("manifest.json", json.dumps(manifest, indent=1))
            zf.close()
            raw.flush()
    return p


def _write_part(zf: zipfile.ZipFile, name: str, data: bytes, parts: dict) -> None:
    zf.writestr(name, data)
    parts[name] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def read_manifest(path) -> dict:
    """The manifest of a session file (checked: format and schema version)."""
    p = Path(path)
    with _open_zip(p) as zf:
        return _manifest(p, zf)


def _open_zip(p: Path) -> zipfile.ZipFile:
    if not p.is_file():
        raise SessionFileError(f"{p}: no such session file")
    try:
        return zipfile.ZipFile(p)
    except zipfile.BadZipFile as err:
        raise SessionFileError(
            f"{p.name}: not a session file or truncated (not a complete zip archive: {err})"
        ) from err


def _manifest(p: Path, zf: zipfile.ZipFile) -> dict:
    try:
        manifest = json.loads(zf.read("manifest.json"))
    except KeyError:
        raise SessionFileError(
            f"{p.name}: missing part manifest.json (not a napari-topoalign session, or an interrupted save)"
        ) from None
    except (zipfile.BadZipFile, json.JSONDecodeError, UnicodeDecodeError, OSError) as err:
        raise SessionFileError(f"{p.name}: part manifest.json is damaged ({err})") from err
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise SessionFileError(
            f"{p.name}: not a napari-topoalign session (manifest format {manifest.get('format') if isinstance(manifest, dict) else None!r})"
        )
    version = manifest.get("schema_version")
    if not isinstance(version, int):
        raise SessionFileError(f"{p.name}: part manifest.json has no schema version")
    if version > SCHEMA_VERSION:
        raise SessionFileError(
            f"{p.name}: schema version {version} is newer than this napari-topoalign reads "
            f"({SCHEMA_VERSION}); update napari-topoalign (the file was written by version "
            f"{manifest.get('package_version', '?')})"
        )
    return manifest


def load_session(path, *, source=None):
    """Load a session saved by :func:`save_session`.

    Parameters
    ----------
    path : str or path-like
    source : str or path-like, optional
        For a session whose representations are stored by reference: read them from this
        file instead of the recorded path (the checksum is checked all the same).

    Returns
    -------
    Comparison

    Raises
    ------
    SessionFileError
        Not a session file, truncated, a newer schema, a missing or damaged part, or a
        referenced representation file that is missing or changed (its checksum differs);
        the message names the file and the part.
    """
    from ..model import Representations
    from ..session import Comparison

    p = Path(path)
    with _open_zip(p) as zf:
        manifest = _manifest(p, zf)
        parts = manifest.get("parts", {})
        present = set(zf.namelist())
        for name in parts:
            if name not in present:
                raise SessionFileError(f"{p.name}: missing part {name}")

        def part_bytes(name: str) -> bytes:
            if name not in parts:
                raise SessionFileError(f"{p.name}: part {name} is not listed in the manifest")
            if name not in present:
                raise SessionFileError(f"{p.name}: missing part {name}")
            try:
                data = zf.read(name)
            except (zipfile.BadZipFile, OSError, EOFError) as err:
                raise SessionFileError(f"{p.name}: part {name} is damaged ({err})") from err
            if hashlib.sha256(data).hexdigest() != parts[name].get("sha256"):
                raise SessionFileError(f"{p.name}: part {name} is damaged (checksum mismatch)")
            return data

        def load_part(name: str) -> np.ndarray:
            if name not in parts:
                raise SessionFileError(f"{p.name}: part {name} is not listed in the manifest")
            if name not in present:
                raise SessionFileError(f"{p.name}: missing part {name}")
            try:
                with zf.open(name) as member:
                    hf = _HashingFile(member)
                    arr = np.lib.format.read_array(hf, allow_pickle=False)
                    hf.drain()
            except ValueError as err:
                raise SessionFileError(
                    f"{p.name}: part {name} is not a plain array ({err})"
                ) from err
            except (zipfile.BadZipFile, OSError, EOFError) as err:
                raise SessionFileError(f"{p.name}: part {name} is damaged ({err})") from err
            if hf.sha.hexdigest() != parts[name].get("sha256"):
                raise SessionFileError(f"{p.name}: part {name} is damaged (checksum mismatch)")
            return arr

        try:
            tree = json.loads(part_bytes("session.json"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise SessionFileError(f"{p.name}: part session.json is damaged ({err})") from err
        reader = _Reader(p.name, load_part)
        try:
            rep_tree = tree["representations"]
            attrs = tree["attributes"]
        except (KeyError, TypeError):
            raise SessionFileError(
                f"{p.name}: part session.json lacks the representations or attributes"
            ) from None
        if rep_tree.get("mode") == "reference":
            reps = _load_reference(p, rep_tree, reader, source)
        else:
            try:
                reps = decode(rep_tree["value"], reader)
            except SessionFileError:
                raise
            except (ValueError, TypeError, KeyError) as err:
                raise SessionFileError(
                    f"{p.name}: the representations cannot be restored ({err})"
                ) from err
        if not isinstance(reps, Representations):
            raise SessionFileError(f"{p.name}: part session.json holds no representations")
        cmp = Comparison(reps)
        for key, value in attrs.items():
            try:
                decoded = decode(value, reader)
                current = getattr(cmp, key, None)
                if (
                    isinstance(current, dict)
                    and type(current) is not dict
                    and type(decoded) is dict
                ):
                    current.clear()  # keep the session's own dict type (e.g. callable results)
                    current.update(decoded)
                else:
                    setattr(cmp, key, decoded)
            except SessionFileError:
                raise
            except (ValueError, TypeError, KeyError) as err:
                raise SessionFileError(
                    f"{p.name}: attribute {key!r} cannot be restored ({err})"
                ) from err
    return cmp


def _load_reference(p: Path, rep_tree: dict, reader: _Reader, source) -> Any:
    from .readers import read_representations

    src = Path(source) if source is not None else Path(rep_tree["source"])
    if not src.exists():
        raise SessionFileError(
            f"{p.name}: the representations file {src} it refers to is missing "
            "(pass source= to load_session to point at where it is now)"
        )
    if file_checksum(src) != rep_tree["sha256"]:
        raise SessionFileError(
            f"{p.name}: the representations file {src} it refers to has changed since the session "
            "was saved (its checksum differs)"
        )
    kwargs = decode(rep_tree.get("reader_kwargs", {}), reader) or {}
    reps = read_representations(src, **kwargs)
    if list(reps.names) != list(rep_tree.get("names", reps.names)):
        raise SessionFileError(
            f"{p.name}: the representations file {src} gives {reps.names}, expected {rep_tree['names']}"
        )
    reps.metadata["reader_kwargs"] = kwargs
    return reps
