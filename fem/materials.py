"""Material models as frozen dataclasses (SI units), validated on creation.

Parameter sets with units and sources live in ``fem/data/materials.toml``;
:func:`electrolyte` and :func:`interface_kinetics` load them by name.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fem.constants import ROOM_TEMPERATURE_K, thermal_voltage
from fem.validation import ParameterError, check_positive, check_range

__all__ = [
    "Electrolyte",
    "ButlerVolmer",
    "IdealContact",
    "Kinetics",
    "electrolyte",
    "interface_kinetics",
    "parameter_sets",
]


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
