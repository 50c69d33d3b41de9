"""What a scaffold is made of: the solid primitives and the parameters of the three families.

:class:`Sphere` and :class:`Cylinder` are the solids (m) that placement produces
and the OCC build turns into volumes.  :class:`SpherePacking`, :class:`FibreMat`
and :class:`OpenCellFoam` are the user-facing scaffold parameters (m); each
checks its own fields and names its ``family`` ("spheres", "fibres", "foam").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fem.validation import check_choice, check_positive, check_range

__all__ = ["Sphere", "Cylinder", "Primitive", "SpherePacking", "FibreMat", "OpenCellFoam", "Scaffold"]


# --------------------------------------------------------------------------
# primitives (m)


@dataclass(frozen=True, slots=True)
class Sphere:
    """A solid sphere: centre (m) and radius (m)."""

    centre: tuple[float, float, float]
    radius: float


@dataclass(frozen=True, slots=True)
class Cylinder:
    """A solid cylinder from ``start`` to ``end`` (m) of ``radius`` (m)."""

    start: tuple[float, float, float]
    end: tuple[float, float, float]
    radius: float


Primitive = Sphere | Cylinder


# --------------------------------------------------------------------------
# scaffold families (parameters in m)


@dataclass(frozen=True, slots=True)
class SpherePacking:
    """Random packing of spheres (random sequential addition).

    Attributes:
        radius: mean sphere radius (m).
        radius_std: standard deviation of the log-normal radius distribution (m);
            0 for equal spheres.  Draws are kept within [2 mesh_size, 2 radius].
        overlapping: False: non-overlapping spheres separated by at least
            ``min_gap`` (isolated particles; RSA jams at 0.38 solid, so porosity
            above ~0.7 in practice); True: overlapping spheres (a connected,
            sintered scaffold, porosity down to 0.25).
    """

    radius: float
    radius_std: float = 0.0
    overlapping: bool = False

    family = "spheres"

    def __post_init__(self) -> None:
        check_positive("radius", self.radius, "m")
        check_range("radius_std", self.radius_std, 0.0, self.radius, low_inclusive=True, unit="m")

    @property
    def max_radius(self) -> float:
        return self.radius if self.radius_std == 0.0 else 2.0 * self.radius

    def smallest_feature(self, mesh_size: float) -> float:
        """Smallest sphere radius that placement may draw (m)."""
        return self.radius if self.radius_std == 0.0 else max(2.0 * mesh_size, 0.25 * self.radius)


@dataclass(frozen=True, slots=True)
class FibreMat:
    """Random mat of straight fibres (carbon paper / cloth), clipped to the box.

    Attributes:
        radius: fibre radius (m).
        tilt_std_deg: standard deviation of the out-of-plane tilt (degrees);
            0 for fibres exactly in the x-y plane.  The azimuth is uniform.
        overlapping: True: fibres may interpenetrate where they cross (bonded
            mat, crossing angle >= 20 degrees); False: separated by ``min_gap``.
    """

    radius: float
    tilt_std_deg: float = 0.0
    overlapping: bool = True

    family = "fibres"

    def __post_init__(self) -> None:
        check_positive("radius", self.radius, "m")
        check_range("tilt_std_deg", self.tilt_std_deg, 0.0, 45.0, low_inclusive=True, high_inclusive=True, unit="deg")

    def smallest_feature(self, mesh_size: float) -> float:
        return self.radius


@dataclass(frozen=True, slots=True)
class OpenCellFoam:
    """Open-cell foam: struts along the edges of a lattice, thickened at the nodes.

    Attributes:
        cell_size: lattice constant (cubic) or mean cell size (Voronoi) a (m).
            Cubic: footprint and host thickness must be whole multiples of a.
        lattice: "cubic" or "voronoi" (periodic in x, y; mirror planes z = 0, H).
        node_factor: node sphere radius over strut radius (>= sqrt(2) so that
            struts meeting at a node intersect inside the node sphere).
    """

    cell_size: float
    lattice: str = "cubic"
    node_factor: float = 1.6

    family = "foam"

    def __post_init__(self) -> None:
        check_positive("cell_size", self.cell_size, "m")
        check_choice("lattice", self.lattice, ("cubic", "voronoi"))
        check_range("node_factor", self.node_factor, math.sqrt(2.0), 3.0, high_inclusive=True)

    def smallest_feature(self, mesh_size: float) -> float:
        return 0.0  # the strut radius is solved for the porosity; checked in place_scaffold


Scaffold = SpherePacking | FibreMat | OpenCellFoam
