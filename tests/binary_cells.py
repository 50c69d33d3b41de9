"""Small tagged electrolyte cells in 1D and 2D for the binary-electrolyte tests (no gmsh).

The electrolyte is [0, L] (x 0..H in 2D): the working electrode (li_sse) at
x = 0, the counter electrode (top) at x = L, and in 2D the faces y = 0, H are
insulating sides.  ``grading`` > 1 crowds the nodes towards x = 0
(x = L s^grading for uniform s).
"""

from __future__ import annotations

import dolfinx.mesh
import numpy as np
from mpi4py import MPI

from fem.markers import CELL_MARKERS, FACET_MARKERS, marker_table
from fem.mesh_io import MeshData


def _tag(mesh, length: float, height: float | None) -> MeshData:
    tdim = mesh.topology.dim
    fdim = tdim - 1
    mesh.topology.create_connectivity(fdim, tdim)
    tol = 1e-9 * length
    groups = [
        ("li_sse", lambda p: np.isclose(p[0], 0.0, atol=tol)),
        ("top", lambda p: np.isclose(p[0], length, atol=tol)),
    ]
    if height is not None:
        groups.append(("sides", lambda p: np.isclose(p[1], 0.0, atol=tol) | np.isclose(p[1], height, atol=tol)))
    indices, values, seen = [], [], np.zeros(0, dtype=np.int32)
    for name, where in groups:
        facets = np.setdiff1d(dolfinx.mesh.locate_entities_boundary(mesh, fdim, where), seen)
        seen = np.union1d(seen, facets)
        indices.append(facets)
        values.append(np.full(facets.size, FACET_MARKERS[name], dtype=np.int32))
    idx = np.concatenate(indices).astype(np.int32)
    order = np.argsort(idx)
    facet_tags = dolfinx.mesh.meshtags(mesh, fdim, idx[order], np.concatenate(values)[order])
    n_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    cells = np.arange(n_cells, dtype=np.int32)
    cell_tags = dolfinx.mesh.meshtags(mesh, tdim, cells, np.full(n_cells, CELL_MARKERS["sse"], dtype=np.int32))
    return MeshData(mesh, cell_tags, facet_tags, marker_table())


def interval_cell(comm: MPI.Comm, length: float, cells: int, grading: float = 1.0) -> MeshData:
    """The 1D cell [0, L] (m) with ``cells`` intervals."""
    mesh = dolfinx.mesh.create_interval(comm, cells, [0.0, 1.0])
    mesh.geometry.x[:, 0] = length * mesh.geometry.x[:, 0] ** grading
    return _tag(mesh, length, None)


def rectangle_cell(comm: MPI.Comm, length: float, height: float, cells: int) -> MeshData:
    """The 2D cell [0, L] x [0, H] (m), ``cells`` x ``cells`` squares split into triangles."""
    mesh = dolfinx.mesh.create_rectangle(
        comm, [np.array([0.0, 0.0]), np.array([length, height])], [cells, cells], dolfinx.mesh.CellType.triangle
    )
    return _tag(mesh, length, height)
