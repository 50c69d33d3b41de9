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

Published: 0.2 mA/cm2 at 3 MPa and 1.0 mA/cm2 at 7 MPa for Li | Li6PS5Cl | Li
(Kasemchainan 2019); the report puts the model's curve, its fitted pressure
exponent and its limitations next to them.

    containers/run python -m studies.critical_current --out results/critical-current
"""

from __future__ import annotations

import dataclasses
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL
from fem.coupling.stripping import LI_MOLAR_VOLUME_M3_MOL, StrippingCell, StrippingSettings, capacity_C_m2
from fem.materials import CreepingSolid, electrolyte, interface_kinetics, mechanical_material
from fem.validation import ParameterError, check_choice, check_positive, check_range
from geometries.spots import random_voids
from geometries.structured import electrolyte_slab, lithium_slab
from studies._cli import COMMON_HELP, run_cli, study_main
from studies._figures import line_plot, void_growth_figure
from studies._output import write_json
from studies._report import environment, format_number, markdown_table
from studies._sweep import progress, run_config_study

UM = 1e-6
#: mA/cm2 -> A/m2.
A_M2_PER_MA_CM2 = 10.0
#: Kasemchainan et al. 2019, Li | Li6PS5Cl | Li: (stack pressure MPa, critical stripping current mA/cm2).
PUBLISHED_LPSCL = ((3.0, 0.2), (7.0, 1.0))
#: Interface kinetics per electrolyte (fem/data/materials.toml).
KINETICS = {"LPSCl": "Li_LPSCl", "LLZO": "Li_LLZO"}
#: Parameters a sensitivity sweep may vary (config fields).
SENSITIVITY_PARAMETERS = (
    "void_depth_um",
    "void_fraction",
    "void_radius_um",
    "i0_scale",
    "i0_log_std",
    "temperature_K",
    "li_strength_factor",
    "stress_overpotential",
)
#: Xu et al., PNAS 114 (2017) 57: micrometre-sized Li pillars reach 105 MPa at room temperature, against
#: about 0.8 MPa for bulk Li (Masias et al. 2019), i.e. about 130 times stronger at that scale.
LI_MICROMETRE_STRENGTH_FACTOR = 105.0 / 0.8


@dataclass(frozen=True)
class CriticalCurrentConfig:
    """Study parameters in the field's units (names carry them)."""

    stack_pressures_MPa: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 7.0, 10.0)
    electrolytes: tuple[str, ...] = ("LPSCl",)
    first_current_mA_cm2: float = 1.0
    current_factor: float = 2.0
    max_current_mA_cm2: float = 1000.0
    stage_capacity_mAh_cm2: float = 0.05
    collapse_contact_fraction: float = 0.3
    voltage_cutoff_V: float = 1.0
    temperature_K: float = 298.15
    footprint_um: float = 20.0
    li_thickness_um: float = 10.0
    sse_thickness_um: float = 10.0
    cells_xy: int = 6
    cells_z: int = 3
    void_fraction: float = 0.15
    void_radius_um: float = 3.0
    void_depth_um: float = 0.1
    i0_log_std: float = 0.5
    i0_scale: float = 1.0
    i0_wavelength_um: float = 10.0
    seed: int = 0
    li_strength_factor: float = 1.0
    stress_overpotential: bool = False
    max_depth_increment_um: float = 0.05
    groups: int = 1
    fields: bool = True
    sensitivity: str = ""
    sensitivity_pressure_MPa: float = 0.1
    sensitivity_first_current_mA_cm2: float = 8.0

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        if not self.stack_pressures_MPa or not self.electrolytes:
            raise ParameterError("stack_pressures_MPa and electrolytes must not be empty")
        for p in self.stack_pressures_MPa:
            check_range("stack_pressures_MPa", p, 0.0, 100.0, high_inclusive=True, unit="MPa")
        for name in self.electrolytes:
            check_choice("electrolytes", name, tuple(KINETICS))
        check_positive("first_current_mA_cm2", self.first_current_mA_cm2, "mA/cm2")
        check_range("current_factor", self.current_factor, 1.0, 10.0, high_inclusive=True)
        check_range("max_current_mA_cm2", self.max_current_mA_cm2, self.first_current_mA_cm2, unit="mA/cm2")
        check_positive("stage_capacity_mAh_cm2", self.stage_capacity_mAh_cm2, "mAh/cm2")
        check_range("void_fraction", self.void_fraction, 0.0, 0.5, low_inclusive=True)
        check_positive("void_depth_um", self.void_depth_um, "um")
        check_range("i0_log_std", self.i0_log_std, 0.0, 3.0, low_inclusive=True, high_inclusive=True)
        check_positive("i0_wavelength_um", self.i0_wavelength_um, "um")
        for name in ("cells_xy", "cells_z"):
            check_range(name, getattr(self, name), 2, 64, low_inclusive=True, high_inclusive=True)
        check_range("groups", self.groups, 1, comm_size, low_inclusive=True, high_inclusive=True)
        check_range("i0_scale", self.i0_scale, 0.0, 1e4, high_inclusive=True)
        check_range("li_strength_factor", self.li_strength_factor, 0.01, 1e3, low_inclusive=True, high_inclusive=True)
        check_range("sensitivity_pressure_MPa", self.sensitivity_pressure_MPa, 0.0, 100.0, high_inclusive=True,
                    unit="MPa")  # fmt: skip
        check_positive("sensitivity_first_current_mA_cm2", self.sensitivity_first_current_mA_cm2, "mA/cm2")
        for parameter, value in self.sensitivity_variants():
            self.varied(parameter, value).validate(comm_size)
        # the settings and the void population validate themselves on construction
        self.settings(self.first_current_mA_cm2, self.stack_pressures_MPa[0], 1)
        if self.void_fraction > 0:
            self.voids()

    def settings(self, current_mA_cm2: float, pressure_MPa: float, stages: int) -> StrippingSettings:
        return StrippingSettings(
            current_density_A_m2=current_mA_cm2 * A_M2_PER_MA_CM2,
            stack_pressure_Pa=pressure_MPa * 1e6,
            capacity_C_m2=capacity_C_m2(stages * self.stage_capacity_mAh_cm2),
            temperature_K=self.temperature_K,
            collapse_contact_fraction=self.collapse_contact_fraction,
            voltage_cutoff_V=self.voltage_cutoff_V,
            max_depth_increment_m=self.max_depth_increment_um * UM,
        )

    def voids(self) -> Any:
        b = self.footprint_um * UM
        return random_voids(
            b, self.void_fraction, self.void_radius_um * UM, 0.0, self.seed, min_feature=0.25 * b / self.cells_xy
        )

    def sensitivity_variants(self) -> list[tuple[str, float]]:
        """Parse ``sensitivity`` ("void_depth_um=0.05,0.3;temperature_K=273,333") into (parameter, value) pairs."""
        variants = []
        for item in filter(None, (part.strip() for part in self.sensitivity.split(";"))):
            name, _, values = item.partition("=")
            name = name.strip()
            check_choice("sensitivity parameter", name, SENSITIVITY_PARAMETERS)
            try:
                variants += [(name, float(v)) for v in values.split(",") if v.strip()]
            except ValueError:
                raise ParameterError(f"sensitivity: {item!r} needs numbers after '=', e.g. {name}=0.1,0.3") from None
        return variants

    def varied(self, parameter: str, value: float) -> CriticalCurrentConfig:
        """This configuration with one parameter changed, for a sensitivity case (first current
        sensitivity_first_current_mA_cm2, no further sensitivity)."""
        if parameter == "stress_overpotential":
            if value not in (0.0, 1.0):
                raise ParameterError(f"sensitivity: stress_overpotential={value:g} must be 0 (off) or 1 (on)")
            value = bool(value)
        changes = {parameter: value, "sensitivity": "", "first_current_mA_cm2": self.sensitivity_first_current_mA_cm2}
        return dataclasses.replace(self, **changes)

    def currents_mA_cm2(self) -> list[float]:
        """The stage currents: first x factor^k up to the maximum."""
        n = int(math.floor(math.log(self.max_current_mA_cm2 / self.first_current_mA_cm2, self.current_factor) + 1e-9))
        return [self.first_current_mA_cm2 * self.current_factor**k for k in range(n + 1)]


@dataclass(frozen=True)
class Case:
    """One run: electrolyte and stack pressure; a sensitivity case also names the varied parameter."""

    electrolyte: str
    stack_pressure_MPa: float
    parameter: str = ""
    value: float = math.nan

    def label(self) -> str:
        varied = f", {self.parameter} = {self.value:g}" if self.parameter else ""
        return f"{self.electrolyte} at {self.stack_pressure_MPa:g} MPa{varied}"

    @property
    def folder(self) -> str:
        varied = f"_{self.parameter}_{self.value:g}" if self.parameter else ""
        return f"{self.electrolyte}_{self.stack_pressure_MPa:g}MPa{varied}"

    def config(self, cfg: CriticalCurrentConfig) -> CriticalCurrentConfig:
        return cfg.varied(self.parameter, self.value) if self.parameter else cfg


def build_cases(cfg: CriticalCurrentConfig) -> list[Case]:
    """Every (electrolyte, pressure), then the sensitivity cases (first electrolyte, sensitivity pressure)."""
    cases = [Case(e, p) for e in cfg.electrolytes for p in cfg.stack_pressures_MPa]
    electrolyte_name, pressure = cfg.electrolytes[0], cfg.sensitivity_pressure_MPa
    return cases + [Case(electrolyte_name, pressure, name, value) for name, value in cfg.sensitivity_variants()]


# -- heterogeneity ---------------------------------------------------------------------------


def void_recession(cfg: CriticalCurrentConfig) -> Any:
    """s0(x): the void depth inside each seeded void disk, 0 elsewhere."""
    if cfg.void_fraction == 0:
        return None
    disks = cfg.voids().disks
    depth = cfg.void_depth_um * UM

    def recession(x: np.ndarray) -> np.ndarray:
        inside = np.zeros(len(x), dtype=bool)
        for d in disks:
            inside |= np.hypot(x[:, 0] - d.x, x[:, 1] - d.y) < d.radius
        return np.where(inside, depth, 0.0)

    return recession


def exchange_current_factor(cfg: CriticalCurrentConfig, modes: int = 8) -> Any:
    """f(x) = exp(sigma g(x) - sigma^2 / 2): log-normal with mean 1, g a seeded sum of cosine modes
    of the given wavelength (zero mean, unit variance over random phases)."""
    if cfg.i0_log_std == 0:
        return None
    rng = np.random.default_rng(cfg.seed + 1)
    k = 2.0 * math.pi / (cfg.i0_wavelength_um * UM)
    angles = rng.uniform(0.0, math.pi, modes)
    phases = rng.uniform(0.0, 2.0 * math.pi, modes)
    wavevectors = k * np.column_stack([np.cos(angles), np.sin(angles)])
    sigma = cfg.i0_log_std

    def factor(x: np.ndarray) -> np.ndarray:
        g = math.sqrt(2.0 / modes) * np.cos(x[:, :2] @ wavevectors.T + phases).sum(axis=1)
        return np.exp(sigma * g - 0.5 * sigma**2)

    return factor


# -- creep against stripping: the scale estimate ------------------------------------------------


def stripping_velocity_m_s(current_mA_cm2: float) -> float:
    """Speed (m/s) at which a current density recedes the Li surface: i Omega / F."""
    return current_mA_cm2 * A_M2_PER_MA_CM2 * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL


def creep_velocity_m_s(cfg: CriticalCurrentConfig, pressure_MPa: float) -> float:
    """Speed (m/s) at which creep under the stack pressure closes a void of the seeded radius a:
    a p_dot(p), p_dot the Norton rate (with the strength factor and temperature of ``cfg``)."""
    creep = lithium(cfg.li_strength_factor).creep
    return cfg.void_radius_um * UM * float(creep.creep_rate_1_s(pressure_MPa * 1e6, cfg.temperature_K))


def creep_to_stripping_ratio(cfg: CriticalCurrentConfig, pressure_MPa: float, current_mA_cm2: float) -> float:
    """v_creep / v_strip at ``pressure_MPa`` and ``current_mA_cm2`` (dimensionless)."""
    return creep_velocity_m_s(cfg, pressure_MPa) / stripping_velocity_m_s(current_mA_cm2)


def required_strength_factor(cfg: CriticalCurrentConfig, pressure_MPa: float, current_mA_cm2: float) -> float:
    """The factor S by which Li would have to be stronger than the configured Li for creep to close
    voids of the seeded radius exactly as fast as ``current_mA_cm2`` strips (velocity ratio 1) at
    ``pressure_MPa``: with p_dot ~ sigma^n, S = (v_creep / v_strip)^(1/n)."""
    exponent = lithium(cfg.li_strength_factor).creep.stress_exponent
    return creep_to_stripping_ratio(cfg, pressure_MPa, current_mA_cm2) ** (1.0 / exponent)


# -- one case ----------------------------------------------------------------------------------


def build_cell(cfg: CriticalCurrentConfig, case: Case, comm: MPI.Comm) -> StrippingCell:
    b = cfg.footprint_um * UM
    sse = electrolyte_slab(comm, b, cfg.sse_thickness_um * UM, cfg.cells_xy, cfg.cells_z)
    li = lithium_slab(comm, b, cfg.li_thickness_um * UM, cfg.cells_xy, cfg.cells_z)
    return StrippingCell(
        sse,
        li,
        electrolyte(case.electrolyte),
        _scaled_kinetics(interface_kinetics(KINETICS[case.electrolyte], cfg.temperature_K), cfg.i0_scale),
        lithium(cfg.li_strength_factor),
        cfg.settings(cfg.first_current_mA_cm2, case.stack_pressure_MPa, 1),
        initial_recession_m=void_recession(cfg),
        exchange_current_factor=exchange_current_factor(cfg),
        stress_overpotential=cfg.stress_overpotential,
    )


def lithium(strength_factor: float = 1.0) -> CreepingSolid:
    """Li (Norton creep, Masias 2019) whose creep strength is ``strength_factor`` times the bulk one: the
    reference stress is scaled, so the creep rate at stress S sigma equals the bulk rate at sigma (the
    size-effect hypothesis: Li is stronger at the micrometre scale of voids, Xu et al., PNAS 114 (2017) 57)."""
    material = mechanical_material("Li")
    if strength_factor == 1.0:
        return material
    reference = strength_factor * material.creep.reference_stress_Pa
    creep = dataclasses.replace(material.creep, reference_stress_Pa=reference)
    return dataclasses.replace(material, creep=creep)


def _scaled_kinetics(kinetics: Any, scale: float) -> Any:
    """The kinetics with i0 multiplied by ``scale`` (sensitivity to the exchange current density)."""
    if scale == 1.0:
        return kinetics
    return dataclasses.replace(kinetics, exchange_current_density_A_m2=scale * kinetics.exchange_current_density_A_m2)


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
    """Strip in stages of rising current until collapse, voltage cut-off or the last stage."""
    cfg = case.config(cfg)
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
    return {
        "electrolyte": case.electrolyte,
        "stack_pressure_MPa": case.stack_pressure_MPa,
        "sensitivity_parameter": case.parameter or None,
        "sensitivity_value": case.value if case.parameter else None,
        "end_reason": end,
        "highest_sustained_current_mA_cm2": sustained,
        "first_failed_current_mA_cm2": failed,
        "critical_current_mA_cm2": _critical(sustained, failed, end),
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


# -- report --------------------------------------------------------------------------------------


def _pressure_cases(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cases of the pressure sweep (not the sensitivity cases)."""
    return [r for r in results if not r.get("sensitivity_parameter")]


def _case_label(r: dict[str, Any]) -> str:
    varied = f", {r['sensitivity_parameter']} = {r['sensitivity_value']:g}" if r.get("sensitivity_parameter") else ""
    return f"{r['electrolyte']} {r['stack_pressure_MPa']:g} MPa{varied}"


def fitted_exponent(results: list[dict[str, Any]], electrolyte_name: str) -> float | None:
    """Least-squares m in i_c ~ p^m over the cases with a collapse."""
    points = [
        (r["stack_pressure_MPa"], r["critical_current_mA_cm2"])
        for r in _pressure_cases(results)
        if r["electrolyte"] == electrolyte_name and r["critical_current_mA_cm2"]
    ]
    if len(points) < 2:
        return None
    logp, logi = np.log(np.array(points)).T
    return float(np.polyfit(logp, logi, 1)[0])


def write_report(out: Path, cfg: CriticalCurrentConfig, results: list[dict[str, Any]], comm: MPI.Comm, wall: float):
    published_exponent = math.log(PUBLISHED_LPSCL[1][1] / PUBLISHED_LPSCL[0][1]) / math.log(
        PUBLISHED_LPSCL[1][0] / PUBLISHED_LPSCL[0][0]
    )
    report = {
        "study": "critical_current",
        "config": dataclasses.asdict(cfg),
        "cases": [{k: v for k, v in r.items() if k != "series"} for r in results],
        "series": [{"label": _case_label(r), **r["series"]} for r in results],
        "fitted_pressure_exponent": {e: fitted_exponent(results, e) for e in cfg.electrolytes},
        "published": {
            "LPSCl_Kasemchainan2019": [
                {"stack_pressure_MPa": p, "critical_current_mA_cm2": i} for p, i in PUBLISHED_LPSCL
            ],
            "LPSCl_pressure_exponent": published_exponent,
        },
        "environment": environment(comm, cfg.groups),
        "wall_time_s": wall,
    }
    write_json(out / "report.json", report)
    _figures(out, cfg, results)
    (out / "report.md").write_text(_markdown(cfg, results, report))
    return report


def _figures(out: Path, cfg: CriticalCurrentConfig, results: list[dict[str, Any]]) -> None:
    series = []
    for name in cfg.electrolytes:
        rows = [r for r in _pressure_cases(results) if r["electrolyte"] == name]
        collapsed = [
            (r["stack_pressure_MPa"], r["critical_current_mA_cm2"]) for r in rows if r["critical_current_mA_cm2"]
        ]
        bounded = [
            (r["stack_pressure_MPa"], r["highest_sustained_current_mA_cm2"])
            for r in rows
            if not r["critical_current_mA_cm2"] and r["highest_sustained_current_mA_cm2"]
        ]
        if collapsed:
            series.append(
                {
                    "x": [p for p, _ in collapsed],
                    "y": [i for _, i in collapsed],
                    "label": f"model {name}",
                    "style": "o-",
                }
            )
        if bounded:
            series.append(
                {
                    "x": [p for p, _ in bounded],
                    "y": [i for _, i in bounded],
                    "label": f"model {name}: no collapse up to (lower bound)",
                    "style": "^",
                }
            )
    series.append(
        {
            "x": [p for p, _ in PUBLISHED_LPSCL],
            "y": [i for _, i in PUBLISHED_LPSCL],
            "label": "Kasemchainan 2019 (LPSCl)",
            "style": "ks--",
        }
    )
    line_plot(
        out / "critical_current.png",
        series,
        "stack pressure [MPa]",
        "critical stripping current [mA/cm2]",
        "Critical stripping current vs stack pressure",
        logx=True,
        logy=True,
    )
    line_plot(
        out / "contact_fraction_vs_pressure.png",
        [
            {
                "x": [r["stack_pressure_MPa"] for r in rows],
                "y": [statistic(r) for r in rows],
                "label": f"{name}: {label}",
                "style": style,
            }
            for name in cfg.electrolytes
            if (rows := [r for r in _pressure_cases(results) if r["electrolyte"] == name and r["series"]["time_s"]])
            for label, statistic, style in (
                ("mean over the ramp", _mean_contact_fraction, "o-"),
                ("lowest", lambda r: min(r["series"]["contact_fraction"]), "v--"),
            )
        ],
        "stack pressure [MPa]",
        "contact fraction",
        "Contact kept during the current ramp vs stack pressure",
        logx=True,
    )
    for key, ylabel in (
        ("contact_fraction", "contact fraction"),
        ("voltage_V", "working electrode potential [V]"),
        ("void_gap_p90_um", "void depth, 90th percentile over the void area [um]"),
        ("peak_current_density_mA_cm2", "peak local current density [mA/cm2]"),
    ):
        line_plot(
            out / f"{key}_vs_capacity.png",
            [
                {
                    "x": r["series"]["capacity_mAh_cm2"],
                    "y": r["series"][key],
                    "label": _case_label(r),
                    "style": "-",
                }
                for r in results
            ],
            "stripped capacity [mAh/cm2]",
            ylabel,
            f"{ylabel} during the current ramp (x{cfg.current_factor:g} per {cfg.stage_capacity_mAh_cm2:g} mAh/cm2)",
        )


def _markdown(cfg: CriticalCurrentConfig, results: list[dict[str, Any]], report: dict[str, Any]) -> str:
    rows = []
    for r in _pressure_cases(results):
        stages = r["stages"]
        rows.append(
            {
                "electrolyte": r["electrolyte"],
                "p": r["stack_pressure_MPa"],
                "sustained": r["highest_sustained_current_mA_cm2"],
                "failed": r["first_failed_current_mA_cm2"],
                "critical": r["critical_current_mA_cm2"],
                "end": r["end_reason"],
                "contact_mean": _mean_contact_fraction(r),
                "contact_min": min(r["series"]["contact_fraction"], default=None),
                "s_step": sum(s["wall_time_s"] for s in stages) / max(1, sum(s["steps"] for s in stages)),
                "newton": sum(s["mechanics_newton_per_step"] * s["steps"] for s in stages)
                / max(1, sum(s["steps"] for s in stages)),
            }
        )
    table = markdown_table(
        rows,
        [
            ("electrolyte", "electrolyte"),
            ("p", "stack pressure [MPa]"),
            ("sustained", "highest sustained [mA/cm2]"),
            ("failed", "first failed [mA/cm2]"),
            ("critical", "critical (geometric mid) [mA/cm2]"),
            ("end", "end"),
            ("contact_mean", "mean contact fraction"),
            ("contact_min", "lowest contact fraction"),
            ("s_step", "wall s / coupled step"),
            ("newton", "creep Newton its / step"),
        ],
    )
    exponents = ", ".join(f"{k}: {format_number(v)}" for k, v in report["fitted_pressure_exponent"].items())
    m_published = report["published"]["LPSCl_pressure_exponent"]
    published = ", ".join(f"{i:g} mA/cm2 at {p:g} MPa" for p, i in PUBLISHED_LPSCL)
    scale = _scale_markdown(cfg, results)
    return (
        _pressure_markdown(cfg, table, exponents, m_published, published, scale)
        + _sensitivity_markdown(cfg, results)
        + _void_figures_markdown(results)
    )


def _mean_contact_fraction(result: dict[str, Any]) -> float | None:
    """Mean contact fraction over a run's steps (None without steps)."""
    fractions = result["series"]["contact_fraction"]
    return float(np.mean(fractions)) if fractions else None


def _sensitivity_markdown(cfg: CriticalCurrentConfig, results: list[dict[str, Any]]) -> str:
    """The sensitivity table (empty without sensitivity cases)."""
    rows = [r for r in results if r.get("sensitivity_parameter")]
    if not rows:
        return ""
    table = markdown_table(
        [
            {
                "parameter": r["sensitivity_parameter"],
                "value": r["sensitivity_value"],
                "sustained": r["highest_sustained_current_mA_cm2"],
                "failed": r["first_failed_current_mA_cm2"],
                "critical": r["critical_current_mA_cm2"],
                "end": r["end_reason"],
                "contact": _mean_contact_fraction(r),
            }
            for r in rows
        ],
        [
            ("parameter", "parameter"),
            ("value", "value"),
            ("sustained", "highest sustained [mA/cm2]"),
            ("failed", "first failed [mA/cm2]"),
            ("critical", "critical [mA/cm2]"),
            ("end", "end"),
            ("contact", "mean contact fraction"),
        ],
    )
    return f"""
## Sensitivity

{rows[0]["electrolyte"]} at {cfg.sensitivity_pressure_MPa:g} MPa, first stage {cfg.sensitivity_first_current_mA_cm2:g}
mA/cm2, one parameter changed from the configuration above per case (i0_scale multiplies the exchange current
density; temperature changes both the creep rate, Arrhenius, and the kinetics):

{table}
"""


def _void_figures_markdown(results: list[dict[str, Any]]) -> str:
    figures = [f for r in results for f in r.get("void_figures", [])]
    if not figures:
        return ""
    return "\n## Voids on the Li surface (3D, depth exaggerated)\n\n" + "\n".join(
        f"![{Path(f).stem}]({f})" for f in figures
    ) + "\n"


def _scale_markdown(cfg: CriticalCurrentConfig, results: list[dict[str, Any]]) -> str:
    """Creep against stripping at the published points and at the model's collapses (the scale estimate)."""
    points = [("Kasemchainan 2019", p, i) for p, i in PUBLISHED_LPSCL] + [
        (f"model {r['electrolyte']}", r["stack_pressure_MPa"], r["critical_current_mA_cm2"])
        for r in _pressure_cases(results)
        if r["critical_current_mA_cm2"]
    ]
    rows = [
        {
            "point": name,
            "p": p,
            "i": i,
            "ratio": creep_to_stripping_ratio(cfg, p, i),
            "S": required_strength_factor(cfg, p, i),
        }
        for name, p, i in points
    ]
    table = markdown_table(
        rows,
        [
            ("point", "critical point"),
            ("p", "stack pressure [MPa]"),
            ("i", "critical current [mA/cm2]"),
            ("ratio", "creep / stripping velocity"),
            ("S", "Li strength factor for ratio 1"),
        ],
    )
    n = lithium(cfg.li_strength_factor).creep.stress_exponent
    published = rows[: len(PUBLISHED_LPSCL)]
    orders = " to ".join(f"10^{math.log10(r['ratio']):.1f}" for r in published)
    factors = " and ".join(f"{r['S']:.3g} ({r['p']:g} MPa)" for r in published)
    return f"""Scale estimate: creep under the stack pressure p closes a void of radius a = {cfg.void_radius_um:g} um at
about a p_dot(p) (Norton, strength factor {cfg.li_strength_factor:g} x bulk), stripping recedes the surface at
i Omega / F. Their ratio at each critical point, and the factor S by which Li would have to be stronger than
here for the two to balance (p_dot ~ (p / S)^n, n = {n:g}):

{table}

- At the published points the creep-to-stripping velocity ratio is {orders}; a balance (ratio 1) needs Li
  {factors} times stronger than here, two different factors because the published exponent is far
  below n. Micrometre-sized Li is about {LI_MICROMETRE_STRENGTH_FACTOR:.0f}
  times stronger than bulk (Xu et al., PNAS 114 (2017) 57): if creep against stripping set the collapse, a
  size effect could set its pressure scale but not its exponent. What the runs show:
{_mechanism_markdown(cfg, results)}
"""


def wagner_number(cfg: CriticalCurrentConfig, electrolyte_name: str) -> float:
    """kappa R_ct / a: the electrolyte's resistance over a void radius a against the linear charge-transfer
    resistance R_ct = RT / (F i0) (dimensionless).  Wa >> 1: the current over the contact is nearly uniform,
    so void rims carry little extra current (Newman, Electrochemical Systems, 3rd ed., sec. 18.4)."""
    kinetics = _scaled_kinetics(interface_kinetics(KINETICS[electrolyte_name], cfg.temperature_K), cfg.i0_scale)
    kappa = electrolyte(electrolyte_name).ionic_conductivity_S_m
    return kappa * kinetics.charge_transfer_asr_ohm_m2() / (cfg.void_radius_um * UM)


def _mechanism_markdown(cfg: CriticalCurrentConfig, results: list[dict[str, Any]]) -> str:
    """What the runs show about why the contact does (not) collapse, from their own series."""
    runs = [r for r in results if r["series"]["contact_fraction"]]
    if not runs:
        return ""
    collapsed = sorted({r["stack_pressure_MPa"] for r in _pressure_cases(results) if r["critical_current_mA_cm2"]})
    lowest = min(min(r["series"]["contact_fraction"]) for r in runs)
    deepest = max(max(r["series"]["max_void_gap_um"]) for r in runs)
    hotspot = max(
        peak / current
        for r in runs
        for peak, current in zip(r["series"]["peak_current_density_mA_cm2"], r["series"]["current_mA_cm2"], strict=True)
    )
    numbers = {name: wagner_number(cfg, name) for name in cfg.electrolytes}
    wagner = ", ".join(f"{name} {value:.3g}" for name, value in numbers.items())
    size = "large" if min(numbers.values()) > 1.0 else "below 1 here"
    summary = f"""Over all runs (sensitivity cases included) the contact fraction never fell below
  {lowest:.2f}, the deepest void was {deepest:.3f} um (seeded {cfg.void_depth_um:g} um), and the peak local
  current density stayed within {hotspot:.2f} x the nominal one."""
    if collapsed:
        pressures = ", ".join(f"{p:g}" for p in collapsed)
        return f"""- The contact collapsed at {pressures} MPa (table above). {summary}
- Wagner number over a void radius at the exchange current (kappa R_ct / a): {wagner}.
"""
    return f"""- No run collapsed. {summary}
- Why, in this model: Li that loses contact is not lost. The slab translates as the contacts strip, so
  every void's gap shrinks at the mean stripping rate whatever creep does, and a void widens only if its rim
  strips faster than the mean by more than that. Rim crowding stays bounded: the Wagner number over a void
  radius at the exchange current (kappa R_ct / a: {wagner}) is {size}, and although it falls in the Tafel
  regime of the highest stages, the peak stayed within the factor above (which includes the 1 / contact
  fraction of the current squeezed onto the contact). So the contact settles at a steady fraction instead
  of collapsing, with creep or without it (li_strength_factor, a sensitivity parameter, switches creep
  practically off): creep sets how much contact remains, not whether it collapses.
- What the published collapse needs and the model lacks: a limit on how fast Li reaches the interface.
  Stripping leaves vacancies in the Li that must diffuse away or be annihilated by creep (Kasemchainan
  et al. 2019; Shishvan et al., Acta Mater. 196 (2020) 444; Yan et al., Adv. Energy Mater. 12 (2022)
  2102283); a continuum that lets the Li follow rigidly treats the interface as a perfect vacancy sink.
  The low-stress creep regime (n ~ 1-2) would also lower the pressure exponent.
"""


def _pressure_markdown(
    cfg: CriticalCurrentConfig, table: str, exponents: str, m_published: float, published: str, scale: str
) -> str:
    return f"""# Critical stripping current vs stack pressure

Protocol: stripping stages of {cfg.stage_capacity_mAh_cm2:g} mAh/cm2 each, current x{cfg.current_factor:g} per
stage from {cfg.first_current_mA_cm2:g} mA/cm2; collapse = mean contact fraction of the last
{cfg.settings(1.0, 1.0, 1).collapse_window_steps} steps below {cfg.collapse_contact_fraction:g};
voltage cut-off {cfg.voltage_cutoff_V:g} V. Cell: {cfg.footprint_um:g} um square, Li {cfg.li_thickness_um:g} um
(Norton creep, Masias 2019), electrolyte {cfg.sse_thickness_um:g} um, {cfg.cells_xy}x{cfg.cells_xy}x{cfg.cells_z}
boxes, P2 displacement. Seeded heterogeneity: void fraction {cfg.void_fraction:g} (radius {cfg.void_radius_um:g} um,
depth {cfg.void_depth_um:g} um), log-normal i0 factor (std of ln {cfg.i0_log_std:g}, wavelength
{cfg.i0_wavelength_um:g} um), seed {cfg.seed}.

{table}

Fitted pressure exponent m (i_c ~ p^m, cases with a collapse): {exponents}.
Published (Kasemchainan et al. 2019, Li | LPSCl): {published}, i.e. m = {m_published:.2f}.

![critical current](critical_current.png)

![contact fraction](contact_fraction_vs_capacity.png)

![contact vs pressure](contact_fraction_vs_pressure.png)

![voltage](voltage_V_vs_capacity.png)

![void depth](void_gap_p90_um_vs_capacity.png)

![peak current](peak_current_density_mA_cm2_vs_capacity.png)

## What sets the model's numbers, and the comparison

{scale}
The electrolyte is rigid and the contact weights are explicit and relaxed (theta =
{cfg.settings(1.0, 1.0, 1).contact_relaxation:g} per step, fem.coupling.stripping), which damps the step-to-step chatter
of edge nodes at low stack pressure.

Fields (ParaView): fields/<case>/lithium_interface.bp (stripped depth, gap, contact pressure, local
stripping current), lithium_displacement.bp, electrolyte.bp (potential, contact state), one frame per stage.
"""


ARGUMENT_HELP = {
    "stack_pressures_MPa": "stack pressures, MPa, comma-separated (each case one run)",
    "electrolytes": "electrolytes, comma-separated: LPSCl, LLZO",
    "first_current_mA_cm2": "current density of the first stage, mA/cm2",
    "current_factor": "current multiplier from one stage to the next, (1, 10]",
    "max_current_mA_cm2": "last stage's current at most, mA/cm2",
    "stage_capacity_mAh_cm2": "stripped capacity per stage, mAh/cm2",
    "collapse_contact_fraction": "contact collapse when the contact fraction falls below this, (0, 1)",
    "voltage_cutoff_V": "the run ends when the working electrode potential exceeds this, V",
    "temperature_K": "temperature (creep and kinetics), K",
    "footprint_um": "side of the square cell, um",
    "li_thickness_um": "Li thickness, um",
    "sse_thickness_um": "electrolyte thickness, um",
    "cells_xy": "boxes along x and y (6 tetrahedra each)",
    "cells_z": "boxes through each slab's thickness",
    "void_fraction": "initial void area fraction of the interface, [0, 0.5)",
    "void_radius_um": "initial void radius, um",
    "void_depth_um": "initial void depth (recessed Li), um",
    "i0_log_std": "standard deviation of ln(i0 factor), 0 for uniform i0",
    "i0_scale": "multiplies the exchange current density of the interface parameter set, > 0",
    "i0_wavelength_um": "wavelength of the i0 heterogeneity, um",
    "seed": "random seed of voids and i0 field",
    "max_depth_increment_um": "largest stripped-depth increment per step at any node, um",
    "li_strength_factor": "Li creep strength over bulk (reference stress x S; size-effect hypothesis), [0.01, 1000]",
    "stress_overpotential": "add Omega p_c / F of the contact pressure to the stripping overpotential",
    "groups": COMMON_HELP["groups"],
    "fields": COMMON_HELP["fields"],
    "sensitivity": "one-at-a-time sweep, e.g. 'void_depth_um=0.05,0.3;i0_scale=0.1,10;temperature_K=273,333' "
    "(parameters: " + ", ".join(SENSITIVITY_PARAMETERS) + ")",
    "sensitivity_pressure_MPa": "stack pressure of the sensitivity cases, MPa",
    "sensitivity_first_current_mA_cm2": "first stage current of the sensitivity cases, mA/cm2",
}


def run_study(cfg: CriticalCurrentConfig, out: Path, comm: MPI.Comm = MPI.COMM_WORLD) -> dict[str, Any] | None:
    """Validate, run every case, write the report into ``out`` atomically; report on rank 0."""
    return run_config_study("critical current study", cfg, build_cases, run_case, write_report, out, comm, Case.label)


def main(argv: list[str] | None = None) -> int:
    description = __doc__.split("\n\n")[0]
    return study_main(
        "python -m studies.critical_current", description, CriticalCurrentConfig, ARGUMENT_HELP, run_study, argv
    )


if __name__ == "__main__":
    sys.exit(run_cli(main))
