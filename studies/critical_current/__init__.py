"""Critical stripping current vs stack pressure: void growth against Li creep (fem.coupling.stripping).

The protocol is the experiment's (Kasemchainan et al., Nat. Mater. 18 (2019)
1105): galvanostatic stripping stages of increasing current density, each of
the same capacity, on one cell whose state carries over.  The critical current
at a stack pressure lies between the last stage that kept contact and the one
whose contact collapsed (contact fraction below the threshold); the cell
voltage cut-off ends a run without collapse (the critical current is then
only bounded from below).  Each (electrolyte, pressure) case is one coupled run;
cases are farmed over MPI rank groups (``--groups``).

The cell: a periodic square of the interface, Li (creeping, stack pressure on
the current collector, rollers on the sides) over the electrolyte (counter
electrode on top), both structured and paired node for node.  Heterogeneity is
seeded: circular voids (recessed Li, geometries.spots.random_voids) and a
log-normal exchange-current factor with a given wavelength.

``--supply vacancy`` adds the Li-supply model (vacancy voids with the real
contact of a rough interface, one calibrated parameter, bisection on the
current; studies.critical_current.supply) beside this creep-only reference.

Published: 0.2 mA/cm2 at 3 MPa and 1.0 mA/cm2 at 7 MPa for Li | Li6PS5Cl | Li
(Kasemchainan 2019); the report puts the model's curve, its fitted pressure
exponent and its limitations next to them.

    containers/run python -m studies.critical_current --out results/critical-current

The study is a package: ``config`` (parameters, cases), ``cell`` (the cell,
its seeded heterogeneity and the scale estimate), ``report`` (figures,
report.json and report.md); this module runs the stages of a case and the
study.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from mpi4py import MPI

from fem.coupling.stripping import StrippingCell, capacity_C_m2
from studies._figures import void_growth_figure
from studies._study import Study
from studies._sweep import progress
from studies._units import A_M2_PER_MA_CM2, UM
from studies.critical_current.cell import (
    build_cell,
    creep_to_stripping_ratio,
    creep_velocity_m_s,
    exchange_current_factor,
    lithium,
    required_strength_factor,
    stripping_velocity_m_s,
    void_recession,
    wagner_number,
)
from studies.critical_current.config import (
    ARGUMENT_HELP,
    Case,
    CriticalCurrentConfig,
    build_cases,
)
from studies.critical_current.report import fitted_exponent, write_report
from studies.critical_current.supply import run_supply_case

__all__ = [
    "CriticalCurrentConfig",
    "Case",
    "build_cases",
    "build_cell",
    "lithium",
    "void_recession",
    "exchange_current_factor",
    "stripping_velocity_m_s",
    "creep_velocity_m_s",
    "creep_to_stripping_ratio",
    "required_strength_factor",
    "wagner_number",
    "fitted_exponent",
    "run_case",
    "run_study",
    "main",
]


class _FieldWriter:
    """VTX time series (one per mesh) of the coupled fields, written at the end of each stage."""

    def __init__(self, cell: StrippingCell, folder: Path, comm: MPI.Comm) -> None:
        import dolfinx.io

        if comm.rank == 0:
            folder.mkdir(parents=True, exist_ok=True)
        comm.barrier()
        self._writers = [
            dolfinx.io.VTXWriter(comm, folder / f"{name}.bp", functions) for name, functions in cell.fields().items()
        ]

    def write(self, t: float) -> None:
        for writer in self._writers:
            writer.write(t)

    def close(self) -> None:
        for writer in self._writers:
            writer.close()


def run_case(cfg: CriticalCurrentConfig, case: Case, comm: MPI.Comm, out: Path) -> dict[str, Any]:
    """Strip in stages of rising current until collapse, voltage cut-off or the last stage (creep-only
    reference); the vacancy supply model: bisection (studies.critical_current.supply)."""
    cfg = case.config(cfg)
    if case.supply != "creep":
        return run_supply_case(cfg, case, comm, out)
    cell = build_cell(cfg, case, comm)
    writer = _FieldWriter(cell, out / "fields" / case.folder, comm)
    writer.write(0.0)
    series: dict[str, list[float]] = {k: [] for k in SERIES_KEYS}
    stages, sustained, failed, end = [], None, None, "last stage"
    void_figures: list[str] = []
    for index, current in enumerate(cfg.currents_mA_cm2(), start=1):
        cell.settings = cfg.settings(current, case.stack_pressure_MPa, index)
        history = cell.run()
        for step in history.steps:
            for key, value in _series_row(step, current, cell.li_interface.area_m2).items():
                series[key].append(value)
        last = history.steps[-1] if history.steps else None
        stages.append(_stage_record(current, history, last))
        writer.write(float(index))
        if cfg.fields and (index == 1 or history.end_reason != "capacity"):
            when = f"after stage {index} ({current:g} mA/cm2)"
            void_figures.append(_void_figure(out, case, cell, comm, f"stage{index}", when))
        progress(comm, f"  {case.label()}: {current:g} mA/cm2 -> {history.end_reason}")
        if history.end_reason != "capacity":
            failed, end = current, history.end_reason
            break
        sustained = current
    writer.close()
    if cfg.fields and (not void_figures or stages[-1]["end_reason"] == "capacity"):
        when = f"end ({stages[-1]['current_mA_cm2']:g} mA/cm2)"
        void_figures.append(_void_figure(out, case, cell, comm, "end", when))
    critical = _critical(sustained, failed, end)
    return {
        "electrolyte": case.electrolyte,
        "stack_pressure_MPa": case.stack_pressure_MPa,
        "temperature_K": cfg.temperature_K,
        "supply_model": "creep",
        "limiting_mechanism": "creep" if critical else None,
        "sensitivity_parameter": case.parameter or None,
        "sensitivity_value": case.value if case.parameter else None,
        "end_reason": end,
        "highest_sustained_current_mA_cm2": sustained,
        "first_failed_current_mA_cm2": failed,
        "critical_current_mA_cm2": critical,
        "stages": stages,
        "series": series,
        "mechanics_dofs": cell.mechanics.num_dofs,
        "void_figures": void_figures,
    }


#: Per-step series in report.json (units in the names).
SERIES_KEYS = (
    "time_s",
    "capacity_mAh_cm2",
    "current_mA_cm2",
    "voltage_V",
    "contact_fraction",
    "void_area_fraction",
    "void_gap_p10_um",
    "void_gap_p50_um",
    "void_gap_p90_um",
    "max_void_gap_um",
    "peak_current_density_mA_cm2",
    "max_contact_pressure_MPa",
)


def _series_row(step: Any, current_mA_cm2: float, interface_area_m2: float) -> dict[str, float]:
    """One step of the time series (SERIES_KEYS)."""
    p10, p50, p90 = (q / UM for q in step.void_gap_quantiles_m)
    return {
        "time_s": step.time_s,
        "capacity_mAh_cm2": step.capacity_C_m2 / capacity_C_m2(1.0),
        "current_mA_cm2": current_mA_cm2,
        "voltage_V": step.working_potential_V,
        "contact_fraction": step.contact_fraction,
        "void_area_fraction": step.void_area_m2 / interface_area_m2,
        "void_gap_p10_um": p10,
        "void_gap_p50_um": p50,
        "void_gap_p90_um": p90,
        "max_void_gap_um": step.max_void_gap_m / UM,
        "peak_current_density_mA_cm2": step.peak_current_density_A_m2 / A_M2_PER_MA_CM2,
        "max_contact_pressure_MPa": step.max_contact_pressure_Pa / 1e6,
    }


def _void_figure(out: Path, case: Case, cell: StrippingCell, comm: MPI.Comm, tag: str, when: str) -> str:
    """Collective: render the voids of ``cell`` now; return the figure's path relative to ``out``."""
    name = f"figures/voids_{case.folder}_{tag}.png"
    void_growth_figure(comm, cell.gap, out / name, f"{case.label()}: {when}")
    return name


def _stage_record(current: float, history: Any, last: Any) -> dict[str, Any]:
    steps = history.steps
    return {
        "current_mA_cm2": current,
        "end_reason": history.end_reason,
        "steps": len(steps),
        "final_contact_fraction": last.contact_fraction if last else None,
        "final_voltage_V": last.working_potential_V if last else None,
        "max_void_gap_um": last.max_void_gap_m / UM if last else None,
        "peak_current_density_mA_cm2": last.peak_current_density_A_m2 / A_M2_PER_MA_CM2 if last else None,
        "max_contact_pressure_MPa": last.max_contact_pressure_Pa / 1e6 if last else None,
        "wall_time_s": sum(s.seconds for s in steps),
        "seconds_per_step": sum(s.seconds for s in steps) / max(1, len(steps)),
        "mechanics_newton_per_step": sum(s.mechanics_newton_iterations for s in steps) / max(1, len(steps)),
    }


def _critical(sustained: float | None, failed: float | None, end: str) -> float | None:
    """Geometric mid-point of the collapse bracket; None unless the contact collapsed."""
    if end != "collapse" or failed is None:
        return None
    return math.sqrt(sustained * failed) if sustained else failed


STUDY = Study("critical_current", __doc__, CriticalCurrentConfig, ARGUMENT_HELP, build_cases, run_case, write_report)
run_study, main = STUDY.run, STUDY.main
