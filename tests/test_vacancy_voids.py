"""Voids nucleated by vacancy supersaturation in the coupled stripping model (fem.coupling.vacancy_voids).

- Without nucleation (s_crit out of reach) the coupled history is that of the
  creep-only cell, and the injected vacancy volume is f_inj times the stripped
  volume (charge x Omega / F) exactly.
- A central void concentrates the current on its rim: the rim supersaturates
  and nucleates voids first; contact there is lost (contact fraction <= 1 -
  nucleated fraction); near the mean supersaturation the redistribution
  cascades to a collapse, which the creep-only cell does not show.
- The same history on 1 and 2 ranks.
- The node-local closure (sinks below the mesh size) on a flat cell: its threshold is the exact slab current
  times the contact fraction; below it nothing nucleates, above it the contact collapses.
"""

from __future__ import annotations

import numpy as np
import pytest
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL
from fem.coupling.stripping import LI_MOLAR_VOLUME_M3_MOL, StrippingCell, StrippingSettings, capacity_C_m2
from fem.coupling.vacancy_voids import attach_local_vacancy_voiding, attach_vacancy_voiding
from fem.materials import electrolyte, interface_kinetics, mechanical_material
from fem.vacancy import analytic, vacancy_transport
from fem.validation import ParameterError
from geometries.structured import electrolyte_slab, lithium_slab

FOOTPRINT = 20e-6
#: s_crit between the mean and the peak interfacial supersaturation of the first step (2.81 and 3.01 with
#: 10 um sink spacing at 1 mA/cm2): at 2.95 a few hot nodes nucleate and the rest holds; at 2.9 the redistributed
#: current nucleates more at every step until the contact collapses
S_PARTIAL, S_CASCADE = 2.95, 2.9


def _central_void(x: np.ndarray) -> np.ndarray:
    r = np.hypot(x[:, 0] - FOOTPRINT / 2, x[:, 1] - FOOTPRINT / 2)
    return np.where(r < 6e-6, 0.3e-6, 0.0)


def _cell(comm: MPI.Comm, settings: StrippingSettings, cells_xy: int, cells_z: int, **kwargs) -> StrippingCell:
    """Paired 20 um x 20 um x 10 um electrolyte and Li slabs (Li_LPSCl, Norton Li)."""
    meshes = [slab(comm, FOOTPRINT, 10e-6, cells_xy, cells_z) for slab in (electrolyte_slab, lithium_slab)]
    materials = electrolyte("LPSCl"), interface_kinetics("Li_LPSCl"), mechanical_material("Li")
    return StrippingCell(*meshes, *materials, settings, **kwargs)


def _run(comm: MPI.Comm, critical_supersaturation: float | None, capacity_mAh_cm2: float = 0.02, sinks: float = 10e-6):
    """1 mA/cm2 at 1 MPa from a central 0.3 um void; vacancies with sink spacing ``sinks`` unless s_crit is None."""
    settings = StrippingSettings(
        current_density_A_m2=10.0,
        stack_pressure_Pa=1e6,
        capacity_C_m2=capacity_C_m2(capacity_mAh_cm2),
        max_step_s=20.0,
        collapse_window_steps=1,
    )
    cell = _cell(comm, settings, 4, 2, initial_recession_m=_central_void)
    coupling = None
    if critical_supersaturation is not None:
        params = vacancy_transport(sink_spacing_m=sinks, critical_supersaturation=critical_supersaturation)
        coupling = attach_vacancy_voiding(cell, params)
    nucleated: list[float] = []

    def record(step) -> None:
        nucleated.append(coupling.nucleated_fraction() if coupling is not None else 0.0)

    history = cell.run(on_step=record)
    return history, coupling, nucleated


def test_without_nucleation_the_history_is_unchanged(comm):
    plain, _, _ = _run(comm, None, 0.01)
    coupled, coupling, nucleated = _run(comm, 1e5, 0.01)
    assert len(coupled.steps) == len(plain.steps) >= 2
    for a, b in zip(plain.steps, coupled.steps, strict=True):
        assert b.working_potential_V == pytest.approx(a.working_potential_V, rel=1e-12)
        assert b.contact_fraction == pytest.approx(a.contact_fraction, rel=1e-12)
    assert max(nucleated) == 0.0
    for step, state in zip(coupled.steps, coupling.history, strict=True):
        stripped = step.charge_passed_C * LI_MOLAR_VOLUME_M3_MOL / FARADAY_C_PER_MOL
        assert state.injected_m3 == pytest.approx(stripped, rel=1e-9)  # f_inj = 1: one vacancy per atom
        assert abs(state.balance_error_m3) < 1e-10 * state.injected_m3
        assert state.max_interface_supersaturation > state.mean_interface_supersaturation > 1.0


def test_hot_spots_nucleate_first_and_near_the_mean_supersaturation_contact_collapses(comm):
    plain, _, _ = _run(comm, None)
    assert plain.end_reason == "capacity"  # creep alone keeps contact (tests/test_stripping.py)
    partial, coupling, nucleated = _run(comm, S_PARTIAL)
    first = coupling.history[0]
    assert first.max_interface_supersaturation > S_PARTIAL > first.mean_interface_supersaturation
    assert partial.end_reason == "capacity"
    assert 0.0 < nucleated[0] <= nucleated[-1] < 0.5
    for step, fraction in zip(partial.steps, nucleated, strict=True):
        assert step.contact_fraction <= 1.0 - fraction + 1e-12
    cascade, _, nucleated = _run(comm, S_CASCADE)
    print(f"cascade: nucleated fractions {nucleated}, end {cascade.end_reason}")
    assert cascade.end_reason == "collapse"
    assert nucleated[-1] > nucleated[0] > 0.0


def test_first_voids_nucleate_where_the_current_concentrates(comm):
    """After one step, every nucleated node carries more than 1.2 x the nominal current density (the contact
    far from the central void, where the current crowds)."""
    _, coupling, _ = _run(comm, S_PARTIAL, capacity_mAh_cm2=0.005)
    li = coupling.cell.li_interface
    current = coupling.cell.local_current.x.array[li.dofs]
    hottest = comm.allreduce(float(np.min(current[coupling.nucleated], initial=np.inf)), op=MPI.MIN)
    assert comm.allreduce(int(np.count_nonzero(coupling.nucleated)), op=MPI.SUM) > 0
    assert hottest > 1.2 * 10.0


def test_bad_input_refused(comm):
    settings = StrippingSettings(current_density_A_m2=10.0, stack_pressure_Pa=1e6, capacity_C_m2=1.0)
    cell = _cell(comm, settings, 2, 1, mechanics_degree=1)
    with pytest.raises(ParameterError, match="creep_supply_A_m2"):
        attach_vacancy_voiding(cell, vacancy_transport(), creep_supply_A_m2=-1.0)


@pytest.mark.mpi
def test_same_history_on_1_and_2_ranks():
    alone = _run(MPI.COMM_SELF, S_CASCADE)
    shared = _run(MPI.COMM_WORLD, S_CASCADE)
    assert shared[2] == pytest.approx(alone[2], rel=1e-12)
    assert [s.contact_fraction for s in shared[0].steps] == pytest.approx(
        [s.contact_fraction for s in alone[0].steps], rel=1e-8
    )
    assert shared[0].end_reason == alone[0].end_reason


def _uniform_run(comm: MPI.Comm, ratio: float):
    """A flat cell (uniform current) at ``ratio`` x the local closure's limit f_c i_vac (1 um sinks, f_c 0.05)."""
    params = vacancy_transport(sink_spacing_m=1e-6)
    probe = StrippingSettings(current_density_A_m2=1.0, stack_pressure_Pa=1e6, capacity_C_m2=1.0)
    limit = attach_local_vacancy_voiding(_cell(comm, probe, 2, 1, mechanics_degree=1), params, 10e-6, 0.0, 0.05)
    settings = StrippingSettings(
        current_density_A_m2=ratio * limit.local_limit_A_m2,
        stack_pressure_Pa=1e6,
        capacity_C_m2=capacity_C_m2(0.005),
        collapse_window_steps=1,
    )
    cell = _cell(comm, settings, 3, 1, mechanics_degree=1)
    coupling = attach_local_vacancy_voiding(cell, params, 10e-6, 0.0, 0.05)
    return cell.run(), coupling, limit.local_limit_A_m2


def test_local_closure_threshold_is_the_slab_solution_times_the_contact_fraction(comm):
    """Node-local closure on a flat cell: s - 1 = (s_crit - 1) i / (f_c i_vac) at every node, i_vac the exact
    steady slab current (fem.vacancy.analytic); below the limit nothing nucleates, above it all of it does and
    the contact collapses."""
    params = vacancy_transport(sink_spacing_m=1e-6)
    T, p = 298.15, 1e6
    i_vac = analytic.steady_critical_current_A_m2(
        2.0, params.equilibrium_site_fraction(T, p), params.vacancy_diffusivity(T), params.sink_rate(T), 1.0, 10e-6
    )
    held, coupling, limit = _uniform_run(comm, 0.8)
    assert limit == pytest.approx(0.05 * i_vac, rel=1e-12)
    assert held.end_reason == "capacity" and coupling.nucleated_fraction() == 0.0
    assert coupling.peak_supersaturation[0] == pytest.approx(1.8, rel=1e-6)
    failed, coupling, _ = _uniform_run(comm, 1.25)
    assert failed.end_reason == "collapse"
    assert coupling.nucleated_fraction() == pytest.approx(1.0, rel=1e-12)
    assert coupling.peak_supersaturation[0] == pytest.approx(2.25, rel=1e-6)
    cell = coupling.cell
    with pytest.raises(ParameterError, match="contact_fraction"):
        attach_local_vacancy_voiding(cell, params, 10e-6, 0.0, 0.0)
    with pytest.raises(ParameterError, match="sink"):
        attach_local_vacancy_voiding(cell, params.replace(sink_spacing_m=None), 10e-6)
