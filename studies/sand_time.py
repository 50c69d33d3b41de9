"""Sand's time in binary electrolytes: planar Li against interdigitated and porous 3D hosts.

Under a constant plating current a binary electrolyte (liquid LiPF6, polymer
PEO-LiTFSI) loses salt at the Li surface; when the surface concentration
reaches zero (Sand's time, t_s = pi D (z F c0)^2 / (4 J^2 t_a^2) at a planar
electrode in a semi-infinite electrolyte) dendritic growth starts.  A 3D host
spreads the same nominal current over more Li surface: at equal nominal
current, by how much does it delay depletion, and how does that compare with
Sand's formula at the local current density?

Each case solves Newman's concentrated-solution c-phi problem
(fem.transport.BinaryElectrolyteProblem, galvanostatic, adaptive backward
Euler) on the electrolyte of a planar cell (a thin 3D slab, graded towards
the Li), of an interdigitated cell (geometries.interdigitated) or of the
electrolyte-filled pores of a porous host (geometries.porous: a cubic open-cell
foam, Li plating on the scaffold surface), and detects
the first time the concentration anywhere on the Li surface falls to a small
threshold.  Writes report.json, report.md, figures and VTX fields.

    python -m studies.sand_time --out results/sand_time
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.output import write_fields_vtx
from fem.transport import (
    BinaryElectrolyte,
    BinaryElectrolyteProblem,
    TimeStepping,
    binary_electrolyte,
    limiting_current_density,
    sand_time,
)
from fem.validation import ParameterError, check_choice, check_range
from geometries.interdigitated import LamellarParams, PillarParams, interdigitated_mesh
from geometries.porous import OpenCellFoam, PorousHostParams, porous_host_mesh
from geometries.structured import electrolyte_slab
from studies._cli import COMMON_HELP, run_cli, study_main
from studies._figures import line_plot
from studies._output import write_json
from studies._report import environment, format_number, markdown_table, percent_error
from studies._sweep import run_config_study
from studies.sand_onset import onset_lines, onset_runs, onset_summary

__all__ = [
    "SandTimeConfig",
    "Case",
    "study_electrolyte",
    "build_cases",
    "run_case",
    "write_report",
    "run_study",
    "main",
]

UM = 1e-6
A_M2_PER_MA_CM2 = 10.0
GEOMETRIES = ("planar", "lamellar", "pillars", "porous")
#: Study name -> (property set in fem/data/binary_electrolytes.toml, temperature in K).
ELECTROLYTES: dict[str, tuple[str, float]] = {
    "LiPF6": ("LiPF6_Valoen2005", 298.15),
    "LiPF6_dilute": ("LiPF6_Valoen2005", 298.15),  # its properties frozen at c0, thermodynamic factor 1
    "PEO_LiTFSI": ("PEO_LiTFSI_90C", 363.15),
}


def study_electrolyte(name: str) -> BinaryElectrolyte:
    """The property set of a study electrolyte; "_dilute" freezes the set at c0 (the dilute binary model)."""
    set_name, temperature = ELECTROLYTES[name]
    electrolyte = binary_electrolyte(set_name)
    if not name.endswith("_dilute"):
        return electrolyte
    c0 = electrolyte.reference_concentration_mol_m3
    props = electrolyte.properties_at(c0, temperature)
    return BinaryElectrolyte.constant(
        props["diffusivity_m2_s"],
        props["transference_number"],
        props["conductivity_S_m"],
        c0,
        electrolyte.kinetics,
        name=name,
        temperature_range_K=electrolyte.temperature_range_K,
    )


@dataclass(frozen=True)
class SandTimeConfig:
    """Study parameters in the field's units (names carry them)."""

    geometries: tuple[str, ...] = ("planar", "lamellar")
    electrolytes: tuple[str, ...] = ("LiPF6", "PEO_LiTFSI")
    liquid_current_densities_mA_cm2: tuple[float, ...] = (1000.0, 2000.0, 4000.0)
    polymer_current_densities_mA_cm2: tuple[float, ...] = (30.0, 60.0, 120.0)
    separator_thickness_um: float = 20.0
    finger_height_um: float = 20.0
    pitch_um: float = 10.0
    finger_width_um: float = 4.0
    base_thickness_um: float = 4.0
    porosity: float = 0.8
    mesh_size_interface_um: float = 0.8
    mesh_size_bulk_um: float = 3.0
    planar_cells: int = 80
    planar_grading: float = 2.0
    depletion_threshold_fraction: float = 1e-3
    target_change: float = 0.02
    end_time_factor: float = 3.0
    groups: int = 1
    dilute_reference: bool = True
    refinement_ratio: float = 1.6
    fields: bool = True
    onset_comparison: bool = True

    def currents(self, electrolyte: str) -> tuple[float, ...]:
        liquid = electrolyte.startswith("LiPF6")
        return self.liquid_current_densities_mA_cm2 if liquid else self.polymer_current_densities_mA_cm2

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        if not self.geometries or not self.electrolytes:
            raise ParameterError("geometries and electrolytes must each name at least one entry")
        for name in self.geometries:
            check_choice("geometries", name, GEOMETRIES)
        for name in self.electrolytes:
            check_choice("electrolytes", name, tuple(ELECTROLYTES))
        for name in ("liquid_current_densities_mA_cm2", "polymer_current_densities_mA_cm2"):
            for value in getattr(self, name):
                check_range(name, value, 0.0, 1e5, unit="mA/cm2")
        for name in ("separator_thickness_um", "finger_height_um", "pitch_um", "finger_width_um", "base_thickness_um"):
            check_range(name, getattr(self, name), 0.0, 1e4, unit="um")
        check_range("finger_width_um", self.finger_width_um, 0.0, self.pitch_um, unit="um")
        check_range("porosity", self.porosity, 0.0, 1.0)
        layers = self.finger_height_um / self.pitch_um
        if "porous" in self.geometries and (layers < 0.999 or abs(layers - round(layers)) > 1e-6 * layers):
            raise ParameterError(
                f"finger_height_um = {self.finger_height_um:g} um must be a whole multiple of pitch_um = "
                f"{self.pitch_um:g} um for the porous host (a cubic foam of that cell size)"
            )
        check_range(
            "mesh_size_interface_um",
            self.mesh_size_interface_um,
            0.0,
            0.5 * self.finger_width_um,
            high_inclusive=True,
            unit="um",
        )
        check_range(
            "mesh_size_bulk_um",
            self.mesh_size_bulk_um,
            self.mesh_size_interface_um,
            self.pitch_um,
            low_inclusive=True,
            high_inclusive=True,
            unit="um",
        )
        check_range("planar_cells", self.planar_cells, 4, 10000, low_inclusive=True, high_inclusive=True)
        check_range("planar_grading", self.planar_grading, 1.0, 4.0, low_inclusive=True, high_inclusive=True)
        check_range("depletion_threshold_fraction", self.depletion_threshold_fraction, 0.0, 0.5)
        check_range("target_change", self.target_change, 0.0, 0.2, high_inclusive=True)
        check_range("end_time_factor", self.end_time_factor, 1.0, 1e3, unit="x local Sand's time")
        check_range("groups", self.groups, 1, comm_size, low_inclusive=True, high_inclusive=True)
        if self.refinement_ratio != 1.0:
            check_range("refinement_ratio", self.refinement_ratio, 1.2, 3.0, low_inclusive=True, high_inclusive=True)
        for geometry in self.geometries:  # the host's own checks (feature sizes), before any meshing
            if geometry != "planar":
                host_params(self, geometry)


ARGUMENT_HELP: dict[str, str] = {
    **COMMON_HELP,
    "geometries": f"Li geometries, comma-separated: {', '.join(GEOMETRIES)}",
    "electrolytes": f"electrolytes, comma-separated: {', '.join(ELECTROLYTES)} (LiPF6_dilute: the LiPF6 "
    "properties frozen at c0 with a thermodynamic factor of 1)",
    "liquid_current_densities_mA_cm2": "nominal plating current densities for LiPF6 (and LiPF6_dilute), mA/cm2",
    "polymer_current_densities_mA_cm2": "nominal plating current densities for PEO-LiTFSI, mA/cm2",
    "separator_thickness_um": "electrolyte thickness above the Li (planar) or the finger tips (hosts), um",
    "finger_height_um": "height of the Li fingers / pillars above the base, um",
    "pitch_um": "finger / pillar pitch, um",
    "finger_width_um": "lamella width or pillar diameter, um",
    "base_thickness_um": "Li base under the fingers, um",
    "porosity": "porous host: pore fraction of the foam layer (cell size = pitch_um, thickness = finger_height_um)",
    "mesh_size_interface_um": "element size on the Li surface of the hosts, um",
    "mesh_size_bulk_um": "element size away from the Li surface of the hosts, um",
    "planar_cells": "elements across the planar electrolyte (graded towards the Li)",
    "planar_grading": "grading exponent of the planar mesh, 1 (uniform) to 4",
    "depletion_threshold_fraction": "surface concentration / c0 that marks depletion (Sand's time)",
    "target_change": "target largest change of c / c0 per time step",
    "end_time_factor": "end of a run in multiples of Sand's formula at the mean local current density",
    "refinement_ratio": "mesh check: the middle current again with element sizes divided by this (1.2-3; 1: none)",
    "onset_comparison": "skip the comparison with dendrite onset in PEO cells (Brissot et al.; planar runs at "
    "their conditions, about 10 s)",
    "dilute_reference": "skip the planar runs of each concentration-dependent electrolyte's dilute twin "
    "(properties frozen at c0), which separate the concentrated-solution effects from Sand's assumptions",
}


@dataclass(frozen=True)
class Case:
    geometry: str
    electrolyte: str
    current_density_mA_cm2: float
    refinement: float = 1.0  # element sizes divided by this (the mesh check)

    def label(self) -> str:
        return f"{self.geometry}, {self.electrolyte}, {self.current_density_mA_cm2:g} mA/cm2, mesh x{self.refinement:g}"

    @property
    def case_id(self) -> str:
        name = f"{self.geometry}_{self.electrolyte}_{self.current_density_mA_cm2:g}"
        return (name if self.refinement == 1.0 else f"{name}_refined{self.refinement:g}").replace(".", "p")


def study_electrolytes(cfg: SandTimeConfig) -> list[str]:
    """The configured electrolytes, each followed by its dilute twin when ``dilute_reference`` asks for it."""
    names: list[str] = []
    for name in cfg.electrolytes:
        twin = f"{name}_dilute"
        wanted = cfg.dilute_reference and twin in ELECTROLYTES and "planar" in cfg.geometries
        names += [name, twin] if wanted else [name]
    return list(dict.fromkeys(names))


def build_cases(cfg: SandTimeConfig) -> list[Case]:
    """Every geometry x electrolyte x current; dilute twins on the planar cell only."""
    cases = []
    for name in study_electrolytes(cfg):
        twin = name.endswith("_dilute") and name not in cfg.electrolytes
        geometries = [g for g in cfg.geometries if g == "planar"] if twin else cfg.geometries
        cases += [Case(g, name, j) for j in cfg.currents(name) for g in geometries]
    if cfg.refinement_ratio > 1.0:  # the middle current of each configured electrolyte on a finer mesh
        for name in cfg.electrolytes:
            currents = cfg.currents(name)
            middle = sorted(currents)[len(currents) // 2]
            cases += [Case(g, name, middle, cfg.refinement_ratio) for g in cfg.geometries]
    return cases


def host_params(
    cfg: SandTimeConfig, geometry: str, refinement: float = 1.0
) -> LamellarParams | PillarParams | PorousHostParams:
    """Geometry of a host (validated by the geometry's own parameter class).

    The porous host is a cubic open-cell foam (lattice constant and footprint = pitch, thickness =
    finger height) with electrolyte-filled pores: Li plates on the scaffold (a lithiophilic current
    collector); the collector floor between the struts is taken as blocked (insulating).
    """
    if geometry == "porous":
        return PorousHostParams(
            OpenCellFoam(cfg.pitch_um * UM),
            cfg.porosity,
            footprint=cfg.pitch_um * UM,
            host_thickness=cfg.finger_height_um * UM,
            separator_thickness=cfg.separator_thickness_um * UM,
            mesh_size=cfg.mesh_size_interface_um * UM / refinement,
            mesh_size_bulk=cfg.mesh_size_bulk_um * UM / refinement,
        )
    common = {
        "finger_height": cfg.finger_height_um * UM,
        "separator_thickness": cfg.separator_thickness_um * UM,
        "base_thickness": cfg.base_thickness_um * UM,
        "mesh_size_interface": cfg.mesh_size_interface_um * UM / refinement,
        "mesh_size_bulk": cfg.mesh_size_bulk_um * UM / refinement,
        "pitch": cfg.pitch_um * UM,
    }
    if geometry == "lamellar":
        return LamellarParams(finger_width=cfg.finger_width_um * UM, **common)
    return PillarParams(pillar_radius=0.5 * cfg.finger_width_um * UM, **common)


def build_mesh(cfg: SandTimeConfig, geometry: str, comm: MPI.Comm, refinement: float = 1.0) -> tuple[Any, float | None]:
    """(electrolyte MeshData, exact interface area over footprint or None) of a geometry; sizes / ``refinement``."""
    L = cfg.separator_thickness_um * UM
    if geometry == "planar":
        width = cfg.pitch_um * UM
        md = electrolyte_slab(comm, width, L, 1, round(cfg.planar_cells * refinement))
        z = md.mesh.geometry.x[:, 2]
        z[:] = L * (z / L) ** cfg.planar_grading  # graded towards the Li at z = 0
        return md, 1.0
    params = host_params(cfg, geometry, refinement)
    if isinstance(params, PorousHostParams):
        return porous_host_mesh(comm, params, cell_regions=("sse",)), None
    return interdigitated_mesh(comm, params, cell_regions=("sse",)), params.interface_area_ratio


def run_case(cfg: SandTimeConfig, case: Case, comm: MPI.Comm, out: Path) -> dict[str, Any]:
    """Galvanostatic plating until the Li surface runs dry (or the end time)."""
    set_name, temperature = ELECTROLYTES[case.electrolyte]
    electrolyte = study_electrolyte(case.electrolyte)
    c0 = electrolyte.reference_concentration_mol_m3
    props = electrolyte.properties_at(c0, temperature)
    start = time.perf_counter()
    md, area_ratio = build_mesh(cfg, case.geometry, comm, case.refinement)
    working = "host_sse" if case.geometry == "porous" else "li_sse"
    problem = BinaryElectrolyteProblem(md, electrolyte, temperature, working=working)
    area_ratio_mesh = problem.working_area_m2 / problem.reference_area_m2
    J = case.current_density_mA_cm2 * A_M2_PER_MA_CM2
    D, t_plus = props["diffusivity_m2_s"], props["transference_number"]
    t_nominal = sand_time(J, D, c0, t_plus)
    t_local = sand_time(J / area_ratio_mesh, D, c0, t_plus)
    problem.set_current_density(J)
    threshold = cfg.depletion_threshold_fraction * c0
    stepping = TimeStepping(initial_step_s=1e-5 * t_nominal, target_change=cfg.target_change, max_growth=1.3)
    result = problem.run(cfg.end_time_factor * t_local, stepping, depletion_threshold_mol_m3=threshold)
    seconds = time.perf_counter() - start
    event = result.event
    c_min, where, i_local = problem.surface_minimum()
    if cfg.fields:
        write_fields_vtx(out / "fields" / case.case_id, [problem.concentration(), problem.potential()])
    limiting = None
    if case.geometry == "planar":
        limiting = limiting_current_density(cfg.separator_thickness_um * UM, D, c0, t_plus) / A_M2_PER_MA_CM2
    sand = event.time_s if event else None
    row = {
        "case_id": case.case_id,
        "geometry": case.geometry,
        "electrolyte": case.electrolyte,
        "electrolyte_set": set_name,
        "temperature_K": temperature,
        "current_density_mA_cm2": case.current_density_mA_cm2,
        "refinement": case.refinement,
        "sand_time_s": sand,
        "sand_time_analytic_s": t_nominal,
        "sand_time_analytic_local_s": t_local,
        "sand_time_vs_analytic_percent": percent_error(sand, t_nominal) if sand else None,
        "sand_time_vs_analytic_local_percent": percent_error(sand, t_local) if sand else None,
        "min_surface_concentration_mol_m3": c_min,
        "depletion_threshold_mol_m3": threshold,
        "depletion_location_um": [x / UM for x in (event.location_m if event else where)],
        "local_current_density_at_depletion_mA_cm2": (event.local_current_density_A_m2 if event else i_local)
        / A_M2_PER_MA_CM2,
        "mean_local_current_density_mA_cm2": case.current_density_mA_cm2 / area_ratio_mesh,
        "limiting_current_mA_cm2": limiting,
        "above_limiting_current": None if limiting is None else case.current_density_mA_cm2 > limiting,
        "interface_area_ratio": area_ratio if area_ratio is not None else area_ratio_mesh,
        "interface_area_ratio_mesh": area_ratio_mesh,
        "cell_voltage_at_end_V": problem.working_potential_V,
        "salt_conservation_error_relative": result.max_salt_change_relative,
        "diffusivity_m2_s": D,
        "transference_number": t_plus,
        "concentration_mol_m3": c0,
        "num_dofs": problem.num_dofs,
        "time_steps": result.steps,
        "rejected_steps": result.rejected_steps,
        "newton_iterations": result.newton_iterations,
        "end_time_s": result.times_s[-1],
        "wall_seconds": seconds,
        "history_time_s": _thin(result.times_s),
        "history_min_surface_concentration_mol_m3": _thin(result.min_surface_concentration_mol_m3),
    }
    problem.destroy()
    return row


def _thin(values: list[float], keep: int = 200) -> list[float]:
    step = max(1, math.ceil(len(values) / keep))
    return [float(v) for v in values[::step]] + ([float(values[-1])] if (len(values) - 1) % step else [])


# ----------------------------------------------------------------------------- report

COLUMNS = (
    ("geometry", "geometry"),
    ("current_density_mA_cm2", "J nominal (mA/cm2)"),
    ("sand_time_s", "t_s model (s)"),
    ("sand_time_analytic_s", "t_s Sand, nominal J (s)"),
    ("sand_time_vs_analytic_percent", "vs Sand nominal (%)"),
    ("sand_time_analytic_local_s", "t_s Sand, mean local J (s)"),
    ("delay_vs_planar", "delay vs planar (x)"),
    ("local_current_density_at_depletion_mA_cm2", "local J at depletion (mA/cm2)"),
    ("limiting_current_mA_cm2", "i_lim planar (mA/cm2)"),
    ("salt_conservation_error_relative", "salt error"),
    ("time_steps", "steps"),
    ("num_dofs", "dofs"),
)


def _add_delays(rows: list[dict[str, Any]]) -> None:
    planar = {
        (r["electrolyte"], r["current_density_mA_cm2"]): r["sand_time_s"] for r in rows if r["geometry"] == "planar"
    }
    for r in rows:
        reference = planar.get((r["electrolyte"], r["current_density_mA_cm2"]))
        r["delay_vs_planar"] = r["sand_time_s"] / reference if reference and r["sand_time_s"] else None


def _figures(out: Path, cfg: SandTimeConfig, rows: list[dict[str, Any]]) -> list[str]:
    figures = []
    (out / "figures").mkdir(exist_ok=True)
    for name in study_electrolytes(cfg):
        mine = [r for r in rows if r["electrolyte"] == name]
        currents = sorted({r["current_density_mA_cm2"] for r in mine})
        span = np.geomspace(min(currents) / 1.5, max(currents) * 1.5, 50)
        D, c0, t_plus = mine[0]["diffusivity_m2_s"], mine[0]["concentration_mol_m3"], mine[0]["transference_number"]
        series = [
            {
                "x": span,
                "y": [sand_time(j * A_M2_PER_MA_CM2, D, c0, t_plus) for j in span],
                "label": "Sand's formula, nominal J",
                "style": "k-",
            }
        ]
        for geometry, style in zip(cfg.geometries, ("o", "s", "^", "D"), strict=False):
            points = sorted(
                (r for r in mine if r["geometry"] == geometry and r["sand_time_s"]),
                key=lambda r: r["current_density_mA_cm2"],
            )
            if not points:
                continue
            series.append(
                {
                    "x": [r["current_density_mA_cm2"] for r in points],
                    "y": [r["sand_time_s"] for r in points],
                    "label": f"{geometry} (model)",
                    "style": style,
                }
            )
            if geometry != "planar":
                ratio = points[0]["interface_area_ratio_mesh"]
                series.append(
                    {
                        "x": span,
                        "y": [sand_time(j * A_M2_PER_MA_CM2 / ratio, D, c0, t_plus) for j in span],
                        "label": f"Sand's formula, mean local J of {geometry}",
                        "style": "--",
                    }
                )
        path = f"figures/sand_time_vs_current_{name}.png"
        line_plot(
            out / path,
            series,
            "nominal current density (mA/cm2)",
            "Sand's time (s)",
            f"{name}: Sand's time vs current density",
            logx=True,
            logy=True,
        )
        figures.append(path)
        middle = currents[len(currents) // 2]
        history = [
            {
                "x": r["history_time_s"],
                "y": [c / c0 for c in r["history_min_surface_concentration_mol_m3"]],
                "label": r["geometry"],
                "style": "-",
            }
            for r in mine
            if r["current_density_mA_cm2"] == middle
        ]
        path = f"figures/surface_concentration_{name}.png"
        line_plot(
            out / path,
            history,
            "time (s)",
            "min c on the Li surface / c0",
            f"{name} at {middle:g} mA/cm2: depletion of the Li surface",
            logx=True,
        )
        figures.append(path)
    return figures


MESH_CHECK_COLUMNS = (
    ("geometry", "geometry"),
    ("electrolyte", "electrolyte"),
    ("current_density_mA_cm2", "J nominal (mA/cm2)"),
    ("num_dofs", "dofs"),
    ("sand_time_s", "t_s (s)"),
    ("num_dofs_refined", "dofs refined"),
    ("sand_time_refined_s", "t_s refined (s)"),
    ("sand_time_change_percent", "change (%)"),
)


def _mesh_checks(rows: list[dict[str, Any]], refined: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each refined case next to its base case: the change of Sand's time."""
    base = {(r["geometry"], r["electrolyte"], r["current_density_mA_cm2"]): r for r in rows}
    checks = []
    for r in refined:
        b = base[(r["geometry"], r["electrolyte"], r["current_density_mA_cm2"])]
        change = percent_error(r["sand_time_s"], b["sand_time_s"]) if r["sand_time_s"] and b["sand_time_s"] else None
        checks.append(
            {
                "geometry": r["geometry"],
                "electrolyte": r["electrolyte"],
                "current_density_mA_cm2": r["current_density_mA_cm2"],
                "refinement": r["refinement"],
                "num_dofs": b["num_dofs"],
                "sand_time_s": b["sand_time_s"],
                "num_dofs_refined": r["num_dofs"],
                "sand_time_refined_s": r["sand_time_s"],
                "sand_time_change_percent": change,
            }
        )
    return checks


def _dilute_comparison(rows: list[dict[str, Any]]) -> list[str]:
    """Planar Sand's times of each electrolyte against its dilute twin at the same currents."""
    lines = []
    planar = {(r["electrolyte"], r["current_density_mA_cm2"]): r for r in rows if r["geometry"] == "planar"}
    for (name, current), twin in planar.items():
        if not name.endswith("_dilute") or (name[: -len("_dilute")], current) not in planar:
            continue
        full = planar[(name[: -len("_dilute")], current)]
        if full["sand_time_s"] and twin["sand_time_s"]:
            lines.append(
                f"- {current:g} mA/cm2: {name} {format_number(twin['sand_time_vs_analytic_percent'], 3)} % from "
                f"Sand's formula, {full['electrolyte']} {format_number(full['sand_time_vs_analytic_percent'], 3)} %: "
                f"the concentrated-solution properties change Sand's time by "
                f"{format_number(percent_error(full['sand_time_s'], twin['sand_time_s']), 3)} %."
            )
    if not lines:
        return []
    head = [
        "## Concentrated solution against the dilute model (planar)",
        "",
        "The dilute twin has the same properties frozen at c0 (thermodynamic factor 1): it tests Sand's "
        "assumptions (semi-infinite, constant D and t+) in the finite cell; the difference to the full set is "
        "the effect of the concentration dependence (in the Valoen & Reimers fit D rises as c falls).",
        "",
    ]
    return head + lines + [""]


def write_report(
    out: Path, cfg: SandTimeConfig, results: list[dict[str, Any]], comm: MPI.Comm, wall: float
) -> dict[str, Any]:
    """report.json, report.md and figures (rank 0)."""
    rows = [dict(r) for r in results if r["refinement"] == 1.0]
    checks = _mesh_checks(rows, [r for r in results if r["refinement"] != 1.0])
    _add_delays(rows)
    figures = _figures(out, cfg, rows)
    report = {
        "study": "sand_time",
        "config": asdict(cfg),
        "environment": environment(comm, cfg.groups),
        "wall_seconds": wall,
        "cases": rows,
        "mesh_check": checks,
        "figures": figures,
        "electrolyte_sources": {
            name: binary_electrolyte(ELECTROLYTES[name][0]).sources for name in study_electrolytes(cfg)
        },
    }
    onset_rows = onset_runs() if cfg.onset_comparison else []
    if onset_rows:
        report["onset_comparison"] = onset_summary(onset_rows)
    write_json(out / "report.json", report)
    lines = [
        "# Sand's time: planar Li against interdigitated hosts",
        "",
        __doc__.split("\n\n")[1].replace("\n", " "),
        "",
        "Model: Newman's concentrated-solution theory for a binary salt (c and phi; kappa, D, t+ and the "
        "thermodynamic factor functions of c and T), Butler-Volmer kinetics with i0 ~ c^0.5 at both Li "
        "electrodes, galvanostatic, adaptive backward Euler (fem.transport; verified against the MMS, Sand's "
        "formula and the limiting current in tests/test_binary_electrolyte.py). Depletion is the first time "
        f"c on the Li surface falls to {cfg.depletion_threshold_fraction:g} c0, located to the step.",
        "",
        "Sand's formula t_s = pi D (F c0)^2 / (4 J^2 t_a^2) uses D and t+ at c0; for the concentration-"
        "dependent LiPF6 set it is an approximation, and it assumes semi-infinite diffusion: it applies only "
        "well above the limiting current of the cell (a planar cell below i_lim never runs dry). 'Mean local "
        "J' is the nominal current over the Li surface area of the host.",
        "",
    ]
    for name in study_electrolytes(cfg):
        set_name, temperature = ELECTROLYTES[name]
        mine = [r for r in rows if r["electrolyte"] == name]
        lines += [f"## {name} ({set_name}, {temperature - 273.15:.0f} C)", "", markdown_table(mine, COLUMNS), ""]
        for r in mine:
            if r["sand_time_s"] is None:
                lines.append(
                    f"- {r['geometry']} at {r['current_density_mA_cm2']:g} mA/cm2: no depletion before "
                    f"{format_number(r['end_time_s'])} s "
                    f"(min c {format_number(r['min_surface_concentration_mol_m3'])} mol/m3)."
                )
        hosts = [r for r in mine if r["geometry"] != "planar" and r["delay_vs_planar"]]
        if hosts:
            lines += [
                "",
                "At equal nominal current the hosts delay depletion by "
                + ", ".join(
                    f"{r['delay_vs_planar']:.3g}x ({r['geometry']}, {r['current_density_mA_cm2']:g} mA/cm2)"
                    for r in hosts
                )
                + "; Sand's formula at the mean local current density would predict "
                f"{hosts[0]['interface_area_ratio_mesh'] ** 2:.3g}x (the area ratio squared).",
                "",
            ]
        lines += [f"![Sand's time]({f})" for f in figures if f.endswith(f"_{name}.png")] + [""]
    lines += _dilute_comparison(rows)
    lines += onset_lines(onset_rows) if onset_rows else []
    if checks:
        lines += [
            "## Mesh check",
            "",
            f"The middle current of each electrolyte again with every element size divided by "
            f"{cfg.refinement_ratio:g}:",
            "",
            markdown_table(checks, MESH_CHECK_COLUMNS),
            "",
        ]
    lines += [
        "## Parameters and sources",
        "",
        *[
            f"- {name}, {key}: {text}"
            for name, sources in report["electrolyte_sources"].items()
            for key, text in sources.items()
        ],
        "",
        "Fields (c in mol/m3, phi in V at the end of each run) are in fields/<case>/ as VTX (.bp) for ParaView.",
        "",
        f"Wall time {wall:.1f} s on {comm.size} rank(s).",
        "",
    ]
    (out / "report.md").write_text("\n".join(lines))
    return report


def run_study(cfg: SandTimeConfig, out: Path, comm: MPI.Comm = MPI.COMM_WORLD) -> dict[str, Any] | None:
    """Validate, run every case, write the report into ``out`` atomically; report on rank 0."""
    return run_config_study("sand-time study", cfg, build_cases, run_case, write_report, out, comm, Case.label)


def main(argv: list[str] | None = None) -> int:
    return study_main(
        "python -m studies.sand_time", __doc__.split("\n\n")[0], SandTimeConfig, ARGUMENT_HELP, run_study, argv
    )


if __name__ == "__main__":
    sys.exit(run_cli(main))
