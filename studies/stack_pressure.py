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

import math
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import CreepingSolid, LinearElastic, elastic_material, mechanical_material
from fem.mechanics import Displacement, MechanicsConvergenceError, MechanicsProblem, Roller
from fem.output import write_fields_vtx, write_mesh_xdmf
from fem.validation import ParameterError, check_choice, check_range
from geometries.stack import li_strip_stack
from studies._cli import COMMON_HELP, run_cli, study_main
from studies._figures import line_plot
from studies._output import write_json
from studies._report import environment, markdown_table
from studies._sweep import run_cases_to_report

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

    @property
    def li_material(self) -> CreepingSolid | LinearElastic:
        return mechanical_material(self.lithium) if self.li_creep else elastic_material(self.lithium)

    @property
    def sse_material(self) -> LinearElastic:
        return elastic_material(self.electrolyte)


@dataclass(frozen=True)
class Case:
    """One fixture, initial stack pressure and current density."""

    fixture: str
    initial_pressure_MPa: float
    current_density_mA_cm2: float
    fields: bool = False

    def label(self) -> str:
        return f"{self.fixture}, p0 = {self.initial_pressure_MPa:g} MPa, i = {self.current_density_mA_cm2:g} mA/cm2"

    @property
    def case_id(self) -> str:
        text = f"{self.fixture}_p{self.initial_pressure_MPa:g}_i{self.current_density_mA_cm2:g}"
        return text.replace(".", "p")


def build_cases(cfg: StackPressureConfig) -> list[Case]:
    """Every fixture x initial pressure x current density; fields for the fastest rigid one."""
    cases = [
        Case(fixture, p0, i)
        for fixture in cfg.fixtures
        for p0 in cfg.initial_pressures_MPa
        for i in cfg.current_densities_mA_cm2
    ]
    picture = Case(cfg.fixtures[0], cfg.initial_pressures_MPa[0], max(cfg.current_densities_mA_cm2))
    return [replace(c, fields=cfg.fields and c == picture) for c in cases]


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

    def __init__(self, cfg: StackPressureConfig, comm: MPI.Comm) -> None:
        self.cfg = cfg
        h, L = cfg.li_thickness_um * UM, cfg.sse_thickness_um * UM
        w, gap = cfg.li_half_width_um * UM, cfg.gap_half_width_um * UM
        depth = w / cfg.cells_li_x  # one box layer in y (plane strain)
        self.md = li_strip_stack(
            comm, L, h, w, w + gap, depth, cfg.cells_sse_z, cfg.cells_li_z, cfg.cells_li_x, cfg.cells_gap_x
        )
        mesh = self.md.mesh
        self.growth = dolfinx.fem.Constant(mesh, 0.0)
        e_z = ufl.as_vector((0.0, 0.0, 1.0))
        uniaxial = cfg.growth == "uniaxial"
        eigen = self.growth * ufl.outer(e_z, e_z) if uniaxial else self.growth / 3.0 * ufl.Identity(3)
        bcs = [
            Roller("bottom"),
            Roller("sides"),
            Displacement("top", 0.0, component=0),
            Displacement("top", 0.0, component=1),
            Displacement("top", 0.0, component=2),
        ]
        self.problem = MechanicsProblem(
            self.md,
            {"sse": cfg.sse_material, "lithium": cfg.li_material},
            bcs,
            temperature_K=cfg.temperature_K,
            growth_strain={"lithium": eigen},
            degree=cfg.degree,
            petsc_options=LINEAR_SOLVERS[cfg.linear_solver],
        )
        self.li_thickness = h
        height, area = L + h, w * depth
        p = self.problem
        scale = dolfinx.fem.Constant(mesh, -1.0 / (height * area))
        #: p = -(1/(H A)) int sigma_zz: the plate reaction tested with w = (z/H) e_z (exact for the discrete problem).
        self._pressure_form = dolfinx.fem.form(
            scale * p.stress("sse")[2, 2] * p.measure("sse") + scale * p.stress("lithium")[2, 2] * p.measure("lithium")
        )
        one = dolfinx.fem.Constant(mesh, 1.0)
        self._li_volume = self._assemble(dolfinx.fem.form(one * p.measure("lithium")))
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
    def _state_arrays(self) -> list[np.ndarray]:
        p = self.problem
        functions = [p.u, p._u_old, p.creep_strain, p._creep_strain_old, p.accumulated_creep_strain]
        return [f.x.array for f in functions]

    def snapshot(self) -> tuple[float, list[np.ndarray]]:
        return self.problem.time_s, [a.copy() for a in self._state_arrays()]

    def restore(self, state: tuple[float, list[np.ndarray]]) -> None:
        self.problem.time_s = state[0]
        for target, saved in zip(self._state_arrays(), state[1], strict=True):
            target[:] = saved

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
    stack = _Stack(cfg, comm)
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
    for t in times:
        if spring:
            plate_iterations += _spring_interval(stack, float(t), rate, p0, d0, k, a, tol)
        else:
            stack.advance_to(float(t), rate)
        history["time_h"].append(float(t) / 3600.0)
        history["pressure_MPa"].append(stack.pressure_Pa() / MPA)
        if comm.rank == 0 and len(history["time_h"]) % 8 == 0:
            print(f"  {case.label()}: t = {t / 3600:.4g} h, p = {history['pressure_MPa'][-1]:.4g} MPa", flush=True)
    time_h = np.array(history["time_h"])
    pressure = np.array(history["pressure_MPa"])
    capacity = time_h * case.current_density_mA_cm2  # mAh/cm2
    plated_um = capacity * plated_thickness_um(1.0)
    elastic = case.initial_pressure_MPa + elastic_gain * plated_um * UM / MPA
    confined = case.initial_pressure_MPa + confined_pressure_rise_MPa(
        plated_um[-1],
        cfg.li_thickness_um,
        cfg.sse_thickness_um,
        elastic_material(cfg.lithium),
        cfg.sse_material,
        cfg.spring_stiffness_MPa_per_um if spring else None,
    )
    final_rate = (pressure[-1] - pressure[-2]) / (time_h[-1] - time_h[-2])
    elastic_rate = elastic_gain * rate * 3600.0 / MPA
    rise = pressure[-1] - case.initial_pressure_MPa
    result: dict[str, Any] = {
        "case_id": case.case_id,
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
    if case.fields:
        _write_fields(out / "fields" / case.case_id, stack)
        result["fields"] = f"fields/{case.case_id}"
    problem.destroy()
    return result


def _dg0(problem: MechanicsProblem, name: str, per_region: Callable[[str], Any]) -> dolfinx.fem.Function:
    """Cell averages (DG0) of a quadrature-level scalar, region by region (an exact local L2 projection)."""
    mesh = problem.meshdata.mesh
    W = dolfinx.fem.functionspace(mesh, ("DG", 0))
    v = ufl.TestFunction(W)
    numerator = sum(per_region(region.name) * v * problem.measure(region.name) for region in problem.regions)
    values = dolfinx.fem.assemble_vector(dolfinx.fem.form(numerator))
    volumes = dolfinx.fem.assemble_vector(dolfinx.fem.form(v * ufl.dx(domain=mesh)))
    function = dolfinx.fem.Function(W, name=name)
    with np.errstate(invalid="ignore", divide="ignore"):  # ghost entries: 0/0, overwritten by the scatter
        function.x.array[:] = np.where(volumes.array > 0.0, values.array / volumes.array, 0.0)
    function.x.scatter_forward()
    return function


def _write_fields(path: Path, stack: _Stack) -> None:
    """VTX: displacement, DG0 von Mises stress, hydrostatic pressure, sigma_zz and accumulated creep strain."""
    p = stack.problem
    fields = [
        p.u,
        _dg0(p, "von_mises_stress_Pa", p.von_mises_stress),
        _dg0(p, "hydrostatic_pressure_Pa", lambda r: -ufl.tr(p.stress(r)) / 3.0),
        _dg0(p, "stress_zz_Pa", lambda r: p.stress(r)[2, 2]),
        _dg0(
            p,
            "accumulated_creep_strain",
            lambda r: p.accumulated_creep_strain if r == "lithium" else dolfinx.fem.Constant(p.meshdata.mesh, 0.0),
        ),
    ]
    write_fields_vtx(path, fields)
    write_mesh_xdmf(path / "mesh_tags.xdmf", stack.md)


# ----------------------------------------------------------------------------- report


def thresholds(cfg: StackPressureConfig, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per fixture and initial pressure: the current density above which p rises over the capacity.

    The sign change of p_final - p0 between neighbouring currents of the sweep is
    located by linear interpolation in log(i); outside the swept range only a
    bound is reported.
    """
    rows = []
    for fixture in cfg.fixtures:
        for p0 in cfg.initial_pressures_MPa:
            cases = sorted(
                (r for r in results if r["fixture"] == fixture and r["initial_pressure_MPa"] == p0),
                key=lambda r: r["current_density_mA_cm2"],
            )
            currents = [r["current_density_mA_cm2"] for r in cases]
            change = [r["pressure_change_MPa"] for r in cases]
            row: dict[str, Any] = {
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
    for fixture in cfg.fixtures:
        cases = [r for r in results if r["fixture"] == fixture]
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
        name = f"figures/pressure_vs_capacity_{fixture}.png"
        line_plot(
            out / name,
            series,
            "plated capacity (mAh/cm2)",
            "stack pressure (MPa)",
            f"Stack pressure during plating, {fixture} fixture",
        )
        figures.append(name)
        series_t = [
            {**s, "x": np.maximum(r["history"]["time_h"], 1e-7) * 3600.0} for s, r in zip(series, cases, strict=True)
        ]
        name = f"figures/pressure_vs_time_{fixture}.png"
        line_plot(out / name, series_t, "time (s)", "stack pressure (MPa)", f"{fixture} fixture", logx=True)
        figures.append(name)
    series = []
    for fixture in cfg.fixtures:
        for p0 in cfg.initial_pressures_MPa:
            cases = sorted(
                (r for r in results if r["fixture"] == fixture and r["initial_pressure_MPa"] == p0),
                key=lambda r: r["current_density_mA_cm2"],
            )
            series.append(
                {
                    "x": [r["current_density_mA_cm2"] for r in cases],
                    "y": [r["final_pressure_MPa"] for r in cases],
                    "label": f"{fixture}, p0 = {p0:g} MPa",
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


CASE_COLUMNS = (
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
        "Fields for ParaView: fields/<case>/*.bp (VTX, stresses as DG0 cell averages) and mesh_tags.xdmf.",
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
    if isinstance(li_model, CreepingSolid):
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
    "lithium": "Li mechanical parameter set (fem/data/materials.toml)",
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
    cfg.validate(comm.size)
    return run_cases_to_report(
        "stack pressure study",
        build_cases(cfg),
        lambda case, c, tmp: run_case(cfg, case, c, tmp),
        lambda tmp, results, wall: write_report(tmp, cfg, results, comm, wall),
        out,
        comm,
        cfg.groups,
        Case.label,
    )


def main(argv: list[str] | None = None) -> int:
    description = __doc__.split("\n\n")[0]
    prog = "python -m studies.stack_pressure"
    return study_main(prog, description, StackPressureConfig, ARGUMENT_HELP, run_study, argv)


if __name__ == "__main__":
    sys.exit(run_cli(main))
