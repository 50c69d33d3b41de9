"""Stack pressure during Li plating in a rigid or spring-loaded fixture.

The in-situ setup of Yang et al. 2023 (LTO | SSE | Li, stack pressure
measured while cycling; PARAMETERS.md "Safe zone"): the LTO counter electrode
is a zero-strain insertion material, so the only volume change in the stack
is the Li plated at the Li | electrolyte interface.  Model (one plating
half-cycle, small strain, quasi-static; fem.mechanics):

* Geometry (geometries.stack.li_strip_stack): a plane-strain periodic strip.
  LPSCl layer of thickness L over the full cell width W, Li layer of
  thickness h and half-width w <= W on it; x = 0 and x = W are symmetry
  planes, so the strip repeats with Li strips of width 2w separated by free
  gaps of width 2(W - w) into which the Li can creep laterally.  w = W is the
  laterally confined 1D stack (no free surface).
* Plates: the lower plate fixes u_z on the electrolyte bottom (frictionless
  roller); the upper plate is bonded to the Li top (u_x = u_y = 0: Li adheres
  to the current collector, which makes lateral extrusion a squeeze flow) and
  displacement-controlled.  First the initial stack pressure p0 is applied
  (elastic, t = 0), then either the plate is held (``rigid``) or it is
  carried by a stack spring of stiffness k per unit electrode area
  (``spring``: d = d0 + (p - p0) / k, solved per step by a secant iteration
  on d, each iterate a full nonlinear solve).
* Plating as a growth (eigen)strain in the Li: the plated thickness is
  delta(t) = i Omega t / F (4.85 um per mAh/cm2) and, by default, uniaxial
  through-thickness growth eps_g = (delta / h) e_z (x) e_z spread uniformly
  over the Li.  Uniaxial because Li is deposited layer by layer on the
  existing footprint: the new volume thickens the electrode and does not push
  it sideways; isotropic growth (delta / 3h) I (option ``growth isotropic``)
  would put two thirds of the new volume into lateral expansion.
* Li is elastic with Norton power-law creep (Masias et al. 2019, Arrhenius
  factor from LePage et al. 2019) at the given temperature; the electrolyte is
  linear elastic.

Stack pressure p = plate force / Li footprint, obtained exactly from the
discrete equilibrium as p = -(1 / (H A)) integral of sigma_zz over the stack
(H the stack height, A the Li footprint; the test function z/H e_z).

For each case (fixture x initial pressure x current density, same plated
capacity) the study reports p against time and plated capacity, the elastic
(creep-free) response of the same model, p_el = p0 + b delta / (1 + a / k)
with a and b its plate and growth stiffnesses measured by two elastic
solves, the split between elastic storage (p - p0) and creep relief
(p_el - p), and for each initial pressure the threshold current density above
which the pressure rises over the plated capacity (deposition outruns creep
at p0), interpolated in log i between the sweep's currents.  Laterally
confined 1D reference: p - p0 = delta / (h / M_Li + L / M_SSE + 1 / k) with
the constrained moduli M = E (1 - nu) / ((1 + nu) (1 - 2 nu)).

Run ``python -m studies.stack_pressure --help``; through the launcher on two
ranks: ``containers/run -n 2 python3 -m studies.stack_pressure --out results/stack_pressure``.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import AnandViscoplasticity, CreepingSolid, LinearElastic, elastic_material, mechanical_material
from fem.mechanics import Displacement, MechanicsConvergenceError, MechanicsProblem, MechanicsState, Roller
from fem.mechanics.output import FacetSide, MechanicsFieldWriter
from fem.output import write_mesh_xdmf
from fem.validation import ParameterError, check_choice, check_range
from geometries.interdigitated import InterdigitatedParams, LamellarParams, PillarParams, interdigitated_mesh
from geometries.stack import li_strip_stack
from studies._cli import COMMON_HELP, run_cli, study_main
from studies._figures import line_plot
from studies._output import write_json
from studies._report import environment, markdown_table
from studies._sweep import run_config_study

__all__ = [
    "StackPressureConfig",
    "Case",
    "build_cases",
    "run_case",
    "run_study",
    "constrained_modulus_Pa",
    "confined_pressure_rise_MPa",
    "plated_thickness_um",
    "main",
]

UM = 1e-6
MPA = 1e6
A_M2_PER_MA_CM2 = 10.0
C_M2_PER_MAH_CM2 = 36.0e3  # 1 mAh/cm2 = 3.6 C/cm2 = 3.6e4 C/m2
FIXTURES = ("rigid", "spring")
GROWTH_MODES = ("uniaxial", "isotropic")
GEOMETRIES = ("planar", "lamellar", "pillars")
#: PETSc overrides of fem.mechanics.MECHANICS_NEWTON_DEFAULTS: the strip meshes are small, and with
#: creeping (nearly incompressible) Li in P2 a sparse LU (MUMPS) is far faster than CG + AMG.
LINEAR_SOLVERS: dict[str, dict[str, Any]] = {
    "direct": {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"},
    "iterative": {},
}
#: Yang et al. 2023 as summarised in PARAMETERS.md (review seed, section 2.2.1).
YANG_2023 = (
    "Yang et al. 2023 (LTO | SSE | Li, in-situ stack-pressure measurement): when Li is deposited faster than it "
    "can creep away, stress accumulates; the cell failed after 4 cycles at 1.5 mAh."
)


def plated_thickness_um(capacity_mAh_cm2: float) -> float:
    """Plated Li thickness Q Omega / F in um (4.85 um per mAh/cm2)."""
    return capacity_mAh_cm2 * C_M2_PER_MAH_CM2 * LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL / UM


def constrained_modulus_Pa(material: LinearElastic) -> float:
    """Constrained (P-wave, oedometric) modulus M = E (1 - nu) / ((1 + nu) (1 - 2 nu)) in Pa."""
    E, nu = material.youngs_modulus_Pa, material.poisson_ratio
    return E * (1.0 - nu) / ((1.0 + nu) * (1.0 - 2.0 * nu))


def confined_pressure_rise_MPa(
    plated_um: float,
    li_thickness_um: float,
    sse_thickness_um: float,
    li: LinearElastic,
    sse: LinearElastic,
    spring_stiffness_MPa_per_um: float | None = None,
) -> float:
    """Elastic pressure rise of the laterally confined stack under uniaxial growth (MPa).

    Li (thickness h) and electrolyte (L) in series between rigid plates, both
    in uniaxial strain: sigma = M_Li (eps_Li - eps_g) = M_SSE eps_SSE, and the
    plate displacement h eps_Li + L eps_SSE = (p - p0) / k (0 for a rigid
    fixture) give p - p0 = delta / (h / M_Li + L / M_SSE + 1 / k), delta = h eps_g.
    """
    compliance_um_per_MPa = li_thickness_um / (constrained_modulus_Pa(li) / MPA) + sse_thickness_um / (
        constrained_modulus_Pa(sse) / MPA
    )
    if spring_stiffness_MPa_per_um is not None:
        compliance_um_per_MPa += 1.0 / spring_stiffness_MPa_per_um
    return plated_um / compliance_um_per_MPa


@dataclass(frozen=True)
class StackPressureConfig:
    """Study parameters in the field's units (names carry them)."""

    current_densities_mA_cm2: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0)
    initial_pressures_MPa: tuple[float, ...] = (1.0, 5.0)
    fixtures: tuple[str, ...] = ("rigid", "spring")
    spring_stiffness_MPa_per_um: float = 1.0
    areal_capacity_mAh_cm2: float = 1.5
    temperature_K: float = 298.15
    li_thickness_um: float = 20.0
    sse_thickness_um: float = 100.0
    li_half_width_um: float = 100.0
    gap_half_width_um: float = 50.0
    geometry: tuple[str, ...] = ("planar",)
    finger_height_um: float = 20.0
    finger_width_um: float = 5.0
    pillar_radius_um: float = 2.5
    pitch_um: float = 10.0
    base_thickness_um: float = 5.0
    separator_thickness_um: float = 10.0
    mesh_size_interface_um: float = 2.0
    mesh_size_bulk_um: float = 4.0
    lithium: str = "Li"
    electrolyte: str = "LPSCl"
    li_creep: bool = True
    growth: str = "uniaxial"
    degree: int = 2
    cells_li_z: int = 3
    cells_sse_z: int = 1
    cells_li_x: int = 6
    cells_gap_x: int = 2
    first_time_step_s: float = 1.0
    time_steps: int = 12
    linear_solver: str = "direct"
    groups: int = 1
    fields: bool = True

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        if not self.current_densities_mA_cm2 or not self.initial_pressures_MPa or not self.fixtures:
            raise ParameterError("current_densities_mA_cm2, initial_pressures_MPa and fixtures must not be empty")
        for i in self.current_densities_mA_cm2:
            check_range("current_densities_mA_cm2", i, 0.0, 100.0, unit="mA/cm2")
        for p in self.initial_pressures_MPa:
            check_range("initial_pressures_MPa", p, 0.0, 200.0, low_inclusive=True, unit="MPa")
        for fixture in self.fixtures:
            check_choice("fixtures", fixture, FIXTURES)
        check_range("spring_stiffness_MPa_per_um", self.spring_stiffness_MPa_per_um, 0.0, 1e6, unit="MPa/um")
        check_range("areal_capacity_mAh_cm2", self.areal_capacity_mAh_cm2, 0.0, 50.0, unit="mAh/cm2")
        check_range("temperature_K", self.temperature_K, 150.0, 453.0, high_inclusive=True, unit="K")
        check_range("li_thickness_um", self.li_thickness_um, 0.0, 1e4, unit="um")
        check_range("sse_thickness_um", self.sse_thickness_um, 0.0, 1e4, unit="um")
        check_range("li_half_width_um", self.li_half_width_um, 0.0, 1e5, unit="um")
        check_range("gap_half_width_um", self.gap_half_width_um, 0.0, 1e5, low_inclusive=True, unit="um")
        if not self.geometry:
            raise ParameterError("geometry must not be empty: planar, lamellar and/or pillars")
        for geometry in self.geometry:
            check_choice("geometry", geometry, GEOMETRIES)
            self.host_params(geometry)
        try:
            material = mechanical_material(self.lithium)
        except ParameterError as error:
            raise ParameterError(f"lithium = {self.lithium!r}: {error}") from None
        if self.li_creep and not isinstance(material, CreepingSolid):
            raise ParameterError(f"lithium = {self.lithium!r} has no creep law; use li_creep = False")
        try:
            elastic_material(self.electrolyte)
        except ParameterError as error:
            raise ParameterError(f"electrolyte = {self.electrolyte!r}: {error}") from None
        check_choice("growth", self.growth, GROWTH_MODES)
        check_choice("degree", str(self.degree), ("1", "2"))
        for name in ("cells_li_z", "cells_sse_z", "cells_li_x"):
            check_range(name, getattr(self, name), 1, 200, low_inclusive=True, high_inclusive=True)
        low = 1 if self.gap_half_width_um > 0 else 0
        high = 200 if self.gap_half_width_um > 0 else 0
        if not low <= self.cells_gap_x <= high:
            raise ParameterError(
                f"cells_gap_x = {self.cells_gap_x} is outside the allowed range [{low}, {high}] "
                f"for gap_half_width_um = {self.gap_half_width_um:g} (0 exactly when there is no gap)"
            )
        check_range("first_time_step_s", self.first_time_step_s, 0.0, 1e5, unit="s")
        check_range("time_steps", self.time_steps, 2, 1000, low_inclusive=True, high_inclusive=True)
        check_choice("linear_solver", self.linear_solver, tuple(LINEAR_SOLVERS))
        check_range("groups", self.groups, 1, comm_size, low_inclusive=True, high_inclusive=True)

    def host_params(self, geometry: str) -> InterdigitatedParams | None:
        """The interdigitated cell of a host geometry (SI, geometries.interdigitated); None for planar."""
        if geometry == "planar":
            return None
        for name in _HOST_LENGTHS[geometry]:
            check_range(name, getattr(self, name), 0.0, 1e4, unit="um")
        common = {
            "finger_height": self.finger_height_um * UM,
            "separator_thickness": self.separator_thickness_um * UM,
            "base_thickness": self.base_thickness_um * UM,
            "mesh_size_interface": self.mesh_size_interface_um * UM,
            "mesh_size_bulk": self.mesh_size_bulk_um * UM,
        }
        try:
            if geometry == "lamellar":
                return LamellarParams(finger_width=self.finger_width_um * UM, pitch=self.pitch_um * UM, **common)
            return PillarParams(pillar_radius=self.pillar_radius_um * UM, pitch=self.pitch_um * UM, **common)
        except ParameterError as error:  # the builder speaks SI: say which geometry and that lengths are in m
            raise ParameterError(f"geometry {geometry} (lengths in m): {error}") from None

    @property
    def li_material(self) -> CreepingSolid | LinearElastic:
        return mechanical_material(self.lithium) if self.li_creep else elastic_material(self.lithium)

    @property
    def sse_material(self) -> LinearElastic:
        return elastic_material(self.electrolyte)


#: Lengths (config fields, um) that define each host geometry.
_HOST_LENGTHS = {
    "lamellar": ("finger_height_um", "finger_width_um", "pitch_um", "base_thickness_um", "separator_thickness_um"),
    "pillars": ("finger_height_um", "pillar_radius_um", "pitch_um", "base_thickness_um", "separator_thickness_um"),
}


@dataclass(frozen=True)
class Case:
    """One geometry, fixture, initial stack pressure and current density."""

    fixture: str
    initial_pressure_MPa: float
    current_density_mA_cm2: float
    fields: bool = False
    geometry: str = "planar"

    def label(self) -> str:
        text = f"{self.fixture}, p0 = {self.initial_pressure_MPa:g} MPa, i = {self.current_density_mA_cm2:g} mA/cm2"
        return text if self.geometry == "planar" else f"{self.geometry}, {text}"

    @property
    def case_id(self) -> str:
        text = f"{self.fixture}_p{self.initial_pressure_MPa:g}_i{self.current_density_mA_cm2:g}"
        text = text if self.geometry == "planar" else f"{self.geometry}_{text}"
        return text.replace(".", "p")


def build_cases(cfg: StackPressureConfig) -> list[Case]:
    """Every geometry x fixture x initial pressure x current density; fields for the fastest rigid
    case of each geometry."""
    cases = [
        Case(fixture, p0, i, geometry=geometry)
        for geometry in cfg.geometry
        for fixture in cfg.fixtures
        for p0 in cfg.initial_pressures_MPa
        for i in cfg.current_densities_mA_cm2
    ]
    pictures = [
        Case(cfg.fixtures[0], cfg.initial_pressures_MPa[0], max(cfg.current_densities_mA_cm2), geometry=geometry)
        for geometry in cfg.geometry
    ]
    return [replace(c, fields=cfg.fields and c in pictures) for c in cases]


def time_grid_s(t_end: float, first_step: float, uniform_steps: int) -> np.ndarray:
    """Output times: doubling steps from ``first_step`` (the fast creep transient after loading)
    until they reach t_end / uniform_steps, then uniform steps to t_end."""
    dt_uniform = t_end / uniform_steps
    times = list(dt_uniform * np.arange(1, uniform_steps + 1))
    t = first_step
    while t < 0.75 * dt_uniform:
        times.append(t)
        t *= 2.0
    return np.array(sorted(times))


# ----------------------------------------------------------------------------- one case


class _Stack:
    """The mechanics problem of one case with its plate, growth and pressure read-out."""

    def __init__(self, cfg: StackPressureConfig, comm: MPI.Comm, geometry: str = "planar") -> None:
        self.cfg = cfg
        self.geometry = geometry
        host = cfg.host_params(geometry)
        if host is None:
            h, L = cfg.li_thickness_um * UM, cfg.sse_thickness_um * UM
            w, gap = cfg.li_half_width_um * UM, cfg.gap_half_width_um * UM
            depth = w / cfg.cells_li_x  # one box layer in y (plane strain)
            self.md = li_strip_stack(
                comm, L, h, w, w + gap, depth, cfg.cells_sse_z, cfg.cells_li_z, cfg.cells_li_x, cfg.cells_gap_x
            )
            # lower plate frictionless under the electrolyte; upper plate bonded to the Li, displacement-controlled
            bcs = [Roller("bottom"), Roller("sides"), *(Displacement("top", 0.0, component=i) for i in range(3))]
            height, area = L + h, w * depth
        else:
            self.md = interdigitated_mesh(comm, host)
            # lower plate = current collector bonded to the Li base; upper plate (counter electrode) frictionless
            # on the electrolyte, displacement-controlled
            bcs = [Displacement("bottom", 0.0), Roller("sides"), Displacement("top", 0.0, component=2)]
            height, area = host.cell_height, host.footprint_area
        mesh = self.md.mesh
        self.growth = dolfinx.fem.Constant(mesh, 0.0)
        e_z = ufl.as_vector((0.0, 0.0, 1.0))
        uniaxial = cfg.growth == "uniaxial"
        eigen = self.growth * ufl.outer(e_z, e_z) if uniaxial else self.growth / 3.0 * ufl.Identity(3)
        self.problem = MechanicsProblem(
            self.md,
            {"sse": cfg.sse_material, "lithium": cfg.li_material},
            bcs,
            temperature_K=cfg.temperature_K,
            growth_strain={"lithium": eigen},
            degree=cfg.degree,
            petsc_options=LINEAR_SOLVERS[cfg.linear_solver],
        )
        p = self.problem
        scale = dolfinx.fem.Constant(mesh, -1.0 / (height * area))
        #: p = -(1/(H A)) int sigma_zz: the plate reaction tested with w = (z/H) e_z (exact for the discrete problem).
        self._pressure_form = dolfinx.fem.form(
            scale * p.stress("sse")[2, 2] * p.measure("sse") + scale * p.stress("lithium")[2, 2] * p.measure("lithium")
        )
        one = dolfinx.fem.Constant(mesh, 1.0)
        self._li_volume = self._assemble(dolfinx.fem.form(one * p.measure("lithium")))
        sse_volume = self._assemble(dolfinx.fem.form(one * p.measure("sse")))
        #: Plate contact area A (m2) and the Li and electrolyte volumes per unit A (m): the thicknesses of the
        #: equivalent planar layers.  Plated thickness delta adds the volume delta A as growth strain delta A / V_Li.
        self.area_m2, self.height_m = area, height
        self.li_thickness = self._li_volume / area
        self.sse_thickness = sse_volume / area
        self._creep_form = dolfinx.fem.form(p.accumulated_creep_strain * p.measure("lithium"))
        self.plate_m = 0.0
        self.failures = 0
        self.newton_iterations = 0
        self.plate_rate_m_s = 0.0  # spring fixture: last plate velocity and secant slope (predictors)
        self.spring_slope: float | None = None

    def _assemble(self, form: Any) -> float:
        return self.md.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)

    def pressure_Pa(self) -> float:
        return self._assemble(self._pressure_form)

    def mean_creep_strain(self) -> float:
        return self._assemble(self._creep_form) / self._li_volume

    def set_plate(self, displacement_m: float) -> None:
        self.plate_m = displacement_m
        self.problem.set_displacement("top", displacement_m, component=2)

    def set_plated(self, thickness_m: float) -> None:
        self.growth.value = thickness_m / self.li_thickness

    def elastic_response(self) -> tuple[float, float]:
        """(a, b): plate stiffness dp/d(-d) and growth stiffness dp/d(delta) in Pa/m of the
        creep-free model, by two elastic (dt = 0) solves; the state is returned to zero."""
        probe = 1e-3 * self.li_thickness
        self.set_plate(-probe)
        self.problem.step(0.0)
        a = self.pressure_Pa() / probe
        self.set_plate(0.0)
        self.set_plated(probe)
        self.problem.step(0.0)
        b = self.pressure_Pa() / probe
        self.set_plated(0.0)
        return a, b

    # -- state snapshots for the spring iteration (re-solving one interval) --
    def snapshot(self) -> MechanicsState:
        return self.problem.save_state()

    def restore(self, state: MechanicsState) -> None:
        self.problem.restore_state(state)

    def advance_to(self, t_end: float, rate_m_s: float) -> int:
        """Advance the (fixed-plate) problem to t_end, halving failed steps; returns steps taken."""
        p = self.problem
        history = p.advance(t_end - p.time_s, t_end - p.time_s, before_step=lambda t: self.set_plated(rate_m_s * t))
        self.failures += len(history.failures)
        self.newton_iterations += history.newton_iterations
        return len(history.steps)


def _spring_interval(
    stack: _Stack, t_end: float, rate: float, p0: float, d0: float, k: float, a: float, tol_Pa: float
) -> int:
    """One output interval with the plate on the spring: find d with d = d0 + (p(d) - p0) / k.

    Secant iteration on r(d) = k (d - d0) - (p(d) - p0); the first iterate
    extrapolates the previous interval's plate rate, the second uses the previous
    interval's converged secant slope (at first the creep-free dr/dd = k + a);
    each iterate re-solves the interval from the saved state.  Returns the solves.
    """
    start = stack.snapshot()
    t0, d_start = stack.problem.time_s, stack.plate_m
    d = d_start + stack.plate_rate_m_s * (t_end - t0)
    d_prev = r_prev = None
    slope = stack.spring_slope if stack.spring_slope is not None else k + a
    for iteration in range(1, 40):
        if iteration > 1:
            stack.restore(start)
        stack.set_plate(d)
        stack.advance_to(t_end, rate)
        r = k * (d - d0) - (stack.pressure_Pa() - p0)
        if abs(r) <= tol_Pa:
            stack.plate_rate_m_s = (d - d_start) / (t_end - t0)
            return iteration
        if d_prev is not None and d != d_prev:
            slope = (r - r_prev) / (d - d_prev)
            stack.spring_slope = slope
        d_prev, r_prev = d, r
        d = d - r / slope
    raise MechanicsConvergenceError(
        f"stack spring iteration did not converge at t = {t_end:.6g} s (residual {r:.3g} Pa)", t_end, 0.0, 0
    )


def run_case(cfg: StackPressureConfig, case: Case, comm: MPI.Comm, out: Path) -> dict[str, Any]:
    """Apply p0, plate the capacity at the case's current density, record p(t)."""
    start = time.perf_counter()
    stack = _Stack(cfg, comm, case.geometry)
    problem = stack.problem
    a, b = stack.elastic_response()
    p0 = case.initial_pressure_MPa * MPA
    d0 = -p0 / a
    stack.set_plate(d0)
    problem.step(0.0)  # the initial stack pressure, elastic and linear: exact
    rate = case.current_density_mA_cm2 * A_M2_PER_MA_CM2 * LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL
    q_C_m2 = cfg.areal_capacity_mAh_cm2 * C_M2_PER_MAH_CM2
    t_end = q_C_m2 / (case.current_density_mA_cm2 * A_M2_PER_MA_CM2)
    times = time_grid_s(t_end, min(cfg.first_time_step_s, t_end / cfg.time_steps / 2.0), cfg.time_steps)
    spring = case.fixture == "spring"
    k = cfg.spring_stiffness_MPa_per_um * MPA / UM if spring else math.inf
    elastic_gain = b / (1.0 + a / k)  # p_el - p0 = b delta / (1 + a / k)
    tol = 1e-6 * max(p0, MPA)  # Pa: the spring balance to 1 ppm of the pressure scale
    initial_check = stack.pressure_Pa() / MPA
    history = {"time_h": [0.0], "pressure_MPa": [initial_check]}
    plate_iterations = 0
    writer = _field_writer(out / "fields" / case.case_id, stack) if case.fields else None
    if writer is not None:
        writer.write()
    for t in times:
        if spring:
            plate_iterations += _spring_interval(stack, float(t), rate, p0, d0, k, a, tol)
        else:
            stack.advance_to(float(t), rate)
        if writer is not None:
            writer.write()
        history["time_h"].append(float(t) / 3600.0)
        history["pressure_MPa"].append(stack.pressure_Pa() / MPA)
        if comm.rank == 0 and len(history["time_h"]) % 8 == 0:
            print(f"  {case.label()}: t = {t / 3600:.4g} h, p = {history['pressure_MPa'][-1]:.4g} MPa", flush=True)
    time_h = np.array(history["time_h"])
    pressure = np.array(history["pressure_MPa"])
    capacity = time_h * case.current_density_mA_cm2  # mAh/cm2
    plated_um = capacity * plated_thickness_um(1.0)
    elastic = case.initial_pressure_MPa + elastic_gain * plated_um * UM / MPA
    planar = case.geometry == "planar"  # hosts: layers of the same Li and electrolyte volume per plate area
    confined = case.initial_pressure_MPa + confined_pressure_rise_MPa(
        plated_um[-1],
        cfg.li_thickness_um if planar else stack.li_thickness / UM,
        cfg.sse_thickness_um if planar else stack.sse_thickness / UM,
        elastic_material(cfg.lithium),
        cfg.sse_material,
        cfg.spring_stiffness_MPa_per_um if spring else None,
    )
    final_rate = (pressure[-1] - pressure[-2]) / (time_h[-1] - time_h[-2])
    elastic_rate = elastic_gain * rate * 3600.0 / MPA
    rise = pressure[-1] - case.initial_pressure_MPa
    result: dict[str, Any] = {
        "case_id": case.case_id,
        "geometry": case.geometry,
        "li_equivalent_thickness_um": stack.li_thickness / UM,
        "sse_equivalent_thickness_um": stack.sse_thickness / UM,
        "fixture": case.fixture,
        "spring_stiffness_MPa_per_um": cfg.spring_stiffness_MPa_per_um if spring else None,
        "current_density_mA_cm2": case.current_density_mA_cm2,
        "initial_pressure_MPa": case.initial_pressure_MPa,
        "initial_pressure_check_MPa": initial_check,
        "areal_capacity_mAh_cm2": cfg.areal_capacity_mAh_cm2,
        "plating_time_h": t_end / 3600.0,
        "plated_thickness_um": float(plated_um[-1]),
        "final_pressure_MPa": float(pressure[-1]),
        "peak_pressure_MPa": float(pressure.max()),
        "minimum_pressure_MPa": float(pressure.min()),
        "pressure_change_MPa": float(rise),
        "pressure_rises": bool(rise > 0.0),
        "pressure_rise_rate_MPa_per_h": float(final_rate),
        "mean_pressure_rise_rate_MPa_per_h": float(rise / time_h[-1]),
        "elastic_only_pressure_rise_rate_MPa_per_h": float(elastic_rate),
        "pressure_still_rising": bool(final_rate > 1e-3 * elastic_rate),
        "elastic_only_final_pressure_MPa": float(elastic[-1]),
        "confined_elastic_final_pressure_MPa": float(confined),
        "creep_relief_MPa": float(elastic[-1] - pressure[-1]),
        "elastic_storage_fraction": float(rise / (elastic[-1] - case.initial_pressure_MPa)),
        "li_mean_accumulated_creep_strain": stack.mean_creep_strain(),
        "plate_stiffness_MPa_per_um": a * UM / MPA,
        "growth_stiffness_MPa_per_um": b * UM / MPA,
        "num_dofs": problem.num_dofs,
        "num_cells": int(stack.md.mesh.topology.index_map(3).size_global),
        "output_times": len(times),
        "newton_iterations": stack.newton_iterations,
        "failed_steps": stack.failures,
        "plate_iterations": plate_iterations,
        "solve_seconds": time.perf_counter() - start,
        "history": {
            "time_h": time_h.tolist(),
            "capacity_mAh_cm2": capacity.tolist(),
            "pressure_MPa": pressure.tolist(),
            "elastic_only_pressure_MPa": elastic.tolist(),
        },
    }
    if writer is not None:
        writer.close()
        result["fields"] = f"fields/{case.case_id}"
        result["field_times"] = len(writer.times)
    problem.destroy()
    return result


def _field_writer(path: Path, stack: _Stack) -> MechanicsFieldWriter:
    """VTX time series (fem.mechanics.output): displacement, DG0 von Mises and hydrostatic stress,
    sigma_zz, accumulated creep strain, stress tensor, and the normal traction on the Li side of
    the Li | electrolyte interface and on the upper plate; mesh and tags as XDMF."""
    p = stack.problem
    tractions = [FacetSide("li_sse", "lithium"), FacetSide("top")]
    writer = MechanicsFieldWriter(p, path, tractions, extra={"stress_zz_Pa": lambda region: p.stress(region)[2, 2]})
    write_mesh_xdmf(path / "mesh_tags.xdmf", stack.md)
    return writer


# ----------------------------------------------------------------------------- report


def thresholds(cfg: StackPressureConfig, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per geometry, fixture and initial pressure: the current density above which p rises over the capacity.

    The sign change of p_final - p0 between neighbouring currents of the sweep is
    located by linear interpolation in log(i); outside the swept range only a
    bound is reported.
    """
    rows = []
    for geometry, fixture, p0 in itertools.product(cfg.geometry, cfg.fixtures, cfg.initial_pressures_MPa):
        cases = sorted(
            (
                r
                for r in results
                if (r["geometry"], r["fixture"], r["initial_pressure_MPa"]) == (geometry, fixture, p0)
            ),
            key=lambda r: r["current_density_mA_cm2"],
        )
        currents = [r["current_density_mA_cm2"] for r in cases]
        change = [r["pressure_change_MPa"] for r in cases]
        row: dict[str, Any] = {
            "geometry": geometry,
            "fixture": fixture,
            "initial_pressure_MPa": p0,
            "threshold_current_density_mA_cm2": None,
            "bracket_mA_cm2": None,
            "bound": "",
            "power_law_exponent": None,
            "threshold_power_law_fit_mA_cm2": None,
        }
        if len(cases) >= 2 and all(r["final_pressure_MPa"] > 0.0 for r in cases):
            # creep-limited plateau p ~ C i^m: fit log p_final against log i, solve p = p0
            m, log_c = np.polyfit(np.log(currents), np.log([r["final_pressure_MPa"] for r in cases]), 1)
            row["power_law_exponent"] = float(m)
            if m > 0.0 and p0 > 0.0:
                row["threshold_power_law_fit_mA_cm2"] = float(math.exp((math.log(p0) - log_c) / m))
        for k in range(len(cases) - 1):
            if change[k] <= 0.0 < change[k + 1]:
                x0, x1 = math.log(currents[k]), math.log(currents[k + 1])
                s = -change[k] / (change[k + 1] - change[k])
                row["threshold_current_density_mA_cm2"] = math.exp(x0 + s * (x1 - x0))
                row["bracket_mA_cm2"] = [currents[k], currents[k + 1]]
                break
        else:
            if change and change[0] > 0.0:
                row["bound"] = f"below {currents[0]:g} mA/cm2 (pressure rises at every swept current)"
            elif change:
                row["bound"] = f"above {currents[-1]:g} mA/cm2 (creep keeps up at every swept current)"
        rows.append(row)
    return rows


def _figures(out: Path, cfg: StackPressureConfig, results: list[dict[str, Any]]) -> list[str]:
    figures = []
    styles = ("o-", "s-", "^-", "v-", "d-", "x-", "+-", "*-")
    for geometry, fixture in itertools.product(cfg.geometry, cfg.fixtures):
        cases = [r for r in results if (r["geometry"], r["fixture"]) == (geometry, fixture)]
        tag = fixture if geometry == "planar" else f"{geometry}_{fixture}"
        title = f"{fixture} fixture" if geometry == "planar" else f"{geometry} host, {fixture} fixture"
        series = []
        for n, r in enumerate(cases):
            series.append(
                {
                    "x": r["history"]["capacity_mAh_cm2"],
                    "y": r["history"]["pressure_MPa"],
                    "label": f"p0 {r['initial_pressure_MPa']:g} MPa, {r['current_density_mA_cm2']:g} mA/cm2",
                    "style": styles[n % len(styles)],
                }
            )
        name = f"figures/pressure_vs_capacity_{tag}.png"
        line_plot(
            out / name,
            series,
            "plated capacity (mAh/cm2)",
            "stack pressure (MPa)",
            f"Stack pressure during plating, {title}",
        )
        figures.append(name)
        series_t = [
            {**s, "x": np.maximum(r["history"]["time_h"], 1e-7) * 3600.0} for s, r in zip(series, cases, strict=True)
        ]
        name = f"figures/pressure_vs_time_{tag}.png"
        line_plot(out / name, series_t, "time (s)", "stack pressure (MPa)", title, logx=True)
        figures.append(name)
    series = []
    for geometry, fixture, p0 in itertools.product(cfg.geometry, cfg.fixtures, cfg.initial_pressures_MPa):
        cases = sorted(
            (r for r in results if (r["geometry"], r["fixture"], r["initial_pressure_MPa"]) == (geometry, fixture, p0)),
            key=lambda r: r["current_density_mA_cm2"],
        )
        prefix = "" if geometry == "planar" else f"{geometry}, "
        series.append(
            {
                "x": [r["current_density_mA_cm2"] for r in cases],
                "y": [r["final_pressure_MPa"] for r in cases],
                "label": f"{prefix}{fixture}, p0 = {p0:g} MPa",
            }
        )
    name = "figures/final_pressure_vs_current.png"
    line_plot(
        out / name,
        series,
        "current density (mA/cm2)",
        "stack pressure after plating (MPa)",
        f"After {cfg.areal_capacity_mAh_cm2:g} mAh/cm2",
        logx=True,
        logy=True,
    )
    figures.append(name)
    return figures


def geometry_comparison(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each host case next to the planar case of the same fixture, p0 and current (when both ran)."""
    planar = {
        (r["fixture"], r["initial_pressure_MPa"], r["current_density_mA_cm2"]): r
        for r in results
        if r["geometry"] == "planar"
    }
    rows = []
    for r in results:
        key = (r["fixture"], r["initial_pressure_MPa"], r["current_density_mA_cm2"])
        if r["geometry"] == "planar" or key not in planar:
            continue
        ref = planar[key]
        rows.append(
            {
                "geometry": r["geometry"],
                "fixture": r["fixture"],
                "initial_pressure_MPa": r["initial_pressure_MPa"],
                "current_density_mA_cm2": r["current_density_mA_cm2"],
                "final_pressure_MPa": r["final_pressure_MPa"],
                "planar_final_pressure_MPa": ref["final_pressure_MPa"],
                "difference_vs_planar_MPa": r["final_pressure_MPa"] - ref["final_pressure_MPa"],
                "ratio_to_planar": r["final_pressure_MPa"] / ref["final_pressure_MPa"],
                "pressure_rise_rate_MPa_per_h": r["pressure_rise_rate_MPa_per_h"],
                "planar_pressure_rise_rate_MPa_per_h": ref["pressure_rise_rate_MPa_per_h"],
                "elastic_storage_fraction": r["elastic_storage_fraction"],
                "planar_elastic_storage_fraction": ref["elastic_storage_fraction"],
            }
        )
    return rows


CASE_COLUMNS = (
    ("geometry", "geometry"),
    ("fixture", "fixture"),
    ("initial_pressure_MPa", "p0 (MPa)"),
    ("current_density_mA_cm2", "i (mA/cm2)"),
    ("plating_time_h", "time (h)"),
    ("final_pressure_MPa", "p final (MPa)"),
    ("minimum_pressure_MPa", "p min (MPa)"),
    ("pressure_rise_rate_MPa_per_h", "dp/dt at end (MPa/h)"),
    ("elastic_only_final_pressure_MPa", "creep-free p (MPa)"),
    ("creep_relief_MPa", "creep relief (MPa)"),
    ("elastic_storage_fraction", "stored fraction"),
    ("li_mean_accumulated_creep_strain", "mean creep strain"),
    ("newton_iterations", "Newton its"),
    ("solve_seconds", "time (s)"),
)


COMPARISON_COLUMNS = (
    ("geometry", "host"),
    ("fixture", "fixture"),
    ("initial_pressure_MPa", "p0 (MPa)"),
    ("current_density_mA_cm2", "i (mA/cm2)"),
    ("final_pressure_MPa", "p final, host (MPa)"),
    ("planar_final_pressure_MPa", "p final, planar (MPa)"),
    ("difference_vs_planar_MPa", "host - planar (MPa)"),
    ("ratio_to_planar", "host / planar"),
    ("pressure_rise_rate_MPa_per_h", "dp/dt at end, host (MPa/h)"),
    ("planar_pressure_rise_rate_MPa_per_h", "dp/dt at end, planar (MPa/h)"),
    ("elastic_storage_fraction", "stored fraction, host"),
    ("planar_elastic_storage_fraction", "stored fraction, planar"),
)


def _host_lines(cfg: StackPressureConfig, report: dict[str, Any]) -> list[str]:
    """The host geometries and, when the planar cases ran too, the comparison with them."""
    hosts = [g for g in cfg.geometry if g != "planar"]
    if not hosts:
        return []
    lines = ["## 3D hosts (geometries.interdigitated)", ""]
    for geometry in hosts:
        params = cfg.host_params(geometry)
        lines.append(
            f"* {geometry}: {params.describe()}, {cfg.finger_height_um:g} um tall on a "
            f"{cfg.base_thickness_um:g} um Li base, {cfg.separator_thickness_um:g} um {cfg.electrolyte} above the "
            f"tips; interface area {params.interface_area_ratio:.3g} x the footprint; mesh "
            f"{cfg.mesh_size_interface_um:g}-{cfg.mesh_size_bulk_um:g} um."
        )
    lines += [
        "",
        "The Li fingers are embedded in the electrolyte (a dense Li | electrolyte composite, the interdigitated "
        "anode of the library): the Li has no free surface to creep into. The lower plate is the current "
        "collector, bonded to the Li base; the upper plate (counter electrode) is frictionless on the "
        "electrolyte and displacement-controlled; the cell sides are symmetry planes. Stack pressure = plate "
        "force / cell footprint. The plated volume (delta per footprint) is a growth strain delta A / V_Li "
        f"({cfg.growth}) spread over all the Li; the current density is per footprint. The 1D reference uses "
        "layers of the same Li and electrolyte volume per footprint (li/sse_equivalent_thickness_um).",
        "",
    ]
    rows = report["geometry_comparison"]
    if rows:
        lines += ["Final pressure after plating, host vs planar (same fixture, p0 and current):", ""]
        lines += [markdown_table(rows, COMPARISON_COLUMNS), ""]
        for geometry, fixture in itertools.product(hosts, cfg.fixtures):
            mine = [r for r in rows if (r["geometry"], r["fixture"]) == (geometry, fixture)]
            if mine:
                diff = [r["difference_vs_planar_MPa"] for r in mine]
                ratio = [r["ratio_to_planar"] for r in mine]
                rate = [r["pressure_rise_rate_MPa_per_h"] for r in mine]
                planar_rate = [r["planar_pressure_rise_rate_MPa_per_h"] for r in mine]
                lines.append(
                    f"* {geometry}, {fixture}: final pressure {min(diff):+.4g} to {max(diff):+.4g} MPa vs planar "
                    f"({min(ratio):.3g} to {max(ratio):.3g} x) over {len(mine)} case(s); pressure still rising at "
                    f"{min(rate):.3g} to {max(rate):.3g} MPa/h at the end (planar {min(planar_rate):.3g} to "
                    f"{max(planar_rate):.3g} MPa/h)."
                )
        lines.append("")
    return lines


def _markdown(cfg: StackPressureConfig, report: dict[str, Any]) -> str:
    mat = report["materials"]
    ref = report["confined_reference"]
    cap = cfg.areal_capacity_mAh_cm2
    lines = [
        "# Stack pressure during Li plating in a rigid or spring-loaded fixture",
        "",
        f"Li ({mat['lithium']['model']}, E = {mat['lithium']['youngs_modulus_Pa'] / 1e9:g} GPa, "
        f"nu = {mat['lithium']['poisson_ratio']:g}{mat['lithium']['creep_text']}) "
        f"{cfg.li_thickness_um:g} um thick on {cfg.sse_thickness_um:g} um {cfg.electrolyte} "
        f"(E = {mat['electrolyte']['youngs_modulus_Pa'] / 1e9:g} GPa, nu = {mat['electrolyte']['poisson_ratio']:g}), "
        f"plane-strain periodic strip: Li strips {2 * cfg.li_half_width_um:g} um wide, free gaps "
        f"{2 * cfg.gap_half_width_um:g} um wide; lower plate frictionless, upper plate bonded to the Li. "
        f"T = {cfg.temperature_K:g} K. Plating {cap:g} mAh/cm2 ({plated_thickness_um(cap):.3g} um of Li, "
        f"4.85 um per mAh/cm2) as {cfg.growth} growth strain in the Li. P{cfg.degree} elements.",
        "",
        "Fixtures: `rigid` holds the plate after applying p0; `spring` carries it on a stack spring of "
        f"{cfg.spring_stiffness_MPa_per_um:g} MPa/um (per unit electrode area). Stack pressure = plate force / Li "
        "footprint. The creep-free pressure is the same model without creep (linear, exact from two elastic "
        "solves); creep relief = creep-free - actual; stored fraction = (p - p0) / (creep-free - p0).",
        "",
        "Laterally confined reference (no gap, uniaxial strain in both layers): p - p0 = delta / (h / M_Li + "
        f"L / M_SSE + 1/k) with M = E(1-nu)/((1+nu)(1-2nu)): M_Li = {ref['li_constrained_modulus_GPa']:.4g} GPa, "
        f"M_SSE = {ref['sse_constrained_modulus_GPa']:.4g} GPa; rigid: "
        f"{ref['rigid_pressure_rise_MPa_per_um']:.4g} MPa per um plated "
        f"({ref['rigid_pressure_rise_MPa'] / 1e3:.3g} GPa after {cap:g} mAh/cm2).",
        "",
        *_host_lines(cfg, report),
        "## Cases",
        "",
        markdown_table(report["cases"], CASE_COLUMNS),
        "",
        "## Threshold current density (deposition outruns creep)",
        "",
        "Current density above which the stack pressure after plating exceeds the initial one, interpolated "
        "in log(i) between the swept currents (a scan, not a bisection). The creep-limited plateau follows "
        "p_final ~ i^m (m close to 1/n of the creep law); the fitted power law, solved for p_final = p0, "
        "extends the estimate beyond the sweep (an extrapolation where no sign change was bracketed).",
        "",
        markdown_table(
            [{**t, "bound": t["bound"] or "-"} for t in report["thresholds"]],
            (
                ("geometry", "geometry"),
                ("fixture", "fixture"),
                ("initial_pressure_MPa", "p0 (MPa)"),
                ("threshold_current_density_mA_cm2", "threshold i, interpolated (mA/cm2)"),
                ("bound", "outside the sweep"),
                ("power_law_exponent", "m in p_final ~ i^m"),
                ("threshold_power_law_fit_mA_cm2", "threshold i, power-law fit (mA/cm2)"),
            ),
        ),
        "",
    ]
    if report["figures"]:
        lines += ["## Figures", ""] + [f"![{Path(f).stem}]({f})" for f in report["figures"]] + [""]
    lines += [
        "## Comparison with Yang et al. 2023",
        "",
        f"* Observed: {YANG_2023}",
        "* Modelled: one plating half-cycle of a laterally periodic Li strip between plates. Creep-free, the "
        "plated Li would raise the pressure by GPa in a rigid fixture (table: creep-free p); Li creep relieves "
        "almost all of it by extrusion into the free gaps, and the pressure settles at a creep-limited level "
        "that rises with current density (final pressure vs current). Where that level exceeds p0 the pressure "
        "builds up during plating: qualitatively Yang et al.'s build-up when deposition outruns creep. With "
        "no free surface (gap 0) creep cannot relieve the pressure at all: the volume has nowhere to go and "
        "the confined Li stiffens only from M to its bulk modulus.",
        "* Missing: stripping and repeated cycles (so no accumulation over cycles, no cell failure criterion, "
        "no void formation on stripping); the LTO electrode and its small volume change; finite strain and the "
        "growing Li thickness; deposition localised at the interface (growth is spread over the Li); "
        "interface sliding/friction; Li creep outside the 0.2-0.6 MPa fit range of Masias et al. is an "
        "extrapolation; the geometry (strip width, gap) sets the squeeze-flow resistance and is a free "
        "parameter, not taken from the experiment (Yang's 1.5 mAh is a cell capacity, used here as mAh/cm2).",
        "* Kinematics are linearised: the plated thickness is a large fraction of h and the squeeze flow "
        "accumulates equivalent creep strains of order one (table: mean creep strain), far outside small "
        "strain. The pressures are a qualitative, creep-law-controlled estimate; the plateau scaling "
        "p ~ i^(1/n) and the ordering of the cases are the robust results.",
        f"* {report['environment']['mpi_ranks']} MPI rank(s), wall time {report['wall_time_s']:.1f} s. "
        "Fields for ParaView (one case): fields/<case>/*.bp, VTX time series at every output time: "
        "displacement, cell-averaged (DG0) von Mises, hydrostatic and zz stress, accumulated creep strain, "
        "stress tensor, and the normal traction on the Li side of the interface and on the plate "
        "(normal_traction_*.bp, on the facets); mesh_tags.xdmf.",
        "",
    ]
    return "\n".join(lines)


def write_report(
    out: Path, cfg: StackPressureConfig, results: list[dict[str, Any]], comm: MPI.Comm, wall: float
) -> dict[str, Any]:
    """report.json, report.md and the figures (rank 0)."""
    li, sse = elastic_material(cfg.lithium), cfg.sse_material
    li_model = cfg.li_material
    creep_text = ""
    lithium = {"model": "elastic", "youngs_modulus_Pa": li.youngs_modulus_Pa, "poisson_ratio": li.poisson_ratio}
    if isinstance(li_model, CreepingSolid) and isinstance(li_model.creep, AnandViscoplasticity):
        c = li_model.creep
        lithium.update(model="elastic-viscoplastic (Anand)", creep_parameters=asdict(c), creep_source=c.source)
        creep_text = (
            f", Anand: A {c.rate_prefactor_1_s:g} 1/s, Q {c.activation_energy_J_mol:g} J/mol, "
            f"m {c.rate_sensitivity:g}, S0 {c.initial_resistance_Pa / MPA:g} MPa, H0 {c.hardening_modulus_Pa / MPA:g} "
            f"MPa, S_tilde {c.saturation_coefficient_Pa / MPA:g} MPa, n {c.saturation_exponent:g}, "
            f"a {c.hardening_exponent:g}"
        )
    elif isinstance(li_model, CreepingSolid):
        c = li_model.creep
        lithium.update(
            model="elastic + Norton creep",
            creep_rate_prefactor_1_s=c.rate_prefactor_1_s,
            creep_reference_stress_Pa=c.reference_stress_Pa,
            creep_stress_exponent=c.stress_exponent,
            creep_activation_energy_J_mol=c.activation_energy_J_mol,
            creep_source=c.source,
        )
        creep_text = (
            f", creep {c.rate_prefactor_1_s:g} 1/s (sigma/{c.reference_stress_Pa / MPA:g} MPa)^{c.stress_exponent:g}"
        )
    plated = plated_thickness_um(cfg.areal_capacity_mAh_cm2)
    per_um = confined_pressure_rise_MPa(1.0, cfg.li_thickness_um, cfg.sse_thickness_um, li, sse)
    report = {
        "study": "stack_pressure",
        "parameters": asdict(cfg),
        "materials": {
            "lithium": {**lithium, "source": li.source, "creep_text": creep_text},
            "electrolyte": {
                "name": sse.name,
                "youngs_modulus_Pa": sse.youngs_modulus_Pa,
                "poisson_ratio": sse.poisson_ratio,
                "source": sse.source,
            },
        },
        "plated_thickness_um_per_mAh_cm2": plated_thickness_um(1.0),
        "confined_reference": {
            "li_constrained_modulus_GPa": constrained_modulus_Pa(li) / 1e9,
            "sse_constrained_modulus_GPa": constrained_modulus_Pa(sse) / 1e9,
            "rigid_pressure_rise_MPa_per_um": per_um,
            "rigid_pressure_rise_MPa": per_um * plated,
        },
        "cases": results,
        "thresholds": thresholds(cfg, results),
        "geometry_comparison": geometry_comparison(results),
        "literature": {"yang_2023": YANG_2023},
        "environment": environment(comm, cfg.groups),
        "wall_time_s": wall,
        "figures": [],
    }
    (out / "figures").mkdir(exist_ok=True)
    report["figures"] = _figures(out, cfg, results)
    write_json(out / "report.json", report)
    (out / "report.md").write_text(_markdown(cfg, report))
    return report


# ----------------------------------------------------------------------------- CLI


ARGUMENT_HELP = {
    **COMMON_HELP,
    "current_densities_mA_cm2": "plating current densities, mA/cm2, in (0, 100)",
    "initial_pressures_MPa": "initial stack pressures p0, MPa, in [0, 200)",
    "fixtures": "rigid (plate held after p0) and/or spring (plate on a stack spring)",
    "spring_stiffness_MPa_per_um": "stack spring stiffness per electrode area, MPa per um of plate travel",
    "areal_capacity_mAh_cm2": "plated areal capacity per case, mAh/cm2, in (0, 50)",
    "temperature_K": "temperature, K, in (150, 453] (Arrhenius factor of the creep law)",
    "li_thickness_um": "Li layer thickness h, um",
    "sse_thickness_um": "electrolyte layer thickness L, um",
    "li_half_width_um": "half-width w of a Li strip (symmetry plane to free edge), um",
    "gap_half_width_um": "half-width of the free gap between Li strips, um (0: laterally confined Li)",
    "lithium": "Li mechanical parameter set (fem/data/materials.toml): Li (Norton creep) or Li_Anand (Anand)",
    "geometry": "planar (Li strip with free gaps) and/or lamellar, pillars (3D hosts: Li fingers in the electrolyte)",
    "finger_height_um": "hosts: height of the Li fingers above the Li base, um",
    "finger_width_um": "lamellar host: width of the Li walls, um",
    "pillar_radius_um": "pillars host: radius of the (cylindrical, square lattice) Li pillars, um",
    "pitch_um": "hosts: finger pitch (cell width), um",
    "base_thickness_um": "hosts: Li base layer on the current collector, um",
    "separator_thickness_um": "hosts: electrolyte above the finger tips, um",
    "mesh_size_interface_um": "hosts: element size at the Li | electrolyte interface, um",
    "mesh_size_bulk_um": "hosts: element size away from the interface, um",
    "electrolyte": "electrolyte mechanical parameter set (fem/data/materials.toml)",
    "li_creep": "switch off Li creep (linear-elastic Li)",
    "growth": "growth eigenstrain: uniaxial (through thickness) or isotropic",
    "cells_li_z": "boxes through the Li thickness",
    "cells_sse_z": "boxes through the electrolyte thickness",
    "cells_li_x": "boxes across the Li half-width",
    "cells_gap_x": "boxes across the gap half-width (0 exactly when there is no gap)",
    "first_time_step_s": "first time step after loading, s (steps double until uniform)",
    "time_steps": "uniform time steps over the plating, 2 to 1000",
    "linear_solver": "direct (MUMPS LU, default: small meshes) or iterative (CG + BoomerAMG)",
}


def run_study(cfg: StackPressureConfig, out: Path, comm: MPI.Comm = MPI.COMM_WORLD) -> dict[str, Any] | None:
    """Validate, run every case, write the report into ``out`` atomically; report on rank 0."""
    return run_config_study("stack pressure study", cfg, build_cases, run_case, write_report, out, comm, Case.label)


def main(argv: list[str] | None = None) -> int:
    description = __doc__.split("\n\n")[0]
    prog = "python -m studies.stack_pressure"
    return study_main(prog, description, StackPressureConfig, ARGUMENT_HELP, run_study, argv)


if __name__ == "__main__":
    sys.exit(run_cli(main))
