"""The "Alignment scores" dock widget.

Choose a similarity measure (any name in :data:`napari_topoalign.metrics.MEASURES`; its
controls come from the parameters the measure declares), press *Compute*: the ``N x N``
matrix over all representations of the session (:meth:`Comparison.compute_scores`, kept in
``cmp.scores``) is computed in a background job with a progress bar and a Cancel button, and
drawn as a heatmap (matplotlib in the dock).

Clicking a cell selects that pair of representations: the dock widgets that choose a pair of
graphs (``graph_a`` / ``graph_b`` controls, e.g. *Matching regions* and *Motifs*) or offer a
``select_pair(a, b)`` method (*Joint layout*: its *focus* pair) are set to it. The coupling is loose: nothing here knows those
widgets' classes.

*LFM correspondence* fits the latent functional map of the selected pair (in the
background); while *highlight LFM matches* is on, selecting nodes in one graph of the pair
highlights, in the other graph, the nodes holding the LFM matches of their inputs (instead of
the same inputs). No algorithm lives here.
"""

from __future__ import annotations

import weakref

import numpy as np
from magicgui.widgets import (
    CheckBox,
    ComboBox,
    Container,
    Label,
    PushButton,
)

from ._controls import control_value, param_controls
from ._jobs import SessionWidget

__all__ = ["AlignmentScoresWidget", "select_pair", "current_pair"]

_pairs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def current_pair(viewer):
    """The pair of representations last chosen in a scores heatmap of ``viewer`` (or None)."""
    return _pairs.get(viewer)


def select_pair(viewer, a: str, b: str) -> list:
    """Make ``(a, b)`` the viewer's current pair and set it in every dock widget that chooses
    a pair: those with ``graph_a`` / ``graph_b`` choice controls holding both names, and those
    with a ``select_pair(a, b)`` method. Returns the widgets that took the pair."""
    _pairs[viewer] = (a, b)
    window = getattr(viewer, "window", None)
    if window is None:
        return []
    took = []
    for widget in list(getattr(window, "dock_widgets", {}).values()):
        if isinstance(widget, AlignmentScoresWidget):
            continue
        hook = getattr(widget, "select_pair", None)
        try:
            if callable(hook):
                hook(a, b)
                took.append(widget)
                continue
            ga, gb = getattr(widget, "graph_a", None), getattr(widget, "graph_b", None)
            if ga is None or gb is None or not hasattr(ga, "choices"):
                continue
            if hasattr(widget, "reset_choices"):
                widget.reset_choices()
            if a in list(ga.choices) and b in list(gb.choices):
                ga.value, gb.value = a, b
                took.append(widget)
        except RuntimeError:  # its Qt widget was deleted
            continue
    return took


class AlignmentScoresWidget(SessionWidget):
    """Heatmap of a similarity measure over all representations; cell click picks a pair.

    Parameters
    ----------
    napari_viewer : napari.Viewer
    comparison : Comparison, optional
        A session to use when the viewer holds none (scripts and tests).
    """

    def __init__(self, napari_viewer, comparison=None):
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        from ..metrics import MEASURES

        super().__init__(napari_viewer, comparison)
        self.matrix = None  # the DataFrame shown
        self.pair: tuple[str, str] | None = None
        self.lfm_result = None
        self._lfm_pair: tuple[str, str] | None = None
        self.measure = ComboBox(
            label="measure", choices=MEASURES.names(), value="cka", name="measure"
        )
        self.measure.tooltip = "; ".join(f"{n}: {MEASURES.help(n)}" for n in MEASURES.names())
        self.params_box = Container(labels=True, name="params", label="")
        self.compute_button = PushButton(text="Compute", name="compute")
        self.compute_button.tooltip = (
            "the measure for every pair of representations (in the background)"
        )
        self.pair_label = Label(value="click a cell", label="pair", name="pair_label")
        self.lfm_button = PushButton(text="LFM correspondence", name="lfm")
        self.lfm_button.tooltip = (
            "fit the latent functional map of the selected pair (point-to-point matches)"
        )
        self.follow = CheckBox(value=True, label="highlight LFM matches", name="follow")
        self.extend(
            [
                self.measure,
                self.params_box,
                self.compute_button,
                *self.job_controls(),
                self.pair_label,
                self.lfm_button,
                self.follow,
            ]
        )
        self.figure = Figure(figsize=(4, 3.6), tight_layout=True)
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(280)
        self.native.layout().addWidget(self.canvas)
        self.canvas.mpl_connect("button_press_event", self._on_click)
        self._image = None
        self.measure.changed.connect(self._rebuild_params)
        self.compute_button.changed.connect(self._on_compute)
        self.lfm_button.changed.connect(self._on_lfm)
        self._rebuild_params()
        from ._selection import on_selection

        on_selection(napari_viewer, self._on_selection)

    # -- parameters -------------------------------------------------------------------------
    def _rebuild_params(self, *args) -> None:
        from ..metrics import MEASURES

        self.params_box.clear()
        controls = param_controls(MEASURES.get(self.measure.value))
        for w in controls.values():
            self.params_box.append(w)

    def params(self) -> dict:
        """The measure's parameters as set in the widget."""
        return {w.name: control_value(w) for w in self.params_box}

    # -- compute -----------------------------------------------------------------------------
    def compute(self):
        """Compute the matrix of the chosen measure in the background; returns the worker."""
        from napari.utils.notifications import show_error

        cmp = self._comparison()
        if cmp is None:
            show_error("Alignment scores: no session; load representations first")
            return None
        if len(cmp.names) < 1:
            show_error("Alignment scores: the session holds no representations")
            return None
        measure, params = self.measure.value, self.params()
        work = cmp.copy()

        def run(progress):
            work.compute_scores(measure, progress=progress, **params)
            return work

        def done(result):
            cmp.scores.update(result.scores)
            from ..metrics.matrix import score_key

            self.show_matrix(cmp.scores[score_key(measure, params)], measure)
            self.status.value = f"{measure}: done"

        return self.start(run, on_done=done, label=f"Alignment scores ({measure})")

    def _on_compute(self, *args):
        return self.compute()

    # -- heatmap -----------------------------------------------------------------------------
    def show_matrix(self, frame, measure: str | None = None) -> None:
        """Draw ``frame`` (an N x N DataFrame) as the heatmap."""
        from ..metrics.matrix import is_distance

        self.matrix = frame
        fig = self.figure
        fig.clear()
        ax = fig.add_subplot(111)
        values = np.asarray(frame.values, dtype=float)
        finite = values[np.isfinite(values)]
        dist = is_distance(measure or frame.attrs.get("measure", ""))
        lo = 0.0 if finite.size == 0 else min(0.0, float(finite.min()))
        hi = 1.0 if finite.size == 0 else max(1.0 if not dist else float(finite.max()), 1e-9)
        self._image = ax.imshow(values, cmap="viridis_r" if dist else "viridis", vmin=lo, vmax=hi)
        names = list(frame.columns)
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=7)
        ax.set_yticks(range(len(names)), list(frame.index), fontsize=7)
        if len(names) <= 12:
            for i in range(values.shape[0]):
                for j in range(values.shape[1]):
                    v = values[i, j]
                    ax.text(
                        j,
                        i,
                        f"{v:.2f}",
                        ha="center",
                        va="center",
                        fontsize=6,
                        color="w" if (v - lo) / (hi - lo or 1) < (0.5 if not dist else 2) else "k",
                    )
        title = measure or frame.attrs.get("measure", "")
        ax.set_title(f"{title}{' (distance)' if dist else ''}", fontsize=9)
        fig.colorbar(self._image, ax=ax, fraction=0.046)
        self.canvas.draw_idle()

    def heatmap_values(self) -> np.ndarray | None:
        """The values drawn in the heatmap (None before the first matrix)."""
        return None if self._image is None else np.asarray(self._image.get_array(), dtype=float)

    def cell_at(self, xdata: float, ydata: float) -> tuple[str, str] | None:
        """The pair ``(row, column)`` of the heatmap cell at data coordinates, or None."""
        if self.matrix is None or xdata is None or ydata is None:
            return None
        i, j = int(round(ydata)), int(round(xdata))
        n = len(self.matrix)
        if not (0 <= i < n and 0 <= j < n):
            return None
        return str(self.matrix.index[i]), str(self.matrix.columns[j])

    def _on_click(self, event) -> None:
        if self._image is None or event.inaxes is not self._image.axes:
            return
        pair = self.cell_at(event.xdata, event.ydata)
        if pair is not None:
            self.choose_pair(*pair)

    def choose_pair(self, a: str, b: str) -> None:
        """Select the pair ``(a, b)`` (as a cell click does)."""
        self.pair = (a, b)
        value = ""
        if self.matrix is not None:
            value = f" = {float(self.matrix.loc[a, b]):.3f}"
        self.pair_label.value = f"{a} vs {b}{value}"
        select_pair(self._viewer, a, b)

    # -- LFM correspondence ------------------------------------------------------------------------
    def _on_lfm(self, *args):
        return self.compute_correspondence()

    def compute_correspondence(self, **params):
        """Fit the LFM of the selected pair in the background (``params`` go to
        :func:`napari_topoalign.lfm`); returns the worker."""
        from napari.utils.notifications import show_error

        from ..metrics import lfm

        cmp = self._comparison()
        if cmp is None or self.pair is None or self.pair[0] == self.pair[1]:
            show_error("LFM correspondence: click a cell of two different representations first")
            return None
        a, b = self.pair
        X, Y = cmp.representations[a], cmp.representations[b]
        params = {"random_state": 0, **params}

        def run(progress):
            return lfm(X, Y, progress=progress, **params)

        def done(result):
            self.lfm_result = result
            self._lfm_pair = (a, b)
            self.status.value = (
                f"LFM {a} -> {b}: similarity {result.similarity:.3f}; select nodes to see matches"
            )

        return self.start(run, on_done=done, label=f"LFM {a} -> {b}")

    def matched_inputs(self, source: str, inputs) -> tuple[str, np.ndarray] | None:
        """``(target, inputs of target)`` that the LFM map sends ``inputs`` of ``source`` to,
        when ``source`` is one end of the fitted pair (from ``b`` to ``a``: the inputs of
        ``a`` whose match lies among ``inputs``)."""
        if self.lfm_result is None or self._lfm_pair is None:
            return None
        a, b = self._lfm_pair
        inputs = np.asarray(inputs, dtype=np.int64)
        matches = self.lfm_result.matches
        if source == a:
            return b, np.unique(matches[inputs])
        if source == b:
            return a, np.flatnonzero(np.isin(matches, inputs))
        return None

    def _on_selection(self, sel) -> None:
        if not self.follow.value or sel.graph is None:
            return
        mapped = self.matched_inputs(sel.graph, sel.inputs)
        if mapped is None:
            return
        target, inputs = mapped
        cmp = self._comparison()
        if cmp is None or target not in cmp.graphs:
            return
        from ._graph_layers import get_graph_layers
        from ._selection import _highlight

        points, _ = get_graph_layers(self._viewer, target)
        graph = cmp.graphs[target]
        if points is None or len(points.data) != graph.n_nodes:
            return
        nodes = graph.nodes_of_inputs(inputs) if len(sel.inputs) else np.zeros(0, dtype=np.int64)
        _highlight(points, nodes)
        sel.highlighted[target] = nodes
