"""Membranes: closed simple outlines around an instance with pores toward leaving inputs."""

from __future__ import annotations

import numpy as np
import pytest

from napari_topoalign.shapes import Membrane, membrane
from napari_topoalign.shapes._contour import point_in_ring, ring_is_simple


def _loop(k=8, r=1.0, centre=(0.0, 0.0)):
    t = np.linspace(0, 2 * np.pi, k, endpoint=False)
    pos = np.column_stack([centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)])
    return pos, np.array([[i, (i + 1) % k] for i in range(k)])


def _inside(m: Membrane, points) -> np.ndarray:
    return np.any([point_in_ring(points, ring) for ring in m.outline], axis=0)


def _arc_length(line):
    return float(np.hypot(*np.diff(line, axis=0).T).sum())


def test_solid_wall_when_no_input_leaves():
    pos, edges = _loop()
    m = membrane(pos, np.arange(8), edges, np.zeros(8), padding=0.3)
    assert len(m.outline) == 1 and ring_is_simple(m.outline[0])
    assert _inside(m, pos).all()
    # the loop's middle is inside too: one closed cell, holes filled
    assert _inside(m, np.array([[0.0, 0.0]])).all()
    assert m.n_pores == 0
    assert len(m.wall) == 1 and np.allclose(m.wall[0][0], m.wall[0][-1])
    # padded: the outline keeps about `padding` from the nodes
    ring = m.outline[0]
    d = np.hypot(*(ring[:, None, :] - pos[None]).transpose(2, 0, 1)).min(axis=1)
    assert d.min() > 0.2 and d.max() < 0.6


@pytest.mark.parametrize("seed", range(6))
def test_pores_exactly_toward_leaving_nodes(seed):
    rng = np.random.default_rng(seed)
    # a random tree-like instance inside a bigger layout
    n = 40
    pos = rng.uniform(0, 10, size=(n, 2))
    nodes = rng.choice(n, size=7, replace=False)
    # a chain through the chosen nodes, ordered along x (so edges do not cross much)
    nodes = nodes[np.argsort(pos[nodes, 0])]
    edges = np.column_stack([nodes[:-1], nodes[1:]])
    share = np.zeros(len(nodes))
    leaving = rng.choice(len(nodes), size=3, replace=False)
    share[leaving] = rng.uniform(0.2, 1.0, size=3)
    m = membrane(pos, nodes, edges, share, padding=0.4)
    assert all(ring_is_simple(r) for r in m.outline)
    assert _inside(m, pos[nodes]).all()
    assert sorted(m.pore_nodes.tolist()) == sorted(nodes[leaving].tolist())
    # each pore sits on the outline, nearest (among the instance's nodes) to its own node
    for q, node in zip(m.pore_positions, m.pore_nodes):
        nearest = nodes[np.argmin(np.hypot(*(pos[nodes] - q).T))]
        assert nearest == node
    # the pore's gap length follows the share
    order = np.argsort(m.pore_shares)
    assert np.all(np.diff(m.pore_sizes[order]) >= -1e-9)
    assert np.allclose(m.pore_sizes, m.pore_shares * m.params["pore_size"])
    for arc, size in zip(m.pore_arcs, m.pore_sizes):
        assert _arc_length(arc) <= size + 1e-9
        assert _arc_length(arc) >= size - 3 * m.params["padding"] / 8
    # the wall is the outline minus the gaps: no wall vertex inside a gap
    gap_points = np.concatenate(m.pore_arcs)
    wall_points = np.concatenate(m.wall)
    d = np.hypot(*(wall_points[:, None, :] - gap_points[None]).transpose(2, 0, 1)).min(axis=1)
    assert d.min() > 1e-9


def test_pore_faces_outward_and_width_proportional():
    pos, edges = _loop(8)
    share = np.zeros(8)
    share[2], share[6] = 0.9, 0.3
    m = membrane(pos, np.arange(8), edges, share, padding=0.3)
    assert sorted(m.pore_nodes.tolist()) == [2, 6]
    for q, node, normal in zip(m.pore_positions, m.pore_nodes, m.pore_normals):
        radial = pos[node] / np.linalg.norm(pos[node])
        assert np.dot(q - pos[node], radial) > 0.2  # on the outside of the loop
        assert np.dot(normal, radial) > 0.8
    big, small = m.pore_sizes[m.pore_nodes == 2][0], m.pore_sizes[m.pore_nodes == 6][0]
    assert np.isclose(big / small, 3.0)
    assert len(m.wall) == 2  # two gaps cut the closed wall into two paths


def test_min_share_and_mapping_crossing():
    pos, edges = _loop(6)
    m = membrane(pos, np.arange(6), edges, {1: 0.05, 4: 0.5}, min_share=0.1)
    assert m.pore_nodes.tolist() == [4]


def test_single_node_and_disconnected_instance():
    pos = np.array([[0.0, 0.0], [5.0, 0.0], [5.0, 1.0]])
    m = membrane(pos, [0], [], [1.0], padding=0.5)
    assert len(m.outline) == 1 and _inside(m, pos[:1]).all() and m.n_pores == 1
    m2 = membrane(pos, [0, 1, 2], [[1, 2]], [0, 0, 0], padding=0.4)
    assert len(m2.outline) == 2 and _inside(m2, pos).all()


def test_round_trip_and_bad_input():
    pos, edges = _loop(5)
    m = membrane(pos, np.arange(5), edges, np.array([0, 0.5, 0, 0, 0]))
    back = Membrane.from_dict(m.to_dict())
    assert back.n_pores == 1 and np.allclose(back.outline[0], m.outline[0])
    with pytest.raises(ValueError, match="crossing"):
        membrane(pos, np.arange(5), edges, np.zeros(4))
    with pytest.raises(ValueError, match="crossing"):
        membrane(pos, np.arange(5), edges, np.full(5, 1.5))
    with pytest.raises(ValueError, match="edges"):
        membrane(pos, np.arange(3), edges, np.zeros(3))
    with pytest.raises(ValueError, match="instance_nodes"):
        membrane(pos, [7], [], [0.0])
    with pytest.raises(TypeError, match="unknown parameter"):
        membrane(pos, np.arange(5), edges, np.zeros(5), radius=1)
    with pytest.raises(ValueError, match="padding"):
        membrane(pos, np.arange(5), edges, np.zeros(5), padding=-1.0)


def test_wide_instance_stays_bounded():
    pos = np.column_stack([np.linspace(0, 1000, 60), np.zeros(60)])
    edges = np.column_stack([np.arange(59), np.arange(1, 60)])
    m = membrane(pos, np.arange(60), edges, np.zeros(60), padding=0.5, max_cells=20_000)
    assert _inside(m, pos).all()
    assert m.params["pixel"] > 0.5 / 7
