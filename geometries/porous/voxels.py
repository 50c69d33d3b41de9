"""Voxel estimate of the solid volume per porosity slab, used while placing primitives.

The exact volumes come from OCC after the build; :class:`VoxelGrid` is the
cheap running estimate that tells the packers (and the foam strut-radius
solve) how much solid each slab holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from geometries.porous.layout import HostLayout
from geometries.porous.scaffolds import Primitive, Sphere

__all__ = ["VoxelGrid"]

#: Voxel budget of the solid-fraction estimator.
_MAX_VOXELS = 3_000_000


class VoxelGrid:
    """Boolean voxels over the host layer; z edges follow the slab boundaries.

    Used to estimate the solid volume (m3) per slab of a union of primitives
    while placing them (exact volumes come from OCC afterwards).
    """

    def __init__(self, footprint: float, slabs: Sequence[tuple[float, float]], spacing: float) -> None:
        """Grid over [0, footprint]^2 x slabs (z ranges in m, bottom to top), voxels about ``spacing`` (m)."""
        height = slabs[-1][1] - slabs[0][0]
        spacing = max(spacing, (footprint**2 * height / _MAX_VOXELS) ** (1.0 / 3.0))
        n = max(8, math.ceil(footprint / spacing))
        self.x = (np.arange(n) + 0.5) * (footprint / n)
        self.dxy = footprint / n
        z_edges = [slabs[0][0]]
        for z0, z1 in slabs:
            nz = max(2, math.ceil((z1 - z0) / spacing))
            z_edges.extend(np.linspace(z0, z1, nz + 1)[1:].tolist())
        edges = np.array(z_edges)
        self.z = 0.5 * (edges[1:] + edges[:-1])
        self.dz = np.diff(edges)
        self.slab_of_z = np.searchsorted([z1 for _, z1 in slabs[:-1]], self.z)
        self.n_slabs = len(slabs)
        self.filled = np.zeros((n, n, self.z.size), dtype=bool)
        self.solid = np.zeros(self.n_slabs)

    @classmethod
    def for_layout(cls, layout: HostLayout, spacing: float) -> VoxelGrid:
        return cls(layout.footprint, [(s.z_bottom, s.z_top) for s in layout.slabs], spacing)

    def _block(self, low: np.ndarray, high: np.ndarray) -> tuple[slice, slice, slice] | None:
        ix = slice(int(np.searchsorted(self.x, low[0])), int(np.searchsorted(self.x, high[0], side="right")))
        iy = slice(int(np.searchsorted(self.x, low[1])), int(np.searchsorted(self.x, high[1], side="right")))
        iz = slice(int(np.searchsorted(self.z, low[2])), int(np.searchsorted(self.z, high[2], side="right")))
        if ix.start >= ix.stop or iy.start >= iy.stop or iz.start >= iz.stop:
            return None
        return ix, iy, iz

    def _voxels(self, prim: Primitive) -> tuple[tuple[slice, slice, slice], np.ndarray] | None:
        """Sub-block of the grid around ``prim`` and the mask of voxel centres inside it."""
        if isinstance(prim, Sphere):
            c = np.array(prim.centre)
            block = self._block(c - prim.radius, c + prim.radius)
            if block is None:
                return None
            X, Y, Z = np.meshgrid(self.x[block[0]], self.x[block[1]], self.z[block[2]], indexing="ij")
            return block, (X - c[0]) ** 2 + (Y - c[1]) ** 2 + (Z - c[2]) ** 2 <= prim.radius**2
        a, e = np.array(prim.start), np.array(prim.end)
        block = self._block(np.minimum(a, e) - prim.radius, np.maximum(a, e) + prim.radius)
        if block is None:
            return None
        X, Y, Z = np.meshgrid(self.x[block[0]], self.x[block[1]], self.z[block[2]], indexing="ij")
        axis = e - a
        length = float(np.linalg.norm(axis))
        axis = axis / length
        vx, vy, vz = X - a[0], Y - a[1], Z - a[2]
        t = vx * axis[0] + vy * axis[1] + vz * axis[2]
        radial2 = vx * vx + vy * vy + vz * vz - t * t
        return block, (t >= 0.0) & (t <= length) & (radial2 <= prim.radius**2)

    def _new_voxels(self, prims: Sequence[Primitive]) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices of voxels covered by ``prims`` and not yet filled, and their z indices."""
        found = []
        for prim in prims:
            hit = self._voxels(prim)
            if hit is None:
                continue
            (ix, iy, iz), mask = hit
            new = mask & ~self.filled[ix, iy, iz]
            i, j, k = np.nonzero(new)
            found.append(np.ravel_multi_index((i + ix.start, j + iy.start, k + iz.start), self.filled.shape))
        flat = np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)
        return flat, np.unravel_index(flat, self.filled.shape)[2]

    def added_volume(self, prims: Sequence[Primitive]) -> np.ndarray:
        """Solid volume (m3) per slab that ``prims`` would add."""
        _, kz = self._new_voxels(prims)
        return np.bincount(self.slab_of_z[kz], weights=self.dxy**2 * self.dz[kz], minlength=self.n_slabs)

    def add(self, prims: Sequence[Primitive]) -> None:
        flat, kz = self._new_voxels(prims)
        self.filled.flat[flat] = True
        self.solid += np.bincount(self.slab_of_z[kz], weights=self.dxy**2 * self.dz[kz], minlength=self.n_slabs)

    def clear(self) -> None:
        self.filled[:] = False
        self.solid[:] = 0.0
