"""The build widget's report line: mapper_report of each graph after a build (under Xvfb)."""

from __future__ import annotations

import pytest

pytest.importorskip("napari")
pytestmark = pytest.mark.viewer

from viewer_helpers import small_image_comparison  # noqa: E402

from napari_topoalign.mapper.report import mapper_report  # noqa: E402
from napari_topoalign.viewer import BuildMapperWidget  # noqa: E402
from napari_topoalign.viewer._build_widget import report_text  # noqa: E402
from napari_topoalign.viewer._hooks import comparison_layer_data  # noqa: E402
from napari_topoalign.viewer._state import get_comparison  # noqa: E402


def test_report_line_after_a_build(make_napari_viewer, qtbot):
    viewer = make_napari_viewer()
    data, meta, kind = comparison_layer_data(small_image_comparison(), name="test")[0]
    getattr(viewer, f"add_{kind}")(data, **meta)
    cmp = get_comparison(viewer)
    widget = BuildMapperWidget(viewer)
    viewer.window.add_dock_widget(widget, name="Build mapper graphs")
    assert widget.report.value == ""
    widget.run()
    qtbot.waitUntil(lambda: widget._worker is None and len(cmp.graphs) == 2, timeout=60_000)
    qtbot.waitUntil(lambda: widget.report.value != "", timeout=10_000)
    text = widget.report.value
    for name, graph in cmp.graphs.items():
        r = mapper_report(graph)
        assert f"{name}: {r.n_split_elements}/{r.n_elements} elements split" in text
    assert text == report_text({n: mapper_report(g) for n, g in cmp.graphs.items()})
    assert widget.report.native.wordWrap()


def test_report_text_gives_the_advice_of_a_cover_path():
    from napari_topoalign.mapper.report import MapperReport

    path = MapperReport(
        5,
        4,
        80,
        5,
        0,
        0.0,
        0.0,
        0,
        0.25,
        1,
        0,
        0,
        True,
        None,
        "The graph is a path of one cluster per interval: ...",
        ["path"],
    )
    fine = MapperReport(
        9, 12, 80, 5, 3, 0.6, 0.02, 0, 0.1, 1, 4, 3, False, None, "shows structure", []
    )
    text = report_text({"a": path, "b": fine})
    assert "a: 0/5 elements split" in text and "a: The graph is a path" in text
    assert "b: The" not in text
    assert report_text({"b": fine}).endswith("Every graph shows structure beyond its cover.")
