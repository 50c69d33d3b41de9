"""Porous 3D hosts: a scaffold (Cu, Ni, carbon) on the current collector, pores filled with Li or electrolyte.

Geometry (lengths in m, z up)::

    z = H + L  +---------------------+  top (11): counter electrode
               |      separator      |  cells "sse" (1)
    z = H      +-o---O----o---O---o--+
               | O  o   O  o  O   o  |  host layer: scaffold cells "host" (3); pores "lithium" (2)
               |o   O  o   O   o  O  |  below the fill height f H, "sse" (1) above
    z = 0      +---------------------+  bottom (10): current collector
               sides (12): x, y in {0, b}

Interfaces: host_sse (22), host_li (23), li_sse (20) (the fill plane in the pores,
or the top of Li-filled pores under the separator).

Scaffold families (:class:`SpherePacking`, :class:`FibreMat`, :class:`OpenCellFoam`):

* spheres: seeded random sequential addition (RSA) with a log-normal radius
  distribution, non-overlapping (an isolated-particle host) or overlapping
  (a sintered, connected scaffold reaching low porosity); periodic in x, y
  (particles crossing a side reappear on the opposite side);
* fibres: straight cylinders with uniform in-plane azimuth and a small normal
  tilt out of the plane (carbon paper / cloth), overlapping (bonded) by default,
  clipped to the box;
* foam: struts (cylinders) along the edges of a cubic lattice or of a periodic
  Voronoi tessellation, thickened at the nodes by spheres; the strut radius is
  solved for the porosity.

Porosity.  Particles are added until a voxel estimate of the solid fraction
reaches the target (the last one shrunk to fit); the OCC volumes are checked
against the target before meshing and the mesh volumes after it (both must be
within :data:`POROSITY_TOLERANCE`).  The placement is deterministic for a seed.

Robustness.  OCC booleans fail or leave slivers where two surfaces are nearly
tangent.  Placement therefore keeps every pair of surfaces either clearly apart
or clearly intersecting (by ``min_gap``), every surface clear of the box faces
and cut planes (fill height, sublayer boundaries), and for overlapping spheres
every intersection circle clear of the planes and of third spheres.  Overlapping
particles are fused first, clipped to the host layer, then fragmented with the
pore and separator boxes in one call.  A draw whose booleans still throw, leave
a sliver or an inverted solid, or give an invalid surface mesh (on which the
HXT volume mesher would terminate the process) is redrawn from a deterministic
sub-stream of the seed (``info["placement_attempt"]`` records which), up to
:data:`MAX_BUILD_ATTEMPTS` draws.

:func:`build_porous_host` is a pure gmsh builder ``(model, params) -> model``;
:func:`porous_host_mesh` builds on rank 0 and distributes.  The placement and
OCC machinery (:func:`place_scaffold`, :func:`build_host_model`) is shared with
:mod:`geometries.gradient`.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import json
import logging
import os
import pickle
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fem.validation import ParameterError, check_range
from geometries._build import distributed_build, run_cli_build
from geometries.markers import CELL_MARKERS, FACET_MARKERS, HOST_LAYER_MARKERS
from geometries.planar import MODEL_UNIT_M
from geometries.porous.layout import UM, HostLayout, Slab, lithium_fill_fraction
from geometries.porous.limits import check_layout, check_mesh_resolution, check_plane_spacing, check_reachable
from geometries.porous.placement import Placement, place_scaffold
from geometries.porous.scaffolds import Cylinder, FibreMat, OpenCellFoam, Primitive, Scaffold, Sphere, SpherePacking

__all__ = [
    "POROSITY_TOLERANCE",
    "Sphere",
    "Cylinder",
    "SpherePacking",
    "FibreMat",
    "OpenCellFoam",
    "Scaffold",
    "Slab",
    "HostLayout",
    "Placement",
    "PorousHostParams",
    "lithium_fill_fraction",
    "check_layout",
    "check_reachable",
    "check_mesh_resolution",
    "check_plane_spacing",
    "place_scaffold",
    "build_host_model",
    "build_worker",
    "model_measures",
    "host_model_info",
    "host_info",
    "build_porous_host",
    "porous_host_info",
    "porous_host_mesh",
    "placement_attempt",
    "describe_host",
    "register_porous",
]

#: Requested vs measured porosity (pore fraction of the host layer), checked on
#: the OCC volumes before meshing and on the mesh after it.
POROSITY_TOLERANCE = 0.02
#: Builds redrawn (deterministic sub-streams of the seed) when OCC leaves a sliver or meshing fails.
MAX_BUILD_ATTEMPTS = 4
_LOG = logging.getLogger(__name__)


class _BuildError(RuntimeError):
    """The booleans left a sliver or the mesher failed: a redraw may succeed."""


def _occ_primitive(occ: Any, prim: Primitive) -> tuple[int, int]:
    u = 1.0 / MODEL_UNIT_M
    if isinstance(prim, Sphere):
        x, y, z = (u * c for c in prim.centre)
        return 3, occ.addSphere(x, y, z, u * prim.radius)
    a, e = np.array(prim.start) * u, np.array(prim.end) * u
    return 3, occ.addCylinder(*a, *(e - a), u * prim.radius)


def _build_volumes(model: Any, layout: HostLayout, placement: Placement) -> dict[int, str]:
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
        raise _BuildError(f"OCC booleans failed: {error}") from None
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
        raise _BuildError(f"a volume of {smallest:.3g} um3 (sliver or inverted solid) was left by the booleans")
    return regions


def _phase(region: str) -> str:
    return "host" if region.startswith("host") else region


_PAIR_MARKER = {
    frozenset(("host", "sse")): "host_sse",
    frozenset(("host", "lithium")): "host_li",
    frozenset(("lithium", "sse")): "li_sse",
}


def _classify_surfaces(model: Any, layout: HostLayout, regions: dict[int, str]) -> dict[str, list[int]]:
    """Facet groups: boundary faces by plane, interfaces by the phases on either side."""
    u = 1.0 / MODEL_UNIT_M
    b, top = u * layout.footprint, u * (layout.host_thickness + layout.separator_thickness)
    tol = 1e-6 * max(b, top)
    groups: dict[str, list[int]] = {name: [] for name in ("bottom", "top", "sides", *_PAIR_MARKER.values())}
    for _, tag in model.getEntities(2):
        volumes = [v for v in model.getAdjacencies(2, tag)[0] if v in regions]
        if len(volumes) == 2:
            pair = frozenset(_phase(regions[v]) for v in volumes)
            if pair in _PAIR_MARKER:
                groups[_PAIR_MARKER[pair]].append(tag)
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


def _tag(model: Any, regions: dict[int, str], groups: dict[str, list[int]]) -> None:
    cell_ids = {**CELL_MARKERS, **HOST_LAYER_MARKERS}
    for name in sorted(set(regions.values()), key=lambda n: cell_ids[n]):
        model.addPhysicalGroup(3, sorted(t for t, r in regions.items() if r == name), cell_ids[name], name=name)
    for name, tags in groups.items():
        if tags:
            model.addPhysicalGroup(2, sorted(tags), FACET_MARKERS[name], name=name)


def _mesh(model: Any, layout: HostLayout, regions: dict[int, str]) -> None:
    """Linear tetrahedra: mesh_size at the scaffold surfaces, growing to mesh_size_bulk away from them.

    Raises _BuildError when the mesher fails (a redraw may succeed).
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
    """Surface mesh, checked, then the volume mesh; any failure is a _BuildError (redraw).

    HXT terminates the process on a surface mesh with invalid (e.g. duplicated,
    folded) triangles, so those are caught after the 2D step.
    """
    import gmsh

    gmsh.logger.start()
    try:
        model.mesh.generate(2)
        invalid = [m for m in gmsh.logger.get() if "remain invalid" in m or "self-intersect" in m.lower()]
        if invalid:
            raise _BuildError(f"invalid surface mesh ({invalid[0].strip()})")
        _check_coincident_nodes(model)
        model.mesh.generate(3)
    except _BuildError:
        raise
    except Exception as error:  # gmsh raises a plain Exception
        raise _BuildError(f"meshing failed: {error}") from None
    finally:
        gmsh.logger.stop()


def _check_coincident_nodes(model: Any, tolerance: float = 1e-6) -> None:
    """Distinct surface mesh nodes at one place (faces the booleans failed to share) make HXT abort."""
    from scipy.spatial import cKDTree

    _, coords, _ = model.mesh.getNodes()
    pairs = cKDTree(coords.reshape(-1, 3)).query_pairs(tolerance)
    if pairs:
        raise _BuildError(f"{len(pairs)} pairs of coincident surface mesh nodes (non-conformal booleans)")


def build_host_model(model: Any, layout: HostLayout, scaffold: Scaffold, seed: int) -> Placement:
    """Place, build, tag and mesh the cell into ``model`` (mesh in m).

    Each draw's booleans and meshing run in a worker process (:func:`_build_in_worker`),
    so that an OpenCASCADE hang, a crash or the HXT mesher terminating on a bad
    surface mesh costs only that draw; failed draws are redrawn (attempts 1, 2, ...
    of the seed).  The model receives the worker's mesh (discrete entities with
    the physical groups) and the attributes "placement_attempt" and
    "occ_measures" (exact OCC volumes and areas, JSON).  Returns the placement.
    """
    errors = []
    for attempt in range(MAX_BUILD_ATTEMPTS):
        placement = place_scaffold(scaffold, layout, seed, attempt)
        try:
            measures = _build_in_worker(model, layout, placement)
        except _BuildError as error:
            errors.append(str(error))
            _LOG.warning("seed %d, attempt %d: %s; redrawing", seed, attempt, error)
            continue
        model.setAttribute("placement_attempt", [str(attempt)])
        model.setAttribute("occ_measures", [json.dumps(measures)])
        _check_mesh_porosity(model, layout)
        return placement
    raise RuntimeError(f"no meshable geometry in {MAX_BUILD_ATTEMPTS} draws of seed {seed}: {'; '.join(errors)}")


def _build_timeout(placement: Placement) -> float:
    """Seconds a worker may take for one draw (normal builds take well under this)."""
    return 120.0 + 0.5 * len(placement.primitives)


def _build_in_worker(model: Any, layout: HostLayout, placement: Placement) -> dict[str, Any]:
    """Booleans, tags and mesh of one draw in a separate Python process; merge its mesh into ``model``.

    Raises _BuildError when the worker reports one, dies, or exceeds
    :func:`_build_timeout` (it is then killed); ParameterError when the OCC
    porosity misses the target.  Returns the OCC measures.
    """
    import gmsh

    with tempfile.TemporaryDirectory(prefix="porous-host-") as tmp:
        folder = Path(tmp)
        (folder / "job.pickle").write_bytes(pickle.dumps((layout, placement)))
        command = [sys.executable, "-c", "from geometries.porous import build_worker; build_worker()", tmp]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        timeout = _build_timeout(placement)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise _BuildError(f"booleans / meshing did not finish in {timeout:.0f} s") from None
        result = folder / "result.json"
        if not result.exists():
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            raise _BuildError(f"the build worker stopped with exit status {done.returncode} ({last})")
        outcome = json.loads(result.read_text())
        if "build_error" in outcome:
            raise _BuildError(outcome["build_error"])
        if "parameter_error" in outcome:
            raise ParameterError(outcome["parameter_error"])
        gmsh.merge(str(folder / "mesh.msh"))
    return outcome["measures"]


def build_worker() -> None:
    """Entry point of the worker process: ``python -c '...build_worker()' FOLDER``.

    Reads (layout, placement) from FOLDER/job.pickle, builds, tags and meshes in
    micrometres, scales the mesh to metres and writes FOLDER/mesh.msh and
    FOLDER/result.json ({"measures": ...}, {"build_error": ...} or {"parameter_error": ...}).
    """
    import gmsh

    folder = Path(sys.argv[-1])
    layout, placement = pickle.loads((folder / "job.pickle").read_bytes())
    gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("porous_host")
    model = gmsh.model
    try:
        regions = _build_volumes(model, layout, placement)
        _tag(model, regions, _classify_surfaces(model, layout, regions))
        measures = _occ_measures(model, layout)
        _check_porosity("OCC geometry", 1.0 - _host_volume(measures["volume_m3"]) / layout.host_layer_volume, layout)
        _mesh(model, layout, regions)
        m = MODEL_UNIT_M
        model.mesh.affineTransform([m, 0, 0, 0, 0, m, 0, 0, 0, 0, m, 0])
        gmsh.option.setNumber("Mesh.Binary", 1)
        gmsh.write(str(folder / "mesh.msh"))
        outcome: dict[str, Any] = {"measures": measures}
    except _BuildError as error:
        outcome = {"build_error": str(error)}
    except ParameterError as error:
        outcome = {"parameter_error": str(error)}
    (folder / "result.json").write_text(json.dumps(outcome))
    gmsh.finalize()


# --------------------------------------------------------------------------
# measures


def _group_entities(model: Any, dim: int) -> dict[str, list[int]]:
    return {
        model.getPhysicalName(dim, tag): list(model.getEntitiesForPhysicalGroup(dim, tag))
        for _, tag in model.getPhysicalGroups(dim)
    }


def _occ_measures(model: Any, layout: HostLayout) -> dict[str, Any]:
    """Exact OCC measures of the tagged geometry (SI): volumes per cell region, areas per facet
    region, host volume per porosity slab, and host_sse / host_li areas per host sublayer."""
    m, u = MODEL_UNIT_M, 1.0 / MODEL_UNIT_M
    cells, facets = _group_entities(model, 3), _group_entities(model, 2)
    region_of = {tag: name for name, tags in cells.items() for tag in tags}
    tops = [u * s.z_top for s in layout.slabs[:-1]]
    slab_host = [0.0] * len(layout.slabs)
    for tag, name in region_of.items():
        if name.startswith("host"):
            slab = int(np.searchsorted(tops, model.occ.getCenterOfMass(3, tag)[2]))
            slab_host[slab] += m**3 * model.occ.getMass(3, tag)
    by_layer: dict[str, dict[str, float]] = {}
    for interface in ("host_sse", "host_li"):
        for surface in facets.get(interface, []):
            layer = next(
                region_of[v] for v in model.getAdjacencies(2, surface)[0] if region_of.get(v, "").startswith("host")
            )
            per_layer = by_layer.setdefault(layer, {"host_sse": 0.0, "host_li": 0.0})
            per_layer[interface] += m**2 * model.occ.getMass(2, surface)
    return {
        "volume_m3": {n: m**3 * sum(model.occ.getMass(3, t) for t in ts) for n, ts in cells.items()},
        "area_m2": {n: m**2 * sum(model.occ.getMass(2, t) for t in ts) for n, ts in facets.items()},
        "slab_host_volume_m3": slab_host,
        "interface_area_by_host_region_m2": by_layer,
    }


def model_measures(model: Any) -> dict[str, Any]:
    """The OCC measures recorded by build_host_model on ``model``."""
    return json.loads(model.getAttribute("occ_measures")[0])


def _mesh_volumes(model: Any) -> dict[str, float]:
    """Volumes (in the mesh's length unit cubed) of the tetrahedra per cell region."""
    tags, coords, _ = model.mesh.getNodes()
    position = np.zeros((int(tags.max()) + 1, 3))
    position[tags.astype(np.int64)] = coords.reshape(-1, 3)
    volumes: dict[str, float] = {}
    for name, entities in _group_entities(model, 3).items():
        total = 0.0
        for entity in entities:
            types, _, nodes = model.mesh.getElements(3, entity)
            for etype, enodes in zip(types, nodes, strict=True):
                if etype != 4:  # linear tetrahedra only
                    continue
                p = position[enodes.astype(np.int64).reshape(-1, 4)]
                edges = p[:, 1:] - p[:, :1]
                total += float(np.abs(np.linalg.det(edges)).sum() / 6.0)
        volumes[name] = total
    return volumes


def _host_volume(volumes: dict[str, float]) -> float:
    return sum(v for name, v in volumes.items() if name.startswith("host"))


def _check_mesh_porosity(model: Any, layout: HostLayout) -> None:
    porosity = 1.0 - _host_volume(_mesh_volumes(model)) / layout.host_layer_volume
    _check_porosity("mesh", porosity, layout, hint="; refine mesh_size")


def _check_porosity(source: str, measured: float, layout: HostLayout, hint: str = "") -> None:
    H = layout.host_thickness
    wanted = sum(s.porosity * s.thickness for s in layout.slabs) / H
    if abs(measured - wanted) > POROSITY_TOLERANCE:
        raise ParameterError(
            f"porosity from the {source} {measured:.4f} is more than {POROSITY_TOLERANCE} from the requested "
            f"{wanted:.4f}{hint}"
        )


def host_model_info(model: Any, layout: HostLayout, placement: Placement) -> dict[str, Any]:
    """Measured porosity (OCC and mesh), interface areas and specific areas, counts."""
    measures = model_measures(model)
    volumes, areas = measures["volume_m3"], measures["area_m2"]
    V = layout.host_layer_volume
    interfaces = {name: areas.get(name, 0.0) for name in _PAIR_MARKER.values()}
    info: dict[str, Any] = {
        "porosity_requested": sum(s.porosity * s.thickness for s in layout.slabs) / layout.host_thickness,
        "porosity_geometry": 1.0 - _host_volume(volumes) / V,
        "porosity_mesh": 1.0 - _host_volume(_mesh_volumes(model)) / V,
        "volume_m3": volumes,
        "interface_area_m2": interfaces,
        "specific_interface_area_1_m": {name: area / V for name, area in interfaces.items()},
        "boundary_area_m2": {name: areas.get(name, 0.0) for name in ("bottom", "top", "sides")},
        "host_layer_volume_m3": V,
        "n_particles": placement.n_particles,
        "n_primitives": len(placement.primitives),
        "placement_attempt": placement.attempt,
        "n_tetrahedra": int(sum(len(t) for t in model.mesh.getElements(3)[1])),
        **{k: v for k, v in placement.details.items() if k != "radii_m"},
    }
    if len(layout.slabs) > 1:
        info["slab_porosity_geometry"] = [
            1.0 - host / (layout.footprint**2 * slab.thickness)
            for host, slab in zip(measures["slab_host_volume_m3"], layout.slabs, strict=True)
        ]
    return info


# --------------------------------------------------------------------------
# the uniform porous host


@dataclass(frozen=True, slots=True)
class PorousHostParams:
    """A uniform porous host under a separator (SI units).

    Attributes:
        scaffold: SpherePacking, FibreMat or OpenCellFoam.
        porosity: pore volume fraction of the host layer, in (0, 1).
        footprint: cell side b (m).
        host_thickness: host layer thickness H (m).
        separator_thickness: electrolyte separator thickness L (m).
        mesh_size: element size at the scaffold surfaces (m); at most half the
            smallest particle / fibre / strut radius.
        mesh_size_bulk: element size away from the scaffold (pore interiors,
            separator) (m); 0: 3 mesh_size.
        pore_fill: "electrolyte", "lithium", or the height fraction of the
            pores filled with Li from the bottom (electrolyte above).
        seed: random seed of the placement.
        min_gap: clearance between nearly touching surfaces (m); 0: mesh_size / 2.
    """

    scaffold: Scaffold
    porosity: float
    footprint: float
    host_thickness: float
    separator_thickness: float
    mesh_size: float
    mesh_size_bulk: float = 0.0
    pore_fill: str | float = "electrolyte"
    seed: int = 0
    min_gap: float = 0.0

    def __post_init__(self) -> None:
        lithium_fill_fraction(self.pore_fill)
        check_range("porosity", self.porosity, 0.0, 1.0)
        layout = self.layout()
        check_layout(layout, self.scaffold)
        check_reachable(self.scaffold, self.porosity, layout.min_gap)
        check_mesh_resolution(layout, self.scaffold)

    def layout(self) -> HostLayout:
        return HostLayout(
            footprint=self.footprint,
            host_thickness=self.host_thickness,
            separator_thickness=self.separator_thickness,
            slabs=(Slab(0.0, self.host_thickness, self.porosity),),
            lithium_fill=lithium_fill_fraction(self.pore_fill),
            host_layers=(),
            mesh_size=self.mesh_size,
            mesh_size_bulk=self.mesh_size_bulk or 3.0 * self.mesh_size,
            min_gap=self.min_gap or 0.5 * self.mesh_size,
        )


def build_porous_host(model: Any, params: PorousHostParams) -> Any:
    """Build, tag and mesh (3D, linear tetrahedra) the porous host cell in ``model``.

    The mesh nodes are in metres; the OCC geometry in micrometres (MODEL_UNIT_M).
    """
    build_host_model(model, params.layout(), params.scaffold, params.seed)
    return model


def placement_attempt(model: Any) -> int:
    """The draw that was meshed (model attribute set by build_host_model)."""
    try:
        return int(model.getAttribute("placement_attempt")[0])
    except Exception:
        return 0


def scaffold_parameters(scaffold: Scaffold) -> dict[str, Any]:
    """The scaffold's fields with unit suffixes, for info.json."""
    values: dict[str, Any] = {"family": scaffold.family}
    for name in scaffold.__slots__:
        value = getattr(scaffold, name)
        suffix = "_m" if name in ("radius", "radius_std", "cell_size") else ""
        values[name + suffix] = value
    return values


def layout_parameters(layout: HostLayout) -> dict[str, Any]:
    return {
        "footprint_m": layout.footprint,
        "host_thickness_m": layout.host_thickness,
        "separator_thickness_m": layout.separator_thickness,
        "lithium_fill_fraction": layout.lithium_fill,
        "mesh_size_m": layout.mesh_size,
        "mesh_size_bulk_m": layout.mesh_size_bulk,
        "min_gap_m": layout.min_gap,
    }


def describe_host(scaffold: Scaffold, layout: HostLayout, placement: Placement) -> str:
    """One line for info.json ("description", also the preview title)."""
    if isinstance(scaffold, OpenCellFoam):
        what = f"{scaffold.lattice} foam, {placement.n_particles} struts, cell {scaffold.cell_size / UM:.3g} um"
    else:
        mode = "overlapping" if scaffold.overlapping else "separate"
        what = f"{placement.n_particles} {mode} {scaffold.family}, r {scaffold.radius / UM:.3g} um"
    porosity = "/".join(f"{s.porosity:g}" for s in layout.slabs)
    fill = {0.0: "electrolyte", 1.0: "lithium"}.get(layout.lithium_fill, f"Li to {layout.lithium_fill:.0%} height")
    layers = f", {len(layout.host_layers) - 1} host layers" if layout.host_layers else ""
    return f"porous host: {what}, porosity {porosity}, pores {fill}{layers}"


def host_info(builder: str, params: Any, model: Any, parameters: dict[str, Any]) -> dict[str, Any]:
    """info.json of a host cell built by ``builder``: parameters (layout, scaffold and ``parameters``),
    seed, versions, measured porosity and interface areas (host_model_info)."""
    from fem.mesh_io import package_versions

    layout = params.layout()
    placement = place_scaffold(params.scaffold, layout, params.seed, placement_attempt(model))
    return {
        "builder": builder,
        "description": describe_host(params.scaffold, layout, placement),
        "units": "SI (m)",
        "parameters": {**layout_parameters(layout), **parameters, "scaffold": scaffold_parameters(params.scaffold)},
        "seed": params.seed,
        **host_model_info(model, layout, placement),
        "versions": package_versions(),
    }


def porous_host_info(params: PorousHostParams, model: Any) -> dict[str, Any]:
    """Parameters, seed, versions, measured porosity and interface areas for info.json."""
    parameters = {"porosity": params.porosity, "pore_fill": params.pore_fill}
    return host_info("geometries.porous.build_porous_host", params, model, parameters)


def porous_host_mesh(
    comm: Any,
    params: PorousHostParams,
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Build the cell on rank 0 of ``comm`` and return it distributed as fem.mesh_io.MeshData.

    ``cell_regions`` keeps only those cell regions (e.g. ``("sse",)`` for the
    current problem).  When ``out_dir`` is given, rank 0 writes mesh.msh,
    markers.json and info.json there.
    """
    return distributed_build(
        comm, lambda model: porous_host_info(params, build_porous_host(model, params)), out_dir, cell_regions
    )


# --------------------------------------------------------------------------
# command line


def add_cell_arguments(p: argparse.ArgumentParser, defaults: dict[str, float]) -> None:
    """Options shared by every porous / gradient subcommand (lengths in um)."""
    p.add_argument("--out", type=Path, required=True, help="output directory (mesh.msh, markers.json, info.json)")
    p.add_argument("--preview", action="store_true", help="also render a cut-away preview.png")
    p.add_argument("--footprint-um", type=float, default=defaults["footprint"], help="cell side b, um")
    p.add_argument("--host-thickness-um", type=float, default=defaults["host"], help="host layer thickness H, um")
    p.add_argument(
        "--separator-thickness-um", type=float, default=defaults["separator"], help="separator thickness L, um"
    )
    p.add_argument(
        "--pore-fill",
        default="electrolyte",
        help="pore filling: 'electrolyte', 'lithium', or the Li fill height fraction in [0, 1] (Li from z = 0)",
    )
    p.add_argument("--seed", type=int, default=0, help="random seed of the placement")
    p.add_argument(
        "--mesh-size-um", type=float, default=defaults["mesh"], help="element size at the scaffold surfaces, um"
    )
    p.add_argument(
        "--mesh-size-bulk-um",
        type=float,
        default=0.0,
        help="element size away from the scaffold (pore interiors, separator), um (0: 3x the surface size)",
    )
    p.add_argument(
        "--min-gap-um", type=float, default=0.0, help="clearance between nearly touching surfaces, um (0: mesh/2)"
    )


_FAMILY_OPTIONS = {
    "spheres": ("--radius-um", "--radius-std-um", "--overlapping", "--non-overlapping"),
    "fibres": ("--radius-um", "--tilt-std-deg", "--overlapping", "--non-overlapping"),
    "foam": ("--cell-size-um", "--lattice", "--node-factor"),
}


def add_scaffold_arguments(p: argparse.ArgumentParser, families: Sequence[str], radius_um: float = 2.0) -> None:
    """Options of the scaffold families (lengths in um); with several families, ``--scaffold`` chooses."""
    if len(families) > 1:
        p.add_argument("--scaffold", choices=tuple(families), default=families[0], help="scaffold family")
    options = {option for family in families for option in _FAMILY_OPTIONS[family]}
    if "--radius-um" in options:
        p.add_argument("--radius-um", type=float, default=radius_um, help="sphere / fibre (mean) radius, um")
    if "--radius-std-um" in options:
        p.add_argument(
            "--radius-std-um", type=float, default=0.0, help="spheres: log-normal radius standard deviation, um"
        )
    if "--tilt-std-deg" in options:
        p.add_argument(
            "--tilt-std-deg", type=float, default=0.0, help="fibres: out-of-plane tilt standard deviation, degrees"
        )
    if "--overlapping" in options:
        overlap = p.add_mutually_exclusive_group()
        overlap.add_argument(
            "--overlapping",
            dest="overlapping",
            action="store_const",
            const=True,
            default=None,
            help="particles may interpenetrate (sintered spheres, bonded fibres; default for fibres)",
        )
        overlap.add_argument(
            "--non-overlapping",
            dest="overlapping",
            action="store_const",
            const=False,
            help="particles kept apart by the gap (default for spheres)",
        )
    if "--cell-size-um" in options:
        p.add_argument("--cell-size-um", type=float, default=10.0, help="foam: cell size (lattice constant), um")
        p.add_argument("--lattice", choices=("cubic", "voronoi"), default="cubic", help="foam: strut lattice")
        p.add_argument(
            "--node-factor", type=float, default=1.6, help="foam: node sphere radius / strut radius (>= 1.42)"
        )


def scaffold_from_args(family: str, args: argparse.Namespace) -> Scaffold:
    """The scaffold of ``family`` from the parsed options (um -> m)."""
    if family == "spheres":
        overlapping = bool(args.overlapping) if args.overlapping is not None else False
        return SpherePacking(args.radius_um * UM, args.radius_std_um * UM, overlapping)
    if family == "fibres":
        overlapping = bool(args.overlapping) if args.overlapping is not None else True
        return FibreMat(args.radius_um * UM, args.tilt_std_deg, overlapping)
    return OpenCellFoam(args.cell_size_um * UM, args.lattice, args.node_factor)


def pore_fill_from_text(text: str) -> str | float:
    return text if text in ("electrolyte", "lithium") else lithium_fill_fraction(text)


def particles_text(info: dict[str, Any]) -> str:
    """'34 spheres', '14 fibres', '54 foam struts'."""
    family = info["parameters"]["scaffold"]["family"]
    return f"{info['n_particles']} {'foam struts' if family == 'foam' else family}"


def porosity_summary(info: dict[str, Any]) -> str:
    areas = ", ".join(f"{k} {v:.3g}" for k, v in info["specific_interface_area_1_m"].items() if v > 0)
    return (
        f"{particles_text(info)}, porosity {info['porosity_mesh']:.4f} "
        f"(requested {info['porosity_requested']:.4f}), specific areas [1/m] {areas}"
    )


_DEFAULTS = {
    "spheres": {"footprint": 20.0, "host": 20.0, "separator": 10.0, "mesh": 0.7, "porosity": 0.8, "radius": 2.5},
    "fibres": {"footprint": 30.0, "host": 15.0, "separator": 10.0, "mesh": 0.5, "porosity": 0.75, "radius": 2.0},
    "foam": {"footprint": 20.0, "host": 20.0, "separator": 10.0, "mesh": 0.5, "porosity": 0.85},
}
_HELP = {
    "spheres": "porous host of random spheres (separate or sintered)",
    "fibres": "porous host of a random fibre mat (carbon paper / cloth)",
    "foam": "open-cell foam host: struts on a cubic or Voronoi lattice",
}


def register_porous(sub: argparse._SubParsersAction) -> None:
    """Add the ``spheres``, ``fibres`` and ``foam`` subcommands; the handler builds on COMM_SELF."""
    for family, defaults in _DEFAULTS.items():
        p = sub.add_parser(family, help=_HELP[family], description=_HELP[family])
        p.set_defaults(handler=functools.partial(build_porous_cli, family))
        add_cell_arguments(p, defaults)
        p.add_argument(
            "--porosity", type=float, default=defaults["porosity"], help="pore fraction of the host layer, (0, 1)"
        )
        add_scaffold_arguments(p, (family,), radius_um=defaults.get("radius", 2.0))


def build_porous_cli(family: str, args: argparse.Namespace) -> None:
    """Handler of the porous subcommands: parameters are checked before any work."""
    params = PorousHostParams(
        scaffold=scaffold_from_args(family, args),
        porosity=args.porosity,
        footprint=args.footprint_um * UM,
        host_thickness=args.host_thickness_um * UM,
        separator_thickness=args.separator_thickness_um * UM,
        mesh_size=args.mesh_size_um * UM,
        mesh_size_bulk=args.mesh_size_bulk_um * UM,
        pore_fill=pore_fill_from_text(args.pore_fill),
        seed=args.seed,
        min_gap=args.min_gap_um * UM,
    )
    run_cli_build(args, lambda model: porous_host_info(params, build_porous_host(model, params)), porosity_summary)
