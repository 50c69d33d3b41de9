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

The study is a package: ``config`` (parameters, cases, the confined-stack
reference), ``fixture`` (the mechanics problem of one case), ``report``
(thresholds, comparisons, figures, report.json and report.md); this module
runs a case and the study.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import elastic_material
from studies._study import Study
from studies._units import A_M2_PER_MA_CM2, C_M2_PER_MAH_CM2, MPA, UM
from studies.stack_pressure.config import (
    ARGUMENT_HELP,
    Case,
    StackPressureConfig,
    build_cases,
    confined_pressure_rise_MPa,
    constrained_modulus_Pa,
    plated_thickness_um,
    time_grid_s,
)
from studies.stack_pressure.fixture import Stack, field_writer, spring_interval
from studies.stack_pressure.report import write_report

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


def run_case(cfg: StackPressureConfig, case: Case, comm: MPI.Comm, out: Path) -> dict[str, Any]:
    """Apply p0, plate the capacity at the case's current density, record p(t)."""
    start = time.perf_counter()
    stack = Stack(cfg, comm, case.geometry)
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
    writer = field_writer(out / "fields" / case.case_id, stack) if case.fields else None
    if writer is not None:
        writer.write()
    for t in times:
        if spring:
            plate_iterations += spring_interval(stack, float(t), rate, p0, d0, k, a, tol)
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


STUDY = Study("stack_pressure", __doc__, StackPressureConfig, ARGUMENT_HELP, build_cases, run_case, write_report)
run_study, main = STUDY.run, STUDY.main
