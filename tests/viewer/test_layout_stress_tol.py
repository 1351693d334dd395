"""The layout widget's coupling strength and stress bound come from joint_layout's specs."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from napari_topoalign import Comparison  # noqa: E402
from napari_topoalign._utils.params import param_specs  # noqa: E402
from napari_topoalign.align import joint_layout  # noqa: E402
from napari_topoalign.viewer import JointLayoutWidget  # noqa: E402


def test_stress_bound_and_coupling_from_the_specs(make_napari_viewer, qtbot):
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    cmp = Comparison({"a": X, "b": X @ rng.normal(size=(4, 4))})
    cmp.build_mappers(n_intervals=6, random_state=0)
    viewer = make_napari_viewer()
    widget = JointLayoutWidget(viewer, cmp)
    specs = param_specs(joint_layout)
    assert widget.stress_tol.value == pytest.approx(specs["stress_tol"].default)
    assert widget.coupling_strength.value == pytest.approx(specs["coupling_strength"].default)
    assert widget.stress_tol.max == pytest.approx(specs["stress_tol"].high)
    assert "stress" in widget.stress_tol.tooltip
    widget.stress_tol.value = 0.2
    assert widget.params()["stress_tol"] == pytest.approx(0.2)
    worker = widget.run()
    assert worker is not None
    qtbot.waitUntil(lambda: cmp.layout is not None and widget._worker is None, timeout=60_000)
    assert cmp.layout.params["stress_tol"] == pytest.approx(0.2)
