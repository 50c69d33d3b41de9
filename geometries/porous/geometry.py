"""Vectorised NumPy geometry behind the clearance rules of the packers.

Distances between segments and from points to segments, clipping a line to a
box, the edges of the cell where two planes meet, points on a circle, the
points common to three spheres, and plane clearances (periodic or not).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from geometries.porous.layout import HostLayout

__all__ = [
    "segment_distances",
    "clip_segment",
    "point_segment_distances",
    "box_edges",
    "circle_sphere_clear",
    "circle_points",
    "triple_points",
    "planes_clear",
]


def segment_distances(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def clip_segment(p: np.ndarray, u: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[float, float] | None:
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


def point_segment_distances(p: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Distances from point p to the segments starts[i]-ends[i]."""
    d = ends - starts
    t = np.clip(np.einsum("ij,ij->i", p - starts, d) / np.einsum("ij,ij->i", d, d), 0.0, 1.0)
    return np.linalg.norm(starts + t[:, None] * d - p, axis=1)


def box_edges(layout: HostLayout) -> tuple[np.ndarray, np.ndarray]:
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


def circle_sphere_clear(
    centre: np.ndarray, axis: np.ndarray, rho: float, q: np.ndarray, radius: float, gap: float
) -> bool:
    """True when the circle (centre, unit axis, radius rho) is not nearly tangent to sphere (q, radius)."""
    rel = q - centre
    along = float(rel @ axis)
    radial = float(np.linalg.norm(rel - along * axis))
    near = math.hypot(along, radial - rho)
    far = math.hypot(along, radial + rho)
    return abs(radius - near) >= gap and abs(radius - far) >= gap


def circle_points(centre: np.ndarray, axis: np.ndarray, rho: float, n: int = 96) -> np.ndarray:
    """n points (n, 3) on the circle of ``centre``, unit normal ``axis`` and radius ``rho``."""
    helper = np.array([1.0, 0.0, 0.0]) if abs(axis[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(axis, helper)
    u /= np.linalg.norm(u)
    v = np.cross(axis, u)
    t = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    return centre + rho * (np.cos(t)[:, None] * u + np.sin(t)[:, None] * v)


def triple_points(
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


def planes_clear(values: Sequence[float], planes: Sequence[float], gap: float, period: float = 0.0) -> bool:
    """True when every coordinate value is at least ``gap`` from every plane (planes x = k period if periodic)."""
    for v in values:
        if period:
            w = v % period
            if min(w, period - w) < gap:
                return False
        elif any(abs(v - p) < gap for p in planes):
            return False
    return True
