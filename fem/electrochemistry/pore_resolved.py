"""Pore-resolved deposition in a 3D host: electronic + ionic potentials with interface kinetics.

Unknowns (V): the electronic potential phi_s in the conducting solids (the
scaffold regions "host" / "host_layer_k" and any "lithium"), the ionic
potential phi_e in the electrolyte ("sse": the pores and the separator)::

    -div(sigma_R grad phi_s) = 0       in each conducting solid region R
    -div(kappa grad phi_e) = 0         in the electrolyte
    -sigma grad phi_s . n_s = j        on solid | electrolyte interfaces (j leaves the solid)
    -kappa grad phi_e . n_e = -j       (j enters the electrolyte: charge is conserved)
    j = i0_R [exp(alpha_a f eta) - exp(-alpha_c f eta)],  eta = phi_s - phi_e  (U = 0 vs Li/Li+)
    phi_s = 0                          on the current collector (bottom)
    -kappa grad phi_e . n = J          on the counter electrode (top), J the superficial
                                       current density, anodic positive (plating J < 0)

Anodic (stripping) j is positive; plating makes j < 0 and deposits a Li
thickness rate -j Omega / F.  Each solid region R has its own electronic
conductivity sigma_R and exchange current density i0_R on its interfaces with
the electrolyte: a lithiophilic coating (Au, ZnO) raises i0, a lithiophobic or
insulating one (Al2O3) lowers or blocks it, and ``reactive`` restricts the
kinetics to part of a region's surface (a coated cap, say).  A region with
sigma_R = 0 is inert: no electronic potential, no reaction.  The bottom
electrolyte facets react against the collector at 0 V with their own i0
(``collector_exchange_current_density_A_m2``, default 0: blocked).

Discretisation.  Both potentials are Lagrange fields of one mixed space on the
whole host mesh; a phi_s dof that belongs to no conducting solid cell and a
phi_e dof that belongs to no electrolyte cell are removed (an identity row,
value 0), so each potential lives only on its own cells.  This is the discrete
problem of two submeshes (the same unknowns, the same equations) assembled
without entity maps: an interface node carries both potentials, whose
difference is the double-layer overpotential.  The interface reaction is
integrated from the solid cell's side with explicit (cell, local facet) pairs,
so no ghost cells are needed and every interface facet counts once in
parallel (the toolkit distributes gmsh meshes without ghosts, see
fem._compat.gmsh_model_to_mesh).  The reaction integrals of the residual and
of the reported totals share one quadrature rule, so the total reaction equals
the applied current to solver tolerance.

Newton (SNES) with voltage limiting and current ramping (fem.electrochemistry.galvanostatic);
a direct LU solve (MUMPS) by default: the scaffold and electrolyte
conductivities differ by up to 8 orders of magnitude.  For large meshes pass
:data:`ITERATIVE_OPTIONS` (GMRES with a block Gauss-Seidel field split, AMG on
each potential).

References: Newman & Thomas-Alyea, Electrochemical Systems, 3rd ed. (2004),
ch. 8 and 22; Pu et al., Nat. Commun. 10 (2019) 1896 (gradient hosts).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import basix.ufl
import dolfinx
import dolfinx.fem.petsc
import dolfinx.mesh
import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem._compat import collapse
from fem.constants import thermal_voltage
from fem.electrochemistry.effective_properties import footprint_area_m2, host_thickness_m
from fem.electrochemistry.galvanostatic import OverpotentialLimiter, forget_options, ramp_current, split_potentials
from fem.electrochemistry.porous_electrode import DIRECT_NEWTON_OPTIONS, DepositionResult, VolumeKinetics
from fem.materials import Electrolyte
from fem.mesh_io import MeshData
from fem.solvers import ELLIPTIC_NEWTON_DEFAULTS, NewtonSolver, unique_prefix
from fem.validation import ParameterError, check_choice, check_range

__all__ = [
    "SolidRegion",
    "ResolvedDepositionResult",
    "ResolvedDepositionProblem",
    "ITERATIVE_OPTIONS",
    "INTERFACE_FACETS",
]

#: Facet regions where a solid meets the electrolyte.
INTERFACE_FACETS: tuple[str, ...] = ("host_sse", "li_sse")

#: Newton with GMRES and a multiplicative (block Gauss-Seidel) field split, BoomerAMG on phi_s and on phi_e
#: (the 3D settings of fem.solvers.ELLIPTIC_NEWTON_DEFAULTS), for large meshes.
ITERATIVE_OPTIONS: dict[str, Any] = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "basic",
    "snes_rtol": 1e-10,
    "snes_max_it": 60,
    "snes_lag_preconditioner": 1,
    "snes_ksp_ew": True,
    "snes_ksp_ew_rtol0": 0.01,
    "ksp_type": "gmres",
    "ksp_gmres_restart": 200,
    "ksp_norm_type": "unpreconditioned",
    "ksp_rtol": 1e-10,
    "ksp_atol": 1e-14,
    "ksp_max_it": 2000,
    "pc_type": "fieldsplit",
    "pc_fieldsplit_type": "multiplicative",
    **{
        f"fieldsplit_{field}_{key}": value
        for field in ("solid", "ionic")
        for key, value in {
            "ksp_type": "preonly",
            **{key: value for key, value in ELLIPTIC_NEWTON_DEFAULTS.items() if key.startswith("pc_")},
        }.items()
    },
}

_TOP_ID, _COLLECTOR_ID = 1, 2  # ids of the boundary integrals; zone k has id 10 + k

Predicate = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, slots=True)
class SolidRegion:
    """A conducting (or inert) solid cell region and the kinetics on its electrolyte interfaces.

    Attributes:
        name: cell region name ("host", "host_layer_k", "lithium").
        conductivity_S_m: electronic conductivity sigma (S/m), >= 0; 0 makes the
            region inert (no potential, no reaction): an insulating coating layer.
        exchange_current_density_A_m2: i0 on the region's interfaces with the
            electrolyte (A/m2), >= 0 (0: blocked).
        reactive: optional vectorised predicate on facet midpoints x (gdim, n) (m):
            only those interface facets react (the others are blocked).
    """

    name: str
    conductivity_S_m: float
    exchange_current_density_A_m2: float
    reactive: Predicate | None = None

    def __post_init__(self) -> None:
        check_range(f"{self.name}.conductivity_S_m", self.conductivity_S_m, 0.0, math.inf, low_inclusive=True,
                    unit="S/m")  # fmt: skip
        check_range(f"{self.name}.exchange_current_density_A_m2", self.exchange_current_density_A_m2, 0.0,
                    math.inf, low_inclusive=True, unit="A/m2")  # fmt: skip

    @property
    def conducts(self) -> bool:
        return self.conductivity_S_m > 0.0

    @property
    def reacts(self) -> bool:
        return self.conducts and self.exchange_current_density_A_m2 > 0.0


@dataclass
class ResolvedDepositionResult(DepositionResult):
    """A :class:`DepositionResult` from the resolved model; depth profiles are binned.

    Profiles are per depth bin (``z_m`` the bin centres): reaction per bin
    volume (A/m3), the mean current density over the reacting area of the bin
    (A/m2), the area-weighted overpotential, the electrolyte volume fraction
    and the reacting area per volume (1/m).  The collector's reaction (if any)
    is in the first bin.

    Extra attributes:
        peak_local_current_density_A_m2: largest |j| averaged over the
            reacting facets of one cell (A/m2).
        collector_fraction: share of the reaction on the current collector.
        active_dofs: dofs of phi_s and phi_e that are not removed.
    """

    peak_local_current_density_A_m2: float = math.nan
    collector_fraction: float = 0.0
    active_dofs: int = 0

    @property
    def peak_interface_current_density_A_m2(self) -> float:  # type: ignore[override]
        """max |j| over the scaffold surface, facet-averaged per cell (A/m2)."""
        return self.peak_local_current_density_A_m2


def _cell_regions(meshdata: MeshData) -> np.ndarray:
    """Region marker of every local cell (owned and ghost), -1 where untagged."""
    mesh = meshdata.mesh
    tdim = mesh.topology.dim
    num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    regions = np.full(num_cells, -1, dtype=np.int32)
    regions[meshdata.cell_tags.indices] = meshdata.cell_tags.values
    return regions


def one_sided_facets(meshdata: MeshData, facets: np.ndarray, side: np.ndarray) -> np.ndarray:
    """Flattened (cell, local facet) pairs of ``facets`` seen from an owned cell where ``side`` is True.

    ``side`` is a boolean per local cell.  A facet with no owned cell on that
    side on this rank is left to the rank that owns it.  Returns int32 pairs
    [c0, f0, c1, f1, ...] for a "ds" measure's subdomain data.
    """
    mesh = meshdata.mesh
    tdim = mesh.topology.dim
    mesh.topology.create_connectivity(tdim - 1, tdim)
    mesh.topology.create_connectivity(tdim, tdim - 1)
    f2c = mesh.topology.connectivity(tdim - 1, tdim)
    c2f = mesh.topology.connectivity(tdim, tdim - 1)
    num_owned = mesh.topology.index_map(tdim).size_local
    owned_side = side.copy()
    owned_side[num_owned:] = False
    facets = np.asarray(facets, dtype=np.int32)
    start, count = f2c.offsets[facets], np.diff(f2c.offsets)[facets]
    first = f2c.array[start]
    second = np.where(count > 1, f2c.array[np.minimum(start + 1, f2c.array.size - 1)], first)
    cell = np.where(owned_side[first], first, np.where((count > 1) & owned_side[second], second, -1))
    keep = cell >= 0
    facets, cell = facets[keep], cell[keep]
    per_cell = c2f.offsets[1] - c2f.offsets[0]
    cell_facets = c2f.array.reshape(-1, per_cell)[cell]
    local = np.argmax(cell_facets == facets[:, None], axis=1)
    pairs = np.column_stack([cell, local]).astype(np.int32)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))].reshape(-1)


def _facet_midpoints(meshdata: MeshData, facets: np.ndarray) -> np.ndarray:
    fdim = meshdata.mesh.topology.dim - 1
    return dolfinx.mesh.compute_midpoints(meshdata.mesh, fdim, facets.astype(np.int32)).T


class ResolvedDepositionProblem:
    """Galvanostatic plating (or stripping) into a pore-resolved host.

    Args:
        meshdata: the host mesh with cell regions sse plus the solids and the
            facet regions bottom, top and the interfaces (host_sse, li_sse).
        solids: every solid cell region of the mesh with its conductivity and i0.
        electrolyte: the electrolyte in the pores and the separator (kappa, S/m).
        kinetics: transfer coefficients, temperature and law (default symmetric Butler-Volmer).
        collector_exchange_current_density_A_m2: i0 where the electrolyte touches the collector.
        degree: Lagrange degree of both potentials (1 or 2).
        profile_bins: depth bins of the reported profiles over [0, H].
        petsc_options: overrides of :data:`fem.electrochemistry.porous_electrode.DIRECT_NEWTON_OPTIONS`
            (e.g. :data:`ITERATIVE_OPTIONS`).
        extra_residual: for verification (manufactured solutions): a callable
            (problem, phi_s, phi_e, v_s, v_e) -> (solid terms, ionic terms), UFL
            forms (or 0) added to the two equations before scaling.
    """

    def __init__(
        self,
        meshdata: MeshData,
        solids: Sequence[SolidRegion],
        electrolyte: Electrolyte,
        kinetics: VolumeKinetics | None = None,
        collector_exchange_current_density_A_m2: float = 0.0,
        degree: int = 1,
        profile_bins: int = 30,
        petsc_options: dict[str, Any] | None = None,
        extra_residual: Callable[..., tuple[Any, Any]] | None = None,
    ) -> None:
        check_choice("degree", str(degree), ("1", "2"))
        check_range("profile_bins", profile_bins, 3, 10000, low_inclusive=True, high_inclusive=True)
        check_range("collector_exchange_current_density_A_m2", collector_exchange_current_density_A_m2, 0.0,
                    math.inf, low_inclusive=True, unit="A/m2")  # fmt: skip
        self.meshdata, self.electrolyte = meshdata, electrolyte
        self.solids = tuple(solids)
        self.kinetics = kinetics or VolumeKinetics()
        self.collector_i0 = float(collector_exchange_current_density_A_m2)
        self.profile_bins = int(profile_bins)
        self._check_regions()
        mesh = meshdata.mesh
        self.comm = mesh.comm
        self.axis = mesh.geometry.dim - 1
        self.thickness_m = host_thickness_m(meshdata)
        self.footprint_m2 = footprint_area_m2(meshdata)
        element = basix.ufl.element("Lagrange", mesh.basix_cell(), degree)
        self.W = dolfinx.fem.functionspace(mesh, basix.ufl.mixed_element([element, element]))
        self.w = dolfinx.fem.Function(self.W, name="potentials_V")
        self.current_density = dolfinx.fem.Constant(mesh, 0.0)
        self._regions = _cell_regions(meshdata)
        self.dx = ufl.Measure("dx", domain=mesh, subdomain_data=meshdata.cell_tags)
        quadrature = {"quadrature_degree": 2 * degree + 2}
        self._integration_data = dict(self._facet_integration_data())
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=list(self._integration_data.items()),
                              metadata=quadrature)  # fmt: skip
        self._sub_dofs = [collapse(self.W.sub(k))[1] for k in (0, 1)]
        self.bcs, self._active = self._boundary_conditions()
        prefix = unique_prefix("pore_resolved")
        options = {**DIRECT_NEWTON_OPTIONS, **(petsc_options or {})}
        phi_s, phi_e = ufl.split(self.w)
        v_s, v_e = ufl.TestFunctions(self.W)
        self.solver = NewtonSolver(self._residual(phi_s, phi_e, v_s, v_e, extra_residual), self.w, self.bcs, prefix,
                                   options)  # fmt: skip
        if options.get("pc_type") == "fieldsplit":
            self._set_fieldsplit()
        forget_options(prefix, keep="fieldsplit_")  # the split solvers read theirs at the first solve
        if self.kinetics.law == "butler-volmer":
            OverpotentialLimiter(*self._interface_dof_pairs(), self.comm).attach(self.solver)
        self._metrics = self._metric_forms()

    # -- set-up -------------------------------------------------------------
    def _check_regions(self) -> None:
        md = self.meshdata
        present = set().union(*md.mesh.comm.allgather(set(np.unique(md.cell_tags.values).tolist())))
        names = {name for name, marker in md.markers["cells"].items() if marker in present}
        given = [s.name for s in self.solids]
        if len(set(given)) != len(given):
            raise ParameterError(f"solids lists a region twice: {given}")
        unknown = [name for name in given if name not in names]
        if unknown:
            raise ParameterError(f"solids names {unknown}, not cell regions of this mesh ({sorted(names)})")
        missing = sorted(names - set(given) - {"sse"})
        if missing:
            raise ParameterError(f"the solid regions {missing} of the mesh have no SolidRegion in solids")
        if "sse" not in names:
            raise ParameterError("the mesh has no electrolyte cells (region 'sse')")
        if not any(s.conducts for s in self.solids):
            raise ParameterError("every solid has conductivity_S_m = 0: nothing carries the electrons")
        if not any(s.reacts for s in self.solids):
            raise ParameterError("no solid surface can react: every conducting region has i0 = 0")

    def _cells_of(self, solids: Sequence[SolidRegion]) -> np.ndarray:
        markers = [self.meshdata.cell_id(s.name) for s in solids]
        return np.isin(self._regions, markers)

    def _zone_facets(self, solid: SolidRegion) -> np.ndarray:
        """(cell, local facet) pairs of ``solid``'s reacting interface facets, from its side."""
        md = self.meshdata
        ids = [md.facet_id(name) for name in INTERFACE_FACETS]
        facets = md.facet_tags.indices[np.isin(md.facet_tags.values, ids)]
        if solid.reactive is not None and facets.size:
            facets = facets[np.asarray(solid.reactive(_facet_midpoints(md, facets)), dtype=bool)]
        return one_sided_facets(md, facets, self._cells_of([solid]))

    def _facet_integration_data(self) -> list[tuple[int, np.ndarray]]:
        md = self.meshdata
        electrolyte = self._regions == md.cell_id("sse")
        data = [
            (_TOP_ID, one_sided_facets(md, md.facet_tags.find(md.facet_id("top")), electrolyte)),
            (_COLLECTOR_ID, one_sided_facets(md, md.facet_tags.find(md.facet_id("bottom")), electrolyte)),
        ]
        data += [(10 + k, self._zone_facets(s)) for k, s in enumerate(self.solids) if s.reacts]
        return data

    @property
    def reacting_zones(self) -> list[tuple[int, SolidRegion]]:
        """(integral id, region) of every region whose surface reacts."""
        return [(10 + k, s) for k, s in enumerate(self.solids) if s.reacts]

    @property
    def interface_measure(self) -> Any:
        """The reacting solid | electrolyte facets, integrated from the solid side."""
        return sum((self.ds(i) for i, _ in self.reacting_zones[1:]), self.ds(self.reacting_zones[0][0]))

    def _active_dofs(self, sub: int, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(active, inactive) local dofs of sub-space ``sub``: does a dof touch ``cells`` on any rank?"""
        marks = dolfinx.fem.Function(self.W)
        dofs = self.W.sub(sub).dofmap.list[np.flatnonzero(cells)].reshape(-1)
        marks.x.array[dofs] = 1.0
        marks.x.scatter_reverse(dolfinx.la.InsertMode.add)
        marks.x.scatter_forward()
        sub_dofs = self._sub_dofs[sub]
        touched = marks.x.array[sub_dofs] > 0.0
        return np.sort(sub_dofs[touched]), np.sort(sub_dofs[~touched])

    def _boundary_conditions(self) -> tuple[list[Any], dict[str, np.ndarray]]:
        md, mesh = self.meshdata, self.meshdata.mesh
        fdim = mesh.topology.dim - 1
        zero = dolfinx.fem.Constant(mesh, 0.0)
        conducting = self._cells_of([s for s in self.solids if s.conducts])
        solid_active, solid_inactive = self._active_dofs(0, conducting)
        ionic_active, ionic_inactive = self._active_dofs(1, self._regions == md.cell_id("sse"))
        collector = dolfinx.fem.locate_dofs_topological(self.W.sub(0), fdim, md.facet_tags.find(md.facet_id("bottom")))
        removed_s = np.union1d(solid_inactive, collector).astype(np.int32)
        bcs = [
            dolfinx.fem.dirichletbc(zero, removed_s, self.W.sub(0)),
            dolfinx.fem.dirichletbc(zero, ionic_inactive.astype(np.int32), self.W.sub(1)),
        ]
        return bcs, {"solid": solid_active, "ionic": ionic_active}

    def _interface_dof_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Local (phi_s, phi_e) dofs at the same node where both potentials are active."""
        solid = self.W.sub(0).dofmap.list.reshape(-1)
        ionic = self.W.sub(1).dofmap.list.reshape(-1)
        pairs = np.unique(np.column_stack([solid, ionic]), axis=0)
        both = np.isin(pairs[:, 0], self._active["solid"]) & np.isin(pairs[:, 1], self._active["ionic"])
        return pairs[both, 0], pairs[both, 1]

    def _set_fieldsplit(self) -> None:
        """Tell the field split which rows are phi_s and which phi_e (owned, global numbering)."""
        index_map = self.W.dofmap.index_map
        owned, start = index_map.size_local, index_map.local_range[0]
        pc = self.solver.snes.getKSP().getPC()
        splits = []
        for name, sub in (("solid", 0), ("ionic", 1)):
            dofs = self._sub_dofs[sub].astype(np.int64)
            dofs = dofs[dofs < owned] + start
            splits.append((name, PETSc.IS().createGeneral(dofs.astype(PETSc.IntType), comm=self.comm)))
        pc.setFieldSplitIS(*splits)
        pc.setFromOptions()

    def reaction(self, phi_s: Any, phi_e: Any, solid: SolidRegion) -> Any:
        """j (A/m2) on ``solid``'s surface as UFL, anodic positive."""
        return self.kinetics.current_density(solid.exchange_current_density_A_m2, phi_s - phi_e, ufl.exp)

    def _collector_reaction(self, phi_e: Any) -> Any:
        return self.kinetics.current_density(self.collector_i0, -phi_e, ufl.exp)

    def _residual(self, phi_s: Any, phi_e: Any, v_s: Any, v_e: Any, extra: Callable[..., Any] | None) -> ufl.Form:
        """Both equations divided by conductivity x RT/F x H^(d-2) (O(1) residuals)."""
        md, mesh = self.meshdata, self.meshdata.mesh
        H, d = self.thickness_m, mesh.topology.dim
        vt = thermal_voltage(self.kinetics.temperature_K)
        kappa = self.electrolyte.ionic_conductivity_S_m
        sigma_ref = max(s.conductivity_S_m for s in self.solids)
        solid = sum(
            s.conductivity_S_m * ufl.inner(ufl.grad(phi_s), ufl.grad(v_s)) * self.dx(md.cell_id(s.name))
            for s in self.solids
            if s.conducts
        )
        ionic = kappa * ufl.inner(ufl.grad(phi_e), ufl.grad(v_e)) * self.dx(md.cell_id("sse"))
        ionic += self.current_density * v_e * self.ds(_TOP_ID)
        for zone, region in self.reacting_zones:
            j = self.reaction(phi_s, phi_e, region)
            solid += j * v_s * self.ds(zone)
            ionic -= j * v_e * self.ds(zone)
        if self.collector_i0 > 0.0:
            ionic -= self._collector_reaction(phi_e) * v_e * self.ds(_COLLECTOR_ID)
        inert = [md.cell_id(s.name) for s in self.solids if not s.conducts]
        if inert:  # a zero term, so that the sparsity pattern has the rows of the removed dofs there
            solid += dolfinx.fem.Constant(mesh, 0.0) * (phi_s * v_s + phi_e * v_e) * self.dx(tuple(inert))
        if extra is not None:
            extra_solid, extra_ionic = extra(self, phi_s, phi_e, v_s, v_e)
            solid, ionic = solid + extra_solid, ionic + extra_ionic
        scale = vt * H ** (d - 2)
        return (1.0 / (sigma_ref * scale)) * solid + (1.0 / (kappa * scale)) * ionic

    # -- metrics --------------------------------------------------------------
    def _metric_forms(self) -> dict[str, dolfinx.fem.Form]:
        """Per-cell (DG0) integrals over the reacting facets, and the top-face averages."""
        mesh = self.meshdata.mesh
        phi_s, phi_e = ufl.split(self.w)
        self.Q0 = dolfinx.fem.functionspace(mesh, ("Discontinuous Lagrange", 0))
        q = ufl.TestFunction(self.Q0)
        one = dolfinx.fem.Constant(mesh, 1.0)
        rate = sum(self.reaction(phi_s, phi_e, s) * q * self.ds(i) for i, s in self.reacting_zones)
        forms = {
            "rate": rate,
            "area": one * q * self.interface_measure,
            "eta": (phi_s - phi_e) * q * self.interface_measure,
            "volume": one * q * self.dx(self.meshdata.cell_id("sse")),
        }
        compiled = {key: dolfinx.fem.form(form) for key, form in forms.items()}
        compiled["top_potential"] = dolfinx.fem.form(phi_e * self.ds(_TOP_ID))
        compiled["top_area"] = dolfinx.fem.form(one * self.ds(_TOP_ID))
        compiled["collector"] = dolfinx.fem.form(self._collector_reaction(phi_e) * self.ds(_COLLECTOR_ID))
        return compiled

    def _owned_cell_values(self, key: str) -> np.ndarray:
        vector = dolfinx.fem.assemble_vector(self._metrics[key])
        return vector.array[: self.Q0.dofmap.index_map.size_local].copy()

    def _scalar(self, key: str) -> float:
        return self.comm.allreduce(dolfinx.fem.assemble_scalar(self._metrics[key]), op=MPI.SUM)

    def cell_current_density(self) -> dolfinx.fem.Function:
        """DG0 field: j averaged over each cell's reacting facets (A/m2), 0 elsewhere; for VTX output."""
        rate, area = self._owned_cell_values("rate"), self._owned_cell_values("area")
        field_ = dolfinx.fem.Function(self.Q0, name="interface_current_density_A_m2")
        owned = rate.size
        with np.errstate(divide="ignore", invalid="ignore"):
            field_.x.array[:owned] = np.where(area > 0.0, rate / np.where(area > 0.0, area, 1.0), 0.0)
        field_.x.scatter_forward()
        return field_

    def interface_triangles(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Collective: every solid | electrolyte interface facet, gathered to rank 0 for 3D figures.

        Returns (vertices (n, d, gdim) in m, values (n,)) on rank 0 and None
        elsewhere: the value is the solid cell's facet-averaged current density
        (A/m2, :meth:`cell_current_density`), NaN on facets that do not react
        (blocked, inert).  Each facet appears once (seen from its owned solid cell).
        """
        md, mesh = self.meshdata, self.meshdata.mesh
        tdim = mesh.topology.dim
        ids = [md.facet_id(name) for name in INTERFACE_FACETS]
        facets = md.facet_tags.indices[np.isin(md.facet_tags.values, ids)]
        solid = self._cells_of(self.solids)
        pairs = one_sided_facets(md, facets, solid).reshape(-1, 2)
        c2f = mesh.topology.connectivity(tdim, tdim - 1)
        per_cell = c2f.offsets[1] - c2f.offsets[0]
        facet_of_pair = c2f.array.reshape(-1, per_cell)[pairs[:, 0], pairs[:, 1]] if pairs.size else np.zeros(0, int)
        current = self.cell_current_density().x.array
        reacting = {
            tuple(p) for zone, _ in self.reacting_zones for p in self._integration_data[zone].reshape(-1, 2).tolist()
        }
        values = np.array([current[c] if (c, f) in reacting else np.nan for c, f in pairs.tolist()], dtype=float)
        vertices = (
            mesh.geometry.x[dolfinx.mesh.entities_to_geometry(mesh, tdim - 1, facet_of_pair.astype(np.int32), False)]
            if facet_of_pair.size
            else np.zeros((0, tdim, 3))
        )
        parts = mesh.comm.gather((vertices, values), root=0)
        if mesh.comm.rank != 0:
            return None
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _binned(self, z: np.ndarray, weights: np.ndarray, edges: np.ndarray) -> np.ndarray:
        local = np.histogram(np.clip(z, edges[0], edges[-1]), bins=edges, weights=weights)[0]
        return self.comm.allreduce(local, op=MPI.SUM)

    def _result(self, current: float, stats: Any, steps: int) -> ResolvedDepositionResult:
        mesh, H, A = self.meshdata.mesh, self.thickness_m, self.footprint_m2
        tdim = mesh.topology.dim
        owned = self.Q0.dofmap.index_map.size_local
        z = dolfinx.mesh.compute_midpoints(mesh, tdim, np.arange(owned, dtype=np.int32))[:, self.axis]
        rate, area = self._owned_cell_values("rate"), self._owned_cell_values("area")
        eta, volume = self._owned_cell_values("eta"), self._owned_cell_values("volume")
        collector = self._scalar("collector")
        total = self.comm.allreduce(float(rate.sum()), op=MPI.SUM) + collector
        moment = self.comm.allreduce(float(np.dot(z, rate)), op=MPI.SUM)  # the collector sits at z = 0
        bottom = self.comm.allreduce(float(rate[z < H / 3.0].sum()), op=MPI.SUM) + collector
        top = self.comm.allreduce(float(rate[z > 2.0 * H / 3.0].sum()), op=MPI.SUM)
        edges = np.linspace(0.0, H, self.profile_bins + 1)
        dz = np.diff(edges)
        inside = z < H
        bin_rate = self._binned(z[inside], rate[inside], edges)
        bin_rate[0] += collector
        bin_area, bin_eta = self._binned(z[inside], area[inside], edges), self._binned(z[inside], eta[inside], edges)
        bin_volume = self._binned(z[inside], volume[inside], edges)
        with np.errstate(divide="ignore", invalid="ignore"):
            j_bin = np.where(bin_area > 0.0, bin_rate / np.where(bin_area > 0.0, bin_area, 1.0), 0.0)
            eta_bin = np.where(bin_area > 0.0, bin_eta / np.where(bin_area > 0.0, bin_area, 1.0), 0.0)
            local_peak = np.abs(np.where(area > 0.0, rate / np.where(area > 0.0, area, 1.0), 0.0))
        peak = self.comm.allreduce(float(local_peak.max(initial=0.0)), op=MPI.MAX)
        top_area = self._scalar("top_area")
        active = sum(self.comm.allreduce(int(np.count_nonzero(d < self.W.dofmap.index_map.size_local)))
                     for d in self._active.values())  # fmt: skip
        return ResolvedDepositionResult(
            current_density_A_m2=current,
            reaction_total_A_m2=total / A,
            fraction_bottom=bottom / total,
            fraction_middle=1.0 - (bottom + top) / total,
            fraction_top=top / total,
            bottom_up_index=1.0 - 2.0 * moment / (total * H),
            counter_potential_V=self._scalar("top_potential") / top_area,
            host_thickness_m=H,
            z_m=0.5 * (edges[1:] + edges[:-1]),
            reaction_rate_A_m3=bin_rate / (A * dz),
            interface_current_density_A_m2=j_bin,
            overpotential_V=eta_bin,
            porosity=bin_volume / (A * dz),
            specific_area_1_m=bin_area / (A * dz),
            num_dofs=self.W.dofmap.index_map.size_global * self.W.dofmap.index_map_bs,
            stats=stats,
            continuation_steps=steps,
            peak_local_current_density_A_m2=peak,
            collector_fraction=collector / total,
            active_dofs=active,
        )

    # -- solve ----------------------------------------------------------------
    def solve_galvanostatic(self, current_density_A_m2: float) -> ResolvedDepositionResult:
        """Solve at the superficial current density J (A/m2, anodic positive; plating J < 0).

        Newton starts from the last solution and ramps the current if that
        fails (fem.electrochemistry.galvanostatic.ramp_current).  Raises PETSc.Error on failure.
        """
        target = float(current_density_A_m2)
        if target == 0.0 or not math.isfinite(target):
            raise ParameterError(f"current_density_A_m2 = {target!r}: must be finite and nonzero")
        stats, steps = ramp_current(self.solver, self.w, self.current_density, target)
        return self._result(target, stats, steps)

    def potentials(self) -> tuple[dolfinx.fem.Function, dolfinx.fem.Function]:
        """Collapsed copies (phi_s, phi_e) of the last solution (0 where a potential is removed)."""
        return split_potentials(self.w)

    def destroy(self) -> None:
        self.solver.destroy()
