"""Bubble Sets: the energy field on a grid of pixel groups."""

from __future__ import annotations

import math

import numpy as np

from ._bubble_params import _Params


# --------------------------------------------------------------------------------------------
# energy field
# --------------------------------------------------------------------------------------------
def _obstacle_reach(p: _Params) -> float:
    """How far beyond the members' bounding box non-members are considered."""
    return 3.5 * p.route_margin + max(p.node_r1, p.nonmember_r1)


class _Grid:
    """Grid points ``(x0 + j h, y0 + i h)`` for ``i < ny``, ``j < nx``."""

    def __init__(self, lo: np.ndarray, hi: np.ndarray, h: float):
        self.h = h
        self.x0 = float(lo[0])
        self.y0 = float(lo[1])
        self.nx = int(math.ceil((hi[0] - lo[0]) / h)) + 1
        self.ny = int(math.ceil((hi[1] - lo[1]) / h)) + 1
        self.size = self.nx * self.ny

    def node_field(self, pts: np.ndarray, r0: float, r1: float) -> np.ndarray:
        """Sum over points of ``((r1 - d) / (r1 - r0))**2`` for d < r1 (flat array)."""
        out = np.zeros(self.size)
        if len(pts) == 0:
            return out
        h = self.h
        k = int(math.ceil(r1 / h)) + 1
        di, dj = np.mgrid[-k : k + 1, -k : k + 1]
        di = di.ravel()
        dj = dj.ravel()
        ci = np.rint((pts[:, 1] - self.y0) / h).astype(np.int64)
        cj = np.rint((pts[:, 0] - self.x0) / h).astype(np.int64)
        ii = ci[:, None] + di[None, :]
        jj = cj[:, None] + dj[None, :]
        gx = self.x0 + jj * h
        gy = self.y0 + ii * h
        d = np.hypot(gx - pts[:, 0:1], gy - pts[:, 1:2])
        ok = (d < r1) & (ii >= 0) & (ii < self.ny) & (jj >= 0) & (jj < self.nx)
        val = ((r1 - d[ok]) / (r1 - r0)) ** 2
        out += np.bincount(ii[ok] * self.nx + jj[ok], weights=val, minlength=self.size)
        return out

    def segment_field(self, a: np.ndarray, b: np.ndarray, r0: float, r1: float) -> np.ndarray:
        """Sum over segments a-b of the same falloff of the distance to the segment."""
        out = np.zeros(self.size)
        if len(a) == 0:
            return out
        h = self.h
        lo = np.minimum(a, b) - r1
        hi = np.maximum(a, b) + r1
        j0 = np.clip(np.floor((lo[:, 0] - self.x0) / h).astype(np.int64), 0, self.nx - 1)
        j1 = np.clip(np.ceil((hi[:, 0] - self.x0) / h).astype(np.int64), 0, self.nx - 1)
        i0 = np.clip(np.floor((lo[:, 1] - self.y0) / h).astype(np.int64), 0, self.ny - 1)
        i1 = np.clip(np.ceil((hi[:, 1] - self.y0) / h).astype(np.int64), 0, self.ny - 1)
        w = j1 - j0 + 1
        counts = w * (i1 - i0 + 1)
        seg = np.repeat(np.arange(len(a)), counts)
        local = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        jj = j0[seg] + local % w[seg]
        ii = i0[seg] + local // w[seg]
        px = self.x0 + jj * h
        py = self.y0 + ii * h
        ax, ay = a[seg, 0], a[seg, 1]
        abx, aby = b[seg, 0] - ax, b[seg, 1] - ay
        denom = abx * abx + aby * aby
        denom = np.where(denom > 0, denom, 1.0)
        t = np.clip(((px - ax) * abx + (py - ay) * aby) / denom, 0.0, 1.0)
        d = np.hypot(px - ax - t * abx, py - ay - t * aby)
        ok = d < r1
        val = ((r1 - d[ok]) / (r1 - r0)) ** 2
        out += np.bincount(ii[ok] * self.nx + jj[ok], weights=val, minlength=self.size)
        return out

    def corner_cells(self, pts: np.ndarray) -> np.ndarray:
        """Flat indices of the four grid points around each point (K, 4)."""
        fi = np.floor((pts[:, 1] - self.y0) / self.h).astype(np.int64)
        fj = np.floor((pts[:, 0] - self.x0) / self.h).astype(np.int64)
        fi = np.clip(fi, 0, self.ny - 2)
        fj = np.clip(fj, 0, self.nx - 2)
        base = fi * self.nx + fj
        return np.stack([base, base + 1, base + self.nx, base + self.nx + 1], axis=1)
