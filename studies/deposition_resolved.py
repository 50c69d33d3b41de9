"""Where Li deposits in a pore-resolved 3D host, next to the homogenised model built from the same geometry.

The review's design rule (Fig. 5a) and Pu et al. (Nat. Commun. 10 (2019) 1896):
a highly conductive scaffold plates Li on its top, next to the separator; a
poorly conducting one plates bottom-up; an insulating Al2O3 top and a
lithiophilic Au bottom on a Ni scaffold turn bare Ni's top-heavy deposition
bottom-up.

Model: fem.electrochemistry.pore_resolved on a cubic open-cell foam (a Ni-foam analogue) from
geometries.gradient, with three material layers (bottom, middle, top) so that
every case runs on one mesh:

* conductivity sweep: every layer sigma = ratio x kappa, i0 of Ni;
* bare Ni: sigma and i0 of Ni in every layer;
* dual gradient: Au bottom (i0 x lithiophilic_i0_factor), Ni, Al2O3 top
  (insulating: no conduction, no reaction);
* porosity gradient (a sphere packing, dense at the bottom or at the top).

Each case is also solved with the homogenised model whose porosity, specific
area and electrolyte / scaffold tortuosity are measured layer by layer on the
same mesh (fem.electrochemistry.effective_properties): the resolved vs homogenised columns of
the report.  Metrics as in studies.deposition: shares of the deposit in the
bottom and top thirds, the bottom-up index 1 - 2 <z>/H, the peak local current
density and the capacity at which the pores fill (binned).

Run ``python -m studies.deposition_resolved --help``; through the launcher:
``containers/run python3 -m studies.deposition_resolved --out results/deposition_resolved``.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.electrochemistry.effective_properties import homogenised_host, layer_properties
from fem.electrochemistry.pore_resolved import ResolvedDepositionProblem, ResolvedDepositionResult, SolidRegion
from fem.electrochemistry.porous_electrode import (
    DepositionResult,
    Layers,
    PorousElectrodeProblem,
    porous_electrode_mesh,
)
from fem.materials import electrolyte, parameter_sets
from fem.mesh_io import MeshData
from fem.output import write_fields_vtx
from fem.validation import ParameterError, check_choice, check_positive, check_range
from geometries.gradient import (
    GradientMaterialParams,
    GradientPorosityParams,
    gradient_material_mesh,
    gradient_porosity_mesh,
)
from geometries.porous import OpenCellFoam, PorousHostParams, SpherePacking
from studies._cli import check_common_fields, run_cli
from studies._deposition_common import HOST_HELP, HostKinetics, capacity_or_none_mAh_cm2
from studies._deposition_common import Case as HostCase
from studies._figures import LINES, render_triangles, save_line_plot, series
from studies._literature import plating_direction_lines, plating_direction_verdict
from studies._report import figures_section, markdown_table, study_report, write_report_files
from studies._study import Study
from studies._sweep import on_root, progress
from studies._units import A_M2_PER_MA_CM2, UM

__all__ = ["ResolvedDepositionConfig", "Case", "build_cases", "run_case", "run_study", "main"]

LAYERS = ("host_layer_0", "host_layer_1", "host_layer_2")
#: A measured scaffold tortuosity above this means no electronic path across the layer (floating particles).
MAX_CONNECTED_TORTUOSITY = 100.0


@dataclass(frozen=True)
class ResolvedDepositionConfig(HostKinetics):
    """Study parameters in the field's units (names carry them)."""

    sigma_ratios: tuple[float, ...] = (1e-3, 1e-1, 10.0, 1e3)
    current_density_mA_cm2: float = 1.0
    footprint_um: float = 10.0
    host_thickness_um: float = 20.0
    separator_thickness_um: float = 5.0
    foam_cell_um: float = 5.0
    porosity: float = 0.75
    mesh_size_um: float = 0.36
    dual_gradient_layers_um: tuple[float, ...] = (2.5, 15.0, 2.5)
    porosity_gradient: tuple[float, ...] = (0.55, 0.85)
    sphere_radius_um: float = 1.5
    electrolyte: str = "LPSCl"
    interface: str = "Li_LPSCl"
    exchange_current_density_mA_cm2: float | None = None
    scaffold_conductivity_S_m: float = 1.4e7
    lithiophilic_i0_factor: float = 10.0
    seed: int = 1
    degree: int = 1
    groups: int = 1
    write_fields: bool = True  # VTX fields and a 3D figure per case

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        for ratio in self.sigma_ratios:
            check_range("sigma_ratios", ratio, 1e-8, 1e8, low_inclusive=True, high_inclusive=True)
        check_range("current_density_mA_cm2", self.current_density_mA_cm2, 0.0, 100.0, unit="mA/cm2")
        for name in ("footprint_um", "host_thickness_um", "separator_thickness_um", "foam_cell_um", "mesh_size_um",
                     "sphere_radius_um", "scaffold_conductivity_S_m"):  # fmt: skip
            check_positive(name, getattr(self, name))
        check_range("porosity", self.porosity, 0.0, 1.0)
        if len(self.dual_gradient_layers_um) != 3:
            raise ParameterError(
                f"dual_gradient_layers_um has {len(self.dual_gradient_layers_um)} values; give three "
                "(lithiophilic bottom, Ni, insulating top), um"
            )
        if not math.isclose(sum(self.dual_gradient_layers_um), self.host_thickness_um, rel_tol=1e-9):
            raise ParameterError(
                f"dual_gradient_layers_um = {self.dual_gradient_layers_um} sums to "
                f"{sum(self.dual_gradient_layers_um):g} um; it must equal host_thickness_um = "
                f"{self.host_thickness_um:g}"
            )
        if len(self.porosity_gradient) not in (0, 2):
            raise ParameterError(
                f"porosity_gradient has {len(self.porosity_gradient)} values; give (bottom, top) or none"
            )
        for k, value in enumerate(self.porosity_gradient):
            check_range(f"porosity_gradient[{k}]", value, 0.0, 1.0)
        check_choice("electrolyte", self.electrolyte, sorted(parameter_sets()["electrolyte"]))
        check_choice("interface", self.interface, sorted(parameter_sets()["interface"]))
        if self.exchange_current_density_mA_cm2 is not None:
            check_positive("exchange_current_density_mA_cm2", self.exchange_current_density_mA_cm2, "mA/cm2")
        check_range("lithiophilic_i0_factor", self.lithiophilic_i0_factor, 1.0, 1e4, low_inclusive=True)
        check_common_fields(self, comm_size)
        self.foam_params()  # the geometry's own checks (resolution, reachable porosity, plane clearance)
        for bottom_top in self.porosity_gradient_hosts().values():
            bottom_top.layout()

    @property
    def kappa_S_m(self) -> float:
        return electrolyte(self.electrolyte).ionic_conductivity_S_m

    def _host(self, scaffold: Any, porosity: float) -> PorousHostParams:
        return PorousHostParams(
            scaffold=scaffold,
            porosity=porosity,
            footprint=self.footprint_um * UM,
            host_thickness=self.host_thickness_um * UM,
            separator_thickness=self.separator_thickness_um * UM,
            mesh_size=self.mesh_size_um * UM,
            seed=self.seed,
        )

    def foam_params(self) -> GradientMaterialParams:
        """The Ni-foam analogue with three material layers."""
        host = self._host(OpenCellFoam(self.foam_cell_um * UM), self.porosity)
        layers = tuple(t * UM for t in self.dual_gradient_layers_um)
        return GradientMaterialParams(host, layers, ("bottom (Au in the dual gradient)", "Ni", "top (Al2O3)"))

    def porosity_gradient_hosts(self) -> dict[str, GradientPorosityParams]:
        """Sphere packings, two porosity sublayers, dense at the bottom or at the top."""
        if not self.porosity_gradient:
            return {}
        low, high = self.porosity_gradient
        H = self.host_thickness_um * UM
        hosts = {}
        for name, porosities in (("dense_bottom", (low, high)), ("dense_top", (high, low))):
            hosts[name] = GradientPorosityParams(
                scaffold=SpherePacking(self.sphere_radius_um * UM, overlapping=True),
                layer_thicknesses=(H / 2, H / 2),
                porosities=porosities,
                footprint=self.footprint_um * UM,
                host_thickness=H,
                separator_thickness=self.separator_thickness_um * UM,
                mesh_size=self.mesh_size_um * UM,
                seed=self.seed,
            )
        return hosts


#: Help text (with units) of every config field: the --help of the command line.
ARGUMENT_HELP = {
    **HOST_HELP,
    "footprint_um": "cell side, um (a whole multiple of foam_cell_um)",
    "host_thickness_um": "host thickness H, um (a whole multiple of foam_cell_um)",
    "separator_thickness_um": "separator thickness, um",
    "foam_cell_um": "cubic foam lattice constant, um",
    "porosity": "foam porosity, in (0, 1)",
    "mesh_size_um": "element size at the scaffold surfaces, um",
    "dual_gradient_layers_um": "bottom, middle, top material layer thicknesses, um; sum = host thickness",
    "porosity_gradient": "bottom and top porosity of the sphere-packing gradient host (reversed: dense top)",
    "sphere_radius_um": "sphere radius of the porosity-gradient hosts, um",
    "exchange_current_density_mA_cm2": "override i0 on Ni, mA/cm2",
    "scaffold_conductivity_S_m": "electronic conductivity of Ni, S/m",
    "seed": "random seed of the sphere packings",
    "write_fields": "write VTX fields and a 3D figure per case",
}


@dataclass(frozen=True)
class Case(HostCase):
    """One host: ``sweep`` is conductivity, host or porosity; ``name`` the variant; on the foam mesh
    or on the porosity-gradient packing of its name."""

    @property
    def mesh_key(self) -> str:
        return self.name if self.sweep == "porosity" else "foam"


def build_cases(cfg: ResolvedDepositionConfig) -> list[Case]:
    cases = [Case("conductivity", "uniform", r) for r in cfg.sigma_ratios]
    cases += [Case("host", "bare_Ni"), Case("host", "dual_gradient")]
    cases += [Case("porosity", name) for name in cfg.porosity_gradient_hosts()]
    return cases


def case_solids(cfg: ResolvedDepositionConfig, case: Case, md: MeshData) -> list[SolidRegion]:
    """Conductivity and i0 of every solid region of the case's mesh."""
    ni, i0 = cfg.scaffold_conductivity_S_m, cfg.i0_A_m2
    if case.sweep == "conductivity":
        return [SolidRegion(name, case.sigma_ratio * cfg.kappa_S_m, i0) for name in LAYERS]
    if case.name == "dual_gradient":
        return [
            SolidRegion(LAYERS[0], ni, cfg.lithiophilic_i0_factor * i0),
            SolidRegion(LAYERS[1], ni, i0),
            SolidRegion(LAYERS[2], 0.0, 0.0),  # Al2O3: insulating and blocked
        ]
    if case.sweep == "host":
        return [SolidRegion(name, ni, i0) for name in LAYERS]
    return [SolidRegion("host", ni, i0)]


class MeshCache:
    """The meshes of one rank group (built once, shared by the cases on them)."""

    def __init__(self, cfg: ResolvedDepositionConfig) -> None:
        self.cfg = cfg
        self._meshes: dict[tuple[int, str], tuple[MeshData, float]] = {}

    def get(self, key: str, comm: MPI.Comm) -> tuple[MeshData, float]:
        """(mesh, build seconds)."""
        if (comm.py2f(), key) not in self._meshes:
            start = time.perf_counter()
            if key == "foam":
                md = gradient_material_mesh(comm, self.cfg.foam_params())
            else:
                md = gradient_porosity_mesh(comm, self.cfg.porosity_gradient_hosts()[key])
            self._meshes[(comm.py2f(), key)] = (md, time.perf_counter() - start)
        return self._meshes[(comm.py2f(), key)]


def _layer_edges(case: Case, cfg: ResolvedDepositionConfig) -> list[float]:
    H = cfg.host_thickness_um * UM
    if case.mesh_key == "foam":
        return [0.0, *np.cumsum([t * UM for t in cfg.dual_gradient_layers_um])[:-1].tolist(), H]
    return [0.0, H / 2, H]


def homogenised_counterpart(
    cfg: ResolvedDepositionConfig, case: Case, md: MeshData, solids: list[SolidRegion]
) -> tuple[DepositionResult, list[dict[str, float]]]:
    """The homogenised model with porosity, area and tortuosities measured per layer on ``md``."""
    edges = _layer_edges(case, cfg)
    interfaces = ("host_sse",)
    pores = layer_properties(md, edges, interfaces=interfaces)
    solid_regions = tuple(s.name for s in solids)
    scaffold = [layer_properties(md, [a, b], pore_regions=solid_regions, interfaces=interfaces)[0]
                for a, b in itertools.pairwise(edges)]  # fmt: skip
    thicknesses = tuple(b - a for a, b in itertools.pairwise(edges))
    if len(solids) == len(pores):  # one region per layer: the layer's own values
        sigma = Layers(thicknesses, tuple(max(s.conductivity_S_m, 1e-8) for s in solids))
        i0 = Layers(thicknesses, tuple(s.exchange_current_density_A_m2 if s.reacts else 0.0 for s in solids))
    else:
        sigma, i0 = solids[0].conductivity_S_m, solids[0].exchange_current_density_A_m2
    tau_s = Layers(thicknesses, tuple(max(1.0, layer.tortuosity) for layer in scaffold))
    host = homogenised_host(pores, sigma, i0, solid_tortuosity=tau_s)
    mesh = porous_electrode_mesh(MPI.COMM_SELF, host.thickness_m, cfg.separator_thickness_um * UM, 800,
                                 host.breakpoints())  # fmt: skip
    problem = PorousElectrodeProblem(mesh, host, electrolyte(cfg.electrolyte), cfg.kinetics, degree=2)
    result = problem.solve_galvanostatic(-cfg.current_density_mA_cm2 * A_M2_PER_MA_CM2)
    problem.destroy()
    measured = [
        {"z_bottom_um": p.z_bottom_m / UM, "z_top_um": p.z_top_m / UM, "porosity": p.porosity,
         "specific_area_1_um": p.specific_area_1_m * UM, "tortuosity_electrolyte": p.tortuosity,
         "tortuosity_scaffold": s.tortuosity}
        for p, s in zip(pores, scaffold, strict=True)
    ]  # fmt: skip
    return result, measured


def _metrics(result: DepositionResult) -> dict[str, Any]:
    H = result.host_thickness_m
    top_fill, _ = result.capacity_to_fill_C_m2(2 * H / 3, H)
    return {
        "fraction_bottom": result.fraction_bottom,
        "fraction_top": result.fraction_top,
        "bottom_up_index": result.bottom_up_index,
        "peak_current_density_mA_cm2": result.peak_interface_current_density_A_m2 / A_M2_PER_MA_CM2,
        "capacity_to_fill_top_mAh_cm2": capacity_or_none_mAh_cm2(top_fill),
        "host_polarisation_mV": 1e3 * result.counter_potential_V,
        "profile_z_over_H": (result.z_m / H).tolist(),
        "profile_deposition_rate_over_mean": (
            result.deposition_rate_A_m3 * H / abs(result.current_density_A_m2)
        ).tolist(),
    }


def _write_fields(out: Path, case: Case, problem: ResolvedDepositionProblem) -> str:
    current = problem.cell_current_density()
    phi_s, phi_e = problem.potentials()
    write_fields_vtx(out / "fields" / case.case_id, [current, phi_s, phi_e])
    return f"fields/{case.case_id}"


def _render_3d(out: Path, case: Case, problem: ResolvedDepositionProblem, comm: MPI.Comm) -> str:
    """Collective: the deposition current density on the scaffold surface, log scale, blocked facets grey."""
    triangles = problem.interface_triangles()
    name = f"figures/scaffold_{case.case_id}.png"

    def render() -> None:
        vertices, values = triangles
        (out / "figures").mkdir(parents=True, exist_ok=True)
        title = f"{case.label()}: deposition on the scaffold"
        render_triangles(out / name, vertices, -values / A_M2_PER_MA_CM2, title, "log10 i (mA/cm2)", log=True)

    on_root(comm, render)
    return name


def run_case(cfg: ResolvedDepositionConfig, case: Case, comm: MPI.Comm, out: Path, cache: MeshCache) -> dict[str, Any]:
    """Mesh (cached), resolved solve, homogenised counterpart, fields."""
    start = time.perf_counter()
    md, build_seconds = cache.get(case.mesh_key, comm)
    solids = case_solids(cfg, case, md)
    electrolyte_set = electrolyte(cfg.electrolyte)
    problem = ResolvedDepositionProblem(md, solids, electrolyte_set, cfg.kinetics, degree=cfg.degree, profile_bins=24)
    J = -cfg.current_density_mA_cm2 * A_M2_PER_MA_CM2
    solve_start = time.perf_counter()
    resolved: ResolvedDepositionResult = problem.solve_galvanostatic(J)
    solve_seconds = time.perf_counter() - solve_start
    fields = _write_fields(out, case, problem) if cfg.write_fields else None
    figure = _render_3d(out, case, problem, comm) if cfg.write_fields else None
    problem.destroy()
    homogenised, measured = homogenised_counterpart(cfg, case, md, solids)
    progress(comm, f"  {case.label()}: bottom-up index resolved {resolved.bottom_up_index:+.3f}, "
                   f"homogenised {homogenised.bottom_up_index:+.3f} ({solve_seconds:.1f} s solve)")  # fmt: skip
    return {
        "case_id": case.case_id,
        "sweep": case.sweep,
        "name": case.name,
        "sigma_ratio": case.sigma_ratio if math.isfinite(case.sigma_ratio) else None,
        "resolved": _metrics(resolved),
        "homogenised": _metrics(homogenised),
        "collector_fraction": resolved.collector_fraction,
        "scaffold_connected": all(m["tortuosity_scaffold"] < MAX_CONNECTED_TORTUOSITY for m in measured),
        "charge_conservation_error": abs(resolved.reaction_total_A_m2 / J - 1.0),
        "measured_layers": measured,
        "cells": int(md.mesh.topology.index_map(3).size_global),
        "dofs": resolved.num_dofs,
        "active_dofs": resolved.active_dofs,
        "newton_iterations": resolved.stats.newton_iterations,
        "mesh_build_s": build_seconds,
        "solve_s": solve_seconds,
        "case_s": time.perf_counter() - start,
        "fields": fields,
        "figure_3d": figure,
    }


# ----------------------------------------------------------------------------- report

COLUMNS = (
    ("label", "case"),
    ("bottom_res", "bottom third (resolved)"),
    ("bottom_hom", "bottom third (homog.)"),
    ("top_res", "top third (resolved)"),
    ("top_hom", "top third (homog.)"),
    ("bui_res", "bottom-up index (resolved)"),
    ("bui_hom", "bottom-up index (homog.)"),
    ("peak_res", "peak i resolved (mA/cm2)"),
    ("fill_res", "top fills at, resolved (mAh/cm2)"),
)


def _table_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    table = []
    for r in rows:
        res, hom = r["resolved"], r["homogenised"]
        label = f"sigma/kappa = {r['sigma_ratio']:g}" if r["sweep"] == "conductivity" else r["name"].replace("_", " ")
        table.append({
            "label": label, "bottom_res": res["fraction_bottom"], "bottom_hom": hom["fraction_bottom"],
            "top_res": res["fraction_top"], "top_hom": hom["fraction_top"], "bui_res": res["bottom_up_index"],
            "bui_hom": hom["bottom_up_index"], "peak_res": res["peak_current_density_mA_cm2"],
            "fill_res": res["capacity_to_fill_top_mAh_cm2"],
        })  # fmt: skip
    return table


def _figures(out: Path, rows: list[dict[str, Any]]) -> list[str]:
    names = []
    for sweep, filename, title in (
        ("conductivity", "profiles_conductivity.png", "Resolved (markers) vs homogenised (lines): conductivity sweep"),
        ("host", "profiles_hosts.png", "Bare Ni vs dual gradient: resolved (markers) vs homogenised (lines)"),
        ("porosity", "profiles_porosity.png", "Porosity gradients: resolved (markers) vs homogenised (lines)"),
    ):
        group = [r for r in rows if r["sweep"] == sweep]
        if not group:
            continue
        curves = []
        for k, r in enumerate(group):
            label = f"sigma/kappa = {r['sigma_ratio']:g}" if sweep == "conductivity" else r["name"].replace("_", " ")
            for model, style in (("resolved", "o"), ("homogenised", LINES[k % len(LINES)])):
                rate = np.maximum(np.array(r[model]["profile_deposition_rate_over_mean"]), 1e-4)
                curves.append(series(np.array(r[model]["profile_z_over_H"]), rate, f"{label} ({model})", style))
        xlabel, ylabel = "height above the current collector z / H", "deposition rate / mean (floored at 1e-4)"
        names.append(save_line_plot(out, filename, curves, xlabel, ylabel, title, logy=True))
    return names


def _verdict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_name = {r["name"]: r for r in rows if r["sweep"] == "host"}
    bare, dual = by_name["bare_Ni"]["resolved"], by_name["dual_gradient"]["resolved"]
    return {
        **plating_direction_verdict(bare, dual),
        "bare_Ni_bottom_up_index": bare["bottom_up_index"],
        "dual_gradient_bottom_up_index": dual["bottom_up_index"],
    }


def write_report(
    out: Path, cfg: ResolvedDepositionConfig, results: list[dict[str, Any]], comm: MPI.Comm, wall: float
) -> dict[str, Any]:
    """report.json, report.md and figures (rank 0)."""
    report = study_report(
        "deposition_resolved",
        cfg,
        comm,
        wall,
        materials={"kappa_S_m": cfg.kappa_S_m, "i0_A_m2": cfg.i0_A_m2},
        cases=results,
        pu_2019_comparison=_verdict(results),
        largest_bottom_up_index_difference=max(
            abs(r["resolved"]["bottom_up_index"] - r["homogenised"]["bottom_up_index"]) for r in results
        ),
        figures=_figures(out, results) + [r["figure_3d"] for r in results if r["figure_3d"]],
    )
    return write_report_files(out, report, _markdown(cfg, report))


def _markdown(cfg: ResolvedDepositionConfig, report: dict[str, Any]) -> str:
    rows, verdict = report["cases"], report["pu_2019_comparison"]
    foam = next(r for r in rows if r["sweep"] == "host")
    layers = "; ".join(
        f"{m['z_bottom_um']:.1f}-{m['z_top_um']:.1f} um: eps {m['porosity']:.3f}, "
        f"a {m['specific_area_1_um']:.3f} 1/um, "
        f"tau_e {m['tortuosity_electrolyte']:.2f}, tau_s {m['tortuosity_scaffold']:.2f}"
        for m in foam["measured_layers"]
    )
    lines = [
        "# Where Li deposits in a pore-resolved host (and in its homogenised twin)",
        "",
        f"Cubic Ni-foam analogue: cell {cfg.foam_cell_um:g} um, porosity {cfg.porosity:g}, footprint "
        f"{cfg.footprint_um:g} um, host {cfg.host_thickness_um:g} um under {cfg.separator_thickness_um:g} um of "
        f"{cfg.electrolyte} (kappa = {cfg.kappa_S_m:g} S/m); mesh size {cfg.mesh_size_um:g} um at the scaffold, "
        f"{foam['cells']} tetrahedra, {foam['active_dofs']} active dofs (P{cfg.degree}). Butler-Volmer, i0 = "
        f"{cfg.i0_A_m2 / 10:g} mA/cm2 on Ni, plating at {cfg.current_density_mA_cm2:g} mA/cm2.",
        "",
        f"Measured on the mesh, layer by layer (the homogenised model's input): {layers}.",
        "",
        markdown_table(_table_rows(rows), COLUMNS),
        "",
        "## Pu et al. (2019)",
        "",
        *plating_direction_lines(
            "Resolved model",
            verdict,
            f"bottom-up index {verdict['bare_Ni_bottom_up_index']:+.3f}",
            f"index {verdict['dual_gradient_bottom_up_index']:+.3f}",
            "Qualitative: no nucleation barrier, no Li growth feedback, no concentration polarisation; Pu et al. "
            "used a liquid electrolyte.",
        ),
        "## Resolved vs homogenised",
        "",
        "Largest difference of the bottom-up index over the cases: "
        f"{report['largest_bottom_up_index_difference']:.3f}. "
        "Expected sources: the host|separator entrance layer (about one pore deep; O(pore / H), verified on "
        "lamellar hosts in tests/test_pore_resolved.py), the scaffold's local reaction hot spots (struts facing "
        "the separator) and the layer-averaged tortuosity. Charge conservation (resolved) worst "
        f"{max(r['charge_conservation_error'] for r in rows):.1e}.",
        "",
        *_connectivity_note(rows),
        *figures_section(report["figures"], "## Figures and fields"),
        "VTX fields per case (interface current density per cell in A/m2, phi_s, phi_e): "
        + ", ".join(f"`{r['fields']}`" for r in rows if r["fields"]),
        "",
        "## Cost",
        "",
        markdown_table(
            [
                {
                    "case": r["case_id"],
                    "dofs": r["dofs"],
                    "active": r["active_dofs"],
                    "newton": r["newton_iterations"],
                    "mesh_s": r["mesh_build_s"],
                    "solve_s": r["solve_s"],
                }
                for r in rows
            ],  # fmt: skip
            (
                ("case", "case"),
                ("dofs", "dofs"),
                ("active", "active dofs"),
                ("newton", "Newton"),
                ("mesh_s", "mesh build (s)"),
                ("solve_s", "resolved solve (s)"),
            ),  # fmt: skip
        ),
        "",
    ]
    return "\n".join(lines)


def _connectivity_note(rows: list[dict[str, Any]]) -> list[str]:
    """A warning paragraph for cases whose scaffold has no electronic path across a layer."""
    floating = [r for r in rows if not r["scaffold_connected"]]
    if not floating:
        return []
    names = ", ".join(r["case_id"] for r in floating)
    return [
        f"**Scaffold not connected** in {names}: the measured scaffold tortuosity of some layer exceeds "
        f"{MAX_CONNECTED_TORTUOSITY:g} (no electronic path across it), so those particles float and react as "
        "bipolar electrodes in the resolved model, while the homogenised twin sees an insulating scaffold. "
        "Their numbers describe that geometry, not a connected Ni scaffold: raise the solid fraction or use a foam.",
        "",
    ]


STUDY = Study(
    "deposition_resolved",
    __doc__,
    ResolvedDepositionConfig,
    ARGUMENT_HELP,
    build_cases,
    run_case,
    write_report,
    cache=MeshCache,
    title="pore-resolved deposition study",
)
run_study, main = STUDY.run, STUDY.main


if __name__ == "__main__":
    sys.exit(run_cli(main))
