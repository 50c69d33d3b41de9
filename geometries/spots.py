"""Contact-spot and void patterns on a planar Li | electrolyte interface.

Pure NumPy: the patterns are data (disks in the interface plane) that the gmsh
builder in :mod:`geometries.planar` turns into conformal interface facets.
Lengths in m.

Three families (all in a square cell of side ``footprint``):

* :func:`grid_spots` with ``n_spots = 1``: one circular contact spot of radius
  ``a`` at the cell centre, contact fraction ``f = pi a^2 / b^2``;
* :func:`grid_spots` with ``n_spots = n^2``: an n x n grid of equal spots at the
  same total contact fraction;
* :func:`random_voids`: a seeded random population of non-overlapping circular
  voids with a log-normal radius distribution and a given total void fraction;
  the contact is the rest of the interface.

For a spot grid the cell sides are mirror planes of the pattern, so the
zero-flux (symmetry) side condition is exactly the infinite periodic array.
Beyond ``f = pi/4`` neighbouring periodic spots merge; the pattern is then the
union of the disks clipped to their own sub-cells (each point of a sub-cell is
nearest to its own spot centre, so that is exactly the periodic array).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from fem.validation import ParameterError, check_positive, check_range

__all__ = [
    "Disk",
    "InterfacePattern",
    "clipped_disk_area",
    "spot_radius",
    "spot_edge_clearance",
    "grid_spots",
    "random_voids",
]


@dataclass(frozen=True, slots=True)
class Disk:
    """A disk in the interface plane: centre (x, y) and radius, in m."""

    x: float
    y: float
    radius: float


@dataclass(frozen=True, slots=True)
class InterfacePattern:
    """Disks in a square interface of side ``footprint`` (m).

    ``disks_are_contact`` says whether the disks are the contact spots (the rest
    is void) or the voids (the rest is contact).  ``clip_cell`` is the side of
    the sub-cell each disk is clipped to (merged periodic spots), or 0.
    """

    footprint: float
    disks: tuple[Disk, ...]
    disks_are_contact: bool
    clip_cell: float = 0.0
    description: str = ""

    @property
    def disk_area_fraction(self) -> float:
        """Area of the (clipped) disks over the footprint area."""
        if self.clip_cell > 0.0:
            area = sum(clipped_disk_area(d.radius, self.clip_cell) for d in self.disks)
        else:
            area = sum(math.pi * d.radius**2 for d in self.disks)
        return area / self.footprint**2

    @property
    def contact_fraction(self) -> float:
        """Contact area over footprint area (exact, from the disk geometry)."""
        fraction = self.disk_area_fraction
        return fraction if self.disks_are_contact else 1.0 - fraction

    @property
    def smallest_radius(self) -> float:
        return min(d.radius for d in self.disks)


def clipped_disk_area(radius: float, cell: float) -> float:
    """Area (m2) of a disk of ``radius`` intersected with a concentric square of side ``cell``."""
    half = 0.5 * cell
    if radius <= half:
        return math.pi * radius**2
    if radius >= half * math.sqrt(2.0):
        return cell**2
    segment = radius**2 * math.acos(half / radius) - half * math.sqrt(radius**2 - half**2)
    return math.pi * radius**2 - 4.0 * segment


def spot_radius(fraction: float, cell: float) -> float:
    """Radius whose disk clipped to a square of side ``cell`` covers ``fraction`` of it."""
    low, high = 0.0, 0.5 * math.sqrt(2.0) * cell
    target = fraction * cell**2
    for _ in range(200):
        mid = 0.5 * (low + high)
        if clipped_disk_area(mid, cell) < target:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def spot_edge_clearance(radius: float, pitch: float) -> float:
    """Distance (m) of a spot edge from its sub-cell sides or corners, whichever is nearer."""
    return min(abs(0.5 * pitch - radius), abs(0.5 * math.sqrt(2.0) * pitch - radius))


def grid_spots(footprint: float, contact_fraction: float, n_spots: int, min_feature: float) -> InterfacePattern:
    """Return ``n_spots`` (a perfect square) equal contact spots on a regular grid.

    Args:
        footprint: cell side b in m.
        contact_fraction: total contact area / b^2, in (0, 1).
        n_spots: number of spots, 1, 4, 9, 16, ...
        min_feature: the mesh size at the spot edges (m): the spot radius must
            be at least twice this, and a spot edge at least this far from its
            sub-cell side (the edge must not graze the side).
    """
    check_positive("footprint", footprint, "m")
    check_range("contact_fraction", contact_fraction, 0.0, 1.0)
    n = math.isqrt(int(n_spots)) if int(n_spots) >= 1 else 0
    if n_spots != int(n_spots) or n < 1 or n * n != int(n_spots):
        raise ParameterError(f"n_spots = {n_spots!r} must be a perfect square (1, 4, 9, 16, ...)")
    pitch = footprint / n
    radius = spot_radius(contact_fraction, pitch)
    if radius < 2.0 * min_feature:
        raise ParameterError(
            f"contact spot radius {radius:.3g} m (contact_fraction = {contact_fraction}, "
            f"n_spots = {n_spots}) is smaller than twice the mesh size at the spots {min_feature:.3g} m; "
            "refine the interface mesh or use fewer, larger spots"
        )
    for gap, what in ((0.5 * pitch - radius, "sides"), (0.5 * math.sqrt(2) * pitch - radius, "corners")):
        if abs(gap) < min_feature:
            raise ParameterError(
                f"contact_fraction = {contact_fraction} with n_spots = {n_spots} puts the spot edge "
                f"{abs(gap):.3g} m from its sub-cell {what}, closer than the mesh size "
                f"{min_feature:.3g} m (near-tangent spots); move contact_fraction away from "
                f"{'pi/4' if what == 'sides' else '1'}"
            )
    centres = (np.arange(n) + 0.5) * pitch
    disks = tuple(Disk(float(x), float(y), radius) for x in centres for y in centres)
    merged = radius > 0.5 * pitch
    return InterfacePattern(
        footprint=footprint,
        disks=disks,
        disks_are_contact=True,
        clip_cell=pitch if merged else 0.0,
        description=f"{n_spots} contact spot(s) of radius {radius:.4g} m on a {n}x{n} grid"
        + (" (merged periodic spots)" if merged else ""),
    )


def _lognormal_radii(
    rng: np.random.Generator, mean: float, std: float, target_area: float, min_radius: float
) -> list[float]:
    """Draw radii until their disks cover ``target_area``; the last one is trimmed to hit it."""
    if std > 0.0:
        sigma2 = math.log(1.0 + (std / mean) ** 2)
        mu = math.log(mean) - 0.5 * sigma2
    radii: list[float] = []
    area = 0.0
    while area < target_area * (1.0 - 1e-12):
        r = float(rng.lognormal(mu, math.sqrt(sigma2))) if std > 0.0 else mean
        r = max(r, min_radius)
        remaining = target_area - area
        if math.pi * r**2 > remaining:
            r = math.sqrt(remaining / math.pi)
            if r < min_radius:
                break
        radii.append(r)
        area += math.pi * r**2
    return sorted(radii, reverse=True)


def random_voids(
    footprint: float,
    void_fraction: float,
    radius_mean: float,
    radius_std: float,
    seed: int,
    min_feature: float,
    max_attempts: int = 20000,
) -> InterfacePattern:
    """Return a seeded random population of non-overlapping circular voids.

    Radii are log-normal with the given mean and standard deviation (m; std 0
    for equal voids), placed largest first by random sequential addition inside
    the cell, each at least ``min_feature`` (the mesh size at the void edges)
    from the cell sides and from every other void, and no radius below twice
    that.  The last radius is trimmed so that the void fraction is met; a
    remainder too small to mesh is dropped (the achieved fraction is in the
    returned pattern).
    """
    check_positive("footprint", footprint, "m")
    check_range("void_fraction", void_fraction, 0.0, 1.0)
    check_positive("radius_mean", radius_mean, "m")
    check_range("radius_std", radius_std, 0.0, low_inclusive=True, unit="m")
    if radius_mean < 2.0 * min_feature:
        raise ParameterError(
            f"radius_mean = {radius_mean:.3g} m is smaller than twice the mesh size at the voids "
            f"{min_feature:.3g} m"
        )
    if 2.0 * radius_mean + 2.0 * min_feature > footprint:
        raise ParameterError(
            f"radius_mean = {radius_mean:.3g} m: a void this size does not fit in the cell of side "
            f"{footprint:.3g} m with a gap of {min_feature:.3g} m"
        )
    rng = np.random.default_rng(seed)
    radii = _lognormal_radii(rng, radius_mean, radius_std, void_fraction * footprint**2, 2.0 * min_feature)
    placed: list[Disk] = []
    for r in radii:
        low, high = r + min_feature, footprint - r - min_feature
        if high <= low:
            raise ParameterError(
                f"a void of radius {r:.3g} m does not fit in the cell of side {footprint:.3g} m; "
                "lower radius_std or radius_mean"
            )
        for _ in range(max_attempts):
            x, y = rng.uniform(low, high, size=2)
            if all(math.hypot(x - d.x, y - d.y) >= r + d.radius + min_feature for d in placed):
                placed.append(Disk(float(x), float(y), r))
                break
        else:
            reached = sum(math.pi * d.radius**2 for d in placed) / footprint**2
            raise ParameterError(
                f"void_fraction = {void_fraction} is unreachable by random sequential addition with "
                f"radius_mean = {radius_mean:.3g} m and a gap of {min_feature:.3g} m "
                f"(jammed at {reached:.3f}); lower void_fraction or the void size"
            )
    return InterfacePattern(
        footprint=footprint,
        disks=tuple(placed),
        disks_are_contact=False,
        description=f"{len(placed)} random voids (seed {seed}), mean radius {radius_mean:.3g} m",
    )
