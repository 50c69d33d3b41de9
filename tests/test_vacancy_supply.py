"""The Li-supply estimate (fem.vacancy.supply).

* creep closure of a void: the power-law hollow-sphere rate, and for n = 1 the
  viscous result dR/dt = -p R / (4 eta) with eta = sigma_ref / (3 A);
* the critical current is the sum of the two routes, the mechanism the larger.
"""

from __future__ import annotations

import math

import pytest

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import NortonCreep, creep_law
from fem.size_effect import size_strength_at
from fem.vacancy import (
    analytic,
    asperity_hardness_Pa,
    contact_stress_factor,
    critical_stripping_current,
    plastic_contact_fraction,
    vacancy_transport,
    void_closure_velocity_m_s,
)
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


def test_real_contact_is_bowden_tabor_and_scales_the_vacancy_route():
    """f_c = p / (3 sigma_y(a)) (Xu et al.'s 105 MPa at 1 um, 25 C: H = 315 MPa), capped at 1; the vacancy route
    carries f_c times the local supply, the creep route is unchanged; default f_c = 1 keeps the old estimate."""
    assert asperity_hardness_Pa(298.15, 1e-6) == pytest.approx(315e6, rel=1e-12)
    assert plastic_contact_fraction(3e6, 298.15, 1e-6) == pytest.approx(3.0 / 315.0, rel=1e-12)
    hot = 3.0 * size_strength_at(353.15).strength_Pa(10e-6)
    assert plastic_contact_fraction(5e6, 353.15, 10e-6) == pytest.approx(5e6 / hot, rel=1e-12)
    assert plastic_contact_fraction(1e9, 298.15, 1e-6) == 1.0
    params, creep = vacancy_transport(sink_spacing_m=1e-6), creep_law("Li_Masias2019")
    full = critical_stripping_current(params, creep, 298.15, 3e6, 100e-6, 0.5e-6)
    assert critical_stripping_current(params, creep, 298.15, 3e6, 100e-6, 0.5e-6, contact_fraction=1.0) == full
    patchy = critical_stripping_current(params, creep, 298.15, 3e6, 100e-6, 0.5e-6, contact_fraction=0.01)
    assert patchy.vacancy_A_m2 == pytest.approx(0.01 * full.vacancy_A_m2, rel=1e-12)
    assert patchy.creep_A_m2 == full.creep_A_m2
    # exp(-H Omega / RT) with H = 315 MPa, Omega = 13 cm3/mol at 25 C: exp(-1.652)
    assert contact_stress_factor(params, 298.15, 315e6) == pytest.approx(
        math.exp(-315e6 * 1.3e-5 / (8.314462618 * 298.15)), rel=1e-9
    )
    with pytest.raises(ParameterError, match="contact_fraction"):
        critical_stripping_current(params, creep, 298.15, 3e6, 100e-6, 0.5e-6, contact_fraction=1.5)
    with pytest.raises(ParameterError, match="pressure_Pa"):
        plastic_contact_fraction(-1.0, 298.15, 1e-6)
