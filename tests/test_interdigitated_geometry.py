"""Interdigitated Li anodes: tags, exact volumes and areas, refusals, determinism, CLI, current."""

import argparse
import json
import math
import re

import dolfinx
import numpy as np
import pytest
import ufl

from fem.markers import marker_table
from fem.validation import ParameterError
from geometries.interdigitated import (
    ConcentricParams,
    LamellarParams,
    PillarParams,
    interdigitated_mesh,
    register_interdigitated,
)

H, L, T_B = 6e-6, 3e-6, 2e-6  # finger height, separator, Li base (m)
LAYERS = dict(finger_height=H, separator_thickness=L, base_thickness=T_B)
HEIGHT = T_B + H + L


def _integral(meshdata, kind, name=None):
    """Global measure of a cell region ("dx") or exterior facet region ("ds"), m3 or m2."""
    mesh = meshdata.mesh
    tags = meshdata.cell_tags if kind == "dx" else meshdata.facet_tags
    measure = ufl.Measure(kind, domain=mesh, subdomain_data=tags)
    if name is not None:
        measure = measure(meshdata.cell_id(name) if kind == "dx" else meshdata.facet_id(name))
    form = dolfinx.fem.form(dolfinx.fem.Constant(mesh, 1.0) * measure)
    return mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form))


def _interface_area(meshdata, name="li_sse"):
    """Global area of an interior facet region (m2), summed over the facets each rank owns.

    (A dS integral needs the shared-facet ghost mode; the builders distribute without ghosts.)
    """
    mesh = meshdata.mesh
    fdim = mesh.topology.dim - 1
    facets = meshdata.facet_tags.find(meshdata.facet_id(name))
    facets = facets[facets < mesh.topology.index_map(fdim).size_local]
    x = mesh.geometry.x[dolfinx.mesh.entities_to_geometry(mesh, fdim, facets)]
    local = 0.5 * np.linalg.norm(np.cross(x[:, 1] - x[:, 0], x[:, 2] - x[:, 0]), axis=1).sum()
    return mesh.comm.allreduce(float(local))


def _sag_bound(walls):
    """Bound on the volume between curved walls and their inscribed triangulation (m3).

    ``walls`` lists (area m2, radius m, element size m); a chord of length h
    sags h^2 / (8 rho) from the arc: allow twice that over the whole wall.
    """
    return sum(area * h * h / (4.0 * rho) for area, rho, h in walls)


def _lamellar(**overrides):
    values = dict(finger_width=2e-6, pitch=5e-6, n_fingers=2, mesh_size_interface=1e-6, mesh_size_bulk=2.5e-6)
    return LamellarParams(**{**LAYERS, **values, **overrides})


def _pillars(**overrides):
    values = dict(pillar_radius=1.5e-6, pitch=5e-6, mesh_size_interface=0.6e-6, mesh_size_bulk=2e-6)
    return PillarParams(**{**LAYERS, **values, **overrides})


def test_lamellar_regions_exact(comm, shared_tmp_path):
    params = _lamellar()
    md = interdigitated_mesh(comm, params, out_dir=shared_tmp_path)
    b = 2 * 5e-6
    assert md.facets_present() == {"bottom", "top", "sides", "li_sse"}
    li = b * b * T_B + 2 * 2e-6 * b * H
    assert _integral(md, "dx") == pytest.approx(b * b * HEIGHT, rel=1e-10)
    assert _integral(md, "dx", "lithium") == pytest.approx(li, rel=1e-10)
    assert _integral(md, "dx", "sse") == pytest.approx(b * b * HEIGHT - li, rel=1e-10)
    exact_area = b * b + 2 * 2 * b * H  # footprint + two faces of each of the two walls
    assert params.exact_interface_area == pytest.approx(exact_area, rel=1e-14)
    assert _interface_area(md) == pytest.approx(exact_area, rel=1e-10)
    assert _integral(md, "ds", "bottom") == pytest.approx(b * b, rel=1e-10)
    assert _integral(md, "ds", "top") == pytest.approx(b * b, rel=1e-10)
    assert _integral(md, "ds", "sides") == pytest.approx(4 * b * HEIGHT, rel=1e-10)
    if comm.rank == 0:
        assert json.loads((shared_tmp_path / "markers.json").read_text()) == marker_table()
        info = json.loads((shared_tmp_path / "info.json").read_text())
        assert info["kind"] == "lamellar" and info["parameters"]["finger_width_m"] == 2e-6
        assert info["interface_area_ratio"] == pytest.approx(1 + 2 * H / 5e-6, rel=1e-12)
        assert info["interface_area_mesh_m2"] == pytest.approx(exact_area, rel=1e-10)
        assert info["interface_area_geometry_m2"] == pytest.approx(exact_area, rel=1e-10)
        assert info["volumes_mesh_m3"]["lithium"] == pytest.approx(li, rel=1e-10)
        assert "dolfinx" in info["versions"] and "gmsh" in info["versions"]


@pytest.mark.parametrize(
    "lattice, shape",
    [("square", "cylinder"), ("hexagonal", "cylinder"), ("hexagonal", "square")],
)
def test_pillar_regions(comm, lattice, shape):
    params = _pillars(lattice=lattice, shape=shape)
    md = interdigitated_mesh(comm, params)
    r, h_int = 1.5e-6, 0.6e-6
    bx, by = (5e-6, 5e-6) if lattice == "square" else (5e-6, 5e-6 * math.sqrt(3))
    n = 1 if lattice == "square" else 2
    section, perimeter = (math.pi * r * r, 2 * math.pi * r) if shape == "cylinder" else (4 * r * r, 8 * r)
    li, area = bx * by * T_B + n * section * H, bx * by + n * perimeter * H
    assert md.facets_present() == {"bottom", "top", "sides", "li_sse"}
    assert params.exact_volumes()["lithium"] == pytest.approx(li, rel=1e-14)
    assert params.exact_interface_area == pytest.approx(area, rel=1e-14)
    # the box is straight-sided: exact whatever the pillars
    assert _integral(md, "dx") == pytest.approx(bx * by * HEIGHT, rel=1e-10)
    assert _integral(md, "ds", "top") == pytest.approx(bx * by, rel=1e-10)
    assert _integral(md, "ds", "sides") == pytest.approx(2 * (bx + by) * HEIGHT, rel=1e-10)
    li_mesh, sse_mesh, area_mesh = (
        _integral(md, "dx", "lithium"),
        _integral(md, "dx", "sse"),
        _interface_area(md),
    )
    if shape == "square":
        assert li_mesh == pytest.approx(li, rel=1e-10)
        assert area_mesh == pytest.approx(area, rel=1e-10)
    else:
        walls = n * perimeter * H
        assert abs(li_mesh - li) < _sag_bound([(walls, r, h_int)])
        assert li_mesh < li  # inscribed: the pillars lose volume to the electrolyte
        # tips + base top tile the footprint exactly; the walls are inscribed polygons
        assert 0.0 < area - area_mesh < walls * (h_int / r) ** 2 / 3
    assert li_mesh + sse_mesh == pytest.approx(bx * by * HEIGHT, rel=1e-10)
    assert md.info["interface_area_mesh_m2"] == pytest.approx(area_mesh, rel=1e-10)


def test_concentric_regions(comm):
    params = ConcentricParams(
        ring_width=2e-6, pitch=5e-6, n_rings=2, mesh_size_interface=0.75e-6, mesh_size_bulk=2e-6, **LAYERS
    )
    md = interdigitated_mesh(comm, params)
    R, h_int, h_bulk = 10e-6, 0.75e-6, 2e-6
    rings = [(1.5e-6, 3.5e-6), (6.5e-6, 8.5e-6)]
    footprint = math.pi * R * R / 4
    li = footprint * T_B + sum(math.pi * (b * b - a * a) / 4 for a, b in rings) * H
    area = footprint + sum(math.pi * (a + b) / 2 for a, b in rings) * H
    assert params.exact_volumes()["lithium"] == pytest.approx(li, rel=1e-14)
    assert params.exact_interface_area == pytest.approx(area, rel=1e-14)
    assert params.interface_area_ratio == pytest.approx(1 + 2 * H / 5e-6, rel=1e-12)
    assert md.facets_present() == {"bottom", "top", "sides", "li_sse"}
    ring_walls = [(math.pi * rho / 2 * H, rho, h_int) for pair in rings for rho in pair]
    outer_wall = [(math.pi * R / 2 * HEIGHT, R, h_bulk)]
    assert abs(_integral(md, "dx") - footprint * HEIGHT) < _sag_bound(outer_wall)
    assert abs(_integral(md, "dx", "lithium") - li) < _sag_bound(ring_walls)
    assert abs(_integral(md, "dx", "sse") - (footprint * HEIGHT - li)) < _sag_bound(ring_walls + outer_wall)
    curved = sum(a for a, _, _ in ring_walls)
    assert 0.0 < area - _interface_area(md) < curved * (h_int / 1.5e-6) ** 2 / 3
    # the planar faces are quarter disks bounded by a polygon: same relative bound as the disks
    assert abs(_integral(md, "ds", "top") / footprint - 1) < (h_bulk / R) ** 2 / 3
    assert abs(_integral(md, "ds", "bottom") / footprint - 1) < (h_bulk / R) ** 2 / 3


@pytest.mark.parametrize(
    "make, overrides, message",
    [
        (_lamellar, dict(pitch=2e-6), "pitch = 2e-06 m is outside the allowed range (2e-06, inf) m"),
        (_lamellar, dict(finger_width=6e-6), "pitch = 5e-06 m is outside the allowed range (6e-06, inf) m"),
        (_lamellar, dict(finger_height=0.0), "finger_height = 0.0 m is outside the allowed range (0, inf) m"),
        (_lamellar, dict(base_thickness=-1e-6), "base_thickness = -1e-06 m is outside the allowed range (0, inf)"),
        (_lamellar, dict(n_fingers=0), "n_fingers = 0 is outside the allowed range [1, inf)"),
        (_lamellar, dict(n_fingers=1.5), "n_fingers = 1.5 is not a whole number"),
        (
            _lamellar,
            dict(mesh_size_interface=1.5e-6),
            "mesh_size_interface = 1.5e-06 m is outside the allowed range (0, 1e-06] m: "
            "two elements must fit across the smallest feature 2e-06 m",
        ),
        (_lamellar, dict(mesh_size_interface=0.0), "mesh_size_interface = 0.0 m is outside the allowed range (0, inf)"),
        (
            _lamellar,
            dict(mesh_size_bulk=20e-6),
            "mesh_size_bulk = 2e-05 m is outside the allowed range [1e-06, 1e-05] m",
        ),
        (
            _pillars,
            dict(pillar_radius=2.5e-6),
            "pillar_radius = 2.5e-06 m is outside the allowed range (0, 2.5e-06) m: "
            "neighbouring pillars on the square lattice",
        ),
        (
            _pillars,
            dict(pillar_radius=2.2e-6, lattice="hexagonal", shape="square"),
            "pillar_radius = 2.2e-06 m is outside the allowed range (0, 2.16506e-06) m",
        ),
        (_pillars, dict(pillar_radius=2.4e-6), "mesh_size_interface = 6e-07 m is outside the allowed range (0, 1e-07]"),
        (_pillars, dict(lattice="triangular"), "lattice = 'triangular' is not one of 'square', 'hexagonal'"),
        (
            lambda **kw: ConcentricParams(
                **{**LAYERS, **dict(ring_width=2e-6, pitch=5e-6, mesh_size_interface=0.5e-6, mesh_size_bulk=1e-6), **kw}
            ),
            dict(ring_width=-1e-6),
            "ring_width = -1e-06 m is outside the allowed range (0, inf) m",
        ),
    ],
)
def test_refuses_bad_input(make, overrides, message):
    with pytest.raises(ParameterError, match=re.escape(message)):
        make(**overrides)


def test_deterministic(comm, shared_tmp_path):
    params = _pillars(lattice="hexagonal", mesh_size_interface=0.8e-6, mesh_size_bulk=2.5e-6)
    first = interdigitated_mesh(comm, params, out_dir=shared_tmp_path / "a")
    interdigitated_mesh(comm, params, out_dir=shared_tmp_path / "b")
    same = None
    if comm.rank == 0:
        same = all(
            (shared_tmp_path / "a" / name).read_bytes() == (shared_tmp_path / "b" / name).read_bytes()
            for name in ("mesh.msh", "info.json")
        )
    assert comm.bcast(same, root=0)
    assert first.mesh.topology.index_map(3).size_global == first.info["n_tetrahedra"]


def test_command_line_handler(tmp_path, capsys):
    parser = argparse.ArgumentParser(prog="geometries")
    subcommands = parser.add_subparsers(dest="family", required=True)
    register_interdigitated(subcommands)
    assert set(subcommands.choices) == {"lamellar", "pillars", "concentric"}
    for sub in subcommands.choices.values():
        for action in sub._actions:
            if action.dest.endswith("_um"):
                assert "um" in action.help, action.dest
    out = tmp_path / "pillars"
    argv = ["pillars", "--out", str(out), "--shape", "square", "--pillar-radius-um", "1.5", "--pitch-um", "5"]
    argv += ["--finger-height-um", "6", "--separator-thickness-um", "3", "--base-thickness-um", "2"]
    argv += ["--mesh-size-interface-um", "0.6", "--mesh-size-bulk-um", "2", "--preview"]
    args = parser.parse_args(argv)
    args.handler(args)
    summary = capsys.readouterr().out
    assert summary.startswith("pillars: ") and "tetrahedra" in summary and str(out) in summary
    info = json.loads((out / "info.json").read_text())
    assert info["parameters"]["pillar_radius_m"] == 1.5e-6 and info["parameters"]["shape"] == "square"
    assert json.loads((out / "markers.json").read_text()) == marker_table()
    assert (out / "mesh.msh").stat().st_size > 0 and not any(p.name.endswith(".partial") for p in tmp_path.iterdir())
    image = pytest.importorskip("matplotlib.image").imread(out / "preview.png")
    assert image.shape[0] > 100 and len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 50

    bad = parser.parse_args(["lamellar", "--out", str(tmp_path / "bad"), "--finger-width-um", "12"])
    with pytest.raises(ParameterError, match=re.escape("pitch = 1e-05 m is outside the allowed range (1.2e-05, inf)")):
        bad.handler(bad)
    assert not (tmp_path / "bad").exists()


def test_current_larger_than_planar(comm):
    """Same footprint and kinetics: more area, more current than a planar Li | electrolyte cell
    whose separator is as thick as the electrolyte above the Li base (h + L) or above the tips (L)."""
    from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
    from fem.materials import electrolyte, interface_kinetics
    from geometries.structured import electrolyte_slab

    params = _lamellar(n_fingers=1, mesh_size_bulk=2e-6)
    kinetics = interface_kinetics("Li_LPSCl")
    potential = 0.03
    b = params.cell_size[0]
    currents = []
    for md in (
        interdigitated_mesh(comm, params, cell_regions=("sse",)),
        electrolyte_slab(comm, b, H + L, cells_xy=3, cells_z=6),
        electrolyte_slab(comm, b, L, cells_xy=3, cells_z=6),
    ):
        problem = SecondaryCurrentProblem(md, electrolyte("LPSCl"), Electrode("li_sse", kinetics))
        currents.append(problem.solve_potentiostatic(potential).total_current_A)
    interdigitated, planar_same_height, planar_thin = currents
    assert math.isfinite(interdigitated)
    assert interdigitated > 1.5 * max(planar_same_height, planar_thin) > 0.0
    # 0 <= phi <= E in the electrolyte, so the local current is at most i(E): bound by the area
    assert interdigitated < params.exact_interface_area * kinetics.current_density(potential, math.exp)
