"""The image constriction study end to end on a tiny contact map, and its refusals."""

import json
import math

import numpy as np
import pytest
from conftest import assert_refused_before_work

from geometries.image_contact import rasterize_disks
from geometries.spots import grid_spots
from studies.image_constriction import ImageConstrictionConfig, main, run_study

B = 20e-6


@pytest.fixture
def contact_map(shared_tmp_path, comm):
    """Four spots, f = 0.3, as a 32 x 32 .npy map of 0.625 um pixels."""
    path = shared_tmp_path / "map.npy"
    if comm.rank == 0:
        pattern = grid_spots(B, 0.3, 4, min_feature=1e-9)
        np.save(path, rasterize_disks(B, pattern.disks, 32))
    comm.barrier()
    return path


def test_study_compares_image_with_equal_area_spot(comm, shared_tmp_path, contact_map):
    out = shared_tmp_path / "image_constriction"
    cfg = ImageConstrictionConfig(
        contact_image=str(contact_map),
        pixel_size_um=0.625,
        sse_thickness_um=10.0,
        bulk_cells=6,
        fields=False,
        groups=comm.size,
    )
    run_study(cfg, out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    image, spot = report["cases"]
    assert (image["case"], spot["case"]) == ("image", "equal_area_spot")
    for case in (image, spot):
        assert case["contact_fraction_mesh"] == pytest.approx(0.296875, rel=0.01)  # 304 of 1024 pixels
        assert case["asr_constriction_ohm_cm2"] > case["asr_spreading_ohm_cm2"] > 0.0
        assert math.isfinite(case["hotspot_factor"]) and case["hotspot_factor"] >= 1.0
        assert (out / case["figure"]).stat().st_size > 0
    assert image["contact_fraction_mesh"] == pytest.approx(image["contact_fraction_pixels"], rel=1e-9)
    # four spots spread the current better than one of the same area (Holm: spreading ~ 1/sqrt(N))
    assert report["image_over_equal_area_spot"]["asr_spreading_ohm_cm2"] < 1.0
    assert (out / "report.md").read_text().startswith("# Current constriction on the contact image map.npy")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--pixel-size-um", "0.5"], "contact_image = ''"),
        (["--contact-image", "missing.png", "--pixel-size-um", "0.5"], "is not a readable file"),
        (["--contact-image", "MAP", "--pixel-size-um", "-2"], "pixel_size_um = -2.0 um"),
        (["--contact-image", "MAP", "--pixel-size-um", "0.5", "--electrolyte", "LPS"], "electrolyte = 'LPS'"),
    ],
)
def test_bad_input_refused_before_work(comm, shared_tmp_path, contact_map, capsys, arguments, message):
    out = shared_tmp_path / "refused"
    arguments = [str(contact_map) if a == "MAP" else a for a in arguments]
    assert_refused_before_work(main, out, arguments, message, comm, capsys)
