"""Mechanics fields for ParaView: VTX (.bp) time series of a :class:`fem.mechanics.MechanicsProblem`.

:class:`MechanicsFieldWriter` writes, at each call of :meth:`~MechanicsFieldWriter.write`:

* ``displacement_m.bp``: the displacement u (m) in its own Lagrange space;
* ``cell_fields.bp``: cell averages (DG0) of the von Mises stress
  sqrt(3/2 s:s), the hydrostatic stress tr(sigma)/3 (Pa, positive in tension),
  the accumulated equivalent creep strain p, the Anand deformation resistance S
  (Pa, zero outside Anand regions) and any extra scalars given per region;
* ``stress_Pa.bp``: the cell-averaged Cauchy stress tensor (DG0, Pa);
* ``normal_traction_<facets>.bp``: on a facet submesh of each requested
  facet region, the normal traction t_n = n . sigma n and the magnitude of the
  shear traction |sigma n - t_n n| (DG0 per facet, Pa; t_n < 0 is compression,
  -t_n the contact pressure), n the outward normal of the cells on the
  requested side.

Cell averages are the L2 projection onto DG0, computed exactly from the values
at the problem's quadrature points (dolfinx.fem.Expression on each region's
cells, weighted with the quadrature weights: the cells are affine), so they hold
for the creep state too, which exists only at those points.  The facet
tractions use the average stress of the adjacent cell: exact for stresses
uniform per cell (P1 displacement with one quadrature point), a cell-mean
approximation otherwise.  Collective: every rank calls every method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import basix
import dolfinx
import dolfinx.io
import numpy as np
import ufl
from mpi4py import MPI

from fem._compat import create_submesh
from fem.mechanics.problem import MechanicsProblem
from fem.validation import ParameterError

__all__ = ["FacetSide", "CellAverages", "FacetTractions", "MechanicsFieldWriter", "cell_averages"]

_SCALARS = ("von_mises_stress_Pa", "hydrostatic_stress_Pa", "accumulated_creep_strain", "deformation_resistance_Pa")


@dataclass(frozen=True, slots=True)
class FacetSide:
    """A facet region and the cell region on whose side the traction is taken.

    ``side`` may be None for exterior facets (one adjacent cell); interior
    facets (e.g. ``li_sse`` between ``lithium`` and ``sse``) need it.
    """

    facets: str
    side: str | None = None

    @property
    def label(self) -> str:
        return self.facets if self.side is None else f"{self.facets}_{self.side}"


def _region_values(problem: MechanicsProblem, region: Any, extra: Sequence[Callable[[str], Any]]) -> Any:
    """UFL vector [sigma (9), p, S, extra...] of one region of the problem."""
    sigma = problem.stress(region.name)
    zero = dolfinx.fem.Constant(problem.meshdata.mesh, 0.0)
    creeping = region.creep is not None
    p = problem.accumulated_creep_strain if creeping else zero
    s = problem.deformation_resistance if creeping else zero
    return ufl.as_vector([sigma[i, j] for i in range(3) for j in range(3)] + [p, s] + [f(region.name) for f in extra])


class CellAverages:
    """Cell averages (DG0, owned and ghost cells) of the stress tensor and the scalar fields.

    ``fields`` holds Functions named ``stress_Pa`` (3x3), the scalar names of the
    module docstring and the keys of ``extra`` (name -> (region name -> UFL
    scalar of that region)); :meth:`update` recomputes them from the problem's
    current state.  The expressions are compiled once.
    """

    def __init__(self, problem: MechanicsProblem, extra: Mapping[str, Callable[[str], Any]] | None = None) -> None:
        extra = dict(extra or {})
        self.problem = problem
        mesh = problem.meshdata.mesh
        self._W = dolfinx.fem.functionspace(mesh, ("DG", 0))
        self._WT = dolfinx.fem.functionspace(mesh, ("DG", 0, (3, 3)))
        self.names = (*_SCALARS, *extra)
        self.fields = {"stress_Pa": dolfinx.fem.Function(self._WT, name="stress_Pa")}
        self.fields.update({name: dolfinx.fem.Function(self._W, name=name) for name in self.names})
        points, weights = basix.make_quadrature(mesh.basix_cell(), problem.quadrature_degree)
        self._num_points = points.shape[0]
        self._weights = weights / weights.sum()
        self._expressions = [  # on every rank (JIT compilation is collective), also for no local cells
            (region.cells, dolfinx.fem.Expression(_region_values(problem, region, list(extra.values())), points))
            for region in problem.regions
        ]

    def update(self) -> dict[str, dolfinx.fem.Function]:
        """Recompute every field; returns :attr:`fields`."""
        mesh = self.problem.meshdata.mesh
        for cells, expression in self._expressions:
            if cells.size == 0:
                continue
            values = expression.eval(mesh, cells).reshape(cells.size, self._num_points, -1)
            sigma = values[..., :9].reshape(*values.shape[:2], 3, 3)
            trace = np.einsum("cpii->cp", sigma)
            deviator = sigma - trace[..., None, None] / 3.0 * np.eye(3)
            pointwise = [np.sqrt(1.5 * np.einsum("cpij,cpij->cp", deviator, deviator)), trace / 3.0]
            pointwise += [values[..., k] for k in range(9, values.shape[2])]
            dofs = self._W.dofmap.list[cells, 0]
            for name, data in zip(self.names, pointwise, strict=True):
                self.fields[name].x.array[dofs] = data @ self._weights
            stress = self.fields["stress_Pa"].x.array.reshape(-1, 9)
            stress[self._WT.dofmap.list[cells, 0]] = np.einsum("cpk,p->ck", values[..., :9], self._weights)
        for function in self.fields.values():
            function.x.scatter_forward()
        return self.fields


def cell_averages(
    problem: MechanicsProblem, extra: Mapping[str, Callable[[str], Any]] | None = None
) -> dict[str, dolfinx.fem.Function]:
    """The :class:`CellAverages` fields of the problem's current state (one-off)."""
    return CellAverages(problem, extra).update()


class FacetTractions:
    """Normal and shear traction (Pa) per facet of one facet region, on a facet submesh (DG0)."""

    def __init__(self, problem: MechanicsProblem, spec: FacetSide) -> None:
        md = problem.meshdata
        mesh = md.mesh
        fdim = mesh.topology.dim - 1
        self.spec = spec
        facets = md.facet_tags.find(md.facet_id(spec.facets)).astype(np.int32)
        self.submesh, self._facets, _ = create_submesh(mesh, fdim, facets)  # submesh cell -> parent facet
        self._cells, self._normals, self._areas = self._sides(problem, spec)
        V = dolfinx.fem.functionspace(self.submesh, ("DG", 0))
        self._dofs = V.dofmap.list[: self._facets.size, 0]
        self.normal = dolfinx.fem.Function(V, name="normal_traction_Pa")
        self.shear = dolfinx.fem.Function(V, name="shear_traction_Pa")
        self._num_owned = self.submesh.topology.index_map(fdim).size_local
        self._comm = mesh.comm

    def _sides(self, problem: MechanicsProblem, spec: FacetSide) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Adjacent cell on the requested side, its outward unit normal and the area of each facet."""
        md = problem.meshdata
        mesh = md.mesh
        tdim, fdim = mesh.topology.dim, mesh.topology.dim - 1
        mesh.topology.create_connectivity(fdim, tdim)
        f2c = mesh.topology.connectivity(fdim, tdim)
        num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
        region_of = np.full(num_cells, -1, dtype=np.int64)
        region_of[md.cell_tags.indices] = md.cell_tags.values
        side = None if spec.side is None else md.cell_id(spec.side)
        num_owned = self.submesh.topology.index_map(fdim).size_local
        cells = np.full(self._facets.size, -1, dtype=np.int32)
        bad = 0
        for k, facet in enumerate(self._facets):
            adjacent = f2c.links(facet)
            if side is not None:
                adjacent = adjacent[region_of[adjacent] == side]
            if adjacent.size == 1:
                cells[k] = adjacent[0]
            elif k < num_owned:  # a ghost facet may lack its other cell here: its owner computes it
                bad += 1
        if mesh.comm.allreduce(bad, op=MPI.SUM):
            raise ParameterError(
                f"facet region {spec.facets!r}: facets without exactly one adjacent cell on side {spec.side!r}; "
                "interior facets need side = the cell region to take the traction from"
            )
        local = cells >= 0
        self._local = np.flatnonzero(local)
        normals, areas = np.zeros((cells.size, 3)), np.zeros(cells.size)
        if local.any():
            xyz = mesh.geometry.x[dolfinx.mesh.entities_to_geometry(mesh, fdim, self._facets[local])]
            n = np.cross(xyz[:, 1] - xyz[:, 0], xyz[:, 2] - xyz[:, 0])
            areas[local] = 0.5 * np.linalg.norm(n, axis=1)
            n /= 2.0 * areas[local][:, None]
            outward = xyz.mean(axis=1) - dolfinx.mesh.compute_midpoints(mesh, tdim, cells[local])
            normals[local] = n * np.sign(np.einsum("ij,ij->i", n, outward))[:, None]
        return cells, normals, areas

    def update(self, stress: dolfinx.fem.Function) -> None:
        """Tractions from the cell-averaged stress tensor (DG0, 3x3, ghosts up to date)."""
        WT = stress.function_space
        k = self._local
        n = self._normals[k]
        sigma = stress.x.array.reshape(-1, 3, 3)[WT.dofmap.list[self._cells[k], 0]]
        t = np.einsum("fij,fj->fi", sigma, n)
        tn = np.einsum("fi,fi->f", t, n)
        self.normal.x.array[self._dofs[k]] = tn
        self.shear.x.array[self._dofs[k]] = np.linalg.norm(t - tn[:, None] * n, axis=1)
        self.normal.x.scatter_forward()
        self.shear.x.scatter_forward()

    def mean_normal_traction_Pa(self) -> float:
        """Area-weighted mean normal traction over the region (Pa; global)."""
        owned = slice(0, self._num_owned)
        force = self._comm.allreduce(float(self.normal.x.array[self._dofs][owned] @ self._areas[owned]), op=MPI.SUM)
        area = self._comm.allreduce(float(self._areas[owned].sum()), op=MPI.SUM)
        return force / area

    @property
    def area_m2(self) -> float:
        """Area of the facet region (m2; global)."""
        return self._comm.allreduce(float(self._areas[: self._num_owned].sum()), op=MPI.SUM)


class MechanicsFieldWriter:
    """VTX time series of displacement, stresses, creep state and facet tractions (see the module docstring).

    Args:
        problem: the mechanics problem.
        directory: output folder (created; rank 0).
        tractions: facet regions (names, or FacetSide for interior ones) whose tractions to write.
        extra: further cell-averaged scalars, name -> (region name -> UFL scalar).

    Use as a context manager or call :meth:`close`.
    """

    def __init__(
        self,
        problem: MechanicsProblem,
        directory: str | Path,
        tractions: Sequence[str | FacetSide] = (),
        extra: Mapping[str, Callable[[str], Any]] | None = None,
    ) -> None:
        self.problem = problem
        self.directory = Path(directory)
        self.extra = dict(extra or {})
        comm = problem.meshdata.mesh.comm
        if comm.rank == 0:
            self.directory.mkdir(parents=True, exist_ok=True)
        comm.barrier()
        self.tractions = [FacetTractions(problem, t if isinstance(t, FacetSide) else FacetSide(t)) for t in tractions]
        self._averages = CellAverages(problem, self.extra)
        self.fields = self._averages.fields
        policy = dolfinx.io.VTXMeshPolicy.reuse
        scalars = [f for name, f in self.fields.items() if name != "stress_Pa"]
        groups: list[tuple[str, list[dolfinx.fem.Function]]] = [
            ("displacement_m.bp", [problem.u]),
            ("cell_fields.bp", scalars),
            ("stress_Pa.bp", [self.fields["stress_Pa"]]),
        ]
        groups += [(f"normal_traction_{t.spec.label}.bp", [t.normal, t.shear]) for t in self.tractions]
        self._writers = [
            dolfinx.io.VTXWriter(comm, self.directory / name, functions, engine="BP4", mesh_policy=policy)
            for name, functions in groups
        ]
        self.times: list[float] = []

    def update(self) -> None:
        """Recompute the cell averages and tractions from the problem's current state."""
        self._averages.update()
        for traction in self.tractions:
            traction.update(self.fields["stress_Pa"])

    def write(self, time_s: float | None = None) -> None:
        """Update and append one time step (default: the problem's time, s)."""
        t = self.problem.time_s if time_s is None else float(time_s)
        self.update()
        for writer in self._writers:
            writer.write(t)
        self.times.append(t)

    def close(self) -> None:
        for writer in self._writers:
            writer.close()
        self._writers = []

    def __enter__(self) -> MechanicsFieldWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
