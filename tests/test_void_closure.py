"""Closure of a single void under stack pressure, no current (fem.mechanics + fem.mechanics.contact).

- A circular void in a 3D slab closes monotonically in time (Norton Li, 0.5 MPa).
- Time-step refinement: the closed gap of a smooth strip void converges at first order
  (backward Euler) on a fixed mesh.
- Mesh refinement: converges on a well-posed case (below), orders 1.41 and 1.27 with linear
  creep; with Li's Norton law it converges from below but pre-asymptotically (order 0.40; slow).

Why the strip void above (cos^2, 0.3 um deep, half-width 6 um) has no mesh order on feasible meshes,
although it converges in time: the Li deflects by 1-10 nm, 30-300x less than the void depth, so
it touches the electrolyte only where the recession s(x) is below the deflection, i.e. within
0.2-0.7 um of the void edge (s ~ 20 nm (d / 1 um)^2 there).  That rounding is finer than every
feasible mesh (h = 2.5-0.6 um), so each mesh sees a flat punch with a sharp edge placed at the
first interface node where the P1 interpolant of s exceeds ~1 nm: an O(h) error of the support
width that jumps with the node positions.  The elastic closure alone is then not monotone
(0.673, 0.502, 0.432, 0.502, 0.441 nm at 8, 12, 16, 24, 32 boxes), and Norton creep with
n = 6.56 amplifies the stress differences (creep rate ~ sigma^6.56; 62-65 % of the creep is in the
bulk below 3 um depth).

A well-posed case: the same slab, a flat-bottomed (step) void whose walls lie on interface nodes
of every mesh of the sequence (half-width 5 um: x = 5 and 15 um are nodes for any multiple of 4
boxes across), and linear (n = 1) creep.  The support edge is then the wall on every mesh: the
P1 interpolant ramps from 0 to the 300 nm depth over one element, and the part of the ramp
shallower than the ~15 nm closure shrinks like h.  The closure is a linear functional of a
displacement with the r^(1/2) singularity of a flat-punch edge, so the expected asymptotic order
is 1.  The node-aligned cos^2 void is not enough: at 4, 8, 16 boxes it gives 9.95, 14.82, 16.63 nm,
but at 32 boxes 15.16 nm, because the first node inside the rim (s = 11.6 nm there) is shallower
than the closure, so the Li lands inside the void and the support edge moves with the mesh again.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable

import numpy as np
import pytest
from mpi4py import MPI

from fem.coupling.stripping import creep_contact_options
from fem.interface import InterfaceSpace
from fem.materials import CreepingSolid, NortonCreep, mechanical_material
from fem.mechanics import MechanicsProblem, Pressure, Roller
from fem.mechanics.contact import PenaltyContact, RigidContact
from fem.mesh_io import MeshData
from geometries.structured import lithium_slab

FOOTPRINT_M = 20e-6
THICKNESS_M = 10e-6
VOID_HALF_WIDTH_M = 5e-6  # walls at x = 5 and 15 um: interface nodes for 4k boxes across
VOID_DEPTH_M = 0.3e-6
PRESSURE_PA = 0.5e6
#: Linear creep: eps_dot = A sigma_eq / sigma_ref, viscosity sigma_ref / (3 A) = 3.3e8 Pa s,
#: Maxwell time sigma_ref / (3 G A) = 0.12 s with Li's G = 2.8 GPa.
LINEAR_RATE_1_S = 1e-3
REFERENCE_STRESS_PA = 1e6


def step_void(x: np.ndarray) -> np.ndarray:
    """Recession s (m) at interface points x (n, 3) (m): a flat-bottomed strip void VOID_DEPTH_M deep for
    |x - b/2| < VOID_HALF_WIDTH_M (the wall nodes themselves are in contact), zero outside."""
    r = np.abs(x[:, 0] - FOOTPRINT_M / 2)
    return np.where(r < VOID_HALF_WIDTH_M * (1.0 - 1e-9), VOID_DEPTH_M, 0.0)


def linear_creep_lithium() -> CreepingSolid:
    """Li's elastic constants with Newtonian (n = 1) creep at LINEAR_RATE_1_S (1/s) per REFERENCE_STRESS_PA."""
    li = mechanical_material("Li")
    return CreepingSolid("Li_linear", li.elastic, NortonCreep(LINEAR_RATE_1_S, REFERENCE_STRESS_PA, 1.0))


class PressedVoid:
    """Li slab ``li`` (rollers on the sides) under ``pressure_Pa`` on its bottom, pressed against a rigid
    electrolyte recessed by ``recession`` (m); no current."""

    def __init__(
        self,
        li: MeshData,
        recession: Callable[[np.ndarray], np.ndarray],
        material: CreepingSolid,
        pressure_Pa: float = PRESSURE_PA,
        solver_overrides: dict[str, object] | None = None,
    ) -> None:
        self.interface = InterfaceSpace(li, "li_sse")
        self.contact = PenaltyContact(self.interface, material.elastic.youngs_modulus_Pa, RigidContact())
        self.contact.stripped_depth.x.array[self.interface.dofs] = recession(self.interface.coordinates())
        self.problem = MechanicsProblem(
            li,
            {"lithium": material},
            [Pressure("bottom", pressure_Pa), Roller("sides")],
            degree=2,
            petsc_options=creep_contact_options(li, 2, solver_overrides),
            extra_residuals=[self.contact],
        )
        self.problem.solver.on_matrix = self.contact.forget_prediction
        self.initial_volume_m3 = self.open_volume_m3()
        self.problem.step(0.0)
        self.failures = 0

    def creep(self, duration_s: float, steps: int) -> None:
        """``steps`` backward-Euler steps over ``duration_s`` (s); a failed step is halved and counted."""
        history = self.problem.advance(
            duration_s, duration_s / steps, before_step=lambda _t: self.contact.predict_active_set(self.problem.u)
        )
        self.failures += len(history.failures)

    def open_volume_m3(self) -> float:
        """int_Gamma <s - u . n>_+ ds (m3): the void volume between Li and electrolyte."""
        return self.interface.integral(np.maximum(self.contact.nodal_gap(self.problem.u), 0.0))


# -- in time, with Li's Norton creep ------------------------------------------------------------

CIRCLE_RADIUS_M = 6e-6
STRIP_HALF_WIDTH_M = 6e-6


def central_void(x: np.ndarray) -> np.ndarray:
    """Recession (m): a flat-bottomed circular void, VOID_DEPTH_M deep, radius CIRCLE_RADIUS_M, centred."""
    r = np.hypot(x[:, 0] - FOOTPRINT_M / 2, x[:, 1] - FOOTPRINT_M / 2)
    return np.where(r < CIRCLE_RADIUS_M, VOID_DEPTH_M, 0.0)


def strip_void(x: np.ndarray) -> np.ndarray:
    """Recession (m): VOID_DEPTH_M cos^2(pi r / 2 R), r = |x - b/2| < R = STRIP_HALF_WIDTH_M."""
    r = np.abs(x[:, 0] - FOOTPRINT_M / 2)
    return np.where(r < STRIP_HALF_WIDTH_M, VOID_DEPTH_M * np.cos(0.5 * np.pi * r / STRIP_HALF_WIDTH_M) ** 2, 0.0)


def void_volume_after(comm: MPI.Comm, cells_xy: int, steps: int, duration_s: float) -> float:
    """Open volume (m3) of the central void after ``duration_s`` (s) of Norton creep, no current."""
    li = lithium_slab(comm, FOOTPRINT_M, THICKNESS_M, cells_xy, max(2, cells_xy // 2))
    void = PressedVoid(li, central_void, mechanical_material("Li"))
    void.creep(duration_s, steps)
    return void.open_volume_m3()


def test_single_void_closes_monotonically(comm: MPI.Comm) -> None:
    initial = void_volume_after(comm, 4, 1, 1e-9)
    volumes = [void_volume_after(comm, 4, k, 2.0 * k) for k in (1, 2, 4)]
    assert initial > 0.0
    assert volumes[0] < initial
    assert volumes[1] < volumes[0] and volumes[2] < volumes[1]


def strip_void_closure_m(comm: MPI.Comm, cells_x: int, steps: int, duration_s: float = 8.0) -> float:
    """Mean gap (m, over the interface) that Norton creep closes in ``duration_s`` (s) of ``steps`` steps
    under PRESSURE_PA: the strip void on a plane-strain slab (cells_y = 1).

    Every run first settles for 2 s in 16 equal steps: the elastic-to-creep transient right after the
    load (stress relaxation near the contact edge, well below 1 s) is a boundary layer in time that the
    measured steps are not meant to resolve; after it the closure rate varies smoothly.
    """
    li = lithium_slab(
        comm, FOOTPRINT_M, THICKNESS_M, cells_x, max(2, cells_x // 2), width_y=FOOTPRINT_M / cells_x, cells_y=1
    )
    void = PressedVoid(li, strip_void, mechanical_material("Li"))
    void.creep(2.0, 16)
    before = void.open_volume_m3()
    void.creep(duration_s, steps)
    assert void.failures == 0, f"{void.failures} halvings: the measured steps are not the nominal ones"
    return (before - void.open_volume_m3()) / void.interface.area_m2


def test_void_closure_converges_under_time_step_refinement(comm: MPI.Comm) -> None:
    """Backward Euler: first order once the step resolves the closure's time scale (seconds).

    The contact edge moves through the quadrature points as the void closes, so the semismooth
    residual is only piecewise smooth in time and the coarse steps (4 and 2 s) are pre-asymptotic;
    the orders are asserted on the last two halvings and the differences must shrink at every one.
    (On a fixed mesh: the mesh sequence of this void has no asymptotic order, see the module text.)
    """
    steps = (1, 2, 4, 8, 16, 32)
    closed = [strip_void_closure_m(comm, 8, n) for n in steps]
    orders = observed_orders(closed)
    if comm.rank == 0:
        print(f"\nclosed mean gap over 8 s (m) at dt = 8 s / {steps}: {closed}\nobserved orders in dt: {orders}")
    assert all(later > earlier for earlier, later in itertools.pairwise(closed))  # converges from below
    assert all(order > 0.0 for order in orders)
    assert all(0.7 < order < 1.5 for order in orders[-2:])


# -- in space, on a well-posed case ----------------------------------------------------------------


def closed_mean_gap_m(comm: MPI.Comm, cells_x: int, material: CreepingSolid | None = None) -> float:
    """Mean gap (m, over the interface) closed from the unloaded state by the elastic load step and
    10 s of linear creep (2 s in 16 steps, then 4 steps of 2 s: the same steps on every mesh, so the
    differences between meshes are the spatial error only)."""
    li = lithium_slab(
        comm, FOOTPRINT_M, THICKNESS_M, cells_x, max(2, cells_x // 2), width_y=FOOTPRINT_M / cells_x, cells_y=1
    )
    # Norton creep needs the backtracking line search here: the critical-point search crawls at 8 boxes
    overrides = {"snes_linesearch_type": "bt"} if material is not None else None
    void = PressedVoid(li, step_void, material or linear_creep_lithium(), solver_overrides=overrides)
    void.creep(2.0, 16)
    void.creep(8.0, 4)
    assert void.failures == 0, f"{void.failures} halvings: the steps are not the nominal ones"
    return (void.initial_volume_m3 - void.open_volume_m3()) / void.interface.area_m2


def observed_orders(values: list[float]) -> list[float]:
    """log2(|q_k - q_k+1| / |q_k+1 - q_k+2|) for a sequence refined by 2 at each entry."""
    return [math.log2(abs(a - b) / abs(b - c)) for a, b, c in zip(values, values[1:], values[2:], strict=False)]


def test_linear_creep_void_closure_converges_under_mesh_refinement(comm: MPI.Comm) -> None:
    """Closure on 4, 8, 16 boxes across (h = 5, 2.5, 1.25 um): converges from below.

    Expected order 1 (flat-punch edge, module text); measured 9.95, 14.82, 16.65 nm, order 1.41;
    asserted in (0.8, 1.8).  32 boxes (slow test): 17.41 nm, order 1.27.
    """
    start = time.perf_counter()
    meshes = (4, 8, 16)
    closed = [closed_mean_gap_m(comm, n) for n in meshes]
    orders = observed_orders(closed)
    if comm.rank == 0:
        print(
            f"\nmean gap closed in 10 s (nm) at {meshes} boxes: {[round(c * 1e9, 4) for c in closed]}"
            f"\nobserved order in h: {[round(o, 3) for o in orders]}  ({time.perf_counter() - start:.1f} s)"
        )
    assert all(later > earlier for earlier, later in itertools.pairwise(closed))  # converges from below
    assert 0.8 < orders[0] < 1.8


@pytest.mark.slow
def test_linear_creep_void_closure_mesh_order_on_four_meshes(comm: MPI.Comm) -> None:
    """The same case on 4 to 32 boxes: both orders near the asymptotic 1 (measured 1.41, 1.27)."""
    meshes = (4, 8, 16, 32)
    closed = [closed_mean_gap_m(comm, n) for n in meshes]
    orders = observed_orders(closed)
    if comm.rank == 0:
        print(f"\nmean gap closed (nm) at {meshes} boxes: {[round(c * 1e9, 4) for c in closed]}; orders {orders}")
    assert all(later > earlier for earlier, later in itertools.pairwise(closed))
    assert all(0.8 < order < 1.8 for order in orders)


@pytest.mark.slow
def test_norton_void_closure_differences_shrink_under_mesh_refinement(comm: MPI.Comm) -> None:
    """Li's Norton law (n = 6.56) on the step void, 4 to 16 boxes: 0.390, 0.788, 1.089 nm, the
    differences shrink (0.40, 0.30 nm) but the observed order (0.40) is far from asymptotic, so only
    convergence from below with shrinking differences is asserted, not an order."""
    closed = [closed_mean_gap_m(comm, n, mechanical_material("Li")) for n in (4, 8, 16)]
    if comm.rank == 0:
        print(f"\nNorton closure (nm) at 4, 8, 16 boxes: {[round(c * 1e9, 4) for c in closed]}")
    assert all(later > earlier for earlier, later in itertools.pairwise(closed))
    assert closed[2] - closed[1] < closed[1] - closed[0]
