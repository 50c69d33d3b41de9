"""The DOLFINx version shims (fem._compat) give the same answers on 0.9 and 0.11.

Run on both stacks: ``containers/run`` (trixie, DOLFINx 0.9) and
``LIANODE_STACK=sid containers/run`` (sid, DOLFINx 0.11).
"""

from __future__ import annotations

import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl
from mpi4py import MPI

from fem._compat import cell_partitioner, create_submesh, create_vector, interpolation_points


def _unit_cube(comm: MPI.Comm) -> dolfinx.mesh.Mesh:
    return dolfinx.mesh.create_unit_cube(comm, 3, 3, 3, cell_type=dolfinx.mesh.CellType.tetrahedron)


def test_create_submesh_maps_point_to_the_same_coordinates(comm):
    """Submesh cell k is parent cell entity_map[k] (same midpoint) and submesh vertex k is parent
    vertex vertex_map[k] (same coordinates), for owned and ghost entities alike."""
    mesh = _unit_cube(comm)
    tdim = mesh.topology.dim
    owned = np.arange(mesh.topology.index_map(tdim).size_local, dtype=np.int32)
    left = owned[dolfinx.mesh.compute_midpoints(mesh, tdim, owned)[:, 0] < 0.5]
    submesh, cell_map, vertex_map = create_submesh(mesh, tdim, left)
    sub_cells = np.arange(cell_map.size, dtype=np.int32)
    assert cell_map.dtype == np.int32 and vertex_map.dtype == np.int32
    assert cell_map.size == submesh.topology.index_map(tdim).size_local + submesh.topology.index_map(tdim).num_ghosts
    mid_sub = dolfinx.mesh.compute_midpoints(submesh, tdim, sub_cells)
    mid_parent = dolfinx.mesh.compute_midpoints(mesh, tdim, cell_map)
    cells_match = np.allclose(mid_sub, mid_parent, atol=1e-12)
    sub_vertices = np.arange(vertex_map.size, dtype=np.int32)
    mesh.topology.create_connectivity(0, tdim)
    submesh.topology.create_connectivity(0, tdim)
    x_sub = dolfinx.mesh.compute_midpoints(submesh, 0, sub_vertices)
    x_parent = dolfinx.mesh.compute_midpoints(mesh, 0, vertex_map)
    vertices_match = np.allclose(x_sub, x_parent, atol=1e-12)
    assert comm.allreduce(cells_match and vertices_match, op=MPI.LAND)
    num_cells = comm.allreduce(int(submesh.topology.index_map(tdim).size_local), op=MPI.SUM)
    assert num_cells == 6 * 27 // 2  # half of the 3x3x3x6 tetrahedra (x-midpoints never at 0.5)


def test_facet_submesh_maps_to_parent_facets(comm):
    """A submesh of boundary facets maps its cells to parent facets with the same midpoints."""
    mesh = _unit_cube(comm)
    fdim = mesh.topology.dim - 1
    mesh.topology.create_connectivity(fdim, fdim + 1)
    top = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[2], 1.0))
    submesh, facet_map, _ = create_submesh(mesh, fdim, top)
    mid_sub = dolfinx.mesh.compute_midpoints(submesh, fdim, np.arange(facet_map.size, dtype=np.int32))
    mid_parent = dolfinx.mesh.compute_midpoints(mesh, fdim, facet_map)
    assert comm.allreduce(bool(np.allclose(mid_sub, mid_parent, atol=1e-12)), op=MPI.LAND)
    assert comm.allreduce(int(submesh.topology.index_map(fdim).size_local), op=MPI.SUM) == 2 * 9


def test_create_vector_fits_the_linear_form(comm):
    """The vector of a P1 linear form has the space's owned and ghost sizes and assembles into
    the integral: sum of (1, v_i) = |domain| = 1."""
    mesh = _unit_cube(comm)
    V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
    L = dolfinx.fem.form(ufl.TestFunction(V) * ufl.dx)
    b = create_vector(L)
    index_map = V.dofmap.index_map
    assert b.getLocalSize() == index_map.size_local
    with b.localForm() as local:
        assert local.getSize() == index_map.size_local + index_map.num_ghosts
        local.set(0.0)
    dolfinx.fem.petsc.assemble_vector(b, L)
    b.ghostUpdate(addv=dolfinx.fem.petsc.PETSc.InsertMode.ADD, mode=dolfinx.fem.petsc.PETSc.ScatterMode.REVERSE)
    assert abs(b.sum() - 1.0) < 1e-12
    b.destroy()


def test_interpolation_points_and_partitioner(comm):
    """P2 on tetrahedra interpolates at its 10 nodes; a ghost-free partitioner builds a mesh
    whose cells are all owned."""
    mesh = _unit_cube(comm)
    points = interpolation_points(dolfinx.fem.functionspace(mesh, ("Lagrange", 2)))
    assert points.shape == (10, 3)
    partitioned = dolfinx.mesh.create_unit_cube(
        comm, 2, 2, 2, partitioner=cell_partitioner(dolfinx.mesh.GhostMode.none)
    )
    assert partitioned.topology.index_map(3).num_ghosts == 0
    assert comm.allreduce(partitioned.topology.index_map(3).size_local, op=MPI.SUM) == 6 * 8
