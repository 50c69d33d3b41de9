"""The constriction study end to end on a tiny configuration, and its refusals."""

import json
import math

import pytest

from studies._cli import run_cli
from studies._output import atomic_output_dir
from studies.constriction import ConstrictionConfig, main, run_study


def test_study_writes_complete_report(comm, shared_tmp_path):
    out = shared_tmp_path / "constriction"
    cfg = ConstrictionConfig(
        contact_fractions=(0.2,),
        n_spots=(4,),
        spot_sweep_contact_fraction=0.2,
        degree=1,
        edge_resolution=4,
        bulk_cells=5,
        refinement_levels=2,
        groups=comm.size,  # on 2 ranks: two groups of one rank run the cases side by side
    )
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    assert [c["n_spots"] for c in report["cases"]] == [1, 4]
    for case in report["cases"]:
        for key in (
            "asr_total_ohm_cm2",
            "asr_constriction_ohm_cm2",
            "hotspot_factor",
            "num_dofs",
            "solve_seconds",
        ):
            assert math.isfinite(case[key])
        assert case["hotspot_factor"] >= 1.0
        # total = perfect contact + constriction, and constriction = spreading + kinetic
        assert case["asr_total_ohm_cm2"] == pytest.approx(
            case["asr_perfect_contact_ohm_cm2"] + case["asr_constriction_ohm_cm2"]
        )
        assert case["asr_constriction_ohm_cm2"] > case["asr_spreading_ohm_cm2"] > 0.0
    # at equal contact fraction, more spots -> less spreading resistance (Holm: ~ 1/sqrt(N))
    assert report["cases"][1]["asr_spreading_ohm_cm2"] < report["cases"][0]["asr_spreading_ohm_cm2"]
    assert len(report["analytic_comparison"]) == 2
    assert report["mesh_convergence"]["refinement"] == [1.0, 1.5]
    for figure in report["figures"]:
        assert (out / figure).stat().st_size > 0
    assert (out / "report.md").read_text().startswith("# Current constriction")
    assert list((out / "fields").glob("*/electrolyte_potential_V.bp"))
    assert not list(out.parent.glob(".constriction.partial-*"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--contact-fractions", "0.2,1.2"], "contact_fractions = 1.2 is outside the allowed range (0, 1)"),
        (["--n-spots", "3"], "n_spots = 3 must be a perfect square"),
        (["--current-density-mA-cm2", "-1"], "current_density_mA_cm2 = -1.0 mA/cm2 is outside"),
        (["--electrolyte", "LPS"], "electrolyte = 'LPS' is not one of"),
    ],
)
def test_bad_input_refused_before_work(comm, shared_tmp_path, capsys, arguments, message):
    out = shared_tmp_path / "refused"
    status = run_cli(main, ["--out", str(out), *arguments])
    assert status == 2
    assert not out.exists()
    if comm.rank == 0:
        assert message in capsys.readouterr().err


def test_interrupted_output_leaves_previous_result(comm, shared_tmp_path):
    out = shared_tmp_path / "result"
    if comm.rank == 0:
        out.mkdir()
        (out / "report.json").write_text("{}")
    comm.barrier()
    with pytest.raises(RuntimeError, match="interrupted"), atomic_output_dir(out, comm) as tmp:
        if comm.rank == 0:
            (tmp / "report.json").write_text('{"half": true}')
        raise RuntimeError("interrupted")
    assert (out / "report.json").read_text() == "{}"
    assert not list(shared_tmp_path.glob(".result.partial-*"))
