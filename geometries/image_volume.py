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

info.json's ``parameters.host_thickness_m`` is the top of the highest voxel
slice holding host: the host layer H of the porous-host tools
(fem.electrochemistry.effective_properties, pore_resolved), a mesh plane.

Array index order is (z, y, x): page k of a TIFF is the slice z in
[k, k + 1] voxel.  Phase volume fractions of the mesh equal the voxel fractions
exactly (reported in info.json).  The interfaces are voxel staircases, not
smooth: the mesh resolves what the voxels say and nothing finer.  A smooth,
coarser mesh needs a surface-based mesher (CGAL Mesh_3 on labelled images,
fTetWild on marching-cubes surfaces); see README.  Coordinates in m.

Cost: :func:`voxel_mesh_arrays` builds the tetrahedra and tagged facets in
O(voxels) NumPy work (facets from voxel adjacency; 200^3 voxels, 48 M
tetrahedra, in ~3 s); the DOLFINx mesh made from them costs ~15 us per
tetrahedron on one core, so :func:`voxel_volume_mesh` refuses stacks above
:data:`MAX_VOXELS` (studies/benchmarks/image_volume.py).
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
    "VoxelMesh",
    "voxel_mesh_arrays",
    "build_voxel_volume",
    "voxel_volume_info",
    "voxel_volume_mesh",
    "register_image_volume",
]

#: Region names a label may map to ("void": not meshed).
REGION_NAMES = ("sse", "lithium", "host", "void")
#: Facet marker of the interface between two regions (sorted pair).
INTERFACES = {("lithium", "sse"): "li_sse", ("host", "sse"): "host_sse", ("host", "lithium"): "host_li"}
#: Largest stack meshed through gmsh into DOLFINx (tetrahedra = 6 x voxels); beyond it, crop or downsample.
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


@dataclass(frozen=True, slots=True)
class VoxelMesh:
    """The voxel tetrahedra as arrays (NumPy only, no gmsh): what :func:`build_voxel_volume` hands gmsh.

    Attributes:
        nodes: (n, 3) coordinates (m).
        tetrahedra: (6 voxels, 4) node indices (int32 below 2^31 nodes).
        regions: region names; ``tet_region`` indexes them per tetrahedron.
        tet_region: (6 voxels,) int8.
        facets: facet marker name -> (m, 3) node indices of its triangles.
    """

    nodes: np.ndarray
    tetrahedra: np.ndarray
    regions: tuple[str, ...]
    tet_region: np.ndarray
    facets: dict[str, np.ndarray]


def _region_codes(params: VoxelVolumeParams) -> tuple[np.ndarray, tuple[str, ...]]:
    """Per-voxel region code (int8; -1 for void) and the meshed region names, sorted."""
    names = tuple(sorted({params.regions[int(k)] for k in np.unique(params.labels)} - {"void"}))
    lut_keys = np.array(sorted(params.regions))
    lut = np.array([names.index(params.regions[int(k)]) if params.regions[int(k)] != "void" else -1 for k in lut_keys])
    return lut[np.searchsorted(lut_keys, params.labels)].astype(np.int8), names


def _face_triangles(low: np.ndarray, step_b: int, step_c: int) -> np.ndarray:
    """The two triangles of the voxel faces whose lowest corners have global node indices ``low``.

    The Kuhn split cuts every cube face along the diagonal from its lowest to its
    highest corner, so the tetrahedra's face triangles are (lo, lo + b, lo + b + c)
    and (lo, lo + c, lo + b + c) with b, c the face's two in-plane node steps.
    """
    high = low + step_b + step_c
    return np.concatenate([np.column_stack([low, low + step_b, high]), np.column_stack([low, low + step_c, high])])


def voxel_mesh_arrays(params: VoxelVolumeParams) -> VoxelMesh:
    """Tetrahedra, regions and tagged facet triangles of the non-void voxels, in O(voxels) NumPy work.

    Facets are found from voxel adjacency (a face between two different regions,
    a region and void, or a region and the box), not by matching tetrahedron
    faces, so a 200^3 stack meshes in seconds (studies/benchmarks/image_volume.py).
    """
    code, names = _region_codes(params)
    nz, ny, nx = code.shape
    strides = np.array([1, nx + 1, (nx + 1) * (ny + 1)])  # node index steps along x, y, z
    n_nodes = (nx + 1) * (ny + 1) * (nz + 1)
    index_type = np.int32 if n_nodes < 2**31 else np.int64
    k, j, i = (a.astype(index_type) for a in np.nonzero(code >= 0))
    base = k * strides[2] + j * strides[1] + i
    corner = np.array([(c & 1) * strides[0] + ((c >> 1) & 1) * strides[1] + (c >> 2) * strides[2] for c in range(8)])
    tets = (base[:, None] + corner[_KUHN].reshape(1, -1).astype(index_type)).reshape(-1, 4)
    tet_region = np.repeat(code[k, j, i], len(_KUHN))
    del base
    used = np.zeros(n_nodes, dtype=bool)
    used[tets.ravel()] = True
    renumber = (np.cumsum(used) - 1).astype(index_type)
    kept = np.flatnonzero(used)
    nodes = params.voxel_size * np.column_stack(
        [kept % (nx + 1), (kept // (nx + 1)) % (ny + 1), kept // ((nx + 1) * (ny + 1))]
    ).astype(float)
    tets = renumber[tets]
    padded = np.pad(code, 1, constant_values=-2)  # -2: outside the box, -1: void
    groups: dict[str, list[np.ndarray]] = {}
    for axis in range(3):  # numpy axis 0, 1, 2 = z, y, x; face normal along it
        lo = np.take(padded, range(0, padded.shape[axis] - 1), axis=axis)
        hi = np.take(padded, range(1, padded.shape[axis]), axis=axis)
        cut = [slice(1, -1)] * 3
        cut[axis] = slice(None)
        lo, hi = lo[tuple(cut)], hi[tuple(cut)]
        differ = (lo != hi) & ((lo >= 0) | (hi >= 0))
        f0, f1, f2 = np.nonzero(differ)  # face (plane index along axis, other two voxel indices)
        a, b = lo[differ], hi[differ]
        position = [f0, f1, f2]
        node = (position[0] * strides[2] + position[1] * strides[1] + position[2] * strides[0]).astype(index_type)
        in_plane = [strides[2 - other] for other in range(3) if other != axis]
        triangles = _face_triangles(node, int(in_plane[0]), int(in_plane[1]))
        xyz_axis = 2 - axis
        for name, mask in _face_names(a, b, names, xyz_axis):
            if mask.any():
                groups.setdefault(name, []).append(renumber[triangles[np.concatenate([mask, mask])]])
    facets = {name: np.concatenate(parts) for name, parts in groups.items()}
    return VoxelMesh(nodes, tets, names, tet_region, facets)


def _face_names(a: np.ndarray, b: np.ndarray, names: tuple[str, ...], xyz_axis: int) -> list[tuple[str, np.ndarray]]:
    """(facet marker, mask) of voxel faces with codes a (below) and b (above along the axis)."""
    result = []
    for (r1, r2), name in INTERFACES.items():
        if r1 in names and r2 in names:
            c1, c2 = names.index(r1), names.index(r2)
            result.append((name, ((a == c1) & (b == c2)) | ((a == c2) & (b == c1))))
    result.append(("void", ((a == -1) & (b >= 0)) | ((b == -1) & (a >= 0))))
    low, high = (a == -2) & (b >= 0), (b == -2) & (a >= 0)
    if xyz_axis == 2:
        result += [("bottom", low), ("top", high)]
    else:
        result.append(("sides", low | high))
    return result


def build_voxel_volume(model: Any, params: VoxelVolumeParams) -> Any:
    """Put the voxel tetrahedra and tagged facets into ``model`` as discrete gmsh entities (nodes in m)."""
    if params.labels.size > MAX_VOXELS:
        raise ParameterError(
            f"label stack has {params.labels.size} voxels (> {MAX_VOXELS}, {6 * MAX_VOXELS} tetrahedra) for a "
            "DOLFINx mesh on this machine: crop or downsample it (voxel_mesh_arrays has no such limit)"
        )
    mesh = voxel_mesh_arrays(params)
    node_tags = np.arange(1, len(mesh.nodes) + 1)
    element_tag = 1
    for index, name in enumerate(mesh.regions):
        entity = model.addDiscreteEntity(3, index + 1)
        if index == 0:
            model.mesh.addNodes(3, entity, node_tags, mesh.nodes.ravel())
        cells = mesh.tetrahedra[mesh.tet_region == index].astype(np.int64) + 1
        model.mesh.addElementsByType(entity, 4, np.arange(element_tag, element_tag + len(cells)), cells.ravel())
        element_tag += len(cells)
        model.addPhysicalGroup(3, [entity], CELL_MARKERS[name], name=name)
    for index, (name, triangles) in enumerate(mesh.facets.items()):
        entity = model.addDiscreteEntity(2, index + 1)
        model.mesh.addElementsByType(
            entity, 2, np.arange(element_tag, element_tag + len(triangles)), (triangles.astype(np.int64) + 1).ravel()
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
    host_labels = [label for label, name in params.regions.items() if name == "host"]
    host_slices = np.flatnonzero(np.isin(params.labels, host_labels).any(axis=(1, 2)))
    host_top = float((host_slices.max() + 1) * params.voxel_size) if host_slices.size else 0.0
    return {
        "builder": "geometries.image_volume.build_voxel_volume",
        "units": "SI (m)",
        "parameters": {
            "source": params.source,
            "voxels_zyx": [nz, ny, nx],
            "voxel_size_m": params.voxel_size,
            "extent_m": [nx * params.voxel_size, ny * params.voxel_size, nz * params.voxel_size],
            "regions": {str(k): v for k, v in params.regions.items()},
            "host_thickness_m": host_top,
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
