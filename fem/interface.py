"""Nodal (P1) fields on an interface, and their transfer between two meshes that share it.

The coupled stripping model (fem.coupling.stripping) solves the current on the
electrolyte mesh and the Li creep on the Li mesh; the two meet at the li_sse
facets.  Fields that live on that interface (local current density, stripped
depth, contact state, contact pressure) are P1 nodal values on the interface
dofs of each mesh:

- :class:`InterfaceSpace` holds the interface dofs of one mesh, their lumped
  masses m_i = int_Gamma phi_i ds (so int_Gamma f ds = sum_i m_i f_i exactly for
  a P1 field f), the area-weighted nodal normals, and the lumped L2 projection
  f_i = int_Gamma g phi_i ds / m_i of a UFL expression g, which keeps the
  integral of g exactly (sum_i m_i f_i = int_Gamma g ds) and keeps the sign of g.
- :class:`InterfaceMap` moves nodal values between two InterfaceSpaces whose
  interface nodes coincide (a conforming interface, e.g. two submeshes of one
  gmsh mesh or geometries.structured slabs of equal lateral resolution), in
  parallel, by matching coordinates once.
"""

from __future__ import annotations

from typing import Any

import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl
from mpi4py import MPI
from scipy.spatial import cKDTree

from fem.mesh_io import MeshData
from fem.validation import ParameterError

__all__ = ["InterfaceSpace", "InterfaceMap", "assemble_nodal"]


def assemble_nodal(form: Any, V: dolfinx.fem.FunctionSpace) -> np.ndarray:
    """Assemble a linear form (UFL, or compiled with dolfinx.fem.form) on ``V`` into the local dof values
    (owned and ghost) with ghost contributions summed and ghosts updated."""
    vector = dolfinx.fem.Function(V)
    compiled = form if isinstance(form, dolfinx.fem.Form) else dolfinx.fem.form(form)
    dolfinx.fem.assemble_vector(vector.x.array, compiled)
    vector.x.scatter_reverse(dolfinx.la.InsertMode.add)
    vector.x.scatter_forward()
    return vector.x.array.copy()


class InterfaceSpace:
    """P1 nodal fields on the facet region ``facets`` of ``meshdata``.

    Attributes:
        V: the scalar P1 space on the whole mesh (values off the interface are unused).
        dofs: local dof indices (owned and ghost) on the interface.
        owned: the owned subset of ``dofs``.
        lumped_mass: m_i (m2) per entry of ``dofs``.
        normals: unit area-weighted outward normals (len(dofs), 3).
        area_m2: interface area (global).
    """

    def __init__(self, meshdata: MeshData, facets: str) -> None:
        mesh = meshdata.mesh
        fdim = mesh.topology.dim - 1
        self.meshdata = meshdata
        self.facets = facets
        self.V = dolfinx.fem.functionspace(mesh, ("Lagrange", 1))
        marker = meshdata.facet_id(facets)
        entities = meshdata.facet_tags.find(marker)
        self.dofs = np.sort(dolfinx.fem.locate_dofs_topological(self.V, fdim, entities)).astype(np.int32)
        num_owned = self.V.dofmap.index_map.size_local
        self.owned = self.dofs[self.dofs < num_owned]
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=meshdata.facet_tags)(marker)
        v = ufl.TestFunction(self.V)
        self._test = v
        mass = assemble_nodal(v * self.ds, self.V)
        self.lumped_mass = mass[self.dofs]
        if np.any(self.lumped_mass <= 0.0):
            raise ParameterError(f"interface {facets!r}: a node with no facet area (degenerate facet tags)")
        n = ufl.FacetNormal(mesh)
        normals = np.column_stack([assemble_nodal(n[k] * v * self.ds, self.V)[self.dofs] for k in range(3)])
        self.normals = normals / np.linalg.norm(normals, axis=1, keepdims=True) if len(self.dofs) else normals
        self.area_m2 = mesh.comm.allreduce(float(np.sum(mass[self.owned])), op=MPI.SUM)

    @property
    def comm(self) -> MPI.Comm:
        return self.meshdata.mesh.comm

    def function(self, name: str) -> dolfinx.fem.Function:
        """A new P1 Function (zero) on this mesh."""
        return dolfinx.fem.Function(self.V, name=name)

    def coordinates(self) -> np.ndarray:
        """Coordinates (len(dofs), 3) of the interface dofs (m)."""
        return self.V.tabulate_dof_coordinates()[self.dofs]

    def integral(self, values: np.ndarray) -> float:
        """int_Gamma f ds (global) of the P1 field with nodal ``values`` (one per entry of ``dofs``)."""
        owned = self.dofs < self.V.dofmap.index_map.size_local
        return self.comm.allreduce(float(np.dot(self.lumped_mass[owned], values[owned])), op=MPI.SUM)

    def project(self, expression: Any) -> np.ndarray:
        """Lumped L2 projection of a UFL expression onto the interface nodes (one value per dof)."""
        return assemble_nodal(expression * self._test * self.ds, self.V)[self.dofs] / self.lumped_mass

    def global_values(self, values: np.ndarray) -> np.ndarray:
        """The owned nodal values of every rank, concatenated in rank order (on every rank)."""
        owned = self.dofs < self.V.dofmap.index_map.size_local
        return np.concatenate(self.comm.allgather(values[owned]))

    def min_lumped_mass(self) -> float:
        """Smallest lumped mass (global), a squared length scale of the interface mesh (m2)."""
        return self.comm.allreduce(float(np.min(self.lumped_mass, initial=np.inf)), op=MPI.MIN)


class InterfaceMap:
    """Node-to-node transfer of interface values from ``source`` to ``target``.

    The interface nodes of the two meshes must coincide (within 1e-6 of the
    smallest facet size); otherwise ParameterError.  Both spaces must live on
    the same communicator.
    """

    def __init__(self, source: InterfaceSpace, target: InterfaceSpace, tolerance_m: float | None = None) -> None:
        self.source = source
        self.target = target
        points = source.global_values(source.coordinates())
        tree = cKDTree(points)
        target_points = target.coordinates()
        scale = np.sqrt(min(source.min_lumped_mass(), target.min_lumped_mass()))
        tol = tolerance_m if tolerance_m is not None else 1e-6 * scale
        distance, self._index = tree.query(target_points) if len(target_points) else (np.zeros(0), np.zeros(0, int))
        worst = target.comm.allreduce(float(np.max(distance, initial=0.0)), op=MPI.MAX)
        if worst > tol:
            raise ParameterError(
                f"interface {target.facets!r}: nodes of the two meshes do not coincide (worst distance "
                f"{worst:.3g} m > {tol:.3g} m); the coupled model needs a conforming interface"
            )
        n_source = target.comm.allreduce(len(source.owned), op=MPI.SUM)
        n_target = target.comm.allreduce(len(target.owned), op=MPI.SUM)
        if n_source != n_target:
            raise ParameterError(f"interface {target.facets!r}: {n_source} source nodes but {n_target} target nodes")

    def transfer(self, values: np.ndarray) -> np.ndarray:
        """Target nodal values (one per target dof) from source nodal values (one per source dof)."""
        return self.source.global_values(values)[self._index]
