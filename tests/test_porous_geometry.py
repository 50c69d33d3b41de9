"""Porous hosts (spheres, fibres, foam): tags, exact volumes, porosity, interface areas,
determinism, refusals, rank independence, and a current solve on the pore electrolyte."""

import argparse
import json
import math

import dolfinx
import numpy as np
import pytest
import ufl
from conftest import facet_area
from mpi4py import MPI

from fem.markers import marker_table
from fem.validation import ParameterError
from geometries.porous import (
    POROSITY_TOLERANCE,
    FibreMat,
    OpenCellFoam,
    PorousHostParams,
    SpherePacking,
    place_scaffold,
    porous_host_mesh,
    register_porous,
)

UM = 1e-6
B, H, L = 10 * UM, 8 * UM, 4 * UM


def _integral(md, kind, name=None):
    """Global volume (dx) or boundary area (ds) of a named region; whole mesh if no name."""
    mesh = md.mesh
    tags = md.cell_tags if kind == "dx" else md.facet_tags
    measure = ufl.Measure(kind, domain=mesh, subdomain_data=tags)
    region = measure if name is None else measure(md.cell_id(name) if kind == "dx" else md.facet_id(name))
    form = dolfinx.fem.form(dolfinx.fem.Constant(mesh, 1.0) * region)
    return mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)


def _host_on_sides(md, axis):
    """Global areas of the host's faces on the sides x_axis = 0 and x_axis = B (owned facets)."""
    mesh = md.mesh
    facets = md.facet_tags.find(md.facet_id("sides"))
    facets = facets[facets < mesh.topology.index_map(2).size_local]
    cells = mesh.topology.index_map(3).size_local + mesh.topology.index_map(3).num_ghosts
    region = np.full(cells, -1)
    region[md.cell_tags.indices] = md.cell_tags.values
    f2c = mesh.topology.connectivity(2, 3)
    host = np.array([region[f2c.links(f)[0]] == md.cell_id("host") for f in facets], dtype=bool)
    areas = np.zeros(2)
    if host.any():
        nodes = dolfinx.mesh.entities_to_geometry(mesh, 2, facets[host], False)
        p = mesh.geometry.x[nodes]
        area = 0.5 * np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1)
        on_plane = np.ptp(p[:, :, axis], axis=1) < 1e-12  # facets in a plane x_axis = const
        upper = p[:, 0, axis] > 0.5 * B
        areas = np.array([area[on_plane & ~upper].sum(), area[on_plane & upper].sum()])
    return mesh.comm.allreduce(areas, op=MPI.SUM)


def _cells_present(md):
    local = set(np.unique(md.cell_tags.values).tolist())
    present = set().union(*md.mesh.comm.allgather(local))
    return {name for name, mid in md.markers["cells"].items() if mid in present}


def _spheres(**overrides):
    values = dict(
        scaffold=SpherePacking(1.5 * UM),
        porosity=0.75,
        footprint=B,
        host_thickness=H,
        separator_thickness=L,
        mesh_size=0.45 * UM,
        seed=1,
    )
    values.update(overrides)
    return PorousHostParams(**values)


def _check_cell(md, params, interfaces):
    """Tags present, exact total volume, porosity from the mesh, interface areas vs OCC."""
    layer = params.footprint**2 * params.host_thickness
    total = params.footprint**2 * (params.host_thickness + params.separator_thickness)
    assert {"bottom", "top", "sides", *interfaces} <= md.facets_present()
    assert _integral(md, "dx") == pytest.approx(total, rel=1e-10)
    host = _integral(md, "dx", "host")
    porosity = 1.0 - host / layer
    assert abs(porosity - params.porosity) <= POROSITY_TOLERANCE
    assert porosity == pytest.approx(md.info["porosity_mesh"], rel=1e-9)
    assert abs(md.info["porosity_geometry"] - params.porosity) <= POROSITY_TOLERANCE
    assert facet_area(md, "top") == pytest.approx(params.footprint**2, rel=1e-10)
    assert facet_area(md, "bottom") == pytest.approx(params.footprint**2, rel=1e-10)
    for name in interfaces:
        area = facet_area(md, name)
        occ = md.info["interface_area_m2"][name]
        assert area > 0.0
        assert area == pytest.approx(occ, rel=0.05)  # faceted curved surfaces vs exact OCC area
        assert md.info["specific_interface_area_1_m"][name] == pytest.approx(occ / layer, rel=1e-12)
    return porosity


def test_separate_spheres_in_electrolyte_with_files(comm, shared_tmp_path):
    params = _spheres()
    md = porous_host_mesh(comm, params, out_dir=shared_tmp_path)
    assert _cells_present(md) == {"sse", "host"}
    _check_cell(md, params, ["host_sse"])
    assert md.facets_present().isdisjoint({"host_li", "li_sse"})
    assert md.info["n_particles"] >= 10
    for axis in (0, 1):  # periodic packing: the host cuts x = 0 and x = b (y too) in the same disks
        low, high = _host_on_sides(md, axis)
        assert low > 0.0 and high == pytest.approx(low, rel=0.03)
    if comm.rank == 0:
        assert json.loads((shared_tmp_path / "markers.json").read_text()) == marker_table()
        info = json.loads((shared_tmp_path / "info.json").read_text())
        assert info["seed"] == 1 and info["parameters"]["scaffold"]["family"] == "spheres"
        assert "dolfinx" in info["versions"] and "gmsh" in info["versions"]
        assert (shared_tmp_path / "mesh.msh").exists()


def test_overlapping_spheres_half_filled_with_lithium(comm):
    params = _spheres(scaffold=SpherePacking(1.5 * UM, overlapping=True), porosity=0.5, pore_fill=0.5, seed=2)
    md = porous_host_mesh(comm, params)
    assert _cells_present(md) == {"sse", "lithium", "host"}
    _check_cell(md, params, ["host_sse", "host_li", "li_sse"])
    # Li fills the pores below z = H / 2 only
    lithium = _integral(md, "dx", "lithium")
    assert 0.0 < lithium < B * B * 0.5 * H
    # the fill plane in the pores is flat: its mesh area matches OCC closely
    assert facet_area(md, "li_sse") == pytest.approx(md.info["interface_area_m2"]["li_sse"], rel=0.02)


def test_fibre_mat_filled_with_lithium(comm):
    params = PorousHostParams(FibreMat(1.0 * UM), 0.7, 12 * UM, H, L, mesh_size=0.3 * UM, pore_fill="lithium")
    md = porous_host_mesh(comm, params)
    assert _cells_present(md) == {"sse", "lithium", "host"}
    _check_cell(md, params, ["host_li", "li_sse"])
    # Li-filled pores meet the separator at z = H: li_sse is the pore part of that plane
    li_sse = facet_area(md, "li_sse")
    assert 0.0 < li_sse < (12 * UM) ** 2


def test_cubic_foam_strut_radius_meets_porosity(comm):
    params = PorousHostParams(OpenCellFoam(5 * UM), 0.8, B, B, L, mesh_size=0.3 * UM)
    md = porous_host_mesh(comm, params)
    _check_cell(md, params, ["host_sse"])
    radius = md.info["strut_radius_m"]
    assert 0.0 < radius < 0.2 * 5 * UM
    # a periodic cubic lattice: the host touches every side and the bottom
    n, nz = 2, 2  # cells along x, y (periodic: struts counted once) and z
    assert md.info["n_struts"] == 2 * n * n * (nz + 1) + n * n * nz and md.info["n_nodes"] == n * n * (nz + 1)


def test_voronoi_foam_is_periodic(comm):
    params = PorousHostParams(OpenCellFoam(6 * UM, "voronoi"), 0.85, B, H, L, mesh_size=0.22 * UM)
    md = porous_host_mesh(comm, params)
    _check_cell(md, params, ["host_sse"])
    assert md.info["n_struts"] > 20 and md.info["node_radius_m"] <= 3.0 * md.info["strut_radius_m"] * (1 + 1e-12)
    for axis in (0, 1):
        low, high = _host_on_sides(md, axis)
        assert low > 0.0 and high == pytest.approx(low, rel=0.05)


def test_same_seed_same_info_other_seed_differs(comm):
    params = _spheres(mesh_size=0.5 * UM, porosity=0.8)
    first = porous_host_mesh(comm, params).info
    again = porous_host_mesh(comm, params).info
    other = porous_host_mesh(comm, _spheres(mesh_size=0.5 * UM, porosity=0.8, seed=7)).info
    assert first == again
    assert first["porosity_geometry"] != other["porosity_geometry"]
    assert first["interface_area_m2"] != other["interface_area_m2"]
    assert place_scaffold(params.scaffold, params.layout(), 1) == place_scaffold(params.scaffold, params.layout(), 1)


def test_refusals_name_the_parameter_and_limit():
    with pytest.raises(
        ParameterError, match=r"porosity = 0.2 is unreachable with non-overlapping spheres.*overlapping=True"
    ):
        _spheres(porosity=0.2)
    with pytest.raises(ParameterError, match=r"porosity = 0.1 is unreachable with overlapping spheres"):
        _spheres(scaffold=SpherePacking(1.5 * UM, overlapping=True), porosity=0.1)
    with pytest.raises(ParameterError, match=r"radius = 5e-06 m: the spheres diameter 1e-05 m is larger than the host"):
        _spheres(scaffold=SpherePacking(5 * UM))
    with pytest.raises(ParameterError, match=r"mesh_size = 1e-06 m is larger than half the smallest spheres radius"):
        _spheres(scaffold=SpherePacking(1.5 * UM, overlapping=True), porosity=0.5, mesh_size=1.0 * UM)
    with pytest.raises(ParameterError, match=r"mesh_size = 6e-07 m is too coarse for the curvature of the spheres"):
        _spheres(scaffold=SpherePacking(1.5 * UM, overlapping=True), porosity=0.4, mesh_size=0.6 * UM)
    with pytest.raises(ParameterError, match=r"porosity = 1.2 is outside the allowed range \(0, 1\)"):
        _spheres(porosity=1.2)
    with pytest.raises(ParameterError, match=r"closer than twice the mesh size.*pore_fill = 0.05 puts Li up to"):
        _spheres(pore_fill=0.05)
    with pytest.raises(ParameterError, match=r"pore_fill = 'water' is not 'electrolyte', 'lithium'"):
        _spheres(pore_fill="water")
    with pytest.raises(ParameterError, match=r"pore_fill = 1.5 is outside the allowed range \[0, 1\]"):
        _spheres(pore_fill=1.5)
    with pytest.raises(ParameterError, match=r"cell_size = 3e-06 m: the cubic foam needs the footprint"):
        foam = PorousHostParams(OpenCellFoam(3 * UM), 0.8, B, B, L, mesh_size=0.2 * UM)
        place_scaffold(foam.scaffold, foam.layout(), 0)
    with pytest.raises(ParameterError, match=r"unreachable with a random overlapping fibre mat"):
        PorousHostParams(FibreMat(1.0 * UM), 0.3, 12 * UM, H, L, mesh_size=0.3 * UM)
    with pytest.raises(ParameterError, match=r"separator_thickness = -1e-06 m is outside"):
        _spheres(separator_thickness=-1 * UM)


def test_jammed_packing_is_refused():
    """Polydisperse RSA has no closed-form limit: the refusal comes when the packing jams."""
    params = _spheres(scaffold=SpherePacking(1.5 * UM, 0.3 * UM), porosity=0.5)
    with pytest.raises(ParameterError, match=r"porosity = 0.5 is unreachable by random sequential addition.*jammed"):
        place_scaffold(params.scaffold, params.layout(), params.seed)


@pytest.mark.mpi
def test_global_volumes_and_areas_independent_of_rank_count():
    params = _spheres(mesh_size=0.5 * UM, porosity=0.8, pore_fill=0.4, seed=3)
    measures = []
    for comm in (MPI.COMM_SELF, MPI.COMM_WORLD):
        md = porous_host_mesh(comm, params)
        volumes = [_integral(md, "dx", name) for name in ("sse", "lithium", "host")]
        areas = [facet_area(md, name) for name in ("host_sse", "host_li", "li_sse")]
        measures.append(volumes + areas + [facet_area(md, name) for name in ("bottom", "top", "sides")])
    assert measures[1] == pytest.approx(measures[0], rel=1e-10)


def test_current_through_electrolyte_filled_pores(comm):
    from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
    from fem.materials import ButlerVolmer, electrolyte

    params = _spheres(mesh_size=0.5 * UM, porosity=0.8)
    md = porous_host_mesh(comm, params, cell_regions=("sse",))
    assert _cells_present(md) == {"sse"}
    kinetics = ButlerVolmer(exchange_current_density_A_m2=10.0)
    problem = SecondaryCurrentProblem(md, electrolyte("LPSCl"), Electrode("host_sse", kinetics))
    solution = problem.solve_potentiostatic(0.02)
    assert math.isfinite(solution.total_current_A) and solution.total_current_A > 0.0
    assert solution.contact_area_m2 == pytest.approx(md.info["interface_area_m2"]["host_sse"], rel=0.05)


def _cli(argv):
    parser = argparse.ArgumentParser()
    register_porous(parser.add_subparsers(dest="family", required=True))
    args = parser.parse_args(argv)
    args.handler(args)


def test_command_line_builds_and_refuses(tmp_path, capsys):
    out = tmp_path / "spheres"
    small = ["--footprint-um", "8", "--host-thickness-um", "6", "--separator-thickness-um", "3"]
    sizes = ["--radius-um", "1.5", "--mesh-size-um", "0.5", "--porosity", "0.85", "--preview"]
    _cli(["spheres", "--out", str(out), *small, *sizes])
    line = capsys.readouterr().out
    assert "spheres, porosity" in line and "tetrahedra" in line and str(out) in line
    info = json.loads((out / "info.json").read_text())
    assert abs(info["porosity_mesh"] - 0.85) <= POROSITY_TOLERANCE
    assert (out / "mesh.msh").exists() and (out / "markers.json").exists() and (out / "preview.png").exists()
    assert info["description"].startswith("porous host: ") and not (tmp_path / ".spheres.partial").exists()
    with pytest.raises(ParameterError, match=r"porosity = 0.3 is unreachable with non-overlapping spheres"):
        _cli(["spheres", "--out", str(tmp_path / "x"), *small, "--porosity", "0.3", "--radius-um", "1.5"])
    with pytest.raises(ParameterError, match=r"pore_fill = 'mud'"):
        _cli(["fibres", "--out", str(tmp_path / "x"), "--pore-fill", "mud"])
    assert not (tmp_path / "x").exists()
