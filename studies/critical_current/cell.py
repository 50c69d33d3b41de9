"""The critical-current cell: Li (with the strength factor of the size-effect hypothesis) over the
electrolyte, its seeded heterogeneity, and the creep-against-stripping scale estimate."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL
from fem.coupling.stripping import LI_MOLAR_VOLUME_M3_MOL, StrippingCell
from fem.materials import CreepingSolid, electrolyte, interface_kinetics, mechanical_material
from geometries.structured import electrolyte_slab, lithium_slab
from studies._units import A_M2_PER_MA_CM2, UM
from studies.critical_current.config import KINETICS, Case, CriticalCurrentConfig

__all__ = [
    "void_recession",
    "exchange_current_factor",
    "stripping_velocity_m_s",
    "creep_velocity_m_s",
    "creep_to_stripping_ratio",
    "required_strength_factor",
    "wagner_number",
    "build_cell",
    "lithium",
]


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


def wagner_number(cfg: CriticalCurrentConfig, electrolyte_name: str) -> float:
    """kappa R_ct / a: the electrolyte's resistance over a void radius a against the linear charge-transfer
    resistance R_ct = RT / (F i0) (dimensionless).  Wa >> 1: the current over the contact is nearly uniform,
    so void rims carry little extra current (Newman, Electrochemical Systems, 3rd ed., sec. 18.4)."""
    kinetics = _scaled_kinetics(interface_kinetics(KINETICS[electrolyte_name], cfg.temperature_K), cfg.i0_scale)
    kappa = electrolyte(electrolyte_name).ionic_conductivity_S_m
    return kappa * kinetics.charge_transfer_asr_ohm_m2() / (cfg.void_radius_um * UM)


# -- the cell ----------------------------------------------------------------------------------


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
