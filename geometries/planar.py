"""Planar Li | electrolyte slab whose interface touches only on chosen spots.

Geometry (lengths in m, z up)::

    z = h_li + L   +-----------------+  top (11): counter electrode
                   |   electrolyte   |  cells "sse" (1)
    z = h_li       +--spots---voids--+  li_sse (20) where in contact, void (21) elsewhere
                   |     lithium     |  cells "lithium" (2), omitted when h_li = 0
    z = 0          +-----------------+  bottom (10): current collector
                   sides (12): symmetry faces x, y in {0, b}

Voids are zero-thickness: the mesh is conformal across them and they carry
the "void" facet marker, so the current solver sees no flux through them.
The edges of the contact pattern are refined with a gmsh distance/threshold
size field.  :func:`build_planar_interface` is a pure gmsh builder
``(model, params) -> model``; :func:`planar_interface_mesh` builds it on rank 0,
distributes it and writes markers.json / info.json / mesh.msh when asked.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fem.markers import CELL_MARKERS, FACET_MARKERS
from fem.validation import ParameterError, check_positive, check_range
from geometries._build import distributed_mesh, write_mesh_files
from geometries.spots import InterfacePattern

if TYPE_CHECKING:
    from geometries.image_contact import ContactImagePattern

__all__ = [
    "PlanarInterfaceParams",
    "build_planar_interface",
    "planar_interface_mesh",
    "write_mesh_files",  # re-exported from geometries._build
]

#: gmsh/OpenCASCADE works with absolute tolerances near 1e-7 model units, far
#: too coarse for micrometre features expressed in metres.  Geometry is built
#: in micrometres and the finished mesh scaled to metres.
MODEL_UNIT_M = 1e-6


@dataclass(frozen=True, slots=True)
class PlanarInterfaceParams:
    """Parameters of the planar interface cell (SI units).

    Attributes:
        pattern: contact spots or voids in the interface (geometries.spots), or
            contact polygons traced from an image (geometries.image_contact).
        sse_thickness: electrolyte thickness L (m).
        lithium_thickness: Li thickness h_li (m); 0 leaves the Li out.
        mesh_size_edges: element size at the edges of spots / voids (m).
        mesh_size_bulk: element size far from the interface (m).
        refinement_distance: distance over which the size grows from edges to
            bulk (m); default 2 x the bulk size.
    """

    pattern: InterfacePattern | ContactImagePattern
    sse_thickness: float
    lithium_thickness: float
    mesh_size_edges: float
    mesh_size_bulk: float
    refinement_distance: float = 0.0
    extra_info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        b = self.pattern.footprint
        check_positive("sse_thickness", self.sse_thickness, "m")
        check_range("lithium_thickness", self.lithium_thickness, 0.0, low_inclusive=True, unit="m")
        check_range("mesh_size_edges", self.mesh_size_edges, 0.0, b, unit="m")
        check_range("mesh_size_bulk", self.mesh_size_bulk, 0.0, b, high_inclusive=True, unit="m")
        if self.mesh_size_edges > self.mesh_size_bulk:
            raise ParameterError(
                f"mesh_size_edges = {self.mesh_size_edges:.3g} m must not exceed "
                f"mesh_size_bulk = {self.mesh_size_bulk:.3g} m"
            )
        # (traced image polygons carry their own vertices, >= 8 a ring, so no feature is under-resolved)
        if isinstance(self.pattern, InterfacePattern) and self.mesh_size_edges > 0.5 * self.pattern.smallest_radius:
            raise ParameterError(
                f"mesh_size_edges = {self.mesh_size_edges:.3g} m is larger than half the smallest "
                f"spot/void radius {self.pattern.smallest_radius:.3g} m; refine the mesh"
            )

    @property
    def footprint(self) -> float:
        return self.pattern.footprint


def _interface_disks(occ: Any, pattern: InterfacePattern | ContactImagePattern, z: float) -> list[int]:
    """Create the pattern's disks at model height z (clipped/merged for spot grids); surface tags."""
    u = 1.0 / MODEL_UNIT_M
    if not isinstance(pattern, InterfacePattern):  # traced polygons, already inside the footprint
        return pattern.occ_surfaces(occ, z, u)
    disks = [(2, occ.addDisk(u * d.x, u * d.y, z, u * d.radius, u * d.radius)) for d in pattern.disks]
    b = pattern.footprint
    if pattern.clip_cell > 0.0 or any(
        d.x - d.radius < 0 or d.x + d.radius > b or d.y - d.radius < 0 or d.y + d.radius > b for d in pattern.disks
    ):
        square = [(2, occ.addRectangle(0.0, 0.0, z, u * b, u * b))]
        if len(disks) > 1:
            disks, _ = occ.fuse(disks[:1], disks[1:])
        disks, _ = occ.intersect(disks, square)
    return [tag for _, tag in disks]


def _classify_boundaries(model: Any, params: PlanarInterfaceParams, pattern_children: set[int]) -> dict[str, list[int]]:
    """Group the surfaces by boundary name from their bounding boxes (model units)."""
    u = 1.0 / MODEL_UNIT_M
    b, h = u * params.footprint, u * params.lithium_thickness
    top = h + u * params.sse_thickness
    tol = 1e-5 * max(b, top)
    groups: dict[str, list[int]] = {name: [] for name in ("bottom", "top", "sides", "li_sse", "void")}
    for _, tag in model.getEntities(2):
        x0, y0, z0, x1, y1, z1 = model.getBoundingBox(2, tag)
        if abs(z0 - h) < tol and abs(z1 - h) < tol:
            in_contact = (tag in pattern_children) == params.pattern.disks_are_contact
            groups["li_sse" if in_contact else "void"].append(tag)
        elif abs(z0) < tol and abs(z1) < tol:
            groups["bottom"].append(tag)
        elif abs(z0 - top) < tol and abs(z1 - top) < tol:
            groups["top"].append(tag)
        elif min(abs(x0 - x1), abs(y0 - y1)) < tol:
            groups["sides"].append(tag)
        else:
            raise RuntimeError(f"surface {tag} with bounding box {(x0, y0, z0, x1, y1, z1)} is unclassified")
    return groups


def _refine_pattern_edges(model: Any, params: PlanarInterfaceParams, edge_curves: list[int]) -> None:
    """Size field: mesh_size_edges on the pattern's edges, growing to mesh_size_bulk."""
    u = 1.0 / MODEL_UNIT_M
    fields = model.mesh.field
    distance = fields.add("Distance")
    fields.setNumbers(distance, "CurvesList", edge_curves)
    fields.setNumber(distance, "Sampling", 200)
    threshold = fields.add("Threshold")
    fields.setNumber(threshold, "InField", distance)
    fields.setNumber(threshold, "SizeMin", u * params.mesh_size_edges)
    fields.setNumber(threshold, "SizeMax", u * params.mesh_size_bulk)
    fields.setNumber(threshold, "DistMin", 0.5 * u * params.mesh_size_edges)
    fields.setNumber(threshold, "DistMax", u * (params.refinement_distance or 2.0 * params.mesh_size_bulk))
    fields.setAsBackgroundMesh(threshold)


def build_planar_interface(model: Any, params: PlanarInterfaceParams) -> Any:
    """Build, tag and mesh (3D, linear tetrahedra) the planar interface cell in ``model``.

    The mesh nodes are in metres; the OCC geometry in micrometres (MODEL_UNIT_M).
    """
    import gmsh

    occ = model.occ
    u = 1.0 / MODEL_UNIT_M
    b, h_li, L = u * params.footprint, u * params.lithium_thickness, u * params.sse_thickness
    sse = occ.addBox(0.0, 0.0, h_li, b, b, L)
    volumes = [(3, sse)]
    if params.lithium_thickness > 0.0:
        volumes.append((3, occ.addBox(0.0, 0.0, 0.0, b, b, h_li)))
    disks = _interface_disks(occ, params.pattern, h_li)
    _, children = occ.fragment(volumes, [(2, t) for t in disks])
    occ.synchronize()
    pattern_children = {tag for dimtag_list in children[len(volumes) :] for _, tag in dimtag_list}
    volume_of = {"sse": children[0][0][1]}
    if params.lithium_thickness > 0.0:
        volume_of["lithium"] = children[1][0][1]
    groups = _classify_boundaries(model, params, pattern_children)
    for name, tag in volume_of.items():
        model.addPhysicalGroup(3, [tag], CELL_MARKERS[name], name=name)
    for name, tags in groups.items():
        if tags:
            model.addPhysicalGroup(2, tags, FACET_MARKERS[name], name=name)
    edge_curves = sorted(
        {c for s in groups["li_sse"] + groups["void"] for _, c in model.getBoundary([(2, s)], oriented=False)}
    )
    _refine_pattern_edges(model, params, edge_curves)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.Algorithm3D", 10)  # HXT: parallel-friendly, fast
    model.mesh.generate(3)
    m = MODEL_UNIT_M
    model.mesh.affineTransform([m, 0, 0, 0, 0, m, 0, 0, 0, 0, m, 0])
    return model


def mesh_info(params: PlanarInterfaceParams, model: Any) -> dict[str, Any]:
    """Parameters, versions and measured interface areas for info.json."""
    from fem.mesh_io import package_versions

    occ_area = {
        name: MODEL_UNIT_M**2
        * sum(model.occ.getMass(2, t) for t in model.getEntitiesForPhysicalGroup(2, FACET_MARKERS[name]))
        for name in ("li_sse", "void")
        if FACET_MARKERS[name] in [tag for dim, tag in model.getPhysicalGroups(2)]
    }
    footprint_area = params.footprint**2
    pattern = asdict(params.pattern) if isinstance(params.pattern, InterfacePattern) else params.pattern.summary()
    return {
        "builder": "geometries.planar.build_planar_interface",
        "units": "SI (m)",
        "parameters": {
            "footprint_m": params.footprint,
            "sse_thickness_m": params.sse_thickness,
            "lithium_thickness_m": params.lithium_thickness,
            "mesh_size_edges_m": params.mesh_size_edges,
            "mesh_size_bulk_m": params.mesh_size_bulk,
            "pattern": pattern,
            **params.extra_info,
        },
        "contact_fraction_requested": params.pattern.contact_fraction,
        "contact_fraction_geometry": occ_area.get("li_sse", 0.0) / footprint_area,
        "n_tetrahedra": int(sum(len(t) for t in model.mesh.getElements(3)[1])),
        "versions": package_versions(),
    }


def planar_interface_mesh(
    comm: Any,
    params: PlanarInterfaceParams,
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Build the cell on rank 0 of ``comm`` and return it distributed as fem.mesh_io.MeshData.

    ``cell_regions`` keeps only those cell regions (e.g. ``("sse",)`` for the
    current problem); facets on their boundary keep their markers.  When
    ``out_dir`` is given, rank 0 writes mesh.msh, markers.json and info.json there.
    """
    return distributed_mesh(comm, params, build_planar_interface, mesh_info, out_dir, cell_regions)
