"""Reading and writing representations, graphs, regions and sessions.

- :func:`read_representations` reads ``.npy``, ``.npz``, ``.h5``/``.hdf5``, ``.h5ad``,
  ``.zarr``, ``.safetensors``, ``.csv`` and ``.parquet`` (see :mod:`.readers`);
- :func:`write_representations` writes the same formats;
- graphs: :func:`write_graph` (node-link JSON, KeplerMapper JSON and HTML, node-table CSV),
  :func:`read_graph_json`; regions: :func:`write_regions`;
- sessions: :func:`save_session` / :func:`load_session` (also ``Comparison.save``/``load``),
  see :mod:`.session_file`.

The optional formats need the ``io`` extra (h5py, zarr, anndata, safetensors, pyarrow); each
library is imported only when its format is read or written.
"""

from ._common import RESERVED_KEYS, RepresentationFileError
from .readers import READERS, SUFFIXES, read_representations
from .session_file import SESSION_SUFFIX, SessionFileError, load_session, save_session
from .writers import (
    read_graph_json,
    regions_table,
    write_graph,
    write_graph_json,
    write_kmapper_html,
    write_kmapper_json,
    write_node_table,
    write_regions,
    write_representations,
)

__all__ = [
    "read_representations",
    "write_representations",
    "RepresentationFileError",
    "RESERVED_KEYS",
    "READERS",
    "SUFFIXES",
    "write_graph",
    "write_graph_json",
    "read_graph_json",
    "write_kmapper_json",
    "write_kmapper_html",
    "write_node_table",
    "write_regions",
    "regions_table",
    "save_session",
    "load_session",
    "SessionFileError",
    "SESSION_SUFFIX",
]
