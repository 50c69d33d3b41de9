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
term.  fem.vacancy.problem computes i_vac by FEM for any geometry and time;
this module gives the closed forms.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import NortonCreep
from fem.vacancy.analytic import steady_critical_current_A_m2
from fem.vacancy.parameters import VacancyTransport
from fem.validation import check_positive, check_range

__all__ = ["SupplyEstimate", "void_closure_velocity_m_s", "creep_supply_A_m2", "critical_stripping_current"]


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
) -> SupplyEstimate:
    """Closed-form steady critical current: i_creep (void closure) + i_vac (steady vacancy supersaturation)."""
    check_positive("thickness_m", thickness_m, "m")
    if transport.sink_spacing_m is None:
        vacancy = 0.0  # no sinks: the supersaturation grows without bound (no steady supply)
    else:
        vacancy = steady_critical_current_A_m2(
            transport.critical_supersaturation,
            transport.equilibrium_site_fraction(temperature_K, pressure_Pa),
            transport.vacancy_diffusivity(temperature_K),
            transport.sink_rate(temperature_K),
            transport.injection_fraction,
            thickness_m,
        )
    return SupplyEstimate(vacancy, creep_supply_A_m2(creep, pressure_Pa, temperature_K, void_radius_m))
