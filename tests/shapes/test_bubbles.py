"""Bubble Sets: members inside, avoidable non-members outside, simple polygons, determinism,
bad input. Shapely (a test dependency) is the independent judge of validity."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import spread_points
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from shapely.geometry import LinearRing, Point, Polygon

from napari_topoalign.shapes import bubble_set, bubble_sets
from napari_topoalign.shapes._contour import (
    clean_ring,
    decimate_ring,
    make_simple,
    point_in_ring,
    ring_is_simple,
    signed_area,
)
from napari_topoalign.shapes.bubbles import default_scale

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _covered(polys, pts):
    """Which points lie strictly inside one of the polygons (shapely)."""
    shapes = [Polygon(p) for p in polys]
    return np.array([any(s.contains(Point(*q)) for s in shapes) for q in np.atleast_2d(pts)])


def _assert_valid(polys):
    for p in polys:
        assert p.ndim == 2 and p.shape[1] == 2 and len(p) >= 3
        assert np.isfinite(p).all()
        poly = Polygon(p)
        assert poly.is_valid, "polygon is not valid"
        assert LinearRing(p).is_simple, "ring crosses itself"
        assert ring_is_simple(p)
        assert signed_area(p) > 0  # counter-clockwise
        assert not np.array_equal(p[0], p[-1])  # first vertex not repeated


# --------------------------------------------------------------------------------------------
# basic behaviour
# --------------------------------------------------------------------------------------------
def test_members_inside_and_valid_on_random_layout():
    rng = np.random.default_rng(0)
    pos = spread_points(80, rng, 12.0, 0.6)
    members = rng.choice(80, 10, replace=False)
    polys = bubble_set(pos, members)
    assert len(polys) >= 1
    _assert_valid(polys)
    assert _covered(polys, pos[members]).all()


def test_boolean_mask_equals_indices():
    rng = np.random.default_rng(1)
    pos = spread_points(40, rng, 8.0, 0.6)
    mask = np.zeros(40, dtype=bool)
    mask[[3, 5, 8, 13]] = True
    a = bubble_set(pos, mask)
    b = bubble_set(pos, [13, 5, 3, 8, 5])  # order and duplicates do not matter
    assert len(a) == len(b)
    for p, q in zip(a, b):
        np.testing.assert_array_equal(p, q)


def test_empty_members_give_no_polygon():
    pos = np.random.default_rng(2).uniform(0, 5, (10, 2))
    assert bubble_set(pos, []) == []
    assert bubble_set(pos, np.zeros(10, dtype=bool)) == []
    assert bubble_sets(pos, [[], [1, 2]])[0] == []


def test_single_member_is_a_small_blob_around_it():
    pos = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    polys = bubble_set(pos, [0], scale=1.0)
    assert len(polys) == 1
    _assert_valid(polys)
    assert _covered(polys, pos[:1]).all()
    assert not _covered(polys, pos[1:]).any()
    # the outline sits near node_r0 (0.3 scale) from the node
    r = np.hypot(*polys[0].T)
    assert 0.2 < r.min() and r.max() < 0.45


def test_connected_members_give_one_polygon_along_their_edges():
    # a path of members drawn with its edges, non-members one unit off the path
    x = np.arange(6, dtype=float)
    members = np.c_[x, np.zeros(6)]
    others = np.c_[x, np.full(6, 1.5)]
    pos = np.concatenate([members, others])
    edges = np.c_[np.arange(5), np.arange(1, 6)]
    polys = bubble_set(pos, np.arange(6), edges=edges, scale=1.0)
    assert len(polys) == 1
    _assert_valid(polys)
    assert _covered(polys, pos[:6]).all()
    assert not _covered(polys, pos[6:]).any()


def test_coincident_nodes_do_not_break_it():
    pos = np.zeros((5, 2))
    polys = bubble_set(pos, [0, 1])
    _assert_valid(polys)
    assert _covered(polys, pos[:1]).all()
    assert default_scale(pos) == 1.0


def test_deterministic():
    rng = np.random.default_rng(3)
    pos = spread_points(120, rng, 15.0, 0.6)
    sets = [rng.choice(120, k, replace=False) for k in (3, 9, 20)]
    first = bubble_sets(pos, sets)
    second = bubble_sets(pos, sets)
    for a, b in zip(first, second):
        assert len(a) == len(b)
        for p, q in zip(a, b):
            np.testing.assert_array_equal(p, q)


def test_bubble_sets_equals_one_by_one():
    rng = np.random.default_rng(4)
    pos = spread_points(150, rng, 16.0, 0.5)
    _, nb = __import__("scipy.spatial", fromlist=["cKDTree"]).cKDTree(pos).query(pos, k=3)
    edges = np.c_[np.repeat(np.arange(150), 2), nb[:, 1:].ravel()]
    sets = [rng.choice(150, k, replace=False) for k in (1, 4, 12, 30)]
    together = bubble_sets(pos, sets, edges=edges)
    for members, polys in zip(sets, together):
        alone = bubble_set(pos, members, edges=edges)
        assert len(alone) == len(polys)
        for p, q in zip(alone, polys):
            np.testing.assert_array_equal(p, q)


def test_progress_is_called_and_can_cancel():
    rng = np.random.default_rng(5)
    pos = spread_points(60, rng, 10.0, 0.5)
    sets = [rng.choice(60, 4, replace=False) for _ in range(20)]
    calls = []
    bubble_sets(pos, sets, progress=lambda f, m: calls.append(f))
    assert calls and calls[0] == 0.0 and calls[-1] == 1.0 and all(0 <= f <= 1 for f in calls)

    class Stop(Exception):
        pass

    def stop(f, m):
        raise Stop

    with pytest.raises(Stop):
        bubble_sets(pos, sets, progress=stop)


# --------------------------------------------------------------------------------------------
# property tests
# --------------------------------------------------------------------------------------------
@FAST
@given(
    seed=st.integers(0, 2**31 - 1),
    n_members=st.integers(1, 25),
    n_others=st.integers(0, 40),
    with_edges=st.booleans(),
)
def test_property_members_inside_polygons_simple(seed, n_members, n_others, with_edges):
    """Any layout: every member inside, every polygon simple."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 10, (n_members + n_others, 2))
    members = np.arange(n_members)
    edges = None
    if with_edges and len(pos) > 1:
        edges = rng.integers(0, len(pos), (2 * len(pos), 2))
    polys = bubble_set(pos, members, edges=edges)
    assert polys
    _assert_valid(polys)
    assert _covered(polys, pos[members]).all()


@FAST
@given(
    seed=st.integers(0, 2**31 - 1),
    n_members=st.integers(1, 20),
    n_others=st.integers(1, 40),
)
def test_property_nonmembers_away_from_the_hull_stay_outside(seed, n_members, n_others):
    """Non-members farther than node_r1 + a pixel from the members' convex hull: an outline
    avoiding them exists (the hull's neighbourhood), so none may be inside."""
    rng = np.random.default_rng(seed)
    members = rng.uniform(0, 6, (n_members, 2))
    hull = (
        Polygon(members).convex_hull
        if n_members >= 3
        else Point(*members[0]).union(Point(*members[-1])).convex_hull
    )
    others = []
    while len(others) < n_others:
        q = rng.uniform(-4, 10, 2)
        if hull.distance(Point(*q)) >= 1.1:
            others.append(q)
    pos = np.concatenate([members, np.array(others)])
    polys = bubble_set(pos, np.arange(n_members), scale=1.0)
    _assert_valid(polys)
    assert _covered(polys, members).all()
    assert not _covered(polys, np.array(others)).any()


@FAST
@given(
    seed=st.integers(0, 2**31 - 1),
    n_left=st.integers(1, 6),
    n_right=st.integers(1, 6),
    gap=st.floats(5.0, 9.0),
    offset=st.floats(-0.4, 0.4),
    angle=st.floats(0, 2 * np.pi),
    n_obstacles=st.integers(1, 2),
)
def test_property_virtual_edges_route_around_blocking_nodes(
    seed, n_left, n_right, gap, offset, angle, n_obstacles
):
    """Two member clusters with non-members right on the straight line between them (and
    far from every member): the virtual edge must bend around them, so the one outline that
    joins the clusters leaves them outside."""
    rng = np.random.default_rng(seed)
    left = rng.uniform(-1, 0, (n_left, 2))
    right = rng.uniform(0, 1, (n_right, 2)) + [gap, 0]
    xs = np.linspace(0, gap, n_obstacles + 2)[1:-1]
    obstacles = np.c_[xs, np.full(n_obstacles, offset)]
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    pos = np.concatenate([left, right, obstacles]) @ rot.T
    members = np.arange(n_left + n_right)
    polys = bubble_set(pos, members, scale=1.0)
    _assert_valid(polys)
    assert len(polys) == 1  # the clusters are joined
    assert _covered(polys, pos[members]).all()
    assert not _covered(polys, pos[len(members) :]).any()


# --------------------------------------------------------------------------------------------
# the ring helpers, against shapely
# --------------------------------------------------------------------------------------------
@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=3, max_size=12))
def test_ring_is_simple_agrees_with_shapely(vertices):
    ring = np.array(vertices, dtype=float)
    assume(not (np.diff(np.r_[ring, ring[:1]], axis=0) == 0).all(axis=1).any())
    assert ring_is_simple(ring) == Polygon(ring).is_valid


def test_ring_is_simple_on_long_contours():
    t = np.linspace(0, 2 * np.pi, 2000, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t)]
    assert ring_is_simple(circle)
    bow = np.c_[np.cos(t), np.sin(2 * t)]  # figure eight: crosses at the origin
    assert not ring_is_simple(bow)
    assert Polygon(bow).is_valid is False


def test_clean_and_decimate_and_repair():
    ring = np.array([[0, 0], [1, 0], [1, 0], [1, 1], [2, 1], [1, 1], [0, 1], [0, 0]], float)
    cleaned = clean_ring(ring)
    assert ring_is_simple(cleaned)
    assert Polygon(cleaned).equals(Polygon([[0, 0], [1, 0], [1, 1], [0, 1]]))
    t = np.linspace(0, 2 * np.pi, 400, endpoint=False)
    circle = np.c_[np.cos(t), np.sin(t)]
    small = decimate_ring(circle, 1e-3)
    assert len(small) < len(circle) and ring_is_simple(small)
    assert Polygon(small).hausdorff_distance(Polygon(circle)) < 3e-3
    bow = np.array([[0, 0], [2, 2], [2, 0], [0, 2]], float)
    fixed = make_simple(bow)
    assert fixed and all(Polygon(r).is_valid for r in fixed)
    square = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)
    assert point_in_ring([[0.5, 0.5], [2, 2]], square).tolist() == [True, False]


# --------------------------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, exc, words",
    [
        (dict(positions=np.zeros((4, 3)), members=[0]), ValueError, "positions"),
        (dict(positions=np.array([[0, 0], [np.nan, 1]]), members=[0]), ValueError, "row 1"),
        (dict(positions=[["a", "b"]], members=[0]), TypeError, "positions"),
        (dict(positions=np.zeros((4, 2)), members=[4]), ValueError, "members"),
        (dict(positions=np.zeros((4, 2)), members=[-1]), ValueError, "out of range"),
        (dict(positions=np.zeros((4, 2)), members=[0.5]), TypeError, "members"),
        (dict(positions=np.zeros((4, 2)), members=np.ones(3, bool)), ValueError, "length 3"),
        (dict(positions=np.zeros((4, 2)), members=[0], edges=[[0, 9]]), ValueError, "edges"),
        (dict(positions=np.zeros((4, 2)), members=[0], edges=[0, 1]), ValueError, "edges"),
        (
            dict(positions=np.zeros((4, 2)), members=[0], non_members=[7]),
            ValueError,
            "non_members",
        ),
        (dict(positions=np.zeros((4, 2)), members=[0], radius=2), TypeError, "radius"),
        (
            dict(positions=np.zeros((4, 2)), members=[0], node_r0=1, node_r1=0.5),
            ValueError,
            "node_r0",
        ),
        (
            dict(positions=np.zeros((4, 2)), members=[0], nonmember_weight=0.5),
            ValueError,
            "nonmember_weight",
        ),
        (dict(positions=np.zeros((4, 2)), members=[0], pixel_size=-1), ValueError, "pixel_size"),
        (
            dict(positions=np.zeros((4, 2)), members=[0], max_iterations=0),
            ValueError,
            "max_iterations",
        ),
        (dict(positions=np.zeros((4, 2)), members=[0], scale=0), ValueError, "scale"),
    ],
)
def test_bad_input_is_named(kwargs, exc, words):
    with pytest.raises(exc, match=words):
        bubble_set(**kwargs)


def test_bubble_sets_bad_sets_named():
    with pytest.raises(ValueError, match=r"sets\[1\]"):
        bubble_sets(np.zeros((3, 2)), [[0], [5]])
    with pytest.raises(TypeError, match="sets"):
        bubble_sets(np.zeros((3, 2)), 5)


@FAST
@given(
    seed=st.integers(0, 2**31 - 1),
    n_ring=st.integers(8, 20),
    radius=st.floats(2.5, 5.0),
    n_inside=st.integers(0, 4),
)
def test_property_loop_keeps_its_hole_and_leaves_inner_nodes_out(seed, n_ring, radius, n_inside):
    """A cycle of members drawn with its edges, non-members well inside it: the outline is a
    ring (a simple polygon with a cut of almost no width), not a disc, so the inner nodes and
    the centre stay outside while every member is inside."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 2 * np.pi, n_ring))
    t = np.linspace(0, 2 * np.pi, n_ring, endpoint=False) + 0.1 * rng.uniform(-1, 1, n_ring)
    ring = radius * np.c_[np.cos(t), np.sin(t)]
    step = 2 * radius * np.sin(np.pi / n_ring)
    scale = float(min(step, 1.0))
    inner = rng.uniform(-1, 1, (n_inside, 2)) * (radius - 1.5 * scale) / np.sqrt(2)
    pos = np.concatenate([ring, inner])
    edges = np.c_[np.arange(n_ring), (np.arange(n_ring) + 1) % n_ring]
    polys = bubble_set(pos, np.arange(n_ring), edges=edges, scale=scale)
    _assert_valid(polys)
    assert len(polys) == 1
    assert _covered(polys, ring).all()
    assert not _covered(polys, np.r_[inner, [[0.0, 0.0]]]).any()
    # the area is that of a band along the cycle, far less than the disc
    assert Polygon(polys[0]).area < 0.6 * np.pi * radius**2


def test_far_apart_members_get_coarser_pixels_not_unbounded_memory():
    pos = np.array([[0.0, 0.0], [1e4, 1e4], [5e3, 5e3 + 400.0]])
    polys = bubble_set(pos, [0, 1], scale=1.0, max_cells=20_000)
    _assert_valid(polys)
    assert len(polys) == 1  # still joined by the virtual edge
    assert _covered(polys, pos[:2]).all()
    assert not _covered(polys, pos[2:]).any()
    with pytest.raises(ValueError, match="max_cells"):
        bubble_set(pos, [0, 1], max_cells=10)


def test_far_from_the_origin():
    rng = np.random.default_rng(7)
    base = spread_points(60, rng, 10.0, 0.5)
    members = rng.choice(60, 12, replace=False)
    near = bubble_set(base, members)
    far = bubble_set(base + 1e6, members)
    _assert_valid(far)
    assert _covered(far, base[members] + 1e6).all()
    assert len(near) == len(far)
    for p, q in zip(near, far):
        assert Polygon(p).symmetric_difference(Polygon(q - 1e6)).area < 1e-3 * Polygon(p).area
