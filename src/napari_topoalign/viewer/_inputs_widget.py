"""The "Inputs" dock widget: the inputs held by the selected nodes, as a table.

One row per selected input (at most :data:`MAX_ROWS`): its id, its label and its text when the
inputs have them. A summary line says which graph and how many nodes and inputs are
selected, the label counts, and how many nodes of each other graph hold those inputs.
"""

from __future__ import annotations

import numpy as np
from magicgui.widgets import Container, Label
from qtpy.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from ._jobs import WRAP_WIDTH
from ._selection import current_selection, on_selection
from ._state import get_comparison

__all__ = ["InputsWidget", "MAX_ROWS", "summarize"]

MAX_ROWS = 2000


def summarize(selection, cmp) -> str:
    """One line about a selection: graph, nodes, inputs, labels, partners in other graphs."""
    source = getattr(selection, "source", "")
    if not source and (selection.graph is None or len(selection.nodes) == 0):
        return "no nodes selected: select nodes in a graph layer"
    parts = [
        f"{source}: {len(selection.inputs)} input(s)"
        if source
        else f"{selection.graph}: {len(selection.nodes)} node(s), {len(selection.inputs)} input(s)"
    ]
    labels = cmp.representations.labels if cmp is not None else None
    if labels is not None and len(selection.inputs):
        values, counts = np.unique(np.asarray(labels)[selection.inputs], return_counts=True)
        order = np.argsort(-counts, kind="stable")[:5]
        parts.append("labels " + ", ".join(f"{values[i]} x{counts[i]}" for i in order))
    for other, nodes in selection.highlighted.items():
        parts.append(f"{other}: {len(nodes)} node(s) hold them")
    return "; ".join(parts)


class InputsWidget(Container):
    """Lists the inputs of the selected nodes (see the module docstring)."""

    def __init__(self, napari_viewer):
        super().__init__(labels=False)
        self._viewer = napari_viewer
        self.summary = Label(value="", name="summary")
        self.summary.native.setWordWrap(True)
        self.summary.native.setMinimumWidth(
            WRAP_WIDTH
        )  # not the wrapped text's own (wide) minimum
        self.append(self.summary)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(120)
        self.native.layout().addWidget(self.table)
        on_selection(napari_viewer, self.show_selection)
        self.show_selection(current_selection(napari_viewer))

    def columns(self) -> list[str]:
        cmp = get_comparison(self._viewer)
        cols = ["input", "id"]
        if cmp is not None and cmp.representations.labels is not None:
            cols.append("label")
        if cmp is not None and cmp.representations.texts is not None:
            cols.append("text")
        return cols

    def show_selection(self, selection) -> None:
        """Fill the table with ``selection``'s inputs."""
        cmp = get_comparison(self._viewer)
        self.summary.value = summarize(selection, cmp)
        cols = self.columns()
        table = self.table
        table.setColumnCount(len(cols))
        table.setHorizontalHeaderLabels(cols)
        inputs = np.asarray(selection.inputs, dtype=np.int64)[:MAX_ROWS]
        table.setRowCount(len(inputs))
        if cmp is None:
            return
        reps = cmp.representations
        for row, i in enumerate(inputs.tolist()):
            values = {"input": i, "id": reps.ids[i]}
            if reps.labels is not None:
                values["label"] = reps.labels[i]
            if reps.texts is not None:
                values["text"] = reps.texts[i]
            for col, key in enumerate(cols):
                table.setItem(row, col, QTableWidgetItem(str(values[key])))
        if len(selection.inputs) > MAX_ROWS:
            self.summary.value += f" (first {MAX_ROWS} listed)"

    def rows(self) -> list[list[str]]:
        """The table's contents as text (for scripts and tests)."""
        t = self.table
        return [[t.item(r, c).text() for c in range(t.columnCount())] for r in range(t.rowCount())]
