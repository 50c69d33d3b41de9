"""Li supply to the stripping interface: vacancies in Li (SI units).

* parameters: VacancyTransport (equilibrium site fraction x_eq(T, p), vacancy
  diffusivity, sink rate, injection law) loaded from fem/data/li_supply.toml,
  with the parameters no source fixes named and ranged.
* problem: VacancyProblem, the transient (backward Euler) or steady vacancy
  equation on the Li region of a tagged mesh, with injection on a named facet
  region, its mass balance and the interfacial supersaturation.
* supply: creep closure of interface voids under stack pressure plus the
  steady vacancy supply: the critical stripping current and its limiting
  mechanism (closed forms), with the Bowden-Tabor real contact fraction of a
  rough interface (asperity hardness from the size-dependent strength).
* analytic: exact 1D solutions (transient semi-infinite with and without sinks,
  steady slab), the time to a critical supersaturation and the steady
  critical current.

The size-dependent strength of Li (a creep law whose reference stress depends
on a length scale) is a material and lives in the core: fem.size_effect.
"""

from fem.vacancy import analytic
from fem.vacancy.parameters import (
    BOLTZMANN_EV_PER_K,
    VacancyTransport,
    li_supply_data,
    unfixed_parameters,
    vacancy_transport,
)
from fem.vacancy.problem import VACANCY_SOLVER_DEFAULTS, VacancyProblem, VacancyStep
from fem.vacancy.supply import (
    TABOR_CONSTRAINT_FACTOR,
    SupplyEstimate,
    asperity_hardness_Pa,
    contact_stress_factor,
    creep_supply_A_m2,
    critical_stripping_current,
    plastic_contact_fraction,
    void_closure_velocity_m_s,
)

__all__ = [
    "BOLTZMANN_EV_PER_K",
    "VACANCY_SOLVER_DEFAULTS",
    "VacancyProblem",
    "SupplyEstimate",
    "TABOR_CONSTRAINT_FACTOR",
    "asperity_hardness_Pa",
    "contact_stress_factor",
    "plastic_contact_fraction",
    "VacancyStep",
    "VacancyTransport",
    "analytic",
    "creep_supply_A_m2",
    "critical_stripping_current",
    "li_supply_data",
    "unfixed_parameters",
    "vacancy_transport",
    "void_closure_velocity_m_s",
]
