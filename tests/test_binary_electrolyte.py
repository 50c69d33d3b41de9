"""Verification of the binary-electrolyte model (fem.transport).

* a manufactured solution of the coupled c-phi system with the concentration-
  and temperature-dependent LiPF6 correlations, Butler-Volmer electrodes and
  the galvanostatic constraint: observed rates in space (P1: L2 order 2) and
  in time (backward Euler: order 1);
* Sand's time at a planar electrode under constant current against the
  analytic semi-infinite result (constant properties);
* the steady limiting current of a symmetric cell against 2 F D c0 / (t_a L);
* salt conservation to solver tolerance;
* the same answers on 1 and 2 ranks;
* bad input refused before any work.
"""

from __future__ import annotations

import math

import dolfinx.fem
import numpy as np
import pytest
import ufl
from binary_cells import interval_cell, rectangle_cell
from conftest import convergence_rates
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, thermal_voltage
from fem.transport import (
    BinaryElectrolyte,
    BinaryElectrolyteProblem,
    ConcentrationKinetics,
    TimeStepping,
    binary_electrolyte,
    depletion_time,
    limiting_current_density,
    sand_time,
)
from fem.validation import ParameterError
from geometries.structured import electrolyte_slab

T_ROOM = 298.15
C0 = 1000.0
D_CONST, T_PLUS = 3e-10, 0.4


def _dilute(kinetics_i0: float = 30.0) -> BinaryElectrolyte:
    return BinaryElectrolyte.constant(D_CONST, T_PLUS, 1.0, C0, ConcentrationKinetics(kinetics_i0, C0))


# -- manufactured solution -----------------------------------------------------------------------------

LENGTH = 100e-6  # m
END_TIME = 5.0  # s (the diffusion time L^2/D is about 30 s)
WORKING_POTENTIAL = -0.03  # V, the exact E_w(t)


def _space_solution(x, t, mod):
    """(c / c0, phi F / RT, d(c / c0)/dt): smooth in space, linear in t (backward Euler exact in time)."""
    s = 1.0 + t / END_TIME
    theta = 1.0 + 0.2 * s * mod.cos(math.pi * x[0] / LENGTH) * mod.cos(math.pi * x[1] / LENGTH)
    dtheta = 0.2 / END_TIME * mod.cos(math.pi * x[0] / LENGTH) * mod.cos(math.pi * x[1] / LENGTH)
    psi = s * (1.0 + mod.sin(0.5 * math.pi * x[0] / LENGTH) * mod.cos(math.pi * x[1] / LENGTH))
    return theta, psi, dtheta


def _time_solution(x, t, mod):
    """Linear in x (exact in P1), nonlinear in t: only the time discretisation errs."""
    a = 0.3 * mod.sin(0.5 * math.pi * t / END_TIME) if mod is ufl else 0.3 * math.sin(0.5 * math.pi * t / END_TIME)
    da = (
        0.3
        * 0.5
        * math.pi
        / END_TIME
        * (mod.cos(0.5 * math.pi * t / END_TIME) if mod is ufl else math.cos(0.5 * math.pi * t / END_TIME))
    )
    theta = 1.0 + a * (x[0] / LENGTH - 0.5)
    psi = (1.0 + a) * (0.5 + x[0] / LENGTH)
    return theta, psi, da * (x[0] / LENGTH - 0.5)


def _mms_run(solution, cells: int, steps: int, comm=MPI.COMM_WORLD) -> tuple[float, float, float]:
    """L2 errors of c / c0 and phi F / RT (relative to their L2 norms) and |E_w - E_exact| / (RT/F) at END_TIME."""
    el = binary_electrolyte("LiPF6_Valoen2005")
    md = rectangle_cell(comm, LENGTH, LENGTH, cells)
    vt = thermal_voltage(T_ROOM)
    x = ufl.SpatialCoordinate(md.mesh)
    n = ufl.FacetNormal(md.mesh)
    metadata = {"quadrature_degree": 8}
    ds = ufl.Measure("ds", domain=md.mesh, subdomain_data=md.facet_tags, metadata=metadata)
    dx = ufl.Measure("dx", domain=md.mesh, metadata=metadata)
    ds_w, ds_c = ds(md.facet_id("li_sse")), ds(md.facet_id("top"))
    exact: dict[str, object] = {}

    def extra_terms(c, phi, w, v, time):
        """Sources and boundary data that make the exact solution solve the discrete problem's equations."""
        theta_ex, psi_ex, dtheta_ex = solution(x, time, ufl)
        c_ex, phi_ex = C0 * theta_ex, vt * psi_ex
        kappa_d = el.diffusion_potential_conductivity(c_ex, T_ROOM, ufl)
        current = -el.conductivity(c_ex, T_ROOM, ufl) * ufl.grad(phi_ex) + kappa_d * ufl.grad(c_ex) / c_ex
        t_plus = el.transference_number(c_ex, T_ROOM, ufl)
        flux = -el.diffusivity(c_ex, T_ROOM, ufl) * ufl.grad(c_ex) + t_plus * current / FARADAY_C_PER_MOL
        i_working = -el.kinetics.current_density(c_ex, WORKING_POTENTIAL - phi_ex, T_ROOM, ufl)
        i_counter = -el.kinetics.current_density(c_ex, 0.0 - phi_ex, T_ROOM, ufl)
        exact.update(theta=theta_ex, psi=psi_ex, total_current=dolfinx.fem.form(i_working * ds_w), time=time)
        mass = -(C0 * dtheta_ex + ufl.div(flux)) * w * dx + ufl.dot(flux, n) * w * ds
        mass -= i_working / FARADAY_C_PER_MOL * w * ds_w + i_counter / FARADAY_C_PER_MOL * w * ds_c
        charge = -ufl.div(current) * v * dx + ufl.dot(current, n) * v * ds - i_working * v * ds_w
        return mass, charge - i_counter * v * ds_c

    problem = BinaryElectrolyteProblem(md, el, T_ROOM, quadrature_degree=8, extra_terms=extra_terms)
    problem.set_state(lambda p: C0 * solution(p, 0.0, np)[0], lambda p: vt * solution(p, 0.0, np)[1])
    problem.working_potential.value = WORKING_POTENTIAL
    time = exact["time"]
    dt = END_TIME / steps
    for k in range(steps):
        time.value = (k + 1) * dt  # the galvanostatic current of the exact solution at the end of the step
        problem.plating_current.value = comm.allreduce(dolfinx.fem.assemble_scalar(exact["total_current"]), op=MPI.SUM)
        time.value = k * dt
        problem.advance(dt)
    theta_ex, psi_ex = exact["theta"], exact["psi"]
    theta_h, psi_h = ufl.split(problem.u)

    def norm(expr):
        return math.sqrt(comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(expr**2 * dx)), op=MPI.SUM))

    errors = (norm(theta_h - theta_ex) / norm(theta_ex), norm(psi_h - psi_ex) / norm(psi_ex))
    return *errors, abs(problem.working_potential_V - WORKING_POTENTIAL) / vt


def test_manufactured_solution_space_rate():
    cells = [6, 12, 24]
    errors = [_mms_run(_space_solution, n, 2) for n in cells]
    sizes = [1.0 / n for n in cells]
    rates_c = convergence_rates(sizes, [e[0] for e in errors])
    rates_phi = convergence_rates(sizes, [e[1] for e in errors])
    print("MMS space: errors", errors, "rates c", rates_c, "phi", rates_phi)
    assert min(rates_c) > 1.85 and min(rates_phi) > 1.85  # P1 in L2: 2
    assert errors[-1][2] < 0.05  # E_w within a few % of RT/F on the finest mesh


def test_manufactured_solution_time_rate():
    steps = [4, 8, 16]
    errors = [_mms_run(_time_solution, 4, k) for k in steps]
    rates_c = convergence_rates([1.0 / k for k in steps], [e[0] for e in errors])
    rates_phi = convergence_rates([1.0 / k for k in steps], [e[1] for e in errors])
    rates_e = convergence_rates([1.0 / k for k in steps], [e[2] for e in errors])
    print("MMS time: errors", errors, "rates c", rates_c, "phi", rates_phi, "E", rates_e)
    assert all(0.9 < r < 1.2 for r in rates_c + rates_phi + rates_e)  # backward Euler: 1


# -- Sand's time ---------------------------------------------------------------------------------------


def _sand_run(comm, target_change: float = 0.01, cells: int = 100):
    current = 100.0  # A/m2 = 10 mA/cm2
    t_sand = sand_time(current, D_CONST, C0, T_PLUS)
    md = interval_cell(comm, 8.0 * math.sqrt(D_CONST * t_sand), cells, grading=2.0)  # 8 diffusion lengths
    problem = BinaryElectrolyteProblem(md, _dilute(), T_ROOM)
    problem.set_current_density(current)
    threshold = 1e-3 * C0
    stepping = TimeStepping(initial_step_s=1e-5 * t_sand, target_change=target_change, max_growth=1.3)
    result = problem.run(3.0 * t_sand, stepping, depletion_threshold_mol_m3=threshold)
    return result, depletion_time(threshold, current, D_CONST, C0, T_PLUS), current


def test_sand_time_planar_against_analytic(comm):
    result, expected, current = _sand_run(comm)
    event = result.event
    assert event is not None
    error = event.time_s / expected - 1.0
    print(f"Sand: {event.time_s:.5g} s vs {expected:.5g} s ({100 * error:+.3f} %), steps {result.steps}")
    assert abs(error) < 0.01
    assert event.surface_concentration_mol_m3 == pytest.approx(1.0, abs=1e-4 * C0)
    assert event.location_m[0] == pytest.approx(0.0, abs=1e-12)
    assert event.local_current_density_A_m2 == pytest.approx(current, rel=1e-8)  # 1D: local = nominal
    assert result.max_salt_change_relative < 1e-12


def test_sand_time_error_first_order_in_step_target(comm):
    """Backward Euler: halving the per-step change target halves the Sand's-time error."""
    coarse = _sand_run(comm, 0.02)
    fine = _sand_run(comm, 0.01)
    e_coarse = coarse[0].event.time_s / coarse[1] - 1.0
    e_fine = fine[0].event.time_s / fine[1] - 1.0
    print(f"Sand error {100 * e_coarse:.3f} % -> {100 * e_fine:.3f} %")
    assert 1.6 < e_coarse / e_fine < 2.4


# -- limiting current and conservation --------------------------------------------------------------------


def test_limiting_current_symmetric_cell(comm):
    thickness = 50e-6
    i_lim = limiting_current_density(thickness, D_CONST, C0, T_PLUS)
    md = interval_cell(comm, thickness, 40)
    problem = BinaryElectrolyteProblem(md, _dilute(), T_ROOM)
    current = 0.6 * i_lim
    problem.set_current_density(current)
    diffusion_time = thickness**2 / D_CONST
    stepping = TimeStepping(initial_step_s=1e-4 * diffusion_time, max_growth=4.0, target_change=0.2)
    result = problem.run(1e4 * diffusion_time, stepping, steady_tolerance=1e-10)
    assert result.steady
    c_min = problem.surface_minimum()[0]
    measured = current / (1.0 - c_min / C0)  # linear steady profile: c_s = c0 (1 - i / i_lim)
    print(f"limiting current {measured:.6g} vs {i_lim:.6g} A/m2 ({100 * (measured / i_lim - 1):+.2e} %)")
    assert measured == pytest.approx(i_lim, rel=1e-6)
    assert result.max_salt_change_relative < 1e-12
    working, counter = problem.electrode_currents_A()
    assert working == pytest.approx(current * problem.reference_area_m2, rel=1e-9)
    assert working + counter == pytest.approx(0.0, abs=1e-9 * abs(working))
    # potentiostatic at the steady galvanostatic potential: the same current
    problem.set_working_potential(problem.working_potential_V)
    problem.advance(10.0 * diffusion_time)
    assert problem.electrode_currents_A()[0] == pytest.approx(working, rel=1e-7)


def test_salt_conserved_with_concentration_dependent_properties(comm):
    md = rectangle_cell(comm, 50e-6, 20e-6, 8)
    problem = BinaryElectrolyteProblem(md, binary_electrolyte("LiPF6_Valoen2005"), T_ROOM)
    problem.set_current_density(2000.0)  # 200 mA/cm2: strong polarisation
    result = problem.run(0.5, TimeStepping(initial_step_s=1e-3, target_change=0.05))
    print("salt change", result.max_salt_change_relative, "c_min", min(result.min_surface_concentration_mol_m3))
    assert min(result.min_surface_concentration_mol_m3) < 0.8 * C0  # depleted markedly
    assert result.max_salt_change_relative < 1e-11


# -- 1 and 2 ranks -------------------------------------------------------------------------------------


def _slab_run(comm, linear_solver="direct"):
    """3D slab, LiPF6 with its concentration-dependent properties, plating until the surface runs dry."""
    md = electrolyte_slab(comm, 5e-6, 10e-6, 2, 24)
    problem = BinaryElectrolyteProblem(md, binary_electrolyte("LiPF6_Valoen2005"), T_ROOM, linear_solver=linear_solver)
    problem.set_current_density(2e4)  # 2 A/cm2, about 4 x the limiting current of 10 um
    return problem.run(1.0, TimeStepping(initial_step_s=1e-6, target_change=0.05), depletion_threshold_mol_m3=10.0)


@pytest.mark.mpi
@pytest.mark.parametrize("run", [lambda comm: _sand_run(comm, 0.04, 60)[0], _slab_run], ids=["1D", "3D"])
def test_same_answers_on_any_number_of_ranks(run):
    alone = run(MPI.COMM_SELF)
    shared = run(MPI.COMM_WORLD)
    print(f"depletion at {shared.event.time_s:.6g} s on {MPI.COMM_WORLD.size} ranks, {alone.event.time_s:.6g} s on 1")
    assert shared.event.time_s == pytest.approx(alone.event.time_s, rel=1e-8)
    assert shared.steps == alone.steps
    assert shared.event.working_potential_V == pytest.approx(alone.event.working_potential_V, rel=1e-8)
    assert np.allclose(shared.salt_amount_mol, alone.salt_amount_mol, rtol=1e-10)


def test_iterative_solver_gives_the_direct_answer(comm):
    """GMRES + fieldsplit Schur / BoomerAMG: the same galvanostatic steps as MUMPS LU (3D slab, LiPF6)."""
    md = electrolyte_slab(comm, 5e-6, 10e-6, 2, 12)
    states, reports = [], []
    for solver in ("direct", "iterative"):
        problem = BinaryElectrolyteProblem(md, binary_electrolyte("LiPF6_Valoen2005"), T_ROOM, linear_solver=solver)
        problem.set_current_density(2e4)
        reports.append([problem.advance(dt) for dt in (1e-6, 1e-5, 1e-4)])
        states.append((problem.concentration().x.array.copy(), problem.working_potential_V, problem.salt_amount_mol()))
        problem.destroy()
    (c_direct, e_direct, salt_direct), (c_iter, e_iter, salt_iter) = states
    assert np.allclose(c_iter, c_direct, rtol=1e-8, atol=1e-8 * C0)
    assert e_iter == pytest.approx(e_direct, rel=1e-8)
    assert salt_iter == pytest.approx(salt_direct, rel=1e-12)
    krylov = sum(r.krylov_iterations for r in reports[1])
    newton = sum(r.newton_iterations for r in reports[1])
    print(f"iterative: {krylov} Krylov iterations in {newton} Newton iterations")
    assert krylov > 2 * newton  # it did iterate (LU: one per solve)


def test_unknown_linear_solver_refused(comm):
    md = interval_cell(comm, 50e-6, 4)
    with pytest.raises(ParameterError, match="linear_solver = 'cholesky' is not one of"):
        BinaryElectrolyteProblem(md, binary_electrolyte("LiPF6_Valoen2005"), T_ROOM, linear_solver="cholesky")


# -- refusals ------------------------------------------------------------------------------------------

KIN = ConcentrationKinetics(30.0, C0)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: BinaryElectrolyte.constant(-1e-10, 0.4, 1.0, C0, KIN), "diffusivity_m2_s = -1e-10"),
        (lambda: BinaryElectrolyte.constant(1e-10, 1.0, 1.0, C0, KIN), "transference_number = 1.0"),
        (lambda: BinaryElectrolyte.constant(1e-10, -0.1, 1.0, C0, KIN), "transference_number = -0.1"),
        (lambda: BinaryElectrolyte.constant(1e-10, 0.4, 1.0, 0.0, KIN), "concentration_mol_m3 = 0.0"),
        (lambda: ConcentrationKinetics(0.0, C0), "exchange_current_density_A_m2 = 0.0"),
        (lambda: binary_electrolyte("water"), "electrolyte = 'water' is not one of"),
        (lambda: sand_time(10.0, 1e-10, C0, 1.2), "transference_number = 1.2"),
        (lambda: TimeStepping(initial_step_s=0.0), "initial_step_s = 0.0"),
    ],
)
def test_bad_input_refused(build, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(".", r"\.")):
        build()


def test_problem_refuses_bad_state_before_building(comm):
    md = interval_cell(comm, 50e-6, 4)
    el = binary_electrolyte("LiPF6_Valoen2005")
    with pytest.raises(ParameterError, match="temperature_K = 400"):
        BinaryElectrolyteProblem(md, el, 400.0)
    with pytest.raises(ParameterError, match="initial_concentration_mol_m3 = -5"):
        BinaryElectrolyteProblem(md, el, T_ROOM, initial_concentration_mol_m3=-5.0)
    with pytest.raises(ParameterError, match="working = 'void' has no facets"):
        BinaryElectrolyteProblem(md, el, T_ROOM, working="void")


def test_sourced_property_values():
    """The Valoen & Reimers correlations at 1 M, 298 K give their published magnitudes."""
    props = binary_electrolyte("LiPF6_Valoen2005").properties_at(1000.0, 298.15)
    assert props["conductivity_S_m"] == pytest.approx(1.19, rel=0.01)
    assert props["diffusivity_m2_s"] == pytest.approx(3.2e-10, rel=0.02)
    assert props["transference_number"] == 0.38
    assert 1.5 < props["thermodynamic_factor"] < 3.0
    peo = binary_electrolyte("PEO_LiTFSI_90C")
    assert peo.properties_at(1500.0, 363.15)["diffusivity_m2_s"] == 1.0e-11


def test_readme_example_runs(capsys):
    """The README's binary-electrolyte example runs as printed and lands near Sand's formula."""
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, flags=re.S) if "BinaryElectrolyteProblem" in b)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    assert namespace["result"].event.time_s == pytest.approx(namespace["t_sand"], rel=0.01)
    assert "Li surface runs dry after" in capsys.readouterr().out or MPI.COMM_WORLD.rank != 0
