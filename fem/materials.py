"""Material models as frozen dataclasses (SI units), validated on creation.

Parameter sets with units and sources live in ``fem/data/materials.toml``;
:func:`electrolyte`, :func:`interface_kinetics`, :func:`elastic_material`,
:func:`creep_law` and :func:`mechanical_material` load them by name.  Li creeps
by Norton's power law (default, ``[creep.Li_Masias2019]``) or by Anand's
viscoplasticity (``[creep.Li_Anand2019]``, :class:`fem.mechanics.anand.AnandViscoplasticity`):
``mechanical_material("Li_Anand")`` or ``mechanical_material("Li", creep="Li_Anand2019")``.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from fem.constants import GAS_CONSTANT_J_PER_MOL_K, ROOM_TEMPERATURE_K, thermal_voltage
from fem.validation import ParameterError, check_positive, check_range

__all__ = [
    "log_sinh",
    "Electrolyte",
    "ButlerVolmer",
    "IdealContact",
    "Kinetics",
    "LinearElastic",
    "NortonCreep",
    "AnandViscoplasticity",
    "CreepLaw",
    "CreepingSolid",
    "MechanicalMaterial",
    "electrolyte",
    "interface_kinetics",
    "elastic_material",
    "creep_law",
    "mechanical_material",
    "parameter_sets",
]

_LN2 = math.log(2.0)
_EPS = np.finfo(float).eps


@dataclass(frozen=True, slots=True)
class Electrolyte:
    """A single-ion conducting electrolyte (ceramic: transference number ~1).

    Attributes:
        name: parameter-set name, e.g. ``"LPSCl"``.
        ionic_conductivity_S_m: kappa in S/m.
        source: where the value comes from.
    """

    name: str
    ionic_conductivity_S_m: float
    source: str = ""

    def __post_init__(self) -> None:
        check_positive(f"{self.name}.ionic_conductivity_S_m", self.ionic_conductivity_S_m, "S/m")


@dataclass(frozen=True, slots=True)
class ButlerVolmer:
    """Butler-Volmer charge-transfer kinetics at a Li | electrolyte interface.

    Anodic (stripping, Li -> Li+ + e-) current density is positive::

        i = i0 [exp(alpha_a F eta / RT) - exp(-alpha_c F eta / RT)],
        eta = phi_metal - phi_electrolyte - U_eq   (U_eq = 0 vs Li/Li+)

    Attributes:
        exchange_current_density_A_m2: i0 in A/m2 (1 mA/cm2 = 10 A/m2).
        alpha_anodic, alpha_cathodic: transfer coefficients (dimensionless).
        temperature_K: temperature in K.
    """

    exchange_current_density_A_m2: float
    alpha_anodic: float = 0.5
    alpha_cathodic: float = 0.5
    temperature_K: float = ROOM_TEMPERATURE_K
    source: str = ""

    def __post_init__(self) -> None:
        check_positive("exchange_current_density_A_m2", self.exchange_current_density_A_m2, "A/m2")
        check_range("alpha_anodic", self.alpha_anodic, 0.0, 1.0, high_inclusive=True)
        check_range("alpha_cathodic", self.alpha_cathodic, 0.0, 1.0, high_inclusive=True)
        check_positive("temperature_K", self.temperature_K, "K")

    def current_density(self, eta: Any, exp: Any) -> Any:
        """Return i(eta) in A/m2; ``exp`` is ``ufl.exp`` or ``numpy.exp``."""
        f = 1.0 / thermal_voltage(self.temperature_K)
        i0 = self.exchange_current_density_A_m2
        return i0 * (exp(self.alpha_anodic * f * eta) - exp(-self.alpha_cathodic * f * eta))

    def charge_transfer_asr_ohm_m2(self) -> float:
        """Linearised charge-transfer resistance RT / (F i0 (alpha_a + alpha_c)) in ohm m2."""
        alpha = self.alpha_anodic + self.alpha_cathodic
        return thermal_voltage(self.temperature_K) / (self.exchange_current_density_A_m2 * alpha)


@dataclass(frozen=True, slots=True)
class IdealContact:
    """Infinitely fast kinetics: the electrolyte potential at the contact equals
    the metal potential (primary current distribution, Newman 1966)."""


Kinetics = ButlerVolmer | IdealContact


@dataclass(frozen=True, slots=True)
class LinearElastic:
    """Isotropic linear elasticity (small strain).

    Attributes:
        name: parameter-set name, e.g. ``"LPSCl"``.
        youngs_modulus_Pa: E in Pa.
        poisson_ratio: nu, in (-1, 0.5).
        source: where the values come from.
    """

    name: str
    youngs_modulus_Pa: float
    poisson_ratio: float
    source: str = ""

    def __post_init__(self) -> None:
        check_positive(f"{self.name}.youngs_modulus_Pa", self.youngs_modulus_Pa, "Pa")
        check_range(f"{self.name}.poisson_ratio", self.poisson_ratio, -1.0, 0.5)

    @property
    def shear_modulus_Pa(self) -> float:
        """G = E / (2 (1 + nu)) in Pa."""
        return self.youngs_modulus_Pa / (2.0 * (1.0 + self.poisson_ratio))

    @property
    def bulk_modulus_Pa(self) -> float:
        """K = E / (3 (1 - 2 nu)) in Pa."""
        return self.youngs_modulus_Pa / (3.0 * (1.0 - 2.0 * self.poisson_ratio))


@dataclass(frozen=True, slots=True)
class NortonCreep:
    """Power-law (Norton) creep with Arrhenius temperature dependence (J2 flow)::

        eps_dot_cr = (3/2) p_dot s / sigma_eq,
        p_dot = A exp(-Q/R (1/T - 1/T_ref)) (sigma_eq / sigma_ref)^n,

    s the stress deviator and sigma_eq = sqrt(3/2 s:s) the von Mises stress, so
    that in uniaxial tension sigma the axial creep rate is
    A (sigma/sigma_ref)^n at T_ref and the creep strain is volume-preserving.

    Attributes:
        rate_prefactor_1_s: A in 1/s (rate at sigma_ref and T_ref).
        reference_stress_Pa: sigma_ref in Pa.
        stress_exponent: n (>= 1; 1 is linear viscous flow).
        activation_energy_J_mol: Q in J/mol (>= 0).
        reference_temperature_K: T_ref in K, where the rate equals A (sigma/sigma_ref)^n.
        name, source: parameter-set name and citation.
    """

    rate_prefactor_1_s: float
    reference_stress_Pa: float
    stress_exponent: float
    activation_energy_J_mol: float = 0.0
    reference_temperature_K: float = ROOM_TEMPERATURE_K
    name: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        check_positive("rate_prefactor_1_s", self.rate_prefactor_1_s, "1/s")
        check_positive("reference_stress_Pa", self.reference_stress_Pa, "Pa")
        check_range("stress_exponent", self.stress_exponent, 1.0, 100.0, low_inclusive=True, high_inclusive=True)
        check_range("activation_energy_J_mol", self.activation_energy_J_mol, 0.0, low_inclusive=True, unit="J/mol")
        check_positive("reference_temperature_K", self.reference_temperature_K, "K")

    def rate_factor_1_s(self, temperature_K: float) -> float:
        """A' = A exp(-Q/R (1/T - 1/T_ref)) in 1/s at ``temperature_K``."""
        temperature = check_positive("temperature_K", temperature_K, "K")
        arrhenius = -self.activation_energy_J_mol / GAS_CONSTANT_J_PER_MOL_K
        return self.rate_prefactor_1_s * math.exp(arrhenius * (1.0 / temperature - 1.0 / self.reference_temperature_K))

    def creep_rate_1_s(self, equivalent_stress_Pa: Any, temperature_K: float = ROOM_TEMPERATURE_K) -> Any:
        """Equivalent creep rate p_dot (1/s) at von Mises stress ``equivalent_stress_Pa`` (float or array)."""
        return self.rate_factor_1_s(temperature_K) * (equivalent_stress_Pa / self.reference_stress_Pa) ** (
            self.stress_exponent
        )


def log_sinh(u: Any) -> Any:
    """ln sinh(u) for u >= 0 without overflow or cancellation: u - ln 2 + ln(1 - e^(-2u)); -inf at 0."""
    u = np.asarray(u, dtype=float)
    with np.errstate(divide="ignore"):
        return u - _LN2 + np.log(-np.expm1(-2.0 * u))


@dataclass(frozen=True, slots=True)
class AnandViscoplasticity:
    """Anand's rate-dependent viscoplasticity with isotropic resistance S (Anand & Narayan 2019).

    Attributes:
        rate_prefactor_1_s: A in 1/s (pre-exponential factor of the flow rule).
        activation_energy_J_mol: Q in J/mol (>= 0).
        rate_sensitivity: m, in (0, 1]: the stress exponent 1/m of the power-law regime is >= 1.
        initial_resistance_Pa: S0, the deformation resistance of the undeformed metal (Pa).
        hardening_modulus_Pa: H0 (Pa, >= 0; 0 freezes S at S0).
        saturation_coefficient_Pa: S_tilde, the saturation resistance at nu_p = A exp(-Q/RT) (Pa).
        saturation_exponent: n in [0, 1), the rate sensitivity of the saturation value.
        hardening_exponent: a >= 1.
        name, source: parameter-set name and citation.
    """

    rate_prefactor_1_s: float
    activation_energy_J_mol: float
    rate_sensitivity: float
    initial_resistance_Pa: float
    hardening_modulus_Pa: float
    saturation_coefficient_Pa: float
    saturation_exponent: float
    hardening_exponent: float
    name: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        check_positive("rate_prefactor_1_s", self.rate_prefactor_1_s, "1/s")
        check_range("activation_energy_J_mol", self.activation_energy_J_mol, 0.0, low_inclusive=True, unit="J/mol")
        check_range("rate_sensitivity", self.rate_sensitivity, 0.0, 1.0, high_inclusive=True)
        check_positive("initial_resistance_Pa", self.initial_resistance_Pa, "Pa")
        check_range("hardening_modulus_Pa", self.hardening_modulus_Pa, 0.0, low_inclusive=True, unit="Pa")
        check_positive("saturation_coefficient_Pa", self.saturation_coefficient_Pa, "Pa")
        check_range("saturation_exponent", self.saturation_exponent, 0.0, 1.0, low_inclusive=True)
        check_range("hardening_exponent", self.hardening_exponent, 1.0, 100.0, low_inclusive=True, high_inclusive=True)

    def rate_factor_1_s(self, temperature_K: float) -> float:
        """A' = A exp(-Q / (R T)) in 1/s at ``temperature_K``."""
        temperature = check_positive("temperature_K", temperature_K, "K")
        arrhenius = -self.activation_energy_J_mol / (GAS_CONSTANT_J_PER_MOL_K * temperature)
        return self.rate_prefactor_1_s * math.exp(arrhenius)

    def plastic_strain_rate_1_s(self, stress_Pa: Any, resistance_Pa: Any, temperature_K: float) -> Any:
        """nu_p = A' sinh(sigma_bar / S)^(1/m) (1/s) at von Mises stress ``stress_Pa`` and resistance S."""
        ratio = np.asarray(stress_Pa, dtype=float) / resistance_Pa
        return self.rate_factor_1_s(temperature_K) * np.exp(log_sinh(ratio) / self.rate_sensitivity)

    def saturation_resistance_Pa(self, rate_1_s: Any, temperature_K: float) -> Any:
        """S* = S_tilde (nu_p / A')^n in Pa."""
        return self.saturation_coefficient_Pa * (np.asarray(rate_1_s) / self.rate_factor_1_s(temperature_K)) ** (
            self.saturation_exponent
        )

    def steady_state_stress_Pa(self, rate_1_s: Any, temperature_K: float) -> Any:
        """Steady-state flow stress (S = S*): sigma = S* asinh((nu_p / A')^m) in Pa."""
        x = np.asarray(rate_1_s, dtype=float) / self.rate_factor_1_s(temperature_K)
        return self.saturation_coefficient_Pa * x**self.saturation_exponent * np.arcsinh(x**self.rate_sensitivity)

    def steady_state_rate_1_s(self, stress_Pa: float, temperature_K: float) -> float:
        """Steady creep rate (1/s) at von Mises stress ``stress_Pa`` > 0: the root of
        :meth:`steady_state_stress_Pa` (increasing in the rate), by bisection in log(rate) to round-off."""
        stress = check_positive("stress_Pa", stress_Pa, "Pa")
        a_prime = self.rate_factor_1_s(temperature_K)
        lo, hi = math.log(a_prime) - 700.0, math.log(a_prime) + 700.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if self.steady_state_stress_Pa(math.exp(mid), temperature_K) < stress:
                lo = mid
            else:
                hi = mid
            if hi - lo < 4.0 * _EPS * max(abs(lo), 1.0):
                break
        return math.exp(0.5 * (lo + hi))


CreepLaw = NortonCreep | AnandViscoplasticity


@dataclass(frozen=True, slots=True)
class CreepingSolid:
    """An elastic solid that also creeps (Li metal): eps = eps_el + eps_cr (+ eigenstrain).

    ``creep`` is a Norton power law or Anand's viscoplasticity (fem.mechanics.anand).
    """

    name: str
    elastic: LinearElastic
    creep: CreepLaw


MechanicalMaterial = LinearElastic | CreepingSolid


@cache
def parameter_sets() -> dict[str, Any]:
    """Return the parsed ``fem/data/materials.toml`` (values with units and sources)."""
    text = resources.files("fem").joinpath("data/materials.toml").read_text()
    return tomllib.loads(text)


def _entry(kind: str, name: str) -> dict[str, Any]:
    table = parameter_sets().get(kind, {})
    if name not in table:
        raise ParameterError(f"{kind} {name!r} is not a known parameter set; known: {sorted(table)}")
    return table[name]


def electrolyte(name: str) -> Electrolyte:
    """Return the electrolyte parameter set ``name`` (e.g. ``"LPSCl"``)."""
    entry = _entry("electrolyte", name)
    kappa = entry["ionic_conductivity"]
    return Electrolyte(name=name, ionic_conductivity_S_m=kappa["value"], source=kappa["source"])


def interface_kinetics(name: str, temperature_K: float = ROOM_TEMPERATURE_K) -> ButlerVolmer:
    """Return the Butler-Volmer parameter set ``name`` (e.g. ``"Li_LPSCl"``)."""
    entry = _entry("interface", name)
    return ButlerVolmer(
        exchange_current_density_A_m2=entry["exchange_current_density"]["value"],
        alpha_anodic=entry["alpha_anodic"]["value"],
        alpha_cathodic=entry["alpha_cathodic"]["value"],
        temperature_K=temperature_K,
        source=entry["exchange_current_density"]["source"],
    )


_MECHANICAL_KINDS = ("electrolyte", "metal", "host")


def _mechanical_entry(name: str) -> dict[str, Any]:
    sets = parameter_sets()
    for kind in _MECHANICAL_KINDS:
        entry = sets.get(kind, {}).get(name)
        if entry is not None and "youngs_modulus" in entry and "poisson_ratio" in entry:
            return entry
    known = sorted(
        key
        for kind in _MECHANICAL_KINDS
        for key, entry in sets.get(kind, {}).items()
        if "youngs_modulus" in entry and "poisson_ratio" in entry
    )
    raise ParameterError(f"material {name!r} is not a known parameter set with elastic constants; known: {known}")


def elastic_material(name: str) -> LinearElastic:
    """Return the elastic constants of the parameter set ``name`` (``"LPSCl"``, ``"LLZO"``, ``"Li"``)."""
    entry = _mechanical_entry(name)
    E, nu = entry["youngs_modulus"], entry["poisson_ratio"]
    return LinearElastic(
        name=name,
        youngs_modulus_Pa=E["value"],
        poisson_ratio=nu["value"],
        source=f"E: {E['source']}; nu: {nu['source']}",
    )


_CREEP_MODELS = ("norton", "anand")


def _sourced(entry: dict[str, Any], keys: tuple[str, ...]) -> str:
    return "; ".join(f"{key}: {entry[key]['source']}" for key in keys)


def _norton(name: str, entry: dict[str, Any]) -> NortonCreep:
    keys = ("rate_prefactor", "reference_stress", "stress_exponent", "activation_energy", "reference_temperature")
    return NortonCreep(
        rate_prefactor_1_s=entry["rate_prefactor"]["value"],
        reference_stress_Pa=entry["reference_stress"]["value"],
        stress_exponent=entry["stress_exponent"]["value"],
        activation_energy_J_mol=entry["activation_energy"]["value"],
        reference_temperature_K=entry["reference_temperature"]["value"],
        name=name,
        source=_sourced(entry, keys),
    )


def _anand(name: str, entry: dict[str, Any]) -> AnandViscoplasticity:
    keys = (
        "rate_prefactor",
        "activation_energy",
        "rate_sensitivity",
        "initial_resistance",
        "hardening_modulus",
        "saturation_coefficient",
        "saturation_exponent",
        "hardening_exponent",
    )
    return AnandViscoplasticity(*(entry[key]["value"] for key in keys), name=name, source=_sourced(entry, keys[:1]))


def creep_law(name: str = "Li_Masias2019") -> CreepLaw:
    """Return the creep parameter set ``name`` (``[creep.*]`` in materials.toml): a NortonCreep,
    or an AnandViscoplasticity where the set says ``model = "anand"``."""
    entry = _entry("creep", name)
    model = entry.get("model", "norton")
    if model not in _CREEP_MODELS:
        raise ParameterError(f"creep {name!r}: model = {model!r} is not one of {', '.join(map(repr, _CREEP_MODELS))}")
    return _anand(name, entry) if model == "anand" else _norton(name, entry)


def mechanical_material(name: str, creep: str | None = None) -> MechanicalMaterial:
    """Return the mechanical model of ``name``: a CreepingSolid when its set names a
    creep law (``"Li"``: Norton, ``"Li_Anand"``: Anand), else LinearElastic (``"LPSCl"``,
    ``"LLZO"``).  ``creep`` selects another ``[creep.*]`` set (e.g. ``"Li_Anand2019"``)
    for the same elastic constants."""
    entry = _mechanical_entry(name)
    elastic = elastic_material(name)
    law = creep if creep is not None else entry.get("creep")
    if law is not None:
        return CreepingSolid(name=name, elastic=elastic, creep=creep_law(law))
    return elastic
