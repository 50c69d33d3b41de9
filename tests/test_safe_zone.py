"""Safe-zone maps (studies.safe_zone): each boundary checked by the full model just inside and just
outside it, monotonicity, the same map on 1 and N ranks, cache reuse counted, bad input refused."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.validation import ParameterError
from studies._cli import run_cli
from studies.safe_zone import MapCase, MechanismCache, SafeZoneConfig, compute_map, main, run_study
from studies.safe_zone.boundary import Boundary
from studies.safe_zone.config import RANGES
from studies.safe_zone.map import classify
from studies.safe_zone.mechanisms import (
    dendrite_boundary,
    first_crossing,
    flaw_critical_overpotential_V,
    sand_boundary,
    sand_depletion_time_s,
    stress_boundary,
    voiding_boundary,
)

PLANAR = {"currents_mA_cm2": [1.0], "peak_factor": [1.0], "finger_capacity_mAh_cm2": 0.0}
#: Small, fast configuration: 6 x 5 map, no bands unless asked, two fixture-model currents.
SMALL = SafeZoneConfig(
    electrolytes=("LPSCl",),
    hosts=("planar",),
    stack_pressures_MPa=(3.0,),
    current_density_points=6,
    areal_capacity_points=5,
    stress_current_points=2,
    stress_time_steps=4,
    bands=False,
)
ROOM = MapCase("LPSCl", "planar", 3.0, 298.15)


# ----------------------------------------------------------------------------- map machinery


def test_classification_first_mechanism_wins():
    j, q = np.array([0.1, 1.0, 10.0]), np.array([0.1, 1.0, 10.0])
    never = [math.inf] * 3
    full = Boundary("host_full", [0.1, 10.0], [2.0, 2.0], [2.0, 2.0], [2.0, 2.0])
    void = Boundary("voiding", list(j), [0.0] * 3, [0.0] * 3, [0.0] * 3, threshold_mA_cm2=0.5)
    sand = Boundary("sand", list(j), [never[0], 0.5, 0.05], never, never)
    modes = classify(j, q, [full, void, sand])
    assert modes[:, 0].tolist() == ["safe", "safe", "host_full"]  # j = 0.1: only the pores fill (at 2)
    assert modes[:, 1].tolist() == ["voiding"] * 3  # j = 1: voiding fails at once (Q = 0 < 0.5)
    assert modes[:, 2].tolist() == ["voiding"] * 3
    assert Boundary.from_dict(sand.to_dict()).capacity_at(1.0)[0] == pytest.approx(0.5)
    assert sand.to_report()["areal_capacity_mAh_cm2"][0] is None  # JSON: never = null


def test_first_crossing():
    assert first_crossing([0, 1, 2], [3.0, 50.0, 100.0], 75.0) == pytest.approx(1.5)
    assert first_crossing([0, 1, 2], [3.0, 5.0, 6.0], 75.0) == math.inf


# ----------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "changes, name",
    [
        ({"electrolytes": ("NaCl",)}, "electrolytes"),
        ({"hosts": ("foam",)}, "hosts"),
        ({"mechanisms": ("creep",)}, "mechanisms"),
        ({"stack_pressures_MPa": (-1.0,)}, "stack_pressures_MPa"),
        ({"stack_pressures_MPa": ()}, "stack_pressures_MPa"),
        ({"temperature_K": 100.0}, "temperature_K"),
        ({"fixture": "clamp"}, "fixture"),
        ({"current_density_max_mA_cm2": 0.001}, "current_density_max_mA_cm2"),
        ({"areal_capacity_points": 1}, "areal_capacity_points"),
        ({"finger_width_um": 20.0}, "finger_width_um"),
    ],
)
def test_bad_input_refused_before_any_work(changes, name, comm, shared_tmp_path):
    import dataclasses

    cfg = dataclasses.replace(SMALL, **changes)
    with pytest.raises(ParameterError, match=name):
        cfg.validate(comm.size)
    out = shared_tmp_path / "refused"
    assert run_cli(main, ["--out", str(out), *_argv(changes)]) == 2
    assert not out.exists() and not (shared_tmp_path / "refused.cache").exists()


def _argv(changes: dict) -> list[str]:
    argv = []
    for key, value in changes.items():
        text = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
        argv.append(f"--{key.replace('_', '-')}={text}")
    return argv


# ----------------------------------------------------------------------------- voiding


def test_voiding_threshold_and_capacity_against_the_fem(comm):
    """Just inside / outside the voiding boundary with the FEM vacancy problem (fem.vacancy) on the Li slab:
    the FEM critical current brackets the boundary's threshold, and at 1.5 x the threshold the FEM
    supersaturation crosses s_crit between 0.9 and 1.1 x the boundary's failure time."""
    from fem.vacancy import VacancyProblem
    from geometries.structured import lithium_slab
    from studies.li_supply import _DIRECT, transport
    from studies.safe_zone.mechanisms import _supply

    b = Boundary.from_dict(voiding_boundary(SMALL, ROOM, PLANAR, comm))
    threshold = b.threshold_mA_cm2
    fem_critical = b.details["fem_local_critical_current_mA_cm2"]
    assert 0.97 * threshold < fem_critical < 1.03 * threshold
    assert abs(b.details["fem_vs_closed_form_percent"]) < 1.0
    assert b.capacity_at(0.97 * threshold)[0] == math.inf
    j = 1.5 * threshold
    q = b.capacity_at(j)[0]
    t_fail = q / j * 3600.0
    assert 0.0 < t_fail < 60.0

    supply_cfg, spacing = _supply(SMALL, RANGES["critical_supersaturation"]["value"])
    params = transport(supply_cfg, spacing)
    H = SMALL.li_thickness_um * 1e-6
    md = lithium_slab(comm, H / 200, H, 1, 200)
    problem = VacancyProblem(md, params, temperature_K=ROOM.temperature_K, degree=2, options=_DIRECT)
    problem.pressure.value = ROOM.stack_pressure_MPa * 1e6
    problem.creep_supply.value = b.details["creep_supply_mA_cm2"] * 10.0
    # the current flows through the real contact: the FEM slab sees the patch current
    problem.current_density.value = j * 10.0 / b.details["real_contact_fraction"]
    problem.set_initial_supersaturation(1.0)
    times = np.concatenate([np.geomspace(1e-4 * t_fail, 0.9 * t_fail, 60), np.linspace(0.9, 1.1, 11)[1:] * t_fail])
    previous, history = 0.0, []
    for t in times:
        history.append(problem.step(t - previous).max_interface_supersaturation)
        previous = t
    problem.destroy()
    s_crit = RANGES["critical_supersaturation"]["value"]
    assert history[59] < s_crit < history[-1]  # safe at 0.9 t_fail, failed at 1.1 t_fail


def test_slab_transient_limits():
    """The slab series: zero at t = 0, the steady value at long times, Sand-like sqrt(t) at short times."""
    from fem.vacancy import analytic

    J, D, k, H = 1e-12, 1e-10, 10.0, 20e-6
    steady = analytic.steady_excess(np.zeros(1), J, D, k, H)[0]
    assert abs(analytic.slab_surface_excess(0.0, J, D, k, H)[0]) < 2e-3 * steady
    assert analytic.slab_surface_excess(50.0 / k, J, D, k, H)[0] == pytest.approx(steady, rel=1e-9)
    t = 1e-5 / k  # diffusion length << l and << H: semi-infinite, no sinks
    semi_infinite = analytic.surface_excess(t, J, D, 0.0)
    assert analytic.slab_surface_excess(t, J, D, k, H)[0] == pytest.approx(semi_infinite, rel=2e-3)


def test_voiding_monotone_in_current_density(comm):
    """The voiding-safe capacity does not grow with current density (with its band)."""
    import dataclasses

    cfg = dataclasses.replace(SMALL, bands=True, current_density_points=12)
    b = Boundary.from_dict(voiding_boundary(cfg, ROOM, PLANAR, comm))
    fine = np.geomspace(0.01, 10.0, 300)
    for band in ("nominal", "low", "high"):
        q = b.capacity_at(fine, band)
        assert np.all(np.isinf(q[:-1]) | (q[1:] <= q[:-1] * (1.0 + 1e-9)))
        assert np.isinf(q[0]) and q[-1] < 1e-3  # safe at 10 uA/cm2, voids at once at 10 mA/cm2


def test_voiding_monotone_in_pressure_when_warm(comm):
    """At 80 C too, more stack pressure raises the threshold."""
    thresholds = [
        Boundary.from_dict(
            voiding_boundary(SMALL, MapCase("LPSCl", "planar", p, 353.15), PLANAR, comm)
        ).threshold_mA_cm2
        for p in (3.0, 7.0, 10.0)
    ]
    assert thresholds[0] <= thresholds[1] <= thresholds[2]


def test_voiding_monotone_in_pressure_at_room_temperature(comm):
    """The real contact grows with pressure (Bowden-Tabor), so more pressure raises the room-temperature
    threshold (Kasemchainan 2019's trend)."""
    low, high = (
        Boundary.from_dict(voiding_boundary(SMALL, MapCase("LPSCl", "planar", p, 298.15), PLANAR, comm))
        for p in (3.0, 7.0)
    )
    assert high.threshold_mA_cm2 >= low.threshold_mA_cm2


# ----------------------------------------------------------------------------- dendrite


def test_dendrite_threshold_cracks_the_flaw(comm):
    """Just inside / outside: Butler-Volmer at the local current gives eta; Li at p = F eta / Omega in the
    flaw has K_I = 1.12 p sqrt(pi a) below / above K_Ic."""
    from fem.materials import interface_kinetics

    b = Boundary.from_dict(dendrite_boundary(SMALL, ROOM, PLANAR, comm))
    kinetics = interface_kinetics("Li_LPSCl", ROOM.temperature_K)
    f = FARADAY_C_PER_MOL / (8.314462618 * ROOM.temperature_K)
    a = RANGES["flaw_size_um"]["value"] * 1e-6
    toughness = RANGES["fracture_toughness_LPSCl"]["value"]

    def stress_intensity(j_mA_cm2: float) -> float:
        i = j_mA_cm2 * 10.0  # cathodic magnitude, A/m2; symmetric BV: i = 2 i0 sinh(alpha f eta)
        eta = math.asinh(i / (2.0 * kinetics.exchange_current_density_A_m2)) / (0.5 * f)
        return 1.12 * eta * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL * math.sqrt(math.pi * a) / 1e6

    assert stress_intensity(0.99 * b.threshold_mA_cm2) < toughness < stress_intensity(1.01 * b.threshold_mA_cm2)
    assert b.capacity_at(0.99 * b.threshold_mA_cm2)[0] == math.inf and b.capacity_at(1.01 * b.threshold_mA_cm2)[0] == 0
    # Porz et al. / PARAMETERS.md: about 74 MPa per 10 mV
    assert flaw_critical_overpotential_V(toughness, a) * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL / 1e6 == (
        pytest.approx(toughness / (1.12 * math.sqrt(math.pi * a)), rel=1e-12)
    )


# ----------------------------------------------------------------------------- sand


def test_sand_series_reduces_to_sand_and_limiting_current():
    from fem.transport.analytic import limiting_current_density, sand_time

    D, c0, tp, L = 1e-11, 1500.0, 0.1, 100e-6
    i_lim = limiting_current_density(L, D, c0, tp)
    assert sand_depletion_time_s(0.999 * i_lim, L, D, c0, tp) == math.inf
    assert sand_depletion_time_s(50 * i_lim, L, D, c0, tp) == pytest.approx(sand_time(50 * i_lim, D, c0, tp), rel=1e-6)
    assert sand_depletion_time_s(1.2 * i_lim, L, D, c0, tp) > sand_time(1.2 * i_lim, D, c0, tp)


@pytest.mark.slow
def test_sand_boundary_against_the_binary_electrolyte_fem(comm):
    """Full model (fem.transport, Newman, PEO-LiTFSI 90 C, planar cell): the FEM depletion capacity is within
    3 % of the boundary at two current densities (Sand regime and near the limiting current)."""
    from fem.transport import BinaryElectrolyteProblem, TimeStepping, binary_electrolyte
    from geometries.structured import electrolyte_slab

    case = MapCase("PEO_LiTFSI", "planar", 3.0, 363.15)
    b = Boundary.from_dict(sand_boundary(SMALL, case, PLANAR, comm))
    electrolyte = binary_electrolyte("PEO_LiTFSI_90C")
    c0, L = electrolyte.reference_concentration_mol_m3, SMALL.separator_thickness_um * 1e-6
    for j in (2.0 * b.threshold_mA_cm2, 1.3 * b.threshold_mA_cm2):
        md = electrolyte_slab(comm, 1e-5, L, 1, 200)
        z = md.mesh.geometry.x[:, 2]
        z[:] = L * (z / L) ** 2.0
        problem = BinaryElectrolyteProblem(md, electrolyte, case.temperature_K)
        problem.set_current_density(j * 10.0)
        q_model = b.capacity_at(j)[0]
        t_model = q_model / j * 3600.0
        stepping = TimeStepping(initial_step_s=1e-6 * t_model, target_change=0.01, max_growth=1.3)
        result = problem.run(1.5 * t_model, stepping, depletion_threshold_mol_m3=1e-3 * c0)
        problem.destroy()
        assert result.event is not None
        q_fem = j * result.event.time_s / 3600.0
        assert 0.97 * q_model < q_fem < 1.03 * q_model, (j, q_model, q_fem)


# ----------------------------------------------------------------------------- stress


def test_stress_boundary_confined_stack_bracketed(comm):
    """Laterally confined planar stack (no gap): the full creep model reaches the limit between the two exact
    1D confined solutions, elastic Li (constrained modulus) and fully relaxed Li (bulk modulus)."""
    import dataclasses

    from fem.materials import elastic_material
    from studies.stack_pressure import constrained_modulus_Pa

    cfg = dataclasses.replace(SMALL, gap_half_width_um=0.0, areal_capacity_max_mAh_cm2=0.2)
    b = Boundary.from_dict(stress_boundary(cfg, ROOM, PLANAR, comm))
    li, sse = elastic_material("Li"), elastic_material("LPSCl")
    bulk = li.youngs_modulus_Pa / (3 * (1 - 2 * li.poisson_ratio))
    rise = RANGES["pressure_limit_MPa"]["value"] - ROOM.stack_pressure_MPa
    um_per_capacity = 36e3 * LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL * 1e6

    def capacity(li_modulus: float) -> float:
        compliance = cfg.li_thickness_um / (li_modulus / 1e6) + cfg.separator_thickness_um / (
            constrained_modulus_Pa(sse) / 1e6
        )
        return rise * compliance / um_per_capacity

    elastic, relaxed = capacity(constrained_modulus_Pa(li)), capacity(bulk)
    for q in b.capacity_mAh_cm2:
        assert 0.98 * elastic < q < 1.02 * relaxed


# ----------------------------------------------------------------------------- maps, ranks, cache


def test_same_map_on_every_rank_count_and_cache_reuse(comm, shared_tmp_path):
    """A map computed on the whole communicator equals the one each rank computes alone; a second
    pressure re-runs only the pressure-dependent mechanisms; a new cache on the same directory
    re-runs nothing."""
    import dataclasses

    directory = shared_tmp_path / "cache"
    cache = MechanismCache(directory, comm)
    first = compute_map(SMALL, ROOM, cache, comm)
    alone = compute_map(SMALL, ROOM, MechanismCache(None, MPI.COMM_SELF), MPI.COMM_SELF)
    assert first.failure_mode.tolist() == alone.failure_mode.tolist()
    for b_all, b_self in zip(first.boundaries, alone.boundaries, strict=True):
        np.testing.assert_allclose(b_all.capacity_mAh_cm2, b_self.capacity_mAh_cm2, rtol=1e-6)
    assert comm.allgather(first.safe_area_fraction) == [first.safe_area_fraction] * comm.size
    assert dict(cache.computed) == {"host": 1, "voiding": 1, "stress": 1, "dendrite": 1}

    compute_map(SMALL, dataclasses.replace(ROOM, stack_pressure_MPa=7.0), cache, comm)
    assert dict(cache.computed) == {"host": 1, "voiding": 2, "stress": 2, "dendrite": 1}
    again = MechanismCache(directory, comm)
    compute_map(SMALL, dataclasses.replace(ROOM, stack_pressure_MPa=7.0), again, comm)
    assert sum(again.computed.values()) == 0 and sum(again.reused.values()) == 4


def test_study_report(comm, shared_tmp_path):
    """report.json keys as issue 16 specifies, on a tiny configuration with a polymer map (cache shared)."""
    import dataclasses

    cfg = dataclasses.replace(
        SMALL,
        electrolytes=("LPSCl", "PEO_LiTFSI"),
        mechanisms=("voiding", "dendrite", "sand"),  # the fixture model is exercised by the cache test
        cache_dir=str(shared_tmp_path / "c"),
    )
    out = shared_tmp_path / "safe_zone"
    run_study(cfg, out, comm)
    comm.barrier()
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    assert len(report["maps"]) == 2
    for m in report["maps"]:
        keys = {"electrolyte", "host", "stack_pressure_MPa", "temperature_K", "current_density_mA_cm2"}
        assert keys | {"areal_capacity_mAh_cm2", "failure_mode", "boundaries", "safe_area_fraction"} <= set(m)
        assert len(m["failure_mode"]) == 5 and len(m["failure_mode"][0]) == 6
        assert 0.0 <= m["safe_area_fraction"] <= 1.0
        for b in m["boundaries"]:
            assert {"mechanism", "current_density_mA_cm2", "areal_capacity_mAh_cm2"} <= set(b)
    mechanisms = {m["electrolyte"]: {b["mechanism"] for b in m["boundaries"]} for m in report["maps"]}
    assert mechanisms == {"LPSCl": {"voiding", "dendrite"}, "PEO_LiTFSI": {"voiding", "sand"}}
    assert (out / report["figures"][0]).exists()
    assert "Safe area per host" in (out / "report.md").read_text()


# ----------------------------------------------------------------------------- hosts


def test_lamellar_host_response_and_host_full(comm):
    """The lamellar host spreads the current (hot spot between the mean local and the nominal current), its
    measured Li-finger volume is the exact one (a box geometry), and host_full is free fraction x that."""
    import dataclasses

    from studies.safe_zone.hosts import host_response, local_factor, nominal_threshold
    from studies.safe_zone.mechanisms import host_full_boundary

    cfg = dataclasses.replace(SMALL, hosts=("lamellar",), hotspot_current_points=2)
    host = host_response(cfg, "LPSCl", "lamellar", 298.15, comm)
    params = cfg.host_params("lamellar")
    exact = params.exact_volumes()["lithium"] - params.base_thickness * params.footprint_area
    assert host["finger_volume_per_area_um"] == pytest.approx(exact / params.footprint_area / 1e-6, rel=1e-9)
    for factor in host["peak_factor"]:
        assert 1.0 / params.interface_area_ratio < factor < 1.0
    j = nominal_threshold(host, 2.0)
    assert j * local_factor(host, j) == pytest.approx(2.0, rel=1e-9)
    case = MapCase("LPSCl", "lamellar", 3.0, 298.15)
    b = Boundary.from_dict(host_full_boundary(cfg, case, host, comm))
    q = RANGES["host_free_fraction"]["value"] * host["finger_capacity_mAh_cm2"]
    np.testing.assert_allclose(b.capacity_at([0.01, 1.0, 10.0]), q, rtol=1e-12)
    # 4.85 um of Li per mAh/cm2 (PARAMETERS.md)
    assert host["finger_capacity_mAh_cm2"] == pytest.approx(host["finger_volume_per_area_um"] / 4.85, rel=2e-3)
