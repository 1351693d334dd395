"""The "Motif query" dock widget.

Choose two graphs and a motif: a built-in one (its parameter controls are made from the
motif's declared parameter specs) or a pattern, typed as an edge list (``0-1, 1-2, 2-0``) or
drawn as paths over the nodes of graph A in the *motif pattern* Shapes layer (each vertex
snaps to its nearest node). *Find motifs* runs
:meth:`napari_topoalign.Comparison.query_motif` in a background job (progress, Cancel); the
instances of both graphs are listed with their status (preserved / broken / new). Clicking a
row zooms to the instance and its counterpart and draws their membranes
(:func:`napari_topoalign.shapes.membrane`): the walls as paths in the *motif membranes*
Shapes layer, the pores as the *motif pores* Points layer. No algorithm lives here.
"""

from __future__ import annotations

import numpy as np
from magicgui.widgets import (
    ComboBox,
    Container,
    LineEdit,
    PushButton,
)
from qtpy.QtCore import Qt
from qtpy.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ._controls import control_value, spec_control
from ._jobs import PairWidget
from ._regions_layers import points_layer
from ._regions_widget import _camera, _canvas_size

__all__ = [
    "MotifQueryWidget",
    "COLUMNS",
    "PATTERN",
    "PATTERN_LAYER",
    "MEMBRANE_LAYER",
    "PORES_LAYER",
    "parse_edge_list",
]

COLUMNS = ("rank", "status", "graph", "nodes", "inputs", "match", "crossing", "counterpart")
PATTERN = "pattern"
PATTERN_LAYER = "motif pattern"
MEMBRANE_LAYER = "motif membranes"
PORES_LAYER = "motif pores"
STATUS_COLOURS = {"preserved": (85, 168, 104), "broken": (196, 78, 82), "new": (76, 114, 176)}
INSTANCE_COLOUR = np.array([0.87, 0.52, 0.32, 1.0])
COUNTERPART_COLOUR = np.array([0.30, 0.45, 0.69, 1.0])
PORE_COLOUR = np.array([0.77, 0.31, 0.32, 1.0])


def parse_edge_list(text: str) -> list[tuple[int, int]]:
    """``"0-1, 1-2 2-0"`` (or ``"0 1; 1 2"``) -> ``[(0, 1), (1, 2), (2, 0)]``."""
    text = text.strip()
    if not text:
        return []
    out = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        bits = part.replace("-", " ").split()
        if len(bits) == 2:
            try:
                out.append((int(bits[0]), int(bits[1])))
                continue
            except ValueError:
                pass
        if len(bits) > 2 and len(bits) % 2 == 0:  # "0 1 1 2" without commas
            try:
                vals = [int(b) for b in bits]
                out.extend(zip(vals[0::2], vals[1::2]))
                continue
            except ValueError:
                pass
        raise ValueError(f"edge list: cannot read {part!r}; write pairs like '0-1, 1-2'")
    return out


class _Item(QTableWidgetItem):
    def __init__(self, text: str, value=None):
        super().__init__(text)
        self._value = value
        self.setFlags(self.flags() & ~Qt.ItemFlag.ItemIsEditable)

    def __lt__(self, other):
        a, b = self._value, getattr(other, "_value", None)
        if a is not None and b is not None:
            return a < b
        return self.text() < other.text()


class MotifQueryWidget(PairWidget):
    """Find a motif in two graphs, list its instances, show their membranes.

    Parameters
    ----------
    napari_viewer : napari.Viewer
    comparison : Comparison, optional
        A session to use when the viewer holds none (scripts and tests).
    """

    def __init__(self, napari_viewer, comparison=None):
        from .._utils.params import param_specs
        from ..align.motifs import MOTIFS, find_motifs

        super().__init__(napari_viewer, comparison)
        self._query = None  # the MotifComparison shown
        self.graph_a = ComboBox(label="graph A", choices=self._names, name="graph_a")
        self.graph_b = ComboBox(label="graph B", choices=self._names, name="graph_b")
        self.motif = ComboBox(
            label="motif", choices=MOTIFS.names() + [PATTERN], value="loop", name="motif"
        )
        self.params = Container(name="motif_params", labels=True)
        self.edge_list = LineEdit(
            label="pattern edges",
            value="",
            name="edge_list",
            tooltip="a pattern as an edge list, e.g. 0-1, 1-2, 2-0; empty: use the paths drawn in the 'motif pattern' layer",
        )
        self.draw_button = PushButton(text="Draw pattern over graph A", name="draw_pattern")
        specs = param_specs(find_motifs)
        self.time_limit = spec_control("time_limit", specs["time_limit"])
        self.max_instances = spec_control("max_instances", specs["max_instances"])
        self.find_button = PushButton(text="Find motifs", name="find")
        self.extend(
            [
                self.graph_a,
                self.graph_b,
                self.motif,
                self.params,
                self.edge_list,
                self.draw_button,
                self.time_limit,
                self.max_instances,
                self.find_button,
                *self.job_controls(),
            ]
        )
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setSortingEnabled(True)
        self.table.setMinimumHeight(200)
        self.native.layout().addWidget(self.table)
        self.table.cellClicked.connect(self._on_cell_clicked)

        self.motif.changed.connect(self._on_motif)
        self.find_button.changed.connect(self._on_find)
        self.draw_button.changed.connect(self.start_drawing)
        self._on_motif()
        self._pick_defaults()

    # -- helpers ----------------------------------------------------------------------------
    def reset_choices(self, *args) -> None:
        super().reset_choices()
        self._pick_defaults()

    def _on_motif(self, *args) -> None:
        """Rebuild the parameter controls from the chosen motif's declared specs."""
        from ..align.motifs import motif_params

        name = self.motif.value
        specs = motif_params([(0, 1)] if name == PATTERN else name)
        self.params.clear()
        for key, spec in specs.items():
            self.params.append(spec_control(key, spec))
        is_pattern = name == PATTERN
        self.edge_list.visible = is_pattern
        self.draw_button.visible = is_pattern

    def motif_values(self) -> dict:
        """The parameters of the chosen motif as set in the controls."""
        return {w.name: control_value(w) for w in self.params}

    @property
    def query(self):
        """The :class:`~napari_topoalign.align.motifs.MotifComparison` shown, or None."""
        return self._query

    # -- patterns -----------------------------------------------------------------------------
    def start_drawing(self, *args):
        """Add (or select) the *motif pattern* Shapes layer in path mode, over graph A."""
        viewer = self._viewer
        if PATTERN_LAYER in viewer.layers:
            layer = viewer.layers[PATTERN_LAYER]
        else:
            layer = viewer.add_shapes(
                None,
                ndim=2,
                shape_type="path",
                name=PATTERN_LAYER,
                edge_color="#dd8452",
                edge_width=_line_width(viewer, self.graph_a.value),
                face_color="transparent",
            )
        viewer.layers.selection.active = layer
        layer.mode = "add_path"
        self.motif.value = PATTERN
        return layer

    def pattern(self):
        """The pattern to search: the typed edge list, else the paths drawn in the *motif
        pattern* layer snapped to the nodes of graph A."""
        from ..align.motifs import pattern_from_paths

        edges = parse_edge_list(self.edge_list.value)
        if edges:
            return edges
        layer = (
            self._viewer.layers[PATTERN_LAYER] if PATTERN_LAYER in self._viewer.layers else None
        )
        paths = []
        if layer is not None:
            paths = [_world(layer, np.asarray(d)[:, -2:]) for d in layer.data]
        if not paths:
            raise ValueError(
                "type the pattern's edges (e.g. 0-1, 1-2, 2-0) or draw it over graph A"
            )
        points = points_layer(self._viewer, self.graph_a.value)
        if points is None:
            raise ValueError(
                f"graph {self.graph_a.value!r} is not drawn: cannot snap the drawn pattern"
            )
        return pattern_from_paths(_world(points, np.asarray(points.data)[:, -2:]), paths).tolist()

    # -- find -------------------------------------------------------------------------------
    def _on_find(self, *args) -> None:
        from napari.utils.notifications import show_error

        self.reset_choices()
        cmp = self._comparison()
        if cmp is None or len(cmp.graphs) < 2:
            show_error("Motif query: build at least two mapper graphs first")
            return
        a, b = self.graph_a.value, self.graph_b.value
        if a is None or b is None or a == b:
            show_error("Motif query: choose two different graphs")
            return
        try:
            motif = self.pattern() if self.motif.value == PATTERN else self.motif.value
        except ValueError as exc:
            show_error(f"Motif query: {exc}")
            self.status.value = f"failed: {exc}"
            return
        params = self.motif_values()
        params["time_limit"] = float(self.time_limit.value)
        params["max_instances"] = int(self.max_instances.value)

        def run(progress):
            return cmp.query_motif(motif, a, b, progress=progress, **params)

        self.start(run, on_done=self._show, label=f"Finding motifs in {a} and {b}")

    def _show(self, query) -> None:
        self._query = query
        self._fill_table()
        c = query.counts()
        text = f"{len(query.table)} instance(s): {c['preserved']} preserved, {c['broken']} broken, {c['new']} new"
        cuts = [
            f"{r.graph or g} cut by {r.reason.replace('_', ' ')}"
            for g, r in ((query.graph_a, query.result_a), (query.graph_b, query.result_b))
            if r.truncated
        ]
        if cuts:
            text += " (search " + "; ".join(cuts) + ": there may be more)"
        self.status.value = text

    def _fill_table(self) -> None:
        from qtpy.QtGui import QColor

        table = self.table
        frame = self._query.table
        table.setSortingEnabled(False)
        table.clearContents()
        table.setRowCount(len(frame))
        for row, rec in enumerate(frame.itertuples(index=False)):
            cp = f"{rec.counterpart_graph}: {_short(rec.counterpart_nodes)}"
            cells = [
                (str(rec.rank), int(rec.rank)),
                (rec.status, None),
                (rec.graph, None),
                (_short(rec.nodes), len(rec.nodes)),
                (str(rec.n_inputs), int(rec.n_inputs)),
                (f"{rec.match:.2f}", float(rec.match)),
                (f"{rec.crossing:.2f}", float(rec.crossing)),
                (cp, None),
            ]
            for col, (text, value) in enumerate(cells):
                item = _Item(text, value)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole + 1, row)
                if col == 1:
                    r, g, b = STATUS_COLOURS.get(rec.status, (128, 128, 128))
                    item.setBackground(QColor(r, g, b, 110))
                table.setItem(row, col, item)
        table.setSortingEnabled(True)

    # -- browse -----------------------------------------------------------------------------
    def row_of(self, table_row: int) -> int:
        """The index into ``query.table`` of table row ``table_row`` (after sorting)."""
        return int(self.table.item(table_row, 0).data(Qt.ItemDataRole.UserRole + 1))

    def _on_cell_clicked(self, row: int, column: int) -> None:
        self.show_instance(self.row_of(row))

    def show_instance(self, index: int) -> dict:
        """Zoom to row ``index`` of the table (its instance and counterpart) and draw their
        membranes. Returns ``{graph name: Membrane}``."""
        from ..align.motifs import crossing_shares
        from ..shapes import membrane

        if self._query is None or not 0 <= index < len(self._query.table):
            return {}
        cmp = self._comparison()
        q = self._query
        rec = q.table.iloc[index]
        own, other = rec["graph"], rec["counterpart_graph"]
        g_own, g_other = cmp.graphs[own], cmp.graphs[other]
        res_own = q.result_a if own == q.graph_a else q.result_b
        res_other = q.result_b if own == q.graph_a else q.result_a
        nodes = np.asarray(rec["nodes"], dtype=np.int64)
        edges = res_own.instances[int(rec["instance"])].edges
        cp = np.asarray(rec["counterpart_nodes"], dtype=np.int64)
        if int(rec["counterpart_instance"]) >= 0:
            cp_edges = res_other.instances[int(rec["counterpart_instance"])].edges
        else:
            is_cp = np.zeros(g_other.n_nodes, dtype=bool)
            is_cp[cp] = True
            e = g_other.edges
            cp_edges = e[is_cp[e[:, 0]] & is_cp[e[:, 1]]] if len(e) else e
        out = {}
        parts = []
        for name, graph, other_graph, ns, es, colour in (
            (own, g_own, g_other, nodes, edges, INSTANCE_COLOUR),
            (other, g_other, g_own, cp, cp_edges, COUNTERPART_COLOUR),
        ):
            points = points_layer(self._viewer, name)
            if points is None or len(ns) == 0:
                continue
            pos = _world(points, np.asarray(points.data, dtype=np.float64)[:, -2:])
            shares = crossing_shares(graph, ns, other_graph)
            m = membrane(pos, ns, es, shares, padding=_padding(points, pos))
            out[name] = m
            parts.append((m, colour, pos[ns]))
        self._draw(parts)
        self._zoom([p for _, _, p in parts])
        return out

    def _draw(self, parts) -> None:
        viewer = self._viewer
        paths, colours, pores, sizes = [], [], [], []
        for m, colour, _ in parts:
            for line in m.wall:
                paths.append(np.asarray(line, dtype=np.float64))
                colours.append(colour)
            pores.extend(m.pore_positions.tolist())
            sizes.extend((0.5 * m.params["padding"] + 0.3 * m.pore_sizes).tolist())
        width = (
            max(0.25 * np.mean([m.params["padding"] for m, _, _ in parts]), 1e-6) if parts else 1.0
        )
        if MEMBRANE_LAYER in viewer.layers:
            layer = viewer.layers[MEMBRANE_LAYER]
            layer.data = []
            if paths:
                layer.add_paths(paths, edge_width=width, edge_color=np.asarray(colours))
        else:
            layer = viewer.add_shapes(
                paths if paths else None,
                ndim=2,
                shape_type="path",
                name=MEMBRANE_LAYER,
                edge_color=np.asarray(colours) if paths else "black",
                edge_width=width,
                face_color="transparent",
                metadata={"topoalign": {"role": "membranes"}},
            )
        data = np.asarray(pores, dtype=np.float64).reshape(-1, 2)
        if PORES_LAYER in viewer.layers:
            pl = viewer.layers[PORES_LAYER]
            pl.data = data
            if len(data):
                pl.size = np.asarray(sizes)
        else:
            pl = viewer.add_points(
                data,
                name=PORES_LAYER,
                size=np.asarray(sizes) if len(data) else 1.0,
                face_color="transparent",
                border_color=PORE_COLOUR,
                border_width=0.3,
                metadata={"topoalign": {"role": "pores"}},
            )
        del layer, pl

    def _zoom(self, corners) -> None:
        if not corners:
            return
        pts = np.concatenate(corners)
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        camera = _camera(self._viewer)
        centre = 0.5 * (lo + hi)
        camera.center = (float(centre[0]), float(centre[1]))
        extent = np.maximum(hi - lo, 1e-9) * 1.3 + 1e-9
        zoom = 0.9 * min(
            _canvas_size(self._viewer) / np.maximum(extent, 1e-9 + 0.05 * extent.max())
        )
        if np.isfinite(zoom) and zoom > 0:
            camera.zoom = float(zoom)


def _short(nodes, k: int = 8) -> str:
    nodes = list(nodes)
    text = " ".join(map(str, nodes[:k]))
    return text + (f" ... ({len(nodes)})" if len(nodes) > k else "")


def _world(layer, data: np.ndarray) -> np.ndarray:
    """Data coordinates of a 2-D layer -> world coordinates (scale and translate)."""
    scale = np.asarray(layer.scale, dtype=np.float64)[-2:]
    translate = np.asarray(layer.translate, dtype=np.float64)[-2:]
    return np.asarray(data, dtype=np.float64) * scale + translate


def _padding(points, pos) -> float:
    """Membrane padding: the layout's node spacing, at least the drawn node diameter."""
    from ..shapes.bubbles import default_scale

    pad = 0.45 * default_scale(pos)
    size = np.asarray(points.size, dtype=np.float64).reshape(-1)
    if len(size):
        diameter = float(np.median(size)) * float(np.asarray(points.scale)[-1])
        if np.isfinite(diameter) and diameter > 0:
            pad = max(pad, 1.1 * diameter)
    return pad


def _line_width(viewer, name) -> float:
    points = points_layer(viewer, name) if name else None
    if points is None or not len(points.data):
        return 1.0
    return max(0.3 * float(np.median(np.asarray(points.size, dtype=np.float64))), 1e-6)
