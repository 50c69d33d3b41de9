"""The Sand's-time study end to end on a tiny configuration, and its refusals."""

import json

import pytest
from conftest import assert_refused_before_work

from studies.sand_onset import BRISSOT_CELL, PUBLISHED_EXPONENT, fitted_exponent, onset_runs
from studies.sand_time import SandTimeConfig, main, run_study


def test_study_reports_delay_against_planar_and_sand(comm, shared_tmp_path):
    out = shared_tmp_path / "sand_time"
    cfg = SandTimeConfig(
        geometries=("planar", "lamellar"),
        electrolytes=("PEO_LiTFSI",),
        polymer_current_densities_mA_cm2=(60.0,),
        separator_thickness_um=20.0,
        finger_height_um=6.0,
        pitch_um=10.0,
        finger_width_um=4.0,
        base_thickness_um=4.0,
        mesh_size_interface_um=2.0,
        mesh_size_bulk_um=5.0,
        planar_cells=40,
        target_change=0.05,
        refinement_ratio=1.5,
        groups=comm.size,
    )
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    rows = {r["geometry"]: r for r in report["cases"]}
    assert set(rows) == {"planar", "lamellar"}
    planar, host = rows["planar"], rows["lamellar"]
    # planar, 60 mA/cm2 (about 4 x the limiting current): semi-infinite Sand within the time-step error
    assert planar["above_limiting_current"]
    assert abs(planar["sand_time_vs_analytic_percent"]) < 3.0
    assert planar["min_surface_concentration_mol_m3"] == pytest.approx(planar["depletion_threshold_mol_m3"], rel=1e-3)
    # the host delays depletion, by less than Sand's formula at its mean local current (area ratio squared)
    assert host["interface_area_ratio"] == pytest.approx(1.0 + 2.0 * 6.0 / 10.0)
    assert 1.0 < host["delay_vs_planar"] < host["interface_area_ratio_mesh"] ** 2
    assert host["limiting_current_mA_cm2"] is None
    for row in rows.values():
        assert row["salt_conservation_error_relative"] < 1e-10
        assert (out / "fields" / row["case_id"] / "concentration_mol_m3.bp").exists()
    checks = {c["geometry"]: c for c in report["mesh_check"]}
    assert set(checks) == {"planar", "lamellar"}
    print("mesh check", [(c["geometry"], c["sand_time_change_percent"]) for c in checks.values()])
    assert abs(checks["planar"]["sand_time_change_percent"]) < 1.0
    assert checks["lamellar"]["num_dofs_refined"] > checks["lamellar"]["num_dofs"]
    for figure in report["figures"]:
        assert (out / figure).stat().st_size > 0
    text = (out / "report.md").read_text()
    assert "delay depletion by" in text and "Sand's formula" in text
    assert "Against dendrite onset in PEO cells" in text
    assert report["onset_comparison"]["model_exponent"] is not None


def test_onset_against_peo_cells():
    """Brissot-type cell: the model's depletion time scales as J^-2 above J* and never comes below J*."""
    rows = onset_runs(current_densities_mA_cm2=(0.1, 0.6, 1.2))
    below, middle, high = rows
    assert below["current_over_j_star"] < 1.0 and below["onset_time_model_s"] is None and below["steady"]
    assert below["min_surface_concentration_mol_m3"] > 0.3 * BRISSOT_CELL.concentration_mol_m3
    assert fitted_exponent(rows) == pytest.approx(PUBLISHED_EXPONENT, abs=0.02)
    # the finite cell at 5.6 J*: Sand's semi-infinite formula within the time-step error
    assert high["onset_time_model_s"] == pytest.approx(high["sand_time_formula_s"], rel=0.02)


def test_porous_host_delays_depletion(comm, shared_tmp_path):
    """Electrolyte in the pores of a small cubic foam (Li plating on the struts) against planar Li."""
    out = shared_tmp_path / "sand_time_porous"
    cfg = SandTimeConfig(
        geometries=("planar", "porous"),
        electrolytes=("PEO_LiTFSI",),
        polymer_current_densities_mA_cm2=(120.0,),
        separator_thickness_um=10.0,
        finger_height_um=10.0,
        pitch_um=10.0,
        porosity=0.8,
        mesh_size_interface_um=0.7,
        mesh_size_bulk_um=2.1,
        planar_cells=40,
        target_change=0.1,
        refinement_ratio=1.0,
        fields=False,
        onset_comparison=False,
        groups=comm.size,
    )
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    rows = {r["geometry"]: r for r in json.loads((out / "report.json").read_text())["cases"]}
    planar, host = rows["planar"], rows["porous"]
    print("porous:", {k: host[k] for k in ("sand_time_s", "delay_vs_planar", "interface_area_ratio_mesh")})
    assert abs(planar["sand_time_vs_analytic_percent"]) < 3.0
    # a foam of porosity 0.8 and height = pitch has several times the footprint as strut surface
    assert 2.0 < host["interface_area_ratio_mesh"] < 4.0
    assert host["sand_time_s"] is not None and host["delay_vs_planar"] > 2.0
    assert host["salt_conservation_error_relative"] < 1e-10
    assert "porous" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--geometries", "planar,spiral"], "geometries = 'spiral' is not one of"),
        (["--electrolytes", "water"], "electrolytes = 'water' is not one of"),
        (["--depletion-threshold-fraction", "0.7"], "depletion_threshold_fraction = 0.7 is outside"),
        (["--polymer-current-densities-mA-cm2", "10,-5"], "polymer_current_densities_mA_cm2 = -5.0 mA/cm2 is outside"),
        (["--finger-width-um", "12"], "finger_width_um = 12.0 um is outside the allowed range (0, 10) um"),
        (["--base-thickness-um", "0.5"], "mesh_size_interface"),  # two elements across the base: refused by the host
        (["--refinement-ratio", "5"], "refinement_ratio = 5.0 is outside"),
        (["--geometries", "planar,porous", "--finger-height-um", "15"], "finger_height_um = 15 um must be a whole"),
        (["--porosity", "1.2"], "porosity = 1.2 is outside"),
    ],
)
def test_bad_input_refused_before_work(comm, shared_tmp_path, capsys, arguments, message):
    out = shared_tmp_path / "refused"
    assert_refused_before_work(main, out, arguments, message, comm, capsys)
