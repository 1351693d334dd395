"""Bubble Sets: every bad parameter, position and member set answered with an error that
names it; budgets refused up front; cancellable before the first set."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from napari_topoalign import Cancelled
from napari_topoalign.shapes import bubble_set, bubble_sets
from napari_topoalign.shapes._bubble_params import BUBBLE_PARAMS, MAX_CELLS_LIMIT

POS = np.random.default_rng(1).uniform(0, 10, size=(60, 2))
MEM = [0, 1, 2, 3]
LENGTHS = [
    "scale",
    "pixel_size",
    "node_r0",
    "node_r1",
    "edge_r0",
    "edge_r1",
    "nonmember_r0",
    "nonmember_r1",
    "route_margin",
]
NOT_NUMBERS = [True, "1.0", float("nan"), float("inf"), [1.0], None, 1 + 2j]


@pytest.mark.parametrize("name", LENGTHS + ["node_weight", "threshold"])
@pytest.mark.parametrize("value", NOT_NUMBERS + [0.0, -1.0], ids=repr)
def test_positive_reals_are_checked(name, value):
    if value is None and BUBBLE_PARAMS[name].none_ok:
        return  # None means "the default"
    with pytest.raises((TypeError, ValueError), match=name):
        bubble_set(POS, MEM, **{name: value})


@pytest.mark.parametrize(
    "name, value",
    [
        ("edge_weight", -1.0),
        ("nonmember_weight", 0.5),
        ("threshold_relax", 1.0),
        ("threshold_relax", "0.3"),
        ("simplify", -1.0),
        ("hole_area", -1.0),
        ("max_iterations", 0),
        ("max_iterations", 8.0),
        ("max_iterations", True),
        ("max_iterations", 10**6),
        ("max_route_splits", -1),
        ("max_route_splits", 2.5),
        ("max_cells", 10),
        ("max_cells", 1e6),
        ("virtual_edges", 1),
        ("virtual_edges", "yes"),
    ],
)
def test_other_parameters_are_checked(name, value):
    with pytest.raises((TypeError, ValueError), match=name):
        bubble_set(POS, MEM, **{name: value})


def test_a_grid_of_10_to_the_12_cells_is_refused_with_the_estimate():
    with pytest.raises(ValueError, match=r"max_cells: at most 20,000,000 grid points.*GB") as info:
        bubble_set(POS, MEM, max_cells=10**12)
    assert "32000" in str(info.value).replace(",", "") or "3.2e+04" in str(info.value)
    assert BUBBLE_PARAMS["max_cells"].high == MAX_CELLS_LIMIT


def test_far_apart_members_get_coarser_pixels_not_a_huge_grid():
    pos = np.r_[POS, [[1e7, 1e7]]]
    polys = bubble_set(pos, MEM + [60])
    assert polys and all(np.isfinite(p).all() for p in polys)


@pytest.mark.parametrize(
    "positions",
    [
        np.r_[POS[:3], [[np.nan, 0.0]]],
        np.zeros((60, 3)),
        POS[:, 0],
        POS.astype(str),
        sp.csr_matrix(POS),
        np.ma.masked_array(POS),
        None,
        POS.astype(complex),
    ],
    ids=["nan", "3cols", "1d", "strings", "sparse", "masked", "none", "complex"],
)
def test_bad_positions_are_named(positions):
    with pytest.raises((TypeError, ValueError), match="positions"):
        bubble_set(positions, [0, 1, 2])


@pytest.mark.parametrize(
    "members",
    [[-1, 2], [1.5, 2], [0, 60], ["a"], [True, False], [[0, 1], [2, 3]]],
    ids=["negative", "fractional", "out_of_range", "strings", "short_mask", "2d"],
)
def test_bad_members_are_named(members):
    with pytest.raises((TypeError, ValueError), match="members"):
        bubble_set(POS, members)


@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: bubble_set(POS, MEM, edges=[[0, 100]]), "edges"),
        (lambda: bubble_set(POS, MEM, edges=[[0, 1.5]]), "edges"),
        (lambda: bubble_set(POS, MEM, non_members=[-1]), "non_members"),
        (lambda: bubble_set(POS, MEM, radius=3), "radius"),
        (lambda: bubble_set(POS, MEM, pixel_size=1.0, node_r0=0.5), "pixel_size"),
        (lambda: bubble_sets(POS, 5), "sets"),
        (lambda: bubble_sets(POS, "abc"), "sets"),
        (lambda: bubble_sets(POS, [[0, 1], [-1]]), r"sets\[1\]"),
        (lambda: bubble_sets(POS, [[0, 1]], progress=3), "progress"),
    ],
)
def test_other_bad_input(call, text):
    with pytest.raises((TypeError, ValueError), match=text):
        call()


def test_cancel_before_the_first_set():
    seen = []

    def stop(f, m):
        seen.append(f)
        raise Cancelled("stop")

    with pytest.raises(Cancelled):
        bubble_sets(POS, [MEM] * 5, progress=stop)
    assert seen == [0.0]


def test_specs_are_declared_on_both_functions():
    from napari_topoalign.mapper import param_specs

    for fn in (bubble_set, bubble_sets):
        specs = param_specs(fn)
        assert set(specs) == set(BUBBLE_PARAMS)
        assert all(s.help for s in specs.values())


@pytest.mark.parametrize(
    "call, text",
    [
        (lambda: bubble_set(POS, MEM, scale=1e-300), "scale: 1e-300 is below a billionth"),
        (lambda: bubble_set(POS, MEM, scale=1e300), "scale: must lie in"),
        (lambda: bubble_set(POS * 1e300, MEM), "positions: coordinates up to"),
        (lambda: bubble_set(POS * 1e154, MEM), "positions: coordinates up to"),
        (
            lambda: bubble_set(POS, MEM, pixel_size=1e-12),
            "pixel_size: 1e-12 is below node_r0/10000",
        ),
    ],
    ids=["tiny_scale", "huge_scale", "huge_positions", "overflowing_positions", "tiny_pixels"],
)
def test_extreme_lengths_are_refused_not_overflowed(call, text):
    with pytest.raises(ValueError, match=text):
        call()


def test_tiny_coordinates_still_outline():
    polys = bubble_set(POS * 1e-300, MEM)
    assert polys and all(np.isfinite(p).all() for p in polys)
