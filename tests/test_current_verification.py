"""Verification of the secondary-current solver.

1. Manufactured solution with Butler-Volmer boundary terms: observed L2 and H1
   convergence orders for P1 and P2 (expected p+1 and p).
2. Exact planar (1D) solution with uniform contact: -div(kappa grad phi) = 0
   makes phi linear through the slab, so E_w = J L / kappa + eta(J) with
   eta the inverse of Butler-Volmer; reproduced to solver tolerance.
"""

from __future__ import annotations

import math

import dolfinx
import dolfinx.mesh
import numpy as np
import pytest
import ufl
from conftest import mms_rates
from mpi4py import MPI

from fem.constants import thermal_voltage
from fem.electrochemistry.analytic import butler_volmer_overpotential_V
from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem, electrode_flux, electrolyte_residual
from fem.materials import ButlerVolmer, Electrolyte
from fem.solvers import NewtonSolver, unique_prefix
from geometries.structured import electrolyte_slab

KAPPA = 0.18  # S/m
KINETICS = ButlerVolmer(exchange_current_density_A_m2=51.4, alpha_anodic=0.5, alpha_cathodic=0.5)


def phi_exact(x, mod):
    """Manufactured potential (V): O(0.1 V) so the kinetics are strongly nonlinear."""
    return 0.05 + 0.04 * mod.sin(1.3 * math.pi * x[0]) * mod.cos(0.9 * math.pi * x[1]) + 0.02 * x[0] * x[1]


def _unit_square(n: int) -> dolfinx.mesh.Mesh:
    return dolfinx.mesh.create_unit_square(MPI.COMM_WORLD, n, n)


def _mms_errors(n: int, degree: int, make_mesh=_unit_square) -> tuple[float, float]:
    """Solve the MMS problem on a unit square/cube with n cells a side; return (L2, H1-seminorm) errors.

    Kinetics on x = 0 (anodic) and y = 0 (cathodic), Dirichlet on x = 1 and y = 1, zero
    normal flux of the manufactured field elsewhere (the z faces in 3D: u_ex does not depend on z).
    """
    mesh = make_mesh(n)
    fdim = mesh.topology.dim - 1
    left = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[0], 0.0))
    bottom = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[1], 0.0) & (x[0] > 0))
    indices = np.concatenate([left, bottom]).astype(np.int32)
    values = np.concatenate([np.full(left.size, 1), np.full(bottom.size, 2)]).astype(np.int32)
    order = np.argsort(indices)
    tags = dolfinx.mesh.meshtags(mesh, fdim, indices[order], values[order])
    ds = ufl.Measure("ds", domain=mesh, subdomain_data=tags)

    V = dolfinx.fem.functionspace(mesh, ("Lagrange", degree))
    phi = dolfinx.fem.Function(V)
    v = ufl.TestFunction(V)
    x = ufl.SpatialCoordinate(mesh)
    u_ex = phi_exact(x, ufl)
    kappa = dolfinx.fem.Constant(mesh, KAPPA)
    E_left = dolfinx.fem.Constant(mesh, 0.15)  # anodic: eta ~ +0.1 V
    E_bottom = dolfinx.fem.Constant(mesh, -0.05)  # cathodic: eta ~ -0.1 V
    n_vec = ufl.FacetNormal(mesh)
    source = -ufl.div(kappa * ufl.grad(u_ex))
    residual = electrolyte_residual(phi, v, kappa, [(KINETICS, E_left, ds(1)), (KINETICS, E_bottom, ds(2))])
    residual -= source * v * ufl.dx
    for E, tag in ((E_left, 1), (E_bottom, 2)):  # g = kappa grad u_ex . n - i(E - u_ex)
        g = kappa * ufl.dot(ufl.grad(u_ex), n_vec) - electrode_flux(KINETICS, E, u_ex)
        residual -= g * v * ds(tag)

    dirichlet = dolfinx.mesh.locate_entities_boundary(mesh, fdim, lambda x: np.isclose(x[0], 1) | np.isclose(x[1], 1))
    u_bc = dolfinx.fem.Function(V)
    u_bc.interpolate(lambda x: phi_exact(x, np))
    bc = dolfinx.fem.dirichletbc(u_bc, dolfinx.fem.locate_dofs_topological(V, fdim, dirichlet))
    bc.set(phi.x.array)
    solver = NewtonSolver(residual, phi, [bc], unique_prefix("mms"), {"snes_atol": 1e-14, "snes_rtol": 1e-12})
    stats = solver.solve()
    assert stats.newton_iterations >= 2  # genuinely nonlinear
    solver.destroy()

    dx = ufl.Measure("dx", domain=mesh, metadata={"quadrature_degree": degree + 3})
    error = phi - u_ex

    def norm(form):
        return math.sqrt(mesh.comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form))))

    return norm(error**2 * dx), norm(ufl.inner(ufl.grad(error), ufl.grad(error)) * dx)


@pytest.mark.parametrize(("degree", "meshes"), [(1, [8, 16, 32, 64]), (2, [4, 8, 16, 32])])
def test_mms_butler_volmer_convergence_rates(degree, meshes):
    errors = [_mms_errors(n, degree) for n in meshes]
    l2_rates, h1_rates = mms_rates(meshes, errors, f"P{degree}")
    assert l2_rates[-1] == pytest.approx(degree + 1, abs=0.1)
    assert h1_rates[-1] == pytest.approx(degree, abs=0.1)


@pytest.mark.parametrize("degree", [1, 2])
@pytest.mark.parametrize(("alpha_a", "current_density"), [(0.5, 10.0), (0.5, -30.0), (0.7, 100.0)])
def test_exact_planar_solution(comm, degree, alpha_a, current_density):
    footprint, thickness = 20e-6, 30e-6
    kinetics = ButlerVolmer(51.4, alpha_anodic=alpha_a, alpha_cathodic=1.0 - alpha_a)
    md = electrolyte_slab(comm, footprint, thickness, 3, 4)
    problem = SecondaryCurrentProblem(md, Electrolyte("test", KAPPA), Electrode("li_sse", kinetics), degree=degree)
    total = current_density * footprint**2
    solution = problem.solve_galvanostatic(total)
    eta = butler_volmer_overpotential_V(kinetics, current_density)
    expected = current_density * thickness / KAPPA + eta
    assert solution.total_current_A == pytest.approx(total, rel=1e-10)
    assert solution.working_potential_V == pytest.approx(expected, rel=1e-9, abs=1e-13)
    assert solution.hotspot_factor == pytest.approx(1.0, rel=1e-8)
    assert solution.asr_ohm_m2 == pytest.approx(expected / current_density, rel=1e-9)
    if alpha_a == 0.5:  # the inversion against the closed form of symmetric BV: eta = 2 RT/F asinh(J / 2 i0)
        closed = 2 * thermal_voltage(kinetics.temperature_K) * math.asinh(current_density / (2 * 51.4))
        assert eta == pytest.approx(closed, rel=1e-12)
    # potentiostatic at the exact potential gives the current back
    again = problem.solve_potentiostatic(expected)
    assert again.total_current_A == pytest.approx(total, rel=1e-8)


def test_exact_planar_solution_with_counter_electrode_kinetics(comm):
    """Both faces with Butler-Volmer: E_w - E_c = J L / kappa + eta_w(J) - eta_c(-J)."""
    footprint, thickness, J = 20e-6, 30e-6, 20.0
    working = ButlerVolmer(51.4, alpha_anodic=0.6, alpha_cathodic=0.4)
    counter = ButlerVolmer(10.0)
    md = electrolyte_slab(comm, footprint, thickness, 2, 3)
    problem = SecondaryCurrentProblem(
        md, Electrolyte("test", KAPPA), Electrode("li_sse", working), counter=Electrode("top", counter)
    )
    solution = problem.solve_galvanostatic(J * footprint**2, counter_potential_V=0.1)
    expected = (
        0.1
        + J * thickness / KAPPA
        + butler_volmer_overpotential_V(working, J)
        - butler_volmer_overpotential_V(counter, -J)
    )
    assert solution.working_potential_V == pytest.approx(expected, rel=1e-9)
