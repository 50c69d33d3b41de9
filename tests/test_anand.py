"""Verification of Anand viscoplasticity for Li (fem.mechanics.anand, Anand & Narayan, J. Electrochem. Soc.
166 (2019) A1092) in the mechanics problem.

1. The local backward-Euler update (NumPy) satisfies the flow rule and the evolution of S to
   round-off over 7 decades of trial stress and 18 of time step, and its tangent coefficient
   is the derivative of the return-mapped stress.
2. Uniaxial creep at constant true stress and uniaxial tension at constant strain rate on a
   box (homogeneous state) against an accurate stiff ODE integration of the same law
   (scipy Radau, rtol 1e-11): first-order convergence in dt; one 10-minute step through the
   whole primary creep transient stays stable (12 % off), and in strain-controlled tension
   5 s steps, 250 times the explicit stability limit, are within 0.05 %.
3. Steady state: started at S = S*(nu_ss), backward Euler reproduces the steady creep rate
   exactly at any step; the rates at 0.2 and 0.6 MPa next to Masias's Norton fit.
4. Global Newton at hour-long steps on an inhomogeneous bilayer: quadratic convergence
   (observed order), and the same numbers on 1 and 2 ranks.
5. Bad parameters refused.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from mpi4py import MPI
from scipy.integrate import solve_ivp
from test_mechanics import _bilayer_problem, _orders, box, symmetry_rollers

from fem.materials import creep_law, mechanical_material
from fem.mechanics import Displacement, MechanicsProblem, Pressure
from fem.mechanics.anand import AnandViscoplasticity, anand_return_mapping, log_sinh
from fem.validation import ParameterError

# Anand & Narayan 2019 as quoted in PARAMETERS.md, typed independently of fem/data/materials.toml.
A_1_S, Q_J_MOL, M, S0_PA, H0_PA, S_TILDE_PA, N_SAT, A_HARD = 4.25e4, 37e3, 0.15, 0.95e6, 10e6, 2.0e6, 0.05, 2.0
E_PA, NU = 7.81e9, 0.38
R_J_MOL_K = 8.314462618
T_K = 298.15
RATE_FACTOR = A_1_S * math.exp(-Q_J_MOL / (R_J_MOL_K * T_K))  # A' = 1.40e-2 1/s at 298.15 K
LAW = AnandViscoplasticity(A_1_S, Q_J_MOL, M, S0_PA, H0_PA, S_TILDE_PA, N_SAT, A_HARD)
SIZE = 10e-6


def plastic_rate(sigma: float, S: float) -> float:
    """nu_p = A' sinh(sigma/S)^(1/m) (1/s)."""
    return RATE_FACTOR * math.sinh(sigma / S) ** (1.0 / M) if sigma > 0.0 else 0.0


def resistance_rate(nu: float, S: float) -> float:
    """S_dot = H0 |1 - S/S*|^a sign(1 - S/S*) nu (Pa/s), S* = S_tilde (nu/A')^n; 0 at nu = 0."""
    if nu == 0.0:
        return 0.0
    x = 1.0 - S / (S_TILDE_PA * (nu / RATE_FACTOR) ** N_SAT)
    return H0_PA * abs(x) ** A_HARD * math.copysign(1.0, x) * nu


def anand_problem(comm: MPI.Comm, boundary) -> MechanicsProblem:
    li = mechanical_material("Li_Anand")
    return MechanicsProblem(box(comm, SIZE, 1), {"lithium": li}, [*symmetry_rollers(), boundary])


# -- 1. the local update -------------------------------------------------------------
def test_local_update_solves_the_backward_euler_system_and_gives_the_tangent():
    G = E_PA / (2 * (1 + NU))
    q = np.logspace(2, 9, 71)  # 100 Pa .. 1 GPa trial stresses
    for s_old in (0.3e6, 0.95e6, 3e6):  # softening and hardening
        for dt in (1e-12, 1e-3, 1.0, 1e3, 1e6):
            r = anand_return_mapping(q, np.full_like(q, s_old), dt, LAW, T_K, G)
            assert np.all((r.z > 0) & (r.z <= 1)) and np.all(np.isfinite(r.gamma))
            dp = r.one_minus_z * q / (3 * G)
            S = r.resistance_Pa
            flow = dt * RATE_FACTOR * np.exp(log_sinh(r.z * q / S) / M)
            s_star = S_TILDE_PA * (dp / dt / RATE_FACTOR) ** N_SAT
            x = 1 - S / s_star
            np.testing.assert_allclose(dp, flow, rtol=2e-13)
            np.testing.assert_allclose(S, s_old + H0_PA * dp * np.abs(x) ** A_HARD * np.sign(x), rtol=1e-15)
            assert np.all((S - s_old) * (s_star - s_old) >= 0)  # S moves towards S*
            assert r.iterations <= 20
            h = 1e-6 * q  # d sigma_bar / d q = z - gamma, the n x n coefficient of the tangent
            plus = anand_return_mapping(q + h, np.full_like(q, s_old), dt, LAW, T_K, G)
            minus = anand_return_mapping(q - h, np.full_like(q, s_old), dt, LAW, T_K, G)
            slope = ((q + h) * plus.z - (q - h) * minus.z) / (2 * h)
            np.testing.assert_allclose(slope, r.z - r.gamma, rtol=1e-7)
    elastic = anand_return_mapping(q, np.full_like(q, S0_PA), 0.0, LAW, T_K, G)
    assert np.all(elastic.z == 1.0) and np.all(elastic.resistance_Pa == S0_PA)
    assert np.isnan(anand_return_mapping(np.array([np.nan]), np.array([S0_PA]), 1.0, LAW, T_K, G).z[0])


# -- 2. homogeneous tests against an ODE integration ----------------------------------------
def creep_rhs(stress: float):
    """Constant true stress: d eps_p/dt = nu_p(sigma, S) and dS/dt (S in MPa for the solver)."""

    def rhs(t, y):
        nu = plastic_rate(stress, y[1] * 1e6)
        return [nu, resistance_rate(nu, y[1] * 1e6) / 1e6]

    return rhs


def explicit_limit_s(rhs, y: np.ndarray) -> float:
    """2 / spectral radius of the Jacobian (central differences): forward Euler's stability limit."""
    J = np.empty((y.size, y.size))
    for j in range(y.size):
        h = 1e-7 * max(abs(y[j]), 1e-3)
        e = np.zeros(y.size)
        e[j] = h
        J[:, j] = (np.array(rhs(0.0, y + e)) - np.array(rhs(0.0, y - e))) / (2 * h)
    return 2.0 / np.max(np.abs(np.linalg.eigvals(J)))


def test_constant_stress_creep_matches_the_ode(comm):
    """0.6 MPa for 10 min: primary creep (S hardens from 0.95 MPa towards S*) into steady creep."""
    stress, t_end = 0.6e6, 600.0
    rhs = creep_rhs(stress)
    ode = solve_ivp(rhs, (0, t_end), [0.0, S0_PA / 1e6], method="Radau", rtol=1e-11, atol=1e-14)
    eps_ref, s_ref = ode.y[0, -1], ode.y[1, -1] * 1e6
    limit = explicit_limit_s(rhs, np.array([0.0, S0_PA / 1e6]))
    errors = []
    for steps in (1, 16, 64, 256):
        problem = anand_problem(comm, Pressure("top", stress))
        problem.step(0.0)
        for _ in range(steps):
            problem.step(t_end / steps)
        eps = problem.volume_average(problem.accumulated_creep_strain)
        S = problem.volume_average(problem.deformation_resistance)
        assert -problem.volume_average(problem.creep_strain[2, 2]) == pytest.approx(eps, rel=1e-12)
        errors.append(abs(eps / eps_ref - 1))
        print(f"{steps} steps: eps_p {eps:.6f} (ODE {eps_ref:.6f}), S {S:.1f} Pa (ODE {s_ref:.1f})")
        problem.destroy()
    rates = [math.log(errors[k] / errors[k + 1]) / math.log(4) for k in (1, 2)]
    print(f"relative errors {np.round(errors, 5)}, orders {np.round(rates, 3)}; explicit limit {limit:.3g} s")
    assert t_end > 7 * limit  # under constant stress the law is mildly stiff (83 s); strain control below: 250 x
    assert errors[0] < 0.15  # one step through the whole primary transient: stable, 12.5 % (first order)
    assert errors[-1] < 0.005
    assert 0.7 < rates[-1] < 1.2  # first order in dt


def test_constant_strain_rate_tension_matches_the_ode_far_above_the_explicit_limit(comm):
    """Tension at 1e-3 1/s for 20 s (2 %): elastic loading, then flow with hardening.
    The ODE: d sigma/dt = E (eps_dot - nu_p), dS/dt; steps of up to 5 s, 250 x the explicit limit."""
    rate, t_end = 1e-3, 20.0

    def rhs(t, y):
        nu = plastic_rate(y[0] * 1e6, y[1] * 1e6)
        return [E_PA * (rate - nu) / 1e6, resistance_rate(nu, y[1] * 1e6) / 1e6]

    ode = solve_ivp(rhs, (0, t_end), [0.0, S0_PA / 1e6], method="Radau", rtol=1e-11, atol=1e-12, first_step=1e-8)
    sigma_ref = ode.y[0, -1] * 1e6
    limit = explicit_limit_s(rhs, np.array([0.6, 0.95]))  # at the onset of flow
    errors = []
    for steps in (4, 8, 32):
        problem = anand_problem(comm, Displacement("top", 0.0, component=2))
        for k in range(1, steps + 1):
            problem.set_displacement("top", rate * t_end * k / steps * SIZE, component=2)
            problem.step(t_end / steps)
        sigma = problem.volume_average(problem.stress("lithium")[2, 2])
        errors.append(abs(sigma / sigma_ref - 1))
        dt = t_end / steps
        print(f"dt {dt:g} s ({dt / limit:.0f} x the explicit limit {limit:.3g} s): sigma {sigma:.1f} Pa")
        problem.destroy()
    print(f"ODE sigma {sigma_ref:.1f} Pa; relative errors {errors}")
    assert t_end / 4 > 200 * limit
    assert errors[0] < 1e-3  # 5 s steps
    assert math.log(errors[1] / errors[2]) / math.log(4) == pytest.approx(1.0, abs=0.15)


# -- 3. steady state ---------------------------------------------------------------------
@pytest.mark.parametrize("stress_MPa", [0.2, 0.6])
def test_steady_creep_rate_is_exact_at_any_step(comm, stress_MPa):
    """At S = S*(nu) the law is in steady state: sigma = S* asinh((nu/A')^m); backward Euler keeps
    it exactly, from one second to one day.  Compared with the Norton fit of Masias et al. 2019."""
    stress = stress_MPa * 1e6
    nu_ss = LAW.steady_state_rate_1_s(stress, T_K)
    x = nu_ss / RATE_FACTOR
    assert S_TILDE_PA * x**N_SAT * math.asinh(x**M) == pytest.approx(stress, rel=1e-12)
    s_star = S_TILDE_PA * x**N_SAT
    steady = AnandViscoplasticity(A_1_S, Q_J_MOL, M, s_star, H0_PA, S_TILDE_PA, N_SAT, A_HARD)
    li = mechanical_material("Li_Anand")
    li = type(li)(li.name, li.elastic, steady)
    problem = MechanicsProblem(box(comm, SIZE, 1), {"lithium": li}, [*symmetry_rollers(), Pressure("top", stress)])
    problem.step(0.0)
    before = 0.0
    for dt in (1.0, 3600.0, 86400.0):
        problem.step(dt)
        eps = problem.volume_average(problem.accumulated_creep_strain)
        assert (eps - before) / dt == pytest.approx(nu_ss, rel=1e-9)
        before = eps
    assert problem.volume_average(problem.deformation_resistance) == pytest.approx(s_star, rel=1e-12)
    norton = creep_law("Li_Masias2019").creep_rate_1_s(stress)
    print(f"{stress_MPa} MPa: Anand steady rate {nu_ss:.4e} 1/s (S* {s_star / 1e6:.4f} MPa), Norton {norton:.4e} 1/s")
    expected = {0.2: 1.4377e-7, 0.6: 3.8926e-5}[stress_MPa]  # from the closed form, 5 digits
    assert nu_ss == pytest.approx(expected, rel=1e-4)
    problem.destroy()


# -- 4. the global Newton iteration and ranks -----------------------------------------------
def test_newton_converges_quadratically_and_ranks_agree(comm):
    """Li (Anand) over LPSCl, wavy interface, confined, 5 MPa, plating strain; two steps of an hour.
    The final state is compared with the values of a 1-rank run (Newton to rtol 1e-10)."""
    problem, growth = _bilayer_problem(comm, 6, creep=mechanical_material("Li_Anand").creep)
    elastic = problem.step(0.0)
    floor = 1e-13 * elastic.residual_norms[0]
    growth.value = 2e-3
    for _ in range(2):
        step = problem.step(3600.0)
        r = step.residual_norms
        orders = _orders(r, floor)
        print(f"{step.newton_iterations} Newton ({step.krylov_iterations} CG), residuals {r}, orders {orders}")
        assert step.newton_iterations <= 6
        assert r[-1] < 1e-10 * r[0]
        assert orders[-1] > 1.75  # quadratic (1.86 and 1.90 measured)
    values = [
        problem.volume_average(problem.von_mises_stress("lithium"), "lithium"),
        problem.volume_average(problem.deformation_resistance, "lithium"),
        problem.volume_average(problem.accumulated_creep_strain, "lithium"),
    ]
    print(values)
    np.testing.assert_allclose(values, [110697.03221348, 951209.39214262, 2.4547269928778e-3], rtol=1e-8)
    problem.destroy()


# -- 5. refusals -------------------------------------------------------------------------
def test_parameter_set_and_bad_input_are_refused():
    law = creep_law("Li_Anand2019")
    assert isinstance(law, AnandViscoplasticity)
    assert (law.rate_prefactor_1_s, law.rate_sensitivity, law.initial_resistance_Pa) == (A_1_S, M, S0_PA)
    assert (law.hardening_modulus_Pa, law.saturation_coefficient_Pa) == (H0_PA, S_TILDE_PA)
    assert (law.saturation_exponent, law.hardening_exponent, law.activation_energy_J_mol) == (N_SAT, A_HARD, Q_J_MOL)
    assert "Anand & Narayan" in law.source
    li = mechanical_material("Li_Anand")
    assert li.elastic.youngs_modulus_Pa == E_PA and li.elastic.poisson_ratio == NU
    assert mechanical_material("Li", creep="Li_Anand2019").creep == law
    assert law.rate_factor_1_s(T_K) == pytest.approx(RATE_FACTOR, rel=1e-12)
    with pytest.raises(ParameterError, match=r"rate_sensitivity = 1.5 is outside the allowed range \(0, 1\]"):
        AnandViscoplasticity(A_1_S, Q_J_MOL, 1.5, S0_PA, H0_PA, S_TILDE_PA, N_SAT, A_HARD)
    with pytest.raises(ParameterError, match="hardening_modulus_Pa = -1.0 Pa"):
        AnandViscoplasticity(A_1_S, Q_J_MOL, M, S0_PA, -1.0, S_TILDE_PA, N_SAT, A_HARD)
    with pytest.raises(ParameterError, match="initial_resistance_Pa = 0.0"):
        AnandViscoplasticity(A_1_S, Q_J_MOL, M, 0.0, H0_PA, S_TILDE_PA, N_SAT, A_HARD)
    with pytest.raises(ParameterError, match="hardening_exponent = 0.5"):
        AnandViscoplasticity(A_1_S, Q_J_MOL, M, S0_PA, H0_PA, S_TILDE_PA, N_SAT, 0.5)
    with pytest.raises(ParameterError, match="temperature_K = -1"):
        law.rate_factor_1_s(-1.0)
    with pytest.raises(ParameterError, match="creep 'Li_Nobody' is not a known"):
        mechanical_material("Li", creep="Li_Nobody")
