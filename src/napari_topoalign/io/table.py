"""Tables (``.csv``, ``.parquet``; parquet needs pyarrow from the ``io`` extra).

One row per input. The numeric columns form one representation (named ``name``, by default
the file's stem; ``columns`` picks them). A label, a text and an id column are chosen by name
(``label_key``, ``text_key``, ``id_key``; by default columns called ``label``/``labels``,
``text``/``texts``, ``id``/``ids`` when there are such). Any other column that is not made of
numbers is an error naming it (name it as one of the keys, or leave it out with ``columns``).
A csv's unnamed first column (an index written by pandas) is used as the ids.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..model import Representations
from ._common import RepresentationFileError, as_path, assemble, optional_import, pick_key

__all__ = ["read_table", "write_table"]

SUFFIXES = (".csv", ".parquet")


def _load(p: Path) -> pd.DataFrame:
    if p.suffix.lower() == ".parquet":
        optional_import("pyarrow", "reading parquet files")
        try:
            return pd.read_parquet(p)
        except Exception as err:  # pyarrow raises its own error types
            raise RepresentationFileError(
                f"{p.name}: not a readable parquet file ({err})"
            ) from err
    try:
        return pd.read_csv(p, float_precision="round_trip")
    except pd.errors.EmptyDataError as err:
        raise RepresentationFileError(f"{p.name}: is empty") from err
    except pd.errors.ParserError as err:
        raise RepresentationFileError(
            f"{p.name}: rows of different lengths (ragged data): {err}"
        ) from err
    except UnicodeDecodeError as err:
        raise RepresentationFileError(f"{p.name}: not a text (csv) file ({err})") from err


def read_table(
    path,
    *,
    name: str | None = None,
    columns=None,
    label_key: str | None = None,
    text_key: str | None = None,
    id_key: str | None = None,
) -> Representations:
    """One representation from a csv or parquet table (see the module docstring)."""
    p = as_path(path, SUFFIXES)
    df = _load(p)
    if df.shape[1] == 0 or df.shape[0] == 0:
        raise RepresentationFileError(f"{p.name}: holds no rows or no columns (shape {df.shape})")
    df.columns = [str(c) for c in df.columns]
    ids = None
    if p.suffix.lower() == ".csv" and df.columns[0].startswith("Unnamed: 0") and id_key is None:
        ids = df.pop(df.columns[0]).to_numpy()
    cols = list(df.columns)
    lk = pick_key(cols, label_key, "labels", p.name, param="label_key")
    tk = pick_key(cols, text_key, "texts", p.name, param="text_key")
    ik = pick_key(cols, id_key, "ids", p.name, param="id_key")
    described = [k for k in (lk, tk, ik) if k]
    if columns is not None:
        columns = [columns] if isinstance(columns, str) else [str(c) for c in columns]
        missing = [c for c in columns if c not in cols]
        if missing:
            raise RepresentationFileError(f"{p.name}: no column {missing[0]!r}; columns: {cols}")
        clash = [c for c in columns if c in described]
        if clash:
            raise RepresentationFileError(
                f"{p.name}: column {clash[0]!r} is both a feature and a key column"
            )
        features = columns
    else:
        features = [c for c in cols if c not in described]
    if not features:
        raise RepresentationFileError(
            f"{p.name}: holds no numeric column to read as a representation"
        )
    for c in features:
        col = df[c]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            values = pd.to_numeric(col, errors="coerce")
            bad = np.flatnonzero(values.isna().to_numpy() & col.notna().to_numpy())
            where = f" (row {int(bad[0])}: {col.iloc[int(bad[0])]!r})" if len(bad) else ""
            raise RepresentationFileError(
                f"{p.name}: column {c!r} is not numeric{where}; name it with label_key=, text_key= or "
                "id_key=, or pick the feature columns with columns="
            )
    X = (
        df[features].to_numpy(dtype=np.float64)
        if any(not pd.api.types.is_float_dtype(df[c]) for c in features)
        else df[features].to_numpy()
    )
    if ik:
        ids = df[ik].to_numpy()
    texts = None
    if tk:
        texts = ["" if pd.isna(v) else str(v) for v in df[tk]]
    labels = df[lk].to_numpy() if lk else None
    if labels is not None and labels.dtype == object:
        labels = np.asarray(["" if pd.isna(v) else str(v) for v in labels])
    return assemble(
        p.name,
        {name or p.stem: X},
        ids=ids,
        labels=labels,
        texts=texts,
        metadata={"source": str(p), "format": p.suffix.lower()[1:], "columns": features},
    )


def write_table(path, representations: Representations, *, name: str | None = None) -> Path:
    """Write one representation (``name``, default the only one) as a csv or parquet table
    with ``id``, ``label`` and ``text`` columns and one column per feature (``f0``, ``f1``, ...)."""
    names = representations.names
    if name is None:
        if len(names) != 1:
            raise ValueError(f"name: a table holds one representation; choose one of {names}")
        name = names[0]
    X = representations[name]
    df = pd.DataFrame({"id": np.asarray(representations.ids)})
    if representations.labels is not None:
        df["label"] = np.asarray(representations.labels)
    if representations.texts is not None:
        df["text"] = representations.texts
    features = pd.DataFrame(np.asarray(X), columns=[f"f{j}" for j in range(X.shape[1])])
    df = pd.concat([df, features], axis=1)
    p = Path(path)
    if p.suffix.lower() == ".parquet":
        optional_import("pyarrow", "writing parquet files")
        df.to_parquet(p, index=False)
    elif p.suffix.lower() == ".csv":
        df.to_csv(p, index=False, float_format="%.17g")
    else:
        raise ValueError(f"path: tables are written as .csv or .parquet, got {p.name!r}")
    return p
