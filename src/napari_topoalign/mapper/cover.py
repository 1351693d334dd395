"""Covers of the lens range by overlapping intervals (1-D) or rectangles (2-D).

The covers are kept in the registry :data:`COVERS` (name -> function); add your own with
:func:`register_cover`: ``fn(lens, n_intervals, overlap) -> Cover`` for a lens of shape
``(n,)`` or ``(n, 2)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import product

import numpy as np

from .._utils.params import Registry
from .._utils.validation import check_budget, check_int, check_real

__all__ = ["COVERS", "Cover", "register_cover", "make_cover", "uniform_cover", "balanced_cover"]

#: name -> cover function ``fn(lens, n_intervals, overlap) -> Cover``
COVERS = Registry("cover")

#: the most cover elements (all lens dimensions together) and the most memberships (inputs
#: counted once per element holding them) a cover may have: beyond them the clustering would
#: take hours or the membership lists gigabytes
MAX_ELEMENTS = 1_000_000
MAX_MEMBERSHIPS = 400_000_000
#: the most cover elements one input may lie in, on average (overlap 0.999 in 1-D)
MAX_REDUNDANCY = 1000


def _check_memberships(total: float, n_inputs: int) -> None:
    """Refuse a cover whose elements would hold more than :data:`MAX_MEMBERSHIPS` input
    memberships in all, or more than :data:`MAX_REDUNDANCY` per input on average (clustering
    that many overlapping elements takes hours)."""
    check_budget(
        total,
        MAX_MEMBERSHIPS,
        "cover: its elements would hold memberships",
        "use a smaller overlap or fewer intervals",
    )
    check_budget(
        total / max(n_inputs, 1),
        MAX_REDUNDANCY,
        "overlap: every input would lie in this many cover elements on average",
        "use a smaller overlap or fewer intervals",
    )


def register_cover(
    name: str, fn: Callable | None = None, *, help: str = "", replace: bool = False
):
    """Register a cover ``fn(lens, n_intervals, overlap) -> Cover`` under ``name`` (usable
    as a decorator)."""
    return COVERS.register(name, fn, help=help, replace=replace)


@dataclass
class Cover:
    """A fitted cover.

    Attributes
    ----------
    lower, upper : ndarray of shape (n_elements, n_dims)
        Closed bounds of every cover element, in KeplerMapper's cube order (the first lens
        dimension varies slowest).
    """

    lower: np.ndarray
    upper: np.ndarray
    kind: str

    @property
    def n_elements(self) -> int:
        return len(self.lower)

    def members(self, lens: np.ndarray) -> list[np.ndarray]:
        """Input indices inside each element (closed bounds), sorted; possibly empty."""
        lens2 = lens.reshape(len(lens), -1)
        if lens2.shape[1] == 1:
            # sort once and cut by binary search: O(n log n) instead of O(n * n_elements)
            order = np.argsort(lens2[:, 0])  # ties in any order: members are sorted below
            values = lens2[order, 0]
            lo = np.searchsorted(values, self.lower[:, 0], side="left")
            hi = np.searchsorted(values, self.upper[:, 0], side="right")
            _check_memberships(float((hi - lo).sum()), len(lens2))
            return [np.sort(order[a:b]) for a, b in zip(lo, hi)]
        # 2-D: the memberships, estimated per dimension before any element is filled
        est = float(len(lens2))
        for d in range(lens2.shape[1]):
            values = np.sort(lens2[:, d])
            lo_d, hi_d = np.unique(self.lower[:, d]), np.unique(self.upper[:, d])
            if len(lo_d) == len(hi_d):
                per = np.searchsorted(values, hi_d, side="right") - np.searchsorted(
                    values, lo_d, side="left"
                )
                est *= float(per.sum()) / max(len(values), 1)
        _check_memberships(est, len(lens2))
        out = []
        for lower, upper in zip(self.lower, self.upper):
            inside = np.all((lens2 >= lower) & (lens2 <= upper), axis=1)
            out.append(np.flatnonzero(inside))
        return out


def _per_dim(value, name: str, n_dims: int) -> list:
    if isinstance(value, (list, tuple, np.ndarray)):
        values = list(np.asarray(value, dtype=object).ravel())
        if len(values) == 1:
            values = values * n_dims
        if len(values) != n_dims:
            raise ValueError(
                f"{name}: give one value or one per lens dimension ({n_dims}), got {value!r}"
            )
        return [(v, f"{name}[{i}]") for i, v in enumerate(values)]
    return [(value, name)] * n_dims


def check_cover_args(n_intervals, overlap, n_dims: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_intervals`` and ``overlap`` as one value per lens dimension, checked: integers
    in ``[1, 100000]`` (at most :data:`MAX_ELEMENTS` elements in all) and reals in ``[0, 1)``."""
    n = np.array(
        [
            check_int(v, nm, minimum=1, maximum=100_000)
            for v, nm in _per_dim(n_intervals, "n_intervals", n_dims)
        ],
        dtype=np.int64,
    )
    p = np.array(
        [
            check_real(v, nm, low=0.0, high=1.0, high_open=True)
            for v, nm in _per_dim(overlap, "overlap", n_dims)
        ],
        dtype=np.float64,
    )
    check_budget(
        float(math.prod(int(k) for k in n)),
        MAX_ELEMENTS,
        "n_intervals: the cover would have elements",
        "use fewer intervals per lens dimension",
    )
    return n, p


_check = check_cover_args


def uniform_cover(lens: np.ndarray, n_intervals=10, overlap=0.3) -> Cover:
    """Equal-width intervals over the lens range, each overlapping its neighbours by the
    fraction ``overlap`` of its width.

    The arithmetic is KeplerMapper 2.1.0's ``Cover`` (same centres and radius, computed in
    float64 in the same order), so both select exactly the same inputs per element.
    """
    lens2 = np.asarray(lens, dtype=np.float64).reshape(len(lens), -1)
    n_dims = lens2.shape[1]
    n, p = _check(n_intervals, overlap, n_dims)
    lo, hi = lens2.min(axis=0), lens2.max(axis=0)
    ranges = hi - lo
    inner_range = ((n - 1) / n) * ranges
    inset = (ranges - inner_range) / 2
    radius = ranges / (2 * n * (1 - p))
    centers_per_dim = [np.linspace(b + r, c - r, num=k) for b, c, k, r in zip(lo, hi, n, inset)]
    centers = np.array([np.array(c) for c in product(*centers_per_dim)])
    return Cover(centers - radius, centers + radius, "uniform")


def balanced_cover(lens: np.ndarray, n_intervals=10, overlap=0.3) -> Cover:
    """Intervals holding (about) equal numbers of inputs: the ``i``-th is the lens range
    between the quantiles ``i w (1 - overlap)`` and ``i w (1 - overlap) + w``, with
    ``w = 1 / (n_intervals - (n_intervals - 1) overlap)``, so that they span all inputs and
    neighbours share the fraction ``overlap`` of their quantile width (``np.quantile``'s
    linear interpolation; closed bounds). 2-D lenses get the product of the per-dimension
    quantile intervals, the first dimension varying slowest."""
    lens2 = np.asarray(lens, dtype=np.float64).reshape(len(lens), -1)
    n_dims = lens2.shape[1]
    n, p = _check(n_intervals, overlap, n_dims)
    per_dim = []
    for d in range(n_dims):
        k = int(n[d])
        # widen each quantile step so that consecutive elements share `overlap` of their mass
        width = 1.0 / (k - (k - 1) * p[d]) if k > 1 else 1.0
        starts = np.arange(k) * width * (1 - p[d])
        qs_lo = np.clip(starts, 0, 1)
        qs_hi = np.clip(starts + width, 0, 1)
        values = lens2[:, d]
        per_dim.append((np.quantile(values, qs_lo), np.quantile(values, qs_hi)))
    lower = np.array(
        [
            [per_dim[d][0][i] for d, i in enumerate(idx)]
            for idx in product(*[range(int(k)) for k in n])
        ]
    )
    upper = np.array(
        [
            [per_dim[d][1][i] for d, i in enumerate(idx)]
            for idx in product(*[range(int(k)) for k in n])
        ]
    )
    return Cover(lower, upper, "balanced")


COVERS.register("uniform", uniform_cover, help="equal-width intervals (KeplerMapper's cover)")
COVERS.register("balanced", balanced_cover, help="intervals holding equal numbers of inputs")


def make_cover(
    lens: np.ndarray, cover: str | Callable = "uniform", n_intervals=10, overlap=0.3
) -> Cover:
    """Fit a cover of kind ``cover`` (a name in :data:`COVERS`, built in ``"uniform"`` and
    ``"balanced"``, or a function ``fn(lens, n_intervals, overlap) -> Cover``) to ``lens``."""
    if isinstance(cover, str):
        if cover not in COVERS:
            raise ValueError(
                f"cover: unknown cover {cover!r}; choose one of {COVERS.names()} (add one with register_cover)"
            )
        fn = COVERS.get(cover)
    elif callable(cover):
        fn = cover
    else:
        raise TypeError(
            f"cover: expected a cover name or a callable, got {type(cover).__name__} {cover!r}"
        )
    result = fn(lens, n_intervals, overlap)
    if not isinstance(result, Cover):
        raise TypeError(f"cover {cover!r}: returned {type(result).__name__}, expected a Cover")
    return result
