"""Where Li deposits in a porous host: homogenised conductivity, lithiophilicity and porosity gradients.

The review's design rule (Fig. 5a; Pu et al., Nat. Commun. 10 (2019) 1896):
a highly conductive scaffold plates Li on its top, next to the separator,
and blocks its own pores; a poorly conducting one lets Li+ reach the bottom
first ("bottom-up").  Pu et al. coated a Ni scaffold with insulating Al2O3 on
top and lithiophilic Au at the bottom and plated bottom-up at 3-8 mAh/cm2,
while bare Ni plated on its top at about 3 mAh/cm2.

Model: the steady homogenised (Newman-type) porous electrode of
fem.electrochemistry.porous_electrode on a 1D interval, Butler-Volmer kinetics on the scaffold
surface, galvanostatic plating.  Cases:

* conductivity sweep: uniform host, scaffold conductivity sigma = ratio x
  kappa for ratios 1e-3 ... 1e3 (Bruggeman for both phases);
* hosts after Pu et al.: bare Ni; Ni with a lithiophilic bottom layer (Au:
  i0 raised); Ni with an insulating blocked top layer (Al2O3: sigma ~ 0,
  i0 = 0); the dual gradient (both);
* porosity gradients: Ni with porosity rising or falling linearly with
  height (specific area proportional to the solid fraction: same particle size);
* verification: linear kinetics, uniform host, against the exact solution
  (Newman & Tobias 1962).

Metrics: shares of the deposition in the bottom and top thirds, the
bottom-up index 1 - 2 <z>/H (+1 all at the collector, -1 all under the
separator), the peak local current density on the scaffold, the overpotential
of the host, and the capacity at which the pores fill (the local Li thickness
Q (a j / (a J)) Omega / F reaches the hydraulic pore radius eps / a; first
anywhere, and in the top third) for the distribution at the start of plating.

Run ``python -m studies.deposition --help``; through the launcher:
``containers/run python3 -m studies.deposition --out results/deposition``.
"""

from __future__ import annotations

import itertools
import math
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.electrochemistry.porous_electrode import (
    C_M2_PER_MAH_CM2,
    DepositionResult,
    HomogenisedHost,
    Layers,
    Linear,
    NewmanTobias,
    PorousElectrodeProblem,
    Profile,
    VolumeKinetics,
    penetration_depth_m,
    porous_electrode_mesh,
)
from fem.materials import electrolyte, interface_kinetics, parameter_sets
from fem.validation import ParameterError, check_choice, check_positive, check_range
from studies._cli import check_common_fields, run_cli
from studies._deposition_common import HOST_HELP, Case, HostKinetics, capacity_or_none_mAh_cm2
from studies._figures import LINES, save_line_plot, series
from studies._literature import plating_direction_lines, plating_direction_verdict
from studies._report import figures_section, markdown_table, study_report, write_report_files
from studies._study import Study
from studies._units import A_M2_PER_MA_CM2, PER_M_PER_PER_CM, S_M_PER_MS_CM, UM

__all__ = [
    "DepositionConfig",
    "Case",
    "HostKinetics",
    "ProblemCache",
    "build_cases",
    "case_host",
    "run_case",
    "run_study",
    "main",
]

#: Largest 1D mesh (cells across the host) the mesh sizing may ask for.
MAX_HOST_CELLS = 20000


@dataclass(frozen=True)
class DepositionConfig(HostKinetics):
    """Study parameters in the field's units (names carry them)."""

    sigma_ratios: tuple[float, ...] = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0, 1e3)
    current_density_mA_cm2: float = 1.0
    host_thickness_um: float = 50.0
    separator_thickness_um: float = 25.0
    porosity: float = 0.7
    specific_area_1_cm: float = 2000.0
    electrolyte: str = "LPSCl"
    electrolyte_conductivity_mS_cm: float | None = None
    interface: str = "Li_LPSCl"
    exchange_current_density_mA_cm2: float | None = None
    scaffold_conductivity_S_m: float = 1.4e7
    insulator_conductivity_S_m: float = 1e-8
    lithiophilic_i0_factor: float = 10.0
    dual_gradient_layers_um: tuple[float, ...] = (10.0, 25.0, 15.0)
    porosity_gradient: tuple[float, ...] = (0.5, 0.9)
    min_host_cells: int = 300
    cells_per_penetration_depth: float = 10.0
    degree: int = 1
    groups: int = 1

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        if not self.sigma_ratios:
            raise ParameterError("sigma_ratios is empty: nothing to sweep")
        for ratio in self.sigma_ratios:
            check_range("sigma_ratios", ratio, 1e-8, 1e8, low_inclusive=True, high_inclusive=True)
        check_range("current_density_mA_cm2", self.current_density_mA_cm2, 0.0, 100.0, unit="mA/cm2")
        check_range("host_thickness_um", self.host_thickness_um, 0.0, 1e4, unit="um")
        check_range("separator_thickness_um", self.separator_thickness_um, 0.0, 1e4, unit="um")
        check_range("porosity", self.porosity, 0.0, 1.0)
        check_positive("specific_area_1_cm", self.specific_area_1_cm, "1/cm")
        check_choice("electrolyte", self.electrolyte, sorted(parameter_sets()["electrolyte"]))
        if self.electrolyte_conductivity_mS_cm is not None:
            check_positive("electrolyte_conductivity_mS_cm", self.electrolyte_conductivity_mS_cm, "mS/cm")
        check_choice("interface", self.interface, sorted(parameter_sets()["interface"]))
        if self.exchange_current_density_mA_cm2 is not None:
            check_positive("exchange_current_density_mA_cm2", self.exchange_current_density_mA_cm2, "mA/cm2")
        check_positive("scaffold_conductivity_S_m", self.scaffold_conductivity_S_m, "S/m")
        check_positive("insulator_conductivity_S_m", self.insulator_conductivity_S_m, "S/m")
        check_range("lithiophilic_i0_factor", self.lithiophilic_i0_factor, 1.0, 1e4, low_inclusive=True)
        if len(self.dual_gradient_layers_um) != 3:
            raise ParameterError(
                f"dual_gradient_layers_um has {len(self.dual_gradient_layers_um)} values; give three "
                "(lithiophilic bottom, scaffold, insulating top), um"
            )
        if len(self.porosity_gradient) != 2:
            raise ParameterError(f"porosity_gradient has {len(self.porosity_gradient)} values; give (bottom, top)")
        for k, value in enumerate(self.porosity_gradient):
            check_range(f"porosity_gradient[{k}]", value, 0.0, 1.0)
        check_range("min_host_cells", self.min_host_cells, 10, MAX_HOST_CELLS, low_inclusive=True, high_inclusive=True)
        check_range("cells_per_penetration_depth", self.cells_per_penetration_depth, 1.0, 100.0, low_inclusive=True)
        check_common_fields(self, comm_size)
        for case in build_cases(self):  # every profile inside the host, before any solve
            case_host(self, case)

    @property
    def kappa_S_m(self) -> float:
        if self.electrolyte_conductivity_mS_cm is not None:
            return self.electrolyte_conductivity_mS_cm * S_M_PER_MS_CM
        return electrolyte(self.electrolyte).ionic_conductivity_S_m


#: Help text (with units) of every config field: the --help of the command line.
ARGUMENT_HELP = {
    **HOST_HELP,
    "host_thickness_um": "host thickness H, um",
    "separator_thickness_um": "separator thickness L, um",
    "porosity": "host porosity (electrolyte fraction), in (0, 1)",
    "specific_area_1_cm": "electrochemically active scaffold area per host volume, 1/cm (cm2/cm3)",
    "electrolyte_conductivity_mS_cm": "override the electrolyte conductivity, mS/cm",
    "exchange_current_density_mA_cm2": "override i0 on the Ni scaffold surface, mA/cm2",
    "scaffold_conductivity_S_m": "electronic conductivity of the scaffold material (Ni 1.4e7), S/m",
    "insulator_conductivity_S_m": "conductivity of the insulating top coating (Al2O3; 'sigma ~ 0'), S/m, > 0",
    "dual_gradient_layers_um": "Au bottom, Ni, Al2O3 top layer thicknesses, um; must sum to the host thickness",
    "porosity_gradient": "bottom and top porosity of the 'dense bottom' gradient host (reversed: 'dense top')",
    "min_host_cells": "fewest cells across the host",
    "cells_per_penetration_depth": "cells per linear reaction penetration depth 1/nu",
}


HOSTS = ("bare_Ni", "Au_bottom", "Al2O3_top", "dual_gradient")
HOST_LABELS = {
    "bare_Ni": "bare Ni",
    "Au_bottom": "Ni + lithiophilic Au bottom",
    "Al2O3_top": "Ni + insulating Al2O3 top",
    "dual_gradient": "dual gradient (Au bottom, Al2O3 top)",
}


def build_cases(cfg: DepositionConfig) -> list[Case]:
    """Conductivity sweep, the four Pu-type hosts, two porosity gradients, one exact check."""
    cases = [Case("conductivity", "uniform", r) for r in cfg.sigma_ratios]
    cases += [Case("host", name) for name in HOSTS]
    cases += [Case("porosity", "dense_bottom"), Case("porosity", "dense_top")]
    cases.append(Case("verification", "linear_kinetics", 1.0))
    return cases


def _layers(cfg: DepositionConfig, values: tuple[float, float, float]) -> Layers:
    return Layers(tuple(t * UM for t in cfg.dual_gradient_layers_um), values)


def case_host(cfg: DepositionConfig, case: Case) -> HomogenisedHost:
    """The case's depth profiles (SI); ParameterError if a profile leaves the host."""
    H = cfg.host_thickness_um * UM
    area = cfg.specific_area_1_cm * PER_M_PER_PER_CM
    i0, ni = cfg.i0_A_m2, cfg.scaffold_conductivity_S_m
    sigma: Profile | float = ni
    exchange: Profile | float = i0
    porosity: Profile | float = cfg.porosity
    specific_area: Profile | float = area
    if case.sweep in ("conductivity", "verification"):
        sigma = case.sigma_ratio * cfg.kappa_S_m
    elif case.sweep == "host":
        au = cfg.lithiophilic_i0_factor * i0
        top_sigma = cfg.insulator_conductivity_S_m if case.name in ("Al2O3_top", "dual_gradient") else ni
        top_i0 = 0.0 if case.name in ("Al2O3_top", "dual_gradient") else i0
        bottom_i0 = au if case.name in ("Au_bottom", "dual_gradient") else i0
        sigma = _layers(cfg, (ni, ni, top_sigma))
        exchange = _layers(cfg, (bottom_i0, i0, top_i0))
    elif case.sweep == "porosity":
        low, high = cfg.porosity_gradient
        bottom, top = (low, high) if case.name == "dense_bottom" else (high, low)
        porosity = Linear(bottom, top)
        # same particle size: the interface area scales with the solid fraction
        specific_area = Linear(area * (1 - bottom) / (1 - cfg.porosity), area * (1 - top) / (1 - cfg.porosity))
    return HomogenisedHost(H, porosity, specific_area, sigma, exchange)


def _host_cells(cfg: DepositionConfig, host: HomogenisedHost, kinetics: VolumeKinetics) -> int:
    """Cells across the host: at least cells_per_penetration_depth per 1/nu and min_host_cells,
    rounded up to min_host_cells x 2^k so that cases share meshes (and compiled problems)."""
    depth = penetration_depth_m(host, cfg.kappa_S_m, kinetics)
    wanted = cfg.cells_per_penetration_depth * host.thickness_m / depth
    doublings = max(0, math.ceil(math.log2(wanted / cfg.min_host_cells)))
    return int(min(MAX_HOST_CELLS, cfg.min_host_cells * 2**doublings))


class ProblemCache:
    """Homogenised problems of one sweep, reused by the cases that share a mesh and a kinetic law
    (PorousElectrodeProblem.set_host refills the coefficients; no form is recompiled)."""

    def __init__(self, cfg: DepositionConfig | None = None) -> None:
        self._problems: dict[tuple[Any, ...], PorousElectrodeProblem] = {}
        self.reused = 0

    def get(self, cfg: DepositionConfig, host: HomogenisedHost, kinetics: VolumeKinetics, cells: int, comm: MPI.Comm):
        """A problem for ``host`` on ``comm`` (the group communicator, alive for the whole sweep)."""
        key = (comm.py2f(), cells, host.thickness_m, host.breakpoints(), kinetics, cfg.degree)
        problem = self._problems.get(key)
        if problem is not None:
            problem.set_host(host)
            self.reused += 1
            return problem
        md = porous_electrode_mesh(comm, host.thickness_m, cfg.separator_thickness_um * UM, cells, host.breakpoints())
        electrolyte_set = replace(electrolyte(cfg.electrolyte), ionic_conductivity_S_m=cfg.kappa_S_m)
        problem = PorousElectrodeProblem(md, host, electrolyte_set, kinetics, degree=cfg.degree)
        self._problems[key] = problem
        return problem

    def close(self) -> None:
        """Destroy the problems (PETSc objects) of the sweep."""
        for problem in self._problems.values():
            problem.destroy()
        self._problems.clear()


def _profile(result: DepositionResult, host: HomogenisedHost, points: int = 400) -> dict[str, list[float]]:
    """Downsampled depth profile (both sides of every layer boundary kept) in report units."""
    H = result.host_thickness_m
    n = result.z_m.size
    keep = set(np.unique(np.linspace(0, n - 1, min(n, points)).round().astype(int)).tolist())
    for z in host.breakpoints():
        keep.update(np.flatnonzero(np.isclose(result.z_m, z, rtol=0.0, atol=1e-9 * H)).tolist())
    index = np.array(sorted(keep))
    mean_rate = abs(result.current_density_A_m2) / H
    return {
        "z_over_H": (result.z_m[index] / H).tolist(),
        "deposition_rate_over_mean": (result.deposition_rate_A_m3[index] / mean_rate).tolist(),
        "interface_current_density_mA_cm2": (-result.interface_current_density_A_m2[index] / 10.0).tolist(),
        "overpotential_mV": (1e3 * result.overpotential_V[index]).tolist(),
    }


def run_case(
    cfg: DepositionConfig, case: Case, comm: MPI.Comm, out: Path, cache: ProblemCache | None = None
) -> dict[str, Any]:
    """Mesh, solve and post-process one host (out is unused: the profiles go into report.json)."""
    start = time.perf_counter()
    host = case_host(cfg, case)
    kinetics = VolumeKinetics("linear") if case.sweep == "verification" else cfg.kinetics
    H = host.thickness_m
    cells = _host_cells(cfg, host, kinetics)
    own = cache is None
    cache = cache or ProblemCache()
    problem = cache.get(cfg, host, kinetics, cells, comm)
    J = -cfg.current_density_mA_cm2 * A_M2_PER_MA_CM2  # plating: cathodic
    result = problem.solve_galvanostatic(J)
    if own:
        cache.close()
    top_fill, top_fill_z = result.capacity_to_fill_C_m2(2 * H / 3, H)
    first_fill, first_fill_z = result.capacity_to_fill_C_m2(0.0, H)
    z = np.array([0.5 * H])
    mean_interface = abs(J) / float(np.trapezoid(host.specific_area_1_m(np.linspace(0, H, 2001), H), dx=H / 2000))
    row: dict[str, Any] = {
        "case_id": case.case_id,
        "sweep": case.sweep,
        "name": case.name,
        "label": HOST_LABELS.get(case.name, case.name.replace("_", " ")),
        "sigma_ratio": case.sigma_ratio if math.isfinite(case.sigma_ratio) else None,
        "effective_sigma_over_kappa": float(
            host.electronic_conductivity_S_m(z)[0] / host.ionic_conductivity_S_m(cfg.kappa_S_m, z)[0]
        ),
        "penetration_depth_um": penetration_depth_m(host, cfg.kappa_S_m, kinetics) / UM,
        "host_cells": cells,
        "num_dofs": result.num_dofs,
        "fraction_bottom": result.fraction_bottom,
        "fraction_middle": result.fraction_middle,
        "fraction_top": result.fraction_top,
        "bottom_up_index": result.bottom_up_index,
        "peak_current_density_mA_cm2": result.peak_interface_current_density_A_m2 / A_M2_PER_MA_CM2,
        "peak_over_mean_current_density": result.peak_interface_current_density_A_m2 / mean_interface,
        "host_polarisation_mV": 1e3 * result.counter_potential_V,
        "capacity_to_fill_top_mAh_cm2": capacity_or_none_mAh_cm2(top_fill),
        "top_fill_depth_um": top_fill_z / UM if math.isfinite(top_fill) else None,
        "capacity_to_first_fill_mAh_cm2": capacity_or_none_mAh_cm2(first_fill),
        "first_fill_depth_um": first_fill_z / UM if math.isfinite(first_fill) else None,
        "pore_volume_capacity_mAh_cm2": _pore_capacity(host),
        "charge_conservation_error": abs(result.reaction_total_A_m2 / J - 1.0),
        "newton_iterations": result.stats.newton_iterations,
        "continuation_steps": result.continuation_steps,
        "case_seconds": time.perf_counter() - start,
        "profile": _profile(result, host),
    }
    if case.sweep == "verification":
        row["exact"] = _exact_comparison(cfg, host, result)
    return row


def _pore_capacity(host: HomogenisedHost) -> float:
    """Capacity (mAh/cm2) that fills the whole pore volume: int eps dz F / Omega."""
    H = host.thickness_m
    pore = float(np.trapezoid(host.porosity(np.linspace(0, H, 2001), H), dx=H / 2000))
    return pore * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL / C_M2_PER_MAH_CM2


def _exact_comparison(cfg: DepositionConfig, host: HomogenisedHost, result: DepositionResult) -> dict[str, float]:
    """Shares and bottom-up index of the linear-kinetics case against Newman & Tobias (1962)."""
    H = host.thickness_m
    z = np.array([0.5 * H])
    exact = NewmanTobias(
        thickness_m=H,
        sigma_eff_S_m=float(host.electronic_conductivity_S_m(z)[0]),
        kappa_eff_S_m=float(host.ionic_conductivity_S_m(cfg.kappa_S_m, z)[0]),
        kappa_separator_S_m=cfg.kappa_S_m,
        conductance_S_m3=float(host.volumetric_exchange_current_A_m3(z)[0])
        * VolumeKinetics("linear").conductance_per_i0_S_m2(),
        current_density_A_m2=result.current_density_A_m2,
    )
    values = {
        "fraction_bottom": exact.fraction(0.0, H / 3),
        "fraction_top": exact.fraction(2 * H / 3, H),
        "bottom_up_index": 1.0 - 2.0 * exact.mean_depth_m() / H,
    }
    errors = {f"{key}_error": abs(getattr(result, key) - value) for key, value in values.items()}
    return {**{f"{key}_exact": value for key, value in values.items()}, **errors, "nu_H": exact.nu_1_m * H}


# ----------------------------------------------------------------------------- report


def switch_ratio(rows: list[dict[str, Any]]) -> float | None:
    """sigma/kappa where the bottom-up index of the conductivity sweep crosses 0 (log-linear interpolation)."""
    points = sorted((r["sigma_ratio"], r["bottom_up_index"]) for r in rows)
    for (r0, b0), (r1, b1) in itertools.pairwise(points):
        if b0 > 0.0 >= b1:
            t = b0 / (b0 - b1)
            return float(math.exp(math.log(r0) + t * (math.log(r1) - math.log(r0))))
    return None


def _profile_series(rows: list[dict[str, Any]], label_key: str, floor: float = -np.inf) -> list[dict[str, Any]]:
    return [
        series(
            np.array(r["profile"]["z_over_H"]),
            np.maximum(np.array(r["profile"]["deposition_rate_over_mean"]), floor),
            label_key.format(**r),
            LINES[k % len(LINES)],
        )
        for k, r in enumerate(rows)
    ]


def _figures(out: Path, rows: list[dict[str, Any]]) -> list[str]:
    sweep = [r for r in rows if r["sweep"] == "conductivity"]
    decades = [r for r in sweep if abs(math.log10(r["sigma_ratio"]) - round(math.log10(r["sigma_ratio"]))) < 1e-9]
    xlabel = "height above the current collector z / H"
    ylabel = "deposition rate / mean"
    profiles = _profile_series(decades or sweep, "sigma/kappa = {sigma_ratio:g}", floor=1e-4)
    title = "Deposition-rate profiles across the conductivity sweep"
    floored = ylabel + " (floored at 1e-4)"
    names = [save_line_plot(out, "profiles_conductivity.png", profiles, xlabel, floored, title, logy=True)]
    ratios = np.array([r["sigma_ratio"] for r in sweep])
    curves = [
        series(ratios, np.array([r["fraction_bottom"] for r in sweep]), "share in bottom third"),
        series(ratios, np.array([r["fraction_top"] for r in sweep]), "share in top third"),
        series(ratios, np.array([r["bottom_up_index"] for r in sweep]), "bottom-up index", "s--"),
    ]
    xlabel_ratio = "scaffold conductivity / electrolyte conductivity"
    names.append(
        save_line_plot(out, "switch.png", curves, xlabel_ratio, "share / index", "Top to bottom-up switch", logx=True)
    )
    for sweep_name, title, filename in (
        ("host", "Pu et al. hosts: bare Ni vs conductivity / lithiophilicity gradients", "profiles_hosts.png"),
        ("porosity", "Porosity-gradient Ni hosts (and uniform bare Ni)", "profiles_porosity.png"),
    ):
        group = [r for r in rows if r["sweep"] == sweep_name]
        if sweep_name == "porosity":
            group = [r for r in rows if r["name"] == "bare_Ni"] + group
        names.append(save_line_plot(out, filename, _profile_series(group, "{label}"), xlabel, ylabel, title))
    return names


SWEEP_COLUMNS = (
    ("sigma_ratio", "sigma/kappa"),
    ("effective_sigma_over_kappa", "sigma_eff/kappa_eff"),
    ("penetration_depth_um", "1/nu (um)"),
    ("fraction_bottom", "bottom third"),
    ("fraction_top", "top third"),
    ("bottom_up_index", "bottom-up index"),
    ("peak_current_density_mA_cm2", "peak i (mA/cm2)"),
    ("host_polarisation_mV", "host polarisation (mV)"),
    ("capacity_to_fill_top_mAh_cm2", "top fills at (mAh/cm2)"),
    ("capacity_to_first_fill_mAh_cm2", "first fill (mAh/cm2)"),
)
HOST_COLUMNS = (
    ("label", "host"),
    ("fraction_bottom", "bottom third"),
    ("fraction_top", "top third"),
    ("bottom_up_index", "bottom-up index"),
    ("peak_current_density_mA_cm2", "peak i (mA/cm2)"),
    ("capacity_to_fill_top_mAh_cm2", "top fills at (mAh/cm2)"),
    ("capacity_to_first_fill_mAh_cm2", "first fill (mAh/cm2)"),
    ("first_fill_depth_um", "first fill at z (um)"),
    ("pore_volume_capacity_mAh_cm2", "pore volume (mAh/cm2)"),
)


def _verdict(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Qualitative comparison with Pu et al.: bare Ni top-heavy, dual gradient bottom-up."""
    by_name = {r["name"]: r for r in rows if r["sweep"] == "host"}
    bare, dual = by_name["bare_Ni"], by_name["dual_gradient"]
    return {
        **plating_direction_verdict(bare, dual),
        "bare_Ni_top_fill_mAh_cm2": bare["capacity_to_fill_top_mAh_cm2"],
        "dual_gradient_top_fill_mAh_cm2": dual["capacity_to_fill_top_mAh_cm2"],
    }


def _markdown(cfg: DepositionConfig, report: dict[str, Any]) -> str:
    rows = report["cases"]
    sweep = [r for r in rows if r["sweep"] == "conductivity"]
    hosts = [r for r in rows if r["sweep"] == "host"]
    porosity = [r for r in rows if r["sweep"] == "porosity"]
    verification = next(r for r in rows if r["sweep"] == "verification")
    m, verdict, thr = report["materials"], report["pu_2019_comparison"], report["homogenised_throughput"]
    switch = report["switch_sigma_ratio"]
    lines = [
        "# Where Li deposits in a porous host (homogenised model)",
        "",
        f"Host {cfg.host_thickness_um:g} um thick, porosity {cfg.porosity:g}, specific area "
        f"{cfg.specific_area_1_cm:g} 1/cm (hydraulic pore radius eps/a = "
        f"{1e4 * cfg.porosity / cfg.specific_area_1_cm:.3g} um), "
        f"under {cfg.separator_thickness_um:g} um of separator. Electrolyte {cfg.electrolyte}: kappa = "
        f"{m['kappa_S_m']:g} S/m ({m['kappa_source']}); Butler-Volmer on the scaffold, i0 = "
        f"{m['i0_A_m2'] / 10:g} mA/cm2, alpha_a = {m['alpha_anodic']:g}, alpha_c = {m['alpha_cathodic']:g} "
        f"({m['i0_source']}). Bruggeman (exponent 1.5) for both phases. Plating at "
        f"{cfg.current_density_mA_cm2:g} mA/cm2. Ni sigma = {cfg.scaffold_conductivity_S_m:g} S/m (PARAMETERS.md).",
        "",
        "## Conductivity sweep: top to bottom-up",
        "",
        markdown_table(sweep, SWEEP_COLUMNS),
        "",
        (f"The bottom-up index changes sign at sigma/kappa = {switch:.3g}" if switch else "No sign change in the sweep")
        + "; linear theory puts the symmetric profile at sigma_eff = kappa_eff, i.e. sigma/kappa = "
        f"(eps/(1 - eps))^1.5 = {report['switch_sigma_ratio_linear_theory']:.3g}.",
        "",
        "## Hosts after Pu et al. (2019)",
        "",
        f"Layers bottom to top {', '.join(f'{t:g}' for t in cfg.dual_gradient_layers_um)} um: lithiophilic Au "
        f"(i0 x {cfg.lithiophilic_i0_factor:g}), Ni, insulating Al2O3 coating (sigma = "
        f"{cfg.insulator_conductivity_S_m:g} S/m, i0 = 0: blocked).",
        "",
        markdown_table(hosts, HOST_COLUMNS),
        "",
        *plating_direction_lines(
            "Model",
            verdict,
            f"top pores fill at {_fmt(verdict['bare_Ni_top_fill_mAh_cm2'])} mAh/cm2",
            f"top pores fill at {_fmt(verdict['dual_gradient_top_fill_mAh_cm2'])} mAh/cm2",
            "Qualitative comparison: the model has no nucleation barrier, Li growth feedback or concentration "
            "polarisation, and Pu et al. used a liquid electrolyte; the fill capacities assume the distribution of "
            "the first instant of plating.",
        ),
        "## Porosity gradients (Ni scaffold, area proportional to the solid fraction)",
        "",
        f"Porosity {cfg.porosity_gradient[0]:g} -> {cfg.porosity_gradient[1]:g} (dense bottom) and reversed.",
        "",
        markdown_table(porosity, HOST_COLUMNS),
        "",
        "## Verification",
        "",
        f"Linear kinetics, uniform host, sigma/kappa = 1 (nu H = {verification['exact']['nu_H']:.3g}) against the "
        "exact solution (Newman & Tobias 1962): errors of the bottom share "
        f"{verification['exact']['fraction_bottom_error']:.2e}, top share "
        f"{verification['exact']['fraction_top_error']:.2e}, bottom-up index "
        f"{verification['exact']['bottom_up_index_error']:.2e}. Largest charge-conservation error over all cases "
        f"{max(r['charge_conservation_error'] for r in rows):.1e}.",
        "",
        *figures_section(report["figures"]),
        "## Throughput",
        "",
        f"{thr['cases']} homogenised cases in {thr['wall_s']:.2f} s on {report['environment']['mpi_ranks']} rank(s): "
        f"{thr['cases_per_second']:.1f} cases/s ({thr['mean_case_seconds'] * 1e3:.0f} ms per case, mesh and set-up "
        f"included; {thr['mean_host_cells']:.0f} cells across the host on average).",
        "",
        "## Notes",
        "",
        "* Steady homogenised model: the distribution at the start of plating, with no update as the pores fill.",
        "* Fill capacity: local Li thickness Q (a j / (a J)) Omega / F against the hydraulic pore radius eps / a "
        "(equivalently the local Li volume reaching the pore volume); 'first fill' is the smallest over the host, "
        "'top fills' over the top third. Values above the pore-volume capacity only say that those pores do "
        "not fill before the distribution has changed.",
        "* Host polarisation: electrolyte potential at the counter electrode minus the scaffold potential at the "
        "current collector (ohmic + charge transfer, no counter-electrode kinetics).",
        "* Meshes are sized from the linear penetration depth 1/nu (at least "
        f"{cfg.cells_per_penetration_depth:g} cells per 1/nu, {cfg.min_host_cells} at least across the host).",
        "",
    ]
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "never" if value is None else f"{value:.3g}"


def write_report(
    out: Path, cfg: DepositionConfig, results: list[dict[str, Any]], comm: MPI.Comm, wall: float
) -> dict[str, Any]:
    """report.json, report.md and figures (rank 0)."""
    kinetics = interface_kinetics(cfg.interface)
    sweep = [r for r in results if r["sweep"] == "conductivity"]
    eps = cfg.porosity
    kappa_set = electrolyte(cfg.electrolyte)
    report = study_report(
        "deposition",
        cfg,
        comm,
        wall,
        materials={
            "kappa_S_m": cfg.kappa_S_m,
            "kappa_source": "user override" if cfg.electrolyte_conductivity_mS_cm else kappa_set.source,
            "i0_A_m2": cfg.i0_A_m2,
            "i0_source": "user override" if cfg.exchange_current_density_mA_cm2 else kinetics.source,
            "alpha_anodic": kinetics.alpha_anodic,
            "alpha_cathodic": kinetics.alpha_cathodic,
            "temperature_K": kinetics.temperature_K,
        },
        cases=results,
        switch_sigma_ratio=switch_ratio(sweep),
        switch_sigma_ratio_linear_theory=(eps / (1.0 - eps)) ** 1.5,
        pu_2019_comparison=_verdict(results),
        homogenised_throughput={
            "cases": len(results),
            "wall_s": wall,
            "cases_per_second": len(results) / wall,
            "mean_case_seconds": float(np.mean([r["case_seconds"] for r in results])),
            "mean_host_cells": float(np.mean([r["host_cells"] for r in results])),
        },
        figures=_figures(out, results),
    )
    return write_report_files(out, report, _markdown(cfg, report))


STUDY = Study(
    "deposition", __doc__, DepositionConfig, ARGUMENT_HELP, build_cases, run_case, write_report, cache=ProblemCache
)
run_study, main = STUDY.run, STUDY.main


if __name__ == "__main__":
    sys.exit(run_cli(main))
