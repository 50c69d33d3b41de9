"""Verification of the mechanics core (elasticity and Li power-law creep).

1. Radial return (NumPy): the scalar backward-Euler equation is solved to
   round-off over 60 decades of dt A' (q/sigma_ref)^n, and d(sigma_eq)/d(q_trial)
   equals z - gamma, the coefficient of the consistent tangent.
2. Elasticity MMS: manufactured displacement with Dirichlet data on five faces
   and its traction on the sixth; observed L2 and H1 orders p+1 and p for P1, P2.
3. Uniaxial creep at constant stress (rollers on three symmetry planes,
   pressure on the top): the creep strain rate is A (sigma/sigma_ref)^n at 0.2
   and 0.6 MPa (Masias et al. 2019) and follows the Arrhenius factor.
4. Stress relaxation at fixed total strain against the closed-form Norton curve,
   with one step 4e4 times the explicit stability limit, first-order accuracy.
5. Global Newton at steps of an hour: consistent tangent (finite differences),
   <= 6 iterations with quadratically decreasing residuals.
6. Step halving, failure, saved states and refusal of bad input.
7. Field output (fem.mechanics.output): the VTX files, read back with the ADIOS2
   C library, hold the exact fields of a uniform-stress state.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import itertools
import math
from pathlib import Path

import dolfinx
import dolfinx.mesh
import numpy as np
import pytest
import ufl
from conftest import convergence_rates, mms_rates
from mpi4py import MPI
from petsc4py import PETSc

from fem.materials import (
    CreepingSolid,
    LinearElastic,
    NortonCreep,
    creep_law,
    elastic_material,
    mechanical_material,
)
from fem.mechanics import (
    MECHANICS_NEWTON_DEFAULTS,
    Displacement,
    MechanicsConvergenceError,
    MechanicsProblem,
    Pressure,
    Roller,
    norton_return_mapping,
    solver_options,
)
from fem.mechanics.output import FacetSide, MechanicsFieldWriter
from fem.mesh_io import MeshData
from fem.validation import ParameterError
from geometries.stack import li_strip_stack

# Masias et al., J. Mater. Sci. 54 (2019) 2585, as quoted in PARAMETERS.md: typed here
# independently of fem/data/materials.toml, so the tests also check the parameter set.
MASIAS_A_1_S, MASIAS_N, MASIAS_SIGMA_REF_PA = 7.7e-3, 6.56, 1.0e6
LI_E_PA = 7.82e9
FACETS = {"x0": 101, "x1": 102, "y0": 103, "y1": 104, "bottom": 10, "top": 11}
CELLS = {"sse": 1, "lithium": 2}


def box(comm: MPI.Comm, size: float, n: int, lithium=None) -> MeshData:
    """Cube [0, size]^3 of n^3 x 6 tetrahedra; each face its own facet region; cells
    'lithium' where ``lithium(midpoints)`` holds (everywhere by default), else 'sse'."""
    mesh = dolfinx.mesh.create_box(
        comm, [np.zeros(3), np.full(3, size)], [n, n, n], cell_type=dolfinx.mesh.CellType.tetrahedron
    )
    fdim, tdim = 2, 3
    mesh.topology.create_connectivity(fdim, tdim)
    planes = {"x0": (0, 0.0), "x1": (0, size), "y0": (1, 0.0), "y1": (1, size), "bottom": (2, 0.0), "top": (2, size)}
    indices, values = [], []
    for name, (axis, coordinate) in planes.items():
        found = dolfinx.mesh.locate_entities_boundary(
            mesh, fdim, lambda x, a=axis, c=coordinate: np.isclose(x[a], c, atol=1e-9 * size)
        )
        indices.append(found)
        values.append(np.full(found.size, FACETS[name]))
    facet_idx, first = np.unique(np.concatenate(indices), return_index=True)
    facet_tags = dolfinx.mesh.meshtags(
        mesh, fdim, facet_idx.astype(np.int32), np.concatenate(values)[first].astype(np.int32)
    )
    num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    cells = np.arange(num_cells, dtype=np.int32)
    midpoints = dolfinx.mesh.compute_midpoints(mesh, tdim, cells).T
    is_li = np.ones(num_cells, dtype=bool) if lithium is None else lithium(midpoints)
    cell_tags = dolfinx.mesh.meshtags(
        mesh, tdim, cells, np.where(is_li, CELLS["lithium"], CELLS["sse"]).astype(np.int32)
    )
    return MeshData(mesh, cell_tags, facet_tags, {"cells": dict(CELLS), "facets": dict(FACETS)})


def symmetry_rollers() -> list[Roller]:
    return [Roller("x0"), Roller("y0"), Roller("bottom")]


# -- 1. the local problem ---------------------------------------------------------
def test_return_mapping_solves_the_backward_euler_equation_and_gives_the_tangent():
    G, n, sigma_ref = 2.83e9, 6.56, 1e6
    q = np.logspace(3, 9, 61)  # 1 kPa .. 1 GPa trial stresses
    for dt_rate in (1e-30, 1e-12, 1e-4, 1.0, 1e4, 1e12):
        result = norton_return_mapping(q, dt_rate, n, sigma_ref, G)
        dp = result.one_minus_z * q / (3 * G)
        expected = dt_rate * (result.z * q / sigma_ref) ** n
        assert np.all((result.z > 0) & (result.z <= 1))
        np.testing.assert_allclose(dp, expected, rtol=1e-11)
        assert result.iterations <= 12
        # d sigma_eq / d q_trial = z - gamma (the n x n coefficient of the consistent tangent)
        h = 1e-6 * q
        plus = norton_return_mapping(q + h, dt_rate, n, sigma_ref, G)
        minus = norton_return_mapping(q - h, dt_rate, n, sigma_ref, G)
        slope = ((q + h) * plus.z - (q - h) * minus.z) / (2 * h)
        np.testing.assert_allclose(slope, result.z - result.gamma, rtol=1e-6, atol=1e-9)
    elastic = norton_return_mapping(q, 0.0, n, sigma_ref, G)
    assert np.all(elastic.z == 1.0) and np.all(elastic.gamma == 0.0)
    assert np.isnan(norton_return_mapping(np.array([np.nan]), 1.0, n, sigma_ref, G).z[0])


# -- 2. elasticity MMS ------------------------------------------------------------
def u_exact(x, mod):
    """Manufactured displacement (m) on the unit cube, O(1e-3)."""
    return (
        1e-3 * mod.sin(math.pi * x[0]) * mod.cos(0.8 * math.pi * x[1]) * (1 + x[2]),
        1e-3 * mod.cos(0.7 * math.pi * x[0]) * mod.sin(math.pi * x[2]) + 5e-4 * x[1] ** 2,
        1e-3 * mod.sin(0.6 * math.pi * x[1]) * mod.exp(0.5 * x[2]) * (1 + x[0] ** 2),
    )


def _mms_errors(n: int, degree: int) -> tuple[float, float]:
    md = box(MPI.COMM_WORLD, 1.0, n)
    mesh = md.mesh
    material = LinearElastic("test", youngs_modulus_Pa=22e9, poisson_ratio=0.3)
    x = ufl.SpatialCoordinate(mesh)
    u_ex = ufl.as_vector(u_exact(x, ufl))
    eps = ufl.sym(ufl.grad(u_ex))
    K, G = material.bulk_modulus_Pa, material.shear_modulus_Pa
    sigma = K * ufl.tr(eps) * ufl.Identity(3) + 2 * G * ufl.dev(eps)
    n_top = ufl.as_vector((0.0, 0.0, 1.0))
    dirichlet = [Displacement(face, lambda y: np.vstack(u_exact(y, np))) for face in ("x0", "x1", "y0", "y1", "bottom")]
    problem = MechanicsProblem(
        md,
        {"lithium": material},
        dirichlet,
        tractions={"top": ufl.dot(sigma, n_top)},
        body_force=-ufl.div(sigma),
        degree=degree,
    )
    problem.step(0.0)
    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": degree + 3})
    error = problem.u - u_ex

    def norm(form):
        return math.sqrt(mesh.comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form)), op=MPI.SUM))

    result = norm(ufl.inner(error, error) * dx), norm(ufl.inner(ufl.grad(error), ufl.grad(error)) * dx)
    problem.destroy()
    return result


@pytest.mark.parametrize(("degree", "meshes"), [(1, [4, 8, 16]), (2, [2, 4, 8])])
def test_elasticity_mms_convergence_rates(degree, meshes):
    errors = [_mms_errors(n, degree) for n in meshes]
    l2_rates, h1_rates = mms_rates(meshes, errors, f"P{degree}")
    assert l2_rates[-1] == pytest.approx(degree + 1, abs=0.15)
    assert h1_rates[-1] == pytest.approx(degree, abs=0.1)


# -- 3. uniaxial creep at constant stress -----------------------------------------
@pytest.mark.parametrize("stress_MPa", [0.2, 0.6])
def test_uniaxial_creep_rate_matches_masias_fit(stress_MPa):
    """Free lateral faces, pressure p on top: sigma_zz = -p uniform, so the axial creep
    rate must be -A (p/1 MPa)^n and the lateral ones +half that (volume-preserving)."""
    md = box(MPI.COMM_WORLD, 10e-6, 2)
    pressure = stress_MPa * 1e6
    problem = MechanicsProblem(
        md, {"lithium": mechanical_material("Li")}, [*symmetry_rollers(), Pressure("top", pressure)]
    )
    problem.step(0.0)  # elastic loading
    dt = 2.0
    problem.step(dt)
    rate = -problem.volume_average(problem.creep_strain[2, 2]) / dt
    lateral = problem.volume_average(problem.creep_strain[0, 0]) / dt
    sigma_zz = problem.volume_average(problem.stress("lithium")[2, 2])
    expected = MASIAS_A_1_S * stress_MPa**MASIAS_N  # 2.00e-7 1/s at 0.2 MPa, 2.70e-4 1/s at 0.6 MPa
    print(
        f"{stress_MPa} MPa: creep rate {rate:.6e} 1/s, Masias {expected:.6e} 1/s, rel. error {rate / expected - 1:.1e}"
    )
    assert sigma_zz == pytest.approx(-pressure, rel=1e-9)
    assert rate == pytest.approx(expected, rel=1e-8)
    assert lateral == pytest.approx(0.5 * expected, rel=1e-8)
    # the accumulated equivalent creep strain p equals the axial creep strain in uniaxial stress
    assert problem.volume_average(problem.accumulated_creep_strain) == pytest.approx(expected * dt, rel=1e-8)

    # Arrhenius: at 60 C the rate is exp(-Q/R (1/T - 1/T_ref)) = 4.80 times faster
    problem.temperature_K = 333.15
    before = problem.volume_average(problem.creep_strain[2, 2])
    problem.step(dt)
    hot_rate = -(problem.volume_average(problem.creep_strain[2, 2]) - before) / dt
    factor = math.exp(-37e3 / 8.314462618 * (1 / 333.15 - 1 / 298.15))
    assert hot_rate == pytest.approx(expected * factor, rel=1e-8)


# -- 4. stress relaxation ------------------------------------------------------------
def norton_relaxation_Pa(sigma0: float, t: float, E: float, rate_factor: float, n: float, sigma_ref: float) -> float:
    """Uniaxial stress relaxation at fixed total strain, exact.

    eps = sigma/E + eps_cr fixed and eps_dot_cr = A' (sigma/sigma_ref)^n give
    d sigma/dt = -E A' (sigma/sigma_ref)^n, whose solution is

        sigma(t) = sigma_ref [(sigma0/sigma_ref)^(1-n) + (n-1) (E/sigma_ref) A' t]^(1/(1-n)),

    i.e. sigma^(1-n) = sigma0^(1-n) + (n-1) E A' sigma_ref^(-n) t (A' in 1/s).
    """
    s = (sigma0 / sigma_ref) ** (1 - n) + (n - 1) * (E / sigma_ref) * rate_factor * t
    return sigma_ref * s ** (1 / (1 - n))


def backward_euler_relaxation_Pa(sigma0: float, duration: float, steps: int) -> float:
    """The same ODE by backward Euler, each step by bisection (independent of the code under test)."""
    sigma, dt = sigma0, duration / steps
    for _ in range(steps):
        lo, hi = 0.0, sigma
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            if mid + dt * LI_E_PA * MASIAS_A_1_S * (mid / MASIAS_SIGMA_REF_PA) ** MASIAS_N > sigma:
                hi = mid
            else:
                lo = mid
        sigma = 0.5 * (lo + hi)
    return sigma


def test_stress_relaxation_follows_norton_curve_stably_at_huge_steps():
    """Compressive strain held fixed (rollers, u_z prescribed on top, free lateral faces):
    uniaxial stress relaxing from 0.6 MPa for one hour.  The explicit (forward Euler)
    stability limit at 0.6 MPa is 2 / (E A' n (sigma0/sigma_ref)^(n-1) / sigma_ref) = 0.087 s;
    a single step of 3600 s is 4e4 times that."""
    md = box(MPI.COMM_WORLD, 10e-6, 1)
    sigma0, duration = 0.6e6, 3600.0
    exact = norton_relaxation_Pa(sigma0, duration, LI_E_PA, MASIAS_A_1_S, MASIAS_N, MASIAS_SIGMA_REF_PA)
    explicit_limit = 2.0 / (LI_E_PA * MASIAS_A_1_S * MASIAS_N * (sigma0 / MASIAS_SIGMA_REF_PA) ** (MASIAS_N - 1) / 1e6)
    assert duration / explicit_limit > 4e4
    steps_list, errors = [1, 2, 4, 8, 16], []
    for steps in steps_list:
        problem = MechanicsProblem(
            md,
            {"lithium": mechanical_material("Li")},
            [*symmetry_rollers(), Displacement("top", -sigma0 / LI_E_PA * 10e-6, component=2)],
        )
        problem.step(0.0)
        history = [-problem.volume_average(problem.stress("lithium")[2, 2])]
        assert history[0] == pytest.approx(sigma0, rel=1e-9)
        for _ in range(steps):
            problem.step(duration / steps)
            history.append(-problem.volume_average(problem.stress("lithium")[2, 2]))
        assert all(0.0 < b < a for a, b in itertools.pairwise(history))  # positive, monotone: stable
        # the discretisation is exact in space: the FE answer is the backward-Euler answer of the ODE
        assert history[-1] == pytest.approx(backward_euler_relaxation_Pa(sigma0, duration, steps), rel=1e-8)
        errors.append(abs(history[-1] - exact) / exact)
        problem.destroy()
    rates = convergence_rates([duration / s for s in steps_list], errors)
    print(
        f"exact sigma(1 h) = {exact:.1f} Pa; relative errors {[f'{e:.4f}' for e in errors]}, rates {np.round(rates, 3)}"
    )
    assert errors[0] < 0.75  # one step of 4e4 explicit limits: bounded (70 %), not blown up
    assert all(0.85 < r < 1.2 for r in rates)  # first order in dt


# -- 5. the global Newton iteration ------------------------------------------------
def _bilayer_problem(comm, n: int, petsc_options=None, creep=None):
    """Li above LPSCl with a wavy (staircase) interface, confined by rollers on all sides
    and the bottom, 5 MPa stack pressure on top and a plating eigenstrain in the Li
    growing linearly with x: an inhomogeneous, multiaxial creep problem."""
    size = 10e-6
    md = box(comm, size, n, lithium=lambda x: x[2] > size * (0.5 + 0.15 * np.sin(2 * np.pi * x[0] / size)))
    li = mechanical_material("Li") if creep is None else CreepingSolid("Li", elastic_material("Li"), creep)
    growth = dolfinx.fem.Constant(md.mesh, 0.0)
    x = ufl.SpatialCoordinate(md.mesh)
    bcs = [Roller(face) for face in ("x0", "x1", "y0", "y1", "bottom")] + [Pressure("top", 5e6)]
    problem = MechanicsProblem(
        md,
        {"lithium": li, "sse": mechanical_material("LPSCl")},
        bcs,
        growth_strain={"lithium": growth * x[0] / size},
        petsc_options=petsc_options,
    )
    return problem, growth


def _orders(residuals: list[float], floor: float) -> np.ndarray:
    """Observed orders log(r_k+1/r_k) / log(r_k/r_k-1) of the residuals above ``floor``."""
    r = np.array([x for x in residuals if x > floor])
    return np.log(r[2:] / r[1:-1]) / np.log(r[1:-1] / r[:-2])


def test_tangent_is_the_derivative_of_the_residual(comm):
    """Central differences of the residual along a random direction converge to J d as h^2."""
    problem, growth = _bilayer_problem(comm, 3)
    problem.step(0.0)
    growth.value = 2e-3
    problem.dt_s = 3600.0
    snes = problem.solver.snes
    x = problem.u.x.petsc_vec.copy()
    rng = np.random.default_rng(comm.rank)
    direction = x.duplicate()  # constrained rows are x - g: linear, exact in both
    direction.setArray(1e-9 * rng.standard_normal(direction.getLocalSize()))
    F0, Fp, Fm, Jd = (x.duplicate() for _ in range(4))
    snes.computeFunction(x, F0)
    J = snes.getJacobian()[0]
    snes.computeJacobian(x, J)
    J.mult(direction, Jd)
    mismatch = []
    for h in (1e-1, 1e-2, 1e-3):
        snes.computeFunction(x + h * direction, Fp)
        snes.computeFunction(x - h * direction, Fm)
        mismatch.append(((Fp - Fm) / (2 * h) - Jd).norm() / Jd.norm())
    print(f"relative mismatch of central differences {[f'{m:.2e}' for m in mismatch]}")
    assert mismatch[-1] < 1e-5
    assert mismatch[1] / mismatch[2] == pytest.approx(100, rel=0.2)  # O(h^2): the tangent is exact
    problem.destroy()


def test_newton_converges_quadratically_at_hour_long_steps(comm):
    """Two steps of an hour after the elastic loading: residual histories and observed orders."""
    problem, growth = _bilayer_problem(comm, 6)
    elastic = problem.step(0.0)
    assert elastic.newton_iterations <= 2
    # round-off floor of the residual: 1e-13 of the residual of the loads themselves
    floor = 1e-13 * elastic.residual_norms[0]
    growth.value = 2e-3  # 0.2 % plating strain at x = L
    steps = [problem.step(3600.0), problem.step(3600.0)]
    for step in steps:
        r = step.residual_norms
        orders = _orders(r, floor)
        print(
            f"dt 3600 s: {step.newton_iterations} Newton ({step.krylov_iterations} CG) iterations, "
            f"residuals {np.array2string(np.array(r), precision=2)}, orders {np.round(orders, 2)}"
        )
        assert step.newton_iterations <= 6
        ratios = np.array(r[1:]) / np.array(r[:-1])
        assert np.all(np.diff(ratios[1:]) < 0)  # contraction factors shrink: superlinear
        assert r[-1] < 1e-10 * r[0]
        assert orders[-1] > 1.75  # quadratic (1.87 and 1.92 measured)
    # creep relaxed the deviatoric stress of the Li substantially over two hours
    assert problem.volume_average(problem.von_mises_stress("lithium"), "lithium") < 0.5e6
    problem.destroy()


def test_linear_viscous_creep_needs_one_newton_step(comm):
    """n = 1 makes the step linear in u: an exact tangent converges in one iteration."""
    problem, growth = _bilayer_problem(comm, 4, {"ksp_rtol": 1e-13}, creep=NortonCreep(7.7e-3, 1e6, 1.0))
    problem.step(0.0)
    growth.value = 2e-3
    assert problem.step(3600.0).newton_iterations == 1
    problem.destroy()


# -- 6. failures and refusals -----------------------------------------------------
def test_step_halving_driver_records_failures_and_stays_exact(comm):
    md = box(comm, 10e-6, 1)
    problem = MechanicsProblem(
        md,
        {"lithium": mechanical_material("Li")},
        [*symmetry_rollers(), Pressure("top", 0.6e6)],
        petsc_options={"snes_max_it": 4},
    )
    problem.step(0.0)
    history = problem.advance(1.0, 1.0)
    assert history.failures and history.failures[0].dt_s == 1.0
    assert problem.time_s == pytest.approx(1.0, rel=1e-12)
    assert sum(step.dt_s for step in history.steps) == pytest.approx(1.0, rel=1e-12)
    # at constant stress backward Euler is exact whatever the steps
    creep = -problem.volume_average(problem.creep_strain[2, 2])
    assert creep == pytest.approx(MASIAS_A_1_S * 0.6**MASIAS_N, rel=1e-8)
    problem.destroy()


def test_failed_newton_raises_and_restores_the_state(comm):
    md = box(comm, 10e-6, 1)
    problem = MechanicsProblem(
        md,
        {"lithium": mechanical_material("Li")},
        [*symmetry_rollers(), Pressure("top", 0.6e6)],
        petsc_options={"snes_max_it": 2},
    )
    problem.step(0.0)
    u_before = problem.u.x.array.copy()
    with pytest.raises(MechanicsConvergenceError, match="dt = 100"):
        problem.step(100.0)
    assert problem.time_s == 0.0
    assert comm.allreduce(float(np.max(np.abs(problem.u.x.array - u_before))), op=MPI.MAX) == 0.0
    assert problem.volume_average(problem.creep_strain[2, 2]) == 0.0
    problem.destroy()


@pytest.mark.parametrize("lithium", ["Li", "Li_Anand"])
def test_saved_state_restores_exactly(comm, lithium):
    """save_state / restore_state: a detour with other loads, restored, then the original
    step again gives the original result to round-off (S included for Anand)."""
    problem, growth = _bilayer_problem(comm, 3, creep=mechanical_material(lithium).creep)
    problem.step(0.0)
    growth.value = 1e-3
    problem.step(600.0)
    saved = problem.save_state()
    problem.step(600.0)
    reference = [
        problem.volume_average(expr, "lithium")
        for expr in (problem.von_mises_stress("lithium"), problem.accumulated_creep_strain, problem.u[2])
    ]
    resistance = problem.volume_average(problem.deformation_resistance, "lithium")
    problem.restore_state(saved)
    assert problem.time_s == pytest.approx(600.0, rel=1e-15)
    problem.set_pressure("top", 8e6)  # detour: another load, two more steps
    growth.value = 3e-3
    problem.step(600.0)
    problem.step(600.0)
    detour = problem.volume_average(problem.deformation_resistance, "lithium")
    problem.restore_state(saved)
    problem.set_pressure("top", 5e6)
    growth.value = 1e-3
    problem.step(600.0)
    again = [
        problem.volume_average(expr, "lithium")
        for expr in (problem.von_mises_stress("lithium"), problem.accumulated_creep_strain, problem.u[2])
    ]
    print(f"{lithium}: reference {reference}, after the detour {again}")
    assert problem.time_s == pytest.approx(1200.0, rel=1e-15)
    assert reference[1] > 0.0 and reference[0] > 0.0
    np.testing.assert_allclose(again, reference, rtol=1e-9)
    assert problem.volume_average(problem.deformation_resistance, "lithium") == pytest.approx(resistance, rel=1e-12)
    if lithium == "Li_Anand":  # S evolved from S0 = 0.95 MPa, differently on the detour, and was restored
        print(f"mean S: {resistance:.1f} Pa, after the detour {detour:.1f} Pa")
        assert resistance - 0.95e6 > 100.0 and abs(detour - resistance) > 100.0
    other = MechanicsProblem(box(comm, 10e-6, 1), {"lithium": mechanical_material("Li")})
    with pytest.raises(ParameterError, match="restores only into the problem that saved it"):
        other.restore_state(saved)
    other.destroy()
    problem.destroy()


def test_direct_solver_override_leaves_no_unused_petsc_options(comm):
    """A MUMPS override of the CG + AMG defaults: the Krylov tolerances and the hypre options
    (PETSc would list them as "Option left" at exit) are not in the options database."""
    kept, dropped = solver_options(
        {**MECHANICS_NEWTON_DEFAULTS, "ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
    )
    assert "pc_hypre_type" in dropped and "ksp_rtol" in dropped and "pc_factor_mat_solver_type" in kept
    assert solver_options(MECHANICS_NEWTON_DEFAULTS)[1] == []  # CG + BoomerAMG reads them all
    direct = {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
    problem = MechanicsProblem(box(comm, 10e-6, 1), {"lithium": mechanical_material("Li")}, petsc_options=direct)
    prefix = problem.solver.prefix
    options = {key for key in PETSc.Options().getAll() if key.startswith(prefix)}
    assert f"{prefix}pc_factor_mat_solver_type" in options
    unused = {"ksp_rtol", "ksp_atol", "ksp_max_it", "ksp_norm_type", "pc_hypre_type", "pc_hypre_boomeramg_P_max"}
    assert not {f"{prefix}{key}" for key in unused} & options
    problem.destroy()


def test_parameter_sets_and_bad_input_are_refused(comm):
    li = mechanical_material("Li")
    assert isinstance(li, CreepingSolid)
    assert li.elastic.youngs_modulus_Pa == 7.82e9 and li.elastic.poisson_ratio == 0.38
    assert (li.creep.rate_prefactor_1_s, li.creep.stress_exponent) == (7.7e-3, 6.56)
    assert li.creep.activation_energy_J_mol == 37e3 and "Masias" in li.creep.source and "LePage" in li.creep.source
    assert isinstance(mechanical_material("LLZO"), LinearElastic)
    assert elastic_material("LPSCl").youngs_modulus_Pa == 22e9
    assert creep_law().rate_factor_1_s(298.15) == pytest.approx(7.7e-3)

    with pytest.raises(ParameterError, match="not a known parameter set"):
        mechanical_material("unobtainium")
    with pytest.raises(ParameterError, match="not a known parameter set"):
        mechanical_material("PEO_LiTFSI")  # no elastic constants in the set
    with pytest.raises(ParameterError, match="creep 'Li_Nobody' is not a known"):
        creep_law("Li_Nobody")
    with pytest.raises(ParameterError, match=r"stress_exponent = 0.5 is outside the allowed range \[1, 100\]"):
        NortonCreep(7.7e-3, 1e6, 0.5)
    with pytest.raises(ParameterError, match="poisson_ratio"):
        LinearElastic("bad", 1e9, 0.5)
    with pytest.raises(ParameterError, match="temperature_K"):
        li.creep.rate_factor_1_s(-10.0)
    with pytest.raises(ParameterError, match=r"top.pressure_Pa = -1000000.0 Pa is outside"):
        Pressure("top", -1e6)

    md = box(comm, 10e-6, 1)
    problem = MechanicsProblem(md, {"lithium": li}, [*symmetry_rollers(), Pressure("top", 1e6)])
    with pytest.raises(ParameterError, match="dt_s = -1.0 s"):
        problem.step(-1.0)
    with pytest.raises(ParameterError, match="temperature_K = -5"):
        problem.temperature_K = -5.0
    with pytest.raises(ParameterError, match="pressure_Pa"):
        problem.set_pressure("top", -2.0)
    with pytest.raises(ParameterError, match="no Pressure on facet region 'bottom'"):
        problem.set_pressure("bottom", 1.0)
    problem.destroy()
    with pytest.raises(ParameterError, match="cells belong to no region"):
        MechanicsProblem(box(comm, 10e-6, 2, lithium=lambda x: x[2] > 5e-6), {"lithium": li})
    with pytest.raises(ParameterError, match="3D mesh"):
        square = dolfinx.mesh.create_unit_square(comm, 2, 2)
        MechanicsProblem(MeshData(square, None, None, {"cells": {}, "facets": {}}), {"lithium": li})
    with pytest.raises(KeyError, match="no facet region 'lid'"):
        MechanicsProblem(md, {"lithium": li}, [Pressure("lid", 1e6)])


# -- 7. field output ----------------------------------------------------------------
def read_vtx(path: Path, names: tuple[str, ...], blocks: int) -> list[dict[str, np.ndarray]]:
    """Every step of the variables ``names`` (and the time ``step``) of a VTX .bp file, all
    ``blocks`` (writer ranks) concatenated, through the ADIOS2 C library of the container
    (ADIOS2 2.10 on Debian trixie, 2.12 on sid; enum values: read mode 2, sync get 5, read
    step mode 2)."""
    soname = ctypes.util.find_library("adios2_mpi_c")
    assert soname, "no ADIOS2 C library (libadios2_mpi_c) found"
    lib = ctypes.CDLL(soname)
    vp = ctypes.c_void_p
    for function, restype, argtypes in (
        ("adios2_init_serial", vp, []),
        ("adios2_declare_io", vp, [vp, ctypes.c_char_p]),
        ("adios2_open", vp, [vp, ctypes.c_char_p, ctypes.c_int]),
        ("adios2_begin_step", ctypes.c_int, [vp, ctypes.c_int, ctypes.c_float, ctypes.POINTER(ctypes.c_int)]),
        ("adios2_inquire_variable", vp, [vp, ctypes.c_char_p]),
        ("adios2_set_block_selection", ctypes.c_int, [vp, ctypes.c_size_t]),
        ("adios2_selection_size", ctypes.c_int, [ctypes.POINTER(ctypes.c_size_t), vp]),
        ("adios2_get", ctypes.c_int, [vp, vp, vp, ctypes.c_int]),
        ("adios2_end_step", ctypes.c_int, [vp]),
        ("adios2_close", ctypes.c_int, [vp]),
        ("adios2_finalize", ctypes.c_int, [vp]),
    ):
        getattr(lib, function).restype, getattr(lib, function).argtypes = restype, argtypes
    adios = lib.adios2_init_serial()
    io = lib.adios2_declare_io(adios, b"reader")
    engine = lib.adios2_open(io, str(path).encode(), 2)
    assert engine, f"cannot open {path}"
    status, steps = ctypes.c_int(), []
    while lib.adios2_begin_step(engine, 2, -1.0, ctypes.byref(status)) == 0 and status.value == 0:
        step = {}
        for name in ("step", *names):
            variable = lib.adios2_inquire_variable(io, name.encode())
            assert variable, f"no variable {name!r} in {path}"
            parts = []
            for block in range(1 if name == "step" else blocks):
                if name != "step":
                    assert lib.adios2_set_block_selection(variable, block) == 0
                size = ctypes.c_size_t()
                assert lib.adios2_selection_size(ctypes.byref(size), variable) == 0
                values = np.empty(max(size.value, 1))
                assert lib.adios2_get(engine, variable, values.ctypes.data, 5) == 0
                parts.append(values[: size.value] if name != "step" else values)
            step[name] = np.concatenate(parts)
        steps.append(step)
        lib.adios2_end_step(engine)
    lib.adios2_close(engine)
    lib.adios2_finalize(adios)
    return steps


def test_field_output_of_uniform_uniaxial_creep(comm, shared_tmp_path):
    """Pressure p on top, rollers on three symmetry planes: sigma = -p e_z e_z everywhere, so
    von Mises p, hydrostatic -p/3, normal traction -p on the top and 0 on the free side, and
    after a creep step of dt the accumulated creep strain A (p/1 MPa)^n dt.  The two written
    steps are read back from the .bp files."""
    p, dt, size = 0.6e6, 2.0, 10e-6
    problem = MechanicsProblem(
        box(comm, size, 2), {"lithium": mechanical_material("Li")}, [*symmetry_rollers(), Pressure("top", p)]
    )
    out = shared_tmp_path / "fields"
    with MechanicsFieldWriter(problem, out, ["top", "x1"]) as writer:
        problem.step(0.0)
        writer.write()
        problem.step(dt)
        writer.write()
        top, side = writer.tractions
        assert top.mean_normal_traction_Pa() == pytest.approx(-p, rel=1e-12)
        assert abs(side.mean_normal_traction_Pa()) < 1e-9 * p
        assert top.area_m2 == pytest.approx(size**2, rel=1e-12)
    creep = MASIAS_A_1_S * (p / 1e6) ** MASIAS_N * dt  # 5.40e-4
    E = LI_E_PA
    comm.barrier()
    if comm.rank != 0:
        return
    names = ("von_mises_stress_Pa", "hydrostatic_stress_Pa", "accumulated_creep_strain", "deformation_resistance_Pa")
    cells = read_vtx(out / "cell_fields.bp", names, comm.size)
    assert [float(s["step"][0]) for s in cells] == [0.0, dt]
    for step, p_acc in zip(cells, (0.0, creep), strict=True):
        np.testing.assert_allclose(step["von_mises_stress_Pa"], p, rtol=1e-10)
        np.testing.assert_allclose(step["hydrostatic_stress_Pa"], -p / 3, rtol=1e-10)
        np.testing.assert_allclose(step["accumulated_creep_strain"], p_acc, rtol=1e-8, atol=1e-20)
        assert np.all(step["deformation_resistance_Pa"] == 0.0)  # no Anand region
    stress = read_vtx(out / "stress_Pa.bp", ("stress_Pa",), comm.size)[-1]["stress_Pa"].reshape(-1, 9)
    np.testing.assert_allclose(stress[:, 8], -p, rtol=1e-10)
    assert np.max(np.abs(stress[:, :8])) < 1e-9 * p
    for name, expected in (("top", -p), ("x1", 0.0)):
        steps = read_vtx(out / f"normal_traction_{name}.bp", ("normal_traction_Pa", "shear_traction_Pa"), comm.size)
        assert len(steps) == 2
        np.testing.assert_allclose(steps[-1]["normal_traction_Pa"], expected, rtol=1e-10, atol=1e-9 * p)
        assert np.max(steps[-1]["shear_traction_Pa"]) < 1e-9 * p
    # u_z = eps_zz z with eps_zz = -p/E - creep: the top moves by -(p/E + creep) size
    u = read_vtx(out / "displacement_m.bp", ("displacement_m",), comm.size)[-1]["displacement_m"].reshape(-1, 3)
    assert u[:, 2].min() == pytest.approx(-(p / E + creep) * size, rel=1e-9)


def test_interface_traction_from_either_side(comm, shared_tmp_path):
    """Confined Li | LPSCl stack (rollers on the sides, pressure p on top): sigma_zz = -p in both
    layers, so the normal traction on the interior li_sse facets is -p seen from either side."""
    p = 2e6
    md = li_strip_stack(comm, 100e-6, 20e-6, 50e-6, 50e-6, 10e-6, 1, 2, 2, 0)
    materials = {"lithium": mechanical_material("Li_Anand"), "sse": mechanical_material("LPSCl")}
    problem = MechanicsProblem(md, materials, [Roller("bottom"), Roller("sides"), Pressure("top", p)])
    sides = [FacetSide("li_sse", "lithium"), FacetSide("li_sse", "sse")]
    with MechanicsFieldWriter(problem, shared_tmp_path / "stack", sides) as writer:
        problem.step(0.0)
        problem.step(100.0)
        writer.write()
        for traction in writer.tractions:
            assert traction.mean_normal_traction_Pa() == pytest.approx(-p, rel=1e-12)
        # Li creeps towards a hydrostatic state; S evolves from S0 = 0.95 MPa
        vm = writer.fields["von_mises_stress_Pa"]
        assert 0.0 < problem.volume_average(vm, "lithium") < problem.volume_average(vm, "sse")
    comm.barrier()
    if comm.rank == 0:
        for side in ("lithium", "sse"):
            step = read_vtx(
                shared_tmp_path / "stack" / f"normal_traction_li_sse_{side}.bp", ("normal_traction_Pa",), comm.size
            )
            np.testing.assert_allclose(step[-1]["normal_traction_Pa"], -p, rtol=1e-10)
    with pytest.raises(ParameterError, match="interior facets need side"):
        MechanicsFieldWriter(problem, shared_tmp_path / "refused", ["li_sse"])
    problem.destroy()
