"""Li supply to a stripping interface: vacancy diffusion plus creep, and the critical stripping current.

Two routes bring Li to the interface where it is stripped at the rate
v = i Omega / F:

* creep: Li flows under the stack pressure p into a nascent interface void of
  radius R (diameter l).  For a spherical void in an infinite power-law
  (Norton) matrix under remote pressure p the exact closure rate is
  (Budiansky, Hutchinson & Slutsky, in Mechanics of Solids, Pergamon 1982, from memory: check;
  the hollow-sphere solution)::

      dR/dt = -(R/2) A'(T) (3 p / (2 n sigma_ref))^n

  (n = 1 gives the viscous result dR/dt = -p R / (4 eta)).  The interface
  void is treated as that sphere (an O(1) geometric factor, stated).  The
  creep supply is the current whose stripping rate this closure matches:
  i_creep = F/Omega |dR/dt|.  With the size-dependent strength
  (fem.size_effect) sigma_ref is that of a Li feature of size l.
* vacancies: the part of the current creep does not supply injects vacancies
  (fem.vacancy.parameters); they diffuse away and annihilate at sinks.  The
  supply fails when the interfacial supersaturation reaches s_crit; in the
  steady state of a Li layer of thickness H::

      i_vac = (s_crit - 1) x_eq(T, p) D_v(T) / (f_inj L_s coth(H / L_s)) F / Omega

The two routes act in parallel, so the critical stripping current is
i_crit = i_creep + i_vac, and the limiting (dominant) mechanism is the larger
term.

Real contact (optional, ``contact_fraction``).  A rough Li | electrolyte
interface touches on asperity patches only, a fraction f_c of the nominal
area, and the stripping current flows through them: the local current
density is i / f_c, so the nominal vacancy-limited current is f_c times the
local one (valid while the sink spacing is small against the patch size, so
that the patches do not share their vacancies).  For Li, far softer than the
electrolyte, the patches deform plastically and the contact is Bowden &
Tabor's (The Friction and Lubrication of Solids, Oxford 1950; Tabor, The
Hardness of Metals, Oxford 1951)::

    f_c = min(1, p / H),   H = c sigma_y(a, T),   c = 3 (Tabor's constraint factor)

with sigma_y(a, T) the size-dependent strength of Li at the asperity size a
(fem.size_effect, Xu et al. 2017), a not fixed by any source (1-10 um; the
particle size of pressed sulfide pellets and the roughness wavelength of
polished garnet, stated, not measured for these cells).  Pressure enters the
vacancy route through f_c ~ p: exponent 1.  The contact stress at the
patches is H, not p; its effect on x_eq (exp(-H Omega / RT)) is not applied
(the stress decays within a patch size of the interface, the vacancy column
is the whole sink region): :func:`contact_stress_factor` gives its size.

fem.vacancy.problem computes i_vac by FEM for any geometry and time; this
module gives the closed forms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fem.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import NortonCreep
from fem.size_effect import size_strength_at
from fem.vacancy.analytic import steady_critical_current_A_m2
from fem.vacancy.parameters import VacancyTransport
from fem.validation import check_positive, check_range

__all__ = [
    "TABOR_CONSTRAINT_FACTOR",
    "SupplyEstimate",
    "void_closure_velocity_m_s",
    "creep_supply_A_m2",
    "asperity_hardness_Pa",
    "plastic_contact_fraction",
    "contact_stress_factor",
    "vacancy_limited_current_A_m2",
    "critical_stripping_current",
]

#: H / sigma_y of a rigid-plastic indentation (Tabor, The Hardness of Metals, Oxford 1951: about 3).
TABOR_CONSTRAINT_FACTOR = 3.0


def void_closure_velocity_m_s(creep: NortonCreep, pressure_Pa: float, temperature_K: float, radius_m: float) -> float:
    """|dR/dt| = (R/2) A'(T) (3 p / (2 n sigma_ref))^n in m/s (see module text)."""
    check_range("pressure_Pa", pressure_Pa, 0.0, math.inf, low_inclusive=True, unit="Pa")
    check_positive("radius_m", radius_m, "m")
    n = creep.stress_exponent
    stress = 3.0 * pressure_Pa / (2.0 * n)
    return 0.5 * radius_m * creep.rate_factor_1_s(temperature_K) * (stress / creep.reference_stress_Pa) ** n


def creep_supply_A_m2(creep: NortonCreep, pressure_Pa: float, temperature_K: float, radius_m: float) -> float:
    """The stripping current density (A/m2) whose recession rate the creep closure of a void matches."""
    velocity = void_closure_velocity_m_s(creep, pressure_Pa, temperature_K, radius_m)
    return velocity * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL


def asperity_hardness_Pa(temperature_K: float, asperity_size_m: float) -> float:
    """H = c sigma_y(a, T) in Pa: Tabor's factor times Xu et al.'s strength of Li at size a (fem.size_effect)."""
    return TABOR_CONSTRAINT_FACTOR * size_strength_at(temperature_K).strength_Pa(asperity_size_m)


def plastic_contact_fraction(pressure_Pa: float, temperature_K: float, asperity_size_m: float) -> float:
    """Bowden-Tabor real contact fraction f_c = min(1, p / H(a, T)) of a plastically flattened Li surface."""
    check_range("pressure_Pa", pressure_Pa, 0.0, math.inf, low_inclusive=True, unit="Pa")
    return min(1.0, pressure_Pa / asperity_hardness_Pa(temperature_K, asperity_size_m))


def contact_stress_factor(transport: VacancyTransport, temperature_K: float, contact_stress_Pa: float) -> float:
    """x_eq(T, sigma_c) / x_eq(T, 0) = exp(-sigma_c Omega_f / RT): what the local contact stress would do to the
    vacancy equilibrium at the patches (not applied in :func:`critical_stripping_current`; see module text)."""
    check_range("contact_stress_Pa", contact_stress_Pa, 0.0, math.inf, low_inclusive=True, unit="Pa")
    return math.exp(-contact_stress_Pa * transport.formation_volume_m3_mol / (GAS_CONSTANT_J_PER_MOL_K * temperature_K))


def vacancy_limited_current_A_m2(
    transport: VacancyTransport, temperature_K: float, pressure_Pa: float, thickness_m: float
) -> float:
    """Steady current density (A/m2, through full contact) that holds the interface of a Li slab of thickness
    ``thickness_m`` at s_crit (fem.vacancy.analytic); 0 without sinks (no steady supply)."""
    if transport.sink_spacing_m is None:
        return 0.0
    return steady_critical_current_A_m2(
        transport.critical_supersaturation,
        transport.equilibrium_site_fraction(temperature_K, pressure_Pa),
        transport.vacancy_diffusivity(temperature_K),
        transport.sink_rate(temperature_K),
        transport.injection_fraction,
        thickness_m,
    )


@dataclass(frozen=True, slots=True)
class SupplyEstimate:
    """Critical stripping current and its two parts (A/m2)."""

    vacancy_A_m2: float
    creep_A_m2: float

    @property
    def critical_A_m2(self) -> float:
        return self.vacancy_A_m2 + self.creep_A_m2

    @property
    def limiting_mechanism(self) -> str:
        """'vacancy_diffusion' or 'creep': the route that carries most of the supply at the critical current."""
        return "creep" if self.creep_A_m2 > self.vacancy_A_m2 else "vacancy_diffusion"


def critical_stripping_current(
    transport: VacancyTransport,
    creep: NortonCreep,
    temperature_K: float,
    pressure_Pa: float,
    thickness_m: float,
    void_radius_m: float,
    *,
    contact_fraction: float = 1.0,
) -> SupplyEstimate:
    """Closed-form steady critical current: i_creep (void closure) + i_vac (steady vacancy supersaturation).

    ``contact_fraction``: the real contact fraction f_c in (0, 1] of the interface (e.g.
    :func:`plastic_contact_fraction`); the current flows through it, so the nominal vacancy route is f_c times
    the local one.  1 (default): full contact, the original estimate.
    """
    check_positive("thickness_m", thickness_m, "m")
    check_range("contact_fraction", contact_fraction, 0.0, 1.0, low_inclusive=True, high_inclusive=True)
    vacancy = vacancy_limited_current_A_m2(transport, temperature_K, pressure_Pa, thickness_m)
    return SupplyEstimate(
        contact_fraction * vacancy, creep_supply_A_m2(creep, pressure_Pa, temperature_K, void_radius_m)
    )
