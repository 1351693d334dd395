"""The viewer side: the only package that imports napari and Qt.

- graph layers (:mod:`._graph_layers`): a Points layer for the nodes and a Vectors layer for
  the edges of each mapper graph;
- linked inputs (:mod:`._selection`): selecting nodes shows and lists their inputs and
  highlights the nodes of the other graphs that hold them;
- dock widgets: *Build mapper graphs*, *Joint layout*, *Matching regions*, *Inputs*,
  *Legend*; the figure export (File > IO Utilities);
- the npe2 hooks: the digits sample and the reader of ``.npy``/``.npz`` representation files.

Names are imported on first use, so that importing the package stays cheap.
"""

from __future__ import annotations

from .._lazy import lazy_names

_LAZY = {
    "show_comparison": "._draw",
    "draw_comparison": "._draw",
    "BuildMapperWidget": "._build_widget",
    "JointLayoutWidget": "._layout_widget",
    "MatchingRegionsWidget": "._regions_widget",
    "MotifQueryWidget": "._motif_widget",
    "InputsWidget": "._inputs_widget",
    "LegendWidget": "._legend_widget",
    "fit_view": "._draw",
    "set_arrangement": "._draw",
    "color_graphs_by": "._graph_layers",
    "export_figure": "._figure_export",
    "LayerTopologyWidget": "._topology_widget",
    "AlignmentScoresWidget": "._scores_widget",
    "get_comparison": "._state",
    "set_comparison": "._state",
    "select_nodes": "._selection",
    "select_inputs": "._selection",
    "current_selection": "._selection",
    "make_digits_sample": "._hooks",
    "get_reader": "._hooks",
}

__getattr__, __dir__, __all__ = lazy_names(__name__, _LAZY)
