"""The Li-supply estimate (fem.vacancy.supply).

* creep closure of a void: the power-law hollow-sphere rate, and for n = 1 the
  viscous result dR/dt = -p R / (4 eta) with eta = sigma_ref / (3 A);
* the critical current is the sum of the two routes, the mechanism the larger.
"""

from __future__ import annotations

import pytest

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import NortonCreep, creep_law
from fem.vacancy import analytic, critical_stripping_current, vacancy_transport, void_closure_velocity_m_s
from fem.validation import ParameterError


def test_viscous_void_closure_is_the_hollow_sphere_solution():
    A, sigma_ref, p, R = 1e-3, 1e6, 2e6, 5e-6
    linear = NortonCreep(rate_prefactor_1_s=A, reference_stress_Pa=sigma_ref, stress_exponent=1.0)
    eta = sigma_ref / (3.0 * A)  # uniaxial rate sigma / (3 eta)
    assert void_closure_velocity_m_s(linear, p, 298.15, R) == pytest.approx(p * R / (4.0 * eta), rel=1e-12)
    norton = creep_law("Li_Masias2019")
    n = norton.stress_exponent
    expected = 0.5 * R * norton.rate_prefactor_1_s * (3.0 * p / (2.0 * n * 1e6)) ** n
    assert void_closure_velocity_m_s(norton, p, 298.15, R) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ParameterError, match="radius_m"):
        void_closure_velocity_m_s(norton, p, 298.15, 0.0)


def test_critical_current_adds_the_two_routes():
    params = vacancy_transport(sink_spacing_m=20e-6)
    T, p, H, R = 298.15, 3e6, 100e-6, 10e-6
    creep = creep_law("Li_Masias2019")
    estimate = critical_stripping_current(params, creep, T, p, H, R)
    vacancy = analytic.steady_critical_current_A_m2(
        2.0, params.equilibrium_site_fraction(T, p), params.vacancy_diffusivity(T), params.sink_rate(T), 1.0, H
    )
    creep_part = void_closure_velocity_m_s(creep, p, T, R) * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL
    assert estimate.vacancy_A_m2 == pytest.approx(vacancy, rel=1e-12)
    assert estimate.critical_A_m2 == pytest.approx(vacancy + creep_part, rel=1e-12)
    assert estimate.limiting_mechanism == "creep"  # bulk Li, 10 um void at 3 MPa: creep closes it fast
    # thick Li: i_vac = (s - 1) F D* exp(-p Omega / RT) / (f f_inj Omega L_s), x_eq cancels
    thick = critical_stripping_current(params, creep, T, p, 1.0, R)
    closed = (FARADAY_C_PER_MOL * params.self_diffusivity(T) / (0.727 * LI_MOLAR_VOLUME_M3_PER_MOL * 20e-6)) * (
        params.equilibrium_site_fraction(T, p) / params.equilibrium_site_fraction(T)
    )
    assert thick.vacancy_A_m2 == pytest.approx(closed, rel=1e-12)
