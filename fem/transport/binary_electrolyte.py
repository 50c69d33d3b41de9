"""Salt concentration and potential in a binary electrolyte between Li electrodes (Newman).

Unknowns: the salt concentration c (mol/m3) and the electrolyte potential phi
(V, measured by a Li reference electrode at the local concentration) on the
electrolyte cells of any tagged mesh (1D, 2D or 3D); concentrated-solution
theory for a 1:1 salt (Newman & Thomas-Alyea, Electrochemical Systems, 3rd
ed., ch. 12; Doyle, Fuller & Newman, J. Electrochem. Soc. 140 (1993) 1526)::

    dc/dt + div N = 0,      N = -D grad c + t+ i / F        (cation flux, no convection)
    div i = 0,              i = -kappa grad phi + kappa_D grad ln c,
                            kappa_D = 2 kappa (RT/F) (1 - t+)(1 + dln f/dln c)

with kappa, D, t+ and the thermodynamic factor functions of c and T
(fem.transport.electrolytes).  On an electrode facet (outward normal n of the
electrolyte) Li+ leaves or enters with the Faradaic current::

    N . n = i_n / F,   i . n = i_n,   i_n = -i_BV(c, E - phi)   (i_n > 0 plating)

with Butler-Volmer kinetics whose exchange current depends on c; all other
boundaries are insulating.  The mass balance is kept in conservative form, so
the salt in the cell changes only by the difference of the electrode currents,
which the charge balance makes zero: salt is conserved to solver tolerance.

Time: backward Euler with an adaptive step (target change of c per step,
growth limit, step halving when Newton fails).  Galvanostatic: the total
plating current at the working electrode is imposed and its potential E_w is
an extra unknown, solved with the concentration and potential by a bordered
Newton method (two solves with one factorisation per iteration); the counter
electrode is at 0 V.  Potentiostatic: E_w given.

Event: Sand's time is the first time the concentration on the working
(plating) surface falls to a threshold.  The step that crosses it is redone
with step lengths found by Illinois regula falsi, so the reported time is the
backward-Euler solution's own crossing (not a linear interpolation between
steps), with its location and the local current density there.

Unknowns are solved in scaled form (c / c0 and phi F / RT), residual rows
scaled by D c0 and kappa RT/F.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import basix.ufl
import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem._compat import collapse, create_vector
from fem.constants import FARADAY_C_PER_MOL, thermal_voltage
from fem.mesh_io import MeshData
from fem.solvers import apply_options, unique_prefix
from fem.transport.electrolytes import BinaryElectrolyte, ConcentrationKinetics
from fem.validation import ParameterError, check_choice, check_positive, check_range

__all__ = [
    "DIRECT_SOLVER_DEFAULTS",
    "ITERATIVE_SOLVER_DEFAULTS",
    "LINEAR_SOLVERS",
    "TimeStepping",
    "NewtonReport",
    "DepletionEvent",
    "TransientResult",
    "BinaryElectrolyteProblem",
]

#: LU (MUMPS) for the coupled, nonsymmetric c-phi Jacobian.
DIRECT_SOLVER_DEFAULTS: dict[str, Any] = {
    "ksp_type": "preonly",
    "pc_type": "lu",
    "pc_factor_mat_solver_type": "mumps",
    "ksp_error_if_not_converged": True,
}

#: GMRES on the coupled c-phi Jacobian, preconditioned by a full block factorisation (fieldsplit Schur):
#: the c block (mass / dt + diffusion) and the Schur complement on phi, approximated by
#: A_pp - A_pc diag(A_cc)^-1 A_cp ("selfp": conductivity + Butler-Volmer Robin terms + the coupling),
#: each with one BoomerAMG V-cycle.  Measured on a 4000-dof LiPF6 slab: 12-19 GMRES iterations per solve
#: against 40-70 for a block Gauss-Seidel sweep and 40-180 for ILU(1) (studies/benchmarks/sand_time_solver.py).
#: The linear tolerance is tight (1e-10 relative) so the Newton iteration keeps its convergence to the
#: 1e-10 update criterion.
ITERATIVE_SOLVER_DEFAULTS: dict[str, Any] = {
    "ksp_type": "gmres",
    "ksp_gmres_restart": 100,
    "ksp_rtol": 1e-10,
    "ksp_atol": 1e-30,
    "ksp_max_it": 1000,
    "ksp_error_if_not_converged": True,
    "pc_type": "fieldsplit",
    "pc_fieldsplit_type": "schur",
    "pc_fieldsplit_schur_fact_type": "full",
    "pc_fieldsplit_schur_precondition": "selfp",
    **{
        f"fieldsplit_{name}_{key}": value
        for name in ("c", "phi")
        for key, value in (("ksp_type", "preonly"), ("pc_type", "hypre"), ("pc_hypre_type", "boomeramg"))
    },
}

#: The linear solver choices of :class:`BinaryElectrolyteProblem`.  Measured per Newton iteration on a graded 3D
#: LiPF6 slab (studies/benchmarks/sand_time_solver.py, 1 rank of a shared machine): LU 0.28 s, iterative 0.14 s
#: at 4018 dofs; LU 5.4 s, iterative 1.7 s at 20618 dofs; LU 110 s, iterative 6.3 s (24 GMRES iterations per
#: Newton iteration) at 101250 dofs, the same Newton iterations throughout.  LU stays the default: the
#: iterative solver matches LU over single steps, but a run through depletion (3D LiPF6 slab of 450 dofs, the
#: rank test's) did not finish within 5 minutes where LU takes seconds: not yet usable near c -> 0.
LINEAR_SOLVERS = ("direct", "iterative")

#: Extra residual terms (mass in mol/s, charge in A) built from (c, phi, w, v, time): sources, manufactured
#: data; ``time`` is the problem's clock (a Constant holding the end of the step being solved, s).
ExtraTerms = Callable[[Any, Any, Any, Any, Any], tuple[Any, Any]]


@dataclass(frozen=True, slots=True)
class TimeStepping:
    """Adaptive backward-Euler step control (SI units).

    Attributes:
        initial_step_s: first step (s).
        max_step_s: largest step (s).
        min_step_s: smallest step before giving up (s).
        target_change: target of the largest change of c / c0 over a step.
        max_growth: largest ratio of two consecutive steps (> 1).
        max_steps: steps before giving up.
    """

    initial_step_s: float
    max_step_s: float = math.inf
    min_step_s: float = 0.0
    target_change: float = 0.02
    max_growth: float = 1.5
    max_steps: int = 100000

    def __post_init__(self) -> None:
        check_positive("initial_step_s", self.initial_step_s, "s")
        check_range(
            "max_step_s", self.max_step_s, self.initial_step_s, high_inclusive=True, low_inclusive=True, unit="s"
        )
        check_range(
            "min_step_s", self.min_step_s, 0.0, self.initial_step_s, low_inclusive=True, high_inclusive=True, unit="s"
        )
        check_range("target_change", self.target_change, 0.0, 1.0, high_inclusive=True)
        check_range("max_growth", self.max_growth, 1.0, 100.0, high_inclusive=True)
        check_positive("max_steps", self.max_steps)


@dataclass
class NewtonReport:
    """Cost of one time step's nonlinear solve."""

    newton_iterations: int = 0
    krylov_iterations: int = 0
    converged: bool = False


@dataclass(frozen=True)
class DepletionEvent:
    """The first time the working-surface concentration reaches the threshold (SI units)."""

    time_s: float
    threshold_mol_m3: float
    surface_concentration_mol_m3: float
    location_m: tuple[float, ...]
    local_current_density_A_m2: float
    working_potential_V: float


@dataclass
class TransientResult:
    """A galvanostatic (or potentiostatic) run: histories and the depletion event, if any."""

    times_s: list[float] = field(default_factory=list)
    min_surface_concentration_mol_m3: list[float] = field(default_factory=list)
    working_potential_V: list[float] = field(default_factory=list)
    salt_amount_mol: list[float] = field(default_factory=list)
    event: DepletionEvent | None = None
    steps: int = 0
    rejected_steps: int = 0
    newton_iterations: int = 0
    krylov_iterations: int = 0
    steady: bool = False

    @property
    def max_salt_change_relative(self) -> float:
        """max |salt(t) - salt(0)| / salt(0) over the run."""
        start = self.salt_amount_mol[0]
        return max(abs(s - start) for s in self.salt_amount_mol) / start


class BinaryElectrolyteProblem:
    """Concentration polarisation in a binary electrolyte between two Li electrodes.

    Args:
        meshdata: the electrolyte cells (any dimension) with facet markers.
        electrolyte: property set (fem.transport.electrolytes).
        temperature_K: uniform temperature, inside the set's range.
        working: facet region of the working (plating under positive current) electrode.
        counter: facet region of the counter electrode (at 0 V).
        initial_concentration_mol_m3: uniform initial c0; default the set's reference.
        counter_kinetics: kinetics at the counter electrode; default the electrolyte's.
        degree: Lagrange degree of c and phi.
        reference_area_m2: area that defines the nominal current density;
            default the counter electrode's area (the footprint of a cell).
        linear_solver: "direct" (MUMPS LU, :data:`DIRECT_SOLVER_DEFAULTS`) or "iterative" (GMRES with
            a c-phi fieldsplit and BoomerAMG, :data:`ITERATIVE_SOLVER_DEFAULTS`).
        petsc_options: overrides of the chosen solver's defaults.
        concentration_floor_fraction: c / c0 below which the properties, ln c
            and i0 are evaluated at the floor (keeps the forms finite at depletion).
        quadrature_degree: quadrature degree; None means 2 degree (UFL's own
            estimate for the property correlations runs to degree 10 and more, which
            makes assembly many times slower for no gain in accuracy).
        extra_terms: optional (c, phi, w, v, time) -> (mass terms in mol/s,
            charge terms in A) added to the residuals: sources, or manufactured
            data (``time`` is the problem's clock, a Constant in s).
        newton_tolerance: converged when the largest update of c / c0, phi F / RT
            and E_w F / RT is below this times max(1, their largest value).
        max_newton_iterations: per step.
    """

    def __init__(
        self,
        meshdata: MeshData,
        electrolyte: BinaryElectrolyte,
        temperature_K: float,
        working: str = "li_sse",
        counter: str = "top",
        initial_concentration_mol_m3: float | None = None,
        counter_kinetics: ConcentrationKinetics | None = None,
        degree: int = 1,
        reference_area_m2: float | None = None,
        linear_solver: str = "direct",
        petsc_options: dict[str, Any] | None = None,
        concentration_floor_fraction: float = 1e-6,
        quadrature_degree: int | None = None,
        extra_terms: ExtraTerms | None = None,
        newton_tolerance: float = 1e-10,
        max_newton_iterations: int = 25,
    ) -> None:
        c0 = initial_concentration_mol_m3
        if c0 is None:
            c0 = electrolyte.reference_concentration_mol_m3
        check_positive("initial_concentration_mol_m3", c0, "mol/m3")
        check_positive("temperature_K", temperature_K, "K")
        electrolyte.check_state(c0, temperature_K)
        check_range("degree", degree, 1, 3, low_inclusive=True, high_inclusive=True)
        check_choice("linear_solver", linear_solver, LINEAR_SOLVERS)
        check_range("concentration_floor_fraction", concentration_floor_fraction, 0.0, 0.1, high_inclusive=True)
        check_range("newton_tolerance", newton_tolerance, 0.0, 1e-3, high_inclusive=True)
        check_range("max_newton_iterations", max_newton_iterations, 1, 1000, low_inclusive=True, high_inclusive=True)
        if working == counter:
            raise ParameterError(f"working = {working!r} and counter = {counter!r} must be different facet regions")
        present = meshdata.facets_present()
        for role, name in (("working", working), ("counter", counter)):
            meshdata.facet_id(name)  # KeyError names the known regions
            if name not in present:
                raise ParameterError(f"{role} = {name!r} has no facets in this mesh (present: {sorted(present)})")

        self.meshdata = meshdata
        self.electrolyte = electrolyte
        self.temperature_K = float(temperature_K)
        self.initial_concentration_mol_m3 = float(c0)
        self.working, self.counter = working, counter
        self.working_kinetics = electrolyte.kinetics
        self.counter_kinetics = counter_kinetics or electrolyte.kinetics
        self.newton_tolerance = newton_tolerance
        self._floor_fraction = concentration_floor_fraction
        self.max_newton_iterations = max_newton_iterations
        #: largest Newton update of c / c0 or phi F / RT taken at once (larger ones are scaled down)
        self.max_update = 10.0
        self._vt = thermal_voltage(self.temperature_K)
        mesh = meshdata.mesh
        self.comm: MPI.Comm = mesh.comm
        tdim = mesh.topology.dim
        mesh.topology.create_connectivity(tdim - 1, tdim)

        element = basix.ufl.element("Lagrange", mesh.basix_cell(), degree)
        self.W = dolfinx.fem.functionspace(mesh, basix.ufl.mixed_element([element, element]))
        self.V, c_map = collapse(self.W.sub(0))
        self._c_map = np.asarray(c_map)
        self._phi_map = collapse(self.W.sub(1))[1]
        self.u = dolfinx.fem.Function(self.W, name="scaled_state")
        self.u_old = dolfinx.fem.Function(self.W)
        self.u.x.array[self._c_map] = 1.0
        self.u.x.array[self._phi_map] = 0.0
        self.u_old.x.array[:] = self.u.x.array

        #: time (s) at the end of the step being solved, the step (s), the potentials (V), the current (A)
        self.time = dolfinx.fem.Constant(mesh, 0.0)
        self.dt = dolfinx.fem.Constant(mesh, 1.0)
        self.working_potential = dolfinx.fem.Constant(mesh, 0.0)
        self.counter_potential = dolfinx.fem.Constant(mesh, 0.0)
        self.plating_current = dolfinx.fem.Constant(mesh, 0.0)
        self.galvanostatic = True

        metadata = {"quadrature_degree": 2 * degree if quadrature_degree is None else quadrature_degree}
        dx = ufl.Measure("dx", domain=mesh, metadata=metadata)
        ds = ufl.Measure("ds", domain=mesh, subdomain_data=meshdata.facet_tags, metadata=metadata)
        self._ds_working = ds(meshdata.facet_id(working))
        self._ds_counter = ds(meshdata.facet_id(counter))
        one = dolfinx.fem.Constant(mesh, 1.0)
        self.volume_m3 = self._sum(dolfinx.fem.form(one * dx))
        self.working_area_m2 = self._sum(dolfinx.fem.form(one * self._ds_working))
        counter_area = self._sum(dolfinx.fem.form(one * self._ds_counter))
        self.reference_area_m2 = (
            counter_area if reference_area_m2 is None else check_positive("reference_area_m2", reference_area_m2, "m2")
        )
        self._build_forms(dx, extra_terms, concentration_floor_fraction)
        self.linear_solver = linear_solver
        self._setup_solver(petsc_options)
        self._surface_dofs()

    # -- forms ---------------------------------------------------------------------------------------
    def _build_forms(self, dx: ufl.Measure, extra_terms: ExtraTerms | None, floor: float) -> None:
        el, T, F = self.electrolyte, self.temperature_K, FARADAY_C_PER_MOL
        mesh = self.meshdata.mesh
        c0_value = self.initial_concentration_mol_m3
        # row scales: D c0 l^(d-2) (mol/s) and kappa RT/F l^(d-2) (A), properties at (c0, T);
        # every number that differs between problems is a Constant, so the forms compile once per
        # electrolyte set and temperature
        props = el.properties_at(c0_value, T)
        dim = mesh.topology.dim
        dim_factor = (self.volume_m3 ** (1.0 / dim)) ** (dim - 2)
        scales = {
            "c0": c0_value,
            "floor": floor * c0_value,
            "mass": 1.0 / (props["diffusivity_m2_s"] * c0_value * dim_factor),
            "charge": 1.0 / (props["conductivity_S_m"] * self._vt * dim_factor),
            "current": 1.0 / (self.working_kinetics.exchange_current_density_A_m2 * self.working_area_m2),
            "area": self.working_area_m2,
        }
        k = {name: dolfinx.fem.Constant(mesh, value) for name, value in scales.items()}
        self._scales = k
        theta, psi = ufl.split(self.u)
        theta_old, _ = ufl.split(self.u_old)
        w, v = ufl.TestFunctions(self.W)
        c = k["c0"] * theta
        phi = self._vt * psi
        cp = ufl.max_value(c, k["floor"])  # positive concentration for properties, ln c and i0

        kappa = el.conductivity(cp, T, ufl)
        kappa_d = el.diffusion_potential_conductivity(cp, T, ufl)
        current = -kappa * ufl.grad(phi) + kappa_d * ufl.grad(c) / cp
        flux = -el.diffusivity(cp, T, ufl) * ufl.grad(c) + el.transference_number(cp, T, ufl) * current / F
        mass = (c - k["c0"] * theta_old) / self.dt * w * dx - ufl.inner(flux, ufl.grad(w)) * dx
        charge = -ufl.inner(current, ufl.grad(v)) * dx

        eta_w = ufl.variable(self.working_potential - phi)
        i_working = -self.working_kinetics.current_density(cp, eta_w, T, ufl)  # plating positive
        di_working = ufl.diff(i_working, eta_w)  # d i_n / d E_w
        i_counter = -self.counter_kinetics.current_density(cp, self.counter_potential - phi, T, ufl)
        mass += i_working / F * w * self._ds_working + i_counter / F * w * self._ds_counter
        charge += i_working * v * self._ds_working + i_counter * v * self._ds_counter
        if extra_terms is not None:
            extra_mass, extra_charge = extra_terms(c, phi, w, v, self.time)
            mass += extra_mass
            charge += extra_charge

        residual = k["mass"] * mass + k["charge"] * charge
        self._F = dolfinx.fem.form(residual)
        self._J = dolfinx.fem.form(ufl.derivative(residual, self.u))
        border = di_working * (k["mass"] / F * w + k["charge"] * v) * self._ds_working
        self._F_E = dolfinx.fem.form(border)
        mismatch = (i_working - self.plating_current / k["area"]) * k["current"]
        self._G = dolfinx.fem.form(mismatch * self._ds_working)
        self._G_U = dolfinx.fem.form(ufl.derivative(mismatch * self._ds_working, self.u))
        self._G_E = dolfinx.fem.form(di_working * k["current"] * self._ds_working)
        self._salt = dolfinx.fem.form(c * dx)
        self._working_current = dolfinx.fem.form(i_working * self._ds_working)
        self._counter_current = dolfinx.fem.form(i_counter * self._ds_counter)

    def _setup_solver(self, petsc_options: dict[str, Any] | None) -> None:
        self.prefix = unique_prefix("binary_electrolyte")
        defaults = DIRECT_SOLVER_DEFAULTS if self.linear_solver == "direct" else ITERATIVE_SOLVER_DEFAULTS
        apply_options(self.prefix, {**defaults, **(petsc_options or {})})
        self._A = dolfinx.fem.petsc.create_matrix(self._J)
        self._create_vectors()
        self._ksp = PETSc.KSP().create(self.comm)
        self._ksp.setOptionsPrefix(self.prefix)
        self._ksp.setOperators(self._A)
        self._ksp.setFromOptions()
        pc = self._ksp.getPC()
        if pc.getType() == PETSc.PC.Type.FIELDSPLIT:
            self._split_sets = self._field_index_sets()
            pc.setFieldSplitIS(*self._split_sets)

    def _field_index_sets(self) -> list[tuple[str, PETSc.IS]]:
        """Global (PETSc) indices of the owned c and phi dofs of the mixed space, for the fieldsplit."""
        index_map, bs = self.W.dofmap.index_map, self.W.dofmap.index_map_bs
        owned, first = index_map.size_local * bs, index_map.local_range[0] * bs
        sets = []
        for name, dof_map in (("c", self._c_map), ("phi", np.asarray(self._phi_map))):
            local = np.sort(dof_map[dof_map < owned])
            sets.append((name, PETSc.IS().createGeneral((local + first).astype(PETSc.IntType), comm=self.comm)))
        return sets

    def _create_vectors(self) -> None:
        for name in ("_b", "_fe", "_gu", "_a", "_bb"):
            old = getattr(self, name, None)
            if old is not None:
                old.destroy()
        self._b = create_vector(self._F)
        self._fe = create_vector(self._F_E)
        self._gu = create_vector(self._G_U)
        self._a = self._b.duplicate()
        self._bb = self._b.duplicate()

    def _surface_dofs(self) -> None:
        fdim = self.meshdata.mesh.topology.dim - 1
        facets = self.meshdata.facet_tags.find(self.meshdata.facet_id(self.working))
        surface_v = dolfinx.fem.locate_dofs_topological((self.W.sub(0), self.V), fdim, facets)[1]
        V_phi, _ = self.W.sub(1).collapse()
        if not np.array_equal(V_phi.tabulate_dof_coordinates(), self.V.tabulate_dof_coordinates()):
            raise RuntimeError("the c and phi subspaces are numbered differently")  # pragma: no cover
        self._surface_c = self._c_map[surface_v]
        self._surface_phi = self._phi_map[surface_v]
        self._surface_x = self.V.tabulate_dof_coordinates()[surface_v]

    # -- small helpers --------------------------------------------------------------------------------
    def _sum(self, form: dolfinx.fem.Form) -> float:
        return self.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)

    def _assemble_vector(self, vec: PETSc.Vec, form: dolfinx.fem.Form) -> None:
        with vec.localForm() as local:
            local.set(0.0)
        dolfinx.fem.petsc.assemble_vector(vec, form)
        vec.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)

    def _solve(self, rhs: PETSc.Vec, out: PETSc.Vec) -> int:
        self._ksp.solve(rhs, out)
        out.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        return self._ksp.getIterationNumber()

    # -- state ----------------------------------------------------------------------------------------
    @property
    def num_dofs(self) -> int:
        """Global number of unknowns (c and phi)."""
        index_map = self.W.dofmap.index_map
        return index_map.size_global * self.W.dofmap.index_map_bs

    @property
    def working_potential_V(self) -> float:
        return float(self.working_potential.value)

    def salt_amount_mol(self) -> float:
        """Salt in the electrolyte, int c dx (mol)."""
        return self._sum(self._salt)

    def electrode_currents_A(self) -> tuple[float, float]:
        """(working, counter) currents leaving the electrolyte (A): plating positive."""
        return self._sum(self._working_current), self._sum(self._counter_current)

    def concentration(self) -> dolfinx.fem.Function:
        """c (mol/m3) as a Function of the collapsed space (a new copy)."""
        out = dolfinx.fem.Function(self.V, name="concentration_mol_m3")
        out.x.array[:] = self.initial_concentration_mol_m3 * self.u.x.array[self._c_map]
        return out

    def potential(self) -> dolfinx.fem.Function:
        """phi (V) as a Function of the collapsed space (a new copy)."""
        out = dolfinx.fem.Function(self.V, name="electrolyte_potential_V")
        out.x.array[:] = self._vt * self.u.x.array[self._phi_map]
        return out

    def surface_minimum(self) -> tuple[float, tuple[float, ...], float]:
        """(min c on the working surface (mol/m3), where (m), local plating current density there (A/m2))."""
        values = self.u.x.array[self._surface_c]
        if values.size:
            k = int(np.argmin(values))
            theta = float(values[k])
            psi = float(self.u.x.array[self._surface_phi[k]])
            point = tuple(float(x) for x in self._surface_x[k, : self.meshdata.mesh.geometry.dim])
            local = (theta, point, psi)
        else:
            local = (math.inf, (), 0.0)
        best = min(self.comm.allgather(local), key=lambda item: item[0])
        theta, point, psi = best
        c = self.initial_concentration_mol_m3 * theta
        c_eval = max(c, self._floor_fraction * self.initial_concentration_mol_m3)
        eta = self.working_potential_V - self._vt * psi
        i_local = -float(self.working_kinetics.current_density(c_eval, eta, self.temperature_K))
        return c, point, i_local

    def set_state(
        self,
        concentration_mol_m3: Callable[[np.ndarray], np.ndarray] | None = None,
        potential_V: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> None:
        """Set c and/or phi from vectorised functions of the points x (shape (3, n), m); both time levels."""
        target = dolfinx.fem.Function(self.V)
        for function, dof_map, scale in (
            (concentration_mol_m3, self._c_map, self.initial_concentration_mol_m3),
            (potential_V, self._phi_map, self._vt),
        ):
            if function is not None:
                target.interpolate(function)
                self.u.x.array[dof_map] = target.x.array / scale
        self.u.x.scatter_forward()
        self.u_old.x.array[:] = self.u.x.array

    # -- one step -------------------------------------------------------------------------------------
    def set_current_density(self, nominal_plating_current_density_A_m2: float) -> None:
        """Galvanostatic: the total plating current is this times the reference area (A/m2)."""
        self.galvanostatic = True
        self.plating_current.value = float(nominal_plating_current_density_A_m2) * self.reference_area_m2

    def set_working_potential(self, potential_V: float) -> None:
        """Potentiostatic: the working electrode's potential (V, vs the counter electrode)."""
        self.galvanostatic = False
        self.working_potential.value = float(potential_V)

    def solve_step(self, dt_s: float) -> NewtonReport:
        """One backward-Euler step of ``dt_s`` from ``u_old`` (state and time not advanced).

        Returns the Newton report; ``converged`` False leaves ``u`` undefined
        (the caller restores it).
        """
        self.dt.value = dt_s
        report = NewtonReport()
        u_vec = self.u.x.petsc_vec
        for _ in range(self.max_newton_iterations):
            self._assemble_vector(self._b, self._F)
            if not math.isfinite(self._b.norm()):
                return report
            self._b.scale(-1.0)
            self._A.zeroEntries()
            dolfinx.fem.petsc.assemble_matrix(self._A, self._J)
            self._A.assemble()
            self._ksp.setOperators(self._A)
            try:
                report.krylov_iterations += self._solve(self._b, self._a)
                d_e = 0.0
                if self.galvanostatic:
                    self._assemble_vector(self._fe, self._F_E)
                    self._assemble_vector(self._gu, self._G_U)
                    g = self._sum(self._G)
                    g_e = self._sum(self._G_E)
                    report.krylov_iterations += self._solve(self._fe, self._bb)
                    denominator = g_e - self._gu.dot(self._bb)
                    if denominator == 0.0 or not math.isfinite(denominator):
                        return report
                    d_e = -(g + self._gu.dot(self._a)) / denominator
                    self._a.axpy(-d_e, self._bb)
            except PETSc.Error:
                # a failed factorisation (a diverging iterate) can leave the vectors read-locked
                self._create_vectors()
                return report
            report.newton_iterations += 1
            update = max(self._a.norm(PETSc.NormType.NORM_INFINITY), abs(d_e) / self._vt)
            if not math.isfinite(update):
                return report
            damping = min(1.0, self.max_update / update)  # damped Newton far from the solution
            self._a.scale(damping)
            d_e *= damping
            u_vec.axpy(1.0, self._a)
            self.u.x.scatter_forward()
            self.working_potential.value = self.working_potential_V + d_e
            size = max(1.0, u_vec.norm(PETSc.NormType.NORM_INFINITY), abs(self.working_potential_V) / self._vt)
            if update < self.newton_tolerance * size:
                report.converged = True
                return report
        return report

    def advance(self, dt_s: float) -> NewtonReport:
        """One backward-Euler step of ``dt_s`` (s) at the current settings; raises if Newton fails."""
        check_positive("dt_s", dt_s, "s")
        previous = self.working_potential_V
        t = float(self.time.value)
        self.time.value = t + dt_s
        report = self.solve_step(dt_s)
        if not report.converged:
            self._restore(previous)
            self.time.value = t
            raise RuntimeError(f"Newton did not converge in the step of {dt_s:.4g} s from t = {t:.6g} s")
        self._accept()
        return report

    def _accept(self) -> None:
        self.u_old.x.array[:] = self.u.x.array

    def _restore(self, potential: float) -> None:
        self.u.x.array[:] = self.u_old.x.array
        self.working_potential.value = potential

    def _max_change(self) -> float:
        diff = np.abs(self.u.x.array[self._c_map] - self.u_old.x.array[self._c_map])
        return self.comm.allreduce(float(diff.max()) if diff.size else 0.0, op=MPI.MAX)

    # -- time loop ------------------------------------------------------------------------------------
    def run(
        self,
        end_time_s: float,
        stepping: TimeStepping,
        depletion_threshold_mol_m3: float | None = None,
        stop_at_depletion: bool = True,
        steady_tolerance: float | None = None,
        on_step: Callable[[BinaryElectrolyteProblem, float], None] | None = None,
        event_tolerance: float = 1e-7,
    ) -> TransientResult:
        """March from the current state to ``end_time_s`` (s) with adaptive backward Euler.

        Args:
            depletion_threshold_mol_m3: detect the first time the working-surface
                concentration falls to this (Sand's time); None for no detection.
            stop_at_depletion: end the run at that time.
            steady_tolerance: stop once the largest change of c / c0 over a step,
                divided by the step over the diffusion time, is below this (a steady state).
            on_step: called after every accepted step with (problem, time).
            event_tolerance: the landed step's surface concentration matches the
                threshold to this fraction of c0.
        """
        check_positive("end_time_s", end_time_s, "s")
        c0 = self.initial_concentration_mol_m3
        if depletion_threshold_mol_m3 is not None:
            check_range(
                "depletion_threshold_mol_m3", depletion_threshold_mol_m3, 0.0, c0, low_inclusive=True, unit="mol/m3"
            )
        result = TransientResult()
        t = float(self.time.value)
        self._record(result, t)
        dt = stepping.initial_step_s
        diffusion_time = (
            self.volume_m3 ** (2.0 / self.meshdata.mesh.topology.dim)
            / self.electrolyte.properties_at(c0, self.temperature_K)["diffusivity_m2_s"]
        )
        while t < end_time_s * (1.0 - 1e-12) and result.steps < stepping.max_steps:
            dt = min(dt, stepping.max_step_s, end_time_s - t)
            previous = self.working_potential_V
            self.time.value = t + dt
            report = self.solve_step(dt)
            result.newton_iterations += report.newton_iterations
            result.krylov_iterations += report.krylov_iterations
            if not report.converged:
                self._restore(previous)
                result.rejected_steps += 1
                dt *= 0.5
                if dt < max(stepping.min_step_s, 1e-14 * max(t, 1.0)):
                    raise RuntimeError(f"time step fell below the minimum at t = {t:.6g} s (Newton failed)")
                continue
            if depletion_threshold_mol_m3 is not None:
                c_min = self.surface_minimum()[0]
                if c_min <= depletion_threshold_mol_m3:
                    dt = self._land_on_threshold(t, dt, previous, depletion_threshold_mol_m3, event_tolerance, result)
                    t += dt
                    self._accept()
                    self._record(result, t)
                    c_s, where, i_local = self.surface_minimum()
                    result.event = DepletionEvent(
                        t, depletion_threshold_mol_m3, c_s, where, i_local, self.working_potential_V
                    )
                    if on_step is not None:
                        on_step(self, t)
                    if stop_at_depletion:
                        break
                    depletion_threshold_mol_m3 = None
                    continue
            change = self._max_change()
            t += dt
            self._accept()
            self._record(result, t)
            if on_step is not None:
                on_step(self, t)
            if steady_tolerance is not None and change * diffusion_time / dt < steady_tolerance:
                result.steady = True
                break
            growth = stepping.max_growth if change == 0.0 else stepping.target_change / change
            dt *= min(stepping.max_growth, max(0.2, growth))
        return result

    def _land_on_threshold(
        self, t: float, dt: float, previous: float, threshold: float, tolerance: float, result: TransientResult
    ) -> float:
        """Redo the step from ``t`` with the length at which min c_surface = threshold (Illinois)."""
        c0 = self.initial_concentration_mol_m3
        high, f_high = dt, self.surface_minimum()[0] - threshold  # u holds the crossing step
        self._restore(previous)
        low, f_low = 0.0, self.surface_minimum()[0] - threshold
        side = 0
        for _ in range(60):
            if abs(f_high) <= tolerance * c0:
                return high
            trial = high - f_high * (high - low) / (f_high - f_low) if f_high != f_low else 0.5 * (low + high)
            if not (low < trial < high):
                trial = 0.5 * (low + high)
            self._restore(previous)
            self.time.value = t + trial
            report = self.solve_step(trial)
            result.newton_iterations += report.newton_iterations
            result.krylov_iterations += report.krylov_iterations
            if not report.converged:
                raise RuntimeError(f"Newton failed while landing on the depletion threshold at t = {t:.6g} s")
            f_trial = self.surface_minimum()[0] - threshold
            if abs(f_trial) <= tolerance * c0:
                return trial
            if f_trial < 0.0:  # crossing lies in (low, trial)
                high, f_high = trial, f_trial
                if side == -1:
                    f_low *= 0.5
                side = -1
            else:
                low, f_low = trial, f_trial
                if side == 1:
                    f_high *= 0.5
                side = 1
        raise RuntimeError(f"depletion time not located to tolerance in the step from t = {t:.6g} s")

    def _record(self, result: TransientResult, t: float) -> None:
        result.times_s.append(t)
        result.min_surface_concentration_mol_m3.append(self.surface_minimum()[0])
        result.working_potential_V.append(self.working_potential_V)
        result.salt_amount_mol.append(self.salt_amount_mol())
        result.steps = len(result.times_s) - 1

    def destroy(self) -> None:
        """Free the PETSc objects."""
        for obj in (self._ksp, self._A, self._b, self._fe, self._gu, self._a, self._bb):
            obj.destroy()
        for _, index_set in getattr(self, "_split_sets", []):
            index_set.destroy()
