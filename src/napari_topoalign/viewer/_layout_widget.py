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
from magicgui.widgets import (
    ComboBox,
    Container,
    FloatSpinBox,
    Label,
    ProgressBar,
    PushButton,
    SpinBox,
)

__all__ = ["JointLayoutWidget"]

ARRANGEMENTS = ("side_by_side", "overlay")


# -- the graph layers: the shared module when it is there, else the naming contract ----------
def _to_napari(xy: np.ndarray) -> np.ndarray:
    try:
        from ._graph_layers import to_napari
    except ImportError:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return np.column_stack([-xy[:, 1], xy[:, 0]])
    return np.asarray(to_napari(xy), dtype=np.float64)


def _from_napari(rc: np.ndarray) -> np.ndarray:
    try:
        from ._graph_layers import from_napari
    except ImportError:
        rc = np.asarray(rc, dtype=np.float64).reshape(-1, 2)
        return np.column_stack([rc[:, 1], -rc[:, 0]])
    return np.asarray(from_napari(rc), dtype=np.float64)


def _layers(viewer, name: str):
    try:
        from ._graph_layers import get_graph_layers
    except ImportError:
        nodes, edges = f"{name} nodes", f"{name} edges"
        return (
            viewer.layers[nodes] if nodes in viewer.layers else None,
            viewer.layers[edges] if edges in viewer.layers else None,
        )
    try:
        return get_graph_layers(viewer, name)
    except (KeyError, ValueError, LookupError):
        return None, None


def _set_positions(viewer, cmp, name: str, xy: np.ndarray) -> None:
    """Move graph ``name``'s nodes and edges to ``xy`` ((x, y) positions from the core)."""
    try:
        from ._graph_layers import set_positions
    except ImportError:
        set_positions = None
    if set_positions is not None:
        set_positions(viewer, name, xy)
        return
    points, vectors = _layers(viewer, name)
    rc = _to_napari(xy)
    if points is not None:
        points.data = rc
    if vectors is not None:
        e = np.asarray(cmp.graphs[name].edges, dtype=np.int64).reshape(-1, 2)
        vectors.data = np.stack([rc[e[:, 0]], rc[e[:, 1]] - rc[e[:, 0]]], axis=1) if len(e) else np.zeros((0, 2, 2))


def _current_positions(viewer, cmp, name: str) -> np.ndarray | None:
    """Where graph ``name``'s nodes are drawn now ((x, y)), or None when it is not drawn."""
    points, _ = _layers(viewer, name)
    if points is not None and len(points.data) == cmp.graphs[name].n_nodes:
        return _from_napari(np.asarray(points.data, dtype=np.float64)[:, -2:])
    return None


class JointLayoutWidget(Container):
    """Lay out all mapper graphs of the session jointly and watch them settle.

    Parameters
    ----------
    napari_viewer : napari.Viewer
        The viewer; the session is found with ``viewer._state.get_comparison``.
    comparison : Comparison, optional
        A session to use when the viewer holds none (scripts and tests).
    """

    def __init__(self, napari_viewer, comparison=None):
        self._viewer = napari_viewer
        self._given = comparison
        self._worker = None
        self._before: dict[str, np.ndarray] = {}
        self.arrangement = ComboBox(label="arrangement", choices=ARRANGEMENTS, value="side_by_side", name="arrangement")
        self.coupling_strength = FloatSpinBox(
            label="coupling strength", value=1.0, min=0.0, max=100.0, step=0.1, name="coupling_strength"
        )
        self.iterations = SpinBox(label="iterations (0: auto)", value=0, min=0, max=100_000, name="iterations")
        self.random_state = SpinBox(label="random seed", value=0, min=0, max=2**31 - 1, name="random_state")
        self.run_button = PushButton(text="Run", name="run")
        self.cancel_button = PushButton(text="Cancel", name="cancel", enabled=False)
        self.progress = ProgressBar(value=0, min=0, max=100, name="progress", visible=False)
        self.status = Label(value="", name="status")
        super().__init__(
            widgets=[
                self.arrangement,
                self.coupling_strength,
                self.iterations,
                self.random_state,
                self.run_button,
                self.cancel_button,
                self.progress,
                self.status,
            ],
            labels=True,
        )
        self.run_button.changed.connect(self._on_run)

    # -- session ----------------------------------------------------------------------------
    def _comparison(self):
        try:
            from ._state import get_comparison
        except ImportError:
            get_comparison = None
        if get_comparison is not None:
            cmp = get_comparison(self._viewer)
            if cmp is not None:
                return cmp
        return self._given

    def params(self) -> dict:
        """The parameters of :func:`napari_topoalign.joint_layout` set in the widget."""
        n = int(self.iterations.value)
        return {
            "arrangement": str(self.arrangement.value),
            "coupling_strength": float(self.coupling_strength.value),
            "iterations": None if n == 0 else n,
            "random_state": int(self.random_state.value),
        }

    # -- run --------------------------------------------------------------------------------
    def _on_run(self, *args):
        from napari.utils.notifications import show_error

        cmp = self._comparison()
        if cmp is None or not cmp.graphs:
            show_error("Joint layout: no mapper graphs yet; build them first")
            return None
        names = list(cmp.graphs)
        params = self.params()
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
            return cmp.align_layout(names, progress=progress, callback=emit, callback_every=every, **params)

        last = [0.0]

        def on_yield(positions):
            # drawing is slower than the layout on a software renderer: drop frames that
            # come less than 40 ms after the last one drawn (the final positions always come)
            now = time.monotonic()
            if now - last[0] < 0.04:
                return
            for name, xy in zip(names, positions):
                _set_positions(self._viewer, cmp, name, xy)
            last[0] = time.monotonic()

        state = {"done": False, "restored": False}

        def restore():
            if state["done"] or state["restored"]:
                return
            state["restored"] = True
            for name, xy in self._before.items():
                _set_positions(self._viewer, cmp, name, xy)

        def on_done(layout):
            state["done"] = True
            for name in names:
                _set_positions(self._viewer, cmp, name, layout.positions[name])
            self.status.value = f"laid out {len(names)} graphs"
            self._worker = None

        def on_error(exc=None):
            restore()
            self.status.value = "cancelled" if _is_cancel(exc) else "failed; nothing changed"
            self._worker = None

        try:
            from ._jobs import start_job
        except ImportError:
            start_job = None
        if start_job is not None:
            self._worker = start_job(self, run, on_done=on_done, on_yield=on_yield, on_error=on_error, label="Joint layout")
        else:
            self._worker = _LocalJob(self, run, on_done=on_done, on_yield=on_yield, on_error=on_error).start()
        worker = self._worker
        finished = getattr(worker, "finished", None)
        if finished is not None:
            # whatever the job runner reports on a cancel: a run that did not finish puts
            # the layers back (the intermediate frames must not stay)
            def on_finished(*args):
                restore()
                if not state["done"]:
                    self._worker = None

            finished.connect(on_finished)
        return worker

    def run(self):
        """Start the layout as if *Run* was pressed; returns the background worker."""
        return self._on_run()


def _is_cancel(exc) -> bool:
    from ..session import Cancelled

    return isinstance(exc, Cancelled)


class _LocalJob:
    """Run ``fn(progress)`` in a napari thread worker with the widget's progress bar and
    Cancel button (only when the shared ``viewer._jobs.start_job`` is not there).

    ``progress(fraction, message)`` raises :class:`~napari_topoalign.session.Cancelled` once
    Cancel was pressed; ``progress.emit(value)`` hands intermediate results to ``on_yield``
    in the GUI thread."""

    def __init__(self, widget: JointLayoutWidget, fn, *, on_done, on_yield, on_error):
        from qtpy.QtCore import QObject, Signal

        from ..session import Cancelled

        class _Relay(QObject):
            reported = Signal(float, str)
            yielded = Signal(object)

        self._relay = _Relay()
        self._widget = widget
        self._fn = fn
        self._cancelled = False
        self._on_done = on_done
        self._on_error = on_error
        job = self

        class _Progress:
            def __call__(self, fraction, message=""):
                if job._cancelled:
                    raise Cancelled("cancelled by the user")
                job._relay.reported.emit(float(fraction), str(message))

            def emit(self, value):
                if job._cancelled:
                    raise Cancelled("cancelled by the user")
                job._relay.yielded.emit(value)

        self._progress = _Progress()
        self._relay.reported.connect(self._show)
        self._relay.yielded.connect(on_yield)

    def _show(self, fraction, message):
        self._widget.progress.value = int(round(100 * fraction))
        self._widget.status.value = message

    def _cancel(self, *args):
        self._cancelled = True

    def _set_running(self, running: bool):
        w = self._widget
        w.run_button.enabled = not running
        w.cancel_button.enabled = running
        w.progress.visible = running
        for sub in (w.arrangement, w.coupling_strength, w.iterations, w.random_state):
            sub.enabled = not running

    def start(self):
        from napari.qt.threading import create_worker

        w = self._widget
        w.progress.value = 0
        self._set_running(True)
        w.cancel_button.changed.connect(self._cancel)
        worker = create_worker(self._fn, self._progress, _start_thread=False, _ignore_errors=True)

        def finished(*args):
            w.cancel_button.changed.disconnect(self._cancel)
            self._set_running(False)

        def errored(exc):
            from napari.utils.notifications import show_error

            if not _is_cancel(exc):
                show_error(f"Joint layout failed: {exc}")
            self._on_error(exc)

        worker.returned.connect(self._on_done)
        worker.errored.connect(errored)
        worker.finished.connect(finished)
        worker.start()
        return worker
