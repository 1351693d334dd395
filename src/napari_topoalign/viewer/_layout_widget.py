"""The "Joint layout" dock widget.

Choose the arrangement, the coupling strength and the number of iterations, press *Run*: the
joint layout (:meth:`napari_topoalign.Comparison.align_layout`) runs in a background job with
a progress bar and a Cancel button, the intermediate positions are drawn as they come (the
user watches the layout settle), and at the end the session's layout is set and the graph
layers sit at the new positions. A failed or cancelled run puts the layers back where they
were and leaves the session's layout as it was. No algorithm lives here.
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
                self.run_button,
                *self.job_controls(),
            ]
        )
        self.run_button.changed.connect(self._on_run)

    def params(self) -> dict:
        """The parameters of :func:`napari_topoalign.joint_layout` set in the widget."""
        n = int(self.iterations.value)
        return {
            "arrangement": "overlay" if self.arrangement.value == "overlay" else "side_by_side",
            "coupling_strength": float(self.coupling_strength.value),
            "stress_tol": float(self.stress_tol.value),
            "iterations": None if n == 0 else n,
            "random_state": int(self.random_state.value),
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
        params = self.params()
        from ._draw import _arrangements

        if self.arrangement.value != "overlay":
            _arrangements[self._viewer] = str(self.arrangement.value)
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

        def run(progress):
            emit = getattr(progress, "emit", None)
            return cmp.align_layout(
                names, progress=progress, callback=emit, callback_every=every, **params
            )

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
            if state["done"] or state["restored"]:
                return
            state["restored"] = True
            for name, xy in self._before.items():
                _set_positions(self._viewer, cmp, name, xy)

        def on_done(layout):
            from ._draw import _move_graphs

            state["done"] = True
            # the graphs, titles, sizes, regions' outlines and inputs follow; the view is fitted
            _move_graphs(self._viewer, cmp, mover=self._mover(cmp))
            self.status.value = f"laid out {len(names)} graphs. Next: Matching regions finds the parts that correspond."

        # a failure or a cancel (the runner sets the status) puts the layers back
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
