"""Representations from a tree of named arrays (an HDF5 file or a zarr store): what is a
representation, what describes the inputs, and in which order they come."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..model import Representations
from ._common import RESERVED_KEYS, RepresentationFileError, assemble, pick_key, select

#: The attribute of a group that lists its representations in order (written by our writers).
ORDER_ATTR = "topoalign_names"


def natural_key(name: str):
    """Sort key that puts ``layer2`` before ``layer10``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def from_tree(
    fname: str,
    entries: Mapping[str, Any],
    load: Callable[[str, Any], np.ndarray],
    *,
    kind: Callable[[Any], str],
    order: list[str] | None,
    names=None,
    label_key: str | None = None,
    text_key: str | None = None,
    id_key: str | None = None,
    flatten: bool = False,
    metadata: dict | None = None,
) -> Representations:
    """Assemble representations from ``entries`` (relative path -> array object).

    ``kind(obj)`` says what an entry is: ``"numeric"``, ``"string"`` or ``"other: reason"``;
    ``load(path, obj)`` gives its values (a memory map where possible). Two-dimensional numeric
    entries are representations (more dimensions with ``flatten``); the reserved top-level
    names (``labels``, ``ids``, ``texts``, ``images``) and the keys given describe the inputs.
    """
    top = [k for k in entries if "/" not in k]
    lk = pick_key(top, label_key, "labels", fname, param="label_key")
    tk = pick_key(top, text_key, "texts", fname, param="text_key")
    ik = pick_key(top, id_key, "ids", fname, param="id_key")
    described = {k for k in (lk, tk, ik) if k} | {k for k in RESERVED_KEYS if k in top}
    candidates: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for path, obj in entries.items():
        if path in described:
            continue
        what = kind(obj)
        shape = tuple(obj.shape)
        if what != "numeric":
            reason = what[len("other: ") :] if what.startswith("other: ") else f"{what} values"
            skipped[path] = reason
        elif len(shape) == 2 or (len(shape) > 2 and flatten):
            candidates[path] = obj
        else:
            skipped[path] = f"shape {shape}" + (
                "; pass flatten=True to flatten it per input" if len(shape) > 2 else ""
            )
    if names is not None:
        wanted = [names] if isinstance(names, str) else list(names)
        for n in wanted:
            if n not in candidates and n in entries:
                reason = skipped.get(n, "describes the inputs")
                raise RepresentationFileError(f"{fname}: {n!r} is not a representation ({reason})")
        skipped = {}
    if order:
        ranked = [n for n in order if n in candidates] + sorted(
            (n for n in candidates if n not in order), key=natural_key
        )
    else:
        ranked = sorted(candidates, key=natural_key)
    candidates = {n: candidates[n] for n in ranked}
    if not candidates and names is None:
        raise RepresentationFileError(
            f"{fname}: holds no readable representation (an (n_inputs, n_features) array of numbers)"
            + (f"; found {skipped}" if skipped else "; it is empty")
        )
    chosen = select(candidates, names, fname)
    arrays = {}
    for n, obj in chosen.items():
        arr = load(n, obj)
        if arr.ndim > 2:
            arr = np.asarray(arr).reshape(arr.shape[0], -1)
        arrays[n] = arr

    def extra(key):
        if not key:
            return None
        return load(key, entries[key])

    images = extra("images" if "images" in top else None)
    return assemble(
        fname,
        arrays,
        ids=extra(ik),
        labels=extra(lk),
        texts=extra(tk),
        images=images,
        metadata=metadata,
        skipped=skipped,
    )
