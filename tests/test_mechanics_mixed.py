"""Verification of the mixed P1-P1 displacement-pressure mechanics (fem.mechanics.mixed).

1. Locking: one backward-Euler step of linear (n = 1) Norton creep from a
   stress-free state is linear elasticity with shear modulus G z,
   z = 1 / (1 + 3 G dt A' / sigma_ref) (the radial return: dp = dt A' z q / sigma_ref
   and z = 1 - 3 G dp / q give z (1 + 3 G dt A' / sigma_ref) = 1, independent of q;
   checked against norton_return_mapping).  dt is chosen so that K / (G z) = 1e5.
   Manufactured u* = curl of a smooth potential (divergence-free) plus a volumetric
   part of relative size G z / K (pressure ~ deviatoric stress), body force
   -div sigma(u*), u* on the whole boundary.  Displacement-only P1 locks (relative
   L2 error 0.21, 0.17, 0.16 on 4, 8, 16 cells per side: observed rates 0.3, 0.07);
   the mixed form converges at its rates (L2 1.85, 1.95; H1 0.97, 0.99).
2. Compressible agreement: at K / (G z) = 4 both formulations converge at the
   P1 rates and to each other.
3. Confined (oedometric) Norton creep of a Li cube (n = 6.56, Masias et al.), rollers
   on the sides and bottom, stack pressure on top: the state is uniform, and the
   lateral stress relaxes by the scalar backward-Euler recurrence
   q_k+1 + c dt A (q_k+1 / sigma_ref)^n = q_k, q = sigma_lateral - sigma_zz,
   c = E / (2 (1 - nu)), from q_0 = P (1 - 2 nu) / (1 - nu) (exact discrete solution,
   to round-off), which tends to the closed form
   q(t) = (q0^(1-n) + (n - 1) c A t / sigma_ref^n)^(1/(1-n)) at first order in dt.
4. Bad input refused before any work.
All assertions are on global (allreduced) quantities: the same on 1 and 2 ranks.
"""

from __future__ import annotations

import math

import dolfinx
import numpy as np
import pytest
import ufl
from mpi4py import MPI
from test_mechanics import box, symmetry_rollers

from fem.constants import ROOM_TEMPERATURE_K
from fem.materials import AnandViscoplasticity, CreepingSolid, LinearElastic, NortonCreep, mechanical_material
from fem.mechanics import Displacement, MechanicsProblem, Pressure, Roller, norton_return_mapping
from fem.mechanics.mixed import MixedMechanicsProblem
from fem.validation import ParameterError

LI = LinearElastic("Li", youngs_modulus_Pa=7.82e9, poisson_ratio=0.38)
K, G = LI.bulk_modulus_Pa, LI.shear_modulus_Pa
RATE_1_S, SIGMA_REF_PA = 1e-3, 1e6
LINEAR_CREEP = NortonCreep(rate_prefactor_1_s=RATE_1_S, reference_stress_Pa=SIGMA_REF_PA, stress_exponent=1.0)


def step_for(stiffness_ratio: float) -> tuple[float, float]:
    """(dt, z) of one linear-creep step with K / (G z) = stiffness_ratio."""
    z = K / (G * stiffness_ratio)
    return (1.0 / z - 1.0) * SIGMA_REF_PA / (3.0 * G * RATE_1_S), z


def u_star(x, mod, delta):
    """Divergence-free curl of (sin(pi y) sin(pi z), ...) / pi, scaled to 1e-3 m, plus delta (x^2, y^2, z^2)."""
    pi = math.pi
    return (
        1e-3 * mod.sin(pi * x[0]) * (mod.cos(pi * x[1]) - mod.cos(pi * x[2])) + delta * x[0] ** 2,
        1e-3 * mod.sin(pi * x[1]) * (mod.cos(pi * x[2]) - mod.cos(pi * x[0])) + delta * x[1] ** 2,
        1e-3 * mod.sin(pi * x[2]) * (mod.cos(pi * x[0]) - mod.cos(pi * x[1])) + delta * x[2] ** 2,
    )


def creep_step_solution(
    cls, n: int, stiffness_ratio: float, other: dolfinx.fem.Function | None = None
) -> tuple[float, float, float, dolfinx.fem.Function]:
    """Relative L2 and H1 errors of one manufactured linear-creep step on n^3 x 6 tetrahedra, the
    relative L2 distance to ``other`` (a displacement on the same mesh; nan without) and the displacement."""
    dt, z = step_for(stiffness_ratio)
    delta = 1e-3 * G * z / K
    md = box(MPI.COMM_WORLD, 1.0, n) if other is None else other.function_space.mesh_data
    mesh = md.mesh
    x = ufl.SpatialCoordinate(mesh)
    exact = ufl.as_vector(u_star(x, ufl, delta))
    eps = ufl.sym(ufl.grad(exact))
    sigma = K * ufl.tr(eps) * ufl.Identity(3) + 2.0 * G * z * ufl.dev(eps)
    faces = ("x0", "x1", "y0", "y1", "bottom", "top")
    bcs = [Displacement(face, lambda y: np.vstack(u_star(y, np, delta))) for face in faces]
    problem = cls(md, {"lithium": CreepingSolid("Li", LI, LINEAR_CREEP)}, bcs, body_force=-ufl.div(sigma))
    problem.step(dt)
    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": 5})

    def norm(form):
        return math.sqrt(mesh.comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form)), op=MPI.SUM))

    error = problem.u - exact
    size = norm(ufl.inner(exact, exact) * dx)
    l2 = norm(ufl.inner(error, error) * dx) / size
    h1 = norm(ufl.inner(ufl.grad(error), ufl.grad(error)) * dx) / norm(ufl.inner(ufl.grad(exact), ufl.grad(exact)) * dx)
    distance = math.nan if other is None else norm(ufl.inner(problem.u - other, problem.u - other) * dx) / size
    u = problem.u.copy()
    u.function_space.mesh_data = md  # the mesh with its tags, for a second formulation on the same mesh
    problem.destroy()
    return l2, h1, distance, u


def rates(meshes: list[int], errors: list[float]) -> np.ndarray:
    return np.log(np.array(errors[:-1]) / np.array(errors[1:])) / np.log(np.array(meshes[1:]) / np.array(meshes[:-1]))


def test_linear_creep_step_is_elasticity_with_shear_modulus_G_z():
    dt, z = step_for(1e5)
    q = np.logspace(3, 8, 6)
    result = norton_return_mapping(q, dt * LINEAR_CREEP.rate_factor_1_s(ROOM_TEMPERATURE_K), 1.0, SIGMA_REF_PA, G)
    np.testing.assert_allclose(result.z, z, rtol=1e-12)
    np.testing.assert_allclose(result.gamma, 0.0, atol=1e-15)  # n = 1: the tangent is 2 G z I_dev


MESHES = [4, 8, 16]


def test_displacement_p1_locks_and_mixed_p1_converges_at_its_rate():
    locking = [creep_step_solution(MechanicsProblem, n, 1e5) for n in MESHES]
    mixed = [creep_step_solution(MixedMechanicsProblem, n, 1e5) for n in MESHES]
    locking_l2 = [e[0] for e in locking]
    mixed_l2, mixed_h1 = [e[0] for e in mixed], [e[1] for e in mixed]
    if MPI.COMM_WORLD.rank == 0:
        print("displacement P1 L2", locking_l2, "rates", rates(MESHES, locking_l2))
        print("mixed P1-P1 L2", mixed_l2, "rates", rates(MESHES, mixed_l2), "H1", mixed_h1, rates(MESHES, mixed_h1))
    # measured: 0.21, 0.17, 0.16 (rates 0.27, 0.07)
    assert locking_l2[-1] > 0.1
    assert rates(MESHES, locking_l2)[-1] < 0.5
    # measured: 0.12, 0.034, 0.0088 (rates 1.85, 1.95); H1 0.35, 0.18, 0.091 (0.97, 0.99)
    assert np.all(rates(MESHES, mixed_l2) >= 1.8)
    assert np.all(rates(MESHES, mixed_h1) >= 0.9)
    assert mixed_l2[-1] < 0.1 * locking_l2[-1]


def test_formulations_agree_when_compressible():
    # K / (G z) = 4 (z = 0.96, nearly the elastic K / G = 3.84 of Li)
    displacement, mixed = [], []
    for n in MESHES:
        displacement.append(creep_step_solution(MechanicsProblem, n, 4.0))
        mixed.append(creep_step_solution(MixedMechanicsProblem, n, 4.0, other=displacement[-1][3]))
    distances = [m[2] for m in mixed]
    if MPI.COMM_WORLD.rank == 0:
        print("displacement L2", [d[0] for d in displacement], "mixed L2", [m[0] for m in mixed], "distance", distances)
    for errors in (displacement, mixed):
        assert rates(MESHES, [e[0] for e in errors])[-1] >= 1.8
        assert rates(MESHES, [e[1] for e in errors])[-1] >= 0.9
    # the two converge to the same solution: their distance (measured 0.024, 0.012, 0.0037: rates 1.0, 1.7)
    # falls towards the L2 rate and stays below either error (0.012 displacement, 0.0086 mixed at 16)
    assert rates(MESHES, distances)[-1] >= 1.5
    assert distances[-1] < min(displacement[-1][0], mixed[-1][0])


# -- 3. confined creep ----------------------------------------------------------
def lateral_stress_recurrence(q0: float, steps: list[float], c: float, rate: float, n: float) -> list[float]:
    """Backward Euler for dq/dt = -c rate (q / sigma_ref)^n, solved per step by bisection in log q."""
    out, q = [], q0
    for dt in steps:
        lo, hi = -60.0, math.log(q)
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            value = math.exp(mid) + c * dt * rate * (math.exp(mid) / SIGMA_REF_PA) ** n - q
            lo, hi = (mid, hi) if value < 0 else (lo, mid)
        q = math.exp(0.5 * (lo + hi))
        out.append(q)
    return out


@pytest.mark.parametrize("cls", [MixedMechanicsProblem, MechanicsProblem])
def test_confined_creep_relaxes_by_the_uniaxial_strain_recurrence(cls):
    li = mechanical_material("Li")
    E, nu = li.elastic.youngs_modulus_Pa, li.elastic.poisson_ratio
    creep = li.creep
    pressure = 5e6
    md = box(MPI.COMM_WORLD, 1e-5, 3)
    problem = cls(md, {"lithium": li}, [*symmetry_rollers(), Roller("x1"), Roller("y1"), Pressure("top", pressure)])
    rate = creep.rate_factor_1_s(problem.temperature_K)
    c = E / (2.0 * (1.0 - nu))
    q0 = pressure * (1.0 - 2.0 * nu) / (1.0 - nu)
    tau = q0 / (c * rate * (q0 / SIGMA_REF_PA) ** creep.stress_exponent)  # initial relaxation time (s)
    steps = [tau / 4] * 12
    expected = lateral_stress_recurrence(q0, steps, c, rate, creep.stress_exponent)

    def q_now() -> float:
        sigma = problem.stress("lithium")
        return problem.volume_average(sigma[0, 0] - sigma[2, 2])

    # elastic step: one Newton step, so the linear rtol 1e-10 leaves ~1e-7 in the mixed q (measured)
    problem.step(0.0)
    assert q_now() == pytest.approx(q0, rel=1e-6)
    assert problem.volume_average(problem.stress("lithium")[2, 2]) == pytest.approx(-pressure, rel=1e-6)
    t = 0.0
    deviations = []
    for dt, q in zip(steps, expected, strict=True):
        problem.step(dt)
        t += dt
        deviations.append(q_now() / q - 1.0)
    if MPI.COMM_WORLD.rank == 0:
        print(cls.__name__, "q/q_BE - 1:", np.abs(deviations).max(), "q_end/q0", expected[-1] / q0)
    assert np.abs(deviations).max() < 1e-9  # measured 3e-14 (mixed), 6e-12 (displacement)
    n = creep.stress_exponent
    closed = (q0 ** (1 - n) + (n - 1) * c * rate * t / SIGMA_REF_PA**n) ** (1 / (1 - n))
    assert expected[-1] == pytest.approx(closed, rel=0.05)  # backward Euler at dt = tau / 4: first order
    problem.destroy()


# -- 4. refusals ------------------------------------------------------------------
def test_unsupported_input_is_refused():
    md = box(MPI.COMM_WORLD, 1.0, 1)
    li = mechanical_material("Li")
    with pytest.raises(ParameterError, match="degree"):
        MixedMechanicsProblem(md, {"lithium": li}, degree=2)
    with pytest.raises(ParameterError, match="extra_residuals"):
        MixedMechanicsProblem(md, {"lithium": li}, extra_residuals=[lambda u, v: ufl.inner(u, v) * ufl.dx])
    auxetic = LinearElastic("auxetic", youngs_modulus_Pa=1e9, poisson_ratio=-0.1)
    with pytest.raises(ParameterError, match="Poisson"):
        MixedMechanicsProblem(md, {"lithium": auxetic})
    anand = mechanical_material("Li_Anand")
    assert isinstance(anand.creep, AnandViscoplasticity)
    with pytest.raises(ParameterError, match="Anand"):
        MixedMechanicsProblem(md, {"lithium": anand})
    with pytest.raises(ParameterError, match="min_radial_factor"):
        MixedMechanicsProblem(md, {"lithium": li}, min_radial_factor=0.0)


# -- 5. the benchmark's formulations on its layered creep problem -------------------
def test_benchmark_formulations_converge_to_the_same_global_answers():
    """Laterally confined Li on LPSCl under uniform load: each layer is in uniaxial strain, which P1
    displacement represents exactly; the mixed form's continuous pressure cannot jump at the
    Li | LPSCl interface, so its answers differ there by O(h) (measured: top displacement 1.4 % at
    2 boxes per side, 0.7 % at 4)."""
    from studies.benchmarks import mechanics as benchmark

    comm = MPI.COMM_WORLD
    gaps = []
    for n in (2, 4):
        rows = [benchmark.run_size(comm, n, 1, formulation=f) for f in ("displacement", "mixed")]
        assert rows[1]["num_dofs"] == rows[0]["num_dofs"] * 4 // 3
        gaps.append(abs(rows[1]["top_displacement_um"] / rows[0]["top_displacement_um"] - 1.0))
        assert rows[1]["mean_li_von_mises_MPa"] == pytest.approx(rows[0]["mean_li_von_mises_MPa"], rel=0.02)
    if comm.rank == 0:
        print("relative top-displacement gap", gaps)
    assert gaps[0] < 0.02
    assert gaps[1] < 0.6 * gaps[0]  # first order in h
    with pytest.raises(ParameterError, match="degree"):
        benchmark.main(["--out", "unused", "--formulation", "mixed", "--degree", "2"])
