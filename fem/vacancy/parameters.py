"""Vacancies in Li: equilibrium site fraction, diffusivity, sinks and injection (SI units).

Pure Python (no DOLFINx), so studies and analytic checks use it directly.

Model (site fraction x of vacancies on the Li lattice)::

    x_eq(T, p) = exp(S_f / k) exp(-E_f / (k T)) exp(-p Omega_f / (R T))
    D*(T)      = D*_ref exp(-Q / k (1/T - 1/T_ref))          Li self-diffusion (tracer)
    D_v(T)     = D*(T) / (f x_eq(T, 0))                       vacancy diffusivity (D* = f x_v D_v)
    k(T)       = D_v(T) / L_s^2                               first-order annihilation at sinks of spacing L_s
    J          = f_inj max(i - i_creep, 0) Omega / F          injection flux into Li (site fraction x m/s)

with E_f, S_f the vacancy formation energy and entropy (Feder 1970), Q the
activation energy of self-diffusion (Mundy et al. 1969; E_f + migration
energy), f = 0.727 the bcc correlation factor, Omega_f the formation volume
(taken as the molar volume of Li), p the local pressure.  The migration
energy Q - E_f is not pressure dependent here (no migration volume).

Injection law.  A stripped atom leaves a lattice site behind.  Shishvan,
Fleck, McMeeking & Deshpande (Electrochim. Acta, 2023) argue that a
uniformly thinning electrode has no driving force to inject vacancies: the
site is removed with the receding surface (the Li above it moves as a rigid
body, pushed by the stack pressure).  Vacancies are left behind only where
the metal cannot follow the receding interface.  We therefore inject the
part of the stripping current that creep does not supply, ``i - i_creep``,
times an unfixed fraction ``f_inj`` in [0, 1] (1: every such atom leaves a
vacancy, the upper bound; 0: Shishvan et al.'s uniform thinning).  Plating
(i < 0) injects nothing.

Unfixed parameters (no source fixes them; nominal value and plausible range
in fem/data/li_supply.toml): the sink spacing L_s (1 um - 1 mm), the
injection fraction f_inj (0-1) and the critical supersaturation s_crit of
void nucleation (1.01-100).
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fem.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.validation import ParameterError, check_positive, check_range

__all__ = [
    "BOLTZMANN_EV_PER_K",
    "VacancyTransport",
    "li_supply_data",
    "vacancy_transport",
    "unfixed_parameters",
]

#: Boltzmann constant in eV/K (CODATA 2018).
BOLTZMANN_EV_PER_K = 8.617333262e-5


@dataclass(frozen=True, slots=True)
class VacancyTransport:
    """Vacancy thermodynamics and kinetics in Li (SI units, energies in eV).

    Attributes:
        self_diffusivity_m2_s: Li tracer self-diffusivity D*_ref at ``reference_temperature_K``.
        reference_temperature_K: T_ref of ``self_diffusivity_m2_s``.
        self_diffusion_activation_energy_eV: Q of D* (eV, >= formation energy).
        formation_energy_eV: vacancy formation energy E_f (eV, > 0).
        formation_entropy_k: vacancy formation entropy S_f in units of k_B.
        correlation_factor: tracer correlation factor f in (0, 1] (bcc: 0.727).
        formation_volume_m3_mol: Omega_f in m3/mol (pressure effect on x_eq).
        sink_spacing_m: L_s (m), or None for no sinks (k = 0).  Unfixed.
        injection_fraction: f_inj in [0, 1].  Unfixed.
        critical_supersaturation: s_crit > 1, x / x_eq at which voids nucleate.  Unfixed.
        source: citations.
    """

    self_diffusivity_m2_s: float
    reference_temperature_K: float
    self_diffusion_activation_energy_eV: float
    formation_energy_eV: float
    formation_entropy_k: float
    correlation_factor: float = 0.727
    formation_volume_m3_mol: float = LI_MOLAR_VOLUME_M3_PER_MOL
    sink_spacing_m: float | None = None
    injection_fraction: float = 1.0
    critical_supersaturation: float = 2.0
    source: str = ""

    def __post_init__(self) -> None:
        check_positive("self_diffusivity_m2_s", self.self_diffusivity_m2_s, "m2/s")
        check_positive("reference_temperature_K", self.reference_temperature_K, "K")
        check_range("formation_energy_eV", self.formation_energy_eV, 0.0, 5.0, unit="eV")
        check_range(
            "self_diffusion_activation_energy_eV",
            self.self_diffusion_activation_energy_eV,
            self.formation_energy_eV,
            10.0,
            low_inclusive=True,
            unit="eV",
        )
        check_range("formation_entropy_k", self.formation_entropy_k, -20.0, 20.0, unit="k_B")
        check_range("correlation_factor", self.correlation_factor, 0.0, 1.0, high_inclusive=True)
        check_range("formation_volume_m3_mol", self.formation_volume_m3_mol, 0.0, 1e-3, low_inclusive=True)
        if self.sink_spacing_m is not None:
            check_positive("sink_spacing_m", self.sink_spacing_m, "m")
        check_range("injection_fraction", self.injection_fraction, 0.0, 1.0, low_inclusive=True, high_inclusive=True)
        check_range("critical_supersaturation", self.critical_supersaturation, 1.0, 1e6)

    def replace(self, **changes: Any) -> VacancyTransport:
        """A copy with ``changes`` (validated again)."""
        return dataclasses.replace(self, **changes)

    def equilibrium_site_fraction(self, temperature_K: float, pressure_Pa: float = 0.0) -> float:
        """x_eq(T, p) = exp(S_f/k - E_f/(kT) - p Omega_f/(RT)) (dimensionless)."""
        T = check_positive("temperature_K", temperature_K, "K")
        thermal = self.formation_entropy_k - self.formation_energy_eV / (BOLTZMANN_EV_PER_K * T)
        return math.exp(thermal - pressure_Pa * self.formation_volume_m3_mol / (GAS_CONSTANT_J_PER_MOL_K * T))

    def self_diffusivity(self, temperature_K: float) -> float:
        """D*(T) in m2/s (Arrhenius from the reference point)."""
        T = check_positive("temperature_K", temperature_K, "K")
        q_over_k = self.self_diffusion_activation_energy_eV / BOLTZMANN_EV_PER_K
        return self.self_diffusivity_m2_s * math.exp(-q_over_k * (1.0 / T - 1.0 / self.reference_temperature_K))

    def vacancy_diffusivity(self, temperature_K: float) -> float:
        """D_v(T) = D*(T) / (f x_eq(T, 0)) in m2/s."""
        return self.self_diffusivity(temperature_K) / (
            self.correlation_factor * self.equilibrium_site_fraction(temperature_K)
        )

    def sink_rate(self, temperature_K: float) -> float:
        """k = D_v / L_s^2 in 1/s (0 without sinks)."""
        if self.sink_spacing_m is None:
            return 0.0
        return self.vacancy_diffusivity(temperature_K) / self.sink_spacing_m**2

    def injection_velocity_m_s(self, current_density_A_m2: float, creep_supply_A_m2: float = 0.0) -> float:
        """J = f_inj max(i - i_creep, 0) Omega / F: the vacancy flux into Li (site fraction x m/s)."""
        excess = max(current_density_A_m2 - creep_supply_A_m2, 0.0)
        return self.injection_fraction * excess * LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL


@cache
def li_supply_data() -> dict[str, Any]:
    """The parsed ``fem/data/li_supply.toml`` (values with units and sources)."""
    return tomllib.loads(resources.files("fem").joinpath("data/li_supply.toml").read_text())


def unfixed_parameters() -> dict[str, dict[str, Any]]:
    """The parameters no source fixes: ``{name: {value, range, unit, source}}``."""
    data = li_supply_data()
    tables = (data["vacancy"]["Li"]["unfixed"], data["strength"]["unfixed"])
    return {name: entry for table in tables for name, entry in table.items() if isinstance(entry, dict)}


def vacancy_transport(name: str = "Li", **overrides: Any) -> VacancyTransport:
    """The vacancy parameter set ``name`` with the nominal unfixed values; ``overrides`` replace fields."""
    table = li_supply_data()["vacancy"]
    if name not in table:
        raise ParameterError(f"vacancy set {name!r} is not known; known: {sorted(table)}")
    entry, unfixed = table[name], table[name]["unfixed"]
    keys = (
        "self_diffusivity",
        "reference_temperature",
        "self_diffusion_activation_energy",
        "formation_energy",
        "formation_entropy",
        "correlation_factor",
        "formation_volume",
    )
    params = VacancyTransport(
        self_diffusivity_m2_s=entry["self_diffusivity"]["value"],
        reference_temperature_K=entry["reference_temperature"]["value"],
        self_diffusion_activation_energy_eV=entry["self_diffusion_activation_energy"]["value"],
        formation_energy_eV=entry["formation_energy"]["value"],
        formation_entropy_k=entry["formation_entropy"]["value"],
        correlation_factor=entry["correlation_factor"]["value"],
        formation_volume_m3_mol=entry["formation_volume"]["value"],
        sink_spacing_m=unfixed["sink_spacing"]["value"],
        injection_fraction=unfixed["injection_fraction"]["value"],
        critical_supersaturation=unfixed["critical_supersaturation"]["value"],
        source="; ".join(f"{key}: {entry[key]['source']}" for key in keys),
    )
    return params.replace(**overrides) if overrides else params
