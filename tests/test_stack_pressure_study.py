"""The stack-pressure study: analytic check of the confined elastic stack, end to end on a
tiny configuration, and the refusals.  Only global quantities are asserted, so the file
passes unchanged on 1 and 2 ranks."""

import json
import math

import numpy as np
import pytest

from fem.materials import elastic_material
from studies._cli import run_cli
from studies.stack_pressure import (
    Case,
    StackPressureConfig,
    confined_pressure_rise_MPa,
    constrained_modulus_Pa,
    main,
    plated_thickness_um,
    run_case,
    run_study,
)

TINY = {"cells_li_z": 2, "cells_sse_z": 1, "cells_li_x": 3, "time_steps": 4, "first_time_step_s": 10.0}


def test_constrained_modulus_and_plated_thickness():
    li = elastic_material("Li")  # E 7.82 GPa, nu 0.38
    assert constrained_modulus_Pa(li) == pytest.approx(7.82e9 * 0.62 / (1.38 * 0.24), rel=1e-12)  # 14.64 GPa
    assert plated_thickness_um(1.0) == pytest.approx(4.85, rel=2e-3)  # PARAMETERS.md
    assert plated_thickness_um(3.3) == pytest.approx(16.0, rel=1e-2)


@pytest.mark.parametrize("fixture", ["rigid", "spring"])
def test_creep_free_confined_stack_matches_series_formula(comm, shared_tmp_path, fixture):
    """Linear-elastic Li over the full width (no gap, rollers on every side): both layers are
    in uniaxial strain and the FE solution is exact, so after plating delta = Q Omega / F

        p - p0 = delta / (h / M_Li + L / M_SSE + 1 / k),   M = E (1 - nu) / ((1 + nu) (1 - 2 nu)),

    1/k = 0 for the rigid fixture: 1.5 mAh/cm2 (7.28 um) on 20 um Li and 100 um LPSCl gives
    p - p0 = 1535 MPa; with k = 1 MPa/um the plate gives way and p - p0 = 7.24 MPa."""
    cfg = StackPressureConfig(li_creep=False, gap_half_width_um=0.0, cells_gap_x=0, degree=1, fields=False, **TINY)
    cfg.validate(comm.size)
    result = run_case(cfg, Case(fixture, 1.0, 1.0), comm, shared_tmp_path)
    li, sse = elastic_material("Li"), elastic_material("LPSCl")
    k = cfg.spring_stiffness_MPa_per_um if fixture == "spring" else None
    history = result["history"]
    expected = [
        1.0 + confined_pressure_rise_MPa(q * plated_thickness_um(1.0), 20.0, 100.0, li, sse, k)
        for q in history["capacity_mAh_cm2"]
    ]
    np.testing.assert_allclose(history["pressure_MPa"], expected, rtol=1e-6)
    rise = result["final_pressure_MPa"] - 1.0
    print(f"{fixture}: p - p0 = {rise:.6g} MPa, series formula {expected[-1] - 1.0:.6g} MPa")
    assert rise == pytest.approx(1533.82 if k is None else 7.2403, rel=1e-4)
    # the creep-free reference of the same model is the same curve
    assert result["elastic_only_final_pressure_MPa"] == pytest.approx(expected[-1], rel=1e-6)
    assert result["confined_elastic_final_pressure_MPa"] == pytest.approx(expected[-1], rel=1e-12)


def test_study_end_to_end(comm, shared_tmp_path):
    out = shared_tmp_path / "stack_pressure"
    cfg = StackPressureConfig(
        current_densities_mA_cm2=(0.3, 3.0),
        initial_pressures_MPa=(1.0,),
        fixtures=("rigid",),
        cells_gap_x=1,
        **TINY,
    )
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    slow, fast = report["cases"]
    for case in (slow, fast):
        for key in (
            "current_density_mA_cm2",
            "initial_pressure_MPa",
            "final_pressure_MPa",
            "pressure_rise_rate_MPa_per_h",
            "elastic_only_final_pressure_MPa",
            "creep_relief_MPa",
            "elastic_storage_fraction",
        ):
            assert math.isfinite(case[key]), key
        assert case["initial_pressure_check_MPa"] == pytest.approx(1.0, rel=1e-9)
        assert case["history"]["capacity_mAh_cm2"][-1] == pytest.approx(1.5)
        # creep relieves: the creep-free response of the same model bounds the pressure
        assert case["elastic_only_final_pressure_MPa"] >= case["final_pressure_MPa"]
        assert case["creep_relief_MPa"] > 0.0
    pressure = np.array(fast["history"]["pressure_MPa"])
    assert np.all(np.diff(pressure) >= -1e-9 * pressure[1:])  # fast plating, rigid plate: monotone rise
    assert fast["final_pressure_MPa"] > slow["final_pressure_MPa"] > 0.0
    assert fast["pressure_rises"]
    # the same numbers on any number of ranks (values of a 1-rank run; Newton to rtol 1e-10)
    assert slow["final_pressure_MPa"] == pytest.approx(3.12726, rel=1e-5)
    assert fast["final_pressure_MPa"] == pytest.approx(4.44224, rel=1e-5)
    assert [t["fixture"] for t in report["thresholds"]] == ["rigid"]
    for figure in report["figures"]:
        assert (out / figure).stat().st_size > 0
    assert (out / "report.md").read_text().startswith("# Stack pressure")
    fields = out / fast["fields"]
    for name in ("displacement_m", "cell_fields", "stress_Pa", "normal_traction_li_sse_lithium", "normal_traction_top"):
        assert (fields / f"{name}.bp").is_dir(), name
    assert fast["field_times"] == fast["output_times"] + 1  # p0, then every output time
    print({c["case_id"]: c["final_pressure_MPa"] for c in report["cases"]}, report["thresholds"])


def test_study_with_anand_lithium(comm, shared_tmp_path):
    """The same planar study with Anand viscoplastic Li (Li_Anand): creep relieves the plated
    volume as with Norton creep, to a creep-limited pressure of a few MPa."""
    out = shared_tmp_path / "anand"
    cfg = StackPressureConfig(
        current_densities_mA_cm2=(3.0,), initial_pressures_MPa=(1.0,), fixtures=("rigid",), lithium="Li_Anand", **TINY
    )
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    (case,) = report["cases"]
    assert report["materials"]["lithium"]["model"] == "elastic-viscoplastic (Anand)"
    assert "Anand: A 42500 1/s" in (out / "report.md").read_text()
    print(case["final_pressure_MPa"], case["elastic_only_final_pressure_MPa"])
    assert 1.0 < case["final_pressure_MPa"] < 20.0 < case["elastic_only_final_pressure_MPa"]


def test_dense_lamellar_host_has_no_creep_plateau(comm, shared_tmp_path):
    """Li walls embedded in LPSCl (geometries.interdigitated, tiny mesh): the Li has no free
    surface, so creep relaxes it to a nearly hydrostatic state but cannot relieve the plated
    volume.  The pressure rises by GPa, below the creep-free response of the same model and
    independent of the current density (relaxation is fast against plating), in contrast to
    the creep-limited plateau of the planar strip (test_study_end_to_end: 3-4 MPa)."""
    out = shared_tmp_path / "host"
    cfg = StackPressureConfig(
        current_densities_mA_cm2=(0.3, 3.0),
        initial_pressures_MPa=(1.0,),
        fixtures=("rigid",),
        geometry=("lamellar",),
        mesh_size_interface_um=2.5,
        mesh_size_bulk_um=5.0,
        time_steps=2,
        first_time_step_s=10.0,
        fields=False,
    )
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    slow, fast = report["cases"]
    for case in (slow, fast):
        assert case["geometry"] == "lamellar" and case["failed_steps"] == 0
        assert case["initial_pressure_check_MPa"] == pytest.approx(1.0, rel=1e-9)
        assert 1e3 < case["final_pressure_MPa"] < case["elastic_only_final_pressure_MPa"]
        # Li base 5 um + walls 20 um x 5/10: 15 um of Li per unit footprint
        assert case["li_equivalent_thickness_um"] == pytest.approx(15.0, rel=1e-3)
    print({c["current_density_mA_cm2"]: c["final_pressure_MPa"] for c in report["cases"]})
    assert fast["final_pressure_MPa"] == pytest.approx(slow["final_pressure_MPa"], rel=1e-3)
    assert "3D hosts" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--initial-pressures-MPa", "1,-5"], "initial_pressures_MPa = -5.0 MPa is outside the allowed range [0, 200)"),
        (["--first-time-step-s", "-1"], "first_time_step_s = -1.0 s is outside the allowed range (0, 100000)"),
        (["--temperature-K", "-10"], "temperature_K = -10.0 K is outside the allowed range (150, 453]"),
        (["--lithium", "Unobtainium"], "lithium = 'Unobtainium'"),
        (["--electrolyte", "LPS"], "electrolyte = 'LPS'"),
        (["--fixtures", "clamp"], "fixtures = 'clamp' is not one of"),
        (["--current-densities-mA-cm2", "0"], "current_densities_mA_cm2 = 0.0 mA/cm2 is outside"),
        (["--gap-half-width-um", "0"], "cells_gap_x = 2 is outside the allowed range [0, 0]"),
        (["--geometry", "spiral"], "geometry = 'spiral' is not one of"),
        (["--geometry", "pillars", "--pillar-radius-um", "6"], "pillar_radius = 6e-06 m is outside"),
    ],
)
def test_bad_input_refused_before_work(comm, shared_tmp_path, capsys, arguments, message):
    out = shared_tmp_path / "refused"
    status = run_cli(main, ["--out", str(out), *arguments])
    assert status == 2
    assert not out.exists()
    if comm.rank == 0:
        assert message in capsys.readouterr().err
