"""magicgui controls made from a core function's declared parameter specs (one copy for
every widget): limits, default and tooltip come from :func:`napari_topoalign._utils.params.param_specs`,
never from numbers copied into a widget."""

from __future__ import annotations

from magicgui.widgets import CheckBox, ComboBox, FloatSpinBox, LineEdit, SpinBox

__all__ = ["spec_control", "control_value", "param_controls"]


def spec_control(name: str, spec):
    """A magicgui control for one declared parameter. An optional integer (``none_ok`` or a
    None default) shows ``none`` at its lowest value; :func:`control_value` reads it back."""
    tip = spec.help or name
    if spec.kind == "bool":
        return CheckBox(name=name, label=name, value=bool(spec.default), tooltip=tip)
    if spec.kind == "choice":
        opts = spec.options()
        value = spec.default if spec.default in opts else (opts[0] if opts else None)
        return ComboBox(name=name, label=name, choices=opts, value=value, tooltip=tip)
    if spec.kind == "int":
        low = int(spec.low) + (1 if spec.low_open else 0) if spec.low is not None else 0
        high = (
            int(min(spec.high, 2**31 - 2)) - (1 if spec.high_open else 0)
            if spec.high is not None
            else 2**31 - 2
        )
        optional = spec.none_ok or spec.default is None
        lo = low - 1 if optional else low
        value = lo if spec.default is None else int(spec.default)
        w = SpinBox(name=name, label=name, min=lo, max=high, value=value, tooltip=tip)
        if optional:
            w.native.setSpecialValueText("none")
        w._none_at = lo if optional else None
        return w
    if spec.kind == "float":
        low = float(spec.low) if spec.low is not None else -1e9
        high = float(spec.high) if spec.high is not None else 1e9
        step = 0.05 if high - low <= 2 else 1.0
        if spec.low_open:
            low = low + 0.01
        value = float(spec.default) if spec.default is not None else low
        return FloatSpinBox(
            name=name, label=name, min=low, max=high, step=step, value=value, tooltip=tip
        )
    return LineEdit(
        name=name, label=name, value="" if spec.default is None else str(spec.default), tooltip=tip
    )


def control_value(widget):
    """The value of a control made by :func:`spec_control` (None for an optional integer at
    its ``none`` position)."""
    if isinstance(widget, SpinBox) and getattr(widget, "_none_at", None) is not None:
        return None if widget.value == widget._none_at else int(widget.value)
    return widget.value


def param_controls(fn, *, skip_none: bool = True) -> dict:
    """Controls for the declared parameters of ``fn`` that a control can show (int, float,
    bool, choice). With ``skip_none``, parameters whose default is None (automatic) are left
    at their defaults and get no control."""
    from .._utils.params import param_specs

    out = {}
    for key, spec in param_specs(fn).items():
        if spec.kind in ("any", "array", "str") or (skip_none and spec.default is None):
            continue
        if spec.kind == "choice" and not [c for c in spec.options() if isinstance(c, str)]:
            continue
        out[key] = spec_control(key, spec)
    return out
