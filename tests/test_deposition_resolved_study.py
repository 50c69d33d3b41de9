"""The pore-resolved deposition study end to end on a small foam, and its refusals."""

import json

import pytest

from fem.validation import ParameterError
from studies._cli import run_cli
from studies.deposition_resolved import ResolvedDepositionConfig, build_cases, main, run_study

SMALL = {
    "sigma_ratios": (1e-3,),
    "footprint_um": 5.0,
    "host_thickness_um": 15.0,
    "dual_gradient_layers_um": (2.5, 10.0, 2.5),
    "porosity_gradient": (),
}


def test_study_writes_complete_report(comm, shared_tmp_path):
    out = shared_tmp_path / "deposition_resolved"
    cfg = ResolvedDepositionConfig(**SMALL, groups=comm.size)
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    cases = {c["case_id"]: c for c in report["cases"]}
    assert len(cases) == len(build_cases(cfg)) == 3
    for case in report["cases"]:
        assert case["charge_conservation_error"] < 1e-9
        for model in ("resolved", "homogenised"):
            metrics = case[model]
            assert 0.0 <= metrics["fraction_bottom"] <= 1.0 and -1.0 <= metrics["bottom_up_index"] <= 1.0
        # the homogenised twin, with parameters measured on the same mesh, tracks the resolved answer
        assert abs(case["resolved"]["bottom_up_index"] - case["homogenised"]["bottom_up_index"]) < 0.05
        assert (out / case["fields"] / "interface_current_density_A_m2.bp").is_dir()
        assert case["scaffold_connected"]  # the foam conducts across every layer
    assert cases["conductivity_uniform_0p001"]["resolved"]["fraction_bottom"] > 0.9
    verdict = report["pu_2019_comparison"]
    assert verdict["bare_Ni_plates_on_top"] and verdict["dual_gradient_plates_bottom_up"]
    for figure in report["figures"]:
        assert (out / figure).stat().st_size > 0
    assert (out / "report.md").read_text().startswith("# Where Li deposits in a pore-resolved host")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"dual_gradient_layers_um": (5.0, 5.0, 6.0)}, "must equal host_thickness_um"),
        ({"porosity": 1.5}, "porosity = 1.5"),
        ({"scaffold_conductivity_S_m": -1.0}, "scaffold_conductivity_S_m"),
        ({"sigma_ratios": (0.0,)}, "sigma_ratios"),
        ({"mesh_size_um": 2.0}, "mesh size"),
    ],
)
def test_bad_input_is_refused_before_work(overrides, message):
    with pytest.raises(ParameterError, match=message):
        ResolvedDepositionConfig(**{**SMALL, **overrides}).validate(1)


def test_cli_refuses_with_exit_code(comm, shared_tmp_path, capsys):
    code = run_cli(main, ["--out", str(shared_tmp_path / "x"), "--porosity", "-0.2"])
    assert code != 0
    if comm.rank == 0:
        assert "porosity" in capsys.readouterr().err
    assert not (shared_tmp_path / "x").exists()
