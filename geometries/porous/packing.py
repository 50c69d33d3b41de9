"""Random sequential addition of spheres and fibres: the two packers and the fill loop they share.

A packer proposes a particle, says whether it keeps clear of the planes, the
box edges and the particles already placed (:data:`MIN_CROSSING_ANGLE_DEG`,
the layout's ``min_gap``), and gives its periodic images.  :func:`random_fill`
adds particles until every slab's voxel solid volume is within
``_FILL_TOLERANCE`` of its target, shrinking the last ones to fit.
"""

from __future__ import annotations

import math

import numpy as np

from fem.validation import ParameterError
from geometries.porous.geometry import (
    box_edges,
    circle_points,
    circle_sphere_clear,
    clip_segment,
    planes_clear,
    point_segment_distances,
    segment_distances,
    triple_points,
)
from geometries.porous.layout import UM, HostLayout
from geometries.porous.limits import MIN_CROSSING_ANGLE_DEG
from geometries.porous.scaffolds import Cylinder, FibreMat, Primitive, Sphere, SpherePacking
from geometries.porous.voxels import VoxelGrid

__all__ = ["SpherePacker", "FibrePacker", "Packer", "random_fill"]

#: The voxel estimate that drives placement stops within this of the target.
_FILL_TOLERANCE = 0.004


class SpherePacker:
    """Proposals and clearance rules for spheres, periodic in x and y."""

    def __init__(self, scaffold: SpherePacking, layout: HostLayout) -> None:
        self.scaffold = scaffold
        self.layout = layout
        self.gap = layout.min_gap
        self.min_radius = scaffold.smallest_feature(layout.mesh_size)
        self.edges = box_edges(layout)
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
        if not planes_clear([c[2] - r, c[2] + r], self.layout.z_planes, g):
            return False
        if not planes_clear([c[0] - r, c[0] + r, c[1] - r, c[1] + r], (), g, period=b):
            return False
        for image in self.images(sphere):  # box edges and corners
            if np.any(np.abs(point_segment_distances(np.array(image.centre), *self.edges) - r) < g):
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
                if i == 0 and self._near_edges(circle_points(m, axis, rho)):
                    return False
                for k, (s, rs_) in enumerate(spheres):
                    if k in (i, j) or (i > 0 and k != 0):
                        continue
                    if not circle_sphere_clear(m, axis, rho, s, rs_, g):
                        return False
                    if i == 0 and k > j and not self._triple_points_clear(spheres, (i, j, k)):
                        return False
        return True

    def _clear_of_planes(self, points: np.ndarray) -> bool:
        """Points (n, 3) at least the gap from the z planes and from the periodic sides."""
        g, b = self.gap, self.layout.footprint
        lateral = points[:, :2].ravel().tolist()
        return planes_clear(points[:, 2].tolist(), self.layout.z_planes, g) and planes_clear(lateral, (), g, b)

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
        points = triple_points(*(spheres[k] for k in triple))
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


class FibrePacker:
    """Proposals and clearance rules for straight fibres clipped to the box."""

    def __init__(self, scaffold: FibreMat, layout: HostLayout) -> None:
        self.scaffold = scaffold
        self.layout = layout
        self.gap = layout.min_gap
        self.min_radius = scaffold.radius
        self.edges = box_edges(layout)
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
        span = clip_segment(p, u, np.array([-margin, -margin, -margin]), np.array([b + margin, b + margin, H + margin]))
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
        if np.any(np.abs(segment_distances(a, e, *self.edges)[0] - r) < g):  # box edges
            return False
        if not len(self.radii):
            return True
        d, cosines = segment_distances(a, e, self.starts, self.ends)
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


Packer = SpherePacker | FibrePacker


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


def random_fill(
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
