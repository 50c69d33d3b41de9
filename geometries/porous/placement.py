"""Placement of a scaffold in the cell: pure NumPy, deterministic for (seed, attempt).

:func:`place_scaffold` dispatches to the packers (spheres, fibres) or the foam
struts and returns a :class:`Placement`: the primitives (with their periodic
images that reach into the footprint) and how they were obtained.  Being
deterministic and cached, it is simply called again to describe the draw that
was built in info.json.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from geometries.porous.foam import foam_struts
from geometries.porous.layout import HostLayout
from geometries.porous.limits import check_faceting
from geometries.porous.packing import FibrePacker, Packer, SpherePacker, random_fill
from geometries.porous.scaffolds import OpenCellFoam, Primitive, Scaffold, SpherePacking

__all__ = ["Placement", "place_scaffold"]


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
        prims, details = foam_struts(scaffold, layout, rng)
        placement = Placement(tuple(prims), True, details["n_struts"], attempt, details)
        radii = [details["strut_radius_m"]]
    else:
        packer: Packer = (
            SpherePacker(scaffold, layout) if isinstance(scaffold, SpherePacking) else FibrePacker(scaffold, layout)
        )
        particles = random_fill(packer, layout, rng)
        prims = [image for particle in particles for image in packer.images(particle)]
        radii = [p.radius for p in particles]
        placement = Placement(tuple(prims), scaffold.overlapping, len(particles), attempt, {"radii_m": radii})
    check_faceting(scaffold, layout, radii)
    return placement
