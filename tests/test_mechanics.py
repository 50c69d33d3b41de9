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
6. Step halving, failure and refusal of bad input.
"""

from __future__ import annotations

import itertools
import math

import dolfinx
import dolfinx.mesh
import numpy as np
import pytest
import ufl
from conftest import convergence_rates, mms_rates
from mpi4py import MPI

from fem.materials import (
    CreepingSolid,
    LinearElastic,
    NortonCreep,
    creep_law,
    elastic_material,
    mechanical_material,
)
from fem.mechanics import (
    Displacement,
    MechanicsConvergenceError,
    MechanicsProblem,
    Pressure,
    Roller,
    norton_return_mapping,
)
from fem.mesh_io import MeshData
from fem.validation import ParameterError

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
