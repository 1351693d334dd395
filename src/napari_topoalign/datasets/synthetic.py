"""Synthetic pairs of representations with planted structure: the ground truth for
:func:`napari_topoalign.align.find_matching_regions`.

Both representations describe the same inputs. Every planted structure occupies its own
stretch of a shared two-dimensional latent plane (structures sit side by side along the
latent x axis, three units apart); each representation is that plane embedded in its own
space (its own dimension, random rotation, anisotropic scaling, a global scale and Gaussian
noise). In B every structure is also turned and scaled a little about its centre
(``distortion``), so that the nodes of the two mapper graphs never hold exactly the same
inputs.

Planted *matches* keep their shape in both representations:

- ``"loop"``: a circle of radius 1 (a cycle in the mapper graph);
- ``"branch"``: alternately a Y (a stem and two arms; a tree with one branch point) and a
  line segment (a path);
- ``"cluster"``: a filled disc of radius 0.8 (a path of nodes along the lens).

Planted *differences* change the shape in representation B only:

- ``"cut_loop"``: a circle in A; in B the circle is cut open at the top and the inputs are
  spread along the remaining arc (a path);
- ``"merged_branches"``: two arms leaving one vertex in A (a Y); in B both arms lie on the
  same line (a single path whose nodes hold the inputs of both arms);
- ``"split_cluster"``: one disc in A; in B every input goes to one of two separate discs at
  random (two components, each with half of the inputs);
- ``"shuffled_clusters"``: two discs in A; in B half of the inputs of each disc (chosen at
  random) swap places with inputs of the other disc.

The mapper graphs represent these shapes faithfully with the first principal component as the
lens (the sites along x hold most of the variance, so the first component is the latent x
axis in both representations), a fine uniform cover and a DBSCAN ``eps`` matched to each
representation's scale: see :attr:`PlantedTruth.mapper_params`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._utils.validation import check_int, check_random_state, check_real
from ..model import Representations

__all__ = [
    "make_planted_pair",
    "PlantedStructure",
    "PlantedTruth",
    "MATCH_KINDS",
    "DIFFERENCE_KINDS",
]

MATCH_KINDS = ("loop", "branch", "cluster")
DIFFERENCE_KINDS = ("cut_loop", "merged_branches", "split_cluster", "shuffled_clusters")

_SPACING = 3.0  # distance between the centres of two sites along the latent x axis
_INTERVALS_PER_SITE = 8  # cover intervals per site in the recommended mapper parameters
_EPS = 0.25  # DBSCAN eps in latent units (structures have radius 1)


@dataclass(frozen=True)
class PlantedStructure:
    """One planted structure.

    Attributes
    ----------
    kind : str
        One of :data:`MATCH_KINDS` or :data:`DIFFERENCE_KINDS`.
    inputs : ndarray of int64
        The input indices that form it (sorted).
    is_match : bool
        True for a planted match (same shape in A and B), False for a planted difference.
    shape : str
        For a ``"branch"``: ``"Y"`` or ``"line"``; otherwise empty.
    """

    kind: str
    inputs: np.ndarray
    is_match: bool
    shape: str = ""

    def __repr__(self) -> str:
        what = "match" if self.is_match else "difference"
        shape = f" ({self.shape})" if self.shape else ""
        return f"PlantedStructure({self.kind!r}{shape}, {what}, {len(self.inputs)} inputs)"


@dataclass
class PlantedTruth:
    """The ground truth of a planted pair.

    Attributes
    ----------
    structures : list of PlantedStructure
        Every planted structure, in the order of their sites along the latent x axis.
    n_inputs : int
    mapper_params : dict of str to dict
        By representation name, keyword arguments of :func:`napari_topoalign.build_mapper`
        under which its mapper graph shows the planted shapes: ``lens="pca1"``, a uniform
        cover of 8 intervals per site (``n_intervals = 8 * n_sites``) with overlap 0.5,
        DBSCAN with ``eps`` = 0.25 latent units times the representation's global scale,
        widened by ``sqrt(300 / n_points)`` below 300 points per structure (the structures
        have radius 1; the automatic knee ``eps`` is too small for these uniform shapes and
        fragments them), ``min_samples=3``, ``random_state=0``.
    """

    structures: list[PlantedStructure]
    n_inputs: int
    mapper_params: dict[str, Any] = field(default_factory=dict)

    @property
    def matches(self) -> list[PlantedStructure]:
        return [s for s in self.structures if s.is_match]

    @property
    def differences(self) -> list[PlantedStructure]:
        return [s for s in self.structures if not s.is_match]

    @property
    def match_inputs(self) -> np.ndarray:
        """Inputs of every planted match (sorted)."""
        return _union([s.inputs for s in self.matches])

    @property
    def difference_inputs(self) -> np.ndarray:
        """Inputs of every planted difference (sorted)."""
        return _union([s.inputs for s in self.differences])

    def recall(self, regions) -> float:
        """Share of the inputs of planted matches that the regions cover.

        ``|M ∩ R| / |M|`` where ``M`` are the inputs of planted matches and ``R`` the union
        of the regions' shared inputs (``region.inputs``). 1.0 when there is no planted match.
        """
        m = self.match_inputs
        if len(m) == 0:
            return 1.0
        r = _region_inputs(regions)
        return float(np.isin(m, r).sum() / len(m))

    def precision(self, regions) -> float:
        """Share of the regions' inputs that are not inputs of planted differences.

        ``|R \\ D| / |R|`` where ``R`` is the union of the regions' shared inputs and ``D``
        the inputs of planted differences. 1.0 when the regions cover no input.
        """
        r = _region_inputs(regions)
        if len(r) == 0:
            return 1.0
        return float(1.0 - np.isin(r, self.difference_inputs).sum() / len(r))

    def labels(self) -> np.ndarray:
        """The index of the structure of each input (``-1`` for none)."""
        out = np.full(self.n_inputs, -1, dtype=np.int64)
        for k, s in enumerate(self.structures):
            out[s.inputs] = k
        return out

    def __repr__(self) -> str:
        kinds = ", ".join(s.kind for s in self.structures)
        return f"PlantedTruth({self.n_inputs} inputs; {kinds})"


def _union(arrays) -> np.ndarray:
    arrays = [np.asarray(a, dtype=np.int64) for a in arrays]
    return np.unique(np.concatenate(arrays)) if arrays else np.zeros(0, dtype=np.int64)


def _region_inputs(regions) -> np.ndarray:
    return _union([r.inputs for r in regions])


# -- latent shapes (each centred on 0, inside [-1, 1] x [-1, 1]) -------------------------
def _circle(rng, n, thickness=0.04):
    theta = rng.uniform(0, 2 * np.pi, n)
    r = 1.0 + rng.uniform(-thickness, thickness, n)
    return theta, r


def _circle_xy(theta, r):
    # theta measured from the top (0 = (0, 1)), clockwise
    return np.column_stack([r * np.sin(theta), r * np.cos(theta)])


def _y_shape(rng, n, arm_angle=0.75, width=0.03):
    """A stem from (-1, 0) to (0, 0) and two arms from (0, 0) to (1, ±tan(arm_angle))."""
    part = rng.choice(3, size=n, p=[1 / 3, 1 / 3, 1 / 3])
    t = rng.uniform(0, 1, n)
    xy = np.empty((n, 2))
    stem = part == 0
    xy[stem] = np.column_stack([t[stem] - 1.0, np.zeros(stem.sum())])
    for arm, sign in ((1, 1.0), (2, -1.0)):
        sel = part == arm
        xy[sel] = np.column_stack([t[sel], sign * np.tan(arm_angle) * t[sel]])
    xy += rng.uniform(-width, width, xy.shape)
    return xy, part


def _disc(rng, n, radius=0.8):
    r = radius * np.sqrt(rng.uniform(0, 1, n))
    a = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def _check_positive_int(value, name, minimum=1):
    return check_int(value, name, minimum=minimum, maximum=100_000)


def make_planted_pair(
    *,
    n_per_structure: int = 2,
    n_points: int = 300,
    dims: tuple[int, int] = (16, 24),
    noise: float = 0.05,
    distortion: float = 0.2,
    differences=DIFFERENCE_KINDS,
    names: tuple[str, str] = ("A", "B"),
    random_state=None,
) -> tuple[Representations, PlantedTruth]:
    """Two representations of the same inputs with planted matching and differing structure.

    Parameters
    ----------
    n_per_structure : int
        How many copies of each planted match (a loop, a Y branch, a disc cluster).
    n_points : int
        Inputs per structure (at least 30); ``"shuffled_clusters"`` has two discs of
        ``n_points`` each. Below about 200 the recommended mapper parameters start to break
        some loops open in one of the graphs (the graphs then really differ there); 300 (the
        default) keeps every planted shape.
    dims : pair of int
        Dimension of representation A and of representation B (each at least 2).
    noise : float
        Standard deviation of the isotropic Gaussian noise, as the expected length of the
        noise vector relative to the radius of a structure (so it does not grow with the
        dimension). At most 0.1: more noise blurs the shapes at the recommended mapper
        resolution.
    distortion : float in [0, 0.5]
        In representation B every structure is also turned about its centre by an angle
        drawn from ``[-distortion, distortion]`` radians and scaled by a factor drawn from
        ``[1 - distortion, 1 + distortion]``, so that the nodes of the two mapper graphs do
        not hold exactly the same inputs.
    differences : sequence of str
        Which planted differences to include (any of :data:`DIFFERENCE_KINDS`, each once).
    names : pair of str
        The names of the two representations.
    random_state : int, RandomState or None
        Seeds the shapes, the site order, the rotations, scalings and the noise.

    Returns
    -------
    reps : Representations
        Two arrays, ``names[0]`` of shape ``(n_inputs, dims[0])`` and ``names[1]`` of shape
        ``(n_inputs, dims[1])``; ``labels`` is the structure index of each input.
    truth : PlantedTruth
        The input indices and kind of every planted structure, recall and precision of a
        list of regions, and the recommended mapper parameters.

    Examples
    --------
    >>> from napari_topoalign import build_mapper
    >>> reps, truth = make_planted_pair(random_state=0)
    >>> a, b = (build_mapper(reps[n], **truth.mapper_params[n]) for n in reps.names)
    """
    n_per_structure = _check_positive_int(n_per_structure, "n_per_structure", 0)
    n_points = _check_positive_int(n_points, "n_points", 30)
    if isinstance(dims, (str, bytes)) or not hasattr(dims, "__len__") or len(dims) != 2:
        raise ValueError(f"dims: expected a pair of integers, got {dims!r}")
    dims = tuple(
        check_int(d, f"dims[{i}]", minimum=2, maximum=100_000) for i, d in enumerate(dims)
    )
    noise = check_real(noise, "noise", low=0.0, high=0.1)
    distortion = check_real(distortion, "distortion", low=0.0, high=0.5)
    if isinstance(differences, str):
        differences = [differences]
    differences = list(differences)
    unknown = [d for d in differences if d not in DIFFERENCE_KINDS]
    if unknown:
        raise ValueError(f"differences: unknown kind(s) {unknown}; choose from {DIFFERENCE_KINDS}")
    if len(set(differences)) != len(differences):
        raise ValueError(f"differences: each kind may appear once, got {differences}")
    if isinstance(names, str) or len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"names: expected two different names, got {names!r}")
    kinds = [k for k in MATCH_KINDS for _ in range(n_per_structure)] + differences
    if not kinds:
        raise ValueError("n_per_structure=0 and no differences: nothing to plant")
    rng = check_random_state(random_state)
    order = rng.permutation(len(kinds))
    kinds = [kinds[i] for i in order]

    lat_a, lat_b, structures = [], [], []
    site = 0
    start = 0

    def place(xy, k):
        return xy + np.array([k * _SPACING, 0.0])

    def distort(xy):
        angle = rng.uniform(-distortion, distortion)
        c, s_ = np.cos(angle), np.sin(angle)
        factor = rng.uniform(1 - distortion, 1 + distortion)
        return factor * xy @ np.array([[c, s_], [-s_, c]])

    n_branches = 0
    for kind in kinds:
        n = n_points
        shape = ""
        if kind in ("loop", "cut_loop"):
            theta, r = _circle(rng, n)
            a = _circle_xy(theta, r)
            if kind == "loop":
                b = a.copy()
            else:
                gap = np.deg2rad(100.0)
                b = _circle_xy(gap / 2 + theta * (2 * np.pi - gap) / (2 * np.pi), r)
            lat_a.append(place(a, site))
            lat_b.append(place(distort(b), site))
            site += 1
        elif kind in ("branch", "merged_branches"):
            if kind == "branch":
                shape = "Y" if n_branches % 2 == 0 else "line"
                n_branches += 1
                if shape == "Y":
                    a, _ = _y_shape(rng, n)
                else:
                    a = np.column_stack([rng.uniform(-1, 1, n), np.zeros(n)])
                    a += rng.uniform(-0.03, 0.03, a.shape)
                b = a.copy()
            else:
                # a V: two arms leaving (-1, 0); in B both arms lie on the bisector
                t = rng.uniform(0, 1, n)
                sign = np.where(rng.uniform(size=n) < 0.5, 1.0, -1.0)
                a = np.column_stack([2 * t - 1, sign * 1.6 * t])
                b = np.column_stack([2 * t - 1, 0.8 * t])
                jitter = rng.uniform(-0.03, 0.03, (n, 2))
                a, b = a + jitter, b + jitter
            lat_a.append(place(a, site))
            lat_b.append(place(distort(b), site))
            site += 1
        elif kind in ("cluster", "split_cluster"):
            a = _disc(rng, n)
            if kind == "cluster":
                b = a.copy()
            else:
                side = np.where(rng.uniform(size=n) < 0.5, 1.0, -1.0)
                b = np.column_stack([a[:, 0], side * 0.6 + 0.4 * a[:, 1]])
            lat_a.append(place(a, site))
            lat_b.append(place(distort(b), site))
            site += 1
        else:  # shuffled_clusters: two discs on two sites
            d1, d2 = _disc(rng, n), _disc(rng, n)
            a1, a2 = place(d1, site), place(d2, site + 1)
            b1, b2 = place(distort(d1), site), place(distort(d2), site + 1)
            swap1 = rng.choice(n, n // 2, replace=False)
            swap2 = rng.choice(n, n // 2, replace=False)
            b1[swap1], b2[swap2] = b2[swap2].copy(), b1[swap1].copy()
            lat_a.append(np.vstack([a1, a2]))
            lat_b.append(np.vstack([b1, b2]))
            n = 2 * n
            site += 2
        structures.append(
            PlantedStructure(
                kind, np.arange(start, start + n, dtype=np.int64), kind in MATCH_KINDS, shape
            )
        )
        start += n

    lat_a = np.vstack(lat_a)
    lat_b = np.vstack(lat_b)
    arrays, scales = {}, {}
    for name, lat, dim in ((names[0], lat_a, dims[0]), (names[1], lat_b, dims[1])):
        arrays[name], scales[name] = _embed(lat, dim, noise, rng)
    labels = np.concatenate([np.full(len(s.inputs), k) for k, s in enumerate(structures)])
    n_intervals = max(_INTERVALS_PER_SITE * site, 1)
    mapper_params = {
        name: {
            "lens": "pca1",
            "n_intervals": int(n_intervals),
            "overlap": 0.5,
            "eps": float(_EPS * max(1.0, np.sqrt(300 / n_points)) * scales[name]),
            "min_samples": 3,
            "random_state": 0,
        }
        for name in names
    }
    truth = PlantedTruth(structures, int(start), mapper_params)
    reps = Representations(
        arrays,
        labels=labels,
        metadata={
            "planted": [(s.kind, s.is_match) for s in structures],
            "mapper_params": mapper_params,
        },
    )
    return reps, truth


def _embed(latent: np.ndarray, dim: int, noise: float, rng) -> np.ndarray:
    """Anisotropic scaling, a random rotation into ``dim`` dimensions, a global scale and
    isotropic Gaussian noise."""
    n = latent.shape[0]
    stretch = rng.uniform(0.8, 1.25, 2)
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    scale = rng.uniform(0.5, 2.0)
    X = (latent * stretch) @ q[:2] * scale
    if noise > 0:
        X += rng.normal(scale=noise * scale / np.sqrt(dim), size=(n, dim))
    return X, scale
