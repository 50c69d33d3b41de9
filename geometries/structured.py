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
"""

from __future__ import annotations

from collections.abc import Callable

import dolfinx.mesh
import numpy as np
from mpi4py import MPI

from fem.mesh_io import MeshData
from fem.validation import check_positive
from geometries.markers import CELL_MARKERS, FACET_MARKERS, marker_table

__all__ = ["electrolyte_slab", "lithium_slab"]

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
