"""The failure mechanisms of the safe-zone map, each a boundary Q_m(j) computed by the toolkit's models.

Every mechanism is a pair of functions: ``<m>_inputs(cfg, case)``, exactly the inputs it reads (the
cache key: a pressure change re-runs only the mechanisms that read the pressure), and
``<m>_boundary(cfg, case, host, comm)``, its :class:`~studies.safe_zone.boundary.Boundary` as a dict.
``host`` is the host's current distribution and pore volume (studies.safe_zone.hosts).  Local
current density = nominal x the host's hot-spot factor.

* voiding (stripping; fem.vacancy via studies.li_supply): the Li supply fails when the local current
  exceeds the steady critical stripping current i_crit(p, T) (vacancy route + creep route, sink
  spacing calibrated on Kasemchainan 3 MPa); above it Q = j x the time for the interfacial vacancy
  supersaturation to reach s_crit (exact transient of the Li slab with sinks, a cosine series).  The threshold is
  checked against the FEM vacancy problem (1D column) at every (p, T).
* stress (plating in the fixture; studies.stack_pressure): the stack pressure reaches a limit
  (Doux et al. 2020: 75 MPa shorts Li | LPSCl | Li).  Planar: the full creep model (Li strip with free
  edges, Norton creep) run at a few j, Q = first capacity at which p >= limit.  Hosts: the Li in the
  fingers is enclosed by electrolyte and cannot creep away, so once the pores are full the pressure
  rises at the elastic rate of the host's stack (two elastic FEM solves): Q = Q_full + (limit - p0) /
  gain (creep can only lower p: a conservative bound).
* dendrite (plating): Li in a surface flaw of depth a is pressurised by the plating overpotential,
  p = F eta / Omega (Monroe & Newman 2005; Porz et al. 2017); the flaw cracks when 1.12 p sqrt(pi a)
  >= K_Ic.  eta from Butler-Volmer at the hot spot: above the critical current Q = 0, below inf.
* sand (binary electrolytes, plating): the salt at the plating surface runs out.  Exact finite-cell
  solution of the dilute binary electrolyte between Li electrodes a distance L apart (linear
  diffusion with the flux t_a i / F at both electrodes):
  c_s(t) = c0 - t_a i L / (2 F D) [1 - sum_odd 8/(n pi)^2 exp(-(n pi)^2 D t / L^2)],
  Sand's formula at short times, no depletion below the limiting current 2 F D c0 / (t_a L).  At the
  host's hot-spot current (a reduced model for hosts).
* host_full (3D hosts): the plated capacity exceeds the host's free pore volume (free fraction x the
  measured Li-finger volume per footprint area x F / Omega); independent of j.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.transport import binary_electrolyte
from fem.transport.analytic import limiting_current_density
from fem.vacancy import analytic as vacancy_analytic
from fem.validation import ParameterError
from studies._units import A_M2_PER_MA_CM2, C_M2_PER_MAH_CM2, MPA, UM
from studies.safe_zone.boundary import Boundary
from studies.safe_zone.config import ELECTROLYTES, RANGES, MapCase, SafeZoneConfig
from studies.safe_zone.hosts import host_inputs, kinetics_of, local_factor, nominal_threshold

__all__ = [
    "MECHANISM_FUNCTIONS",
    "applicable",
    "voiding_boundary",
    "stress_boundary",
    "dendrite_boundary",
    "sand_boundary",
    "host_full_boundary",
    "sand_depletion_time_s",
    "flaw_critical_overpotential_V",
]

OMEGA, F = LI_MOLAR_VOLUME_M3_PER_MOL, FARADAY_C_PER_MOL


def applicable(mechanism: str, case: MapCase) -> bool:
    """Does ``mechanism`` act in ``case`` (electrolyte kind, host)?"""
    kind = case.kind
    return {
        "voiding": True,
        "stress": kind == "ceramic",
        "dendrite": kind == "ceramic",
        "sand": kind == "binary",
        "host_full": case.host != "planar",
    }[mechanism]


def _band(name: str, bands: bool) -> list[float]:
    return list(RANGES[name]["range"]) if bands else []


def _axis(cfg: SafeZoneConfig) -> list[float]:
    return [float(j) for j in cfg.current_density_mA_cm2]


def _envelope(mechanism: str, variants: list[dict[str, Any]], details: dict[str, Any]) -> dict[str, Any]:
    """Boundary dict from variants (the first is nominal), each {"j": [...], "q": [...], "threshold": x|None}
    on the same j samples: the band is the pointwise envelope."""
    q = np.array([v["q"] for v in variants], dtype=float)
    thresholds = [v["threshold"] for v in variants]
    nominal = variants[0]
    has_threshold = nominal["threshold"] is not None
    return Boundary(
        mechanism=mechanism,
        current_density_mA_cm2=list(nominal["j"]),
        capacity_mAh_cm2=q[0].tolist(),
        capacity_low_mAh_cm2=q.min(axis=0).tolist(),
        capacity_high_mAh_cm2=q.max(axis=0).tolist(),
        threshold_mA_cm2=nominal["threshold"],
        threshold_low_mA_cm2=min(thresholds) if has_threshold else None,
        threshold_high_mA_cm2=max(thresholds) if has_threshold else None,
        details=details,
    ).to_dict()


def _threshold_samples(cfg: SafeZoneConfig, thresholds: list[float]) -> list[float]:
    """The map axis plus every variant's threshold and points crowding towards it from above (Q(j) of
    voiding and sand diverges at the threshold), so that the step of each is sampled closely."""
    samples = set(_axis(cfg))
    top = cfg.current_density_max_mA_cm2
    for t in thresholds:
        if t is None or not math.isfinite(t) or t >= top:
            continue
        samples |= {t, *(t * (1.0 + np.geomspace(1e-4, 1.0, 13))).tolist()}
        samples |= set(np.geomspace(t, top, 25).tolist())
    return sorted(float(j) for j in samples)


# ----------------------------------------------------------------------------- voiding


def voiding_inputs(cfg: SafeZoneConfig, case: MapCase) -> dict[str, Any]:
    return {
        "host": host_inputs(cfg, case.electrolyte, case.host, case.temperature_K),
        "stack_pressure_MPa": case.stack_pressure_MPa,
        "temperature_K": case.temperature_K,
        "li_thickness_um": cfg.li_thickness_um,
        "axis": _axis(cfg),
        "bands": cfg.bands,
    }


def _supply(cfg: SafeZoneConfig, supersaturation: float) -> tuple[Any, float]:
    """(li_supply config, calibrated sink spacing in m) for a critical supersaturation."""
    from studies.li_supply import LiSupplyConfig, calibration

    supply_cfg = LiSupplyConfig(li_thickness_um=cfg.li_thickness_um, critical_supersaturation=supersaturation)
    return supply_cfg, calibration(supply_cfg)["value"]


def _voiding_variant(
    cfg: SafeZoneConfig, case: MapCase, host: dict[str, Any], supersaturation: float, spacing_factor: float
) -> dict[str, Any]:
    from studies.li_supply import closed_form, contact_fraction, transport

    supply_cfg, spacing = _supply(cfg, supersaturation)
    spacing *= spacing_factor
    T, p = case.temperature_K, case.stack_pressure_MPa
    estimate = closed_form(supply_cfg, spacing, T, p)
    real_contact = contact_fraction(supply_cfg, T, p)  # the stripping current crowds into the real contact
    local_limit = estimate.critical_A_m2 / A_M2_PER_MA_CM2
    params = transport(supply_cfg, spacing)
    x_eq, D, k = params.equilibrium_site_fraction(T, p * MPA), params.vacancy_diffusivity(T), params.sink_rate(T)

    thickness = cfg.li_thickness_um * UM

    def capacity(j: float) -> float:
        local = j * local_factor(host, j) * A_M2_PER_MA_CM2
        flux = params.injection_velocity_m_s(local / real_contact, estimate.creep_A_m2)
        t = vacancy_analytic.slab_time_to_supersaturation_s(supersaturation, x_eq, flux, D, k, thickness)
        return j * t / 3600.0

    return {
        "local_limit_mA_cm2": local_limit,
        "threshold": nominal_threshold(host, local_limit),
        "capacity": capacity,
        "sink_spacing_um": spacing / UM,
        "real_contact_fraction": real_contact,
        "creep_supply_mA_cm2": estimate.creep_A_m2 / A_M2_PER_MA_CM2,
        "vacancy_supply_mA_cm2": estimate.vacancy_A_m2 / A_M2_PER_MA_CM2,
        "supply_cfg": supply_cfg,
    }


def voiding_boundary(cfg: SafeZoneConfig, case: MapCase, host: dict[str, Any], comm: MPI.Comm) -> dict[str, Any]:
    """Stripping voids: Q = j t_s(j) above the threshold j f(j) = i_crit(p, T), inf below."""
    from studies.li_supply import Case as SupplyCase
    from studies.li_supply import run_case as supply_fem

    specs = [(RANGES["critical_supersaturation"]["value"], 1.0)]
    if cfg.bands:
        specs += [(s, 1.0) for s in RANGES["critical_supersaturation"]["range"]]
        specs += [(specs[0][0], f) for f in RANGES["sink_spacing_factor"]["range"]]
    variants, skipped = [], []
    for s, factor in specs:
        try:
            variants.append(_voiding_variant(cfg, case, host, s, factor))
        except ParameterError as error:  # no sink spacing reproduces the calibration point with this s_crit
            skipped.append(f"s_crit = {s:g}: {error}")
    samples = _threshold_samples(cfg, [v["threshold"] for v in variants])
    rows = []
    for v in variants:
        q = [v["capacity"](j) if j >= v["threshold"] else math.inf for j in samples]
        rows.append({"j": samples, "q": q, "threshold": v["threshold"]})
    nominal = variants[0]
    # the full model: the FEM vacancy problem (1D column, transient over the stripping time) at this (p, T)
    fem = supply_fem(
        nominal["supply_cfg"], SupplyCase("map", case.temperature_K, case.stack_pressure_MPa), comm, Path(".")
    )
    details = {
        "local_critical_current_mA_cm2": nominal["local_limit_mA_cm2"],
        "creep_supply_mA_cm2": nominal["creep_supply_mA_cm2"],
        "vacancy_supply_mA_cm2": nominal["vacancy_supply_mA_cm2"],
        "calibrated_sink_spacing_um": nominal["sink_spacing_um"],
        "real_contact_fraction": nominal["real_contact_fraction"],
        "fem_local_critical_current_mA_cm2": fem["critical_current_mA_cm2"],
        "fem_vs_closed_form_percent": 100.0 * (fem["critical_current_mA_cm2"] / nominal["local_limit_mA_cm2"] - 1.0),
        "hotspot_factor_at_threshold": local_factor(host, nominal["threshold"]),
        "skipped_variants": skipped,
        "parameters": ["critical_supersaturation", "sink_spacing_factor"] if cfg.bands else [],
    }
    return _envelope("voiding", rows, details)


# ----------------------------------------------------------------------------- dendrite


def flaw_critical_overpotential_V(toughness_MPa_m05: float, flaw_size_m: float) -> float:
    """Plating overpotential whose Li pressure F eta / Omega cracks a surface flaw: 1.12 p sqrt(pi a) = K_Ic."""
    pressure = toughness_MPa_m05 * MPA / (1.12 * math.sqrt(math.pi * flaw_size_m))
    return pressure * OMEGA / F


def dendrite_inputs(cfg: SafeZoneConfig, case: MapCase) -> dict[str, Any]:
    return {
        "host": host_inputs(cfg, case.electrolyte, case.host, case.temperature_K),
        "electrolyte": case.electrolyte,
        "temperature_K": case.temperature_K,
        "axis": _axis(cfg),
        "bands": cfg.bands,
    }


def dendrite_boundary(cfg: SafeZoneConfig, case: MapCase, host: dict[str, Any], comm: MPI.Comm) -> dict[str, Any]:
    """Flaw fracture on plating: Q = 0 above the nominal j whose hot spot reaches the critical overpotential."""
    toughness_key = f"fracture_toughness_{ELECTROLYTES[case.electrolyte]['fracture']}"
    _, kinetics = kinetics_of(case.electrolyte, case.temperature_K)
    f = F / (GAS_CONSTANT_J_PER_MOL_K * case.temperature_K)
    nominal = (RANGES[toughness_key]["value"], RANGES["flaw_size_um"]["value"], 1.0)
    specs = [nominal]
    if cfg.bands:
        specs += [(k, nominal[1], nominal[2]) for k in RANGES[toughness_key]["range"]]
        specs += [(nominal[0], a, nominal[2]) for a in RANGES["flaw_size_um"]["range"]]
        specs += [(nominal[0], nominal[1], x) for x in RANGES["exchange_current_factor"]["range"]]
    thresholds, etas = [], []
    for toughness, flaw_um, i0_factor in specs:
        eta = flaw_critical_overpotential_V(toughness, flaw_um * UM)
        i0 = kinetics.exchange_current_density_A_m2 * i0_factor
        local = i0 * (math.exp(kinetics.alpha_cathodic * f * eta) - math.exp(-kinetics.alpha_anodic * f * eta))
        thresholds.append(nominal_threshold(host, local / A_M2_PER_MA_CM2))
        etas.append(eta)
    samples = _threshold_samples(cfg, thresholds)
    rows = [{"j": samples, "q": [0.0 if j >= t else math.inf for j in samples], "threshold": t} for t in thresholds]
    details = {
        "critical_overpotential_mV": 1e3 * etas[0],
        "flaw_pressure_MPa": etas[0] * F / OMEGA / MPA,
        "exchange_current_density_mA_cm2": kinetics.exchange_current_density_A_m2 / A_M2_PER_MA_CM2,
        "local_critical_current_mA_cm2": thresholds[0] * local_factor(host, thresholds[0]),
        "fracture_toughness_MPa_m05": nominal[0],
        "flaw_size_um": nominal[1],
        "parameters": [toughness_key, "flaw_size_um", "exchange_current_factor"] if cfg.bands else [],
    }
    return _envelope("dendrite", rows, details)


# ----------------------------------------------------------------------------- sand


def sand_depletion_time_s(
    current_density_A_m2: float, thickness_m: float, diffusivity_m2_s: float, concentration_mol_m3: float, t_plus: float
) -> float:
    """Time (s) at which the plating surface of a dilute binary cell of thickness L runs dry (inf below the
    limiting current): the exact finite-cell series (module text), solved by bisection."""
    t_a = 1.0 - t_plus
    scale = t_a * current_density_A_m2 * thickness_m / (2.0 * F * diffusivity_m2_s)
    if scale <= concentration_mol_m3:  # steady drop c0 - c_s(inf) = scale: never runs dry
        return math.inf
    n = np.arange(1, 400, 2, dtype=float)
    rate = (n * math.pi) ** 2 * diffusivity_m2_s / thickness_m**2

    def surface(t: float) -> float:
        return concentration_mol_m3 - scale * (1.0 - np.sum(8.0 / (n * math.pi) ** 2 * np.exp(-rate * t)))

    sand = math.pi * diffusivity_m2_s * (F * concentration_mol_m3) ** 2 / (4.0 * (current_density_A_m2 * t_a) ** 2)
    lo, hi = 0.0, sand
    while surface(hi) > 0.0:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if surface(mid) > 0.0 else (lo, mid)
        if hi - lo <= 1e-12 * hi:
            break
    return 0.5 * (lo + hi)


def sand_inputs(cfg: SafeZoneConfig, case: MapCase) -> dict[str, Any]:
    return {
        "host": host_inputs(cfg, case.electrolyte, case.host, case.temperature_K),
        "electrolyte": case.electrolyte,
        "temperature_K": case.temperature_K,
        "separator_thickness_um": cfg.separator_thickness_um,
        "axis": _axis(cfg),
        "bands": cfg.bands,
    }


def sand_boundary(cfg: SafeZoneConfig, case: MapCase, host: dict[str, Any], comm: MPI.Comm) -> dict[str, Any]:
    """Salt depletion on plating: Q = j t_dep(j f(j)), inf below the limiting current."""
    binary = binary_electrolyte(ELECTROLYTES[case.electrolyte]["binary_set"])
    c0 = binary.reference_concentration_mol_m3
    props = binary.properties_at(c0, case.temperature_K)
    L = cfg.separator_thickness_um * UM
    factors = [1.0, *(_band("diffusivity_factor", cfg.bands))]
    variants = []
    for factor in factors:
        D = props["diffusivity_m2_s"] * factor
        limit = limiting_current_density(L, D, c0, props["transference_number"]) / A_M2_PER_MA_CM2
        variants.append((D, nominal_threshold(host, limit), limit))
    samples = _threshold_samples(cfg, [v[1] for v in variants])
    rows = []
    for D, threshold, _ in variants:
        q = [
            j
            * sand_depletion_time_s(j * local_factor(host, j) * A_M2_PER_MA_CM2, L, D, c0, props["transference_number"])
            / 3600.0
            for j in samples
        ]
        rows.append({"j": samples, "q": q, "threshold": threshold})
    details = {
        "diffusivity_m2_s": props["diffusivity_m2_s"],
        "transference_number": props["transference_number"],
        "concentration_mol_m3": c0,
        "limiting_current_mA_cm2": variants[0][2],
        "separator_thickness_um": cfg.separator_thickness_um,
        "parameters": ["diffusivity_factor"] if cfg.bands else [],
    }
    return _envelope("sand", rows, details)


# ----------------------------------------------------------------------------- host_full


def host_full_inputs(cfg: SafeZoneConfig, case: MapCase) -> dict[str, Any]:
    return {
        "host": host_inputs(cfg, case.electrolyte, case.host, case.temperature_K),
        "axis": _axis(cfg),
        "bands": cfg.bands,
    }


def _free_fractions(cfg: SafeZoneConfig) -> list[float]:
    return [RANGES["host_free_fraction"]["value"], *_band("host_free_fraction", cfg.bands)]


def host_full_boundary(cfg: SafeZoneConfig, case: MapCase, host: dict[str, Any], comm: MPI.Comm) -> dict[str, Any]:
    """Pores full: Q = free fraction x the finger capacity, at every j."""
    samples = [_axis(cfg)[0], _axis(cfg)[-1]]
    rows = [
        {"j": samples, "q": [f * host["finger_capacity_mAh_cm2"]] * 2, "threshold": None} for f in _free_fractions(cfg)
    ]
    details = {
        "finger_capacity_mAh_cm2": host["finger_capacity_mAh_cm2"],
        "free_fraction": _free_fractions(cfg)[0],
        "parameters": ["host_free_fraction"] if cfg.bands else [],
    }
    return _envelope("host_full", rows, details)


# ----------------------------------------------------------------------------- stress


def stress_inputs(cfg: SafeZoneConfig, case: MapCase) -> dict[str, Any]:
    keys = [
        "fixture",
        "li_thickness_um",
        "separator_thickness_um",
        "stress_current_points",
        "stress_time_steps",
        "bands",
    ]
    if cfg.fixture == "spring":
        keys.append("spring_stiffness_MPa_per_um")
    geometry = (
        ["li_half_width_um", "gap_half_width_um"]
        if case.host == "planar"
        else ["finger_height_um", "pitch_um", "finger_width_um", "base_thickness_um"]
    )
    return {
        "host": host_inputs(cfg, case.electrolyte, case.host, case.temperature_K),
        "electrolyte": case.electrolyte,
        "stack_pressure_MPa": case.stack_pressure_MPa,
        "temperature_K": case.temperature_K,
        "capacity_max_mAh_cm2": cfg.areal_capacity_max_mAh_cm2,
        "axis": [cfg.current_density_min_mA_cm2, cfg.current_density_max_mA_cm2],
        **{k: getattr(cfg, k) for k in keys + geometry},
    }


def _stack_config(cfg: SafeZoneConfig, case: MapCase, j: float) -> Any:
    from studies.stack_pressure import StackPressureConfig

    return StackPressureConfig(
        current_densities_mA_cm2=(j,),
        initial_pressures_MPa=(case.stack_pressure_MPa,),
        fixtures=(cfg.fixture,),
        spring_stiffness_MPa_per_um=cfg.spring_stiffness_MPa_per_um,
        areal_capacity_mAh_cm2=cfg.areal_capacity_max_mAh_cm2,
        temperature_K=case.temperature_K,
        li_thickness_um=cfg.li_thickness_um,
        sse_thickness_um=cfg.separator_thickness_um,
        li_half_width_um=cfg.li_half_width_um,
        gap_half_width_um=cfg.gap_half_width_um,
        cells_gap_x=2 if cfg.gap_half_width_um > 0 else 0,
        geometry=(case.host,),
        finger_height_um=cfg.finger_height_um,
        finger_width_um=cfg.finger_width_um,
        pillar_radius_um=0.5 * cfg.finger_width_um,
        pitch_um=cfg.pitch_um,
        base_thickness_um=cfg.base_thickness_um,
        separator_thickness_um=cfg.separator_thickness_um,
        electrolyte=ELECTROLYTES[case.electrolyte]["material"],
        time_steps=cfg.stress_time_steps,
        fields=False,
    )


def first_crossing(capacity: list[float], pressure: list[float], limit_MPa: float) -> float:
    """First capacity at which the pressure history reaches ``limit_MPa`` (linear between outputs), inf if never."""
    for k in range(1, len(pressure)):
        if pressure[k] >= limit_MPa:
            p0, p1, q0, q1 = pressure[k - 1], pressure[k], capacity[k - 1], capacity[k]
            return q0 + (q1 - q0) * (limit_MPa - p0) / (p1 - p0) if p1 > p0 else q1
    return math.inf


def stress_boundary(cfg: SafeZoneConfig, case: MapCase, host: dict[str, Any], comm: MPI.Comm) -> dict[str, Any]:
    """Pressure limit in the fixture (module text): planar by the full creep model at a few j, hosts by the
    elastic rate of the full host stack after the pores are full."""
    limits = [RANGES["pressure_limit_MPa"]["value"], *_band("pressure_limit_MPa", cfg.bands)]
    if case.host == "planar":
        from studies.stack_pressure import Case as StackCase
        from studies.stack_pressure import run_case as stack_run

        samples = [
            float(j)
            for j in np.geomspace(
                cfg.current_density_min_mA_cm2, cfg.current_density_max_mA_cm2, cfg.stress_current_points
            )
        ]
        histories = []
        for j in samples:
            result = stack_run(
                _stack_config(cfg, case, j), StackCase(cfg.fixture, case.stack_pressure_MPa, j), comm, Path(".")
            )
            histories.append(result)
        rows = [
            {
                "j": samples,
                "q": [
                    first_crossing(h["history"]["capacity_mAh_cm2"], h["history"]["pressure_MPa"], lim)
                    for h in histories
                ],
                "threshold": None,
            }
            for lim in limits
        ]
        details = {
            "model": "studies.stack_pressure full model (Norton creep, Li strip with free edges)",
            "peak_pressure_MPa": [h["peak_pressure_MPa"] for h in histories],
            "final_pressure_MPa": [h["final_pressure_MPa"] for h in histories],
            "pressure_limit_MPa": limits[0],
            "parameters": ["pressure_limit_MPa"] if cfg.bands else [],
        }
        return _envelope("stress", rows, details)
    from studies.stack_pressure.fixture import Stack

    stack = Stack(_stack_config(cfg, case, 1.0), comm, case.host)
    a, b = stack.elastic_response()
    stack.problem.destroy()
    k = cfg.spring_stiffness_MPa_per_um * MPA / UM if cfg.fixture == "spring" else math.inf
    gain = b / (1.0 + a / k)  # Pa per m of plated thickness
    per_capacity = gain * C_M2_PER_MAH_CM2 * OMEGA / F / MPA  # MPa per mAh/cm2
    samples = [_axis(cfg)[0], _axis(cfg)[-1]]
    rows = []
    for limit in limits:
        for fraction in _free_fractions(cfg):
            q = fraction * host["finger_capacity_mAh_cm2"] + max(limit - case.stack_pressure_MPa, 0.0) / per_capacity
            rows.append({"j": samples, "q": [q, q], "threshold": None})
    details = {
        "model": "pores full (host_full), then the elastic pressure rate of the host stack (creep-free: a "
        "conservative bound, the Li in the fingers is enclosed)",
        "pressure_rate_MPa_per_mAh_cm2": per_capacity,
        "pressure_limit_MPa": limits[0],
        "parameters": ["pressure_limit_MPa", "host_free_fraction"] if cfg.bands else [],
    }
    return _envelope("stress", rows, details)


#: mechanism -> (inputs, boundary)
MECHANISM_FUNCTIONS = {
    "voiding": (voiding_inputs, voiding_boundary),
    "stress": (stress_inputs, stress_boundary),
    "dendrite": (dendrite_inputs, dendrite_boundary),
    "sand": (sand_inputs, sand_boundary),
    "host_full": (host_full_inputs, host_full_boundary),
}
