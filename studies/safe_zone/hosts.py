"""How a host architecture concentrates (or spreads) the current, and how much pore volume it offers.

The local current density at the Li surface's hot spot, over the nominal (footprint) current density,
is computed by the secondary current distribution of fem.electrochemistry (Butler-Volmer on every
Li | electrolyte facet, galvanostatic) on the host's cell (geometries.interdigitated), at a few
nominal current densities (the ratio changes with j because Butler-Volmer is nonlinear), and
interpolated in log j.  Planar Li with full contact carries the nominal current everywhere
(factor 1, exact).  The same meshing gives the measured Li-finger volume (the host's pore volume).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import ButlerVolmer, Electrolyte, electrolyte, interface_kinetics
from fem.transport import binary_electrolyte
from studies._units import A_M2_PER_MA_CM2, C_M2_PER_MAH_CM2, UM
from studies.safe_zone.config import ELECTROLYTES, SafeZoneConfig

__all__ = ["host_inputs", "host_response", "local_factor", "nominal_threshold", "kinetics_of"]


def kinetics_of(name: str, temperature_K: float) -> tuple[Electrolyte, ButlerVolmer]:
    """Ionic conductivity and Li | electrolyte kinetics of a study electrolyte at ``temperature_K``."""
    entry = ELECTROLYTES[name]
    if entry["kind"] == "ceramic":
        return electrolyte(entry["material"]), interface_kinetics(entry["interface"], temperature_K)
    binary = binary_electrolyte(entry["binary_set"])
    c0 = binary.reference_concentration_mol_m3
    kappa = binary.properties_at(c0, temperature_K)["conductivity_S_m"]
    kin = binary.kinetics
    return (
        Electrolyte(name=name, ionic_conductivity_S_m=kappa, source=f"{entry['binary_set']} at c0"),
        ButlerVolmer(
            exchange_current_density_A_m2=float(kin.exchange_current_density(c0)),
            alpha_anodic=kin.alpha_anodic,
            alpha_cathodic=kin.alpha_cathodic,
            temperature_K=temperature_K,
        ),
    )


def host_currents(cfg: SafeZoneConfig) -> list[float]:
    """Nominal current densities (mA/cm2) at which the host's distribution is solved: log-spaced over the axis."""
    n = cfg.hotspot_current_points
    if n == 1:
        return [float(np.sqrt(cfg.current_density_min_mA_cm2 * cfg.current_density_max_mA_cm2))]
    return [float(j) for j in np.geomspace(cfg.current_density_min_mA_cm2, cfg.current_density_max_mA_cm2, n)]


def host_inputs(cfg: SafeZoneConfig, electrolyte_name: str, host: str, temperature_K: float) -> dict[str, Any]:
    """Exactly what :func:`host_response` reads (the cache key)."""
    inputs: dict[str, Any] = {"host": host}
    if host == "planar":
        return inputs
    return {
        **inputs,
        "electrolyte": electrolyte_name,
        "temperature_K": temperature_K,
        "currents_mA_cm2": host_currents(cfg),
        "geometry": {
            k: getattr(cfg, k)
            for k in ("finger_height_um", "pitch_um", "finger_width_um", "base_thickness_um", "separator_thickness_um")
        },
        "host_mesh_size_um": cfg.host_mesh_size_um,
    }


def host_response(
    cfg: SafeZoneConfig, electrolyte_name: str, host: str, temperature_K: float, comm: MPI.Comm
) -> dict[str, Any]:
    """Hot-spot factor (peak local / nominal current density) at :func:`host_currents`, the interface area
    ratio and the Li-finger (pore) volume per footprint area, measured on the mesh."""
    if host == "planar":
        return {"currents_mA_cm2": [1.0], "peak_factor": [1.0], "finger_capacity_mAh_cm2": 0.0, "model": "exact (1D)"}
    from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
    from geometries.interdigitated import interdigitated_mesh

    params = cfg.host_params(host)
    md = interdigitated_mesh(comm, params, cell_regions=("sse",))
    sse, kinetics = kinetics_of(electrolyte_name, temperature_K)
    footprint = params.footprint_area
    problem = SecondaryCurrentProblem(md, sse, Electrode("li_sse", kinetics), degree=1, reference_area_m2=footprint)
    factors = []
    for j in host_currents(cfg):
        solution = problem.solve_galvanostatic(j * A_M2_PER_MA_CM2 * footprint)
        factors.append(solution.peak_current_density_A_m2 / (j * A_M2_PER_MA_CM2))
    volumes = md.info["volumes_mesh_m3"]
    finger_volume = volumes["lithium"] - params.base_thickness * footprint
    capacity = finger_volume / footprint * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL / C_M2_PER_MAH_CM2
    return {
        "currents_mA_cm2": host_currents(cfg),
        "peak_factor": factors,
        "interface_area_ratio_mesh": md.info["interface_area_ratio_mesh"],
        "finger_volume_per_area_um": finger_volume / footprint / UM,
        "finger_capacity_mAh_cm2": capacity,
        "num_cells": int(md.mesh.topology.index_map(md.mesh.topology.dim).size_global),
        "model": "secondary current distribution (fem.electrochemistry, P1, Butler-Volmer) on the host cell",
    }


def local_factor(response: dict[str, Any], current_density_mA_cm2: float) -> float:
    """Hot-spot factor at a nominal current density: log-linear interpolation, held beyond the solved range."""
    j = np.asarray(response["currents_mA_cm2"], dtype=float)
    f = np.asarray(response["peak_factor"], dtype=float)
    if j.size == 1:
        return float(f[0])
    return float(np.interp(np.log(current_density_mA_cm2), np.log(j), f))


def nominal_threshold(response: dict[str, Any], local_limit_mA_cm2: float) -> float:
    """Nominal j (mA/cm2) whose hot spot carries ``local_limit_mA_cm2``: j f(j) = limit, by log bisection."""
    if not np.isfinite(local_limit_mA_cm2):
        return float("inf")
    lo, hi = 1e-12, 1e12
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        if mid * local_factor(response, mid) < local_limit_mA_cm2:
            lo = mid
        else:
            hi = mid
        if hi / lo < 1.0 + 1e-12:
            break
    return float(np.sqrt(lo * hi))
