"""The "Matching regions" dock widget.

Choose two graphs and the parameters, press *Find regions*: the search
(:meth:`napari_topoalign.Comparison.find_regions`) runs in a background job with a progress
bar and a Cancel button; the regions are then drawn as Bubble Sets (one Shapes layer per
graph, one colour per region, the same in both graphs) and listed in a sortable table.
Clicking a row zooms to the pair and selects its nodes in both graphs (which selects their
inputs). No algorithm lives here.
"""

from __future__ import annotations

import numpy as np
from magicgui.widgets import (
    ComboBox,
    FloatSpinBox,
    PushButton,
    SpinBox,
)
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ._jobs import PairWidget, apply_specs
from ._regions_layers import (
    draw_regions,
    drawing_inputs,
    points_layer,
    region_colors,
    region_outlines,
)
from ._selection import select_nodes

__all__ = ["MatchingRegionsWidget", "COLUMNS"]

#: The table's columns (short, so that all fit a dock without a horizontal scroll bar; each
#: header's tooltip says what it is).
COLUMNS = ("#", "A", "B", "inputs", "overlap", "struct.", "score", "p")
COLUMN_HELP = (
    "rank by score (1 = best); the colour is the region's, the same in both graphs",
    "nodes of the region in graph A",
    "nodes of the region in graph B",
    "inputs shared by the two halves",
    "Jaccard index of the inputs of the two halves",
    "structural agreement of the two subgraphs (0 to 1)",
    "overlap x structure: regions are ranked by it",
    "permutation p-value of the score (n/a without permutations)",
)


class _Item(QTableWidgetItem):
    """A table cell that sorts by its numeric value (NaN last)."""

    def __init__(self, value, text: str | None = None):
        super().__init__(text if text is not None else str(value))
        self._value = float(value)
        self.setData(Qt.ItemDataRole.UserRole, float(value))
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)
        self.setTextAlignment(int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter))

    def __lt__(self, other):
        a, b = self._value, getattr(other, "_value", np.nan)
        if np.isnan(a):
            return False
        if np.isnan(b):
            return True
        return a < b


class MatchingRegionsWidget(PairWidget):
    """Find, draw and browse the structurally matching regions of two graphs.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer; the session is found with ``viewer._state.get_comparison``.
    comparison : Comparison, optional
        A session to use when the viewer holds none (scripts and tests).
    """

    def __init__(self, napari_viewer, comparison=None):
        super().__init__(napari_viewer, comparison)
        self._regions: list = []
        self._pair: tuple[str, str] | None = None

        self.graph_a = ComboBox(label="graph A", choices=self._names, name="graph_a")
        self.graph_b = ComboBox(label="graph B", choices=self._names, name="graph_b")
        self.min_size = SpinBox(label="min size", value=3, min=1, max=100_000, name="min_size")
        from ..align.regions import REGION_PARAMS

        spec = REGION_PARAMS["min_coupling"]
        self.min_coupling = FloatSpinBox(
            label="min coupling",
            value=spec.default,
            min=0.05,
            max=1.0,
            step=0.05,
            name="min_coupling",
            tooltip=spec.help,
        )
        self.n_permutations = SpinBox(
            label="permutations", value=100, min=0, max=100_000, name="n_permutations"
        )
        self.random_state = SpinBox(
            label="random seed", value=0, min=0, max=2**31 - 1, name="random_state"
        )
        self.find_button = PushButton(text="Find regions", name="find")
        self.extend(
            [
                self.graph_a,
                self.graph_b,
                self.min_size,
                self.min_coupling,
                self.n_permutations,
                self.random_state,
                self.find_button,
                *self.job_controls(),
            ]
        )
        from ..align import find_matching_regions

        self.specs = apply_specs(self, find_matching_regions)
        for name, tip in (
            ("graph_a", "the first graph (A)"),
            ("graph_b", "the second graph (B)"),
            (
                "find_button",
                "find the matching regions of A and B (in the background; Cancel stops it)",
            ),
            ("random_state", "seed of the permutations behind the p-values"),
        ):
            widget = getattr(self, name)
            widget.tooltip = widget.tooltip or tip
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        for col, tip in enumerate(COLUMN_HELP):
            self.table.horizontalHeaderItem(col).setToolTip(tip)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)  # all columns in view
        header.setMinimumSectionSize(24)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)  # best region first
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSortingEnabled(True)
        self.table.setMinimumHeight(140)
        self.native.layout().addWidget(self.table)
        self.table.cellClicked.connect(self._on_cell_clicked)

        self.find_button.changed.connect(self._on_find)
        self._pick_defaults()
        self.refresh_from_session()

    # -- helpers ----------------------------------------------------------------------------
    def reset_choices(self, *args) -> None:
        """Refresh the graph choices (napari calls this when layers change)."""
        super().reset_choices()
        self._pick_defaults()
        self.refresh_from_session()

    def refresh_from_session(self) -> None:
        """List the regions the session holds: those of the pair shown when the session
        has new ones for it, else (with nothing shown yet) those of its first pair. A widget
        opened after ``cmp.show()`` thus lists the session's regions at once."""
        cmp = self._comparison()
        if cmp is None or not cmp.correspondences or (self._worker is not None):
            return
        pair = self._pair if self._pair in cmp.correspondences else None
        if pair is None and self._regions:
            return  # the user's pair has no regions in this session: keep what is shown
        pair = pair or next(iter(cmp.correspondences))
        regions = cmp.correspondences[pair].regions
        if (
            pair == self._pair
            and len(regions) == len(self._regions)
            and all(x is y for x, y in zip(regions, self._regions))
        ):
            return
        a, b = pair
        if a not in self.graph_a.choices or b not in self.graph_b.choices:
            super().reset_choices()
        try:
            self.graph_a.value, self.graph_b.value = a, b
        except ValueError:
            return
        self._regions = list(regions)
        self._pair = (a, b)
        self._fill_table()
        self.status.value = f"{len(self._regions)} region(s) between {a} and {b} (best first)"

    @property
    def regions(self) -> list:
        """The regions shown in the table, ranked."""
        return list(self._regions)

    # -- find -------------------------------------------------------------------------------
    def _on_find(self, *args) -> None:
        from napari.utils.notifications import show_error

        self.reset_choices()
        cmp = self._comparison()
        if cmp is None or len(cmp.graphs) < 2:
            show_error(
                "Matching regions: needs two mapper graphs; build them first "
                "(Build mapper graphs: choose two or more representations, press Build)"
            )
            return
        a, b = self.graph_a.value, self.graph_b.value
        if a is None or b is None or a == b:
            show_error("Matching regions: choose two different graphs")
            return
        params = dict(
            min_size=int(self.min_size.value),
            min_coupling=float(self.min_coupling.value),
            n_permutations=int(self.n_permutations.value),
            random_state=int(self.random_state.value),
        )

        try:  # read on the GUI thread; the outlines are computed in the worker
            drawn = drawing_inputs(self._viewer, cmp, (a, b))
        except ValueError:
            drawn = None

        def run(progress):
            regions = cmp.find_regions(a, b, progress=progress, **params)
            outlines = None
            if drawn is not None:
                progress(1.0, "outlining the regions")
                outlines = region_outlines(cmp, a, b, regions, drawn)
            return regions, outlines

        def done(result):  # a drawing error is shown by the job runner, not raised
            regions, outlines = result
            self._show(cmp, a, b, regions, outlines=outlines)

        self.start(run, on_done=done, label=f"Finding regions between {a} and {b}")

    def show_correspondence(self, a: str, b: str) -> None:
        """Draw and list the regions the session already holds for graphs ``a`` and ``b``."""
        cmp = self._comparison()
        if cmp is None or (a, b) not in cmp.correspondences:
            raise KeyError(f"no matching regions between {a!r} and {b!r} in the session")
        self.reset_choices()
        self.graph_a.value, self.graph_b.value = a, b
        self._show(cmp, a, b, cmp.correspondences[(a, b)].regions)

    def _show(self, cmp, a: str, b: str, regions, *, outlines=None) -> None:
        self._regions = list(regions)
        self._pair = (a, b)
        draw_regions(self._viewer, cmp, a, b, self._regions, outlines=outlines)
        self._fill_table()
        self.status.value = (
            f"{len(self._regions)} region(s) between {a} and {b} (best first). "
            "Next: click a row to select its nodes and see their inputs."
        )

    def _fill_table(self) -> None:
        table = self.table
        table.setSortingEnabled(False)
        table.clearContents()
        table.setRowCount(len(self._regions))
        colours = region_colors(len(self._regions))
        for row, r in enumerate(self._regions):
            values = [
                (row + 1, str(row + 1)),
                (len(r.nodes_a), None),
                (len(r.nodes_b), None),
                (len(r.inputs), None),
                (r.overlap, f"{r.overlap:.2f}"),
                (r.structure, f"{r.structure:.2f}"),
                (r.score, f"{r.score:.2f}"),
                (r.p_value, "n/a" if np.isnan(r.p_value) else f"{r.p_value:.2g}"),
            ]
            for col, (value, text) in enumerate(values):
                item = _Item(value, text)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole + 1, row)  # the region's index
                    rgb = (np.asarray(colours[row][:3]) * 255).astype(int)
                    from qtpy.QtGui import QColor

                    item.setBackground(QColor(int(rgb[0]), int(rgb[1]), int(rgb[2])))
                    item.setForeground(QColor("black"))
                table.setItem(row, col, item)
        table.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        table.sortItems(0, Qt.SortOrder.AscendingOrder)  # best first
        # wide enough for every column's contents: the dock takes this width, no scroll bar
        header = table.horizontalHeader()
        needed = sum(
            max(table.sizeHintForColumn(c), header.sectionSizeHint(c))
            for c in range(table.columnCount())
        )
        table.setMinimumWidth(min(needed + 2 * table.frameWidth() + 4, 520))

    # -- browse -----------------------------------------------------------------------------
    def region_at_row(self, row: int) -> int:
        """The index (rank - 1) of the region shown in table row ``row`` (after sorting)."""
        item = self.table.item(row, 0)
        return int(item.data(Qt.ItemDataRole.UserRole + 1))

    def _on_cell_clicked(self, row: int, column: int) -> None:
        self.show_region(self.region_at_row(row))

    def show_region(self, index: int) -> None:
        """Zoom to region ``index`` in both graphs and select its nodes (and inputs)."""
        if self._pair is None or not 0 <= index < len(self._regions):
            return
        a, b = self._pair
        region = self._regions[index]
        self._zoom_to(region)
        _select(self._viewer, a, region.nodes_a)
        _select(self._viewer, b, region.nodes_b)

    def _zoom_to(self, region) -> None:
        a, b = self._pair
        corners = []
        for name, nodes in ((a, region.nodes_a), (b, region.nodes_b)):
            points = points_layer(self._viewer, name)
            if points is None or len(nodes) == 0:
                continue
            data = np.asarray(points.data, dtype=np.float64)[np.asarray(nodes, dtype=np.int64)]
            world = (
                data[:, -2:] * np.asarray(points.scale)[-2:] + np.asarray(points.translate)[-2:]
            )
            corners.append(world)
        if not corners:
            return
        pts = np.concatenate(corners)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        centre = 0.5 * (lo + hi)
        extent = np.maximum(hi - lo, 1e-9)
        camera = _camera(self._viewer)
        camera.center = (float(centre[0]), float(centre[1]))
        # leave room for the outlines around the nodes: a few node diameters on every side
        pad = 0.0
        for name in (a, b):
            points = points_layer(self._viewer, name)
            if points is not None and len(points.data):
                pad = max(pad, 3.0 * float(np.median(np.asarray(points.size, dtype=float))))
        extent = extent + 2 * pad
        zoom = 0.9 * min(_canvas_size(self._viewer) / extent)
        if np.isfinite(zoom) and zoom > 0:
            camera.zoom = float(zoom)


def _canvas_size(viewer) -> np.ndarray:
    from ._draw import canvas_size

    return canvas_size(viewer)


def _camera(viewer):
    from ._draw import camera

    return camera(viewer)


def _select(viewer, name: str, nodes) -> None:
    """Select ``nodes`` of graph ``name`` (and, through the selection module, their inputs)."""
    select_nodes(viewer, name, np.asarray(nodes, dtype=np.int64))
