"""The stack-pressure study's report: threshold currents, host vs planar comparison, figures,
report.json and report.md with the comparison with Yang et al. 2023."""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.materials import AnandViscoplasticity, CreepingSolid, elastic_material
from studies._figures import MARKERS, save_line_plot, series
from studies._literature import YANG_2023
from studies._report import figures_section, markdown_table, run_note, study_report, write_report_files
from studies._units import MPA
from studies.stack_pressure.config import (
    StackPressureConfig,
    confined_pressure_rise_MPa,
    constrained_modulus_Pa,
    plated_thickness_um,
)

__all__ = ["thresholds", "geometry_comparison", "write_report"]


def thresholds(cfg: StackPressureConfig, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per geometry, fixture and initial pressure: the current density above which p rises over the capacity.

    The sign change of p_final - p0 between neighbouring currents of the sweep is
    located by linear interpolation in log(i); outside the swept range only a
    bound is reported.
    """
    rows = []
    for geometry, fixture, p0 in itertools.product(cfg.geometry, cfg.fixtures, cfg.initial_pressures_MPa):
        cases = sorted(
            (r for r in results if (r["geometry"], r["fixture"], r["initial_pressure_MPa"]) == (geometry, fixture, p0)),
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
    ylabel = "stack pressure (MPa)"
    for geometry, fixture in itertools.product(cfg.geometry, cfg.fixtures):
        cases = [r for r in results if (r["geometry"], r["fixture"]) == (geometry, fixture)]
        tag = fixture if geometry == "planar" else f"{geometry}_{fixture}"
        title = f"{fixture} fixture" if geometry == "planar" else f"{geometry} host, {fixture} fixture"
        labels = [f"p0 {r['initial_pressure_MPa']:g} MPa, {r['current_density_mA_cm2']:g} mA/cm2" for r in cases]
        styles = [MARKERS[n % len(MARKERS)] for n in range(len(cases))]
        curves = [
            series(r["history"]["capacity_mAh_cm2"], r["history"]["pressure_MPa"], label, style)
            for r, label, style in zip(cases, labels, styles, strict=True)
        ]
        name, xlabel = f"pressure_vs_capacity_{tag}.png", "plated capacity (mAh/cm2)"
        figures.append(save_line_plot(out, name, curves, xlabel, ylabel, f"Stack pressure during plating, {title}"))
        curves = [
            series(np.maximum(r["history"]["time_h"], 1e-7) * 3600.0, r["history"]["pressure_MPa"], label, style)
            for r, label, style in zip(cases, labels, styles, strict=True)
        ]
        figures.append(save_line_plot(out, f"pressure_vs_time_{tag}.png", curves, "time (s)", ylabel, title, logx=True))
    curves = []
    for geometry, fixture, p0 in itertools.product(cfg.geometry, cfg.fixtures, cfg.initial_pressures_MPa):
        cases = sorted(
            (r for r in results if (r["geometry"], r["fixture"], r["initial_pressure_MPa"]) == (geometry, fixture, p0)),
            key=lambda r: r["current_density_mA_cm2"],
        )
        prefix = "" if geometry == "planar" else f"{geometry}, "
        current = [r["current_density_mA_cm2"] for r in cases]
        curves.append(series(current, [r["final_pressure_MPa"] for r in cases], f"{prefix}{fixture}, p0 = {p0:g} MPa"))
    title = f"After {cfg.areal_capacity_mAh_cm2:g} mAh/cm2"
    xlabel, ylabel = "current density (mA/cm2)", "stack pressure after plating (MPa)"
    figures.append(save_line_plot(out, "final_pressure_vs_current.png", curves, xlabel, ylabel, title, True, True))
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
    lines += figures_section(report["figures"])
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
        f"* {run_note(report)} "
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
    report = study_report(
        "stack_pressure",
        cfg,
        comm,
        wall,
        materials={
            "lithium": {**lithium, "source": li.source, "creep_text": creep_text},
            "electrolyte": {
                "name": sse.name,
                "youngs_modulus_Pa": sse.youngs_modulus_Pa,
                "poisson_ratio": sse.poisson_ratio,
                "source": sse.source,
            },
        },
        plated_thickness_um_per_mAh_cm2=plated_thickness_um(1.0),
        confined_reference={
            "li_constrained_modulus_GPa": constrained_modulus_Pa(li) / 1e9,
            "sse_constrained_modulus_GPa": constrained_modulus_Pa(sse) / 1e9,
            "rigid_pressure_rise_MPa_per_um": per_um,
            "rigid_pressure_rise_MPa": per_um * plated,
        },
        cases=results,
        thresholds=thresholds(cfg, results),
        geometry_comparison=geometry_comparison(results),
        literature={"yang_2023": YANG_2023},
        figures=_figures(out, cfg, results),
    )
    return write_report_files(out, report, _markdown(cfg, report))
