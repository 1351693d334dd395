"""The "Layer topology" dock widget (HOLE's views of every layer).

Press *Compute topology*: :meth:`napari_topoalign.Comparison.compute_topology` runs in a
background job (progress bar, Cancel) on every representation of the session, and keeps its
results in ``cmp.topology``. The widget then draws, with matplotlib in the dock, one of:

- ``diagrams``: the persistence diagram of the chosen layer; ``barcode H0`` / ``barcode H1``;
- ``cluster flow``: the Sankey diagram of the chosen stage across all layers;
- ``heatmap dendrogram`` and ``blob graph`` of the chosen layer (at the chosen stage);
- ``quality``: class separation per layer; ``robustness``: the curves of a perturbation.

Clicking a flow, a cluster box, a bar, a point of a diagram, a blob or a heatmap row selects
its inputs (:func:`~napari_topoalign.viewer._selection.select_inputs`): they are shown in the
Inputs widget, as images, and highlighted in every drawn graph. No algorithm lives here: the
drawings are :mod:`napari_topoalign.topology.plot`.
"""

from __future__ import annotations

import numpy as np
from magicgui.widgets import CheckBox, ComboBox, PushButton, SpinBox

from ._jobs import SessionWidget, apply_specs
from ._selection import on_selection, select_inputs

__all__ = ["LayerTopologyWidget", "VIEWS"]

VIEWS = (
    "cluster flow",
    "diagrams",
    "barcode H0",
    "barcode H1",
    "heatmap dendrogram",
    "blob graph",
    "quality",
    "robustness",
)


class LayerTopologyWidget(SessionWidget):
    """Compute and browse the layer topology of the session (see the module docstring)."""

    def __init__(self, napari_viewer, comparison=None):
        super().__init__(napari_viewer, comparison)
        from ..topology import layer_topology
        from ..topology.robustness import PERTURBATIONS

        self.maxdim = SpinBox(label="max dim", value=1, min=0, max=2, name="maxdim")
        self.n_landmarks = SpinBox(
            label="landmarks", value=500, min=0, max=5000, name="n_landmarks"
        )
        self.n_intermediate = SpinBox(
            label="intermediate stages", value=2, min=0, max=20, name="n_intermediate"
        )
        self.random_state = SpinBox(
            label="random seed", value=0, min=0, max=2**31 - 1, name="random_state"
        )
        self.robustness = ComboBox(
            label="robustness",
            choices=["none", *PERTURBATIONS.names()],
            value="none",
            name="robustness",
            tooltip="also compute the robustness curves of a perturbation",
        )
        self.compute_button = PushButton(text="Compute topology", name="compute")
        self.view = ComboBox(label="view", choices=list(VIEWS), value="cluster flow", name="view")
        self.layer = ComboBox(label="layer", choices=self._layers, name="layer")
        self.stage = ComboBox(label="stage", choices=self._stages, name="stage")
        self.measure = ComboBox(label="measure", choices=self._measures, name="measure")
        self.highlight = CheckBox(
            text="show the selected inputs in the flow", value=True, name="highlight"
        )
        self.extend(
            [
                self.maxdim,
                self.n_landmarks,
                self.n_intermediate,
                self.random_state,
                self.robustness,
                self.compute_button,
                *self.job_controls(),
                self.view,
                self.layer,
                self.stage,
                self.measure,
                self.highlight,
            ]
        )
        self.specs = apply_specs(self, layer_topology, auto_zero=("n_landmarks",))

        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        self.figure = Figure(figsize=(5, 4), layout="constrained")
        self.canvas = FigureCanvasQTAgg(self.figure)
        self.canvas.setMinimumHeight(320)
        self.native.layout().addWidget(self.canvas)
        self.canvas.mpl_connect("pick_event", self._on_pick)
        self._picks: dict = {}
        self._shown = None  # (kind of object, object) the current drawing reads picks from
        self._selected = None
        self._last_mouse = None

        self.compute_button.changed.connect(self._on_compute)
        for control in (self.view, self.layer, self.stage, self.measure, self.highlight):
            control.changed.connect(self.redraw)
        on_selection(napari_viewer, self._on_selection)
        self.redraw()

    # -- choices ------------------------------------------------------------------------------
    def _results(self) -> dict:
        cmp = self._comparison()
        return dict(getattr(cmp, "topology", {}) or {}) if cmp is not None else {}

    def _layers(self, widget=None) -> list[str]:
        res = self._results()
        if "diagrams" in res:
            return list(res["diagrams"])
        cmp = self._comparison()
        return list(cmp.names) if cmp is not None else []

    def _stages(self, widget=None) -> list[str]:
        return list(self._results().get("flows", {})) or ["labels"]

    def _measures(self, widget=None) -> list[str]:
        rob = self._results().get("robustness", {})
        cols = []
        for df in rob.values():
            cols += [
                c for c in df.columns if c not in ("layer", "kind", "level") and c not in cols
            ]
        return cols or ["bottleneck_h0"]

    # -- compute ------------------------------------------------------------------------------
    def _on_compute(self, *args) -> None:
        from napari.utils.notifications import show_error

        cmp = self._comparison()
        if cmp is None:
            show_error("Layer topology: no session; open a sample or representation files first")
            return
        n_landmarks = int(self.n_landmarks.value) or None
        params = dict(
            maxdim=int(self.maxdim.value),
            n_landmarks=n_landmarks,
            n_intermediate=int(self.n_intermediate.value),
            random_state=int(self.random_state.value),
        )
        rob = None if self.robustness.value == "none" else str(self.robustness.value)

        def run(progress):
            return cmp.compute_topology(robustness=rob, progress=progress, **params)

        self.start(run, on_done=self._done, label="Computing the layer topology")

    def _done(self, result) -> None:
        self.reset_choices()
        if "labels" in self.stage.choices:
            self.stage.value = "labels"
        n = len(result.get("diagrams", {}))
        self.status.value = (
            f"topology of {n} layer(s). Next: click a flow, a bar or a blob to select its inputs."
        )
        self.redraw()

    # -- drawing ------------------------------------------------------------------------------
    def redraw(self, *args) -> None:
        """Draw the chosen view of the session's results (a hint when there are none)."""
        from ..topology import blob_graph, heatmap_dendrogram, plot

        fig = self.figure
        fig.clear()
        self._picks = {}
        self._shown = None
        res = self._results()
        view = self.view.value
        if not res.get("diagrams"):
            ax = fig.add_subplot(111)
            ax.set_axis_off()
            ax.text(0.5, 0.5, "press Compute topology", ha="center", va="center")
            self.canvas.draw_idle()
            return
        layer = (
            self.layer.value
            if self.layer.value in res["diagrams"]
            else next(iter(res["diagrams"]))
        )
        stage = self.stage.value
        cmp = self._comparison()
        try:
            if view == "cluster flow":
                flows = res.get("flows", {})
                sk = flows.get(stage) or next(iter(flows.values()))
                hot = self._selected if self.highlight.value else None
                self._picks = plot.plot_sankey(fig.add_subplot(111), sk, highlight_inputs=hot)
                self._shown = ("sankey", sk)
            elif view == "diagrams":
                d = res["diagrams"][layer]
                self._picks = plot.plot_diagram(fig.add_subplot(111), d, title=f"{layer}: {d!r}")
                self._shown = ("diagrams", d)
            elif view in ("barcode H0", "barcode H1"):
                d = res["diagrams"][layer]
                dim = int(view[-1])
                if dim >= len(d.dgms):
                    raise ValueError("H1 was not computed: set max dim to 1 and compute again")
                self._picks = plot.plot_barcode(fig.add_subplot(111), d, dim)
                self._shown = ("diagrams", d)
            elif view == "heatmap dendrogram":
                hd = heatmap_dendrogram(
                    cmp.representations[layer],
                    cmp.representations.labels,
                    layer=layer,
                    random_state=int(self.random_state.value),
                )
                self._picks = plot.plot_heatmap_dendrogram(fig, hd)
                self._shown = ("heatmap", hd)
            elif view == "blob graph":
                st = res["stages"][layer]
                s = stage if stage in st.labels else st.names[0]
                bg = blob_graph(
                    cmp.representations[layer],
                    res["diagrams"][layer],
                    st.threshold(s),
                    cmp.representations.labels,
                    min_size=st.min_size,
                    layer=layer,
                )
                self._picks = plot.plot_blob_graph(
                    fig.add_subplot(111), bg, title=f"{layer}: clusters at stage {s}"
                )
                self._shown = ("blob", bg)
            elif view == "quality":
                if "quality" not in res:
                    raise ValueError("cluster quality needs labels")
                plot.plot_quality(fig.add_subplot(111), res["quality"])
            elif view == "robustness":
                rob = res.get("robustness", {})
                if not rob:
                    raise ValueError(
                        "no robustness curves: choose a robustness perturbation and compute"
                    )
                df = next(iter(rob.values())) if len(rob) == 1 else rob[list(rob)[-1]]
                measure = self.measure.value if self.measure.value in df else "bottleneck_h0"
                plot.plot_robustness(fig.add_subplot(111), df, measure)
        except Exception as exc:  # a view that cannot be drawn says why, in the figure
            fig.clear()
            ax = fig.add_subplot(111)
            ax.set_axis_off()
            ax.text(0.5, 0.5, str(exc), ha="center", va="center", wrap=True)
        self.canvas.draw_idle()

    # -- picking ------------------------------------------------------------------------------
    def _on_pick(self, event) -> None:
        tag = self._picks.get(event.artist)
        if tag is None or self._shown is None:
            return
        if tag[0] == "link":  # bands overlap where they cross: the thinnest one under the mouse
            if event.mouseevent is self._last_mouse:
                return
            self._last_mouse = event.mouseevent
            under = [
                t[1]
                for art, t in self._picks.items()
                if t[0] == "link" and art.contains(event.mouseevent)[0]
            ]
            counts = self._shown[1].links["count"]
            tag = ("link", min(under, key=lambda k: (counts[k], k))) if under else tag
        kind, obj = self._shown
        index = getattr(event, "ind", None)
        if tag[0] == "rows":
            index = int(np.clip(np.floor(event.mouseevent.ydata), 0, len(obj.order) - 1))
        elif index is not None and len(index):
            index = int(np.atleast_1d(index)[0])
        try:
            self.select(tag, index)
        except (
            ValueError,
            IndexError,
            KeyError,
        ) as exc:  # said in the status, never raised into Qt
            self.status.value = f"cannot select: {exc}"

    def select(self, tag, index=None) -> np.ndarray:
        """Select the inputs of a drawn element (``tag`` as in the drawing's pick dict)."""
        from ..topology.plot import inputs_of_pick

        kind, obj = self._shown
        inputs = inputs_of_pick(
            tag,
            index,
            diagrams=obj if kind == "diagrams" else None,
            sankey=obj if kind == "sankey" else None,
            blob=obj if kind == "blob" else None,
            heatmap=obj if kind == "heatmap" else None,
        )
        what = {
            "link": "a flow",
            "node": "a cluster",
            "bar": "a bar",
            "bars": "a bar",
            "blobs": "a blob",
            "rows": "a heatmap row",
        }[tag[0]]
        select_inputs(self._viewer, inputs, source=f"layer topology: {what}")
        return inputs

    def _on_selection(self, selection) -> None:
        self._selected = np.asarray(selection.inputs) if len(selection.inputs) else None
        if (
            self.view.value == "cluster flow"
            and self.highlight.value
            and self._results().get("flows")
        ):
            self.redraw()

    def link_center(self, link: int):
        """Display (pixel) coordinates of the middle of flow ``link`` in the drawn Sankey
        (for scripts and tests that click it)."""
        from ..topology.plot import sankey_geometry

        kind, sk = self._shown
        if kind != "sankey":
            raise ValueError("the cluster flow is not drawn")
        _, bands = sankey_geometry(sk)
        x0, x1, y0a, y0b, y1a, y1b = bands[link]
        ax = self.figure.axes[0]
        return ax.transData.transform(((x0 + x1) / 2, (y0a + y0b + y1a + y1b) / 4))
