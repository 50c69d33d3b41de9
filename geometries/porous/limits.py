"""What can be placed and meshed: the limits of the scaffold families and the checks that refuse parameters beyond them.

Each check raises :class:`fem.validation.ParameterError` naming the limit
(packing limits, plane spacing, mesh resolution, faceting error), before any
placement or OCC work is done.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np

from fem.validation import ParameterError, check_positive, check_range
from geometries.porous.layout import HostLayout
from geometries.porous.scaffolds import FibreMat, OpenCellFoam, Scaffold, SpherePacking

__all__ = [
    "RSA_JAMMING_SPHERES",
    "RSA_PRACTICAL",
    "RANDOM_CLOSE_PACKING",
    "MIN_CROSSING_ANGLE_DEG",
    "FACETING_COEFFICIENT",
    "check_layout",
    "check_plane_spacing",
    "check_mesh_resolution",
    "check_reachable",
    "check_faceting",
]

#: Random sequential addition of equal spheres jams at this solid fraction
#: (Torquato, Uche & Stillinger, Phys. Rev. E 74 (2006) 061308).
RSA_JAMMING_SPHERES = 0.3841
#: Fraction of the jamming limit that RSA reaches in a practical number of attempts.
RSA_PRACTICAL = 0.85
#: Random close packing of equal spheres (no random non-overlapping packing is denser).
RANDOM_CLOSE_PACKING = 0.64
#: Minimum angle (degrees) between a cylinder and a plane it crosses, between two
#: overlapping cylinders, and between two overlapping sphere surfaces where they
#: cross: shallower crossings make wedge slivers.
MIN_CROSSING_ANGLE_DEG = 20.0
#: Volume lost by faceting a curved surface with linear elements of size h, as a
#: fraction c (h / r)^2 of the solid (measured: spheres ~0.36, overlapping spheres ~0.22,
#: cylinders ~0.11); the predicted mesh porosity error is refused above 1.2 points.
FACETING_COEFFICIENT = {"spheres": 0.4, "overlapping spheres": 0.25, "fibres": 0.15, "foam": 0.3}
_FACETING_LIMIT = 0.012


def check_layout(layout: HostLayout, scaffold: Scaffold) -> None:
    """Refuse non-positive lengths and particle / cell sizes larger than the domain."""
    b, H = layout.footprint, layout.host_thickness
    check_positive("footprint", b, "m")
    check_positive("host_thickness", H, "m")
    check_positive("separator_thickness", layout.separator_thickness, "m")
    check_positive("mesh_size", layout.mesh_size, "m")
    check_positive("mesh_size_bulk", layout.mesh_size_bulk, "m")
    check_range("min_gap", layout.min_gap, 0.0, layout.mesh_size, high_inclusive=True, unit="m")
    for k, slab in enumerate(layout.slabs):
        check_range(f"porosity[{k}]" if len(layout.slabs) > 1 else "porosity", slab.porosity, 0.0, 1.0)
    if layout.mesh_size_bulk < layout.mesh_size:
        raise ParameterError(
            f"mesh_size_bulk = {layout.mesh_size_bulk:.3g} m must not be smaller than "
            f"mesh_size = {layout.mesh_size:.3g} m"
        )
    check_plane_spacing(layout)
    size_name = "cell_size" if isinstance(scaffold, OpenCellFoam) else "radius"
    size = scaffold.cell_size if isinstance(scaffold, OpenCellFoam) else 2.0 * scaffold.radius
    what = "cell size" if isinstance(scaffold, OpenCellFoam) else "diameter"
    for name, extent in (("footprint", b), ("host_thickness", H)):
        if size > extent:
            raise ParameterError(
                f"{size_name} = {getattr(scaffold, size_name):.3g} m: the {scaffold.family} {what} "
                f"{size:.3g} m is larger than the {name} {extent:.3g} m"
            )


def check_plane_spacing(layout: HostLayout) -> None:
    """Refuse horizontal planes (bottom, Li fill height, sublayer boundaries, top) closer than 2 mesh sizes."""
    planes = layout.z_planes
    for z0, z1 in itertools.pairwise(planes):
        if z1 - z0 < 2.0 * layout.mesh_size:
            fill = f" (pore_fill = {layout.lithium_fill:g} puts Li up to z = {layout.fill_height:.3g} m)"
            raise ParameterError(
                f"the planes z = {z0:.3g} m and z = {z1:.3g} m of the host layer are closer than twice the mesh "
                f"size {layout.mesh_size:.3g} m{fill if 0 < layout.lithium_fill < 1 else ''}; move the Li fill "
                "height or the sublayer boundaries apart"
            )


def check_mesh_resolution(layout: HostLayout, scaffold: Scaffold) -> None:
    """Refuse elements larger than half the smallest radius, or too coarse to hold the porosity."""
    feature = scaffold.smallest_feature(layout.mesh_size)
    if feature and layout.mesh_size > 0.5 * feature:
        raise ParameterError(
            f"mesh_size = {layout.mesh_size:.3g} m is larger than half the smallest {scaffold.family} radius "
            f"{feature:.3g} m; refine the mesh (mesh_size <= {0.5 * feature:.3g} m)"
        )
    if isinstance(scaffold, FibreMat) or (isinstance(scaffold, SpherePacking) and scaffold.radius_std == 0.0):
        check_faceting(scaffold, layout, [scaffold.radius])  # exact for equal radii; rechecked after placement


def check_reachable(scaffold: Scaffold, porosity: float, gap: float) -> None:
    """Refuse a porosity the family cannot reach, naming the limit."""
    if isinstance(scaffold, SpherePacking) and not scaffold.overlapping:
        limit = RANDOM_CLOSE_PACKING
        text = f"random close packing {RANDOM_CLOSE_PACKING} solid"
        if scaffold.radius_std == 0.0:
            jamming = RSA_JAMMING_SPHERES * (scaffold.radius / (scaffold.radius + 0.5 * gap)) ** 3
            limit = RSA_PRACTICAL * jamming
            text = (
                f"random sequential addition of equal spheres jams at {RSA_JAMMING_SPHERES} solid, "
                f"{jamming:.3f} with the gap {gap:.3g} m, and reaches ~{limit:.3f} in practice; "
                f"random close packing {RANDOM_CLOSE_PACKING}"
            )
        if 1.0 - porosity > limit:
            raise ParameterError(
                f"porosity = {porosity:g} is unreachable with non-overlapping spheres ({text}), i.e. "
                f"porosity >= {1.0 - limit:.3f}; use overlapping=True"
            )
    if isinstance(scaffold, SpherePacking) and scaffold.overlapping and porosity < 0.25:
        raise ParameterError(
            f"porosity = {porosity:g} is unreachable with overlapping spheres: below porosity 0.25 the pore "
            "space breaks into pockets pinched between many spheres, too thin to mesh (pore percolation of "
            "overlapping spheres ~0.03); use porosity >= 0.25"
        )
    if isinstance(scaffold, FibreMat):
        limit = 0.45 if scaffold.overlapping else 0.30
        if 1.0 - porosity > limit:
            mode = "overlapping" if scaffold.overlapping else "non-overlapping"
            hint = "" if scaffold.overlapping else "; use overlapping=True"
            raise ParameterError(
                f"porosity = {porosity:g} is unreachable with a random {mode} fibre mat (limit ~{limit} solid "
                f"with crossing angles >= {MIN_CROSSING_ANGLE_DEG:g} deg), i.e. porosity >= {1 - limit:.2f}{hint}"
            )


def check_faceting(scaffold: Scaffold, layout: HostLayout, radii: Sequence[float]) -> None:
    """Refuse a surface mesh so coarse that faceting would shift the porosity by more than 1.2 points.

    The loss is c (h / r)^2 of the solid; with radii r_i the solid-weighted
    mean of 1 / r^2 is sum(r_i) / sum(r_i^3) (spheres; exact for equal radii).
    """
    r = np.asarray(radii, dtype=float)
    solid = 1.0 - sum(s.porosity * s.thickness for s in layout.slabs) / layout.host_thickness
    inverse_r2 = float(r.sum() / (r**3).sum())
    overlapping = isinstance(scaffold, SpherePacking) and scaffold.overlapping
    c = FACETING_COEFFICIENT["overlapping spheres" if overlapping else scaffold.family]
    predicted = c * layout.mesh_size**2 * inverse_r2 * solid
    if predicted > _FACETING_LIMIT:
        allowed = math.sqrt(_FACETING_LIMIT / (c * inverse_r2 * solid))
        raise ParameterError(
            f"mesh_size = {layout.mesh_size:.3g} m is too coarse for the curvature of the {scaffold.family}: "
            f"faceting would shift the porosity by ~{predicted:.3f}; use mesh_size <= {allowed:.3g} m"
        )
