"""The interdigitated-vs-planar study end to end on a tiny configuration, and its refusals."""

import json

import pytest
from conftest import assert_refused_before_work

from studies.interdigitated import InterdigitatedConfig, main, run_study
from studies.interdigitated_transport import comparison_lines, default_config, peo_transport_rows


def test_study_reports_reduction_against_planar(comm, shared_tmp_path):
    out = shared_tmp_path / "interdigitated"
    cfg = InterdigitatedConfig(
        variants=("lamellar", "pillars"),
        finger_heights_um=(10.0,),
        pitches_um=(10.0,),
        finger_height_um=10.0,
        electrolytes=("LPSCl", "PEO_LiTFSI"),
        degree=1,
        interface_cells_per_width=2.5,
        bulk_cells_per_pitch=1.0,
        refinement_levels=0,
        groups=comm.size,
    )
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    rows = {(r["variant"], r["electrolyte"]): r for r in report["cases"]}
    assert set(rows) == {(v, e) for v in ("lamellar", "pillars") for e in ("LPSCl", "PEO_LiTFSI")}
    for row in rows.values():
        # mean local current = nominal / area ratio exactly (charge conservation)
        assert row["mean_current_density_mA_cm2"] == pytest.approx(1.0 / row["interface_area_ratio_mesh"], rel=1e-6)
        assert row["peak_current_density_mA_cm2"] >= row["mean_current_density_mA_cm2"]
    assert rows[("lamellar", "LPSCl")]["interface_area_ratio"] == pytest.approx(3.0)  # 1 + 2 h / p
    # a lower electrolyte conductivity crowds the current at the tips: less peak reduction
    for variant in ("lamellar", "pillars"):
        assert (
            rows[(variant, "PEO_LiTFSI")]["peak_reduction_vs_planar_percent"]
            < rows[(variant, "LPSCl")]["peak_reduction_vs_planar_percent"]
        )
    assert report["published"]["reduction_percent"] == 60.0
    for figure in report["figures"]:
        assert (out / figure).stat().st_size > 0
    assert "Against the published reduction" in (out / "report.md").read_text()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--variants", "lamellar,spiral"], "variants = 'spiral' is not one of"),
        (["--width-fraction", "0.95"], "width_fraction = 0.95 is outside the allowed range [0.05, 0.9]"),
        (["--electrolytes", "water"], "electrolytes = 'water' is not one of"),
    ],
)
def test_bad_input_refused_before_work(comm, shared_tmp_path, capsys, arguments, message):
    out = shared_tmp_path / "refused"
    assert_refused_before_work(main, out, arguments, message, comm, capsys)


def test_peo_case_with_binary_transport(comm, shared_tmp_path):
    """The polymer case with Newman transport: 60 % mean reduction at h/p = 0.75, depletion delayed."""
    cfg = default_config(mesh_size_interface_um=2.0, mesh_size_bulk_um=5.0, target_change=0.05, planar_cells=40)
    (row,) = peo_transport_rows(cfg, comm, shared_tmp_path / "interdigitated_transport")
    print(row)
    assert row["interface_area_ratio_mesh"] == pytest.approx(2.5, rel=1e-6)
    assert row["mean_local_current_reduction_percent"] == pytest.approx(60.0, rel=1e-6)
    assert 1.0 < row["delay_vs_planar"] < row["sand_delay_at_mean_local_current"]
    assert row["local_current_at_depletion_mA_cm2"] < row["current_density_mA_cm2"]
    assert row["salt_conservation_error_relative"] < 1e-10
    assert "60 %" in "\n".join(comparison_lines([row]))
