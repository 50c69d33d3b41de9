"""The Li-supply estimate (fem.vacancy.supply) and its study (studies.li_supply).

* creep closure of a void: the power-law hollow-sphere rate, and for n = 1 the
  viscous result dR/dt = -p R / (4 eta) with eta = sigma_ref / (3 A);
* the critical current is the sum of the two routes, the mechanism the larger;
* the study (small smoke run): the FEM vacancy supply equals the closed form,
  the calibration point is reproduced by the FEM, report.json has its keys,
  bad input exits with status 2 before any work.
"""

from __future__ import annotations

import json

import pytest
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import NortonCreep, creep_law
from fem.vacancy import analytic, critical_stripping_current, vacancy_transport, void_closure_velocity_m_s
from fem.validation import ParameterError
from studies._cli import run_cli
from studies.li_supply import PUBLISHED, LiSupplyConfig, main, run_study


def test_viscous_void_closure_is_the_hollow_sphere_solution():
    A, sigma_ref, p, R = 1e-3, 1e6, 2e6, 5e-6
    linear = NortonCreep(rate_prefactor_1_s=A, reference_stress_Pa=sigma_ref, stress_exponent=1.0)
    eta = sigma_ref / (3.0 * A)  # uniaxial rate sigma / (3 eta)
    assert void_closure_velocity_m_s(linear, p, 298.15, R) == pytest.approx(p * R / (4.0 * eta), rel=1e-12)
    norton = creep_law("Li_Masias2019")
    n = norton.stress_exponent
    expected = 0.5 * R * norton.rate_prefactor_1_s * (3.0 * p / (2.0 * n * 1e6)) ** n
    assert void_closure_velocity_m_s(norton, p, 298.15, R) == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ParameterError, match="radius_m"):
        void_closure_velocity_m_s(norton, p, 298.15, 0.0)


def test_critical_current_adds_the_two_routes():
    params = vacancy_transport(sink_spacing_m=20e-6)
    T, p, H, R = 298.15, 3e6, 100e-6, 10e-6
    creep = creep_law("Li_Masias2019")
    estimate = critical_stripping_current(params, creep, T, p, H, R)
    vacancy = analytic.steady_critical_current_A_m2(
        2.0, params.equilibrium_site_fraction(T, p), params.vacancy_diffusivity(T), params.sink_rate(T), 1.0, H
    )
    creep_part = void_closure_velocity_m_s(creep, p, T, R) * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL
    assert estimate.vacancy_A_m2 == pytest.approx(vacancy, rel=1e-12)
    assert estimate.critical_A_m2 == pytest.approx(vacancy + creep_part, rel=1e-12)
    assert estimate.limiting_mechanism == "creep"  # bulk Li, 10 um void at 3 MPa: creep closes it fast
    # thick Li: i_vac = (s - 1) F D* exp(-p Omega / RT) / (f f_inj Omega L_s), x_eq cancels
    thick = critical_stripping_current(params, creep, T, p, 1.0, R)
    closed = (FARADAY_C_PER_MOL * params.self_diffusivity(T) / (0.727 * LI_MOLAR_VOLUME_M3_PER_MOL * 20e-6)) * (
        params.equilibrium_site_fraction(T, p) / params.equilibrium_site_fraction(T)
    )
    assert thick.vacancy_A_m2 == pytest.approx(closed, rel=1e-12)


SMALL = LiSupplyConfig(pressures_MPa=(3.0, 7.0), temperatures_C=(25.0,), cells_z=24, time_steps=12)


def test_study_smoke(comm, shared_tmp_path):
    out = shared_tmp_path / "li_supply"
    report = run_study(SMALL, out, comm)
    comm.barrier()
    if comm.rank != 0:
        return
    assert report is not None
    on_disk = json.loads((out / "report.json").read_text())
    assert (out / "report.md").exists() and (out / "figures" / "critical_current.png").exists()
    keys = {
        "stack_pressure_MPa",
        "temperature_K",
        "electrolyte",
        "supply_model",
        "critical_current_mA_cm2",
        "limiting_mechanism",
    }
    assert len(on_disk["results"]) == 2
    for row in on_disk["results"]:
        assert keys <= set(row)
        assert row["limiting_mechanism"] in ("vacancy_diffusion", "creep")
        assert abs(row["fem_vs_closed_form_percent"]) < 0.05  # FEM steady state against the exact 1D slab
    calibration = on_disk["calibration"]
    assert calibration["parameter"] == "sink_spacing_m"
    assert 1e-6 < calibration["value"] < calibration["creep_branch_value"] < 1e-3
    at_3MPa = on_disk["comparison"][0]
    assert at_3MPa["verdict"] == "calibration point"
    assert at_3MPa["predicted_mA_cm2"] == pytest.approx(0.2, rel=5e-4)
    assert len(on_disk["comparison"]) == len(PUBLISHED)
    assert "ONE parameter is calibrated on ONE published point" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("arguments", "name"),
    [(["--pressures-MPa", "-1"], "pressures_MPa"), (["--critical-supersaturation", "1.0"], "critical_supersaturation")],
)
def test_bad_input_exits_before_work(shared_tmp_path, capsys, arguments, name):
    out = shared_tmp_path / "refused"
    assert run_cli(main, ["--out", str(out), *arguments]) == 2
    assert not out.exists()
    if MPI.COMM_WORLD.rank == 0:
        assert name in capsys.readouterr().err
