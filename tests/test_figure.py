"""The comparison-wide colour map (colors.py), the panels' arrangement and the publication
figure (figure.py), without a viewer."""

from __future__ import annotations

import numpy as np
import pytest

from napari_topoalign import Comparison, colors
from napari_topoalign.figure import arrange_panels, grid_columns


def _comparison(n_reps=3, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.repeat(["cat", "dog", "owl"], 50)
    Z = np.r_[
        rng.normal(0, 0.3, (50, 2)), rng.normal(4, 0.3, (50, 2)), rng.normal(8, 0.3, (50, 2))
    ]
    Z[:, 1] += np.linspace(0, 3, 150)
    reps = {
        f"r{k}": np.tanh(Z @ rng.normal(size=(2, 5))) + rng.normal(scale=0.02, size=(150, 5))
        for k in range(n_reps)
    }
    cmp = Comparison(reps, labels=labels)
    cmp.build_mappers(lens="pca1", n_intervals=6, overlap=0.35, random_state=0)
    return cmp


def test_label_colors_by_rank_not_by_order_of_appearance():
    a = colors.label_colors([3, 1, 2, 1])
    b = colors.label_colors(np.array([1, 2, 3]))
    assert (
        a
        == b
        == {1: colors.LABEL_PALETTE[0], 2: colors.LABEL_PALETTE[1], 3: colors.LABEL_PALETTE[2]}
    )
    # text labels with numbers sort by the numbers
    bands = colors.label_colors(["251-500", "1-250", "1001-1250", "501-750"])
    assert list(bands) == ["1-250", "251-500", "501-750", "1001-1250"]
    # many labels: all distinct
    many = colors.label_colors(np.arange(60))
    assert len(set(many.values())) == 60
    # missing labels get no entry, unknown values the 'unlabelled' grey
    assert None not in colors.label_colors(["a", None, "b"])
    rgba = colors.label_color_array(["a", "zzz"], colors.label_colors(["a"]))
    np.testing.assert_allclose(rgba[1], colors.to_rgba(colors.UNLABELLED))
    assert colors.label_counts(["b", "a", "b"]) == {"a": 1, "b": 2}


def test_region_and_highlight_colours_are_not_label_colours():
    region = {c.lower() for c in colors.REGION_PALETTE}
    assert not region & {c.lower() for c in colors.LABEL_PALETTE}
    # pastel: every region colour is lighter than every label colour of the first ten
    light = lambda c: colors.to_rgba(c)[:3].mean()  # noqa: E731
    assert min(map(light, colors.REGION_PALETTE)) > max(map(light, colors.LABEL_PALETTE[:10]))
    # the highlight is white: neither a label colour nor an end of viridis
    ends = colors.continuous_colors([0.0, 1.0], (0.0, 1.0))
    assert np.allclose(colors.HIGHLIGHT[:3], 1.0)
    assert np.abs(ends[:, :3] - 1.0).max() > 0.3
    np.testing.assert_allclose(colors.region_colors(12)[10], colors.region_colors(12)[0])


def test_arrange_panels_grid_keeps_the_shared_frame_and_does_not_overlap():
    rng = np.random.default_rng(1)
    positions, offsets = {}, {}
    for k in range(7):
        xy = rng.normal(size=(20, 2))
        offsets[f"g{k}"] = np.array([10.0 * k, 0.0])
        positions[f"g{k}"] = xy + offsets[f"g{k}"]
    row, row_boxes = arrange_panels(positions, offsets, "row")
    assert all(np.array_equal(row[n], positions[n]) for n in positions)
    pos, boxes = arrange_panels(positions, offsets, "auto")  # 7 graphs: a grid
    assert grid_columns(7) == 4
    names = list(positions)
    # within its panel each graph keeps its place in the frame shared by all graphs
    shift = {n: pos[n] - (positions[n] - offsets[n]) for n in names}
    for n in names:
        assert np.allclose(shift[n], shift[n][0])
    # panels do not overlap, and each graph lies in its own box
    for i, a in enumerate(names):
        lo, hi = boxes[a][:2], boxes[a][2:]
        assert np.all(pos[a] >= lo - 1e-9) and np.all(pos[a] <= hi + 1e-9)
        for b in names[i + 1 :]:
            la, ha, lb, hb = boxes[a][:2], boxes[a][2:], boxes[b][:2], boxes[b][2:]
            assert np.any(ha < lb) or np.any(hb < la), (a, b)
    # two rows of four and three
    tops = sorted({round(float(b[3]), 6) for b in boxes.values()})
    assert len(tops) == 2
    with pytest.raises(ValueError, match="arrangement"):
        arrange_panels(positions, offsets, "spiral")


def test_figure_has_one_titled_panel_per_graph_and_the_canvas_colours(tmp_path):
    pytest.importorskip("matplotlib")
    cmp = _comparison()
    cmp.align_layout(random_state=0)
    cmp.find_regions("r0", "r1", n_permutations=0)
    png = tmp_path / "fig.png"
    fig = cmp.figure(png, dpi=80)
    assert png.exists() and png.stat().st_size > 1000
    panels = {k: v for k, v in fig.topoalign_axes.items() if not k.startswith("__")}
    assert list(panels) == ["r0", "r1", "r2"]
    for name, ax in panels.items():
        g = cmp.graphs[name]
        assert ax.get_title() == f"{name}: {g.n_nodes} nodes, {g.n_edges} edges"
        # node colours: the comparison's label colours, the same as the canvas uses
        scatter = ax.collections[-1]
        faces = np.asarray(scatter.get_facecolors())
        expected = colors.label_color_array(
            g.nodes["majority_label"].to_numpy(), colors.label_colors(cmp.representations.labels)
        )
        order = np.argsort(-g.nodes["size"].to_numpy(), kind="stable")
        np.testing.assert_allclose(faces[:, :3], expected[order, :3], atol=1e-6)
    # regions are drawn in the region colours in both of their graphs
    n_regions = len(cmp.correspondences[("r0", "r1")].regions)
    assert n_regions > 0
    for name in ("r0", "r1"):
        patches = panels[name].patches
        assert len(patches) >= n_regions
        np.testing.assert_allclose(
            patches[0].get_facecolor()[:3], colors.to_rgba(colors.region_color(0))[:3], atol=1e-6
        )
    assert not panels["r2"].patches
    # the legend lists every label with its number of inputs
    legends = [a for a in fig.topoalign_axes["__legend__"].artists] + [
        fig.topoalign_axes["__legend__"].get_legend()
    ]
    all_texts = [t.get_text() for leg in legends for t in leg.get_texts()]
    assert {"cat (50)", "dog (50)", "owl (50)"} <= set(all_texts)
    assert "region 1" in all_texts

    # vector formats, and numbers with a colour bar
    svg, pdf = tmp_path / "fig.svg", tmp_path / "fig.pdf"
    cmp.figure(svg)
    cmp.figure(pdf, color_by="lens_mean", regions=False)
    assert svg.read_text()[:200].lstrip().startswith("<?xml") and pdf.read_bytes()[:4] == b"%PDF"
    fig = cmp.figure(None, color_by="lens_mean", ncols=2)
    assert "__colorbar__" in fig.topoalign_axes
    assert len([k for k in fig.topoalign_axes if not k.startswith("__")]) == 3


def test_figure_bad_input_says_what_to_do(tmp_path):
    pytest.importorskip("matplotlib")
    empty = Comparison({"a": np.zeros((10, 2)), "b": np.ones((10, 2))})
    with pytest.raises(ValueError, match=r"no mapper graphs yet; call build_mappers\(\) first"):
        empty.figure(tmp_path / "x.png")
    cmp = _comparison(2)
    with pytest.raises(ValueError, match="suffix must be one of"):
        cmp.figure(tmp_path / "x.jpg")
    with pytest.raises(ValueError, match="dpi"):
        cmp.figure(tmp_path / "x.png", dpi=5)
    with pytest.raises(KeyError, match="nope"):
        cmp.figure(color_by="nope")


def test_every_stage_says_what_to_do_before_graphs_exist():
    cmp = Comparison(
        {"a": np.random.default_rng(0).normal(size=(30, 3)), "b": np.zeros((30, 2)) + 1}
    )
    with pytest.raises(ValueError, match=r"call build_mappers\(\) first"):
        cmp.find_regions("a", "b")
    with pytest.raises(ValueError, match=r"call build_mappers\(\) first"):
        cmp.find_regions()
    with pytest.raises(ValueError, match=r"call build_mappers\(\) first"):
        cmp.align_layout()
    with pytest.raises(ValueError, match=r"call build_mappers\(\) first"):
        cmp.align_layout(["a"])
