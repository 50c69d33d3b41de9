"""Structured Li | electrolyte slabs from DOLFINx's built-in box mesh (no gmsh).

For verification and benchmarks: the electrolyte slab [0, b]^2 x [0, L]
(z = 0 is the Li interface, z = L the counter electrode), with the interface
facets marked li_sse where ``in_contact(x, y)`` holds at the facet midpoint
and void elsewhere.  Contact edges are therefore staircase, not conformal:
use geometries.planar for resolved spot geometry.
"""

from __future__ import annotations

from collections.abc import Callable

import dolfinx.mesh
import numpy as np
from mpi4py import MPI

from fem.mesh_io import MeshData
from fem.validation import check_positive
from geometries.markers import CELL_MARKERS, FACET_MARKERS, marker_table

__all__ = ["electrolyte_slab"]

ContactMask = Callable[[np.ndarray, np.ndarray], np.ndarray]


def _everywhere(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.ones_like(x, dtype=bool)


def electrolyte_slab(
    comm: MPI.Comm,
    footprint: float,
    thickness: float,
    cells_xy: int,
    cells_z: int,
    in_contact: ContactMask = _everywhere,
) -> MeshData:
    """Return a tetrahedral slab of side ``footprint`` and ``thickness`` (m) with markers.

    Args:
        cells_xy, cells_z: boxes per direction (each split into 6 tetrahedra).
        in_contact: vectorised predicate on interface facet midpoints (m).
    """
    check_positive("footprint", footprint, "m")
    check_positive("thickness", thickness, "m")
    check_positive("cells_xy", cells_xy)
    check_positive("cells_z", cells_z)
    mesh = dolfinx.mesh.create_box(
        comm,
        [np.zeros(3), np.array([footprint, footprint, thickness])],
        [int(cells_xy), int(cells_xy), int(cells_z)],
        cell_type=dolfinx.mesh.CellType.tetrahedron,
    )
    tdim, fdim = 3, 2
    mesh.topology.create_connectivity(fdim, tdim)
    tol = 1e-9 * max(footprint, thickness)
    bottom = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[2], 0.0, atol=tol))
    top = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[2], thickness, atol=tol))
    sides = dolfinx.mesh.locate_entities_boundary(
        mesh,
        fdim,
        lambda x: (
            np.isclose(x[0], 0.0, atol=tol)
            | np.isclose(x[0], footprint, atol=tol)
            | np.isclose(x[1], 0.0, atol=tol)
            | np.isclose(x[1], footprint, atol=tol)
        ),
    )
    midpoints = dolfinx.mesh.compute_midpoints(mesh, fdim, bottom)
    contact = in_contact(midpoints[:, 0], midpoints[:, 1])
    sides = np.setdiff1d(sides, np.concatenate([bottom, top]))
    indices = np.concatenate([bottom, top, sides]).astype(np.int32)
    values = np.concatenate(
        [
            np.where(contact, FACET_MARKERS["li_sse"], FACET_MARKERS["void"]),
            np.full(top.size, FACET_MARKERS["top"]),
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
        np.full(num_cells, CELL_MARKERS["sse"], dtype=np.int32),
    )
    info = {
        "builder": "geometries.structured.electrolyte_slab",
        "parameters": {
            "footprint_m": footprint,
            "thickness_m": thickness,
            "cells_xy": cells_xy,
            "cells_z": cells_z,
        },
    }
    return MeshData(mesh, cell_tags, facet_tags, marker_table(), info)
