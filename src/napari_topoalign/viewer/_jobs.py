"""Background jobs of the dock widgets: one runner for all of them.

:func:`start_job` runs ``fn(progress)`` in a napari thread worker. The widget shows the job:
its ``progress`` bar fills with the reported fraction, its ``status`` label shows the message,
its ``cancel_button`` is enabled, and every other control of the widget is disabled until the
job ends (and then put back as it was).

``progress(fraction, message)`` is what the core functions take as their ``progress``
argument; once *Cancel* was pressed it raises :class:`~napari_topoalign.Cancelled`, which
stops the core function where it reports next. ``progress.emit(value)`` hands an intermediate
result to ``on_yield`` in the GUI thread (the joint layout draws its frames that way).

At the end exactly one of ``on_done(result)`` and ``on_error(exc)`` is called in the GUI
thread; a cancel counts as an error whose ``exc`` is a ``Cancelled``. Failures other than a
cancel are shown in the viewer (``show_error``) and in the status label, never raised into
Qt's event loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from magicgui.widgets import Container, Label, ProgressBar, PushButton

from ._state import get_comparison

__all__ = ["start_job", "Job", "SessionWidget", "PairWidget", "apply_specs", "WRAP_WIDTH"]

#: Minimum width of word-wrapped labels: a long message wraps instead of widening the dock,
#: and its height (at this width) stays modest, so stacked docks do not grow the window.
WRAP_WIDTH = 180


def apply_specs(widget, fn, *, auto_zero=(), skip=()) -> dict:
    """Give the controls of ``widget`` named like the parameters of ``fn`` what the core
    declares for them (``param_specs(fn)``): the help text as tooltip (with the range), the
    limits, the choices and the default. Controls with no spec keep what the widget set.

    ``auto_zero`` names parameters whose "automatic" (None) the widget shows as 0: their
    minimum stays 0 and a None default is shown as 0. ``skip`` names controls left alone
    (their values come from elsewhere). Returns the specs used, by name."""
    from .._utils.params import param_specs

    used = {}
    for key, spec in param_specs(fn).items():
        control = getattr(widget, key, None)
        if control is None or key in skip or not hasattr(control, "value"):
            continue
        used[key] = spec
        tip = spec.help or ""
        if spec.kind in ("int", "float") and (spec.low is not None or spec.high is not None):
            lo = "-inf" if spec.low is None else f"{spec.low:g}"
            hi = "inf" if spec.high is None else f"{spec.high:g}"
            tip += f" ({'(' if spec.low_open else '['}{lo}, {hi}{')' if spec.high_open else ']'}"
            tip += "; 0: automatic)" if key in auto_zero else ")"
        elif spec.default is None and key in auto_zero:
            tip += " (0: automatic)"
        control.tooltip = tip.strip()
        if spec.kind in ("int", "float") and hasattr(control, "max"):
            step = float(getattr(control, "step", 1) or 1) if spec.kind == "float" else 1
            if spec.high is not None:
                high = spec.high - (step if spec.high_open else 0)
                control.max = min(high, 2**31 - 1) if spec.kind == "int" else high
            if spec.low is not None and key not in auto_zero:
                control.min = spec.low + (step if spec.low_open else 0)
        elif spec.kind == "choice" and hasattr(control, "choices") and spec.options():
            control.choices = [c for c in spec.options() if isinstance(c, str)] or control.choices
        default = spec.default
        if default is None and key in auto_zero:
            default = 0
        if default is not None and not callable(default):
            try:
                control.value = default
            except (ValueError, TypeError):  # the widget cannot show this default
                pass
    return used


class Job:
    """One background run for a dock widget (see the module docstring)."""

    def __init__(
        self,
        widget,
        fn: Callable[[Any], Any],
        *,
        on_done: Callable[[Any], Any],
        on_error: Callable[[BaseException], Any] | None = None,
        on_yield: Callable[[Any], Any] | None = None,
        label: str = "",
    ):
        from qtpy.QtCore import QObject, Signal

        from ..session import Cancelled

        class _Relay(QObject):
            reported = Signal(float, str)
            yielded = Signal(object)

        self.widget = widget
        self.label = label or "Job"
        self.cancelled = False
        self._fn = fn
        self._on_done = on_done
        self._on_error = on_error
        self._relay = _Relay()  # lives in the GUI thread: its signals are delivered there
        self._relay.reported.connect(self._show_progress)
        if on_yield is not None:
            self._relay.yielded.connect(on_yield)
        self._disabled: list = []
        job = self

        class _Progress:
            """The ``progress`` callable handed to the core function."""

            def __call__(self, fraction, message=""):
                if job.cancelled:
                    raise Cancelled("cancelled by the user")
                job._relay.reported.emit(float(fraction), str(message))

            def emit(self, value):
                if job.cancelled:
                    raise Cancelled("cancelled by the user")
                job._relay.yielded.emit(value)

        self.progress = _Progress()
        self.worker = None

    # -- the widget while running ---------------------------------------------------------------
    def _controls(self) -> list:
        w = self.widget
        keep = {id(getattr(w, n, None)) for n in ("cancel_button", "progress", "status")}
        return [c for c in getattr(w, "_list", []) if id(c) not in keep]

    def _set_running(self, running: bool) -> None:
        w = self.widget
        if running:
            self._disabled = [c for c in self._controls() if c.enabled]
            for c in self._disabled:
                c.enabled = False
        else:
            for c in self._disabled:
                c.enabled = True
            self._disabled = []
        w.cancel_button.enabled = running
        w.progress.visible = running

    def _show_progress(self, fraction: float, message: str) -> None:
        self.widget.progress.value = int(round(100 * min(max(fraction, 0.0), 1.0)))
        if message:
            self.widget.status.value = message

    # -- control ----------------------------------------------------------------------------------
    def cancel(self, *args) -> None:
        """Ask the job to stop at its next progress report."""
        if not self.cancelled:
            self.cancelled = True
            self.widget.status.value = "cancelling ..."

    def start(self):
        from napari.qt.threading import create_worker

        w = self.widget
        w.progress.value = 0
        w.status.value = f"{self.label} ..."
        self._set_running(True)
        w.cancel_button.changed.connect(self.cancel)
        worker = create_worker(self._fn, self.progress, _start_thread=False, _ignore_errors=True)
        worker.returned.connect(self._returned)
        worker.errored.connect(self._errored)
        worker.finished.connect(self._finished)
        worker.job = self
        self.worker = worker
        worker.start()
        return worker

    def _returned(self, value) -> None:
        try:
            self._on_done(value)
        except Exception as exc:  # a drawing error: shown, never raised into Qt
            self._report_failure(exc)

    def _errored(self, exc) -> None:
        from ..session import Cancelled

        if isinstance(exc, Cancelled):
            if self._on_error is not None:
                self._on_error(exc)
            self.widget.status.value = "cancelled"
            return
        self._report_failure(exc)

    def _report_failure(self, exc) -> None:
        from napari.utils.notifications import show_error

        show_error(f"{self.label} failed: {exc}")
        self.widget.status.value = f"failed: {exc}"
        if self._on_error is not None:
            self._on_error(exc)

    def _finished(self) -> None:
        w = self.widget
        try:
            w.cancel_button.changed.disconnect(self.cancel)
        except (TypeError, ValueError):  # pragma: no cover - already disconnected
            pass
        self._set_running(False)


def start_job(widget, fn, *, on_done, on_error=None, on_yield=None, label: str = ""):
    """Run ``fn(progress)`` in the background for ``widget``; returns the napari worker
    (with ``.job``, the :class:`Job`, and the ``finished`` signal)."""
    return Job(
        widget, fn, on_done=on_done, on_error=on_error, on_yield=on_yield, label=label
    ).start()


class SessionWidget(Container):
    """Base of the dock widgets that act on the viewer's session in background jobs.

    It finds the session (:func:`~napari_topoalign.viewer._state.get_comparison`, else the
    ``comparison`` given, for scripts and tests), owns the job controls (``cancel_button``,
    ``progress``, ``status``: put them in the widget with :meth:`job_controls`) and runs work
    with :meth:`start`, which keeps the running worker in ``_worker`` until the job ends.
    """

    def __init__(self, napari_viewer, comparison=None):
        super().__init__(labels=True)
        self._viewer = napari_viewer
        self._given = comparison
        self._worker = None
        self.cancel_button = PushButton(text="Cancel", name="cancel", enabled=False)
        self.progress = ProgressBar(value=0, min=0, max=100, name="progress", visible=False)
        self.status = Label(value="", name="status")
        self.status.native.setWordWrap(True)  # a long message wraps instead of widening the dock
        self.status.native.setMinimumWidth(WRAP_WIDTH)  # not the wrapped text's own (wide) minimum
        from qtpy.QtWidgets import QSizePolicy

        self.status.native.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred
        )

    def _comparison(self):
        """The session: the viewer's, else the one given."""
        cmp = get_comparison(self._viewer)
        return cmp if cmp is not None else self._given

    def job_controls(self) -> list:
        return [self.cancel_button, self.progress, self.status]

    def start(self, fn, *, on_done, on_error=None, on_yield=None, label: str = ""):
        """Run ``fn(progress)`` as this widget's job (see :func:`start_job`)."""

        def done(value):
            self._worker = None
            on_done(value)

        def failed(exc):
            self._worker = None
            if on_error is not None:
                on_error(exc)

        self._worker = start_job(
            self, fn, on_done=done, on_error=failed, on_yield=on_yield, label=label
        )
        return self._worker


class PairWidget(SessionWidget):
    """A :class:`SessionWidget` that works on a pair of the session's graphs, chosen in its
    ``graph_a`` / ``graph_b`` controls (whose choices are :meth:`_names`)."""

    def _names(self, widget=None) -> list[str]:
        """The session's graph names (the choices of ``graph_a`` and ``graph_b``)."""
        cmp = self._comparison()
        return list(cmp.graphs) if cmp is not None else []

    def _pick_defaults(self) -> None:
        """The first two graphs, once, as soon as there are two (never overriding a choice)."""
        if getattr(self, "_defaults_picked", False):
            return
        names = self._names()
        if len(names) >= 2:
            self.graph_a.value = names[0]
            self.graph_b.value = names[1]
            self._defaults_picked = True
