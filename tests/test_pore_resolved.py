"""Pore-resolved deposition (fem.electrochemistry.pore_resolved): manufactured-solution convergence, charge
conservation, agreement with the homogenised model on a periodic host, 1 vs 2 ranks, refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
import ufl
from mpi4py import MPI

from fem.electrochemistry.pore_resolved import ITERATIVE_OPTIONS, ResolvedDepositionProblem, SolidRegion
from fem.electrochemistry.porous_electrode import (
    HomogenisedHost,
    PorousElectrodeProblem,
    VolumeKinetics,
    porous_electrode_mesh,
)
from fem.materials import Electrolyte
from fem.validation import ParameterError
from geometries.structured import host_box
from tests.conftest import mms_rates

UM = 1e-6

# ----------------------------------------------------------------------------- manufactured solution

A_MMS = 0.5  # interface plane z = a on the unit square; solid below, electrolyte above
SIGMA_MMS, KAPPA_MMS, I0_MMS = 2.0, 1.0, 0.05


def _exact(x: ufl.SpatialCoordinate) -> tuple[ufl.core.expr.Expr, ufl.core.expr.Expr]:
    """(phi_s, phi_e) (V): smooth, phi_s = 0 on the collector z = 0, zero normal derivative on x = 0, 1."""
    phi_s = 0.02 * ufl.sin(ufl.pi * x[1]) * (1.0 + 0.5 * ufl.cos(ufl.pi * x[0]))
    phi_e = 0.03 + 0.02 * ufl.cos(ufl.pi * x[0]) * ufl.cos(ufl.pi * (x[1] - A_MMS)) + 0.01 * x[1] ** 2
    return phi_s, phi_e


def _manufactured_sources(problem, phi_s, phi_e, v_s, v_e):
    """Volume, interface and top-face sources that make :func:`_exact` the solution."""
    md = problem.meshdata
    x = ufl.SpatialCoordinate(md.mesh)
    ps, pe = _exact(x)
    (zone, region), *_ = problem.reacting_zones
    j = problem.reaction(ps, pe, region)
    dx_s, dx_e = problem.dx(md.cell_id("host")), problem.dx(md.cell_id("sse"))
    gamma, top = problem.ds(zone), problem.ds(1)
    solid = ufl.div(SIGMA_MMS * ufl.grad(ps)) * v_s * dx_s - (SIGMA_MMS * ps.dx(1) + j) * v_s * gamma
    ionic = ufl.div(KAPPA_MMS * ufl.grad(pe)) * v_e * dx_e - (-KAPPA_MMS * pe.dx(1) - j) * v_e * gamma
    ionic -= (KAPPA_MMS * pe.dx(1) + problem.current_density) * v_e * top
    return solid, ionic


def _mms_errors(n: int, degree: int) -> tuple[float, float]:
    """(L2, H1 seminorm) errors of both potentials on their own regions."""
    md = host_box(MPI.COMM_WORLD, (1.0, 1.0), (n, n), lambda x: x[1] < A_MMS, A_MMS)
    problem = ResolvedDepositionProblem(
        md,
        [SolidRegion("host", SIGMA_MMS, I0_MMS)],
        Electrolyte("test", KAPPA_MMS),
        degree=degree,
        extra_residual=_manufactured_sources,
    )
    problem.solve_galvanostatic(-0.01)
    phi_s, phi_e = ufl.split(problem.w)
    ps, pe = _exact(ufl.SpatialCoordinate(md.mesh))
    metadata = {"quadrature_degree": degree + 3}
    dx_s = problem.dx(md.cell_id("host"), metadata=metadata)
    dx_e = problem.dx(md.cell_id("sse"), metadata=metadata)
    import dolfinx

    def norm(form: ufl.Form) -> float:
        return math.sqrt(md.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form)), op=MPI.SUM))

    l2 = norm((phi_s - ps) ** 2 * dx_s + (phi_e - pe) ** 2 * dx_e)
    h1 = norm(ufl.inner(ufl.grad(phi_s - ps), ufl.grad(phi_s - ps)) * dx_s
              + ufl.inner(ufl.grad(phi_e - pe), ufl.grad(phi_e - pe)) * dx_e)  # fmt: skip
    problem.destroy()
    return l2, h1


@pytest.mark.mpi
@pytest.mark.parametrize("degree", [1, 2])
def test_manufactured_solution_converges_at_the_optimal_rate(degree):
    """Butler-Volmer on the interface, sources from a smooth exact pair: L2 order k+1, H1 order k."""
    meshes = [8, 16, 32]
    l2, h1 = mms_rates(meshes, [_mms_errors(n, degree) for n in meshes], f"pore-resolved P{degree}")
    assert min(l2) > degree + 1 - 0.15
    assert min(h1) > degree - 0.1


# ----------------------------------------------------------------------------- periodic lamellar host

H, L, WALL, GAP = 20 * UM, 10 * UM, 1 * UM, 1 * UM
KAPPA, I0, J_APPLIED = 0.1, 10.0, -10.0  # S/m, A/m2, A/m2 (1 mA/cm2 plating)
EPS, AREA = GAP / (WALL + GAP), 2.0 / (WALL + GAP)  # porosity, wall area per volume (1/m)


def _i0_for_penetration(ratio: float, depth: float) -> float:
    """i0 (A/m2) whose linear-kinetics penetration depth 1/nu is ``depth`` (m) (Newman & Tobias 1962):
    nu^2 = a i0 f (alpha_a + alpha_c) (1/sigma_eff + 1/kappa_eff), straight lamellae."""
    resistances = 1.0 / (ratio * KAPPA * (1.0 - EPS)) + 1.0 / (KAPPA * EPS)
    return 1.0 / (depth**2 * AREA * VolumeKinetics().conductance_per_i0_S_m2() * resistances)


def _lamellar(comm, cells_per_um: int, dim: int = 2):
    """The symmetry cell of a lamellar host (pitch p = WALL + GAP): half a fin [0, WALL/2] x [0, H] of
    scaffold, half a gap of electrolyte beside it, the separator above; mirror faces x = 0 and x = p/2."""
    half = (WALL + GAP) / 2.0
    n_x, n_z = round(half / UM * cells_per_um), round((H + L) / UM * cells_per_um)
    lengths, cells = ((half, H + L), (n_x, n_z)) if dim == 2 else ((half, half, H + L), (n_x, 1, n_z))
    return host_box(comm, lengths, cells, lambda x: (x[0] < WALL / 2.0 + 1e-12) & (x[dim - 1] < H), H)


def _walls_only(x: np.ndarray) -> np.ndarray:
    """The fin walls: its cap (z = H) is blocked, as the homogenised model has no surface term there."""
    return x[-1] < H * (1.0 - 1e-9) if x.shape[0] == 2 else x[2] < H * (1.0 - 1e-9)


def _resolved(comm, ratio: float, i0: float = I0, cells_per_um: int = 4, dim: int = 2, **kwargs):
    md = _lamellar(comm, cells_per_um, dim)
    region = SolidRegion("host", ratio * KAPPA, i0, reactive=_walls_only)
    problem = ResolvedDepositionProblem(md, [region], Electrolyte("test", KAPPA), profile_bins=20, **kwargs)
    result = problem.solve_galvanostatic(J_APPLIED)
    problem.destroy()
    return result


def _homogenised(comm, ratio: float, i0: float):
    host = HomogenisedHost(
        thickness_m=H,
        porosity=EPS,
        specific_area_1_m=AREA,
        scaffold_conductivity_S_m=ratio * KAPPA,
        exchange_current_density_A_m2=i0,
        tortuosity=1.0,
        solid_tortuosity=1.0,
    )
    md = porous_electrode_mesh(comm, H, L, host_cells=400)
    problem = PorousElectrodeProblem(md, host, Electrolyte("test", KAPPA), degree=2)
    result = problem.solve_galvanostatic(J_APPLIED)
    problem.destroy()
    return result


def _compare(comm, ratio: float, wall: float = WALL, cells_per_um: int = 4):
    """(resolved, homogenised) on a lamellar host of pitch 2 ``wall`` (half fin, half gap), i0 set so
    that the reaction penetrates H/3: a non-uniform profile with small pore-scale numbers
    (i0 f g / kappa and i0 f w / sigma below 0.05)."""
    global WALL, GAP, AREA
    saved = WALL, GAP, AREA
    WALL = GAP = wall
    AREA = 2.0 / (WALL + GAP)
    try:
        i0 = _i0_for_penetration(ratio, H / 3.0)
        return _resolved(comm, ratio, i0, cells_per_um=cells_per_um), _homogenised(comm, ratio, i0)
    finally:
        WALL, GAP, AREA = saved


@pytest.mark.mpi
def test_resolved_matches_homogenised_when_the_deposit_sits_at_the_collector(comm):
    """sigma / kappa = 0.01: the reaction is at the bottom, far from the host entrance; the models
    agree to the resolved mesh (h = 0.25 um): measured 0.003 in the thirds, 2.6% of the peak rate."""
    resolved, homogenised = _compare(comm, 1e-2)
    assert resolved.reaction_total_A_m2 == pytest.approx(J_APPLIED, rel=1e-8)
    for key in ("fraction_bottom", "fraction_top", "bottom_up_index"):
        assert getattr(resolved, key) == pytest.approx(getattr(homogenised, key), abs=0.006)
    rate_h = np.interp(resolved.z_m, homogenised.z_m, homogenised.reaction_rate_A_m3)
    assert np.max(np.abs(resolved.reaction_rate_A_m3 - rate_h)) < 0.04 * np.max(np.abs(rate_h))


@pytest.mark.mpi
@pytest.mark.parametrize("ratio", [1.0, 1e2])
def test_resolved_tends_to_homogenised_as_the_pitch_shrinks(comm, ratio):
    """With the deposit reaching the top, the separator current funnels into the pores at the host
    entrance: a boundary layer about one pitch deep that the homogenised model does not have.  Its
    weight in the bottom-up index is O(p / H): halving the pitch (mesh scaled with it) must halve the
    difference (observed order about 1) and leave it below 0.012 at p = H / 40."""
    walls = [1.0 * UM, 0.5 * UM, 0.25 * UM]
    differences = []
    for wall in walls:
        resolved, homogenised = _compare(comm, ratio, wall, cells_per_um=round(4 * UM / wall))
        assert resolved.reaction_total_A_m2 == pytest.approx(J_APPLIED, rel=1e-8)
        differences.append(abs(resolved.bottom_up_index - homogenised.bottom_up_index))
    orders = [math.log2(differences[k] / differences[k + 1]) for k in range(2)]
    print(f"sigma/kappa {ratio:g}: bottom-up index differences {differences}, orders in p {orders}")
    assert all(0.8 < order < 1.3 for order in orders)
    assert differences[-1] < 0.012


@pytest.mark.mpi
def test_charge_is_conserved_and_the_answer_is_the_same_on_one_and_two_ranks():
    """3D lamellar cell: total reaction = applied current; every global result identical on COMM_SELF and COMM_WORLD."""
    results = [_resolved(c, 1.0, cells_per_um=2, dim=3) for c in (MPI.COMM_SELF, MPI.COMM_WORLD)]
    for result in results:
        assert result.reaction_total_A_m2 == pytest.approx(J_APPLIED, rel=1e-8)
    keys = ("fraction_bottom", "fraction_top", "bottom_up_index", "counter_potential_V")
    for key in keys:
        assert getattr(results[1], key) == pytest.approx(getattr(results[0], key), rel=1e-8, abs=1e-12)
    assert results[1].peak_interface_current_density_A_m2 == pytest.approx(
        results[0].peak_interface_current_density_A_m2, rel=1e-8
    )
    assert results[1].reaction_rate_A_m3 == pytest.approx(results[0].reaction_rate_A_m3, rel=1e-7, abs=1e-3)
    assert results[1].active_dofs == results[0].active_dofs


@pytest.mark.mpi
@pytest.mark.parametrize(("ratio", "where"), [(1e-4, "bottom"), (1e4, "top")])
def test_conductivity_limits_put_the_deposit_at_the_collector_or_the_separator(comm, ratio, where):
    """Fast kinetics: a poor conductor plates at the collector, a good one under the separator (Fig. 5a)."""
    md = _lamellar(comm, 4)
    region = SolidRegion("host", ratio * KAPPA, 1e3)
    result = ResolvedDepositionProblem(md, [region], Electrolyte("test", KAPPA)).solve_galvanostatic(J_APPLIED)
    assert getattr(result, f"fraction_{where}") > 0.7
    assert result.bottom_up_index * (1 if where == "bottom" else -1) > 0.5


@pytest.mark.mpi
def test_inert_layer_and_collector_kinetics(comm):
    """An insulating top layer (sigma = 0) carries no potential and no reaction; the bare collector
    plates where the electrolyte touches it."""
    md = _lamellar(comm, 4)
    # relabel the top half of the fin as a second region
    import dolfinx

    tdim = md.mesh.topology.dim
    values = md.cell_tags.values.copy()
    mid = dolfinx.mesh.compute_midpoints(md.mesh, tdim, md.cell_tags.indices)[:, 1]
    values[(values == md.cell_id("host")) & (mid > H / 2)] = md.cell_id("host_layer_1")
    md.cell_tags = dolfinx.mesh.meshtags(md.mesh, tdim, md.cell_tags.indices, values)
    solids = [SolidRegion("host", 1e3 * KAPPA, I0), SolidRegion("host_layer_1", 0.0, I0)]
    problem = ResolvedDepositionProblem(
        md, solids, Electrolyte("test", KAPPA), collector_exchange_current_density_A_m2=I0, profile_bins=20
    )
    result = problem.solve_galvanostatic(J_APPLIED)
    assert result.reaction_total_A_m2 == pytest.approx(J_APPLIED, rel=1e-8)
    assert result.fraction_top == pytest.approx(0.0, abs=1e-12)
    assert np.all(result.reaction_rate_A_m3[result.z_m > H / 2 + H / 20] == 0.0)
    assert 0.0 < result.collector_fraction < 0.5


def test_bad_input_is_refused(comm):
    md = _lamellar(comm, 2)
    with pytest.raises(ParameterError, match="host.conductivity_S_m = -1"):
        SolidRegion("host", -1.0, 1.0)
    with pytest.raises(ParameterError, match="exchange_current_density_A_m2 = -2"):
        SolidRegion("host", 1.0, -2.0)
    with pytest.raises(ParameterError, match="not cell regions"):
        ResolvedDepositionProblem(md, [SolidRegion("lithium", 1.0, 1.0)], Electrolyte("test", KAPPA))
    with pytest.raises(ParameterError, match="no SolidRegion"):
        ResolvedDepositionProblem(md, [], Electrolyte("test", KAPPA))
    with pytest.raises(ParameterError, match="i0 = 0"):
        ResolvedDepositionProblem(md, [SolidRegion("host", 1.0, 0.0)], Electrolyte("test", KAPPA))
    problem = ResolvedDepositionProblem(md, [SolidRegion("host", 1.0, 1.0)], Electrolyte("test", KAPPA))
    with pytest.raises(ParameterError, match="current_density_A_m2"):
        problem.solve_galvanostatic(0.0)


def _foam_host(comm):
    """A small cubic foam (gmsh, distributed without ghost cells) with three material layers."""
    from geometries.gradient import GradientMaterialParams, gradient_material_mesh
    from geometries.porous import OpenCellFoam, PorousHostParams

    host = PorousHostParams(OpenCellFoam(5 * UM), 0.75, 5 * UM, 15 * UM, 5 * UM, mesh_size=0.36 * UM, seed=1)
    return gradient_material_mesh(comm, GradientMaterialParams(host, (2.5 * UM, 10 * UM, 2.5 * UM)))


@pytest.mark.mpi
def test_foam_host_same_answer_on_one_and_two_ranks():
    """A gmsh foam (no ghost cells: interface facets on the partition boundary are integrated from the
    rank that owns the solid cell): dual-gradient kinetics, identical global results on 1 and 2 ranks."""
    solids = [
        SolidRegion("host_layer_0", 1.4e7, 10 * I0),
        SolidRegion("host_layer_1", 1.4e7, I0),
        SolidRegion("host_layer_2", 0.0, 0.0),
    ]
    results = []
    for c in (MPI.COMM_SELF, MPI.COMM_WORLD):
        problem = ResolvedDepositionProblem(_foam_host(c), solids, Electrolyte("test", KAPPA), profile_bins=15)
        results.append(problem.solve_galvanostatic(J_APPLIED))
        problem.destroy()
    for result in results:
        assert result.reaction_total_A_m2 == pytest.approx(J_APPLIED, rel=1e-9)
        assert np.all(result.reaction_rate_A_m3[result.z_m > 13 * UM] == 0.0)  # the blocked top layer (> 12.5 um)
    for key in ("fraction_bottom", "bottom_up_index", "counter_potential_V", "peak_interface_current_density_A_m2"):
        assert getattr(results[1], key) == pytest.approx(getattr(results[0], key), rel=1e-8)
    assert results[1].reaction_rate_A_m3 == pytest.approx(results[0].reaction_rate_A_m3, rel=1e-7, abs=1e-3)
    assert results[1].active_dofs == results[0].active_dofs


@pytest.mark.mpi
def test_field_split_amg_reproduces_the_direct_solve(comm):
    """GMRES + block Gauss-Seidel field split with AMG per potential (the large-mesh options) gives the
    LU answer (to 1e-5: inexact Newton with Eisenstat-Walker forcing, measured 8e-7), and uses the split
    (a handful of Krylov steps per Newton step)."""
    direct = _resolved(comm, 1.0, cells_per_um=2, dim=3)
    iterative = _resolved(comm, 1.0, cells_per_um=2, dim=3, petsc_options=ITERATIVE_OPTIONS)
    for key in ("fraction_bottom", "fraction_top", "bottom_up_index", "counter_potential_V"):
        assert getattr(iterative, key) == pytest.approx(getattr(direct, key), rel=1e-5, abs=1e-10)
    assert iterative.stats.krylov_iterations < 30 * iterative.stats.newton_iterations
