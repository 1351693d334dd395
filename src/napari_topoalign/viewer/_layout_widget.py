"""The "Joint layout" dock widget.

Choose the arrangement, the coupling strength and the number of iterations, press *Run*: the
joint layout (:meth:`napari_topoalign.Comparison.align_layout`) runs in a background job with
a progress bar and a Cancel button, the intermediate positions are drawn as they come (the
user watches the layout settle), and at the end the session's layout is set and the graph
layers sit at the new positions. A failed or cancelled run puts the layers back where they
were and leaves the session's layout as it was. No algorithm lives here.

The job's worker computes everything that takes time: the layout, then the Bubble Set
outlines of the session's regions at the positions the graphs will be drawn at
(:func:`~._draw.layout_outlines`); the GUI thread only sets the layers' data.

*focus* picks a pair of graphs (or all): the layout is the same, and the status reports the
alignment and stress of that pair (``joint_layout(focus=...)``). A click on a cell of the
*Alignment scores* heatmap sets it (:meth:`JointLayoutWidget.select_pair`).
"""

from __future__ import annotations

import time

import numpy as np
from magicgui.widgets import ComboBox, FloatSpinBox, PushButton, SpinBox

from ._graph_layers import from_napari, get_graph_layers, set_positions
from ._jobs import SessionWidget, apply_specs

__all__ = ["JointLayoutWidget"]

#: Panels: as the viewer arranges them (a row up to four graphs, a grid beyond), a row, a
#: grid of small multiples, or all graphs in one frame. The core lays them out side by side
#: (or overlaid); the row or grid is the viewer's arrangement of those panels.
ARRANGEMENTS = ("auto", "row", "grid", "overlay")
#: The *focus* choice "all graphs" (no pair).
ALL = "all"


def _set_positions(viewer, cmp, name: str, xy: np.ndarray) -> None:
    """Move graph ``name``'s nodes and edges to ``xy`` ((x, y) positions from the core)."""
    if get_graph_layers(viewer, name)[0] is not None:
        set_positions(viewer, name, xy, edges=cmp.graphs[name].edges)


def _current_positions(viewer, cmp, name: str) -> np.ndarray | None:
    """Where graph ``name``'s nodes are drawn now ((x, y)), or None when it is not drawn."""
    points, _ = get_graph_layers(viewer, name)
    if points is not None and len(points.data) == cmp.graphs[name].n_nodes:
        return from_napari(np.asarray(points.data, dtype=np.float64)[:, -2:])
    return None


class JointLayoutWidget(SessionWidget):
    """Lay out all mapper graphs of the session jointly and watch them settle.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer; the session is found with ``viewer._state.get_comparison``.
    comparison : Comparison, optional
        A session to use when the viewer holds none (scripts and tests).
    """

    def __init__(self, napari_viewer, comparison=None):
        super().__init__(napari_viewer, comparison)
        self._before: dict[str, np.ndarray] = {}
        self.arrangement = ComboBox(
            label="arrangement", choices=ARRANGEMENTS, value="auto", name="arrangement"
        )
        self.coupling_strength = FloatSpinBox(
            label="coupling strength", max=1e6, step=0.1, name="coupling_strength"
        )
        self.stress_tol = FloatSpinBox(
            label="stress bound", max=10.0, step=0.01, name="stress_tol"
        )
        self.iterations = SpinBox(label="iterations (0: auto)", max=2**31 - 1, name="iterations")
        self.focus = ComboBox(label="focus", choices=self._focus_choices, name="focus")
        self.random_state = SpinBox(
            label="random seed", value=0, min=0, max=2**31 - 1, name="random_state"
        )
        self.run_button = PushButton(text="Run", name="run")
        from ..align import joint_layout

        self.specs = apply_specs(
            self, joint_layout, auto_zero=("iterations",), skip=("arrangement",)
        )
        self.arrangement.tooltip = (
            "auto: a row up to four graphs, a grid of small multiples beyond; row; grid; "
            "overlay: all graphs in one frame"
        )
        self.run_button.tooltip = "lay out all graphs jointly (in the background; Cancel stops it)"
        self.random_state.tooltip = (
            self.random_state.tooltip or "seed of the layout's random start"
        )
        self.extend(
            [
                self.arrangement,
                self.coupling_strength,
                self.stress_tol,
                self.iterations,
                self.random_state,
                self.focus,
                self.run_button,
                *self.job_controls(),
            ]
        )
        self.run_button.changed.connect(self._on_run)

    # -- focus: all graphs or one pair --------------------------------------------------------
    def _focus_choices(self, *args) -> list:
        """``("all graphs", ALL)`` and ``("a / b", (a, b))`` for every pair of the session's
        graphs (and the pair chosen already, so that a choice survives a refresh)."""
        cmp = self._comparison()
        names = list(cmp.graphs) if cmp is not None else []
        out = [("all graphs", ALL)]
        out += [(f"{a} / {b}", (a, b)) for i, a in enumerate(names) for b in names[i + 1 :]]
        chosen = getattr(getattr(self, "focus", None), "value", None)
        extra = getattr(self, "_chosen_pair", None)
        for pair in (chosen, extra):
            if pair not in (None, ALL) and pair not in [v for _, v in out]:
                if all(n in names for n in pair):
                    out.append((f"{pair[0]} / {pair[1]}", tuple(pair)))
        return out

    def select_pair(self, a: str, b: str) -> bool:
        """Focus on the pair ``(a, b)`` (what a click on the scores heatmap does); the same
        graph twice, or a graph the session does not hold, focuses on all graphs. Returns
        whether the pair was taken."""
        cmp = self._comparison()
        names = list(cmp.graphs) if cmp is not None else []
        if a == b or a not in names or b not in names:
            self._chosen_pair = None
            self.focus.reset_choices()
            self.focus.value = ALL
            return False
        self._chosen_pair = (a, b)
        self.focus.reset_choices()
        self.focus.value = (a, b)
        return True

    def params(self) -> dict:
        """The parameters of :func:`napari_topoalign.joint_layout` set in the widget."""
        n = int(self.iterations.value)
        return {
            "arrangement": "overlay" if self.arrangement.value == "overlay" else "side_by_side",
            "coupling_strength": float(self.coupling_strength.value),
            "stress_tol": float(self.stress_tol.value),
            "iterations": None if n == 0 else n,
            "random_state": int(self.random_state.value),
            "focus": None if self.focus.value in (None, ALL) else tuple(self.focus.value),
        }

    # -- run --------------------------------------------------------------------------------
    def _on_run(self, *args):
        from napari.utils.notifications import show_error

        cmp = self._comparison()
        if cmp is None or not cmp.graphs:
            show_error(
                "Joint layout: no mapper graphs yet; build them first "
                "(Build mapper graphs: press Build)"
            )
            return None
        names = list(cmp.graphs)
        self.focus.reset_choices()
        params = self.params()
        if params["focus"] is not None and not all(n in names for n in params["focus"]):
            params["focus"] = None
        from ._draw import _arrangements, _drawing_layout, drawing_context, layout_outlines

        if self.arrangement.value != "overlay":
            _arrangements[self._viewer] = str(self.arrangement.value)
        context = drawing_context(self._viewer)  # read here: the worker never touches Qt
        self._before = {}
        for name in names:
            pos = _current_positions(self._viewer, cmp, name)
            if pos is not None:
                self._before[name] = pos

        from ..align.layout import _JOINT_SHARE, default_iterations

        own = params["iterations"] or default_iterations(sum(cmp.graphs[n].n_nodes for n in names))
        steps = own + int(np.ceil(own * _JOINT_SHARE))
        # about 40 frames per run, whatever its length
        every = max(2, steps // 40)

        from .._utils.progress import sub_progress

        def run(progress):
            emit = getattr(progress, "emit", None)
            layout = cmp.align_layout(
                names,
                progress=sub_progress(progress, 0.0, 0.9),
                callback=emit,
                callback_every=every,
                **params,
            )
            # the regions' outlines at the positions the graphs will be drawn at: here, in
            # the worker, not on the GUI thread when the job ends
            outlines = layout_outlines(cmp, layout, context, sub_progress(progress, 0.9, 1.0))
            progress(1.0, "done")
            return layout, outlines

        last = [0.0]

        def on_yield(positions):
            # drawing is slower than the layout on a software renderer: drop frames that
            # come less than 40 ms after the last one drawn (the final positions always come)
            from ._draw import _move_graphs

            now = time.monotonic()
            if now - last[0] < 0.04:
                return
            _move_graphs(
                self._viewer, cmp, dict(zip(names, positions)), frame=True, mover=self._mover(cmp)
            )
            last[0] = time.monotonic()

        state = {"done": False, "restored": False}

        def restore():
            _drawing_layout.pop(self._viewer, None)
            if state["done"] or state["restored"]:
                return
            state["restored"] = True
            for name, xy in self._before.items():
                _set_positions(self._viewer, cmp, name, xy)

        def on_done(result):
            from ._draw import _move_graphs

            layout, outlines = result
            state["done"] = True
            _drawing_layout.pop(self._viewer, None)
            # the graphs, titles, sizes, regions' outlines and inputs follow; the view is fitted
            _move_graphs(self._viewer, cmp, mover=self._mover(cmp), outlines=outlines)
            self.status.value = f"laid out {len(names)} graphs. " + (
                _focus_text(layout.params.get("focus"))
                or "Next: Matching regions finds the parts that correspond."
            )

        # a failure or a cancel (the runner sets the status) puts the layers back
        _drawing_layout[self._viewer] = cmp  # the session's "layout" change: drawn here
        return self.start(
            run,
            on_done=on_done,
            on_yield=on_yield,
            on_error=lambda exc: restore(),
            label="Joint layout",
        )

    def _mover(self, cmp):
        def move(name, xy):
            _set_positions(self._viewer, cmp, name, xy)

        return move

    def run(self):
        """Start the layout as if *Run* was pressed; returns the background worker."""
        return self._on_run()


def _focus_text(report) -> str:
    """The status line of a focus report (``joint_layout``'s ``params["focus"]``)."""
    if not report:
        return ""
    a, b = report["graphs"]
    sa, sb = report["stress"]
    return (
        f"{a} / {b}: alignment {report['alignment']:.3f} (0: shared inputs at the same "
        f"place), stress {sa:.3f} and {sb:.3f}."
    )
