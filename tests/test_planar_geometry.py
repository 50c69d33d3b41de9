"""The planar Li | SSE interface builder: tags, exact volumes and areas, files, refusals."""

import json
import math

import dolfinx
import numpy as np
import pytest
import ufl

from fem.markers import marker_table
from fem.mesh_io import extract_cells
from fem.validation import ParameterError
from geometries.planar import PlanarInterfaceParams, planar_interface_mesh
from geometries.spots import grid_spots, random_voids

B, L, H_LI = 10e-6, 6e-6, 2e-6


def _measure(meshdata, integrand_region):
    kind, name = integrand_region
    mesh = meshdata.mesh
    one = dolfinx.fem.Constant(mesh, 1.0)
    if kind == "dx":
        measure = ufl.Measure("dx", domain=mesh, subdomain_data=meshdata.cell_tags)
        form = one * (measure(meshdata.cell_id(name)) if name else measure)
    else:
        measure = ufl.Measure("ds" if kind == "ds" else "dS", domain=mesh, subdomain_data=meshdata.facet_tags)
        form = one * measure(meshdata.facet_id(name))
    return mesh.comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(form)))


def _params(pattern, h_edge):
    return PlanarInterfaceParams(pattern, L, H_LI, mesh_size_edges=h_edge, mesh_size_bulk=2e-6)


def test_single_spot_li_and_sse(comm, shared_tmp_path):
    pattern = grid_spots(B, 0.2, 1, min_feature=0.2e-6)
    a = pattern.disks[0].radius
    h = a / 6
    md = planar_interface_mesh(comm, _params(pattern, h), out_dir=shared_tmp_path)
    assert md.facets_present() == {"bottom", "top", "sides", "li_sse", "void"}
    assert _measure(md, ("dx", None)) == pytest.approx(B * B * (L + H_LI), rel=1e-12)
    assert _measure(md, ("dx", "sse")) == pytest.approx(B * B * L, rel=1e-12)
    assert _measure(md, ("dx", "lithium")) == pytest.approx(B * B * H_LI, rel=1e-12)
    electrolyte = extract_cells(md, ("sse",))  # interface as boundary: ds works on any partition
    contact = _measure(electrolyte, ("ds", "li_sse"))
    void = _measure(electrolyte, ("ds", "void"))
    assert contact + void == pytest.approx(B * B, rel=1e-12)
    # an inscribed polygon with edges ~h loses (h/a)^2/6 of the disk area; allow twice that
    assert abs(contact / (math.pi * a * a) - 1.0) < (h / a) ** 2 / 3
    if comm.rank == 0:
        assert json.loads((shared_tmp_path / "markers.json").read_text()) == marker_table()
        info = json.loads((shared_tmp_path / "info.json").read_text())
        assert info["contact_fraction_requested"] == pytest.approx(0.2)
        assert abs(info["contact_fraction_geometry"] - 0.2) < 1e-6
        assert "dolfinx" in info["versions"] and (shared_tmp_path / "mesh.msh").exists()


def test_electrolyte_region_extraction_keeps_interface_markers(comm):
    pattern = grid_spots(B, 0.3, 4, min_feature=0.1e-6)
    a = pattern.disks[0].radius
    md = planar_interface_mesh(comm, _params(pattern, a / 4), cell_regions=("sse",))
    assert md.facets_present() == {"top", "sides", "li_sse", "void"}
    assert _measure(md, ("dx", None)) == pytest.approx(B * B * L, rel=1e-12)
    contact, void = _measure(md, ("ds", "li_sse")), _measure(md, ("ds", "void"))
    assert contact + void == pytest.approx(B * B, rel=1e-12)
    assert abs(contact / (4 * math.pi * a * a) - 1.0) < (1 / 4) ** 2 / 3
    assert _measure(md, ("ds", "top")) == pytest.approx(B * B, rel=1e-12)
    assert _measure(md, ("ds", "sides")) == pytest.approx(4 * B * L, rel=1e-12)


def test_merged_spots_and_random_voids(comm):
    merged = grid_spots(B, 0.9, 1, min_feature=0.2e-6)
    md = planar_interface_mesh(comm, _params(merged, 0.25e-6), cell_regions=("sse",))
    assert _measure(md, ("ds", "li_sse")) / B**2 == pytest.approx(0.9, abs=2e-3)

    voids = random_voids(B, 0.25, 1.2e-6, 0.3e-6, seed=3, min_feature=0.2e-6)
    md = planar_interface_mesh(comm, _params(voids, 0.2e-6), cell_regions=("sse",))
    void_area = _measure(md, ("ds", "void"))
    assert void_area / B**2 == pytest.approx(1.0 - voids.contact_fraction, abs=5e-3)
    assert np.isclose(void_area + _measure(md, ("ds", "li_sse")), B * B, rtol=1e-12)


def test_refuses_mesh_coarser_than_spot():
    pattern = grid_spots(B, 0.05, 1, min_feature=0.1e-6)
    with pytest.raises(ParameterError, match="mesh_size_edges"):
        PlanarInterfaceParams(pattern, L, H_LI, mesh_size_edges=1.5e-6, mesh_size_bulk=2e-6)
    with pytest.raises(ParameterError, match="sse_thickness"):
        PlanarInterfaceParams(pattern, -1e-6, H_LI, mesh_size_edges=0.1e-6, mesh_size_bulk=2e-6)


def test_command_line_builds_and_refuses(tmp_path, capsys):
    from geometries.__main__ import main

    assert main(["planar", "--out", str(tmp_path), "--n-spots", "4", "--mesh-size-edges-um", "0.8"]) == 0
    info = json.loads((tmp_path / "info.json").read_text())
    assert info["parameters"]["pattern"]["disks_are_contact"] and len(info["parameters"]["pattern"]["disks"]) == 4
    assert (tmp_path / "mesh.msh").exists() and (tmp_path / "markers.json").exists()
    assert main(["planar", "--out", str(tmp_path / "x"), "--contact-fraction", "1.5"]) == 2
    assert "contact_fraction = 1.5 is outside the allowed range (0, 1)" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
