"""The "Legend" dock widget: what the colours on the canvas mean.

- nodes coloured by labels (or another category): one row per label with its colour, the
  number of inputs that carry it and the number of nodes (over all drawn graphs) whose
  majority it is; the colours are the comparison's (:func:`napari_topoalign.colors.label_colors`),
  the same in every graph;
- nodes coloured by numbers: a colour bar (viridis) with the column's name and the limits
  shared by all graphs;
- the matching regions drawn: one row per region rank with its colour;
- how to read the rest: node area = inputs held, edge width = Jaccard weight, a white
  border = holds selected inputs.
"""

from __future__ import annotations

import numpy as np
from magicgui.widgets import Container, Label
from qtpy.QtCore import Qt
from qtpy.QtGui import QColor, QImage, QPixmap
from qtpy.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from .. import colors as _colors
from ._graph_layers import graph_of_layer, layer_tag
from ._jobs import WRAP_WIDTH
from ._state import get_comparison

__all__ = ["LegendWidget"]


def _swatch(hex_or_rgba, alpha: int = 255) -> QColor:
    rgba = (
        _colors.to_rgba(hex_or_rgba) if isinstance(hex_or_rgba, str) else np.asarray(hex_or_rgba)
    )
    r, g, b = (int(round(255 * c)) for c in rgba[:3])
    return QColor(r, g, b, alpha)


class LegendWidget(Container):
    """Label -> colour (with counts), the colour bar of a numeric colouring, the regions."""

    def __init__(self, napari_viewer):
        super().__init__(labels=False)
        self._viewer = napari_viewer
        self.heading = Label(value="", name="heading")
        self.heading.native.setWordWrap(True)
        self.append(self.heading)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["label", "inputs", "nodes"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.native.layout().addWidget(self.table, 1)
        self.bar = Label(value="", name="colorbar")
        self.bar.native.setMinimumHeight(0)
        self.append(self.bar)
        self.bar_limits = Label(value="", name="limits")
        self.append(self.bar_limits)
        self.regions = Label(value="", name="regions")
        self.regions.native.setWordWrap(True)
        self.regions.native.setTextFormat(Qt.TextFormat.RichText)
        self.append(self.regions)
        self.reading = Label(
            value="node area: inputs held; edge width: Jaccard weight; white border: holds the selected inputs",
            name="reading",
        )
        self.reading.native.setWordWrap(True)
        self.append(self.reading)
        from qtpy.QtWidgets import QSizePolicy

        for label in (self.heading, self.bar, self.bar_limits, self.regions, self.reading):
            label.native.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
            label.native.setMinimumWidth(WRAP_WIDTH)  # wrapped text must not widen the dock
        layout = self.native.layout()
        layout.removeWidget(self.table)  # heading, then the table (or the bar), then the rest
        layout.insertWidget(1, self.table, 1)
        layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.refresh()

    def _nodes_layers(self) -> list:
        out = []
        for layer in self._viewer.layers:
            tag = graph_of_layer(layer)
            if tag is not None and tag[1] == "nodes":
                out.append(layer)
        return out

    def refresh_from_session(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Read the colouring of the drawn graphs and show it."""
        layers = self._nodes_layers()
        cmp = get_comparison(self._viewer)
        self.table.setRowCount(0)
        self.bar.native.clear()
        self.bar.visible = False
        self.bar_limits.value = ""
        self.bar_limits.visible = False
        if not layers:
            self.heading.value = "no graphs drawn yet: build mapper graphs first"
            self.table.setVisible(False)
            self.regions.value = ""
            return
        tag = layer_tag(layers[0]) or {}
        column = tag.get("color_by", "")
        if tag.get("color_kind") == "continuous":
            self._show_bar(column, tag.get("color_limits", (0.0, 1.0)))
        else:
            self._show_categories(column, tag.get("color_map") or {}, layers, cmp)
        self._show_regions(cmp)

    def _show_categories(self, column, cmap, layers, cmp) -> None:
        self.heading.value = f"nodes coloured by {column} (the same colours in every graph)"
        self.table.setVisible(True)
        labels = (
            cmp.representations.labels if cmp is not None and column == "majority_label" else None
        )
        inputs = _colors.label_counts(labels) if labels is not None else {}
        nodes: dict = {}
        for layer in layers:
            for v in layer.features[column].to_numpy() if column in layer.features else []:
                key = v.item() if isinstance(v, np.generic) else v
                nodes[key] = nodes.get(key, 0) + 1
        self.table.setHorizontalHeaderLabels(
            ["label" if column == "majority_label" else column, "inputs", "nodes"]
        )
        self.table.setRowCount(len(cmap))
        for row, (value, colour) in enumerate(cmap.items()):
            item = QTableWidgetItem(f"  {value}")
            item.setBackground(_swatch(colour))
            item.setForeground(QColor("white") if _dark(colour) else QColor("black"))
            self.table.setItem(row, 0, item)
            self.table.setItem(
                row, 1, QTableWidgetItem(str(inputs.get(value, "")) if inputs else "")
            )
            self.table.setItem(row, 2, QTableWidgetItem(str(nodes.get(value, 0))))
        rows = min(len(cmap), 14)
        height = (
            self.table.horizontalHeader().height()
            + sum(self.table.rowHeight(r) for r in range(rows))
            + 6
        )
        self.table.setMinimumHeight(height)
        self.table.setMaximumHeight(height if len(cmap) <= 14 else 16_777_215)

    def _show_bar(self, column, limits) -> None:
        lo, hi = (float(v) for v in limits)
        self.heading.value = (
            f"nodes coloured by {column} (viridis, the same limits in every graph)"
        )
        self.table.setVisible(False)
        ramp = (_colors.continuous_colors(np.linspace(0, 1, 256), (0.0, 1.0))[:, :3] * 255).astype(
            np.uint8
        )
        img = np.ascontiguousarray(np.repeat(ramp[None], 18, axis=0))
        qimg = QImage(
            img.data, img.shape[1], img.shape[0], 3 * img.shape[1], QImage.Format.Format_RGB888
        )
        self.bar.native.setPixmap(QPixmap.fromImage(qimg.copy()))
        self.bar.visible = True
        self.bar_limits.value = f"{lo:.4g}  \u2192  {hi:.4g}"
        self.bar_limits.visible = True

    def _show_regions(self, cmp) -> None:
        if cmp is None or not cmp.correspondences:
            self.regions.value = ""
            return
        parts = []
        for (a, b), corr in cmp.correspondences.items():
            chips = " ".join(
                f'<span style="background-color:{_colors.region_color(k)}; color:black">&nbsp;{k + 1}&nbsp;</span>'
                for k in range(min(len(corr.regions), len(_colors.REGION_PALETTE)))
            )
            more = (
                f" (+{len(corr.regions) - len(_colors.REGION_PALETTE)} repeat the colours)"
                if len(corr.regions) > len(_colors.REGION_PALETTE)
                else ""
            )
            parts.append(f"regions {a} \u2194 {b}, by rank: {chips or 'none'}{more}")
        self.regions.value = "<br>".join(parts)

    def rows(self) -> list[tuple[str, str, str, str]]:
        """``(value, colour, inputs, nodes)`` per row (for scripts and tests)."""
        t = self.table
        out = []
        for r in range(t.rowCount()):
            item = t.item(r, 0)
            out.append(
                (
                    item.text().strip(),
                    item.background().color().name(),
                    t.item(r, 1).text(),
                    t.item(r, 2).text(),
                )
            )
        return out


def _dark(colour) -> bool:
    rgba = _colors.to_rgba(colour) if isinstance(colour, str) else np.asarray(colour)
    return float(0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2]) < 0.55
