"""Writers: representations (by suffix), graphs (node-link JSON, KeplerMapper JSON and HTML),
regions and node tables (CSV).

Every writer writes atomically (a temporary file in the target's directory, then a rename), so
a failure never leaves a half-written file in place of a good one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..model import MapperGraph, Representations

__all__ = [
    "write_representations",
    "write_graph",
    "write_graph_json",
    "write_kmapper_json",
    "write_kmapper_html",
    "write_node_table",
    "write_regions",
    "regions_table",
    "atomic_path",
    "REPRESENTATION_WRITERS",
]

#: suffix -> (module, function) of the representation writers.
REPRESENTATION_WRITERS = {
    ".npz": (".npz", "write_npz"),
    ".h5": (".hdf5", "write_hdf5"),
    ".hdf5": (".hdf5", "write_hdf5"),
    ".h5ad": (".h5ad", "write_h5ad"),
    ".zarr": (".zarr_file", "write_zarr"),
    ".safetensors": (".safetensors_file", "write_safetensors"),
    ".csv": (".table", "write_table"),
    ".parquet": (".table", "write_table"),
}


class atomic_path:
    """Context manager giving a temporary path beside ``path``; on success it replaces
    ``path`` (``os.replace``, after an fsync), on failure it is removed and ``path`` stays as
    it was. Directories (zarr stores) are replaced by a rename too."""

    def __init__(self, path, *, directory: bool = False):
        self.path = Path(path)
        self.directory = directory

    def __enter__(self) -> Path:
        parent = self.path.parent if str(self.path.parent) else Path(".")
        if not parent.is_dir():
            raise FileNotFoundError(f"{self.path}: the folder {parent} does not exist")
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".tmp" + self.path.suffix, dir=parent
        )
        os.close(fd)
        self.tmp = Path(tmp)
        if self.directory:
            self.tmp.unlink()
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            _remove(self.tmp)
            return False
        if not self.directory:
            with open(self.tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(self.tmp, self.path)
        else:
            old = None
            if self.path.exists():
                old = self.path.with_name(f".{self.path.name}.old{os.getpid()}")
                os.replace(self.path, old)
            os.replace(self.tmp, self.path)
            if old is not None:
                _remove(old)
        _fsync_dir(self.path.parent)
        return False


def _remove(path: Path) -> None:
    import shutil

    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        try:
            path.unlink()
        except FileNotFoundError:
            pass


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(str(folder) or ".", os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_representations(path, representations: Representations, **kwargs) -> Path:
    """Write representations to a file chosen by its suffix: ``.npz`` (default compressed;
    ``compress=False`` for members that are memory-mapped when read), ``.h5``/``.hdf5``,
    ``.h5ad``, ``.zarr``, ``.safetensors``, ``.csv``/``.parquet`` (one representation:
    ``name=``). Every file is read back by :func:`napari_topoalign.io.read_representations`."""
    import importlib

    if not isinstance(representations, Representations):
        raise TypeError(
            f"representations: expected Representations, got {type(representations).__name__}"
        )
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in REPRESENTATION_WRITERS:
        raise ValueError(
            f"path: cannot write representations as {suffix or 'a file without suffix'}; "
            f"use one of {list(REPRESENTATION_WRITERS)}"
        )
    module, name = REPRESENTATION_WRITERS[suffix]
    fn = getattr(importlib.import_module(module, __package__), name)
    with atomic_path(p, directory=suffix == ".zarr") as tmp:  # tmp ends with the suffix
        fn(tmp, representations, **kwargs)
    return p


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def _write_text(path, text: str) -> Path:
    p = Path(path)
    with atomic_path(p) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return p


def write_graph_json(path, graph: MapperGraph) -> Path:
    """Node-link JSON of ``graph`` (:meth:`MapperGraph.to_node_link`; read back with
    :func:`read_graph_json`)."""
    if not isinstance(graph, MapperGraph):
        raise TypeError(f"graph: expected a MapperGraph, got {type(graph).__name__}")
    return _write_text(path, json.dumps(graph.to_node_link(), default=_json_default))


def read_graph_json(path) -> MapperGraph:
    """A graph from node-link JSON (:func:`write_graph_json`) or from KeplerMapper's graph
    dictionary as JSON (:func:`write_kmapper_json`, ``n_inputs`` taken from its metadata)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{p.name}: not a readable JSON graph ({err})") from err
    if isinstance(data, dict) and "links" in data and isinstance(data["links"], list):
        return MapperGraph.from_node_link(data)
    if isinstance(data, dict) and isinstance(data.get("nodes"), dict):
        meta = data.get("meta_data", {}) or {}
        n = meta.get("n_inputs")
        if n is None:
            members = [m for v in data["nodes"].values() for m in v]
            n = (max(members) + 1) if members else 0
        return MapperGraph.from_kmapper(data, int(n), name=str(meta.get("name", p.stem)))
    raise ValueError(f"{p.name}: neither node-link JSON nor a KeplerMapper graph dictionary")


def write_kmapper_json(path, graph: MapperGraph) -> Path:
    """KeplerMapper's graph dictionary (:meth:`MapperGraph.to_kmapper`) as JSON, with
    ``meta_data["n_inputs"]`` and ``meta_data["name"]`` added so that it reads back."""
    data = graph.to_kmapper()
    data["meta_data"] = dict(data.get("meta_data", {}), n_inputs=graph.n_inputs, name=graph.name)
    return _write_text(path, json.dumps(data, default=_json_default))


def write_kmapper_html(
    path, graph: MapperGraph, *, title: str | None = None, color_values=None, X=None, lens=None
) -> Path:
    """KeplerMapper's own interactive HTML of ``graph`` (needs kmapper). ``color_values``
    (one per input) colour the nodes, as in ``KeplerMapper.visualize``."""
    try:
        import kmapper
    except ImportError as err:  # pragma: no cover - kmapper is a base dependency
        raise ImportError("writing KeplerMapper HTML needs kmapper (pip install kmapper)") from err
    import warnings

    if graph.n_nodes == 0:
        raise ValueError(
            f"graph {graph.name!r}: has no nodes; KeplerMapper cannot draw an empty graph"
        )
    p = Path(path)
    with atomic_path(p) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kmapper.KeplerMapper(verbose=0).visualize(
            graph.to_kmapper(),
            path_html=str(tmp),
            title=title or (graph.name or "mapper graph"),
            color_values=color_values
            if color_values is not None
            else np.arange(graph.n_inputs, dtype=float),
            color_function_name="input index" if color_values is None else "colour",
            X=X,
            lens=lens,
            save_file=True,
        )
    return p


def write_graph(path, graph: MapperGraph, **kwargs) -> Path:
    """Write ``graph`` by suffix: ``.json`` node-link, ``.kmapper.json`` KeplerMapper's
    dictionary, ``.html`` KeplerMapper's HTML, ``.csv`` the node table."""
    name = Path(path).name.lower()
    if name.endswith(".kmapper.json"):
        return write_kmapper_json(path, graph)
    if name.endswith(".json"):
        return write_graph_json(path, graph)
    if name.endswith(".html"):
        return write_kmapper_html(path, graph, **kwargs)
    if name.endswith(".csv"):
        return write_node_table(path, graph)
    raise ValueError(
        f"path: graphs are written as .json, .kmapper.json, .html or .csv, got {Path(path).name!r}"
    )


def write_node_table(path, graph: MapperGraph, *, members: bool = True) -> Path:
    """The node table of ``graph`` as CSV, one row per node, with a ``members`` column
    (the node's input indices, space-separated) when ``members``."""
    table = graph.nodes.copy()
    if members:
        table["members"] = [
            " ".join(map(str, graph.node_members(i))) for i in range(graph.n_nodes)
        ]
    p = Path(path)
    with atomic_path(p) as tmp:
        table.to_csv(tmp, index=True)
    return p


def regions_table(correspondences: Mapping[Any, Any]) -> pd.DataFrame:
    """One row per matching region of every correspondence: the two graphs, the rank, the
    node sets and shared inputs (space-separated), and every score."""
    rows = []
    for key, corr in correspondences.items():
        a, b = (corr.graph_a, corr.graph_b) if hasattr(corr, "graph_a") else key
        for rank, r in enumerate(corr.regions, start=1):
            row = {"graph_a": a, "graph_b": b, "rank": rank}
            row["nodes_a"] = " ".join(map(str, np.asarray(r.nodes_a).tolist()))
            row["nodes_b"] = " ".join(map(str, np.asarray(r.nodes_b).tolist()))
            row["inputs"] = " ".join(map(str, np.asarray(r.inputs).tolist()))
            row["n_inputs"] = len(r.inputs)
            for field in (
                "kind",
                "score",
                "overlap",
                "matched",
                "structure",
                "p_value",
                "statistic",
            ):
                if hasattr(r, field):
                    row[field] = getattr(r, field)
            if hasattr(r, "differences"):
                row["differences"] = "; ".join(r.differences)
            rows.append(row)
    columns = ["graph_a", "graph_b", "rank", "nodes_a", "nodes_b", "inputs", "n_inputs"]
    return pd.DataFrame(rows, columns=None if rows else columns)


def write_regions(path, correspondences: Mapping[Any, Any]) -> Path:
    """The matching regions (:func:`regions_table`) as CSV."""
    p = Path(path)
    with atomic_path(p) as tmp:
        regions_table(correspondences).to_csv(tmp, index=False)
    return p
