"""The deposition study (homogenised part) end to end on a small configuration, its helpers, and refusals."""

import json
import math

import numpy as np
import pytest
from conftest import assert_refused_before_work

from studies.deposition import Case, DepositionConfig, build_cases, case_host, main, run_study, switch_ratio

SMALL = {"sigma_ratios": (0.01, 100.0), "min_host_cells": 60, "cells_per_penetration_depth": 4.0}


def test_study_writes_complete_report(comm, shared_tmp_path):
    out = shared_tmp_path / "deposition"
    cfg = DepositionConfig(**SMALL, groups=comm.size)  # on 2 ranks: two groups of one rank
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    cases = {c["case_id"]: c for c in report["cases"]}
    assert len(cases) == len(build_cases(cfg)) == 9
    for case in report["cases"]:
        assert case["charge_conservation_error"] < 1e-9
        assert math.isclose(case["fraction_bottom"] + case["fraction_middle"] + case["fraction_top"], 1.0)
        assert -1.0 <= case["bottom_up_index"] <= 1.0
        assert case["host_polarisation_mV"] > 0.0  # plating: electrolyte above the scaffold potential
        assert len(case["profile"]["z_over_H"]) == len(case["profile"]["deposition_rate_over_mean"]) > 50
    # the switch: a poor conductor plates bottom-up, a good one on top (review Fig. 5a)
    low, high = cases["conductivity_uniform_0p01"], cases["conductivity_uniform_100"]
    assert low["bottom_up_index"] > 0.5 > -0.2 > high["bottom_up_index"]
    assert low["fraction_bottom"] > 0.9 and high["fraction_top"] > 0.5
    # Pu et al.: bare Ni plates on top, the dual gradient bottom-up; the blocked top layer takes nothing
    assert report["pu_2019_comparison"]["bare_Ni_plates_on_top"]
    assert report["pu_2019_comparison"]["dual_gradient_plates_bottom_up"]
    dual = cases["host_dual_gradient"]
    assert dual["profile"]["deposition_rate_over_mean"][-1] == 0.0  # z = H, under the separator: blocked
    # a dense top blocks its pores sooner than a dense bottom
    dense_top, dense_bottom = cases["porosity_dense_top"], cases["porosity_dense_bottom"]
    assert dense_top["capacity_to_fill_top_mAh_cm2"] < dense_bottom["capacity_to_fill_top_mAh_cm2"]
    # exact linear-kinetics check inside the study (P1, mesh sized from 1/nu)
    exact = cases["verification_linear_kinetics_1"]["exact"]
    assert exact["fraction_bottom_error"] < 1e-3 and exact["bottom_up_index_error"] < 1e-3
    assert report["homogenised_throughput"]["cases_per_second"] > 0.0
    assert report["switch_sigma_ratio"] is not None and 0.01 < report["switch_sigma_ratio"] < 100.0
    for figure in report["figures"]:
        assert (out / figure).stat().st_size > 0
    assert (out / "report.md").read_text().startswith("# Where Li deposits")
    assert not list(out.parent.glob(".deposition.partial-*"))


def test_switch_ratio_interpolates_the_sign_change():
    rows = [{"sigma_ratio": 1.0, "bottom_up_index": 0.5}, {"sigma_ratio": 100.0, "bottom_up_index": -0.5}]
    assert switch_ratio(rows) == pytest.approx(10.0, rel=1e-12)
    assert switch_ratio([{"sigma_ratio": 1.0, "bottom_up_index": 0.5}]) is None


def test_dual_gradient_profiles():
    cfg = DepositionConfig()
    host = case_host(cfg, Case("host", "dual_gradient"))
    H = cfg.host_thickness_um * 1e-6
    assert host.breakpoints() == pytest.approx((10e-6, 35e-6))
    z = np.array([5e-6, 20e-6, 45e-6])
    assert host.exchange_current_density_A_m2(z, H) == pytest.approx([10 * cfg.i0_A_m2, cfg.i0_A_m2, 0.0])
    sigma = host.scaffold_conductivity_S_m(z, H)
    assert sigma[0] == sigma[1] == 1.4e7 and sigma[2] == cfg.insulator_conductivity_S_m


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--porosity", "1.2"], "porosity = 1.2 is outside the allowed range (0, 1)"),
        (["--sigma-ratios", "0.1,-1"], "sigma_ratios = -1.0 is outside"),
        (["--dual-gradient-layers-um", "10,25,20"], "the profile leaves the host"),
        (["--porosity-gradient", "0.5,1.5"], "porosity_gradient[1] = 1.5 is outside the allowed range (0, 1)"),
        (["--current-density-mA-cm2", "-1"], "current_density_mA_cm2 = -1.0 mA/cm2 is outside"),
        (["--insulator-conductivity-S-m", "0"], "insulator_conductivity_S_m = 0.0 S/m is outside"),
    ],
)
def test_bad_input_refused_before_work(comm, shared_tmp_path, capsys, arguments, message):
    out = shared_tmp_path / "refused"
    assert_refused_before_work(main, out, arguments, message, comm, capsys)
