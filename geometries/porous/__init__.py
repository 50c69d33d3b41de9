"""Porous 3D hosts: a scaffold (Cu, Ni, carbon) on the current collector, pores filled with Li or electrolyte.

Geometry (lengths in m, z up)::

    z = H + L  +---------------------+  top (11): counter electrode
               |      separator      |  cells "sse" (1)
    z = H      +-o---O----o---O---o--+
               | O  o   O  o  O   o  |  host layer: scaffold cells "host" (3); pores "lithium" (2)
               |o   O  o   O   o  O  |  below the fill height f H, "sse" (1) above
    z = 0      +---------------------+  bottom (10): current collector
               sides (12): x, y in {0, b}

Interfaces: host_sse (22), host_li (23), li_sse (20) (the fill plane in the pores,
or the top of Li-filled pores under the separator).

Scaffold families (:class:`SpherePacking`, :class:`FibreMat`, :class:`OpenCellFoam`):

* spheres: seeded random sequential addition (RSA) with a log-normal radius
  distribution, non-overlapping (an isolated-particle host) or overlapping
  (a sintered, connected scaffold reaching low porosity); periodic in x, y
  (particles crossing a side reappear on the opposite side);
* fibres: straight cylinders with uniform in-plane azimuth and a small normal
  tilt out of the plane (carbon paper / cloth), overlapping (bonded) by default,
  clipped to the box;
* foam: struts (cylinders) along the edges of a cubic lattice or of a periodic
  Voronoi tessellation, thickened at the nodes by spheres; the strut radius is
  solved for the porosity.

Porosity.  Particles are added until a voxel estimate of the solid fraction
reaches the target (the last one shrunk to fit); the OCC volumes are checked
against the target before meshing and the mesh volumes after it (both must be
within :data:`POROSITY_TOLERANCE`).  The placement is deterministic for a seed.

Robustness.  OCC booleans fail or leave slivers where two surfaces are nearly
tangent.  Placement therefore keeps every pair of surfaces either clearly apart
or clearly intersecting (by ``min_gap``), every surface clear of the box faces
and cut planes (fill height, sublayer boundaries), and for overlapping spheres
every intersection circle clear of the planes and of third spheres.  Overlapping
particles are fused first, clipped to the host layer, then fragmented with the
pore and separator boxes in one call.  A draw whose booleans still throw, leave
a sliver or an inverted solid, or give an invalid surface mesh (on which the
HXT volume mesher would terminate the process) is redrawn from a deterministic
sub-stream of the seed (``info["placement_attempt"]`` records which), up to
:data:`MAX_BUILD_ATTEMPTS` draws.

:func:`build_porous_host` is a pure gmsh builder ``(model, params) -> model``;
:func:`porous_host_mesh` builds on rank 0 and distributes.  The placement and
OCC machinery (:func:`place_scaffold`, :func:`build_host_model`) is shared with
:mod:`geometries.gradient`.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import logging
import math
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fem.validation import ParameterError, check_range
from geometries._build import distributed_build, run_cli_build
from geometries.markers import CELL_MARKERS, FACET_MARKERS, HOST_LAYER_MARKERS
from geometries.planar import MODEL_UNIT_M
from geometries.porous.layout import UM, HostLayout, Slab, lithium_fill_fraction
from geometries.porous.limits import (
    MIN_CROSSING_ANGLE_DEG,
    check_faceting,
    check_layout,
    check_mesh_resolution,
    check_plane_spacing,
    check_reachable,
)
from geometries.porous.scaffolds import Cylinder, FibreMat, OpenCellFoam, Primitive, Scaffold, Sphere, SpherePacking

__all__ = [
    "POROSITY_TOLERANCE",
    "Sphere",
    "Cylinder",
    "SpherePacking",
    "FibreMat",
    "OpenCellFoam",
    "Scaffold",
    "Slab",
    "HostLayout",
    "Placement",
    "PorousHostParams",
    "lithium_fill_fraction",
    "check_layout",
    "check_reachable",
    "check_mesh_resolution",
    "check_plane_spacing",
    "place_scaffold",
    "build_host_model",
    "build_worker",
    "model_measures",
    "host_model_info",
    "host_info",
    "build_porous_host",
    "porous_host_info",
    "porous_host_mesh",
    "placement_attempt",
    "describe_host",
    "register_porous",
]

#: Requested vs measured porosity (pore fraction of the host layer), checked on
#: the OCC volumes before meshing and on the mesh after it.
POROSITY_TOLERANCE = 0.02
#: The voxel estimate that drives placement stops within this of the target.
_FILL_TOLERANCE = 0.004
#: Builds redrawn (deterministic sub-streams of the seed) when OCC leaves a sliver or meshing fails.
MAX_BUILD_ATTEMPTS = 4
#: Voxel budget of the solid-fraction estimator.
_MAX_VOXELS = 3_000_000
_LOG = logging.getLogger(__name__)


def _segment_distances(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distances between segment p0-p1 and segments q0[i]-q1[i], and |cos| of the angles between them.

    Closest points of two segments (Ericson, Real-Time Collision Detection, 5.1.9), vectorised over q.
    """
    d1 = p1 - p0
    d2 = q1 - q0
    r = p0 - q0
    a = float(d1 @ d1)
    e = np.einsum("ij,ij->i", d2, d2)
    f = np.einsum("ij,ij->i", d2, r)
    c = r @ d1
    b = d2 @ d1
    denom = a * e - b * b
    s = np.where(denom > 1e-12 * a * e, np.clip((b * f - c * e) / np.where(denom > 0, denom, 1.0), 0.0, 1.0), 0.0)
    t = (b * s + f) / e
    s = np.where(t < 0.0, np.clip(-c / a, 0.0, 1.0), np.where(t > 1.0, np.clip((b - c) / a, 0.0, 1.0), s))
    t = np.clip(t, 0.0, 1.0)
    gaps = (p0 + s[:, None] * d1) - (q0 + t[:, None] * d2)
    cosines = np.abs(b) / np.sqrt(a * e)
    return np.linalg.norm(gaps, axis=1), cosines


def _clip_segment(p: np.ndarray, u: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[float, float] | None:
    """Parameter range [t0, t1] of the line p + t u inside the box [low, high] (Liang-Barsky), or None."""
    t0, t1 = -math.inf, math.inf
    for k in range(3):
        if abs(u[k]) < 1e-15:
            if not low[k] <= p[k] <= high[k]:
                return None
            continue
        ta, tb = sorted(((low[k] - p[k]) / u[k], (high[k] - p[k]) / u[k]))
        t0, t1 = max(t0, ta), min(t1, tb)
    return (t0, t1) if t1 > t0 else None


def _point_segment_distances(p: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Distances from point p to the segments starts[i]-ends[i]."""
    d = ends - starts
    t = np.clip(np.einsum("ij,ij->i", p - starts, d) / np.einsum("ij,ij->i", d, d), 0.0, 1.0)
    return np.linalg.norm(starts + t[:, None] * d - p, axis=1)


def _box_edges(layout: HostLayout) -> tuple[np.ndarray, np.ndarray]:
    """Segments (m) where two planes of the cell meet: vertical box edges, and the lines where the
    z planes (bottom, cuts, top of the host layer) meet the sides.  Surfaces must not graze them."""
    b, H = layout.footprint, layout.host_thickness
    starts, ends = [], []
    for x in (0.0, b):
        for y in (0.0, b):
            starts.append((x, y, 0.0))
            ends.append((x, y, H))
    for z in layout.z_planes:
        for w in (0.0, b):
            starts += [(0.0, w, z), (w, 0.0, z)]
            ends += [(b, w, z), (w, b, z)]
    return np.array(starts), np.array(ends)


def _circle_sphere_clear(
    centre: np.ndarray, axis: np.ndarray, rho: float, q: np.ndarray, radius: float, gap: float
) -> bool:
    """True when the circle (centre, unit axis, radius rho) is not nearly tangent to sphere (q, radius)."""
    rel = q - centre
    along = float(rel @ axis)
    radial = float(np.linalg.norm(rel - along * axis))
    near = math.hypot(along, radial - rho)
    far = math.hypot(along, radial + rho)
    return abs(radius - near) >= gap and abs(radius - far) >= gap


def _circle_points(centre: np.ndarray, axis: np.ndarray, rho: float, n: int = 96) -> np.ndarray:
    """n points (n, 3) on the circle of ``centre``, unit normal ``axis`` and radius ``rho``."""
    helper = np.array([1.0, 0.0, 0.0]) if abs(axis[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    return centre + rho * (np.cos(t)[:, None] * u + np.sin(t)[:, None] * v)


def _triple_points(
    first: tuple[np.ndarray, float], second: tuple[np.ndarray, float], third: tuple[np.ndarray, float]
) -> np.ndarray:
    """The (0 or 2) points common to three sphere surfaces (trilateration), shape (n, 3)."""
    (p1, r1), (p2, r2), (p3, r3) = first, second, third
    d = float(np.linalg.norm(p2 - p1))
    ex = (p2 - p1) / d
    i = float(ex @ (p3 - p1))
    rest = p3 - p1 - i * ex
    j = float(np.linalg.norm(rest))
    if j < 1e-12 * d:  # collinear centres: the circles are coaxial, no isolated triple point
        return np.zeros((0, 3))
    ey = rest / j
    x = (r1 * r1 - r2 * r2 + d * d) / (2.0 * d)
    y = (r1 * r1 - r3 * r3 + i * i + j * j) / (2.0 * j) - i * x / j
    z2 = r1 * r1 - x * x - y * y
    if z2 < 0.0:
        return np.zeros((0, 3))
    base = p1 + x * ex + y * ey
    ez = np.cross(ex, ey)
    return np.array([base + math.sqrt(z2) * ez, base - math.sqrt(z2) * ez])


def _planes_clear(values: Sequence[float], planes: Sequence[float], gap: float, period: float = 0.0) -> bool:
    """True when every coordinate value is at least ``gap`` from every plane (planes x = k period if periodic)."""
    for v in values:
        if period:
            w = v % period
            if min(w, period - w) < gap:
                return False
        elif any(abs(v - p) < gap for p in planes):
            return False
    return True


# --------------------------------------------------------------------------
# voxel estimate of the solid volume per slab


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


# --------------------------------------------------------------------------
# random sequential addition: sphere and fibre packers share one fill loop


class _SpherePacker:
    """Proposals and clearance rules for spheres, periodic in x and y."""

    def __init__(self, scaffold: SpherePacking, layout: HostLayout) -> None:
        self.scaffold = scaffold
        self.layout = layout
        self.gap = layout.min_gap
        self.min_radius = scaffold.smallest_feature(layout.mesh_size)
        self.edges = _box_edges(layout)
        self.centres = np.zeros((0, 3))
        self.radii = np.zeros(0)
        b = layout.footprint
        self.offsets = np.array([(i * b, j * b, 0.0) for i in (-1, 0, 1) for j in (-1, 0, 1)])
        std, mean = scaffold.radius_std, scaffold.radius
        self.sigma = math.sqrt(math.log(1.0 + (std / mean) ** 2)) if std > 0 else 0.0
        self.mu = math.log(mean) - 0.5 * self.sigma**2

    def propose(self, rng: np.random.Generator) -> Sphere:
        r = self.scaffold.radius
        if self.sigma > 0.0:
            r = float(np.clip(rng.lognormal(self.mu, self.sigma), self.min_radius, self.scaffold.max_radius))
        b, H, g = self.layout.footprint, self.layout.host_thickness, self.gap
        x, y = rng.uniform(0.0, b, size=2)
        z = rng.uniform(-r + g, H + r - g)
        return Sphere((float(x), float(y), float(z)), r)

    def resized(self, sphere: Sphere, radius: float) -> Sphere:
        return Sphere(sphere.centre, radius)

    def images(self, sphere: Sphere) -> list[Primitive]:
        """The sphere and its periodic images that reach into the footprint."""
        b, r = self.layout.footprint, sphere.radius
        x, y, z = sphere.centre
        return [
            Sphere((x + i * b, y + j * b, z), r)
            for i in (-1, 0, 1)
            for j in (-1, 0, 1)
            if x + i * b + r > 0 and x + i * b - r < b and y + j * b + r > 0 and y + j * b - r < b
        ]

    def fits(self, sphere: Sphere) -> bool:
        c, r, g = np.array(sphere.centre), sphere.radius, self.gap
        b = self.layout.footprint
        # surface vs planes: |distance - r| >= g (clearly crossing or clearly clear)
        if not _planes_clear([c[2] - r, c[2] + r], self.layout.z_planes, g):
            return False
        if not _planes_clear([c[0] - r, c[0] + r, c[1] - r, c[1] + r], (), g, period=b):
            return False
        for image in self.images(sphere):  # box edges and corners
            if np.any(np.abs(_point_segment_distances(np.array(image.centre), *self.edges) - r) < g):
                return False
        # pairs, over the 9 periodic images (the sphere's own images included)
        others = np.concatenate([self.centres, c[None, :]])
        radii = np.concatenate([self.radii, [r]])
        disp = (others[None, :, :] + self.offsets[:, None, :] - c).reshape(-1, 3)
        rad = np.tile(radii, len(self.offsets))
        d = np.linalg.norm(disp, axis=1)
        self_mask = d < 1e-12 * b
        disp, rad, d = disp[~self_mask], rad[~self_mask], d[~self_mask]
        if not self.scaffold.overlapping:
            return bool(np.all(d >= r + rad + g))
        if np.any(np.abs(d - (r + rad)) < g) or np.any(np.abs(d - np.abs(r - rad)) < g):
            return False
        if np.any(d < np.abs(r - rad)):  # one inside the other
            return False
        near = d < r + rad
        # the surfaces must cross at a clear angle (a shallow crease is a sliver for OCC and the mesher)
        cos_crossing = (r * r + rad[near] ** 2 - d[near] ** 2) / (2.0 * r * rad[near])
        if np.any(np.abs(cos_crossing) > math.cos(math.radians(MIN_CROSSING_ANGLE_DEG))):
            return False
        return self._circles_clear(c, r, c + disp[near], rad[near])

    def _circles_clear(self, c: np.ndarray, r: float, qs: np.ndarray, rs: np.ndarray) -> bool:
        """Junctions of the new sphere with the spheres it overlaps: every intersection circle clear
        of the planes and of third spheres, every triple point clear of the planes and of fourth spheres."""
        g = self.gap
        spheres = [(c, r), *zip(qs, rs, strict=True)]
        for i in range(len(spheres)):
            for j in range(i + 1, len(spheres)):
                (p, rp), (q, rq) = spheres[i], spheres[j]
                d = float(np.linalg.norm(q - p))
                if i > 0 and (d >= rp + rq):
                    continue
                axis = (q - p) / d
                along = (d * d + rp * rp - rq * rq) / (2.0 * d)
                rho = math.sqrt(max(rp * rp - along * along, 0.0))
                m = p + along * axis
                spread = rho * np.sqrt(np.clip(1.0 - axis**2, 0.0, 1.0))
                if i == 0 and not self._clear_of_planes(np.array([m - spread, m + spread])):
                    return False
                if i == 0 and self._near_edges(_circle_points(m, axis, rho)):
                    return False
                for k, (s, rs_) in enumerate(spheres):
                    if k in (i, j) or (i > 0 and k != 0):
                        continue
                    if not _circle_sphere_clear(m, axis, rho, s, rs_, g):
                        return False
                    if i == 0 and k > j and not self._triple_points_clear(spheres, (i, j, k)):
                        return False
        return True

    def _clear_of_planes(self, points: np.ndarray) -> bool:
        """Points (n, 3) at least the gap from the z planes and from the periodic sides."""
        g, b = self.gap, self.layout.footprint
        lateral = points[:, :2].ravel().tolist()
        return _planes_clear(points[:, 2].tolist(), self.layout.z_planes, g) and _planes_clear(lateral, (), g, b)

    def _near_edges(self, points: np.ndarray) -> bool:
        """True if any point is within the gap of two planes at once (a box edge or a cut-plane edge)."""
        g, b = self.gap, self.layout.footprint
        planes = np.asarray(self.layout.z_planes)
        near_z = np.min(np.abs(points[:, 2:3] - planes[None, :]), axis=1) < g
        wrapped = np.mod(points[:, :2], b)
        near_xy = np.minimum(wrapped, b - wrapped) < g
        return bool(np.any((near_xy[:, 0] & near_xy[:, 1]) | (near_z & (near_xy[:, 0] | near_xy[:, 1]))))

    def _triple_points_clear(self, spheres: list[tuple[np.ndarray, float]], triple: tuple[int, int, int]) -> bool:
        """Where three sphere surfaces meet: not near a plane, not on a fourth sphere's surface."""
        points = _triple_points(*(spheres[k] for k in triple))
        if not len(points):
            return True
        if not self._clear_of_planes(points):
            return False
        for k, (s, rs_) in enumerate(spheres):
            if k not in triple and np.any(np.abs(np.linalg.norm(points - s, axis=1) - rs_) < self.gap):
                return False
        return True

    def accept(self, sphere: Sphere) -> None:
        self.centres = np.vstack([self.centres, sphere.centre])
        self.radii = np.append(self.radii, sphere.radius)


class _FibrePacker:
    """Proposals and clearance rules for straight fibres clipped to the box."""

    def __init__(self, scaffold: FibreMat, layout: HostLayout) -> None:
        self.scaffold = scaffold
        self.layout = layout
        self.gap = layout.min_gap
        self.min_radius = scaffold.radius
        self.edges = _box_edges(layout)
        self.starts = np.zeros((0, 3))
        self.ends = np.zeros((0, 3))
        self.radii = np.zeros(0)
        self.min_sin = math.sin(math.radians(MIN_CROSSING_ANGLE_DEG))

    def propose(self, rng: np.random.Generator) -> Cylinder | None:
        b, H, r, g = self.layout.footprint, self.layout.host_thickness, self.scaffold.radius, self.gap
        phi = rng.uniform(0.0, math.pi)
        tilt = math.radians(rng.normal(0.0, self.scaffold.tilt_std_deg)) if self.scaffold.tilt_std_deg else 0.0
        u = np.array([math.cos(phi) * math.cos(tilt), math.sin(phi) * math.cos(tilt), math.sin(tilt)])
        p = np.array([*rng.uniform(0.0, b, size=2), rng.uniform(-r + g, H + r - g)])
        margin = 2.0 * r
        span = _clip_segment(
            p, u, np.array([-margin, -margin, -margin]), np.array([b + margin, b + margin, H + margin])
        )
        if span is None:
            return None
        t0, t1 = span
        return Cylinder(tuple((p + t0 * u).tolist()), tuple((p + t1 * u).tolist()), r)

    def resized(self, fibre: Cylinder, radius: float) -> Cylinder:
        return Cylinder(fibre.start, fibre.end, radius)

    def images(self, fibre: Cylinder) -> list[Primitive]:
        return [fibre]

    def _planes_ok(self, a: np.ndarray, e: np.ndarray, r: float) -> bool:
        """Cylinder vs the box faces and cut planes: parallel and clear, or crossing steeply."""
        b, g = self.layout.footprint, self.gap
        u = (e - a) / np.linalg.norm(e - a)
        for axis, planes in ((0, (0.0, b)), (1, (0.0, b)), (2, self.layout.z_planes)):
            cos_to_normal = abs(u[axis])
            half = r * math.sqrt(max(1.0 - cos_to_normal**2, 0.0))
            low, high = min(a[axis], e[axis]), max(a[axis], e[axis])
            for p in planes:
                if p < low - half - g or p > high + half + g:
                    continue
                if cos_to_normal < 1e-9:
                    if abs(abs(a[axis] - p) - r) < g:
                        return False
                elif cos_to_normal < self.min_sin:
                    return False
        return True

    def fits(self, fibre: Cylinder | None) -> bool:
        if fibre is None:
            return False
        a, e, r, g = np.array(fibre.start), np.array(fibre.end), fibre.radius, self.gap
        if not self._planes_ok(a, e, r):
            return False
        if np.any(np.abs(_segment_distances(a, e, *self.edges)[0] - r) < g):  # box edges
            return False
        if not len(self.radii):
            return True
        d, cosines = _segment_distances(a, e, self.starts, self.ends)
        touching = d < r + self.radii + g
        if not self.scaffold.overlapping:
            return not np.any(touching)
        shallow = cosines > math.cos(math.radians(MIN_CROSSING_ANGLE_DEG))
        if np.any(touching & shallow):
            return False
        return not (np.any(np.abs(d - (r + self.radii)) < g) or np.any(np.abs(d - np.abs(r - self.radii)) < g))

    def accept(self, fibre: Cylinder) -> None:
        self.starts = np.vstack([self.starts, fibre.start])
        self.ends = np.vstack([self.ends, fibre.end])
        self.radii = np.append(self.radii, fibre.radius)


Packer = _SpherePacker | _FibrePacker


def _fit_radius(packer: Packer, grid: VoxelGrid, particle: Primitive, room: np.ndarray) -> Primitive | None:
    """Shrink ``particle`` (bisection on the radius, >= the packer's minimum) until its added
    volume fits in ``room`` (m3 per slab); None if even the smallest does not fit or fails the rules."""
    low, high = packer.min_radius, particle.radius
    smallest = packer.resized(particle, low)
    if np.any(grid.added_volume(packer.images(smallest)) > room):
        return None
    for _ in range(12):
        mid = 0.5 * (low + high)
        if np.any(grid.added_volume(packer.images(packer.resized(particle, mid))) > room):
            high = mid
        else:
            low = mid
    fitted = packer.resized(particle, low)
    return fitted if packer.fits(fitted) else None


def _random_fill(
    packer: Packer, layout: HostLayout, rng: np.random.Generator, max_failures: int = 20000
) -> list[Primitive]:
    """Random sequential addition until every slab's solid volume is within tolerance of its target.

    A particle may cross slab boundaries (a continuous scaffold) unless it
    would overfill a slab by more than the tolerance; near the end particles
    are shrunk to fit.  Raises ParameterError when the packing jams.
    """
    spacing = 0.25 * packer.min_radius
    grid = VoxelGrid.for_layout(layout, spacing)
    slab_volume = np.array([layout.footprint**2 * s.thickness for s in layout.slabs])
    target = np.array([1.0 - s.porosity for s in layout.slabs]) * slab_volume
    tol = _FILL_TOLERANCE * slab_volume
    placed: list[Primitive] = []
    failures = 0
    while np.any(grid.solid < target - tol):
        if failures > max_failures:
            _refuse_jammed(packer, layout, grid.solid / slab_volume)
        candidate = packer.propose(rng)
        if not packer.fits(candidate):
            failures += 1
            continue
        added = grid.added_volume(packer.images(candidate))
        if added.sum() <= 0.0 or np.any((added > 0) & (grid.solid >= target - tol)):
            failures += 1
            continue
        room = target + tol - grid.solid
        if np.any(added > room):
            candidate = _fit_radius(packer, grid, candidate, room)
            if candidate is None:
                failures += 1
                continue
        grid.add(packer.images(candidate))
        packer.accept(candidate)
        placed.append(candidate)
        failures = 0
    return placed


def _refuse_jammed(packer: Packer, layout: HostLayout, solid_fraction: np.ndarray) -> None:
    family = packer.scaffold.family
    mode = "overlapping" if packer.scaffold.overlapping else "non-overlapping"
    reached = ", ".join(f"{1 - f:.3f}" for f in solid_fraction)
    wanted = ", ".join(f"{s.porosity:g}" for s in layout.slabs)
    raise ParameterError(
        f"porosity = {wanted} is unreachable by random sequential addition of {mode} {family} with the gap "
        f"{layout.min_gap:.3g} m and the cut planes at z = {[round(z / UM, 3) for z in layout.cut_planes]} um "
        f"(jammed at porosity {reached}); raise the porosity"
        + ("" if packer.scaffold.overlapping else " or use overlapping=True")
    )


# --------------------------------------------------------------------------
# foam: struts on lattice edges


@dataclass(frozen=True)
class StrutGraph:
    """A strut network periodic in x and y with period ``period`` (m).

    ``nodes`` (n, 3) are positions (m) of one image of each node; ``edges``
    (m, 4) integer rows (i, j, sx, sy) are struts from nodes[i] to
    nodes[j] + (sx, sy, 0) * period.
    """

    nodes: np.ndarray
    edges: np.ndarray
    period: float

    def vectors(self) -> np.ndarray:
        """Strut vectors (m, 3) in m."""
        e = self.edges
        shift = np.column_stack([e[:, 2], e[:, 3], np.zeros(len(e))]) * self.period
        return self.nodes[e[:, 1]] + shift - self.nodes[e[:, 0]]

    def smallest_angles(self) -> np.ndarray:
        """Smallest angle (rad) between the struts meeting at each node (pi / 2 where fewer than two)."""
        vectors = self.vectors()
        units = vectors / np.linalg.norm(vectors, axis=1)[:, None]
        directions: dict[int, list[np.ndarray]] = {}
        for (i, j, _, _), u in zip(self.edges, units, strict=True):
            directions.setdefault(int(i), []).append(u)
            directions.setdefault(int(j), []).append(-u)
        angles = np.full(len(self.nodes), math.pi / 2.0)
        for node, dirs in directions.items():
            cosines = [float(dirs[k] @ dirs[m]) for k in range(len(dirs)) for m in range(k + 1, len(dirs))]
            if cosines:
                angles[node] = min(angles[node], math.acos(min(max(cosines), 1.0)))
        return angles


def _canonical_edges(rows: Sequence[Sequence[int]]) -> np.ndarray:
    """Drop zero-length self loops, orient each strut one way and remove duplicates."""
    unique = set()
    for i, j, sx, sy in rows:
        if i == j and sx == 0 and sy == 0:
            continue
        forward, backward = (int(i), int(j), int(sx), int(sy)), (int(j), int(i), -int(sx), -int(sy))
        unique.add(min(forward, backward))  # both name the same strut
    return np.array(sorted(unique), dtype=np.int64).reshape(-1, 4)


def _cubic_graph(a: float, n: int, nz: int) -> StrutGraph:
    """Cubic lattice of constant a: n x n cells in x, y (periodic), nz cells in z, nodes at z = k a."""
    index = {(i, j, k): (i * n + j) * (nz + 1) + k for i in range(n) for j in range(n) for k in range(nz + 1)}
    nodes = np.array([(i * a, j * a, k * a) for (i, j, k) in index])
    rows = []
    for (i, j, k), node in index.items():
        rows.append((node, index[(i + 1) % n, j, k], int(i + 1 == n), 0))
        rows.append((node, index[i, (j + 1) % n, k], 0, int(j + 1 == n)))
        if k < nz:
            rows.append((node, index[i, j, k + 1], 0, 0))
    return StrutGraph(nodes, _canonical_edges(rows), n * a)


def _cubic_lattice(scaffold: OpenCellFoam, layout: HostLayout) -> StrutGraph:
    """The cubic lattice filling [0, b]^2 x [0, H]; b and H must be whole multiples of the cell size."""
    a, b, H = scaffold.cell_size, layout.footprint, layout.host_thickness
    counts = []
    for name, extent in (("footprint", b), ("host_thickness", H)):
        n = round(extent / a)
        if n < 1 or abs(n * a - extent) > 1e-9 * extent:
            raise ParameterError(
                f"cell_size = {a:.4g} m: the cubic foam needs the {name} {extent:.4g} m to be a whole "
                f"multiple of the cell size (e.g. cell_size = {extent / max(n, 1):.4g} m)"
            )
        counts.append(n)
    return _cubic_graph(a, counts[0], counts[1])


def _periodic_seeds(n_cells: int, b: float, H: float, hard_core: float, rng: np.random.Generator) -> np.ndarray:
    """Up to n_cells points in [0, b)^2 x [0, H], at least ``hard_core`` apart (periodic in x, y)."""
    seeds: list[np.ndarray] = []
    for _ in range(200 * n_cells):
        if len(seeds) == n_cells:
            break
        p = rng.uniform([0.0, 0.0, 0.0], [b, b, H])
        if seeds:
            disp = np.array(seeds) - p
            disp[:, :2] -= b * np.round(disp[:, :2] / b)
            if np.min(np.linalg.norm(disp, axis=1)) < hard_core:
                continue
        seeds.append(p)
    return np.array(seeds)


def _voronoi_lattice(scaffold: OpenCellFoam, layout: HostLayout, rng: np.random.Generator) -> StrutGraph:
    """Edges of a Voronoi tessellation periodic in x, y and mirrored at z = 0 and z = H.

    Seeds by random sequential addition with a hard core of 0.6 cell sizes
    (more regular cells); the tessellation of the seeds' 3 x 3 periodic images
    (and their mirror images) is reduced to one image of each vertex and
    strut, and struts shorter than a fifth of a cell are collapsed.
    """
    from scipy.spatial import Voronoi

    a, b, H = scaffold.cell_size, layout.footprint, layout.host_thickness
    base = _periodic_seeds(max(1, round(b * b * H / a**3)), b, H, 0.6 * a, rng)
    points = []
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            shifted = base + np.array([i * b, j * b, 0.0])
            points += [
                shifted,
                shifted * np.array([1, 1, -1]),
                shifted * np.array([1, 1, -1]) + np.array([0, 0, 2 * H]),
            ]
    vor = Voronoi(np.concatenate(points))
    tol = 1e-7 * a
    vertices = vor.vertices
    wrapped = vertices.copy()
    wrapped[:, :2] = np.mod(vertices[:, :2], b)
    wrapped[:, :2] -= b * (wrapped[:, :2] > b - tol)
    shifts = np.rint((vertices[:, :2] - wrapped[:, :2]) / b).astype(np.int64)
    keys = [tuple(k) for k in np.rint(wrapped / tol).astype(np.int64)]
    fundamental: dict[tuple[int, ...], int] = {}
    positions: list[np.ndarray] = []
    node_of = np.empty(len(vertices), dtype=np.int64)
    for v, key in enumerate(keys):
        if key not in fundamental:
            fundamental[key] = len(positions)
            positions.append(wrapped[v])
        node_of[v] = fundamental[key]
    inside = (vertices[:, 2] > -tol) & (vertices[:, 2] < H + tol)
    rows = []
    for ridge in vor.ridge_vertices:
        if -1 in ridge:
            continue
        for u, v in zip(ridge, [*ridge[1:], ridge[0]], strict=True):
            middle = 0.5 * (vertices[u, :2] + vertices[v, :2])
            if inside[u] and inside[v] and np.all(middle >= -tol) and np.all(middle < b - tol):
                sx, sy = shifts[v] - shifts[u]
                rows.append((node_of[u], node_of[v], sx, sy))
    nodes = np.array(positions)
    nodes[np.abs(nodes[:, 2]) < tol, 2] = 0.0
    nodes[np.abs(nodes[:, 2] - H) < tol, 2] = H
    return _collapse_short_struts(StrutGraph(nodes, _canonical_edges(rows), b), a / 5.0, H)


def _collapse_short_struts(graph: StrutGraph, min_length: float, H: float) -> StrutGraph:
    """Merge the two ends of the shortest strut while it is shorter than ``min_length``.

    The merged node sits at the midpoint (on the mirror plane z = 0 or H if
    either end was), so every periodic image is treated alike.
    """
    nodes, edges, b = graph.nodes.copy(), graph.edges.copy(), graph.period
    while len(edges):
        lengths = np.linalg.norm(StrutGraph(nodes, edges, b).vectors(), axis=1)
        lengths[edges[:, 0] == edges[:, 1]] = np.inf
        k = int(np.argmin(lengths))
        if lengths[k] >= min_length:
            break
        i, j, sx, sy = (int(v) for v in edges[k])
        merged = 0.5 * (nodes[i] + nodes[j] + np.array([sx * b, sy * b, 0.0]))
        for z in (0.0, H):
            if nodes[i][2] == z or nodes[j][2] == z:
                merged[2] = z
        nodes[i] = merged
        rows = []
        for p, q, tx, ty in edges.tolist():  # nodes[j] + s b is now nodes[i]
            if p == j:
                p, tx, ty = i, tx + sx, ty + sy
            if q == j:
                q, tx, ty = i, tx - sx, ty - sy
            rows.append((p, q, tx, ty))
        edges = _canonical_edges(rows)
    used = np.unique(edges[:, :2])
    renumber = np.full(len(nodes), -1)
    renumber[used] = np.arange(len(used))
    edges = np.column_stack([renumber[edges[:, 0]], renumber[edges[:, 1]], edges[:, 2:]])
    return StrutGraph(nodes[used], edges, b)


def _strut_primitives(graph: StrutGraph, footprint: float, radius: float, node_radii: np.ndarray) -> list[Primitive]:
    """Node spheres and strut cylinders (m) of every periodic image that reaches [0, footprint]^2."""
    b = graph.period
    reach = float(np.max(node_radii)) + radius
    low, high = -reach, footprint + reach
    offsets = [(ox, oy) for ox in range(-2, 3) for oy in range(-2, 3)]
    prims: list[Primitive] = []
    for (ox, oy), (i, node) in itertools.product(offsets, enumerate(graph.nodes)):
        p = node + np.array([ox * b, oy * b, 0.0])
        if low <= p[0] <= high and low <= p[1] <= high:
            prims.append(Sphere(tuple(p.tolist()), float(node_radii[i])))
    vectors = graph.vectors()
    for (ox, oy), (edge, vector) in itertools.product(offsets, zip(graph.edges, vectors, strict=True)):
        start = graph.nodes[edge[0]] + np.array([ox * b, oy * b, 0.0])
        end = start + vector
        lo, hi = np.minimum(start, end), np.maximum(start, end)
        if hi[0] >= low and lo[0] <= high and hi[1] >= low and lo[1] <= high:
            prims.append(Cylinder(tuple(start.tolist()), tuple(end.tolist()), radius))
    return prims


def _node_radii(scaffold: OpenCellFoam, angles: np.ndarray, radius: float, gap: float) -> np.ndarray:
    """Node sphere radii: node_factor r, and large enough that struts meeting at a node at the
    angle theta intersect inside it (up to r / sin(theta / 2) from the node), plus the gap; at
    most 3 r (Voronoi nodes with sharper angles keep part of the strut-strut intersection outside)."""
    needed = np.maximum(scaffold.node_factor * radius, radius / np.sin(0.5 * angles) + gap)
    return np.minimum(needed, max(3.0 * radius, scaffold.node_factor * radius))


def _solve_strut_radius(solid_fraction: Callable[[float], float], target: float, high: float) -> float:
    """Bisection for the strut radius whose solid fraction is ``target`` (monotone in the radius)."""
    low = 0.0
    while high - low > 1e-3 * high:
        mid = 0.5 * (low + high)
        low, high = (mid, high) if solid_fraction(mid) < target else (low, mid)
    return 0.5 * (low + high)


def _foam_struts(
    scaffold: OpenCellFoam, layout: HostLayout, rng: np.random.Generator
) -> tuple[list[Primitive], dict[str, Any]]:
    """Struts with the radius that meets the porosity (voxel estimate; cubic: on one periodic cell)."""
    if len(layout.slabs) > 1:
        raise ParameterError("a porosity gradient is not available for foams; use spheres or fibres")
    g, a = layout.min_gap, scaffold.cell_size
    if scaffold.lattice == "cubic":
        graph = _cubic_lattice(scaffold, layout)
        cell, cell_box = _cubic_graph(a, 1, 1), (a, ((0.0, a),), a / 96.0)
    else:
        graph = _voronoi_lattice(scaffold, layout, rng)
        cell, cell_box = graph, (layout.footprint, ((0.0, layout.host_thickness),), 0.0)
    cell_angles = cell.smallest_angles()

    def solid_fraction(radius: float) -> float:
        footprint, slabs, spacing = cell_box
        grid = VoxelGrid(footprint, slabs, spacing or max(radius / 3.0, 0.02 * a))
        grid.add(_strut_primitives(cell, footprint, radius, _node_radii(scaffold, cell_angles, radius, g)))
        return float(grid.solid.sum() / (footprint**2 * slabs[0][1]))

    porosity = layout.slabs[0].porosity
    thickest = 0.2 * float(np.median(np.linalg.norm(graph.vectors(), axis=1)))
    densest = solid_fraction(thickest)
    if densest < 1.0 - porosity:
        raise ParameterError(
            f"porosity = {porosity:g} is unreachable with a {scaffold.lattice} foam of cell_size = {a:.3g} m: "
            f"struts thicker than a fifth of the median edge ({thickest:.3g} m) close the cells "
            f"(porosity >= {1 - densest:.2f}); raise the porosity"
        )
    radius = _solve_strut_radius(solid_fraction, 1.0 - porosity, thickest)
    if layout.mesh_size > 0.5 * radius:
        raise ParameterError(
            f"mesh_size = {layout.mesh_size:.3g} m is larger than half the strut radius {radius:.3g} m that "
            f"porosity = {porosity:g} needs; refine the mesh (mesh_size <= {0.5 * radius:.3g} m)"
        )
    node_radii = _node_radii(scaffold, graph.smallest_angles(), radius, g)
    _check_foam_planes(layout, graph, radius, node_radii)
    details = {
        "strut_radius_m": radius,
        "node_radius_m": float(np.max(node_radii)),
        "n_struts": len(graph.edges),
        "n_nodes": len(graph.nodes),
    }
    return _strut_primitives(graph, layout.footprint, radius, node_radii), details


def _check_foam_planes(layout: HostLayout, graph: StrutGraph, r: float, node_radii: np.ndarray) -> None:
    """Refuse cut planes (fill height, sublayer boundaries) nearly tangent to nodes or struts."""
    g = layout.min_gap
    sin_min = math.sin(math.radians(MIN_CROSSING_ANGLE_DEG))
    vectors = graph.vectors()
    for z in layout.cut_planes:
        for node, R in zip(graph.nodes, node_radii, strict=True):
            s = abs(z - node[2])
            entry = math.sqrt(R * R - r * r)  # height of the circle where a vertical strut enters the node
            if any(abs(s - level) < g for level in (R, r, entry)):
                raise ParameterError(
                    f"the cut plane z = {z / UM:.4g} um (Li fill height or sublayer boundary) grazes the foam "
                    f"node at z = {node[2] / UM:.4g} um (node radius {R / UM:.3g} um, strut radius "
                    f"{r / UM:.3g} um); move it by more than {g / UM:.3g} um"
                )
        for edge, vector in zip(graph.edges, vectors, strict=True):
            z0 = graph.nodes[edge[0]][2]
            z1 = z0 + vector[2]
            crosses = min(z0, z1) - r - g < z < max(z0, z1) + r + g
            if crosses and 1e-9 < abs(vector[2]) / np.linalg.norm(vector) < sin_min:
                raise ParameterError(
                    f"the cut plane z = {z / UM:.4g} um meets a foam strut at less than "
                    f"{MIN_CROSSING_ANGLE_DEG:g} deg; use another seed or fill fraction, or a cubic foam"
                )


# --------------------------------------------------------------------------
# placement (pure NumPy, deterministic for a seed)


@dataclass(frozen=True, slots=True)
class Placement:
    """The scaffold's primitives in the footprint (m) and how they were obtained."""

    primitives: tuple[Primitive, ...]
    overlapping: bool
    n_particles: int
    attempt: int
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@functools.lru_cache(maxsize=8)
def place_scaffold(scaffold: Scaffold, layout: HostLayout, seed: int, attempt: int = 0) -> Placement:
    """Place the scaffold for ``layout`` (deterministic for (seed, attempt)).

    Spheres and fibres: random sequential addition to each slab's porosity;
    foam: struts with the radius solved for the porosity.  Refuses (ParameterError)
    a packing that jams and a mesh too coarse for the curvature of the result.
    """
    rng = np.random.default_rng([seed, attempt])
    if isinstance(scaffold, OpenCellFoam):
        prims, details = _foam_struts(scaffold, layout, rng)
        placement = Placement(tuple(prims), True, details["n_struts"], attempt, details)
        radii = [details["strut_radius_m"]]
    else:
        packer: Packer = (
            _SpherePacker(scaffold, layout) if isinstance(scaffold, SpherePacking) else _FibrePacker(scaffold, layout)
        )
        particles = _random_fill(packer, layout, rng)
        prims = [image for particle in particles for image in packer.images(particle)]
        radii = [p.radius for p in particles]
        placement = Placement(tuple(prims), scaffold.overlapping, len(particles), attempt, {"radii_m": radii})
    check_faceting(scaffold, layout, radii)
    return placement


# --------------------------------------------------------------------------
# OCC geometry, tags and mesh


class _BuildError(RuntimeError):
    """The booleans left a sliver or the mesher failed: a redraw may succeed."""


def _occ_primitive(occ: Any, prim: Primitive) -> tuple[int, int]:
    u = 1.0 / MODEL_UNIT_M
    if isinstance(prim, Sphere):
        x, y, z = (u * c for c in prim.centre)
        return 3, occ.addSphere(x, y, z, u * prim.radius)
    a, e = np.array(prim.start) * u, np.array(prim.end) * u
    return 3, occ.addCylinder(*a, *(e - a), u * prim.radius)


def _build_volumes(model: Any, layout: HostLayout, placement: Placement) -> dict[int, str]:
    """OCC: fuse (if overlapping), clip to the host layer, fragment with the pore and separator boxes.

    Returns {volume tag: region name} with names "host" / "host_layer_k", "lithium", "sse".
    """
    occ = model.occ
    u = 1.0 / MODEL_UNIT_M
    b, H, L = u * layout.footprint, u * layout.host_thickness, u * layout.separator_thickness
    levels = [0.0, *(u * z for z in layout.cut_planes), H]
    try:
        solids = [_occ_primitive(occ, p) for p in placement.primitives]
        if placement.overlapping and len(solids) > 1:
            solids, _ = occ.fuse(solids[:1], solids[1:])
        solids, _ = occ.intersect(solids, [(3, occ.addBox(0.0, 0.0, 0.0, b, b, H))])
        boxes = [(3, occ.addBox(0.0, 0.0, z0, b, b, z1 - z0)) for z0, z1 in itertools.pairwise(levels)]
        boxes.append((3, occ.addBox(0.0, 0.0, H, b, b, L)))
        _, children = occ.fragment(boxes, solids)
        occ.synchronize()
    except Exception as error:  # an OpenCASCADE exception, e.g. "Courbes non jointives"
        raise _BuildError(f"OCC booleans failed: {error}") from None
    host = {tag for child in children[len(boxes) :] for _, tag in child}
    fill = u * layout.fill_height
    regions: dict[int, str] = {}
    for k, child in enumerate(children[: len(boxes)]):
        in_layer = k < len(boxes) - 1
        pore = "lithium" if in_layer and levels[k + 1] <= fill * (1 + 1e-12) and fill > 0 else "sse"
        for _, tag in child:
            if tag not in host:
                regions[tag] = pore
    host_levels = [u * z for z in layout.host_layers]
    for tag in host:
        if host_levels:
            z = occ.getCenterOfMass(3, tag)[2]
            k = min(int(np.searchsorted(host_levels, z)) - 1, len(host_levels) - 2)
            regions[tag] = f"host_layer_{max(k, 0)}"
        else:
            regions[tag] = "host"
    smallest = min(occ.getMass(3, tag) for tag in regions)
    if smallest < 0.05 * (u * layout.min_gap) ** 3:  # negative: a badly oriented solid
        raise _BuildError(f"a volume of {smallest:.3g} um3 (sliver or inverted solid) was left by the booleans")
    return regions


def _phase(region: str) -> str:
    return "host" if region.startswith("host") else region


_PAIR_MARKER = {
    frozenset(("host", "sse")): "host_sse",
    frozenset(("host", "lithium")): "host_li",
    frozenset(("lithium", "sse")): "li_sse",
}


def _classify_surfaces(model: Any, layout: HostLayout, regions: dict[int, str]) -> dict[str, list[int]]:
    """Facet groups: boundary faces by plane, interfaces by the phases on either side."""
    u = 1.0 / MODEL_UNIT_M
    b, top = u * layout.footprint, u * (layout.host_thickness + layout.separator_thickness)
    tol = 1e-6 * max(b, top)
    groups: dict[str, list[int]] = {name: [] for name in ("bottom", "top", "sides", *_PAIR_MARKER.values())}
    for _, tag in model.getEntities(2):
        volumes = [v for v in model.getAdjacencies(2, tag)[0] if v in regions]
        if len(volumes) == 2:
            pair = frozenset(_phase(regions[v]) for v in volumes)
            if pair in _PAIR_MARKER:
                groups[_PAIR_MARKER[pair]].append(tag)
            continue
        x0, y0, z0, x1, y1, z1 = model.getBoundingBox(2, tag)
        if z1 < tol:
            groups["bottom"].append(tag)
        elif z0 > top - tol:
            groups["top"].append(tag)
        elif min(x1, y1) < tol or max(x0, y0) > b - tol:
            groups["sides"].append(tag)
        else:
            raise RuntimeError(f"surface {tag} with bounding box {(x0, y0, z0, x1, y1, z1)} is unclassified")
    return groups


def _tag(model: Any, regions: dict[int, str], groups: dict[str, list[int]]) -> None:
    cell_ids = {**CELL_MARKERS, **HOST_LAYER_MARKERS}
    for name in sorted(set(regions.values()), key=lambda n: cell_ids[n]):
        model.addPhysicalGroup(3, sorted(t for t, r in regions.items() if r == name), cell_ids[name], name=name)
    for name, tags in groups.items():
        if tags:
            model.addPhysicalGroup(2, sorted(tags), FACET_MARKERS[name], name=name)


def _mesh(model: Any, layout: HostLayout, regions: dict[int, str]) -> None:
    """Linear tetrahedra: mesh_size at the scaffold surfaces, growing to mesh_size_bulk away from them.

    Raises _BuildError when the mesher fails (a redraw may succeed).
    """
    import gmsh

    u = 1.0 / MODEL_UNIT_M
    host = [t for t, name in regions.items() if name.startswith("host")]
    surfaces = sorted({s for _, s in model.getBoundary([(3, t) for t in host], combined=False, oriented=False)})
    fields = model.mesh.field
    distance = fields.add("Distance")
    fields.setNumbers(distance, "SurfacesList", surfaces)
    fields.setNumber(distance, "Sampling", 10)
    threshold = fields.add("Threshold")
    fields.setNumber(threshold, "InField", distance)
    fields.setNumber(threshold, "SizeMin", u * layout.mesh_size)
    fields.setNumber(threshold, "SizeMax", u * layout.mesh_size_bulk)
    fields.setNumber(threshold, "DistMin", 0.5 * u * layout.mesh_size)
    fields.setNumber(threshold, "DistMax", 0.5 * u * layout.mesh_size + 1.5 * u * layout.mesh_size_bulk)
    fields.setAsBackgroundMesh(threshold)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.Algorithm3D", 10)  # HXT
    _generate(model)


def _generate(model: Any) -> None:
    """Surface mesh, checked, then the volume mesh; any failure is a _BuildError (redraw).

    HXT terminates the process on a surface mesh with invalid (e.g. duplicated,
    folded) triangles, so those are caught after the 2D step.
    """
    import gmsh

    gmsh.logger.start()
    try:
        model.mesh.generate(2)
        invalid = [m for m in gmsh.logger.get() if "remain invalid" in m or "self-intersect" in m.lower()]
        if invalid:
            raise _BuildError(f"invalid surface mesh ({invalid[0].strip()})")
        _check_coincident_nodes(model)
        model.mesh.generate(3)
    except _BuildError:
        raise
    except Exception as error:  # gmsh raises a plain Exception
        raise _BuildError(f"meshing failed: {error}") from None
    finally:
        gmsh.logger.stop()


def _check_coincident_nodes(model: Any, tolerance: float = 1e-6) -> None:
    """Distinct surface mesh nodes at one place (faces the booleans failed to share) make HXT abort."""
    from scipy.spatial import cKDTree

    _, coords, _ = model.mesh.getNodes()
    pairs = cKDTree(coords.reshape(-1, 3)).query_pairs(tolerance)
    if pairs:
        raise _BuildError(f"{len(pairs)} pairs of coincident surface mesh nodes (non-conformal booleans)")


def build_host_model(model: Any, layout: HostLayout, scaffold: Scaffold, seed: int) -> Placement:
    """Place, build, tag and mesh the cell into ``model`` (mesh in m).

    Each draw's booleans and meshing run in a worker process (:func:`_build_in_worker`),
    so that an OpenCASCADE hang, a crash or the HXT mesher terminating on a bad
    surface mesh costs only that draw; failed draws are redrawn (attempts 1, 2, ...
    of the seed).  The model receives the worker's mesh (discrete entities with
    the physical groups) and the attributes "placement_attempt" and
    "occ_measures" (exact OCC volumes and areas, JSON).  Returns the placement.
    """
    errors = []
    for attempt in range(MAX_BUILD_ATTEMPTS):
        placement = place_scaffold(scaffold, layout, seed, attempt)
        try:
            measures = _build_in_worker(model, layout, placement)
        except _BuildError as error:
            errors.append(str(error))
            _LOG.warning("seed %d, attempt %d: %s; redrawing", seed, attempt, error)
            continue
        model.setAttribute("placement_attempt", [str(attempt)])
        model.setAttribute("occ_measures", [json.dumps(measures)])
        _check_mesh_porosity(model, layout)
        return placement
    raise RuntimeError(f"no meshable geometry in {MAX_BUILD_ATTEMPTS} draws of seed {seed}: {'; '.join(errors)}")


def _build_timeout(placement: Placement) -> float:
    """Seconds a worker may take for one draw (normal builds take well under this)."""
    return 120.0 + 0.5 * len(placement.primitives)


def _build_in_worker(model: Any, layout: HostLayout, placement: Placement) -> dict[str, Any]:
    """Booleans, tags and mesh of one draw in a separate Python process; merge its mesh into ``model``.

    Raises _BuildError when the worker reports one, dies, or exceeds
    :func:`_build_timeout` (it is then killed); ParameterError when the OCC
    porosity misses the target.  Returns the OCC measures.
    """
    import gmsh

    with tempfile.TemporaryDirectory(prefix="porous-host-") as tmp:
        folder = Path(tmp)
        (folder / "job.pickle").write_bytes(pickle.dumps((layout, placement)))
        command = [sys.executable, "-c", "from geometries.porous import build_worker; build_worker()", tmp]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        timeout = _build_timeout(placement)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise _BuildError(f"booleans / meshing did not finish in {timeout:.0f} s") from None
        result = folder / "result.json"
        if not result.exists():
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            raise _BuildError(f"the build worker stopped with exit status {done.returncode} ({last})")
        outcome = json.loads(result.read_text())
        if "build_error" in outcome:
            raise _BuildError(outcome["build_error"])
        if "parameter_error" in outcome:
            raise ParameterError(outcome["parameter_error"])
        gmsh.merge(str(folder / "mesh.msh"))
    return outcome["measures"]


def build_worker() -> None:
    """Entry point of the worker process: ``python -c '...build_worker()' FOLDER``.

    Reads (layout, placement) from FOLDER/job.pickle, builds, tags and meshes in
    micrometres, scales the mesh to metres and writes FOLDER/mesh.msh and
    FOLDER/result.json ({"measures": ...}, {"build_error": ...} or {"parameter_error": ...}).
    """
    import gmsh

    folder = Path(sys.argv[-1])
    layout, placement = pickle.loads((folder / "job.pickle").read_bytes())
    gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("porous_host")
    model = gmsh.model
    try:
        regions = _build_volumes(model, layout, placement)
        _tag(model, regions, _classify_surfaces(model, layout, regions))
        measures = _occ_measures(model, layout)
        _check_porosity("OCC geometry", 1.0 - _host_volume(measures["volume_m3"]) / layout.host_layer_volume, layout)
        _mesh(model, layout, regions)
        m = MODEL_UNIT_M
        model.mesh.affineTransform([m, 0, 0, 0, 0, m, 0, 0, 0, 0, m, 0])
        gmsh.option.setNumber("Mesh.Binary", 1)
        gmsh.write(str(folder / "mesh.msh"))
        outcome: dict[str, Any] = {"measures": measures}
    except _BuildError as error:
        outcome = {"build_error": str(error)}
    except ParameterError as error:
        outcome = {"parameter_error": str(error)}
    (folder / "result.json").write_text(json.dumps(outcome))
    gmsh.finalize()


# --------------------------------------------------------------------------
# measures


def _group_entities(model: Any, dim: int) -> dict[str, list[int]]:
    return {
        model.getPhysicalName(dim, tag): list(model.getEntitiesForPhysicalGroup(dim, tag))
        for _, tag in model.getPhysicalGroups(dim)
    }


def _occ_measures(model: Any, layout: HostLayout) -> dict[str, Any]:
    """Exact OCC measures of the tagged geometry (SI): volumes per cell region, areas per facet
    region, host volume per porosity slab, and host_sse / host_li areas per host sublayer."""
    m, u = MODEL_UNIT_M, 1.0 / MODEL_UNIT_M
    cells, facets = _group_entities(model, 3), _group_entities(model, 2)
    region_of = {tag: name for name, tags in cells.items() for tag in tags}
    tops = [u * s.z_top for s in layout.slabs[:-1]]
    slab_host = [0.0] * len(layout.slabs)
    for tag, name in region_of.items():
        if name.startswith("host"):
            slab = int(np.searchsorted(tops, model.occ.getCenterOfMass(3, tag)[2]))
            slab_host[slab] += m**3 * model.occ.getMass(3, tag)
    by_layer: dict[str, dict[str, float]] = {}
    for interface in ("host_sse", "host_li"):
        for surface in facets.get(interface, []):
            layer = next(
                region_of[v] for v in model.getAdjacencies(2, surface)[0] if region_of.get(v, "").startswith("host")
            )
            per_layer = by_layer.setdefault(layer, {"host_sse": 0.0, "host_li": 0.0})
            per_layer[interface] += m**2 * model.occ.getMass(2, surface)
    return {
        "volume_m3": {n: m**3 * sum(model.occ.getMass(3, t) for t in ts) for n, ts in cells.items()},
        "area_m2": {n: m**2 * sum(model.occ.getMass(2, t) for t in ts) for n, ts in facets.items()},
        "slab_host_volume_m3": slab_host,
        "interface_area_by_host_region_m2": by_layer,
    }


def model_measures(model: Any) -> dict[str, Any]:
    """The OCC measures recorded by build_host_model on ``model``."""
    return json.loads(model.getAttribute("occ_measures")[0])


def _mesh_volumes(model: Any) -> dict[str, float]:
    """Volumes (in the mesh's length unit cubed) of the tetrahedra per cell region."""
    tags, coords, _ = model.mesh.getNodes()
    position = np.zeros((int(tags.max()) + 1, 3))
    position[tags.astype(np.int64)] = coords.reshape(-1, 3)
    volumes: dict[str, float] = {}
    for name, entities in _group_entities(model, 3).items():
        total = 0.0
        for entity in entities:
            types, _, nodes = model.mesh.getElements(3, entity)
            for etype, enodes in zip(types, nodes, strict=True):
                if etype != 4:  # linear tetrahedra only
                    continue
                p = position[enodes.astype(np.int64).reshape(-1, 4)]
                edges = p[:, 1:] - p[:, :1]
                total += float(np.abs(np.linalg.det(edges)).sum() / 6.0)
        volumes[name] = total
    return volumes


def _host_volume(volumes: dict[str, float]) -> float:
    return sum(v for name, v in volumes.items() if name.startswith("host"))


def _check_mesh_porosity(model: Any, layout: HostLayout) -> None:
    porosity = 1.0 - _host_volume(_mesh_volumes(model)) / layout.host_layer_volume
    _check_porosity("mesh", porosity, layout, hint="; refine mesh_size")


def _check_porosity(source: str, measured: float, layout: HostLayout, hint: str = "") -> None:
    H = layout.host_thickness
    wanted = sum(s.porosity * s.thickness for s in layout.slabs) / H
    if abs(measured - wanted) > POROSITY_TOLERANCE:
        raise ParameterError(
            f"porosity from the {source} {measured:.4f} is more than {POROSITY_TOLERANCE} from the requested "
            f"{wanted:.4f}{hint}"
        )


def host_model_info(model: Any, layout: HostLayout, placement: Placement) -> dict[str, Any]:
    """Measured porosity (OCC and mesh), interface areas and specific areas, counts."""
    measures = model_measures(model)
    volumes, areas = measures["volume_m3"], measures["area_m2"]
    V = layout.host_layer_volume
    interfaces = {name: areas.get(name, 0.0) for name in _PAIR_MARKER.values()}
    info: dict[str, Any] = {
        "porosity_requested": sum(s.porosity * s.thickness for s in layout.slabs) / layout.host_thickness,
        "porosity_geometry": 1.0 - _host_volume(volumes) / V,
        "porosity_mesh": 1.0 - _host_volume(_mesh_volumes(model)) / V,
        "volume_m3": volumes,
        "interface_area_m2": interfaces,
        "specific_interface_area_1_m": {name: area / V for name, area in interfaces.items()},
        "boundary_area_m2": {name: areas.get(name, 0.0) for name in ("bottom", "top", "sides")},
        "host_layer_volume_m3": V,
        "n_particles": placement.n_particles,
        "n_primitives": len(placement.primitives),
        "placement_attempt": placement.attempt,
        "n_tetrahedra": int(sum(len(t) for t in model.mesh.getElements(3)[1])),
        **{k: v for k, v in placement.details.items() if k != "radii_m"},
    }
    if len(layout.slabs) > 1:
        info["slab_porosity_geometry"] = [
            1.0 - host / (layout.footprint**2 * slab.thickness)
            for host, slab in zip(measures["slab_host_volume_m3"], layout.slabs, strict=True)
        ]
    return info


# --------------------------------------------------------------------------
# the uniform porous host


@dataclass(frozen=True, slots=True)
class PorousHostParams:
    """A uniform porous host under a separator (SI units).

    Attributes:
        scaffold: SpherePacking, FibreMat or OpenCellFoam.
        porosity: pore volume fraction of the host layer, in (0, 1).
        footprint: cell side b (m).
        host_thickness: host layer thickness H (m).
        separator_thickness: electrolyte separator thickness L (m).
        mesh_size: element size at the scaffold surfaces (m); at most half the
            smallest particle / fibre / strut radius.
        mesh_size_bulk: element size away from the scaffold (pore interiors,
            separator) (m); 0: 3 mesh_size.
        pore_fill: "electrolyte", "lithium", or the height fraction of the
            pores filled with Li from the bottom (electrolyte above).
        seed: random seed of the placement.
        min_gap: clearance between nearly touching surfaces (m); 0: mesh_size / 2.
    """

    scaffold: Scaffold
    porosity: float
    footprint: float
    host_thickness: float
    separator_thickness: float
    mesh_size: float
    mesh_size_bulk: float = 0.0
    pore_fill: str | float = "electrolyte"
    seed: int = 0
    min_gap: float = 0.0

    def __post_init__(self) -> None:
        lithium_fill_fraction(self.pore_fill)
        check_range("porosity", self.porosity, 0.0, 1.0)
        layout = self.layout()
        check_layout(layout, self.scaffold)
        check_reachable(self.scaffold, self.porosity, layout.min_gap)
        check_mesh_resolution(layout, self.scaffold)

    def layout(self) -> HostLayout:
        return HostLayout(
            footprint=self.footprint,
            host_thickness=self.host_thickness,
            separator_thickness=self.separator_thickness,
            slabs=(Slab(0.0, self.host_thickness, self.porosity),),
            lithium_fill=lithium_fill_fraction(self.pore_fill),
            host_layers=(),
            mesh_size=self.mesh_size,
            mesh_size_bulk=self.mesh_size_bulk or 3.0 * self.mesh_size,
            min_gap=self.min_gap or 0.5 * self.mesh_size,
        )


def build_porous_host(model: Any, params: PorousHostParams) -> Any:
    """Build, tag and mesh (3D, linear tetrahedra) the porous host cell in ``model``.

    The mesh nodes are in metres; the OCC geometry in micrometres (MODEL_UNIT_M).
    """
    build_host_model(model, params.layout(), params.scaffold, params.seed)
    return model


def placement_attempt(model: Any) -> int:
    """The draw that was meshed (model attribute set by build_host_model)."""
    try:
        return int(model.getAttribute("placement_attempt")[0])
    except Exception:
        return 0


def scaffold_parameters(scaffold: Scaffold) -> dict[str, Any]:
    """The scaffold's fields with unit suffixes, for info.json."""
    values: dict[str, Any] = {"family": scaffold.family}
    for name in scaffold.__slots__:
        value = getattr(scaffold, name)
        suffix = "_m" if name in ("radius", "radius_std", "cell_size") else ""
        values[name + suffix] = value
    return values


def layout_parameters(layout: HostLayout) -> dict[str, Any]:
    return {
        "footprint_m": layout.footprint,
        "host_thickness_m": layout.host_thickness,
        "separator_thickness_m": layout.separator_thickness,
        "lithium_fill_fraction": layout.lithium_fill,
        "mesh_size_m": layout.mesh_size,
        "mesh_size_bulk_m": layout.mesh_size_bulk,
        "min_gap_m": layout.min_gap,
    }


def describe_host(scaffold: Scaffold, layout: HostLayout, placement: Placement) -> str:
    """One line for info.json ("description", also the preview title)."""
    if isinstance(scaffold, OpenCellFoam):
        what = f"{scaffold.lattice} foam, {placement.n_particles} struts, cell {scaffold.cell_size / UM:.3g} um"
    else:
        mode = "overlapping" if scaffold.overlapping else "separate"
        what = f"{placement.n_particles} {mode} {scaffold.family}, r {scaffold.radius / UM:.3g} um"
    porosity = "/".join(f"{s.porosity:g}" for s in layout.slabs)
    fill = {0.0: "electrolyte", 1.0: "lithium"}.get(layout.lithium_fill, f"Li to {layout.lithium_fill:.0%} height")
    layers = f", {len(layout.host_layers) - 1} host layers" if layout.host_layers else ""
    return f"porous host: {what}, porosity {porosity}, pores {fill}{layers}"


def host_info(builder: str, params: Any, model: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    """info.json of a host cell built by ``builder``: parameters (layout, scaffold and ``parameters``),
    seed, versions, measured porosity and interface areas (host_model_info)."""
    from fem.mesh_io import package_versions

    layout = params.layout()
    placement = place_scaffold(params.scaffold, layout, params.seed, placement_attempt(model))
    return {
        "builder": builder,
        "description": describe_host(params.scaffold, layout, placement),
        "units": "SI (m)",
        "parameters": {**layout_parameters(layout), **parameters, "scaffold": scaffold_parameters(params.scaffold)},
        "seed": params.seed,
        **host_model_info(model, layout, placement),
        "versions": package_versions(),
    }


def porous_host_info(params: PorousHostParams, model: Any) -> dict[str, Any]:
    """Parameters, seed, versions, measured porosity and interface areas for info.json."""
    parameters = {"porosity": params.porosity, "pore_fill": params.pore_fill}
    return host_info("geometries.porous.build_porous_host", params, model, parameters)


def porous_host_mesh(
    comm: Any,
    params: PorousHostParams,
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Build the cell on rank 0 of ``comm`` and return it distributed as fem.mesh_io.MeshData.

    ``cell_regions`` keeps only those cell regions (e.g. ``("sse",)`` for the
    current problem).  When ``out_dir`` is given, rank 0 writes mesh.msh,
    markers.json and info.json there.
    """
    return distributed_build(
        comm, lambda model: porous_host_info(params, build_porous_host(model, params)), out_dir, cell_regions
    )


# --------------------------------------------------------------------------
# command line


def add_cell_arguments(p: argparse.ArgumentParser, defaults: dict[str, float]) -> None:
    """Options shared by every porous / gradient subcommand (lengths in um)."""
    p.add_argument("--out", type=Path, required=True, help="output directory (mesh.msh, markers.json, info.json)")
    p.add_argument("--preview", action="store_true", help="also render a cut-away preview.png")
    p.add_argument("--footprint-um", type=float, default=defaults["footprint"], help="cell side b, um")
    p.add_argument("--host-thickness-um", type=float, default=defaults["host"], help="host layer thickness H, um")
    p.add_argument(
        "--separator-thickness-um", type=float, default=defaults["separator"], help="separator thickness L, um"
    )
    p.add_argument(
        "--pore-fill",
        default="electrolyte",
        help="pore filling: 'electrolyte', 'lithium', or the Li fill height fraction in [0, 1] (Li from z = 0)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the placement")
    p.add_argument(
        "--mesh-size-um", type=float, default=defaults["mesh"], help="element size at the scaffold surfaces, um"
    )
    p.add_argument(
        "--mesh-size-bulk-um",
        type=float,
        default=0.0,
        help="element size away from the scaffold (pore interiors, separator), um (0: 3x the surface size)",
    )
    p.add_argument(
        "--min-gap-um", type=float, default=0.0, help="clearance between nearly touching surfaces, um (0: mesh/2)"
    )


_FAMILY_OPTIONS = {
    "spheres": ("--radius-um", "--radius-std-um", "--overlapping", "--non-overlapping"),
    "fibres": ("--radius-um", "--tilt-std-deg", "--overlapping", "--non-overlapping"),
    "foam": ("--cell-size-um", "--lattice", "--node-factor"),
}


def add_scaffold_arguments(p: argparse.ArgumentParser, families: Sequence[str], radius_um: float = 2.0) -> None:
    """Options of the scaffold families (lengths in um); with several families, ``--scaffold`` chooses."""
    if len(families) > 1:
        p.add_argument("--scaffold", choices=tuple(families), default=families[0], help="scaffold family")
    options = {option for family in families for option in _FAMILY_OPTIONS[family]}
    if "--radius-um" in options:
        p.add_argument("--radius-um", type=float, default=radius_um, help="sphere / fibre (mean) radius, um")
    if "--radius-std-um" in options:
        p.add_argument(
            "--radius-std-um", type=float, default=0.0, help="spheres: log-normal radius standard deviation, um"
        )
    if "--tilt-std-deg" in options:
        p.add_argument(
            "--tilt-std-deg", type=float, default=0.0, help="fibres: out-of-plane tilt standard deviation, degrees"
        )
    if "--overlapping" in options:
        overlap = p.add_mutually_exclusive_group()
        overlap.add_argument(
            "--overlapping",
            dest="overlapping",
            action="store_const",
            const=True,
            default=None,
            help="particles may interpenetrate (sintered spheres, bonded fibres; default for fibres)",
        )
        overlap.add_argument(
            "--non-overlapping",
            dest="overlapping",
            action="store_const",
            const=False,
            help="particles kept apart by the gap (default for spheres)",
        )
    if "--cell-size-um" in options:
        p.add_argument("--cell-size-um", type=float, default=10.0, help="foam: cell size (lattice constant), um")
        p.add_argument("--lattice", choices=("cubic", "voronoi"), default="cubic", help="foam: strut lattice")
        p.add_argument(
            "--node-factor", type=float, default=1.6, help="foam: node sphere radius / strut radius (>= 1.42)"
        )


def scaffold_from_args(family: str, args: argparse.Namespace) -> Scaffold:
    """The scaffold of ``family`` from the parsed options (um -> m)."""
    if family == "spheres":
        overlapping = bool(args.overlapping) if args.overlapping is not None else False
        return SpherePacking(args.radius_um * UM, args.radius_std_um * UM, overlapping)
    if family == "fibres":
        overlapping = bool(args.overlapping) if args.overlapping is not None else True
        return FibreMat(args.radius_um * UM, args.tilt_std_deg, overlapping)
    return OpenCellFoam(args.cell_size_um * UM, args.lattice, args.node_factor)


def pore_fill_from_text(text: str) -> str | float:
    return text if text in ("electrolyte", "lithium") else lithium_fill_fraction(text)


def particles_text(info: dict[str, Any]) -> str:
    """'34 spheres', '14 fibres', '54 foam struts'."""
    family = info["parameters"]["scaffold"]["family"]
    return f"{info['n_particles']} {'foam struts' if family == 'foam' else family}"


def porosity_summary(info: dict[str, Any]) -> str:
    areas = ", ".join(f"{k} {v:.3g}" for k, v in info["specific_interface_area_1_m"].items() if v > 0)
    return (
        f"{particles_text(info)}, porosity {info['porosity_mesh']:.4f} "
        f"(requested {info['porosity_requested']:.4f}), specific areas [1/m] {areas}"
    )


_DEFAULTS = {
    "spheres": {"footprint": 20.0, "host": 20.0, "separator": 10.0, "mesh": 0.7, "porosity": 0.8, "radius": 2.5},
    "fibres": {"footprint": 30.0, "host": 15.0, "separator": 10.0, "mesh": 0.5, "porosity": 0.75, "radius": 2.0},
    "foam": {"footprint": 20.0, "host": 20.0, "separator": 10.0, "mesh": 0.5, "porosity": 0.85},
}
_HELP = {
    "spheres": "porous host of random spheres (separate or sintered)",
    "fibres": "porous host of a random fibre mat (carbon paper / cloth)",
    "foam": "open-cell foam host: struts on a cubic or Voronoi lattice",
}


def register_porous(sub: argparse._SubParsersAction) -> None:
    """Add the ``spheres``, ``fibres`` and ``foam`` subcommands; the handler builds on COMM_SELF."""
    for family, defaults in _DEFAULTS.items():
        p = sub.add_parser(family, help=_HELP[family], description=_HELP[family])
        p.set_defaults(handler=functools.partial(build_porous_cli, family))
        add_cell_arguments(p, defaults)
        p.add_argument(
            "--porosity", type=float, default=defaults["porosity"], help="pore fraction of the host layer, (0, 1)"
        )
        add_scaffold_arguments(p, (family,), radius_um=defaults.get("radius", 2.0))


def build_porous_cli(family: str, args: argparse.Namespace) -> None:
    """Handler of the porous subcommands: parameters are checked before any work."""
    params = PorousHostParams(
        scaffold=scaffold_from_args(family, args),
        porosity=args.porosity,
        footprint=args.footprint_um * UM,
        host_thickness=args.host_thickness_um * UM,
        separator_thickness=args.separator_thickness_um * UM,
        mesh_size=args.mesh_size_um * UM,
        mesh_size_bulk=args.mesh_size_bulk_um * UM,
        pore_fill=pore_fill_from_text(args.pore_fill),
        seed=args.seed,
        min_gap=args.min_gap_um * UM,
    )
    run_cli_build(args, lambda model: porous_host_info(params, build_porous_host(model, params)), porosity_summary)
