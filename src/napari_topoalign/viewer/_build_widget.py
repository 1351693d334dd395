"""The "Build mapper graphs" dock widget.

Choose the representations and the mapper parameters, press *Build*: the graphs are built
(:meth:`napari_topoalign.Comparison.build_mappers`) and each laid out on its own
(:meth:`~napari_topoalign.Comparison.layout_separately`) in a background job with a progress
bar and a Cancel button; then one graph layer per representation is drawn (or redrawn).
A failure or a cancel leaves the session and every layer as they were. No algorithm lives
here.
"""

from __future__ import annotations

from magicgui.widgets import ComboBox, FloatSpinBox, Label, PushButton, Select, SpinBox

from ..mapper.cluster import CLUSTERERS
from ..mapper.cover import COVERS
from ..mapper.lenses import LENSES
from ..mapper.report import mapper_report
from ._graph_layers import color_graphs_by, graph_of_layer
from ._jobs import WRAP_WIDTH, SessionWidget, apply_specs

__all__ = ["BuildMapperWidget"]


class BuildMapperWidget(SessionWidget):
    """Build one mapper graph per chosen representation and draw them.

    Parameters
    ----------
    napari_viewer : napari.Viewer
    comparison : Comparison, optional
        A session to use when the viewer holds none (scripts and tests).
    """

    def __init__(self, napari_viewer, comparison=None):
        super().__init__(napari_viewer, comparison)
        self._adopted = None
        self.representations = Select(
            label="representations", choices=self._names, name="representations"
        )
        self.lens = ComboBox(label="lens", choices=LENSES, name="lens")
        self.cover = ComboBox(label="cover", choices=COVERS, name="cover")
        self.n_intervals = SpinBox(label="intervals", max=2**31 - 1, name="n_intervals")
        self.overlap = FloatSpinBox(label="overlap", step=0.05, name="overlap")
        self.clusterer = ComboBox(label="clusterer", choices=CLUSTERERS, name="clusterer")
        self.eps = FloatSpinBox(label="eps (0: auto)", max=1e9, step=0.1, name="eps")
        self.min_samples = SpinBox(label="min samples", max=2**31 - 1, name="min_samples")
        self.min_intersection = SpinBox(
            label="min intersection", value=1, min=1, max=10_000, name="min_intersection"
        )
        self.random_state = SpinBox(
            label="random seed", value=0, min=0, max=2**31 - 1, name="random_state"
        )
        self.build_button = PushButton(text="Build", name="build")
        # what each graph shows beyond its cover (mapper_report), filled after a build
        self.report = Label(value="", name="report")
        self.report.native.setWordWrap(True)
        self.report.native.setMinimumWidth(WRAP_WIDTH)
        self.report.tooltip = (
            "mapper_report of each graph: is it more than its cover, and what to change"
        )
        self.color_by = ComboBox(
            label="colour nodes by",
            choices=self._columns,
            value=None,
            name="color_by",
            nullable=True,
        )
        self.extend(
            [
                self.representations,
                self.lens,
                self.cover,
                self.n_intervals,
                self.overlap,
                self.clusterer,
                self.eps,
                self.min_samples,
                self.min_intersection,
                self.random_state,
                self.build_button,
                *self.job_controls(),
                self.report,
                self.color_by,
            ]
        )
        from ..mapper import build_mapper

        self.specs = apply_specs(self, build_mapper, auto_zero=("eps",), skip=("representations",))
        from ..session import SHARED_LENS_DEFAULT

        # the graphs are built by Comparison.build_mappers on one lens shared by all
        # representations: its default lens, not build_mapper's
        self.lens.value = SHARED_LENS_DEFAULT
        self.representations.tooltip = (
            "the representations to build a mapper graph of (one graph each)"
        )
        self.random_state.tooltip = self.random_state.tooltip or "seed of every random step"
        self.color_by.tooltip = "colour the nodes of every graph by this node-table column (one colour map for all graphs)"
        self.build_button.tooltip = "build the graphs (in the background; Cancel stops it)"
        self.build_button.changed.connect(self._on_build)
        self.color_by.changed.connect(self._on_color_by)
        self.reset_choices()

    # -- session ----------------------------------------------------------------------------
    def _names(self, widget=None) -> list[str]:
        cmp = self._comparison()
        return list(cmp.names) if cmp is not None else []

    def _columns(self, widget=None) -> list[str]:
        """The node-table columns of the drawn graphs."""
        columns: list[str] = []
        for layer in self._viewer.layers:
            tag = graph_of_layer(layer)
            if tag is not None and tag[1] == "nodes":
                columns += [c for c in layer.features.columns if c not in columns]
        return columns

    def _on_color_by(self, column) -> None:
        """Colour the nodes of every drawn graph that has ``column`` by it."""
        if column is None:
            return
        from ._draw import refresh_legend

        color_graphs_by(self._viewer, column)
        refresh_legend(self._viewer)

    def reset_choices(self, *args) -> None:
        """Refresh the representation choices (napari calls this when layers change); a new
        session selects all its representations and takes the mapper parameters its data
        recommend (``metadata["mapper_params"]``), once."""
        super().reset_choices()
        cmp = self._comparison()
        if cmp is None or cmp is self._adopted:
            return
        self._adopted = cmp
        self.representations.value = list(cmp.names)
        if not cmp.graphs:
            reps = cmp.representations
            self.status.value = (
                f"{len(cmp.names)} representations of {reps.n_inputs} inputs. "
                "Next: check the parameters, press Build."
            )
        recommended = dict(cmp.representations.metadata.get("mapper_params", {}))
        for key, value in recommended.items():
            widget = getattr(self, key, None)
            if widget is not None and key != "representations":
                widget.value = 0.0 if key == "eps" and value is None else value

    def params(self) -> dict:
        """The parameters of :func:`napari_topoalign.build_mapper` set in the widget."""
        eps = float(self.eps.value)
        return {
            "lens": str(self.lens.value),
            "cover": str(self.cover.value),
            "n_intervals": int(self.n_intervals.value),
            "overlap": float(self.overlap.value),
            "clusterer": str(self.clusterer.value),
            "eps": None if eps == 0 else eps,
            "min_samples": int(self.min_samples.value),
            "min_intersection": int(self.min_intersection.value),
            "random_state": int(self.random_state.value),
        }

    # -- build ------------------------------------------------------------------------------
    def _on_build(self, *args):
        from napari.utils.notifications import show_error

        cmp = self._comparison()
        if cmp is None:
            show_error(
                "Build mapper graphs: no representations; open a sample or a .npz file first"
            )
            return None
        names = list(self.representations.value or [])
        if not names:
            show_error("Build mapper graphs: choose at least one representation")
            return None
        params = self.params()
        seed = params["random_state"]

        def run(progress):
            # build into a copy of the session: the real one changes only when all succeeded
            scratch = cmp.copy()
            scratch.build_mappers(names, progress=lambda f, m: progress(0.8 * f, m), **params)
            scratch.layout_separately(
                random_state=seed, progress=lambda f, m: progress(0.8 + 0.2 * f, m)
            )
            return scratch, {n: mapper_report(scratch.graphs[n]) for n in names}

        def done(result):
            scratch, reports = result
            from ._draw import draw_comparison, is_following

            following = is_following(self._viewer, cmp)
            cmp.update_from(scratch)  # a viewer that follows the session redraws here
            if not following:
                draw_comparison(self._viewer, cmp)
            self.reset_choices()
            self.status.value = (
                ", ".join(
                    f"{n}: {cmp.graphs[n].n_nodes} nodes, {cmp.graphs[n].n_edges} edges"
                    for n in names
                )
                + ". Next: Joint layout aligns the graphs; Matching regions finds what corresponds."
            )
            self.report.value = report_text(reports)

        return self.start(run, on_done=done, label="Build mapper graphs")

    def run(self):
        """Start building as if *Build* was pressed; returns the background worker."""
        return self._on_build()


def report_text(reports) -> str:
    """One line per graph (elements split, noise, largest node, cycles, branch points) and the
    advice for every graph that is little more than its cover."""
    lines = []
    for name, r in reports.items():
        if r.n_nodes == 0:
            lines.append(f"{name}: empty")
            continue
        lines.append(
            f"{name}: {r.n_split_elements}/{r.n_elements} elements split, noise {100 * r.noise_share:.0f} %, "
            f"largest node {100 * r.largest_node_share:.0f} %, {r.n_cycles} cycles, {r.n_branch_points} branch points"
        )
    advice = [f"{name}: {r.advice}" for name, r in reports.items() if r.warnings]
    return "\n".join(lines + (advice or ["Every graph shows structure beyond its cover."]))
