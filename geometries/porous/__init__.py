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
:data:`~geometries.porous.build.MAX_BUILD_ATTEMPTS` draws.

:func:`build_porous_host` is a pure gmsh builder ``(model, params) -> model``;
:func:`porous_host_mesh` builds on rank 0 and distributes.  The placement and
OCC machinery (:func:`place_scaffold`, :func:`build_host_model`) is shared with
:mod:`geometries.gradient`.

Modules, one concept each (this package re-exports the public API; import from
``geometries.porous``):

* :mod:`~geometries.porous.scaffolds`: the primitives (Sphere, Cylinder) and the scaffold families;
* :mod:`~geometries.porous.layout`: the cell around the scaffold (HostLayout, Slab) and the Li fill;
* :mod:`~geometries.porous.limits`: packing and resolution limits, and the parameter checks;
* :mod:`~geometries.porous.geometry`: vectorised distances and intersections for the clearance rules;
* :mod:`~geometries.porous.voxels`: the voxel estimate of the solid volume per slab;
* :mod:`~geometries.porous.packing`: random sequential addition of spheres and fibres;
* :mod:`~geometries.porous.foam`: strut lattices of open-cell foams;
* :mod:`~geometries.porous.placement`: :func:`place_scaffold`, deterministic for a seed;
* :mod:`~geometries.porous.occ`: OCC booleans, tags and mesh of one draw;
* :mod:`~geometries.porous.worker`: the isolated process that builds one draw;
* :mod:`~geometries.porous.build`: :func:`build_host_model`, redrawing failed draws;
* :mod:`~geometries.porous.measures`: OCC and mesh measures, the porosity checks;
* :mod:`~geometries.porous.info`: info.json of a host cell;
* :mod:`~geometries.porous.host`: the uniform porous host (:class:`PorousHostParams`, :func:`porous_host_mesh`);
* :mod:`~geometries.porous.cli`: the ``spheres``, ``fibres`` and ``foam`` subcommands.
"""

from geometries.porous.build import build_host_model, placement_attempt
from geometries.porous.cli import (
    add_cell_arguments,
    add_scaffold_arguments,
    particles_text,
    pore_fill_from_text,
    register_porous,
    scaffold_from_args,
)
from geometries.porous.host import PorousHostParams, build_porous_host, porous_host_info, porous_host_mesh
from geometries.porous.info import describe_host, host_info
from geometries.porous.layout import HostLayout, Slab, lithium_fill_fraction
from geometries.porous.limits import check_layout, check_mesh_resolution, check_plane_spacing, check_reachable
from geometries.porous.measures import POROSITY_TOLERANCE, host_model_info, model_measures
from geometries.porous.placement import Placement, place_scaffold
from geometries.porous.scaffolds import Cylinder, FibreMat, OpenCellFoam, Scaffold, Sphere, SpherePacking
from geometries.porous.worker import build_worker

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
    # command-line helpers shared with geometries.gradient
    "add_cell_arguments",
    "add_scaffold_arguments",
    "scaffold_from_args",
    "pore_fill_from_text",
    "particles_text",
]
