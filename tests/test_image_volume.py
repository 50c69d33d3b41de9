"""Labelled voxel stacks (geometries.image_volume): exact phase volumes and interface areas, an exact
transport benchmark, the command line and its refusals."""

import json

import dolfinx
import numpy as np
import pytest
import ufl

from fem.validation import ParameterError
from geometries.image_volume import VoxelVolumeParams, parse_labels, read_label_stack, voxel_volume_mesh
from tests.conftest import facet_area

H = 1e-6  # voxel side, m
REGIONS = {0: "sse", 1: "host", 2: "lithium", 3: "void"}


def _stack(n=10):
    z, y, x = np.mgrid[0:n, 0:n, 0:n] + 0.5
    labels = np.zeros((n, n, n), dtype=int)
    labels[(x - 5) ** 2 + (y - 5) ** 2 + (z - 5) ** 2 < 9] = 1  # host particle
    labels[z < 2] = 2  # lithium layer
    labels[(x - 2) ** 2 + (y - 8) ** 2 + (z - 8) ** 2 < 2] = 3  # empty pore
    return labels


def _faces_between(labels, a, b):
    """Number of voxel faces with label a on one side and b on the other."""
    count = 0
    for axis in range(3):
        lo = np.take(labels, range(labels.shape[axis] - 1), axis=axis)
        hi = np.take(labels, range(1, labels.shape[axis]), axis=axis)
        count += int(np.sum((lo == a) & (hi == b)) + np.sum((lo == b) & (hi == a)))
    return count


def _volume(md, name):
    dx = ufl.Measure("dx", domain=md.mesh, subdomain_data=md.cell_tags)
    form = dolfinx.fem.form(dolfinx.fem.Constant(md.mesh, 1.0) * dx(md.cell_id(name)))
    return md.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form))


def test_voxel_volumes_and_interfaces_are_exact(comm, shared_tmp_path):
    labels = _stack()
    md = voxel_volume_mesh(comm, VoxelVolumeParams(labels, H, REGIONS, "synthetic"), out_dir=shared_tmp_path)
    assert md.facets_present() == {"bottom", "top", "sides", "li_sse", "host_sse", "host_li", "void"}
    for label, name in [(0, "sse"), (1, "host"), (2, "lithium")]:
        assert _volume(md, name) == pytest.approx(np.sum(labels == label) * H**3, rel=1e-12)
    for (a, b), name in [((0, 2), "li_sse"), ((0, 1), "host_sse"), ((1, 2), "host_li")]:
        assert facet_area(md, name) == pytest.approx(_faces_between(labels, a, b) * H**2, rel=1e-12)
    pore_faces = sum(_faces_between(labels, 3, other) for other in (0, 1, 2))
    assert facet_area(md, "void") == pytest.approx(pore_faces * H**2, rel=1e-12)
    if comm.rank == 0:
        info = json.loads((shared_tmp_path / "info.json").read_text())
        for name, fraction in info["volume_fraction_mesh"].items():
            assert fraction == pytest.approx(info["volume_fraction_voxels"][name], rel=1e-12)
        assert info["n_tetrahedra"] == 6 * int(np.sum(labels != 3))


def test_straight_channels_give_the_exact_resistance(comm):
    """Insulating host columns through the electrolyte: ASR = L / (kappa eps), exact for P1."""
    from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
    from fem.materials import IdealContact, electrolyte

    n, layers = 8, 6
    labels = np.zeros((layers + 2, n, n), dtype=int)
    labels[:2] = 2  # lithium below
    labels[2:, 2:5, 1:4] = 1  # host columns, lithium to top
    labels[2:, 5:7, 5:8] = 1
    eps = float(np.mean(labels[2] == 0))
    md = voxel_volume_mesh(comm, VoxelVolumeParams(labels, H, REGIONS), cell_regions=("sse",))
    ely = electrolyte("LPSCl")
    problem = SecondaryCurrentProblem(md, ely, Electrode("li_sse", IdealContact()), reference_area_m2=(n * H) ** 2)
    solution = problem.solve_galvanostatic(10.0 * (n * H) ** 2)
    assert solution.asr_ohm_m2 == pytest.approx(layers * H / (ely.ionic_conductivity_S_m * eps), rel=1e-8)


def test_reading_and_refusals(tmp_path):
    from PIL import Image

    labels = _stack(6)
    pages = [Image.fromarray(page.astype(np.uint8)) for page in labels]
    pages[0].save(tmp_path / "stack.tif", save_all=True, append_images=pages[1:])
    np.save(tmp_path / "stack.npy", labels)
    for name in ("stack.tif", "stack.npy"):
        assert np.array_equal(read_label_stack(tmp_path / name), labels)
    assert parse_labels("0=sse, 1=host,3=void") == {0: "sse", 1: "host", 3: "void"}
    with pytest.raises(ParameterError, match="is not a readable file"):
        read_label_stack(tmp_path / "none.tif")
    np.save(tmp_path / "flat.npy", labels[0])
    with pytest.raises(ParameterError, match="a 3D array of integer labels"):
        read_label_stack(tmp_path / "flat.npy")
    with pytest.raises(ParameterError, match=r"labels \[3\] of the stack have no region"):
        VoxelVolumeParams(_stack(), H, {0: "sse", 1: "host", 2: "lithium"})
    with pytest.raises(ParameterError, match="region 'copper' is not one of"):
        VoxelVolumeParams(labels, H, {**REGIONS, 1: "copper"})
    with pytest.raises(ParameterError, match="voxel_size"):
        VoxelVolumeParams(labels, 0.0, REGIONS)
    with pytest.raises(ParameterError, match="is not LABEL=REGION"):
        parse_labels("0:sse")


def test_command_line(tmp_path, capsys):
    from geometries.__main__ import main

    np.save(tmp_path / "stack.npy", _stack(6))
    out = tmp_path / "cell"
    argv = ["image-volume", str(tmp_path / "stack.npy"), "--voxel-size-um", "0.5", "--out", str(out)]
    assert main([*argv, "--labels", "0=sse,1=host,2=lithium,3=void"]) == 0
    info = json.loads((out / "info.json").read_text())
    assert info["parameters"]["extent_m"] == pytest.approx([3e-6, 3e-6, 3e-6])
    assert (out / "mesh.msh").exists() and (out / "markers.json").exists()
    capsys.readouterr()
    assert main([*argv, "--labels", "0=sse,1=host"]) == 2
    assert "have no region" in capsys.readouterr().err
    assert not (tmp_path / "refused").exists()


def test_non_cubic_stacks(comm):
    """(nz, ny, nx) = (5, 7, 9): every region's volume and interface area exact, the box faces in place."""
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, (5, 7, 9))
    md = voxel_volume_mesh(comm, VoxelVolumeParams(labels, H, {0: "sse", 1: "host", 2: "lithium"}))
    for label, name in [(0, "sse"), (1, "host"), (2, "lithium")]:
        assert _volume(md, name) == pytest.approx(np.sum(labels == label) * H**3, rel=1e-12)
    for (a, b), name in [((0, 2), "li_sse"), ((0, 1), "host_sse"), ((1, 2), "host_li")]:
        assert facet_area(md, name) == pytest.approx(_faces_between(labels, a, b) * H**2, rel=1e-12)
    assert facet_area(md, "bottom") == pytest.approx(7 * 9 * H**2, rel=1e-12)
    assert facet_area(md, "top") == pytest.approx(7 * 9 * H**2, rel=1e-12)
    assert facet_area(md, "sides") == pytest.approx(2 * (5 * 7 + 5 * 9) * H**2, rel=1e-12)
    assert md.info["parameters"]["extent_m"] == pytest.approx([9 * H, 7 * H, 5 * H])
