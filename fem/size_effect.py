"""Size-dependent strength of Li and a Norton creep law whose reference stress follows it (SI units).

Micrometre-scale Li is far stronger than bulk Li: Xu, Ahmad, Zhao, Qi, Cui &
Nix (PNAS 114 (2017) 57) compressed Li pillars and found about 105 MPa at
1 um diameter at room temperature, falling as d^-0.68 (RT) and d^-1.0 (90 C,
35 MPa at 1 um); bulk Li yields at 0.73-0.81 MPa (Masias et al. 2019).  The
power law reaches the bulk strength at the crossover size
d_c = d_ref (S_ref / S_bulk)^(1/m), about 1.4 mm at room temperature.

:class:`SizeStrength` is that law, ``S(d) = max(S_bulk, S_ref (d / d_ref)^-m)``.
:class:`SizeDependentNortonCreep` scales the reference stress of a bulk
Norton law by the strengthening factor at a stated length scale l::

    eps_dot = A exp(-Q/R (1/T - 1/T_ref)) (sigma / (sigma_ref S(l) / S_bulk))^n

i.e. the whole flow curve scales with the strength (stated assumption: Xu et
al. measured strength at one strain rate, not the creep law at small size).
The length scale l is not fixed by any source: the size of the Li feature
that must deform (a void or asperity at the interface), range 1 um - 1 mm.
Between the two measured temperatures, log S_ref and m are interpolated
linearly in T (:func:`size_strength_at`), outside they are held (stated).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from fem.materials import NortonCreep
from fem.validation import ParameterError, check_positive, check_range

__all__ = ["SizeStrength", "SizeDependentNortonCreep", "size_strength", "size_strength_at"]


@dataclass(frozen=True, slots=True)
class SizeStrength:
    """Strength S(d) = max(S_bulk, S_ref (d / d_ref)^-m) of a Li feature of size d (Pa).

    Attributes:
        strength_at_reference_size_Pa: S_ref in Pa.
        reference_size_m: d_ref in m.
        size_exponent: m in (0, 2].
        bulk_strength_Pa: S_bulk in Pa (the floor: large features are as strong as bulk).
        temperature_K: the temperature of the data.
        name, source: parameter-set name and citation.
    """

    strength_at_reference_size_Pa: float
    reference_size_m: float
    size_exponent: float
    bulk_strength_Pa: float
    temperature_K: float
    name: str = ""
    source: str = ""

    def __post_init__(self) -> None:
        check_positive("strength_at_reference_size_Pa", self.strength_at_reference_size_Pa, "Pa")
        check_positive("reference_size_m", self.reference_size_m, "m")
        check_range("size_exponent", self.size_exponent, 0.0, 2.0, high_inclusive=True)
        check_range("bulk_strength_Pa", self.bulk_strength_Pa, 0.0, self.strength_at_reference_size_Pa, unit="Pa")
        check_positive("temperature_K", self.temperature_K, "K")

    def strength_Pa(self, size_m: float) -> float:
        """S(d) in Pa."""
        d = check_positive("size_m", size_m, "m")
        power = self.strength_at_reference_size_Pa * (d / self.reference_size_m) ** (-self.size_exponent)
        return max(self.bulk_strength_Pa, power)

    def strengthening_factor(self, size_m: float) -> float:
        """S(d) / S_bulk (>= 1)."""
        return self.strength_Pa(size_m) / self.bulk_strength_Pa

    @property
    def crossover_size_m(self) -> float:
        """d_c where the power law meets the bulk strength (m)."""
        ratio = self.strength_at_reference_size_Pa / self.bulk_strength_Pa
        return self.reference_size_m * ratio ** (1.0 / self.size_exponent)


@dataclass(frozen=True, slots=True)
class SizeDependentNortonCreep:
    """A Norton law whose reference stress is the bulk one times S(l) / S_bulk (see module text).

    Attributes:
        bulk: the bulk Norton law (e.g. ``creep_law("Li_Masias2019")``).
        strength: the size dependence of the strength.
        length_scale_m: l, the size of the deforming feature (m).  Not fixed by any source.
    """

    bulk: NortonCreep
    strength: SizeStrength
    length_scale_m: float

    def __post_init__(self) -> None:
        check_range("length_scale_m", self.length_scale_m, 1e-9, 1.0, unit="m")

    @property
    def reference_stress_Pa(self) -> float:
        """sigma_ref(l) = sigma_ref,bulk S(l) / S_bulk in Pa."""
        return self.bulk.reference_stress_Pa * self.strength.strengthening_factor(self.length_scale_m)

    def as_norton(self) -> NortonCreep:
        """The equivalent NortonCreep at this length scale (for fem.mechanics' CreepingSolid)."""
        b = self.bulk
        return NortonCreep(
            rate_prefactor_1_s=b.rate_prefactor_1_s,
            reference_stress_Pa=self.reference_stress_Pa,
            stress_exponent=b.stress_exponent,
            activation_energy_J_mol=b.activation_energy_J_mol,
            reference_temperature_K=b.reference_temperature_K,
            name=f"{b.name}@{self.length_scale_m:g}m",
            source=f"{b.source}; size effect: {self.strength.source}",
        )

    def creep_rate_1_s(self, equivalent_stress_Pa: Any, temperature_K: float) -> Any:
        """p_dot = A'(T) (sigma_eq / sigma_ref(l))^n in 1/s."""
        return self.as_norton().creep_rate_1_s(equivalent_stress_Pa, temperature_K)


@cache
def _strength_sets() -> dict[str, Any]:
    return tomllib.loads(resources.files("fem").joinpath("data/li_supply.toml").read_text())["strength"]


def size_strength(name: str = "Li_Xu2017_RT") -> SizeStrength:
    """The strength set ``name`` of fem/data/li_supply.toml (``Li_Xu2017_RT``, ``Li_Xu2017_90C``)."""
    sets = {key: value for key, value in _strength_sets().items() if key != "unfixed"}
    if name not in sets:
        raise ParameterError(f"strength set {name!r} is not known; known: {sorted(sets)}")
    entry = sets[name]
    keys = ("strength_at_reference_size", "reference_size", "size_exponent", "bulk_strength", "temperature")
    return SizeStrength(
        *(entry[key]["value"] for key in keys),
        name=name,
        source="; ".join(f"{key}: {entry[key]['source']}" for key in keys[:4]),
    )


def size_strength_at(temperature_K: float) -> SizeStrength:
    """Xu et al.'s law at ``temperature_K``: log S_ref and m linear in T between RT and 90 C, held outside."""
    cold, hot = size_strength("Li_Xu2017_RT"), size_strength("Li_Xu2017_90C")
    T = check_positive("temperature_K", temperature_K, "K")
    w = min(max((T - cold.temperature_K) / (hot.temperature_K - cold.temperature_K), 0.0), 1.0)
    log_strength = (1 - w) * math.log(cold.strength_at_reference_size_Pa) + w * math.log(
        hot.strength_at_reference_size_Pa
    )
    return SizeStrength(
        strength_at_reference_size_Pa=math.exp(log_strength),
        reference_size_m=cold.reference_size_m,
        size_exponent=(1 - w) * cold.size_exponent + w * hot.size_exponent,
        bulk_strength_Pa=cold.bulk_strength_Pa,
        temperature_K=T,
        name=f"Li_Xu2017@{T:g}K",
        source=f"interpolated in T between {cold.name} and {hot.name}: {cold.source}",
    )
