"""Secondary current distribution in a single-ion electrolyte.

Electrolyte potential phi (V) in the electrolyte cells::

    -div(kappa grad phi) = 0                      in the electrolyte
    kappa grad phi . n = i(E_k - phi)             on electrode facets k (kinetics)
    phi = E_k                                     on ideal-contact electrode facets
    kappa grad phi . n = 0                        on voids and sides

n is the outward normal of the electrolyte and ``i(eta)`` the anodic-positive
Butler-Volmer current density (A/m2) entering the electrolyte, so stripping Li
at the working electrode is I > 0 (Newman & Thomas-Alyea, Electrochemical
Systems, 3rd ed., ch. 18).  The working electrode is Li (an equipotential at
E_w); the counter electrode has potential E_c (default 0 V, ideal contact).

Potentiostatic: E_w given.  Galvanostatic: the total working current I is
imposed and E_w found by a safeguarded secant iteration on I(E_w), each
evaluation one warm-started SNES solve (I(E_w) is monotone increasing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem._compat import interpolation_points
from fem.constants import ROOM_TEMPERATURE_K, thermal_voltage
from fem.materials import ButlerVolmer, Electrolyte, IdealContact, Kinetics
from fem.mesh_io import MeshData
from fem.solvers import NewtonSolver, NewtonStats, unique_prefix
from fem.validation import ParameterError

__all__ = [
    "Electrode",
    "CurrentSolution",
    "SecondaryCurrentProblem",
    "electrode_flux",
    "electrolyte_residual",
]


@dataclass(frozen=True, slots=True)
class Electrode:
    """An electrode boundary: facet region name and its kinetics."""

    facets: str
    kinetics: Kinetics


def electrode_flux(kinetics: ButlerVolmer, metal_potential: Any, phi: Any) -> Any:
    """UFL current density (A/m2) entering the electrolyte: i(E - phi), anodic positive."""
    return kinetics.current_density(metal_potential - phi, ufl.exp)


def electrolyte_residual(
    phi: Any, v: Any, kappa: Any, kinetic_terms: list[tuple[ButlerVolmer, Any, ufl.Measure]]
) -> ufl.Form:
    """Weak form of -div(kappa grad phi) = 0 with kinetic flux on electrode facets.

    ``kinetic_terms`` lists (kinetics, metal potential, facet measure[, weight]); there
    kappa grad phi . n = weight i(E - phi).  Residual in A (per unit test function).
    """
    residual = kappa * ufl.inner(ufl.grad(phi), ufl.grad(v)) * ufl.dx
    for kinetics, potential, region, *weight in kinetic_terms:
        residual -= (weight[0] if weight else 1.0) * electrode_flux(kinetics, potential, phi) * v * region
    return residual


@dataclass
class CurrentSolution:
    """Global results of one current solve (SI units; identical on every rank)."""

    working_potential_V: float
    counter_potential_V: float
    total_current_A: float
    reference_area_m2: float
    contact_area_m2: float
    peak_current_density_A_m2: float
    num_dofs: int
    stats: NewtonStats = field(default_factory=NewtonStats)
    potential_evaluations: int = 1

    @property
    def nominal_current_density_A_m2(self) -> float:
        """Total current over the reference (footprint) area."""
        return self.total_current_A / self.reference_area_m2

    @property
    def contact_current_density_A_m2(self) -> float:
        """Total current over the contacting area (mean local current density)."""
        return self.total_current_A / self.contact_area_m2

    @property
    def asr_ohm_m2(self) -> float:
        """Cell voltage over nominal current density (ohm m2)."""
        return (self.working_potential_V - self.counter_potential_V) / self.nominal_current_density_A_m2

    @property
    def hotspot_factor(self) -> float:
        """Peak local normal current density over the mean over the contact area."""
        return self.peak_current_density_A_m2 / self.contact_current_density_A_m2


def _global_sum(comm: MPI.Comm, value: float) -> float:
    return comm.allreduce(value, op=MPI.SUM)


def _assemble_scalar(form: dolfinx.fem.Form) -> float:
    return _global_sum(form.mesh.comm, dolfinx.fem.assemble_scalar(form))


class SecondaryCurrentProblem:
    """The secondary current distribution on the electrolyte cells of ``meshdata``.

    Args:
        meshdata: mesh containing (at least) the electrolyte, with facet markers.
        electrolyte: ionic conductivity.
        working: the Li electrode (default facets ``li_sse``).
        counter: the counter electrode (default ``top`` with ideal contact).
        degree: Lagrange degree of phi.
        reference_area_m2: area that defines nominal current density and ASR;
            default the counter-electrode area (the footprint of a planar cell).
        petsc_options: overrides of fem.solvers.ELLIPTIC_NEWTON_DEFAULTS.
        contact: optional field in [0, 1] on the electrolyte mesh (e.g. P1) that
            weights the working-electrode kinetics: 1 where Li touches the
            electrolyte, 0 where a void has opened (no flux).  Changing its
            values between solves changes the contact; the contact area is
            int contact ds.  Butler-Volmer working electrode only.
        exchange_current_factor: optional positive field multiplying the working
            electrode's i0 (a spatially varying exchange current density).
        potential_shift: optional field (V) added to the working metal's potential in its
            kinetics, eta = E_w + shift - phi: the mechanical contribution to the
            overpotential, Omega p / F for Li under a compressive normal stress p
            (Monroe & Newman, J. Electrochem. Soc. 152 (2005) A396); Butler-Volmer only.
    """

    def __init__(
        self,
        meshdata: MeshData,
        electrolyte: Electrolyte,
        working: Electrode,
        counter: Electrode | None = None,
        degree: int = 1,
        reference_area_m2: float | None = None,
        petsc_options: dict[str, Any] | None = None,
        contact: dolfinx.fem.Function | None = None,
        exchange_current_factor: dolfinx.fem.Function | None = None,
        potential_shift: dolfinx.fem.Function | None = None,
    ) -> None:
        self.meshdata = meshdata
        self.electrolyte = electrolyte
        self.working = working
        self.counter = counter or Electrode("top", IdealContact())
        mesh = meshdata.mesh
        self.V = dolfinx.fem.functionspace(mesh, ("Lagrange", degree))
        self.phi = dolfinx.fem.Function(self.V, name="electrolyte_potential_V")
        self.working_potential = dolfinx.fem.Constant(mesh, 0.0)
        self.counter_potential = dolfinx.fem.Constant(mesh, 0.0)
        self.kappa = dolfinx.fem.Constant(mesh, electrolyte.ionic_conductivity_S_m)
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=meshdata.facet_tags)
        self._ds_working = self.ds(meshdata.facet_id(self.working.facets))
        fields = (contact, exchange_current_factor, potential_shift)
        if any(f is not None for f in fields) and not isinstance(self.working.kinetics, ButlerVolmer):
            raise ParameterError(
                "contact / exchange_current_factor / potential_shift need Butler-Volmer kinetics at the working"
                " electrode"
            )
        self.contact = contact
        weight = 1.0
        for factor in (contact, exchange_current_factor):
            if factor is not None:
                weight = weight * factor
        #: UFL weight of the working-electrode kinetics (contact x i0 factor; 1 by default).
        self.working_weight = weight
        #: UFL potential (V) of the working metal in its kinetics: E_w, plus the shift if given.
        self.working_metal_potential = (
            self.working_potential if potential_shift is None else self.working_potential + potential_shift
        )

        v = ufl.TestFunction(self.V)
        kinetic_terms = []
        bcs = []
        for electrode, potential in (
            (self.working, self.working_metal_potential),
            (self.counter, self.counter_potential),
        ):
            if isinstance(electrode.kinetics, ButlerVolmer):
                region = self.ds(meshdata.facet_id(electrode.facets))
                kinetic_terms.append((electrode.kinetics, potential, region, self._weight_of(electrode)))
            else:
                bcs.append(self._dirichlet(electrode.facets, potential))
        # Nondimensionalise (divide by kappa * RT/F * l, l the cube root of the
        # volume) so the residual is O(h/l * dphi/(RT/F)) whatever the units and
        # size: absolute SNES tolerances then mean the same on every problem.
        volume = _assemble_scalar(dolfinx.fem.form(dolfinx.fem.Constant(mesh, 1.0) * ufl.dx))
        scale = dolfinx.fem.Constant(
            mesh,
            1.0 / (electrolyte.ionic_conductivity_S_m * thermal_voltage(ROOM_TEMPERATURE_K) * volume ** (1 / 3)),
        )
        self.residual = scale * electrolyte_residual(self.phi, v, self.kappa, kinetic_terms)
        self.bcs = bcs
        # The bulk operator is linear: assemble it once, kinetics per Newton step.
        linear = scale * self.kappa * ufl.inner(ufl.grad(ufl.TrialFunction(self.V)), ufl.grad(v)) * ufl.dx
        nonlinear = -scale * sum(
            weight * electrode_flux(kin, potential, self.phi) * v * region
            for kin, potential, region, weight in kinetic_terms
        )
        if kinetic_terms:
            self.solver = NewtonSolver(
                nonlinear, self.phi, bcs, unique_prefix("current"), petsc_options, linear_operator=linear
            )
        else:  # ideal contacts only: a linear problem, one Newton step
            self.solver = NewtonSolver(self.residual, self.phi, bcs, unique_prefix("current"), petsc_options)

        one = dolfinx.fem.Constant(mesh, 1.0)
        self._contact_area_form = dolfinx.fem.form((contact if contact is not None else one) * self._ds_working)
        counter_area = _assemble_scalar(dolfinx.fem.form(one * self.ds(meshdata.facet_id(self.counter.facets))))
        self.reference_area_m2 = reference_area_m2 or counter_area
        self._current_form = self._working_current_form()
        self._local_current = dolfinx.fem.Function(self.V, name="interface_current_density_A_m2")
        self._local_current_expr = self._local_current_expression()
        fdim = mesh.topology.dim - 1
        working_facets = meshdata.facet_tags.find(meshdata.facet_id(self.working.facets))
        self._working_dofs = dolfinx.fem.locate_dofs_topological(self.V, fdim, working_facets)
        # Cells with a working facet: the local current is interpolated there only (every working dof
        # lies in one), not over the whole mesh (at 1e6 dofs the full interpolation cost 1.7 s).
        mesh.topology.create_connectivity(fdim, mesh.topology.dim)
        self._working_cells = dolfinx.mesh.compute_incident_entities(
            mesh.topology, working_facets.astype(np.int32), fdim, mesh.topology.dim
        )

    # -- set-up helpers ---------------------------------------------------
    def working_flux(self) -> Any:
        """UFL local current density (A/m2) through the working electrode: weight x i(E_w + shift - phi)
        (Butler-Volmer working electrode only)."""
        return self.working_weight * electrode_flux(self.working.kinetics, self.working_metal_potential, self.phi)

    def _weight_of(self, electrode: Electrode) -> Any:
        return self.working_weight if electrode is self.working else 1.0

    @property
    def _contact_area(self) -> float:
        """Area (m2) of the working electrode in contact: int contact ds."""
        return _assemble_scalar(self._contact_area_form)

    def _dirichlet(self, facets: str, potential: dolfinx.fem.Constant) -> Any:
        mesh = self.meshdata.mesh
        entities = self.meshdata.facet_tags.find(self.meshdata.facet_id(facets))
        dofs = dolfinx.fem.locate_dofs_topological(self.V, mesh.topology.dim - 1, entities)
        return dolfinx.fem.dirichletbc(potential, dofs, self.V)

    def _indicator(self) -> dolfinx.fem.Function:
        """1 on the working-electrode dofs, 0 elsewhere (for the reaction current)."""
        chi = dolfinx.fem.Function(self.V)
        entities = self.meshdata.facet_tags.find(self.meshdata.facet_id(self.working.facets))
        dofs = dolfinx.fem.locate_dofs_topological(self.V, self.meshdata.mesh.topology.dim - 1, entities)
        chi.x.array[dofs] = 1.0
        chi.x.scatter_forward()
        return chi

    def _working_current_form(self) -> dolfinx.fem.Form:
        """Total working current (A): the kinetic flux integral, or for an ideal
        contact the variationally consistent reaction int kappa grad phi . grad chi."""
        kinetics = self.working.kinetics
        if isinstance(kinetics, ButlerVolmer):
            return dolfinx.fem.form(self.working_flux() * self._ds_working)
        chi = self._indicator()
        return dolfinx.fem.form(self.kappa * ufl.inner(ufl.grad(self.phi), ufl.grad(chi)) * ufl.dx)

    def _local_current_expression(self) -> dolfinx.fem.Expression | None:
        kinetics = self.working.kinetics
        if not isinstance(kinetics, ButlerVolmer):
            return None
        return dolfinx.fem.Expression(self.working_flux(), interpolation_points(self.V))

    # -- solves -----------------------------------------------------------
    def total_current(self) -> float:
        """Total current (A) entering the electrolyte at the working electrode."""
        return _assemble_scalar(self._current_form)

    def _solve_at(self, working_potential_V: float) -> tuple[float, NewtonStats]:
        self.working_potential.value = working_potential_V
        for bc in self.bcs:
            bc.set(self.phi.x.array)
        stats = self.solver.solve()
        return self.total_current(), stats

    def solve_potentiostatic(self, working_potential_V: float, counter_potential_V: float = 0.0) -> CurrentSolution:
        """Solve with the Li potential E_w and counter potential E_c (V) imposed."""
        self.counter_potential.value = counter_potential_V
        current, stats = self._solve_at(working_potential_V)
        return self._solution(current, stats, 1)

    def solve_galvanostatic(
        self,
        total_current_A: float,
        counter_potential_V: float = 0.0,
        rtol: float = 1e-10,
        max_evaluations: int = 40,
    ) -> CurrentSolution:
        """Find E_w such that the working current equals ``total_current_A`` (A).

        Safeguarded secant (regula falsi with the Illinois modification once a
        bracket is known) on the monotone function I(E_w); exact in one step
        for linear kinetics.  Raises RuntimeError if it does not converge.

        Each evaluation's Newton solve starts from the solution extrapolated
        linearly in E_w through the last two evaluations (error O(dE^2) instead
        of O(dE)): late secant steps then need no Newton step or one short one;
        if that start fails, the evaluation is repeated from the last solution.
        """
        self.counter_potential.value = counter_potential_V
        total = NewtonStats()
        target = total_current_A
        scale = abs(target) if target != 0.0 else 1.0
        history: list[tuple[float, np.ndarray]] = []  # (E_w, phi) of the last two evaluations

        def residual(e: float) -> float:
            last = self.phi.x.array.copy()
            if len(history) == 2 and history[1][0] != history[0][0]:
                (ea, pa), (eb, pb) = history
                self.phi.x.array[:] = pb + (e - eb) / (eb - ea) * (pb - pa)
            try:
                current, stats = self._solve_at(e)
            except PETSc.Error:
                if len(history) < 2:
                    raise
                self.phi.x.array[:] = last
                current, stats = self._solve_at(e)
            history.append((e, self.phi.x.array.copy()))
            del history[:-2]
            for key in ("newton_iterations", "krylov_iterations", "assembly_seconds", "solve_seconds"):
                setattr(total, key, getattr(total, key) + getattr(stats, key))
            return current - target

        e0 = float(self.working_potential.value)
        r0 = residual(e0)
        evaluations = 1
        if abs(r0) <= rtol * scale:
            return self._solution(r0 + target, total, evaluations)
        # Probe with a small step (a tenth of RT/F) to get the local conductance.
        e1 = e0 + math.copysign(2.5e-3, -r0)
        r1 = residual(e1)
        evaluations += 1
        bracket: tuple[float, float, float, float] | None = None
        while abs(r1) > rtol * scale:
            if evaluations >= max_evaluations:
                raise RuntimeError(
                    f"galvanostatic solve did not converge in {max_evaluations} evaluations "
                    f"(target {target:.6g} A, residual {r1:.3g} A at E = {e1:.6g} V)"
                )
            if r0 * r1 < 0.0:
                bracket = (e0, r0, e1, r1)
            if r1 == r0:
                raise RuntimeError("galvanostatic solve: current does not depend on the potential")
            e_new = e1 - r1 * (e1 - e0) / (r1 - r0)
            if bracket is not None:
                lo, rlo, hi, rhi = bracket
                a, b = sorted((lo, hi))
                if not (a < e_new < b):  # fall back to Illinois regula falsi
                    e_new = (lo * rhi - hi * rlo) / (rhi - rlo)
            e0, r0 = e1, r1
            e1, r1 = e_new, residual(e_new)
            evaluations += 1
        return self._solution(r1 + target, total, evaluations)

    # -- results ----------------------------------------------------------
    def _peak_current_density(self) -> float:
        if self._local_current_expr is None:
            return float("nan")  # ideal contact: singular at the contact edge
        self._local_current.interpolate(self._local_current_expr, self._working_cells)
        # The field is the current through the contact: zero on voids and in the bulk.
        off_contact = np.ones(self._local_current.x.array.size, dtype=bool)
        off_contact[self._working_dofs] = False
        self._local_current.x.array[off_contact] = 0.0
        owned = self.V.dofmap.index_map.size_local * self.V.dofmap.index_map_bs
        dofs = self._working_dofs[self._working_dofs < owned]
        local = float(np.max(self._local_current.x.array[dofs])) if dofs.size else -np.inf
        return self.V.mesh.comm.allreduce(local, op=MPI.MAX)

    def _solution(self, current: float, stats: NewtonStats, evaluations: int) -> CurrentSolution:
        return CurrentSolution(
            working_potential_V=float(self.working_potential.value),
            counter_potential_V=float(self.counter_potential.value),
            total_current_A=current,
            reference_area_m2=self.reference_area_m2,
            contact_area_m2=self._contact_area,
            peak_current_density_A_m2=self._peak_current_density(),
            num_dofs=self.V.dofmap.index_map.size_global * self.V.dofmap.index_map_bs,
            stats=stats,
            potential_evaluations=evaluations,
        )

    @property
    def working_dofs(self) -> np.ndarray:
        """Local indices of the dofs on the working-electrode facets (owned and ghost)."""
        return self._working_dofs

    def local_current_density(self) -> dolfinx.fem.Function:
        """Normal current density (A/m2) through the working-electrode contact, zero
        elsewhere; valid after a solve with Butler-Volmer kinetics."""
        return self._local_current

    def area_fraction_above(self, thresholds_A_m2: list[float]) -> list[float]:
        """Fraction of the contact area whose local current density exceeds each threshold.

        Area-weighted at quadrature points (exact distribution function of the
        discrete solution), Butler-Volmer kinetics only.
        """
        kinetics = self.working.kinetics
        if not isinstance(kinetics, ButlerVolmer):
            raise ValueError("the local current distribution needs Butler-Volmer kinetics")
        level = dolfinx.fem.Constant(self.V.mesh, 0.0)
        flux = self.working_flux()
        contact = self.contact if self.contact is not None else 1.0
        form = dolfinx.fem.form(contact * ufl.conditional(ufl.gt(flux, level), 1.0, 0.0) * self._ds_working)
        fractions = []
        for threshold in thresholds_A_m2:
            level.value = threshold
            fractions.append(_assemble_scalar(form) / self._contact_area)
        return fractions

    def current_density_field(self) -> dolfinx.fem.Function:
        """Ionic current density -kappa grad phi (A/m2) as a discontinuous P1 vector field."""
        mesh = self.V.mesh
        space = dolfinx.fem.functionspace(mesh, ("Discontinuous Lagrange", 1, (mesh.geometry.dim,)))
        field_ = dolfinx.fem.Function(space, name="current_density_A_m2")
        expr = dolfinx.fem.Expression(-self.kappa * ufl.grad(self.phi), interpolation_points(space))
        field_.interpolate(expr)
        return field_
