"""Labelled voxel volumes (X-ray tomography of a host, a Li | electrolyte stack) as tagged tetrahedral meshes.

A 3D array of integer labels (a NumPy ``.npy`` file, or a multi-page TIFF whose
pages are the z slices) with cubic voxels of side ``voxel_size`` becomes a
conformal tetrahedral mesh: every voxel is split into six tetrahedra (the
Kuhn / Freudenthal split along its main diagonal, the same on every voxel, so
neighbouring voxels share their face triangles), every tetrahedron takes its
voxel's region, and the facets are tagged from the regions on their two sides:

* between regions: li_sse (lithium | sse), host_sse, host_li;
* next to a label mapped to ``void`` (pores left empty; those voxels are not
  meshed): void;
* on the box: bottom (z = 0), top (z = nz voxel), sides (x, y faces).

Array index order is (z, y, x): page k of a TIFF is the slice z in
[k, k + 1] voxel.  Phase volume fractions of the mesh equal the voxel fractions
exactly (reported in info.json).  The interfaces are voxel staircases, not
smooth: the mesh resolves what the voxels say and nothing finer.  A smooth,
coarser mesh needs a surface-based mesher (CGAL Mesh_3 on labelled images,
fTetWild on marching-cubes surfaces); see README.  Coordinates in m.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fem.markers import CELL_MARKERS, FACET_MARKERS
from fem.validation import ParameterError, check_positive
from geometries._build import distributed_mesh
from geometries.image_contact import load_array
from geometries.porous.layout import UM

__all__ = [
    "VoxelVolumeParams",
    "read_label_stack",
    "parse_labels",
    "voxel_tetrahedra",
    "build_voxel_volume",
    "voxel_volume_info",
    "voxel_volume_mesh",
    "register_image_volume",
]

#: Region names a label may map to ("void": not meshed).
REGION_NAMES = ("sse", "lithium", "host", "void")
#: Facet marker of the interface between two regions (sorted pair).
INTERFACES = {("lithium", "sse"): "li_sse", ("host", "sse"): "host_sse", ("host", "lithium"): "host_li"}
#: Largest mesh built (tetrahedra = 6 x voxels); beyond it, crop or downsample the stack.
MAX_VOXELS = 2_000_000


@dataclass(frozen=True, slots=True)
class VoxelVolumeParams:
    """A labelled voxel stack and what its labels mean.

    Attributes:
        labels: integer array (nz, ny, nx).
        voxel_size: voxel side (m).
        regions: label -> region name (sse, lithium, host or void); every label
            present must be mapped.
        source: file name, for info.json.
    """

    labels: np.ndarray
    voxel_size: float
    regions: dict[int, str]
    source: str = ""

    def __post_init__(self) -> None:
        check_positive("voxel_size", self.voxel_size, "m")
        if self.labels.ndim != 3 or min(self.labels.shape) < 1:
            raise ParameterError(f"label stack has shape {self.labels.shape}; a 3D (z, y, x) array is needed")
        if self.labels.size > MAX_VOXELS:
            raise ParameterError(
                f"label stack has {self.labels.size} voxels (> {MAX_VOXELS}, {6 * MAX_VOXELS} tetrahedra): "
                "crop or downsample it"
            )
        for name in self.regions.values():
            if name not in REGION_NAMES:
                raise ParameterError(f"region '{name}' is not one of {REGION_NAMES}")
        missing = sorted(set(np.unique(self.labels).tolist()) - set(self.regions))
        if missing:
            raise ParameterError(f"labels {missing} of the stack have no region: map them with e.g. '{missing[0]}=sse'")
        if all(self.regions[k] == "void" for k in np.unique(self.labels).tolist()):
            raise ParameterError("every label of the stack maps to 'void': nothing to mesh")


def read_label_stack(path: str | Path) -> np.ndarray:
    """Read a labelled stack: ``.npy`` (3D integer array) or a multi-page TIFF (pages = z slices)."""
    path = Path(path)
    stack = load_array(path, "label stack", pages=True)
    if stack.ndim != 3 or not (np.issubdtype(stack.dtype, np.integer) or np.issubdtype(stack.dtype, np.bool_)):
        raise ParameterError(
            f"label stack = '{path}' has shape {stack.shape} and type {stack.dtype}; "
            "a 3D array of integer labels is needed"
        )
    return stack.astype(np.int64)


def parse_labels(text: str) -> dict[int, str]:
    """Parse '0=sse,1=host,2=void' into {0: 'sse', 1: 'host', 2: 'void'}."""
    regions: dict[int, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        label, _, name = item.partition("=")
        try:
            regions[int(label)] = name.strip()
        except ValueError:
            raise ParameterError(f"labels = '{text}': '{item}' is not LABEL=REGION") from None
    if not regions:
        raise ParameterError(f"labels = '{text}': give LABEL=REGION pairs, e.g. 0=sse,1=host")
    return regions


#: The six tetrahedra of the unit cube (corner index = x + 2 y + 4 z): paths 000 -> 111 along the axes.
_KUHN = np.array([[0, 1 << a, (1 << a) | (1 << b), 7] for a, b in itertools.permutations(range(3), 2)])


def voxel_tetrahedra(labels: np.ndarray, voxel_size: float, keep: np.ndarray) -> tuple[np.ndarray, ...]:
    """Nodes (m), tetrahedra (node indices) and their voxel index of the voxels where ``keep`` holds."""
    nz, ny, nx = labels.shape
    k, j, i = np.nonzero(keep)
    corners = np.array([[(c >> 0) & 1, (c >> 1) & 1, (c >> 2) & 1] for c in range(8)])  # (x, y, z) offsets
    node = ((k[:, None] + corners[:, 2]) * (ny + 1) + (j[:, None] + corners[:, 1])) * (nx + 1) + (
        i[:, None] + corners[:, 0]
    )
    tets = node[:, _KUHN].reshape(-1, 4)
    voxel = np.repeat(np.ravel_multi_index((k, j, i), labels.shape), len(_KUHN))
    used, tets = np.unique(tets, return_inverse=True)
    tets = tets.reshape(-1, 4)
    x = used % (nx + 1)
    y = (used // (nx + 1)) % (ny + 1)
    z = used // ((nx + 1) * (ny + 1))
    nodes = voxel_size * np.column_stack([x, y, z]).astype(float)
    return nodes, tets, voxel


def _facet_groups(
    params: VoxelVolumeParams, nodes: np.ndarray, tets: np.ndarray, region: np.ndarray
) -> dict[str, np.ndarray]:
    """Triangles (node indices) of every tagged facet group, from the regions on their sides."""
    faces = np.sort(tets[:, [[1, 2, 3], [0, 2, 3], [0, 1, 3], [0, 1, 2]]].reshape(-1, 3), axis=1)
    owner = np.repeat(np.arange(len(tets)), 4)
    unique, inverse, counts = np.unique(faces, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    first = np.searchsorted(inverse[order], np.arange(len(unique)))
    side_a = region[owner[order[first]]]
    side_b = np.where(counts == 2, region[owner[order[np.minimum(first + 1, len(order) - 1)]]], "")
    groups: dict[str, list[np.ndarray]] = {}
    for (a, b), name in INTERFACES.items():
        mask = (counts == 2) & (((side_a == a) & (side_b == b)) | ((side_a == b) & (side_b == a)))
        groups[name] = [unique[mask]]
    outer = unique[counts == 1]
    xyz = nodes[outer]
    top = params.labels.shape[0] * params.voxel_size
    tol = 1e-9 * params.voxel_size
    lateral = [params.labels.shape[2] * params.voxel_size, params.labels.shape[1] * params.voxel_size]
    on = {
        "bottom": np.all(np.abs(xyz[:, :, 2]) < tol, axis=1),
        "top": np.all(np.abs(xyz[:, :, 2] - top) < tol, axis=1),
        "sides": np.any(
            [np.all(np.abs(xyz[:, :, a] - v) < tol, axis=1) for a in (0, 1) for v in (0.0, lateral[a])], axis=0
        ),
    }
    for name, mask in on.items():
        groups[name] = [outer[mask]]
    groups["void"] = [outer[~(on["bottom"] | on["top"] | on["sides"])]]
    return {name: np.concatenate(parts) for name, parts in groups.items() if sum(len(p) for p in parts)}


def build_voxel_volume(model: Any, params: VoxelVolumeParams) -> Any:
    """Put the voxel tetrahedra and tagged facets into ``model`` as discrete gmsh entities (nodes in m)."""
    known = np.array(sorted(params.regions))
    names = np.array([params.regions[label] for label in known])
    region_of_voxel = names[np.searchsorted(known, params.labels)]
    nodes, tets, voxel = voxel_tetrahedra(params.labels, params.voxel_size, region_of_voxel != "void")
    region = region_of_voxel.ravel()[voxel]
    node_tags = np.arange(1, len(nodes) + 1)
    element_tag = 1
    for index, name in enumerate(sorted(set(region.tolist()))):
        entity = model.addDiscreteEntity(3, index + 1)
        if index == 0:
            model.mesh.addNodes(3, entity, node_tags, nodes.ravel())
        cells = tets[region == name] + 1
        model.mesh.addElementsByType(entity, 4, np.arange(element_tag, element_tag + len(cells)), cells.ravel())
        element_tag += len(cells)
        model.addPhysicalGroup(3, [entity], CELL_MARKERS[name], name=name)
    for index, (name, triangles) in enumerate(_facet_groups(params, nodes, tets, region).items()):
        entity = model.addDiscreteEntity(2, index + 1)
        model.mesh.addElementsByType(
            entity, 2, np.arange(element_tag, element_tag + len(triangles)), (triangles + 1).ravel()
        )
        element_tag += len(triangles)
        model.addPhysicalGroup(2, [entity], FACET_MARKERS[name], name=name)
    return model


def voxel_volume_info(params: VoxelVolumeParams, model: Any) -> dict[str, Any]:
    """Parameters, voxel and mesh volume fractions per region, facet areas, versions."""
    from fem.mesh_io import package_versions

    _, coords, _ = model.mesh.getNodes()
    xyz = coords.reshape(-1, 3)
    total = params.labels.size * params.voxel_size**3
    mesh_fraction, tetrahedra = {}, 0
    for dim, tag in model.getPhysicalGroups(3):
        name = model.getPhysicalName(dim, tag)
        volume = 0.0
        for entity in model.getEntitiesForPhysicalGroup(dim, tag):
            _, _, element_nodes = model.mesh.getElements(3, entity)
            p = xyz[np.asarray(element_nodes[0], dtype=int).reshape(-1, 4) - 1]
            volume += (
                float(
                    np.abs(
                        np.einsum("ij,ij->i", p[:, 1] - p[:, 0], np.cross(p[:, 2] - p[:, 0], p[:, 3] - p[:, 0]))
                    ).sum()
                )
                / 6.0
            )
            tetrahedra += len(p)
        mesh_fraction[name] = volume / total
    voxel_fraction: dict[str, float] = {}
    for label, name in params.regions.items():
        voxel_fraction[name] = voxel_fraction.get(name, 0.0) + float(np.mean(params.labels == label))
    nz, ny, nx = params.labels.shape
    return {
        "builder": "geometries.image_volume.build_voxel_volume",
        "units": "SI (m)",
        "parameters": {
            "source": params.source,
            "voxels_zyx": [nz, ny, nx],
            "voxel_size_m": params.voxel_size,
            "extent_m": [nx * params.voxel_size, ny * params.voxel_size, nz * params.voxel_size],
            "regions": {str(k): v for k, v in params.regions.items()},
        },
        "volume_fraction_voxels": voxel_fraction,
        "volume_fraction_mesh": mesh_fraction,
        "n_tetrahedra": tetrahedra,
        "versions": package_versions(),
    }


def voxel_volume_mesh(
    comm: Any,
    params: VoxelVolumeParams,
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Build the voxel mesh on rank 0 of ``comm``; fem.mesh_io.MeshData on every rank (files with ``out_dir``)."""
    return distributed_mesh(comm, params, build_voxel_volume, voxel_volume_info, out_dir, cell_regions)


def register_image_volume(sub: Any) -> None:
    """Add the ``image-volume`` subcommand."""
    p = sub.add_parser(
        "image-volume",
        help="tetrahedral mesh of a labelled voxel stack (.npy or multi-page TIFF)",
        description="Tagged tetrahedral mesh of a labelled voxel stack: six tetrahedra per voxel, regions from "
        "--labels, interfaces tagged between regions.",
    )
    p.set_defaults(handler=build_image_volume_cli)
    p.add_argument("stack", type=Path, help="labelled stack: .npy (z, y, x) or multi-page TIFF (pages = z)")
    p.add_argument("--voxel-size-um", type=float, required=True, help="side of one voxel, um")
    p.add_argument("--labels", required=True, help="LABEL=REGION pairs, regions sse, lithium, host, void")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--preview", action="store_true", help="also render a cut-away preview.png")


def build_image_volume_cli(args: Any) -> None:
    """Handler of ``image-volume``: every input is checked before any meshing."""
    from geometries._build import run_cli_build

    voxel = check_positive("voxel_size_um", args.voxel_size_um, "um") * UM
    params = VoxelVolumeParams(read_label_stack(args.stack), voxel, parse_labels(args.labels), Path(args.stack).name)
    run_cli_build(
        args,
        lambda model: voxel_volume_info(params, build_voxel_volume(model, params)),
        lambda info: "volume fractions "
        + ", ".join(f"{k} {v:.4f}" for k, v in sorted(info["volume_fraction_mesh"].items())),
    )
