"""Structured Li | electrolyte slabs from DOLFINx's built-in box mesh (no gmsh).

For verification, benchmarks and the coupled stripping model.

- :func:`electrolyte_slab`: the electrolyte [0, b]^2 x [0, L] (z = 0 is the Li
  interface, z = L the counter electrode), with the interface facets marked
  li_sse where ``in_contact(x, y)`` holds at the facet midpoint and void
  elsewhere.  Contact edges are therefore staircase, not conformal: use
  geometries.planar for resolved spot geometry.
- :func:`lithium_slab`: the Li electrode [0, b]^2 x [-h, 0] below it (z = 0
  li_sse, z = -h the current collector "bottom").  With the same ``cells_xy``
  (and ``width_y``, ``cells_y``) the two slabs share their interface nodes and
  triangles, so interface fields move between them node by node.

A slab with ``cells_y = 1`` and rollers on its y faces is a plane-strain
(quasi-2D) cell.

- :func:`host_box`: a rectangle (2D) or box (3D) whose cells are "host" where
  a predicate holds at the cell midpoint and "sse" elsewhere, with the facets
  between the two tagged host_sse: periodic lamellar hosts and planar
  interfaces for the pore-resolved deposition model (fem.electrochemistry.pore_resolved).
"""

from __future__ import annotations

from collections.abc import Callable

import dolfinx.mesh
import numpy as np
from mpi4py import MPI

from fem.markers import CELL_MARKERS, FACET_MARKERS, marker_table
from fem.mesh_io import MeshData
from fem.validation import check_positive

__all__ = ["electrolyte_slab", "lithium_slab", "host_box"]

ContactMask = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _everywhere(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.ones_like(x, dtype=bool)


def _tagged_box(
    comm: MPI.Comm,
    extent: tuple[float, float, float, float],
    cells: tuple[int, int, int],
    region: str,
    interface_at_top: bool,
    far_facets: str,
    in_contact: ContactMask,
    builder: str,
) -> MeshData:
    """Box [0, bx] x [0, by] x [z0, z1] (m) of tetrahedra in one cell region.

    The interface face (z1 if ``interface_at_top`` else z0) is li_sse where
    ``in_contact`` holds at the facet midpoint, else void; the opposite face is
    ``far_facets``; the four lateral faces are "sides".
    """
    bx, by, z0, z1 = extent
    for name, value in (("footprint", bx), ("width_y", by), ("thickness", z1 - z0)):
        check_positive(name, value, "m")
    for name, value in zip(("cells_xy", "cells_y", "cells_z"), cells, strict=True):
        check_positive(name, value)
    mesh = dolfinx.mesh.create_box(
        comm,
        [np.array([0.0, 0.0, z0]), np.array([bx, by, z1])],
        [int(n) for n in cells],
        cell_type=dolfinx.mesh.CellType.tetrahedron,
    )
    tdim, fdim = 3, 2
    mesh.topology.create_connectivity(fdim, tdim)
    tol = 1e-9 * max(bx, by, z1 - z0)
    z_interface, z_far = (z1, z0) if interface_at_top else (z0, z1)
    interface = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[2], z_interface, atol=tol))
    far = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[2], z_far, atol=tol))
    sides = dolfinx.mesh.locate_entities_boundary(
        mesh,
        fdim,
        lambda x: (
            np.isclose(x[0], 0.0, atol=tol)
            | np.isclose(x[0], bx, atol=tol)
            | np.isclose(x[1], 0.0, atol=tol)
            | np.isclose(x[1], by, atol=tol)
        ),
    )
    midpoints = dolfinx.mesh.compute_midpoints(mesh, fdim, interface)
    contact = in_contact(midpoints[:, 0], midpoints[:, 1])
    sides = np.setdiff1d(sides, np.concatenate([interface, far]))
    indices = np.concatenate([interface, far, sides]).astype(np.int32)
    values = np.concatenate(
        [
            np.where(contact, FACET_MARKERS["li_sse"], FACET_MARKERS["void"]),
            np.full(far.size, FACET_MARKERS[far_facets]),
            np.full(sides.size, FACET_MARKERS["sides"]),
        ]
    ).astype(np.int32)
    order = np.argsort(indices)
    facet_tags = dolfinx.mesh.meshtags(mesh, fdim, indices[order], values[order])
    num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    cell_tags = dolfinx.mesh.meshtags(
        mesh,
        tdim,
        np.arange(num_cells, dtype=np.int32),
        np.full(num_cells, CELL_MARKERS[region], dtype=np.int32),
    )
    info = {
        "builder": builder,
        "parameters": {
            "footprint_m": bx,
            "width_y_m": by,
            "thickness_m": z1 - z0,
            "cells_xy": cells[0],
            "cells_y": cells[1],
            "cells_z": cells[2],
        },
    }
    return MeshData(mesh, cell_tags, facet_tags, marker_table(), info)


def electrolyte_slab(
    comm: MPI.Comm,
    footprint: float,
    thickness: float,
    cells_xy: int,
    cells_z: int,
    in_contact: ContactMask = _everywhere,
    width_y: float | None = None,
    cells_y: int | None = None,
) -> MeshData:
    """Return the tetrahedral electrolyte slab [0, b] x [0, b_y] x [0, L] (m) with markers.

    Args:
        cells_xy, cells_z: boxes per direction (each split into 6 tetrahedra).
        in_contact: vectorised predicate on interface facet midpoints (m).
        width_y, cells_y: the y extent and boxes (default: footprint and cells_xy).
    """
    extent = (footprint, width_y or footprint, 0.0, thickness)
    cells = (cells_xy, cells_y or cells_xy, cells_z)
    return _tagged_box(comm, extent, cells, "sse", False, "top", in_contact, "geometries.structured.electrolyte_slab")


def lithium_slab(
    comm: MPI.Comm,
    footprint: float,
    thickness: float,
    cells_xy: int,
    cells_z: int,
    width_y: float | None = None,
    cells_y: int | None = None,
) -> MeshData:
    """Return the tetrahedral Li slab [0, b] x [0, b_y] x [-h, 0] (m): li_sse at z = 0, bottom at z = -h.

    Pairs node for node at z = 0 with :func:`electrolyte_slab` of the same
    footprint, width_y, cells_xy and cells_y.
    """
    extent = (footprint, width_y or footprint, -thickness, 0.0)
    cells = (cells_xy, cells_y or cells_xy, cells_z)
    return _tagged_box(
        comm, extent, cells, "lithium", True, "bottom", _everywhere, "geometries.structured.lithium_slab"
    )


SolidMask = Callable[[np.ndarray], np.ndarray]


def _region_facets(mesh: dolfinx.mesh.Mesh, is_host: np.ndarray) -> np.ndarray:
    """Local facets with a host cell on one side and an electrolyte cell on the other.

    Needs both cells of every interior facet on this rank: the mesh must be
    ghosted by shared facet (the default of dolfinx.mesh.create_box)."""
    tdim = mesh.topology.dim
    f2c = mesh.topology.connectivity(tdim - 1, tdim)
    offsets = f2c.offsets
    two = np.flatnonzero(np.diff(offsets) == 2)
    first, second = f2c.array[offsets[two]], f2c.array[offsets[two] + 1]
    return two[is_host[first] != is_host[second]].astype(np.int32)


def host_box(
    comm: MPI.Comm,
    lengths: tuple[float, ...],
    cells: tuple[int, ...],
    is_host: SolidMask,
    host_thickness: float,
) -> MeshData:
    """Rectangle [0, Lx] x [0, Lz] (2D) or box [0, Lx] x [0, Ly] x [0, Lz] (3D) with a host and an electrolyte.

    Args:
        lengths: the extents (m), the last along the depth axis (z up; z = 0 the
            current collector "bottom", z = Lz the counter electrode "top").
        cells: divisions per direction (triangles / tetrahedra).
        is_host: vectorised predicate on cell midpoints x (gdim, n) (m): True
            for host (scaffold) cells, the rest are electrolyte ("sse").
        host_thickness: H (m), recorded in info["parameters"]["host_thickness_m"].

    Facets: bottom, top, sides (the other boundary faces), host_sse between
    host and electrolyte cells.  Interfaces follow the cell faces, so put the
    predicate's jumps on mesh lines.
    """
    dim = len(lengths)
    if dim not in (2, 3) or len(cells) != dim:
        raise ValueError(f"lengths and cells must both have 2 or 3 entries, got {len(lengths)} and {len(cells)}")
    for k, length in enumerate(lengths):
        check_positive(f"lengths[{k}]", length, "m")
        check_positive(f"cells[{k}]", cells[k])
    check_positive("host_thickness", host_thickness, "m")
    corners = [np.zeros(dim), np.array(lengths, dtype=float)]
    if dim == 2:
        mesh = dolfinx.mesh.create_rectangle(comm, corners, list(cells), cell_type=dolfinx.mesh.CellType.triangle)
    else:
        mesh = dolfinx.mesh.create_box(comm, corners, list(cells), cell_type=dolfinx.mesh.CellType.tetrahedron)
    tdim, fdim = dim, dim - 1
    mesh.topology.create_connectivity(fdim, tdim)
    num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    all_cells = np.arange(num_cells, dtype=np.int32)
    host = np.asarray(is_host(dolfinx.mesh.compute_midpoints(mesh, tdim, all_cells).T), dtype=bool)
    cell_tags = dolfinx.mesh.meshtags(
        mesh, tdim, all_cells, np.where(host, CELL_MARKERS["host"], CELL_MARKERS["sse"]).astype(np.int32)
    )
    depth, tol = lengths[-1], 1e-9 * max(lengths)
    boundary = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    z = dolfinx.mesh.compute_midpoints(mesh, fdim, boundary)[:, dim - 1]
    boundary_values = np.where(
        np.isclose(z, 0.0, atol=tol),
        FACET_MARKERS["bottom"],
        np.where(np.isclose(z, depth, atol=tol), FACET_MARKERS["top"], FACET_MARKERS["sides"]),
    )
    interface = _region_facets(mesh, host)
    indices = np.concatenate([boundary, interface]).astype(np.int32)
    values = np.concatenate([boundary_values, np.full(interface.size, FACET_MARKERS["host_sse"])]).astype(np.int32)
    order = np.argsort(indices)
    facet_tags = dolfinx.mesh.meshtags(mesh, fdim, indices[order], values[order])
    info = {
        "builder": "geometries.structured.host_box",
        "parameters": {"lengths_m": list(lengths), "cells": list(cells), "host_thickness_m": host_thickness},
    }
    return MeshData(mesh, cell_tags, facet_tags, marker_table(), info)
