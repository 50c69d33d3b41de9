"""Measured porosity and areas: exact OCC measures, mesh volumes, the porosity checks, the measured part of info.json.

:func:`occ_measures` runs in the build worker on the tagged OCC geometry;
:func:`model_measures` reads what it recorded on the model; the porosity is
checked against the target (:data:`POROSITY_TOLERANCE`) on the OCC volumes
before meshing and on the mesh volumes after it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from fem.validation import ParameterError
from geometries.planar import MODEL_UNIT_M
from geometries.porous.layout import HostLayout
from geometries.porous.occ import PAIR_MARKER
from geometries.porous.placement import Placement

__all__ = [
    "POROSITY_TOLERANCE",
    "occ_measures",
    "model_measures",
    "host_volume",
    "check_mesh_porosity",
    "check_porosity",
    "host_model_info",
]

#: Requested vs measured porosity (pore fraction of the host layer), checked on
#: the OCC volumes before meshing and on the mesh after it.
POROSITY_TOLERANCE = 0.02


def _group_entities(model: Any, dim: int) -> dict[str, list[int]]:
    return {
        model.getPhysicalName(dim, tag): list(model.getEntitiesForPhysicalGroup(dim, tag))
        for _, tag in model.getPhysicalGroups(dim)
    }


def occ_measures(model: Any, layout: HostLayout) -> dict[str, Any]:
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


def host_volume(volumes: dict[str, float]) -> float:
    return sum(v for name, v in volumes.items() if name.startswith("host"))


def check_mesh_porosity(model: Any, layout: HostLayout) -> None:
    porosity = 1.0 - host_volume(_mesh_volumes(model)) / layout.host_layer_volume
    check_porosity("mesh", porosity, layout, hint="; refine mesh_size")


def check_porosity(source: str, measured: float, layout: HostLayout, hint: str = "") -> None:
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
    interfaces = {name: areas.get(name, 0.0) for name in PAIR_MARKER.values()}
    info: dict[str, Any] = {
        "porosity_requested": sum(s.porosity * s.thickness for s in layout.slabs) / layout.host_thickness,
        "porosity_geometry": 1.0 - host_volume(volumes) / V,
        "porosity_mesh": 1.0 - host_volume(_mesh_volumes(model)) / V,
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
