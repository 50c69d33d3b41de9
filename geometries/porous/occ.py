"""One draw in gmsh: OpenCASCADE booleans, cell and facet tags, and the tetrahedral mesh.

Runs inside the build worker (:mod:`geometries.porous.worker`), in
micrometres (:data:`geometries.planar.MODEL_UNIT_M`).  Every failure that a
redraw may cure (a boolean that throws or leaves a sliver, an invalid surface
mesh, a mesher error) is raised as :class:`BuildError`.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from fem.markers import CELL_MARKERS, FACET_MARKERS, HOST_LAYER_MARKERS
from geometries.planar import MODEL_UNIT_M
from geometries.porous.layout import HostLayout
from geometries.porous.placement import Placement
from geometries.porous.scaffolds import Primitive, Sphere

__all__ = ["BuildError", "PAIR_MARKER", "build_volumes", "classify_surfaces", "tag_regions", "mesh_cell"]


class BuildError(RuntimeError):
    """The booleans left a sliver or the mesher failed: a redraw may succeed."""


def _occ_primitive(occ: Any, prim: Primitive) -> tuple[int, int]:
    u = 1.0 / MODEL_UNIT_M
    if isinstance(prim, Sphere):
        x, y, z = (u * c for c in prim.centre)
        return 3, occ.addSphere(x, y, z, u * prim.radius)
    a, e = np.array(prim.start) * u, np.array(prim.end) * u
    return 3, occ.addCylinder(*a, *(e - a), u * prim.radius)


def build_volumes(model: Any, layout: HostLayout, placement: Placement) -> dict[int, str]:
    """OCC: fuse (if overlapping), clip to the host layer, fragment with the pore and separator boxes.

    Returns {volume tag: region name} with names "host" / "host_layer_k", "lithium", "sse".
    """
    occ = model.occ
    u = 1.0 / MODEL_UNIT_M
    b, H, L = u * layout.footprint, u * layout.host_thickness, u * layout.separator_thickness
    levels = [0.0, *(u * z for z in layout.cut_planes), H]
    try:
        solids = [_occ_primitive(occ, p) for p in placement.primitives]
        if placement.overlapping and len(solids) > 1:
            solids, _ = occ.fuse(solids[:1], solids[1:])
        solids, _ = occ.intersect(solids, [(3, occ.addBox(0.0, 0.0, 0.0, b, b, H))])
        boxes = [(3, occ.addBox(0.0, 0.0, z0, b, b, z1 - z0)) for z0, z1 in itertools.pairwise(levels)]
        boxes.append((3, occ.addBox(0.0, 0.0, H, b, b, L)))
        _, children = occ.fragment(boxes, solids)
        occ.synchronize()
    except Exception as error:  # an OpenCASCADE exception, e.g. "Courbes non jointives"
        raise BuildError(f"OCC booleans failed: {error}") from None
    host = {tag for child in children[len(boxes) :] for _, tag in child}
    fill = u * layout.fill_height
    regions: dict[int, str] = {}
    for k, child in enumerate(children[: len(boxes)]):
        in_layer = k < len(boxes) - 1
        pore = "lithium" if in_layer and levels[k + 1] <= fill * (1 + 1e-12) and fill > 0 else "sse"
        for _, tag in child:
            if tag not in host:
                regions[tag] = pore
    host_levels = [u * z for z in layout.host_layers]
    for tag in host:
        if host_levels:
            z = occ.getCenterOfMass(3, tag)[2]
            k = min(int(np.searchsorted(host_levels, z)) - 1, len(host_levels) - 2)
            regions[tag] = f"host_layer_{max(k, 0)}"
        else:
            regions[tag] = "host"
    smallest = min(occ.getMass(3, tag) for tag in regions)
    if smallest < 0.05 * (u * layout.min_gap) ** 3:  # negative: a badly oriented solid
        raise BuildError(f"a volume of {smallest:.3g} um3 (sliver or inverted solid) was left by the booleans")
    return regions


def _phase(region: str) -> str:
    return "host" if region.startswith("host") else region


PAIR_MARKER = {
    frozenset(("host", "sse")): "host_sse",
    frozenset(("host", "lithium")): "host_li",
    frozenset(("lithium", "sse")): "li_sse",
}


def classify_surfaces(model: Any, layout: HostLayout, regions: dict[int, str]) -> dict[str, list[int]]:
    """Facet groups: boundary faces by plane, interfaces by the phases on either side."""
    u = 1.0 / MODEL_UNIT_M
    b, top = u * layout.footprint, u * (layout.host_thickness + layout.separator_thickness)
    tol = 1e-6 * max(b, top)
    groups: dict[str, list[int]] = {name: [] for name in ("bottom", "top", "sides", *PAIR_MARKER.values())}
    for _, tag in model.getEntities(2):
        volumes = [v for v in model.getAdjacencies(2, tag)[0] if v in regions]
        if len(volumes) == 2:
            pair = frozenset(_phase(regions[v]) for v in volumes)
            if pair in PAIR_MARKER:
                groups[PAIR_MARKER[pair]].append(tag)
            continue
        x0, y0, z0, x1, y1, z1 = model.getBoundingBox(2, tag)
        if z1 < tol:
            groups["bottom"].append(tag)
        elif z0 > top - tol:
            groups["top"].append(tag)
        elif min(x1, y1) < tol or max(x0, y0) > b - tol:
            groups["sides"].append(tag)
        else:
            raise RuntimeError(f"surface {tag} with bounding box {(x0, y0, z0, x1, y1, z1)} is unclassified")
    return groups


def tag_regions(model: Any, regions: dict[int, str], groups: dict[str, list[int]]) -> None:
    cell_ids = {**CELL_MARKERS, **HOST_LAYER_MARKERS}
    for name in sorted(set(regions.values()), key=lambda n: cell_ids[n]):
        model.addPhysicalGroup(3, sorted(t for t, r in regions.items() if r == name), cell_ids[name], name=name)
    for name, tags in groups.items():
        if tags:
            model.addPhysicalGroup(2, sorted(tags), FACET_MARKERS[name], name=name)


def mesh_cell(model: Any, layout: HostLayout, regions: dict[int, str]) -> None:
    """Linear tetrahedra: mesh_size at the scaffold surfaces, growing to mesh_size_bulk away from them.

    Raises BuildError when the mesher fails (a redraw may succeed).
    """
    import gmsh

    u = 1.0 / MODEL_UNIT_M
    host = [t for t, name in regions.items() if name.startswith("host")]
    surfaces = sorted({s for _, s in model.getBoundary([(3, t) for t in host], combined=False, oriented=False)})
    fields = model.mesh.field
    distance = fields.add("Distance")
    fields.setNumbers(distance, "SurfacesList", surfaces)
    fields.setNumber(distance, "Sampling", 10)
    threshold = fields.add("Threshold")
    fields.setNumber(threshold, "InField", distance)
    fields.setNumber(threshold, "SizeMin", u * layout.mesh_size)
    fields.setNumber(threshold, "SizeMax", u * layout.mesh_size_bulk)
    fields.setNumber(threshold, "DistMin", 0.5 * u * layout.mesh_size)
    fields.setNumber(threshold, "DistMax", 0.5 * u * layout.mesh_size + 1.5 * u * layout.mesh_size_bulk)
    fields.setAsBackgroundMesh(threshold)
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.Algorithm3D", 10)  # HXT
    _generate(model)


def _generate(model: Any) -> None:
    """Surface mesh, checked, then the volume mesh; any failure is a BuildError (redraw).

    HXT terminates the process on a surface mesh with invalid (e.g. duplicated,
    folded) triangles, so those are caught after the 2D step.
    """
    import gmsh

    gmsh.logger.start()
    try:
        model.mesh.generate(2)
        invalid = [m for m in gmsh.logger.get() if "remain invalid" in m or "self-intersect" in m.lower()]
        if invalid:
            raise BuildError(f"invalid surface mesh ({invalid[0].strip()})")
        _check_coincident_nodes(model)
        model.mesh.generate(3)
    except BuildError:
        raise
    except Exception as error:  # gmsh raises a plain Exception
        raise BuildError(f"meshing failed: {error}") from None
    finally:
        gmsh.logger.stop()


def _check_coincident_nodes(model: Any, tolerance: float = 1e-6) -> None:
    """Distinct surface mesh nodes at one place (faces the booleans failed to share) make HXT abort."""
    from scipy.spatial import cKDTree

    _, coords, _ = model.mesh.getNodes()
    pairs = cKDTree(coords.reshape(-1, 3)).query_pairs(tolerance)
    if pairs:
        raise BuildError(f"{len(pairs)} pairs of coincident surface mesh nodes (non-conformal booleans)")
