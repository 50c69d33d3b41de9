"""Coupled electro-chemo-mechanics of Li stripping: void growth against creep under stack pressure.

One staggered time loop (Kasemchainan et al., Nat. Mater. 18 (2019) 1105 for
the phenomenon; the continuum picture of Li creeping to the interface follows
Zhang et al., J. Electrochem. Soc. 167 (2020) 090541, here in 3D FEM)::

    (1) current   secondary current on the electrolyte mesh (fem.electrochemistry.current), Butler-Volmer
                  weighted by the contact state c (1 touching, 0 voided) and an
                  optional exchange-current factor; galvanostatic at the nominal
                  current density j; the counter electrode keeps full contact.
                  Optionally the stress term Omega p_c / F of the contact pressure
                  raises the stripping overpotential (``stress_overpotential``).
    (2) stripping the local normal current density i_n (lumped projection on the
                  interface nodes: its integral is the total current exactly) moves
                  to the Li mesh and deepens the stripped depth s += dt i_n Omega / F.
    (3) creep     Li (Norton creep, fem.mechanics) under the stack pressure on the
                  current-collector face, rollers on the sides, and unilateral
                  penalty contact with the rigid electrolyte whose surface has
                  receded by s (fem.mechanics.contact).
    (4) contact   nodes whose gap s - u . n exceeds the tolerance are voided
                  (indicator c = 0, else 1).  The contact weight w that carries the
                  next step's current relaxes towards it, w <- w + theta (c - w)
                  (``contact_relaxation``): a node at the edge of a void that opens
                  when it carries current and closes when it does not gets the
                  fraction of time it touches as its weight, instead of flipping
                  0/1 from step to step (the chatter of the lagged update,
                  theta = 1).  The lag is 1/theta steps, so it vanishes with dt.
                  Optionally (``contact_sweeps`` > 1) (1)-(3) are repeated from the
                  start of the step with the updated weights until the touching
                  nodes agree with them, the weight step halving at each sweep.

The time step is the largest that keeps the stripped-depth increment below
``max_depth_increment_m`` at the hottest node (and within ``max_step_s``); a
step whose creep Newton fails is halved and redone.  The run ends when the
mean contact fraction of the last ``collapse_window_steps`` steps drops below
``collapse_contact_fraction`` (contact collapse),
the cell voltage exceeds ``voltage_cutoff_V``, or the requested capacity has
been stripped.

Mass balance: the stripped volume int (s - s0) ds equals the charge passed
times Omega / F to round-off, because the lumped projection keeps the integral
of the current and the two meshes share their interface triangles.

Limitations, stated: the electrolyte is rigid; Li transport to the interface
is by creep only (vacancy diffusion and voids nucleated by vacancy
supersaturation: fem.coupling.vacancy_voids, through ``void_nucleation``); the counter electrode plates without
voids and enters the voltage only through its kinetics; the contact weight is
explicit in time and relaxed (step-to-step oscillation of the contact fraction
on the 0.1 MPa, 1 mA/cm2 critical-current case with 4 x 4 x 2 boxes, mean over
40 steps: 0.13 lagged, 0.03 relaxed with theta = 0.3 at the same cost per step;
two implicit sweeps gave 0.06 at twice the cost, three 0.05 at 2.8 times).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import dolfinx
import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

from fem.constants import FARADAY_C_PER_MOL, ROOM_TEMPERATURE_K
from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
from fem.interface import InterfaceMap, InterfaceSpace
from fem.materials import ButlerVolmer, CreepingSolid, Electrolyte
from fem.mechanics import MechanicsConvergenceError, MechanicsProblem, Pressure, Roller
from fem.mechanics.contact import BoundContact, PenaltyContact, RigidContact, planar_interface_axis
from fem.mechanics.solver_setup import GAMG_ELASTICITY
from fem.mesh_io import MeshData
from fem.validation import ParameterError, check_positive, check_range

__all__ = [
    "LI_MOLAR_VOLUME_M3_MOL",
    "SEMISMOOTH_NEWTON",
    "INEXACT_GAMG_NEWTON",
    "StrippingSettings",
    "StrippingStep",
    "StrippingHistory",
    "StrippingCell",
    "capacity_C_m2",
    "creep_contact_options",
]

#: Molar volume of Li, M / rho (m3/mol); PARAMETERS.md.
LI_MOLAR_VOLUME_M3_MOL = 1.300e-5
#: 1 mAh/cm2 in C/m2.
_C_M2_PER_MAH_CM2 = 36.0e3
#: More Newton iterations than the creep-only default (the active set of the contact settles
#: over a few iterations before the quadratic phase) and the critical-point line search, which
#: halves the iteration count against backtracking on these kinked residuals (measured: 12 vs 19-24).
#: Inexact Newton (Eisenstat-Walker, mechanics_options={"snes_ksp_ew": True}) is NOT the default:
#: measured on studies.benchmarks.stripping (7.8k P2 dofs, first step, load ~4 on 2 cores) it cut
#: 1768 CG iterations in 17 Newton steps, 34 s (CG + BoomerAMG, exact solves) to 141 CG in 22
#: Newton, 4.2 s (CG + GAMG), but it raises the semismooth Newton count (28-33 per coupled step at
#: 7.8k-24k dofs, against snes_max_it 40) and made one Norton void-closure step fail and halve
#: (tests/test_void_closure.py, 16 boxes, DOLFINx 0.11), which changes the step sequence.
SEMISMOOTH_NEWTON: dict[str, Any] = {"snes_max_it": 40, "snes_linesearch_type": "cp"}
#: The line search a failed creep-contact step retries with before its step is halved: the critical-point
#: search takes fewer Newton steps on planar cells (12 vs 19-24) but stalls where contact acts across the
#: pressure (the walls of a lamellar host: 8-13 halvings per step, against none with backtracking).
ROBUST_LINESEARCH = "bt"
#: Below this many displacement dofs a direct solve (MUMPS) is cheaper than CG + AMG
#: (measured: 1.1 vs 5.7 s per coupled step at 1.2k dofs; 2 vs 0.5 s per Newton step at 7.8k):
#: the creep tangent (z << 1) and the contact penalty made BoomerAMG need ~60 iterations.
DIRECT_SOLVER_MAX_DOFS = 4000
_DIRECT: dict[str, Any] = {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
#: Inexact Newton for larger meshes: CG + GAMG (fem.mechanics.solver_setup.GAMG_ELASTICITY) with Eisenstat-Walker
#: linear tolerances.  With exact contact (RigidContact(method="bounds")) the linear systems carry no penalty
#: stiffness and this is the fastest combination measured (studies.benchmarks.stripping, one void, 1 MPa,
#: 10 mA/cm2, P2): 13 CG per Newton step, 13.5 / 17 s per coupled step at 7.8e3 / 2.4e4 dofs, against
#: 24 / 168 s for the penalty with the default CG + BoomerAMG (exact solves), same contact fractions, void
#: gaps within 0.4 %.  With the penalty it raised the Newton count to 28-33 per step and halved a void-closure
#: step (see SEMISMOOTH_NEWTON).  Not the default: the studies were verified with the penalty and exact solves.
INEXACT_GAMG_NEWTON: dict[str, Any] = {"ksp_type": "cg", **GAMG_ELASTICITY, "ksp_rtol": 1e-11, "snes_ksp_ew": True}


@dataclass(frozen=True, slots=True)
class StrippingSettings:
    """Operating conditions and run control (SI units).

    Attributes:
        current_density_A_m2: nominal stripping current density over the footprint (> 0; 10 A/m2 = 1 mA/cm2).
        stack_pressure_Pa: stack pressure on the current-collector face (> 0).
        capacity_C_m2: stripping capacity per footprint area at which the run stops (> 0; 36e3 C/m2 = 1 mAh/cm2).
        temperature_K: temperature of creep and kinetics.
        collapse_contact_fraction: the run ends (collapse) when the contact fraction falls below this.
        voltage_cutoff_V: the run ends when the working-electrode potential exceeds this.
        max_depth_increment_m: largest stripped-depth increment per step at any node.
        max_step_s: largest time step.
        min_step_s: smallest time step before the run is declared failed.
        contact_sweeps: most current + creep solves per step for an implicit contact
            state (1: explicit; each further sweep costs about one more step).
        contact_relaxation: theta in (0, 1] of the contact-weight update w <- w + theta (c - w)
            (1: the lagged 0/1 state, which chatters at low stack pressure).
        collapse_window_steps: collapse is judged on the mean contact fraction of this many
            last steps (1: the last step alone).
    """

    current_density_A_m2: float
    stack_pressure_Pa: float
    capacity_C_m2: float
    temperature_K: float = ROOM_TEMPERATURE_K
    collapse_contact_fraction: float = 0.2
    voltage_cutoff_V: float = 1.0
    max_depth_increment_m: float = 0.1e-6
    max_step_s: float = 600.0
    min_step_s: float = 1e-3
    contact_sweeps: int = 1
    contact_relaxation: float = 0.3
    collapse_window_steps: int = 4

    def __post_init__(self) -> None:
        check_positive("current_density_A_m2", self.current_density_A_m2, "A/m2")
        check_positive("stack_pressure_Pa", self.stack_pressure_Pa, "Pa")
        check_positive("capacity_C_m2", self.capacity_C_m2, "C/m2")
        check_range("temperature_K", self.temperature_K, 150.0, 453.69, unit="K")
        check_range("collapse_contact_fraction", self.collapse_contact_fraction, 0.0, 1.0)
        check_positive("voltage_cutoff_V", self.voltage_cutoff_V, "V")
        check_positive("max_depth_increment_m", self.max_depth_increment_m, "m")
        check_positive("max_step_s", self.max_step_s, "s")
        check_range("min_step_s", self.min_step_s, 0.0, self.max_step_s, high_inclusive=True, unit="s")
        check_range("contact_sweeps", self.contact_sweeps, 1, 10, low_inclusive=True, high_inclusive=True)
        check_range("contact_relaxation", self.contact_relaxation, 0.0, 1.0, high_inclusive=True)
        check_range(
            "collapse_window_steps", self.collapse_window_steps, 1, 100, low_inclusive=True, high_inclusive=True
        )

    @property
    def capacity_mAh_cm2(self) -> float:
        return self.capacity_C_m2 / _C_M2_PER_MAH_CM2


@dataclass
class StrippingStep:
    """State after one coupled step (global values; SI units).  ``void_gap_quantiles_m``: the 10th, 50th
    and 90th percentiles of the gap over the voided area (area-weighted; zeros without voids)."""

    time_s: float
    dt_s: float
    capacity_C_m2: float
    working_potential_V: float
    contact_fraction: float
    void_area_m2: float
    mean_void_gap_m: float
    max_void_gap_m: float
    void_gap_quantiles_m: tuple[float, float, float]
    peak_current_density_A_m2: float
    mean_contact_pressure_Pa: float
    max_contact_pressure_Pa: float
    stripped_volume_m3: float
    charge_passed_C: float
    current_newton_iterations: int
    mechanics_newton_iterations: int
    halvings: int
    seconds: float
    contact_sweeps: int = 1


@dataclass
class StrippingHistory:
    """All accepted steps and why the run stopped ("collapse", "voltage", "capacity")."""

    steps: list[StrippingStep] = field(default_factory=list)
    end_reason: str = ""

    def as_columns(self) -> dict[str, list[float]]:
        """Step records as columns (for report.json)."""
        rows = [asdict(step) for step in self.steps]
        return {key: [row[key] for row in rows] for key in (rows[0] if rows else {})}


@dataclass
class _Attempt:
    """One sweep of (1)-(3): the current solution, nodal stripping current (A/m2), accepted dt (s), creep
    Newton iterations and step halvings."""

    solution: Any
    nodal_current: np.ndarray
    dt: float
    newton: int
    halvings: int


def _linear_solver(meshdata: MeshData, degree: int) -> dict[str, Any]:
    """MUMPS below DIRECT_SOLVER_MAX_DOFS displacement dofs, else the CG + BoomerAMG default."""
    mesh = meshdata.mesh
    nodes = mesh.topology.index_map(0).size_global
    if degree >= 2:
        mesh.topology.create_entities(1)
        nodes += mesh.topology.index_map(1).size_global
    return dict(_DIRECT) if 3 * nodes <= DIRECT_SOLVER_MAX_DOFS else {}


def creep_contact_options(meshdata: MeshData, degree: int, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """PETSc options of the Li creep + penalty contact Newton solve on ``meshdata`` at displacement ``degree``:
    the linear solver by size (MUMPS or CG + BoomerAMG), :data:`SEMISMOOTH_NEWTON`, then ``overrides``."""
    return {**_linear_solver(meshdata, degree), **SEMISMOOTH_NEWTON, **(overrides or {})}


def _linesearch(solver: Any) -> str:
    return PETSc.Options().getString(f"{solver.prefix}snes_linesearch_type", "bt")


def _set_linesearch(solver: Any, kind: str) -> None:
    """Switch the SNES line search of ``solver`` (its other options stay in the database and are re-read)."""
    PETSc.Options()[f"{solver.prefix}snes_linesearch_type"] = kind
    solver.snes.setFromOptions()


class StrippingCell:
    """The coupled stripping model on an electrolyte mesh and a Li mesh that share the li_sse interface.

    Args:
        electrolyte_mesh: electrolyte cells with facets li_sse (Li side) and top (counter electrode).
        lithium_mesh: Li cells ("lithium") with facets li_sse, bottom (current collector) and sides.
        electrolyte: ionic conductivity.
        kinetics: Butler-Volmer kinetics of the Li | electrolyte interface (both electrodes).
        lithium: Li mechanics (fem.materials.mechanical_material("Li")).
        settings: operating conditions and run control.
        contact: contact settings (default: gap tolerance half the largest depth increment per step).
        initial_recession_m: s0(x) (m) at points x (n, 3) of the interface: initial voids
            (recessed Li surface); default none.
        exchange_current_factor: f(x) > 0 at interface points: i0(x) = f(x) i0; default 1.
        mechanics_degree: Lagrange degree of the displacement (2 avoids the
            volumetric locking of creeping P1 tetrahedra).
        mechanics_options: PETSc overrides for the creep-contact Newton solve.
        stress_overpotential: add the mechanical term Omega p_c / F (V) of the contact
            pressure p_c (Pa) to the stripping overpotential (Monroe & Newman,
            J. Electrochem. Soc. 152 (2005) A396): compressed Li has a higher chemical
            potential and strips more readily.  Lagged one step, like the contact
            weights.  0.4 mV at 3 MPa (1.6% of RT/F); it matters where the contact
            pressure concentrates at void edges.
    """

    def __init__(
        self,
        electrolyte_mesh: MeshData,
        lithium_mesh: MeshData,
        electrolyte: Electrolyte,
        kinetics: ButlerVolmer,
        lithium: CreepingSolid,
        settings: StrippingSettings,
        contact: RigidContact | None = None,
        initial_recession_m: Callable[[np.ndarray], np.ndarray] | None = None,
        exchange_current_factor: Callable[[np.ndarray], np.ndarray] | None = None,
        mechanics_degree: int = 2,
        mechanics_options: dict[str, Any] | None = None,
        stress_overpotential: bool = False,
    ) -> None:
        if not isinstance(lithium, CreepingSolid):
            raise ParameterError(f"lithium must be a CreepingSolid (Li with a creep law), got {lithium!r}")
        # Contact tolerance tied to the step's depth increment: a node counts as touching when
        # creep has recovered at least half of one step's stripping (converges as the increment -> 0).
        contact = contact or RigidContact(gap_tolerance_m=0.5 * settings.max_depth_increment_m)
        self.settings = settings
        self.sse_interface = InterfaceSpace(electrolyte_mesh, contact.facets)
        self.li_interface = InterfaceSpace(lithium_mesh, contact.facets)
        self.to_lithium = InterfaceMap(self.sse_interface, self.li_interface)
        self.to_electrolyte = InterfaceMap(self.li_interface, self.sse_interface)

        self.contact_state = self.sse_interface.function("contact_state")
        self.contact_state.x.array[self.sse_interface.dofs] = 1.0
        i0_factor = None
        if exchange_current_factor is not None:
            i0_factor = self.sse_interface.function("exchange_current_factor")
            values = np.asarray(exchange_current_factor(self.sse_interface.coordinates()), dtype=float)
            if np.any(values <= 0.0) or not np.all(np.isfinite(values)):
                raise ParameterError("exchange_current_factor must be positive and finite on the interface")
            i0_factor.x.array[self.sse_interface.dofs] = values
        #: Omega p_c / F (V) on the electrolyte interface, or None without the stress term.
        self.stress_potential = self.sse_interface.function("stress_potential_V") if stress_overpotential else None
        self.current = SecondaryCurrentProblem(
            electrolyte_mesh,
            electrolyte,
            Electrode(contact.facets, kinetics),
            Electrode("top", kinetics),
            contact=self.contact_state,
            exchange_current_factor=i0_factor,
            potential_shift=self.stress_potential,
        )
        self.footprint_m2 = self.current.reference_area_m2

        self.contact = _contact(self.li_interface, lithium, contact)
        s0 = np.zeros(len(self.li_interface.dofs))
        if initial_recession_m is not None:
            s0 = np.asarray(initial_recession_m(self.li_interface.coordinates()), dtype=float)
            if np.any(s0 < 0.0):
                raise ParameterError("initial_recession_m must be >= 0 (a recessed Li surface is a void)")
        self.contact.set_stripped_depth(s0)
        self._initial_depth = s0.copy()
        self.mechanics = MechanicsProblem(
            lithium_mesh,
            {"lithium": lithium},
            [Pressure("bottom", settings.stack_pressure_Pa), Roller("sides")],
            temperature_K=settings.temperature_K,
            degree=mechanics_degree,
            petsc_options=creep_contact_options(
                lithium_mesh, mechanics_degree, {**self.contact.newton_options, **(mechanics_options or {})}
            ),
            extra_residuals=self.contact.extra_residuals(),
        )
        self.contact.attach(self.mechanics)
        self.contact_pressure = self.li_interface.function("contact_pressure_Pa")
        self.gap = self.li_interface.function("gap_m")
        self.local_current = self.li_interface.function("stripping_current_density_A_m2")
        self.time_s = 0.0
        self.charge_C = 0.0
        self._last_velocity: np.ndarray | None = None
        self._recent_fractions: list[float] = []  # contact fractions of the last (<= 100) steps
        #: Optional second void mechanism (e.g. fem.coupling.vacancy_voids): called at the end of each step with
        #: its dt (s), after the stripping current is stored in ``local_current``; returns factors in [0, 1] by
        #: which the contact weights at the electrolyte interface dofs are multiplied (0: voided).
        self.void_nucleation: Callable[[float], np.ndarray] | None = None
        self.contact.begin_step(self.mechanics.u)
        self.mechanics.step(0.0, self.contact.initial_guess(None))  # the elastic response to the stack pressure
        self._update_fields()
        self._set_contact_weights(self.to_electrolyte.transfer(self.contact.nodal_contact(self.mechanics.u)))

    # -- pieces of a step ---------------------------------------------------------------
    def _update_fields(self) -> None:
        """Gap and contact pressure (Li interface) from the mechanics."""
        u = self.mechanics.u
        li = self.li_interface
        self.gap.x.array[li.dofs] = self.contact.nodal_gap(u)
        self.contact_pressure.x.array[li.dofs] = self.contact.nodal_pressure(u)
        if self.stress_potential is not None:
            pressure = self.to_electrolyte.transfer(self.contact_pressure.x.array[li.dofs])
            self.stress_potential.x.array[self.sse_interface.dofs] = (
                pressure * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL
            )

    def contact_fraction(self) -> float:
        """Contact area over interface area (P1 contact weights, integrated on the electrolyte side)."""
        sse = self.sse_interface
        return sse.integral(self.contact_state.x.array[sse.dofs]) / sse.area_m2

    def stripped_volume_m3(self) -> float:
        """int (s - s0) ds over the Li interface (m3)."""
        li = self.li_interface
        return li.integral(self.contact.stripped_depth.x.array[li.dofs] - self._initial_depth)

    def _step_size(self, peak_nodal_current: float, capacity_left_C: float) -> float:
        st = self.settings
        dt = st.max_step_s
        if peak_nodal_current > 0.0:
            rate = peak_nodal_current * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL
            dt = min(dt, st.max_depth_increment_m / rate)
        return min(dt, capacity_left_C / (st.current_density_A_m2 * self.footprint_m2))

    # -- time loop ----------------------------------------------------------------------
    def step(self) -> StrippingStep:
        """One coupled step: current, stripping, creep with contact, contact-weight update (sweeps repeat the
        first three from the start of the step until the touching nodes agree with the weights)."""
        start = time.perf_counter()
        dofs = self.li_interface.dofs
        depth_before = self.contact.stripped_depth.x.array[dofs].copy()
        saved = self.mechanics.save_state()
        velocity = self._last_velocity
        weights = self._contact_weights()
        previous: tuple[np.ndarray, np.ndarray] | None = None
        newton = 0
        sweeps = self.settings.contact_sweeps
        for sweep in range(1, sweeps + 1):
            if sweep > 1:  # redo the step from its start with the updated contact weights
                self.mechanics.restore_state(saved)
                self._last_velocity = velocity
            attempt = self._strip_and_creep(depth_before, previous)
            newton += attempt.newton
            touching_li = self.contact.nodal_contact(self.mechanics.u)
            previous = (self.mechanics.u.x.array.copy(), touching_li)
            touching = self.to_electrolyte.transfer(touching_li)
            if self._agrees(touching, weights) or sweep == sweeps:
                break
            weights = self._relaxed(weights, touching, sweep)
            self._set_contact_weights(weights)
        self._set_contact_weights(self._relaxed(weights, touching, sweep))
        displacement = self.mechanics.u.x.array - saved.displacement_m
        self._last_velocity = displacement / attempt.dt if attempt.dt > 0 else None
        self.time_s += attempt.dt
        self.charge_C += attempt.dt * attempt.solution.total_current_A
        self.local_current.x.array[dofs] = attempt.nodal_current
        self._update_fields()
        if self.void_nucleation is not None:
            self._set_contact_weights(self._contact_weights() * self.void_nucleation(attempt.dt))
        record = self._record(attempt.solution, attempt.dt, newton, attempt.halvings, time.perf_counter() - start)
        record.contact_sweeps = sweep
        self._recent_fractions = [*self._recent_fractions[-99:], record.contact_fraction]
        return record

    def _strip_and_creep(self, depth_before: np.ndarray, previous: tuple[np.ndarray, np.ndarray] | None) -> _Attempt:
        """(1)-(3) from the start of the step with the present contact weights; halves dt on a failed creep
        Newton.  ``previous``: (displacement, touching Li nodes) of the last sweep of this step, Newton's
        first iterate and predicted active set; else the last step's rate and the start-of-step contact."""
        st = self.settings
        solution = self.current.solve_galvanostatic(st.current_density_A_m2 * self.footprint_m2)
        weighted_flux = self.current.working_flux()
        nodal_current = self.to_lithium.transfer(self.sse_interface.project(weighted_flux))
        capacity_left = st.capacity_C_m2 * self.footprint_m2 - self.charge_C
        dt = self._step_size(self._global_max(nodal_current), capacity_left)
        halvings = 0
        u_start = self.mechanics.u.x.array.copy()
        solver = self.mechanics.solver
        fast = _linesearch(solver)
        try:
            while True:
                self.contact.set_stripped_depth(depth_before)
                first = self._extrapolated_displacement(u_start, dt)
                touching = None
                if previous is not None and halvings == 0:
                    first, touching = previous
                self.contact.begin_step(self.mechanics.u, touching)
                self.contact.set_stripped_depth(
                    depth_before + dt * nodal_current * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL
                )
                first = self.contact.initial_guess(first)
                try:
                    record = self.mechanics.step(dt, first)
                    break
                except MechanicsConvergenceError:
                    if _linesearch(solver) != ROBUST_LINESEARCH:  # first the robust line search, same dt
                        _set_linesearch(solver, ROBUST_LINESEARCH)
                        continue
                    halvings += 1
                    dt *= 0.5
                    if dt < st.min_step_s:
                        self.contact.set_stripped_depth(depth_before)
                        raise
        finally:
            if _linesearch(solver) != fast:
                _set_linesearch(solver, fast)
        return _Attempt(solution, nodal_current, dt, record.newton_iterations, halvings)

    def _contact_weights(self) -> np.ndarray:
        """Contact weights (0 voided .. 1 touching) at the electrolyte interface dofs."""
        return self.contact_state.x.array[self.sse_interface.dofs].copy()

    def _set_contact_weights(self, weights: np.ndarray) -> None:
        self.contact_state.x.array[self.sse_interface.dofs] = weights

    def _agrees(self, touching: np.ndarray, weights: np.ndarray) -> bool:
        """True (on every rank) when the touching nodes are exactly those with weight >= 1/2."""
        mismatch = int(np.count_nonzero((weights >= 0.5) != (touching > 0.5)))
        return self.sse_interface.comm.allreduce(mismatch, op=MPI.SUM) == 0

    def _relaxed(self, weights: np.ndarray, touching: np.ndarray, sweep: int) -> np.ndarray:
        """Updated contact weights w + theta (c - w) / 2^(sweep - 1), c the touching indicator: the relaxed
        update, its step halved at each further sweep (bisection for nodes that flip back)."""
        return weights + self.settings.contact_relaxation * (touching - weights) / 2.0 ** (sweep - 1)

    def _extrapolated_displacement(self, u_start: np.ndarray, dt: float) -> np.ndarray | None:
        """Newton's first guess: the last step's displacement rate continued over ``dt`` (steady
        stripping moves the Li at a nearly constant velocity), or None on the first step."""
        if self._last_velocity is None:
            return None
        return u_start + dt * self._last_velocity

    def _global_max(self, values: np.ndarray) -> float:
        return self.li_interface.comm.allreduce(float(np.max(values, initial=-np.inf)), op=MPI.MAX)

    def _record(self, solution: Any, dt: float, mech_newton: int, halvings: int, seconds: float) -> StrippingStep:
        li = self.li_interface
        gap = self.gap.x.array[li.dofs]
        voided = (gap > self.contact.settings.gap_tolerance_m).astype(float)
        void_area = li.integral(voided)
        gap_integral = li.integral(np.where(voided > 0, gap, 0.0))
        pressure = self.contact_pressure.x.array[li.dofs]
        contact_area = li.area_m2 - void_area
        return StrippingStep(
            time_s=self.time_s,
            dt_s=dt,
            capacity_C_m2=self.charge_C / self.footprint_m2,
            working_potential_V=solution.working_potential_V - solution.counter_potential_V,
            contact_fraction=self.contact_fraction(),
            void_area_m2=void_area,
            mean_void_gap_m=gap_integral / void_area if void_area > 0 else 0.0,
            max_void_gap_m=self._global_max(np.where(voided > 0, gap, 0.0)),
            void_gap_quantiles_m=self._void_gap_quantiles(gap, voided),
            peak_current_density_A_m2=solution.peak_current_density_A_m2,
            mean_contact_pressure_Pa=li.integral(pressure) / contact_area if contact_area > 0 else 0.0,
            max_contact_pressure_Pa=self._global_max(pressure),
            stripped_volume_m3=self.stripped_volume_m3(),
            charge_passed_C=self.charge_C,
            current_newton_iterations=solution.stats.newton_iterations,
            mechanics_newton_iterations=mech_newton,
            halvings=halvings,
            seconds=seconds,
        )

    def _void_gap_quantiles(self, gap: np.ndarray, voided: np.ndarray) -> tuple[float, float, float]:
        """Area-weighted 10/50/90 % quantiles of the gap over the voided interface nodes (m)."""
        li = self.li_interface
        gaps = li.global_values(gap)
        weights = li.global_values(li.lumped_mass * voided)
        if not np.any(weights > 0):
            return (0.0, 0.0, 0.0)
        order = np.argsort(gaps)
        cumulative = np.cumsum(weights[order])
        cumulative /= cumulative[-1]
        index = np.searchsorted(cumulative, [0.1, 0.5, 0.9])
        return tuple(float(gaps[order][min(i, len(order) - 1)]) for i in index)

    def end_reason(self, step: StrippingStep | None) -> str:
        """'collapse', 'voltage', 'capacity' or '' (keep going)."""
        st = self.settings
        recent = self._recent_fractions[-st.collapse_window_steps :] or [self.contact_fraction()]
        if sum(recent) / len(recent) < st.collapse_contact_fraction or self.contact_fraction() <= 0.0:
            return "collapse"  # (no contact left cannot carry the next step's current)
        if step is not None and step.working_potential_V > st.voltage_cutoff_V:
            return "voltage"
        if self.charge_C >= st.capacity_C_m2 * self.footprint_m2 * (1.0 - 1e-9):
            return "capacity"
        return ""

    def run(
        self,
        on_step: Callable[[StrippingStep], None] | None = None,
        max_steps: int = 100000,
    ) -> StrippingHistory:
        """Step until an end condition; ``on_step`` sees every accepted step (progress, output)."""
        history = StrippingHistory()
        reason = self.end_reason(None)
        while not reason and len(history.steps) < max_steps:
            step = self.step()
            history.steps.append(step)
            if on_step is not None:
                on_step(step)
            reason = self.end_reason(step)
        history.end_reason = reason or "max_steps"
        return history

    def fields(self) -> dict[str, list[dolfinx.fem.Function]]:
        """Output fields by mesh: Li interface (P1), Li displacement, electrolyte (P1)."""
        return {
            "lithium_interface": [self.contact.stripped_depth, self.gap, self.contact_pressure, self.local_current],
            "lithium_displacement": [self.mechanics.u],
            "electrolyte": [self.current.phi, self.contact_state]
            + ([self.stress_potential] if self.stress_potential is not None else []),
        }


def _contact(interface: InterfaceSpace, lithium: CreepingSolid, settings: RigidContact) -> Any:
    """The contact method of ``settings``: exact bounds where the interface is planar and axis-aligned
    ("auto" or "bounds"), else the penalty."""
    if settings.method == "bounds" or (settings.method == "auto" and planar_interface_axis(interface) is not None):
        return BoundContact(interface, settings)
    return PenaltyContact(interface, lithium.elastic.youngs_modulus_Pa, settings)


def capacity_C_m2(capacity_mAh_cm2: float) -> float:
    """mAh/cm2 -> C/m2."""
    return capacity_mAh_cm2 * _C_M2_PER_MAH_CM2
