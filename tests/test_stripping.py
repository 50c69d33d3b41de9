"""Verification of the coupled stripping model (fem.coupling.stripping, fem.mechanics.contact, fem.interface).

- Uniform contact and uniform current: the Li follows the receding interface as
  a rigid body at any stack pressure, with no creep needed (exact).
- Mass balance: the stripped Li volume equals the charge passed x Omega / F.
- The same global history on 1 and 2 ranks.
- Implicit contact sweeps (redoing a step with updated contact weights) keep
  the mass balance.
- The stress term Omega p / F shifts the voltage exactly and strips compressed Li faster.
- Void closure under pressure without current (time-step and mesh convergence):
  tests/test_void_closure.py.
- The coupled loop runs on a 3D host (lamellar Li fingers; slow).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL
from fem.coupling.stripping import (
    INEXACT_GAMG_NEWTON,
    LI_MOLAR_VOLUME_M3_MOL,
    StrippingCell,
    StrippingSettings,
    capacity_C_m2,
)
from fem.interface import InterfaceMap, InterfaceSpace
from fem.materials import electrolyte, interface_kinetics, mechanical_material
from fem.mechanics.contact import PenaltyContact, RigidContact
from fem.validation import ParameterError
from geometries.structured import electrolyte_slab, lithium_slab

FOOTPRINT = 20e-6
VOID_RADIUS = 6e-6
VOID_DEPTH = 0.3e-6


def _central_void(x: np.ndarray) -> np.ndarray:
    r = np.hypot(x[:, 0] - FOOTPRINT / 2, x[:, 1] - FOOTPRINT / 2)
    return np.where(r < VOID_RADIUS, VOID_DEPTH, 0.0)


def _cell(comm: MPI.Comm, settings: StrippingSettings, cells_xy: int = 4, **kwargs) -> StrippingCell:
    sse = electrolyte_slab(comm, FOOTPRINT, 10e-6, cells_xy, 2)
    li = lithium_slab(comm, FOOTPRINT, 10e-6, cells_xy, 2)
    return StrippingCell(
        sse,
        li,
        electrolyte("LPSCl"),
        interface_kinetics("Li_LPSCl"),
        mechanical_material("Li"),
        settings,
        **kwargs,
    )


def test_interface_map_moves_nodal_values_between_paired_slabs(comm):
    sse = InterfaceSpace(electrolyte_slab(comm, FOOTPRINT, 5e-6, 3, 1), "li_sse")
    li = InterfaceSpace(lithium_slab(comm, FOOTPRINT, 5e-6, 3, 1), "li_sse")
    values = sse.coordinates()[:, 0] + 2.0 * sse.coordinates()[:, 1]
    moved = InterfaceMap(sse, li).transfer(values)
    expected = li.coordinates()[:, 0] + 2.0 * li.coordinates()[:, 1]
    assert np.allclose(moved, expected, rtol=0, atol=1e-18)
    assert li.area_m2 == pytest.approx(FOOTPRINT**2, rel=1e-12)
    assert li.integral(np.ones(len(li.dofs))) == pytest.approx(FOOTPRINT**2, rel=1e-12)
    assert np.allclose(li.normals, [0.0, 0.0, 1.0])  # out of the Li, into the electrolyte
    assert np.allclose(sse.normals, [0.0, 0.0, -1.0])


def test_interface_map_refuses_nonconforming_meshes(comm):
    sse = InterfaceSpace(electrolyte_slab(comm, FOOTPRINT, 5e-6, 3, 1), "li_sse")
    li = InterfaceSpace(lithium_slab(comm, FOOTPRINT, 5e-6, 4, 1), "li_sse")
    with pytest.raises(ParameterError, match="do not coincide|source nodes"):
        InterfaceMap(sse, li)


@pytest.mark.parametrize("method", ["bounds", "penalty"])
@pytest.mark.parametrize("pressure_MPa", [0.1, 1.0, 10.0])
def test_uniform_stripping_moves_lithium_as_a_rigid_body(comm, pressure_MPa, method):
    """Full contact, uniform i0: the current is uniform, the Li translates and never loses contact."""
    settings = StrippingSettings(
        current_density_A_m2=10.0,
        stack_pressure_Pa=pressure_MPa * 1e6,
        capacity_C_m2=capacity_C_m2(0.01),
        max_depth_increment_m=0.02e-6,
    )
    contact = RigidContact(gap_tolerance_m=0.5 * settings.max_depth_increment_m, method=method)
    cell = _cell(comm, settings, cells_xy=3, mechanics_degree=1, contact=contact)
    history = cell.run()
    assert history.end_reason == "capacity"
    assert len(history.steps) >= 2
    assert all(step.contact_fraction == pytest.approx(1.0, abs=1e-12) for step in history.steps)
    depth = LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL * settings.capacity_C_m2  # 48.5 nm for 0.01 mAh/cm2
    s = cell.contact.stripped_depth.x.array[cell.li_interface.dofs]
    assert np.allclose(s, depth, rtol=1e-9)
    # interface displacement = stripped depth minus the penalty penetration p / k_n (< 1e-9 m; none with bounds)
    uz = s - cell.gap.x.array[cell.li_interface.dofs]
    penetration = pressure_MPa * 1e6 / cell.contact.stiffness_Pa_m if method == "penalty" else 0.0
    assert np.allclose(uz, depth + penetration, rtol=0, atol=1e-3 * penetration + 1e-15)
    assert history.steps[-1].mean_contact_pressure_Pa == pytest.approx(pressure_MPa * 1e6, rel=1e-6)


@pytest.mark.parametrize("pressure_MPa", [1.0, 10.0])
def test_stress_overpotential_lowers_the_stripping_voltage_by_omega_p_over_f(comm, pressure_MPa):
    """Full contact at stack pressure p: the contact pressure is p everywhere, so the stress term raises the
    stripping overpotential uniformly by Omega p / F and the cell needs exactly that much less voltage
    (1.35 mV at 10 MPa) for the same current."""
    settings = StrippingSettings(
        current_density_A_m2=10.0,
        stack_pressure_Pa=pressure_MPa * 1e6,
        capacity_C_m2=capacity_C_m2(0.002),
        max_depth_increment_m=0.02e-6,
    )
    voltages = []
    for stress in (False, True):
        cell = _cell(comm, settings, cells_xy=3, mechanics_degree=1, stress_overpotential=stress)
        voltages.append(cell.step().working_potential_V)
    shift = pressure_MPa * 1e6 * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL
    assert voltages[0] - voltages[1] == pytest.approx(shift, rel=1e-6)


def test_stress_overpotential_strips_compressed_lithium_faster(comm):
    """A void concentrates the contact pressure at its rim; with the stress term the rim strips more."""
    settings = StrippingSettings(current_density_A_m2=10.0, stack_pressure_Pa=5e6, capacity_C_m2=capacity_C_m2(1e-3))
    peaks = []
    for stress in (False, True):
        cell = _cell(comm, settings, initial_recession_m=_central_void, stress_overpotential=stress)
        cell.step()
        li = cell.li_interface
        pressure = cell.contact_pressure.x.array[li.dofs]
        current = cell.local_current.x.array[li.dofs]
        hottest = pressure >= 0.99 * comm.allreduce(float(np.max(pressure, initial=0.0)), op=MPI.MAX)
        peaks.append(comm.allreduce(float(np.max(current[hottest], initial=0.0)), op=MPI.MAX))
    if comm.rank == 0:
        print(f"\nrim current without / with the stress term (A/m2): {peaks}")
    assert peaks[1] > peaks[0]


@pytest.mark.parametrize("method", ["penalty", "bounds"])
def test_stripped_volume_equals_charge_and_voids_close_under_pressure(comm, method):
    settings = StrippingSettings(
        current_density_A_m2=10.0, stack_pressure_Pa=1e6, capacity_C_m2=capacity_C_m2(0.02), max_step_s=20.0
    )
    contact = RigidContact(gap_tolerance_m=0.5 * settings.max_depth_increment_m, method=method)
    cell = _cell(comm, settings, initial_recession_m=_central_void, contact=contact)
    first = cell.contact_fraction()
    assert first < 0.9  # the void is out of contact at the start
    history = cell.run()
    for step in history.steps:
        expected = step.charge_passed_C * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL
        assert step.stripped_volume_m3 == pytest.approx(expected, rel=1e-10)
    # 1 mA/cm2 at 1 MPa: creep closes the 0.3 um void faster than stripping opens it
    gaps = [step.max_void_gap_m for step in history.steps]
    assert all(later < earlier for earlier, later in itertools.pairwise(gaps))
    assert gaps[-1] < 0.3 * VOID_DEPTH
    assert history.steps[-1].contact_fraction >= first
    assert history.end_reason == "capacity"


def test_implicit_contact_sweeps_keep_the_mass_balance(comm):
    """contact_sweeps > 1 redoes a step from its start with updated contact weights (mechanics state
    restored): the charge and the stripped volume still agree, and the weights stay in [0, 1]."""
    settings = StrippingSettings(
        current_density_A_m2=30.0,
        stack_pressure_Pa=0.1e6,
        capacity_C_m2=capacity_C_m2(0.02),
        max_depth_increment_m=0.02e-6,
        contact_sweeps=3,
        contact_relaxation=1.0,
    )
    cell = _cell(comm, settings, initial_recession_m=_central_void)
    history = cell.run()
    assert history.end_reason == "capacity"
    for step in history.steps:
        expected = step.charge_passed_C * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL
        assert step.stripped_volume_m3 == pytest.approx(expected, rel=1e-10)
        assert 1 <= step.contact_sweeps <= 3
        assert 0.0 <= step.contact_fraction <= 1.0 + 1e-12
    assert max(step.contact_sweeps for step in history.steps) > 1  # the void edge did move


def _history(comm: MPI.Comm, method: str = "penalty") -> list[tuple[float, ...]]:
    settings = StrippingSettings(
        current_density_A_m2=30.0, stack_pressure_Pa=0.5e6, capacity_C_m2=capacity_C_m2(0.005), max_step_s=10.0
    )
    contact = RigidContact(gap_tolerance_m=0.5 * settings.max_depth_increment_m, method=method)
    cell = _cell(comm, settings, initial_recession_m=_central_void, contact=contact)
    history = cell.run()
    return [
        (s.time_s, s.working_potential_V, s.contact_fraction, s.stripped_volume_m3, s.max_contact_pressure_Pa)
        for s in history.steps
    ]


@pytest.mark.mpi
@pytest.mark.parametrize("method", ["penalty", "bounds"])
def test_coupled_history_independent_of_rank_count(method):
    alone = _history(MPI.COMM_SELF, method)
    shared = _history(MPI.COMM_WORLD, method)
    assert len(shared) == len(alone)
    for a, b in zip(alone, shared, strict=True):
        assert b == pytest.approx(a, rel=1e-6)


def test_bound_contact_is_exact_and_its_reaction_carries_the_stack_pressure(comm):
    """Bounds (SNES VI): no penetration anywhere, the contact pressure integrates to the stack load (global
    equilibrium, to the solver tolerance), and the contact history matches the penalty method's; with inexact
    Newton (GAMG, Eisenstat-Walker) the same answers to the Newton tolerance."""
    settings = StrippingSettings(
        current_density_A_m2=100.0, stack_pressure_Pa=1e6, capacity_C_m2=capacity_C_m2(0.05), max_step_s=5.0
    )
    histories = {}
    for method, options in (("bounds", None), ("penalty", None), ("bounds-inexact", INEXACT_GAMG_NEWTON)):
        contact = RigidContact(gap_tolerance_m=0.5 * settings.max_depth_increment_m, method=method.split("-")[0])
        cell = _cell(comm, settings, initial_recession_m=_central_void, contact=contact, mechanics_options=options)
        histories[method] = cell.run(max_steps=3).steps
        if method.startswith("bounds"):
            li = cell.li_interface
            assert comm.allreduce(float(np.min(cell.gap.x.array[li.dofs], initial=np.inf)), op=MPI.MIN) >= -1e-15
            load = li.integral(cell.contact_pressure.x.array[li.dofs])
            assert load == pytest.approx(settings.stack_pressure_Pa * li.area_m2, rel=1e-6)
    # the same contact state at every step (the gaps differ by the discretisation of the constraint, at
    # dofs against at quadrature points: 2-12 % on this 4 x 4 mesh, 0.2 % or less on 6 x 6, README)
    for exact, penalty, inexact in zip(*histories.values(), strict=True):
        assert exact.contact_fraction == pytest.approx(penalty.contact_fraction, abs=1e-12)
        assert inexact.contact_fraction == pytest.approx(exact.contact_fraction, abs=1e-12)
        assert inexact.max_void_gap_m == pytest.approx(exact.max_void_gap_m, rel=1e-6)


def _lamellar_meshes(comm: MPI.Comm) -> tuple:
    from geometries.interdigitated import LamellarParams, interdigitated_mesh

    params = LamellarParams(
        finger_height=6e-6,
        separator_thickness=6e-6,
        base_thickness=4e-6,
        mesh_size_interface=2e-6,
        mesh_size_bulk=3e-6,
        finger_width=4e-6,
        pitch=10e-6,
    )
    return interdigitated_mesh(comm, params, cell_regions=("sse",)), interdigitated_mesh(
        comm, params, cell_regions=("lithium",)
    )


def test_bound_contact_refused_on_a_non_planar_interface_and_auto_falls_back(comm):
    sse, li = _lamellar_meshes(comm)
    settings = StrippingSettings(current_density_A_m2=10.0, stack_pressure_Pa=1e6, capacity_C_m2=600.0)
    materials = (electrolyte("LPSCl"), interface_kinetics("Li_LPSCl"), mechanical_material("Li"))
    with pytest.raises(ParameterError, match="planar interface"):
        StrippingCell(sse, li, *materials, settings, contact=RigidContact(method="bounds"))
    cell = StrippingCell(sse, li, *materials, settings, contact=RigidContact(method="auto"))
    assert isinstance(cell.contact, PenaltyContact)


def test_bad_settings_refused():
    with pytest.raises(ParameterError, match="stack_pressure_Pa"):
        StrippingSettings(current_density_A_m2=10.0, stack_pressure_Pa=-1e6, capacity_C_m2=1.0)
    with pytest.raises(ParameterError, match="current_density_A_m2"):
        StrippingSettings(current_density_A_m2=0.0, stack_pressure_Pa=1e6, capacity_C_m2=1.0)
    with pytest.raises(ParameterError, match="temperature_K"):
        StrippingSettings(current_density_A_m2=1.0, stack_pressure_Pa=1e6, capacity_C_m2=1.0, temperature_K=500.0)
    with pytest.raises(ParameterError, match="contact_relaxation"):
        StrippingSettings(current_density_A_m2=1.0, stack_pressure_Pa=1e6, capacity_C_m2=1.0, contact_relaxation=0.0)


@pytest.mark.slow
def test_coupled_loop_runs_on_a_lamellar_host(comm):
    """Li fingers in the electrolyte (geometries.interdigitated): the stack pressure pushes along the
    fingers, so the finger walls are held only by friction-free contact and open first."""
    sse, li = _lamellar_meshes(comm)
    settings = StrippingSettings(current_density_A_m2=10.0, stack_pressure_Pa=1e6, capacity_C_m2=600.0, max_step_s=30.0)
    cell = StrippingCell(
        sse, li, electrolyte("LPSCl"), interface_kinetics("Li_LPSCl"), mechanical_material("Li"), settings
    )
    assert cell.contact_fraction() == pytest.approx(1.0, abs=1e-12)
    history = cell.run()
    assert history.end_reason == "capacity"
    for step in history.steps:
        expected = step.charge_passed_C * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL
        assert step.stripped_volume_m3 == pytest.approx(expected, rel=1e-10)
        assert 0.0 < step.contact_fraction <= 1.0 + 1e-12
