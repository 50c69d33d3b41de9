"""Graded hosts: porosity per sublayer, tagged host sublayers 30-39, determinism, refusals,
rank independence and the command line."""

import argparse
import json

import dolfinx
import numpy as np
import pytest
import ufl
from conftest import facet_area
from mpi4py import MPI

from fem.validation import ParameterError
from geometries.gradient import (
    GradientMaterialParams,
    GradientPorosityParams,
    gradient_material_mesh,
    gradient_porosity_mesh,
    register_gradient,
)
from geometries.porous import (
    POROSITY_TOLERANCE,
    FibreMat,
    OpenCellFoam,
    PorousHostParams,
    SpherePacking,
    place_scaffold,
)

UM = 1e-6
B, H, L = 10 * UM, 8 * UM, 3 * UM


def _assemble(md, integrand, measure):
    form = dolfinx.fem.form(integrand * measure)
    return md.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)


def _volume(md, name=None, below=None, above=None):
    """Volume of a cell region (whole mesh if None), optionally restricted to z in (above, below)."""
    mesh = md.mesh
    dx = ufl.Measure("dx", domain=mesh, subdomain_data=md.cell_tags)
    z = ufl.SpatialCoordinate(mesh)[2]
    weight = dolfinx.fem.Constant(mesh, 1.0)
    if below is not None:
        weight = weight * ufl.conditional(ufl.lt(z, below), 1.0, 0.0)
    if above is not None:
        weight = weight * ufl.conditional(ufl.gt(z, above), 1.0, 0.0)
    return _assemble(md, weight, dx if name is None else dx(md.cell_id(name)))


def _cells_present(md):
    local = set(np.unique(md.cell_tags.values).tolist())
    present = set().union(*md.mesh.comm.allgather(local))
    return {name for name, mid in md.markers["cells"].items() if mid in present}


def _porosity_gradient(**overrides):
    values = dict(
        scaffold=SpherePacking(1.2 * UM),
        layer_thicknesses=(4 * UM, 4 * UM),
        porosities=(0.8, 0.9),
        footprint=B,
        host_thickness=H,
        separator_thickness=L,
        mesh_size=0.4 * UM,
        seed=4,
    )
    values.update(overrides)
    return GradientPorosityParams(**values)


def _host(**overrides):
    values = dict(
        scaffold=SpherePacking(1.5 * UM, overlapping=True),
        porosity=0.6,
        footprint=B,
        host_thickness=H,
        separator_thickness=L,
        mesh_size=0.45 * UM,
        seed=5,
    )
    values.update(overrides)
    return PorousHostParams(**values)


def test_porosity_of_each_sublayer_from_the_mesh(comm, shared_tmp_path):
    params = _porosity_gradient()
    md = gradient_porosity_mesh(comm, params, out_dir=shared_tmp_path)
    assert _cells_present(md) == {"sse", "host"}
    assert _volume(md) == pytest.approx(B * B * (H + L), rel=1e-10)
    z = 4 * UM  # the sublayer boundary is a cut plane: each cell lies on one side
    bottom = 1.0 - _volume(md, "host", below=z) / (B * B * z)
    top = 1.0 - _volume(md, "host", above=z) / (B * B * (H - z))
    assert abs(bottom - 0.8) <= POROSITY_TOLERANCE and abs(top - 0.9) <= POROSITY_TOLERANCE
    assert md.info["slab_porosity_geometry"] == pytest.approx([0.8, 0.9], abs=POROSITY_TOLERANCE)
    assert md.info["porosity_requested"] == pytest.approx(0.85)
    assert facet_area(md, "host_sse") == pytest.approx(md.info["interface_area_m2"]["host_sse"], rel=0.05)
    if comm.rank == 0:
        info = json.loads((shared_tmp_path / "info.json").read_text())
        assert info["parameters"]["porosities"] == [0.8, 0.9] and info["seed"] == 4


def test_porosity_gradient_is_deterministic(comm):
    params = _porosity_gradient(mesh_size=0.5 * UM, scaffold=SpherePacking(1.5 * UM), porosities=(0.85, 0.9))
    first = gradient_porosity_mesh(comm, params).info
    assert gradient_porosity_mesh(comm, params).info == first
    other = _porosity_gradient(mesh_size=0.5 * UM, scaffold=SpherePacking(1.5 * UM), porosities=(0.85, 0.9), seed=5)
    assert place_scaffold(other.scaffold, other.layout(), other.seed) != place_scaffold(
        params.scaffold, params.layout(), params.seed
    )


def test_material_sublayers_tagged_by_height(comm):
    params = GradientMaterialParams(_host(), (2 * UM, 4 * UM, 2 * UM), ("Au", "Ni", "Al2O3"))
    md = gradient_material_mesh(comm, params)
    layers = {"host_layer_0", "host_layer_1", "host_layer_2"}
    assert _cells_present(md) == {"sse"} | layers  # scaffold cells carry only their sublayer id
    assert {"bottom", "top", "sides", "host_sse"} <= md.facets_present()
    assert md.cell_id("host_layer_0") == 30 and md.cell_id("host_layer_2") == 32
    host = sum(_volume(md, name) for name in layers)
    assert abs(1.0 - host / (B * B * H) - 0.6) <= POROSITY_TOLERANCE
    # every sublayer's cells lie within its heights
    bounds = [(0.0, 2 * UM), (2 * UM, 6 * UM), (6 * UM, H)]
    for k, (z0, z1) in enumerate(bounds):
        name = f"host_layer_{k}"
        assert _volume(md, name) > 0.0
        assert _volume(md, name, below=z0) + _volume(md, name, above=z1) == pytest.approx(0.0, abs=1e-30)
        entry = md.info["host_layers"][k]
        assert (
            entry["id"] == 30 + k and entry["z_bottom_m"] == pytest.approx(z0) and entry["z_top_m"] == pytest.approx(z1)
        )
        assert entry["label"] == ("Au", "Ni", "Al2O3")[k]
    # interfaces with the pores stay host_sse; per-layer areas add up to the total
    per_layer = sum(layer["interface_area_m2"]["host_sse"] for layer in md.info["host_layers"])
    assert per_layer == pytest.approx(md.info["interface_area_m2"]["host_sse"], rel=1e-9)
    assert facet_area(md, "host_sse") == pytest.approx(per_layer, rel=0.05)


def test_material_layers_over_lithium_filled_fibres(comm):
    host = PorousHostParams(FibreMat(1.0 * UM), 0.7, 12 * UM, H, L, mesh_size=0.3 * UM, pore_fill=0.4, seed=1)
    md = gradient_material_mesh(comm, GradientMaterialParams(host, (2 * UM, 6 * UM)))
    assert {"host_layer_0", "host_layer_1", "lithium", "sse"} == _cells_present(md)
    assert {"host_li", "li_sse", "host_sse"} <= md.facets_present()
    bottom = md.info["host_layers"][0]["interface_area_m2"]
    assert bottom["host_li"] > 0.0  # Li (z < 3.2 um) wets the lithiophilic bottom layer
    assert facet_area(md, "host_li") == pytest.approx(md.info["interface_area_m2"]["host_li"], rel=0.05)


@pytest.mark.mpi
def test_global_volumes_independent_of_rank_count():
    params = GradientMaterialParams(_host(scaffold=SpherePacking(1.5 * UM), porosity=0.8), (3 * UM, 5 * UM))
    measures = []
    for comm in (MPI.COMM_SELF, MPI.COMM_WORLD):
        md = gradient_material_mesh(comm, params)
        measures.append(
            [_volume(md, name) for name in ("sse", "host_layer_0", "host_layer_1")] + [facet_area(md, "host_sse")]
        )
    assert measures[1] == pytest.approx(measures[0], rel=1e-10)


def test_refuses_profiles_that_leave_the_host():
    with pytest.raises(ParameterError, match=r"layer_thicknesses sum to 9e-06 m, not host_thickness = 8e-06 m.*leaves"):
        _porosity_gradient(layer_thicknesses=(4 * UM, 5 * UM))
    with pytest.raises(ParameterError, match=r"porosities\[1\] = 1.2 is outside the allowed range \(0, 1\)"):
        _porosity_gradient(porosities=(0.8, 1.2))
    with pytest.raises(ParameterError, match=r"porosities\[0\] = 0.0 is outside the allowed range \(0, 1\)"):
        _porosity_gradient(porosities=(0.0, 0.9))
    with pytest.raises(ParameterError, match=r"porosities has 3 values for 2 layer_thicknesses"):
        _porosity_gradient(porosities=(0.8, 0.85, 0.9))
    with pytest.raises(ParameterError, match=r"porosity = 0.5 is unreachable with non-overlapping spheres"):
        _porosity_gradient(porosities=(0.5, 0.9))
    with pytest.raises(ParameterError, match=r"OpenCellFoam: a porosity gradient is built by random sequential"):
        _porosity_gradient(scaffold=OpenCellFoam(4 * UM))
    with pytest.raises(ParameterError, match=r"layer_thicknesses\[1\] = 5e-07 m is thinner than twice the mesh size"):
        GradientMaterialParams(_host(), (7.5 * UM, 0.5 * UM))
    with pytest.raises(ParameterError, match=r"layer_thicknesses sum to 7e-06 m.*does not fill"):
        GradientMaterialParams(_host(), (3 * UM, 4 * UM))
    with pytest.raises(ParameterError, match=r"layer_thicknesses has 11 layers; between 1 and 10"):
        GradientMaterialParams(_host(mesh_size=0.2 * UM), (H / 11,) * 11)
    with pytest.raises(ParameterError, match=r"layer_labels has 1 entries for 2 layers"):
        GradientMaterialParams(_host(), (4 * UM, 4 * UM), ("Au",))
    foam = PorousHostParams(OpenCellFoam(4 * UM), 0.8, 8 * UM, 8 * UM, L, mesh_size=0.25 * UM)
    graded = GradientMaterialParams(foam, (3.3 * UM, 4.7 * UM))  # 3.3 um is ~ node + strut radius above z = 4 um
    with pytest.raises(ParameterError, match=r"the cut plane z = .* grazes the foam node"):
        place_scaffold(graded.scaffold, graded.layout(), graded.seed)


def _cli(argv):
    parser = argparse.ArgumentParser()
    register_gradient(parser.add_subparsers(dest="family", required=True))
    args = parser.parse_args(argv)
    args.handler(args)


def test_command_line_builds_and_refuses(tmp_path, capsys):
    small = [
        "--footprint-um",
        "8",
        "--host-thickness-um",
        "6",
        "--separator-thickness-um",
        "3",
        "--mesh-size-um",
        "0.5",
    ]
    out = tmp_path / "material"
    scaffold = ["--radius-um", "1.5", "--overlapping", "--porosity", "0.6"]
    _cli(
        [
            "gradient-material",
            "--out",
            str(out),
            *small,
            *scaffold,
            "--layer-thicknesses-um",
            "2,4",
            "--layer-labels",
            "Au,Ni",
        ]
    )
    assert "host layers [30, 31]" in capsys.readouterr().out
    info = json.loads((out / "info.json").read_text())
    assert [layer["label"] for layer in info["host_layers"]] == ["Au", "Ni"]
    assert (out / "mesh.msh").exists() and (out / "markers.json").exists()
    with pytest.raises(ParameterError, match=r"layer_thicknesses sum to 1\.2e-05 m, not host_thickness = 6e-06 m"):
        _cli(["gradient-porosity", "--out", str(tmp_path / "x"), *small, "--layer-thicknesses-um", "6,6"])
    assert not (tmp_path / "x").exists()
