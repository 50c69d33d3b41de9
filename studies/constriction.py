"""Current constriction at a partially contacting Li | solid-electrolyte interface.

Partial contact funnels the current into the contact spots (review seed,
Fig. 3c).  For a periodic cell of footprint b x b with contact spots on the
Li | electrolyte interface, the study sweeps the contact fraction f (one spot)
and the number of spots N at fixed f, solves the secondary current
distribution (Butler-Volmer on the contacts, galvanostatic at the applied
current density) and the primary one (ideal contact), and reports:

* total ASR; constriction ASR = total - perfect-contact ASR (L/kappa + eta(J)/J,
  exact); its ohmic part (spreading ASR, from the ideal-contact solve minus
  L/kappa) and its kinetic part (the rest);
* the hot-spot factor (peak local normal current density over the mean over
  the contact area) and the area fraction of contact above multiples of it;
* the spreading ASR against Holm's 1/(4 kappa a) (half-space) and its
  finite-cell (flux-tube) correction;
* a mesh-refinement check with Richardson extrapolation.

Run ``python -m studies.constriction --help``; through the launcher on two
ranks: ``containers/run -n 2 python3 -m studies.constriction --out results/constriction``.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.electrochemistry import analytic
from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
from fem.materials import ButlerVolmer, IdealContact, electrolyte, interface_kinetics, parameter_sets
from fem.output import write_fields_vtx, write_mesh_xdmf
from fem.validation import ParameterError, check_choice, check_positive, check_range
from geometries.planar import PlanarInterfaceParams, planar_interface_mesh
from geometries.spots import InterfacePattern, grid_spots, spot_edge_clearance, spot_radius
from studies._cli import COMMON_HELP, check_common_fields, run_cli
from studies._convergence import convergence_markdown, reference_convergence
from studies._figures import interface_current_figure, save_line_plot, series
from studies._report import figures_section, markdown_table, percent_error, run_note, study_report, write_report_files
from studies._study import Study
from studies._units import A_M2_PER_MA_CM2, OHM_CM2_PER_OHM_M2, UM

__all__ = ["ConstrictionConfig", "Case", "main", "run_study"]

DISTRIBUTION_MULTIPLES = (1.1, 1.25, 1.5, 2.0, 3.0)


@dataclass(frozen=True)
class ConstrictionConfig:
    """Study parameters in the field's units (names carry them)."""

    contact_fractions: tuple[float, ...] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9)
    n_spots: tuple[int, ...] = (1, 4, 16, 64)
    spot_sweep_contact_fraction: float = 0.3
    current_density_mA_cm2: float = 1.0
    footprint_um: float = 50.0
    sse_thickness_um: float = 50.0
    electrolyte: str = "LPSCl"
    interface: str = "Li_LPSCl"
    exchange_current_density_mA_cm2: float | None = None
    degree: int = 2
    edge_resolution: float = 16.0
    bulk_cells: float = 12.0
    refinement_levels: int = 3
    refinement_ratio: float = 1.5
    convergence_tolerance_percent: float = 2.0
    groups: int = 1
    fields: bool = True

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        if not self.contact_fractions and not self.n_spots:
            raise ParameterError("contact_fractions and n_spots are both empty: nothing to run")
        for f in self.contact_fractions:
            check_range("contact_fractions", f, 0.0, 1.0)
        for n in self.n_spots:
            if n < 1 or math.isqrt(n) ** 2 != n:
                raise ParameterError(f"n_spots = {n} must be a perfect square (1, 4, 9, 16, ...)")
        check_range("spot_sweep_contact_fraction", self.spot_sweep_contact_fraction, 0.0, 1.0)
        check_range("current_density_mA_cm2", self.current_density_mA_cm2, 0.0, 100.0, unit="mA/cm2")
        check_range("footprint_um", self.footprint_um, 0.0, 1e4, unit="um")
        check_range("sse_thickness_um", self.sse_thickness_um, 0.0, 1e4, unit="um")
        check_choice("electrolyte", self.electrolyte, sorted(parameter_sets()["electrolyte"]))
        check_choice("interface", self.interface, sorted(parameter_sets()["interface"]))
        if self.exchange_current_density_mA_cm2 is not None:
            check_positive("exchange_current_density_mA_cm2", self.exchange_current_density_mA_cm2, "mA/cm2")
        check_range("edge_resolution", self.edge_resolution, 2.0, 64.0, low_inclusive=True, high_inclusive=True)
        check_range("bulk_cells", self.bulk_cells, 2.0, 200.0, low_inclusive=True, high_inclusive=True)
        check_positive("convergence_tolerance_percent", self.convergence_tolerance_percent, "%")
        check_common_fields(self, comm_size)
        for case in build_cases(self):  # geometric feasibility of every case, before any meshing
            case_pattern(self, case)

    @property
    def kinetics(self) -> ButlerVolmer:
        kinetics = interface_kinetics(self.interface)
        if self.exchange_current_density_mA_cm2 is not None:
            kinetics = replace(
                kinetics,
                exchange_current_density_A_m2=self.exchange_current_density_mA_cm2 * A_M2_PER_MA_CM2,
                source="user override",
            )
        return kinetics


#: Help text (with units) of every config field: the --help of the command line.
ARGUMENT_HELP = {
    **COMMON_HELP,
    "contact_fractions": "single-spot sweep: contact fractions in (0, 1)",
    "n_spots": "spot-number sweep: perfect squares (1, 4, 9, ...)",
    "spot_sweep_contact_fraction": "contact fraction of the spot-number sweep, in (0, 1)",
    "current_density_mA_cm2": "applied (stripping) current density, mA/cm2, in (0, 100)",
    "footprint_um": "periodic cell side b, um",
    "sse_thickness_um": "electrolyte thickness L, um (>= b for the spreading field to decay)",
    "exchange_current_density_mA_cm2": "override the exchange current density i0 of the set, mA/cm2",
    "edge_resolution": "elements per spot radius at the spot edge, 2 to 64",
    "bulk_cells": "elements across the footprint far from the interface, 2 to 200",
}


@dataclass(frozen=True)
class Case:
    """One geometry: contact fraction, number of spots, mesh refinement factor."""

    sweep: str  # "contact_fraction", "n_spots" or "refinement"
    contact_fraction: float
    n_spots: int
    refinement: float = 1.0
    picture: bool = False

    def label(self) -> str:
        return f"{self.sweep}: f = {self.contact_fraction:g}, N = {self.n_spots}, refinement x{self.refinement:.3g}"

    @property
    def case_id(self) -> str:
        return f"f{self.contact_fraction:g}_n{self.n_spots}_r{self.refinement:.3g}".replace(".", "p")


def build_cases(cfg: ConstrictionConfig) -> list[Case]:
    """Contact-fraction sweep (N = 1), spot-number sweep (fixed f), refinement levels."""
    cases = [Case("contact_fraction", f, 1) for f in cfg.contact_fractions]
    cases += [
        Case("n_spots", cfg.spot_sweep_contact_fraction, n)
        for n in cfg.n_spots
        if not (n == 1 and cfg.spot_sweep_contact_fraction in cfg.contact_fractions)  # already run
    ]
    reference = _reference_case(cfg)
    cases += [
        Case("refinement", reference.contact_fraction, reference.n_spots, cfg.refinement_ratio**level)
        for level in range(1, cfg.refinement_levels)
    ]
    picture_keys = {(reference.contact_fraction, reference.n_spots)}
    if cfg.n_spots:
        picture_keys.add((cfg.spot_sweep_contact_fraction, max(cfg.n_spots)))
    return [replace(c, picture=(c.contact_fraction, c.n_spots) in picture_keys and c.refinement == 1.0) for c in cases]


def _reference_case(cfg: ConstrictionConfig) -> Case:
    """The single-spot case closest to f = 0.2: mesh check, profile and picture."""
    if cfg.contact_fractions:
        f = min(cfg.contact_fractions, key=lambda x: abs(x - 0.2))
        return Case("contact_fraction", f, 1)
    return Case("n_spots", cfg.spot_sweep_contact_fraction, min(cfg.n_spots))


def _mesh_sizes(cfg: ConstrictionConfig, case: Case) -> tuple[float, float]:
    """(edge, bulk) element sizes in m.

    Edge: a / edge_resolution, and fine enough to resolve the clearance between
    a spot edge and its sub-cell side (merged spots near f = pi/4); bulk:
    b / bulk_cells.  Both divided by the case's refinement factor.
    """
    b = cfg.footprint_um * UM
    pitch = b / math.isqrt(case.n_spots)
    radius = spot_radius(case.contact_fraction, pitch)
    bulk = b / cfg.bulk_cells
    edge = min(radius / cfg.edge_resolution, spot_edge_clearance(radius, pitch) / 1.5, bulk)
    return edge / case.refinement, bulk / case.refinement


def case_pattern(cfg: ConstrictionConfig, case: Case) -> InterfacePattern:
    """The case's spot pattern (raises ParameterError when it cannot be meshed)."""
    edge, _ = _mesh_sizes(cfg, case)
    radius = spot_radius(case.contact_fraction, cfg.footprint_um * UM / math.isqrt(case.n_spots))
    if edge < radius / 64:
        raise ParameterError(
            f"contact_fraction = {case.contact_fraction:g} with n_spots = {case.n_spots}: the spot edge nearly "
            "touches its cell side (near-tangent spots need a mesh 64x finer than the spot); move it away from pi/4"
        )
    return grid_spots(cfg.footprint_um * UM, case.contact_fraction, case.n_spots, min_feature=edge)


def _interface_profile(problem: SecondaryCurrentProblem, center: tuple[float, float], radius: float) -> Any:
    """Binned mean of i / i_contact_mean against r / a over the interface dofs (rank 0)."""
    V = problem.V
    owned = V.dofmap.index_map.size_local
    dofs = problem.working_dofs[problem.working_dofs < owned]
    xyz = V.tabulate_dof_coordinates()[dofs]
    r = np.hypot(xyz[:, 0] - center[0], xyz[:, 1] - center[1]) / radius
    values = problem.local_current_density().x.array[dofs]
    r_all = V.mesh.comm.gather(r, root=0)
    v_all = V.mesh.comm.gather(values, root=0)
    if V.mesh.comm.rank != 0:
        return None
    r, values = np.concatenate(r_all), np.concatenate(v_all)
    edges = np.linspace(0.0, 1.0, 21)
    which = np.clip(np.digitize(r, edges) - 1, 0, 19)
    counts = np.bincount(which, minlength=20)
    sums = np.bincount(which, weights=values, minlength=20)
    mean = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return {"r_over_a": (0.5 * (edges[1:] + edges[:-1])).tolist(), "current_density_A_m2": mean.tolist()}


def _solve_kinetic(
    md: Any, cfg: ConstrictionConfig, kinetics: ButlerVolmer, current_A: float
) -> tuple[SecondaryCurrentProblem, Any]:
    problem = SecondaryCurrentProblem(
        md, electrolyte(cfg.electrolyte), Electrode("li_sse", kinetics), degree=cfg.degree
    )
    return problem, problem.solve_galvanostatic(current_A)


def run_case(cfg: ConstrictionConfig, case: Case, comm: MPI.Comm, out: Path) -> dict[str, Any]:
    """Mesh, solve (Butler-Volmer and ideal contact), post-process one case."""
    b = cfg.footprint_um * UM
    L = cfg.sse_thickness_um * UM
    kappa = electrolyte(cfg.electrolyte).ionic_conductivity_S_m
    kinetics = cfg.kinetics
    pattern = case_pattern(cfg, case)
    radius = pattern.disks[0].radius
    edge, bulk = _mesh_sizes(cfg, case)
    start = time.perf_counter()
    params = PlanarInterfaceParams(pattern, L, 0.0, mesh_size_edges=edge, mesh_size_bulk=bulk)
    md = planar_interface_mesh(comm, params, cell_regions=("sse",))
    mesh_seconds = time.perf_counter() - start

    J = cfg.current_density_mA_cm2 * A_M2_PER_MA_CM2
    current = J * b * b
    start = time.perf_counter()
    problem, bv = _solve_kinetic(md, cfg, kinetics, current)
    solve_seconds = time.perf_counter() - start
    thresholds = [m * bv.contact_current_density_A_m2 for m in DISTRIBUTION_MULTIPLES]
    above = problem.area_fraction_above(thresholds)
    ideal_problem = SecondaryCurrentProblem(
        md, electrolyte(cfg.electrolyte), Electrode("li_sse", IdealContact()), degree=cfg.degree
    )
    ideal = ideal_problem.solve_galvanostatic(current)

    perfect = analytic.planar_cell_asr_ohm_m2(kappa, L, kinetics, J)
    spreading = ideal.asr_ohm_m2 - L / kappa
    result: dict[str, Any] = {
        "case_id": case.case_id,
        "sweep": case.sweep,
        "contact_fraction": case.contact_fraction,
        "contact_fraction_mesh": bv.contact_area_m2 / (b * b),
        "n_spots": case.n_spots,
        "spot_radius_um": radius / UM,
        "merged_spots": pattern.clip_cell > 0.0,
        "refinement": case.refinement,
        "mesh_size_edges_um": edge / UM,
        "mesh_size_bulk_um": bulk / UM,
        "num_cells": int(md.mesh.topology.index_map(3).size_global),
        "num_dofs": bv.num_dofs,
        "current_density_mA_cm2": cfg.current_density_mA_cm2,
        "cell_voltage_mV": 1e3 * bv.working_potential_V,
        "asr_total_ohm_cm2": OHM_CM2_PER_OHM_M2 * bv.asr_ohm_m2,
        "asr_perfect_contact_ohm_cm2": OHM_CM2_PER_OHM_M2 * perfect,
        "asr_constriction_ohm_cm2": OHM_CM2_PER_OHM_M2 * (bv.asr_ohm_m2 - perfect),
        "asr_spreading_ohm_cm2": OHM_CM2_PER_OHM_M2 * spreading,
        "asr_kinetic_excess_ohm_cm2": OHM_CM2_PER_OHM_M2 * (bv.asr_ohm_m2 - perfect - spreading),
        "wagner_number": kappa * kinetics.charge_transfer_asr_ohm_m2() / radius,
        "hotspot_factor": bv.hotspot_factor,
        "peak_current_density_mA_cm2": bv.peak_current_density_A_m2 / A_M2_PER_MA_CM2,
        "contact_current_density_mA_cm2": bv.contact_current_density_A_m2 / A_M2_PER_MA_CM2,
        "area_fraction_above_mean_multiple": {f"{m:g}": a for m, a in zip(DISTRIBUTION_MULTIPLES, above, strict=True)},
        "newton_iterations": bv.stats.newton_iterations,
        "krylov_iterations": bv.stats.krylov_iterations,
        "potential_evaluations": bv.potential_evaluations,
        "mesh_seconds": mesh_seconds,
        "solve_seconds": solve_seconds,
    }
    if case.picture:
        _case_outputs(cfg, case, comm, out, md, problem, ideal_problem, pattern, result, current)
    elif cfg.fields and case.refinement == 1.0:
        _write_case_fields(out / "fields" / case.case_id, md, problem, ideal_problem)
    return result


def _write_case_fields(path: Path, md: Any, problem: SecondaryCurrentProblem, ideal: SecondaryCurrentProblem) -> None:
    """VTX fields (potential, interface current density, current vector) and XDMF tags."""
    ideal.phi.name = "electrolyte_potential_ideal_contact_V"
    write_fields_vtx(
        path,
        [problem.phi, problem.local_current_density(), problem.current_density_field(), ideal.phi],
    )
    write_mesh_xdmf(path / "mesh_tags.xdmf", md)


def _case_outputs(
    cfg: ConstrictionConfig,
    case: Case,
    comm: MPI.Comm,
    out: Path,
    md: Any,
    problem: SecondaryCurrentProblem,
    ideal: SecondaryCurrentProblem,
    pattern: InterfacePattern,
    result: dict[str, Any],
    current: float,
) -> None:
    """Fields, the 3D interface picture and (single spot) the radial current profile."""
    if cfg.fields:
        _write_case_fields(out / "fields" / case.case_id, md, problem, ideal)
    name = f"interface_current_{case.case_id}.png"
    interface_current_figure(
        comm,
        problem.local_current_density(),
        out / "figures" / name,
        f"Normal current density on the Li|SSE contact: f = {case.contact_fraction:g}, N = {case.n_spots}, "
        f"{cfg.current_density_mA_cm2:g} mA/cm2 applied",
        plane_z=0.0,
    )
    result["figure"] = f"figures/{name}"
    if case.n_spots == 1:
        disk = pattern.disks[0]
        result["profile"] = _interface_profile(problem, (disk.x, disk.y), disk.radius)
        fast = replace(cfg.kinetics, exchange_current_density_A_m2=100 * cfg.kinetics.exchange_current_density_A_m2)
        fast_problem, fast_solution = _solve_kinetic(md, cfg, fast, current)
        result["profile_fast_kinetics"] = _interface_profile(fast_problem, (disk.x, disk.y), disk.radius)
        result["profile_contact_mean_A_m2"] = fast_solution.contact_current_density_A_m2
        result["hotspot_factor_fast_kinetics"] = fast_solution.hotspot_factor


# ----------------------------------------------------------------------------- summaries


def analytic_comparison(cfg: ConstrictionConfig, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Spreading ASR (ideal contact) against Holm's half-space and finite-cell values."""
    kappa = electrolyte(cfg.electrolyte).ionic_conductivity_S_m
    b = cfg.footprint_um * UM
    rows = []
    for r in results:
        if r["refinement"] != 1.0 or r["merged_spots"] or math.sqrt(r["contact_fraction"]) > 0.8:
            continue
        f, n = r["contact_fraction"], r["n_spots"]
        half_space = OHM_CM2_PER_OHM_M2 * analytic.spot_spreading_asr_ohm_m2(kappa, b, f, n, finite_cell=False)
        finite = OHM_CM2_PER_OHM_M2 * analytic.spot_spreading_asr_ohm_m2(kappa, b, f, n, finite_cell=True)
        cmy = half_space * analytic.flux_tube_factor_cmy(math.sqrt(f))
        rows.append(
            {
                "contact_fraction": f,
                "n_spots": n,
                "spot_radius_um": r["spot_radius_um"],
                "asr_spreading_fem_ohm_cm2": r["asr_spreading_ohm_cm2"],
                "asr_holm_half_space_ohm_cm2": half_space,
                "asr_holm_finite_cell_ohm_cm2": finite,
                "asr_holm_finite_cell_cmy_ohm_cm2": cmy,
                "error_vs_finite_cell_percent": percent_error(r["asr_spreading_ohm_cm2"], finite),
                "error_vs_half_space_percent": percent_error(r["asr_spreading_ohm_cm2"], half_space),
            }
        )
    return rows


def _spot_sweep_rows(cfg: ConstrictionConfig, results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cases at the spot-sweep contact fraction (including a single spot run by the f sweep), by N."""
    rows = [
        r
        for r in results
        if r["contact_fraction"] == cfg.spot_sweep_contact_fraction
        and r["refinement"] == 1.0
        and (r["sweep"] == "n_spots" or r["n_spots"] in cfg.n_spots)
    ]
    return sorted(rows, key=lambda r: r["n_spots"])


def mesh_convergence(cfg: ConstrictionConfig, results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Reference case at every refinement level; error of the sweep's (coarsest) level."""
    reference = _reference_case(cfg)
    quantities = ("asr_total_ohm_cm2", "asr_constriction_ohm_cm2", "asr_spreading_ohm_cm2", "hotspot_factor")
    case = {"contact_fraction": reference.contact_fraction, "n_spots": reference.n_spots}
    return reference_convergence(cfg, results, case, reference.sweep, quantities)


# ----------------------------------------------------------------------------- report


def _fem_asr_series(x: np.ndarray, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The two FEM curves every ASR figure shows: constriction (BV) and spreading (ideal contact)."""
    return [
        series(x, [r["asr_constriction_ohm_cm2"] for r in rows], "constriction ASR (Butler-Volmer)"),
        series(x, [r["asr_spreading_ohm_cm2"] for r in rows], "spreading ASR (ideal contact)", "s-"),
    ]


def _figures(out: Path, cfg: ConstrictionConfig, results: list[dict[str, Any]]) -> list[str]:
    kappa = electrolyte(cfg.electrolyte).ionic_conductivity_S_m
    b = cfg.footprint_um * UM

    def holm(f: float, n: int, finite_cell: bool) -> float:
        return OHM_CM2_PER_OHM_M2 * analytic.spot_spreading_asr_ohm_m2(kappa, b, f, n, finite_cell)

    figures = []
    single = sorted((r for r in results if r["sweep"] == "contact_fraction"), key=lambda r: r["contact_fraction"])
    if single:
        f = np.array([r["contact_fraction"] for r in single])
        f_fine = np.linspace(min(f), min(max(f), 0.64), 60)
        analytic_series = [
            series(f_fine, [holm(x, 1, False) for x in f_fine], "Holm 1/(4 kappa a), half-space", "k--"),
            series(f_fine, [holm(x, 1, True) for x in f_fine], "Holm x flux-tube factor", "k:"),
        ]
        title = f"One spot per {cfg.footprint_um:g} um cell, {cfg.electrolyte}, {cfg.current_density_mA_cm2:g} mA/cm2"
        curves = _fem_asr_series(f, single) + analytic_series
        name = "asr_vs_contact_fraction.png"
        figures.append(save_line_plot(out, name, curves, "contact fraction f", "ASR (ohm cm2)", title, True, True))
    spots = _spot_sweep_rows(cfg, results)
    if spots:
        n = np.array([r["n_spots"] for r in spots])
        f_spot = cfg.spot_sweep_contact_fraction
        holm_n = series(n, [holm(f_spot, k, True) for k in n], "Holm finite cell, N in parallel", "k:")
        curves = [*_fem_asr_series(n, spots), holm_n]
        title = f"Equal total contact f = {f_spot:g}: many small spots beat one large"
        name = "asr_vs_n_spots.png"
        figures.append(save_line_plot(out, name, curves, "number of spots N", "ASR (ohm cm2)", title, True, True))
    profile_case = next((r for r in results if "profile" in r), None)
    if profile_case is not None:
        mean = profile_case["profile_contact_mean_A_m2"]
        x = np.array(profile_case["profile"]["r_over_a"])
        x_fine = np.linspace(0.0, 0.975, 80)
        i0_mA_cm2 = cfg.kinetics.exchange_current_density_A_m2 / A_M2_PER_MA_CM2
        slow = np.array(profile_case["profile"]["current_density_A_m2"]) / mean
        fast = np.array(profile_case["profile_fast_kinetics"]["current_density_A_m2"]) / mean
        curves = [
            series(x, slow, f"Butler-Volmer, i0 = {i0_mA_cm2:g} mA/cm2"),
            series(x, fast, "Butler-Volmer, 100 x i0", "s-"),
            series(x_fine, analytic.primary_spot_current_ratio(x_fine), "primary (Newman 1966), half-space", "k--"),
        ]
        title = f"Current across one spot, f = {profile_case['contact_fraction']:g}"
        figures.append(save_line_plot(out, "current_profile.png", curves, "r / a", "i / mean over contact", title))
    return figures


CASE_COLUMNS = (
    ("contact_fraction", "f"),
    ("n_spots", "N"),
    ("spot_radius_um", "a (um)"),
    ("asr_total_ohm_cm2", "ASR total (ohm cm2)"),
    ("asr_constriction_ohm_cm2", "ASR constriction"),
    ("asr_spreading_ohm_cm2", "of which spreading"),
    ("asr_kinetic_excess_ohm_cm2", "of which kinetic"),
    ("wagner_number", "Wagner number"),
    ("hotspot_factor", "hot-spot factor"),
    ("peak_current_density_mA_cm2", "peak i (mA/cm2)"),
    ("num_dofs", "dofs"),
    ("solve_seconds", "solve (s)"),
)


def _markdown(cfg: ConstrictionConfig, report: dict[str, Any]) -> str:
    kin = report["materials"]["kinetics"]
    lines = [
        "# Current constriction at a partially contacting Li | electrolyte interface",
        "",
        f"{cfg.electrolyte} (kappa = {report['materials']['electrolyte']['ionic_conductivity_S_m']:g} S/m; "
        f"{report['materials']['electrolyte']['source']}), Butler-Volmer i0 = "
        f"{kin['exchange_current_density_A_m2'] / 10:g} mA/cm2, alpha_a = {kin['alpha_anodic']:g}, "
        f"alpha_c = {kin['alpha_cathodic']:g} ({kin['source']}). Cell: {cfg.footprint_um:g} um x "
        f"{cfg.footprint_um:g} um footprint, {cfg.sse_thickness_um:g} um electrolyte, counter electrode ideal; "
        f"galvanostatic {cfg.current_density_mA_cm2:g} mA/cm2 (stripping). P{cfg.degree} elements.",
        "",
        f"Perfect contact ASR (exact, L/kappa + eta(J)/J): {report['perfect_contact_asr_ohm_cm2']:.4g} ohm cm2. "
        "Constriction ASR = total - perfect contact; its spreading part is the ideal-contact (primary) solve "
        "minus L/kappa, the kinetic part is the rest (the charge-transfer resistance of a smaller contact area).",
        "",
        "## Contact-fraction sweep (one spot)",
        "",
        markdown_table([r for r in report["cases"] if r["sweep"] == "contact_fraction"], CASE_COLUMNS),
        "",
        "## Number of spots at equal contact fraction",
        "",
        markdown_table(_spot_sweep_rows(cfg, report["cases"]), CASE_COLUMNS),
        "",
        "## Spreading resistance against Holm's analytic value",
        "",
        "Ideal contact (infinitely fast kinetics, the primary distribution). Holm: R = 1/(4 kappa a) per spot on a "
        "half-space. The finite periodic cell is accounted for with the flux-tube factor psi(eps) (Roess/Gibson "
        "series; Yovanovich & Marotta 2003), taking the square cell as the circular tube of equal area "
        "(eps = sqrt(f)); the CMY fit (1 - eps)^1.5 is listed as a second estimate. N spots act in parallel, "
        "each in its own sub-cell. The electrolyte is thick enough (L >= b) for the spreading field to decay.",
        "",
        markdown_table(
            report["analytic_comparison"],
            (
                ("contact_fraction", "f"),
                ("n_spots", "N"),
                ("asr_spreading_fem_ohm_cm2", "FEM (ohm cm2)"),
                ("asr_holm_finite_cell_ohm_cm2", "Holm finite cell"),
                ("asr_holm_finite_cell_cmy_ohm_cm2", "Holm finite cell (CMY)"),
                ("asr_holm_half_space_ohm_cm2", "Holm half-space"),
                ("error_vs_finite_cell_percent", "error vs finite cell (%)"),
                ("error_vs_half_space_percent", "error vs half-space (%)"),
            ),
        ),
        "",
    ]
    conv = report["mesh_convergence"]
    if conv:
        lines += convergence_markdown(conv, f"f = {conv['contact_fraction']:g}, N = {conv['n_spots']}")
    lines += figures_section(report["figures"])
    lines += [
        "## Notes",
        "",
        "* The cell sides are symmetry planes, which for a spot grid is exactly the infinite periodic array.",
        "* Wagner number Wa = kappa R_ct / a (R_ct the linearised charge-transfer ASR, a the spot radius) compares "
        "kinetic with spreading resistance: Wa >> 1 spreads the current evenly over a contact (hot-spot factor "
        "near 1, constriction mostly kinetic); Wa << 1 approaches the primary distribution that piles current at "
        "the spot edge.",
        "* With ideal contact the current density is singular at the spot edge (i ~ (a - r)^-1/2), so the hot-spot "
        "factor is reported for Butler-Volmer kinetics only; with kinetics it is finite and mesh-converged.",
        "* Fields for ParaView: fields/<case>/*.bp (VTX) and mesh_tags.xdmf.",
        f"* {run_note(report)}",
        "",
    ]
    return "\n".join(lines)


def write_report(
    out: Path, cfg: ConstrictionConfig, results: list[dict[str, Any]], comm: MPI.Comm, wall: float
) -> dict[str, Any]:
    """report.json, report.md and the summary figures (rank 0)."""
    kappa_set = electrolyte(cfg.electrolyte)
    kin = cfg.kinetics
    J = cfg.current_density_mA_cm2 * A_M2_PER_MA_CM2
    perfect = analytic.planar_cell_asr_ohm_m2(kappa_set.ionic_conductivity_S_m, cfg.sse_thickness_um * UM, kin, J)
    report = study_report(
        "constriction",
        cfg,
        comm,
        wall,
        materials={
            "electrolyte": {
                "name": kappa_set.name,
                "ionic_conductivity_S_m": kappa_set.ionic_conductivity_S_m,
                "source": kappa_set.source,
            },
            "kinetics": {
                "exchange_current_density_A_m2": kin.exchange_current_density_A_m2,
                "alpha_anodic": kin.alpha_anodic,
                "alpha_cathodic": kin.alpha_cathodic,
                "temperature_K": kin.temperature_K,
                "source": kin.source,
            },
        },
        perfect_contact_asr_ohm_cm2=OHM_CM2_PER_OHM_M2 * perfect,
        cases=[r for r in results if r["sweep"] != "refinement"],
        analytic_comparison=analytic_comparison(cfg, results),
        mesh_convergence=mesh_convergence(cfg, results),
        figures=[r["figure"] for r in results if "figure" in r] + _figures(out, cfg, results),
    )
    return write_report_files(out, report, _markdown(cfg, report))


STUDY = Study("constriction", __doc__, ConstrictionConfig, ARGUMENT_HELP, build_cases, run_case, write_report)
run_study, main = STUDY.run, STUDY.main


if __name__ == "__main__":
    sys.exit(run_cli(main))
