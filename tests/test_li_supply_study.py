"""The Li-supply study (studies.li_supply) on a small configuration: the FEM vacancy supply equals
the closed form, the calibration point is reproduced by the FEM, report.json has its keys, bad input
exits with status 2 before any work."""

from __future__ import annotations

import json
import math

import pytest
from conftest import assert_refused_before_work
from mpi4py import MPI

from studies.li_supply import PUBLISHED, LiSupplyConfig, main, run_study

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
    assert 1e-7 < calibration["value"] < 1e-3
    assert math.isnan(calibration["creep_branch_value"])  # NaN: with contact the creep void is the asperity, one root
    at_3MPa, at_7MPa = on_disk["comparison"][:2]
    assert at_3MPa["verdict"] == "calibration point"
    assert at_3MPa["predicted_mA_cm2"] == pytest.approx(0.2, rel=5e-4)
    # vacancy-limited with f_c = p / H << 1: the prediction scales as p exp(-p Omega / RT) (creep negligible)
    equilibrium = math.exp(-4e6 * 1.3e-5 / (8.314462618 * 298.15))
    assert at_7MPa["predicted_mA_cm2"] == pytest.approx(0.2 * 7.0 / 3.0 * equilibrium, rel=1e-3)
    rows = {row["stack_pressure_MPa"]: row for row in on_disk["results"]}
    assert rows[7.0]["contact_fraction"] == pytest.approx(7.0 / 3.0 * rows[3.0]["contact_fraction"], rel=1e-12)
    assert 0.0 < rows[3.0]["contact_fraction"] < 0.1
    assert len(on_disk["comparison"]) == len(PUBLISHED)
    assert "ONE parameter is calibrated on ONE published point" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        (["--pressures-MPa", "-1"], "pressures_MPa"),
        (["--critical-supersaturation", "1.0"], "critical_supersaturation"),
        (["--cells-z", "10"], "cells_z"),
        (["--asperity-size-um", "0"], "asperity_size_um"),
    ],
)
def test_bad_input_exits_before_work(shared_tmp_path, capsys, arguments, name):
    out = shared_tmp_path / "refused"
    assert_refused_before_work(main, out, arguments, name, MPI.COMM_WORLD, capsys)
