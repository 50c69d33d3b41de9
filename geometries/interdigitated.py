"""Interdigitated Li anodes: Li fingers interpenetrating the solid electrolyte.

One periodic cell (lengths in m, z up)::

    z = t_b + h + L  +------------------------------+  top (11): counter electrode
                     |          electrolyte         |  cells "sse" (1); separator L above the tips
    z = t_b + h      |    +----+        +----+      |
                     | sse| Li |  sse   | Li | sse  |  Li fingers of height h
    z = t_b          +----+    +--------+    +------+  li_sse (20): every Li | electrolyte facet
                     |        lithium base          |  cells "lithium" (2): one equipotential
    z = 0            +------------------------------+  bottom (10): current collector (all Li)
                     sides (12): symmetry planes (and the outer wall of the concentric cell)

Three finger shapes, one parameter class each:

* :class:`LamellarParams` -- a comb of walls of width w at pitch p, invariant
  in y; the cell holds ``n_fingers`` walls on an ``n p x n p`` footprint, each
  wall centred in its ``p``-wide strip, so the sides are mirror planes.
* :class:`PillarParams` -- cylindrical (radius r) or square (half-width r)
  pillars (vertically aligned Li microchannels) on a square lattice (cell
  ``p x p``, one pillar in the middle) or a hexagonal lattice of nearest-
  neighbour distance p (rectangular cell ``p x p sqrt(3)``: one pillar in the
  middle and a quarter pillar in each corner, two pillars in all), so that
  the cell sides are mirror planes of the lattice.
* :class:`ConcentricParams` -- the cross-section of a spiral-wound
  interdigitated anode, approximated by ``n_rings`` concentric Li rings of
  radial width w at radial pitch p (ring k centred at radius (k + 1/2) p)
  standing on the Li base: a lamellar comb rolled around the z axis.  The
  cell is the quarter cylinder x, y >= 0, r <= R = n p; the planes x = 0 and
  y = 0 are mirror planes and the outer wall r = R an insulating wall, all
  marked sides (12).  Standing rings (rather than a thin slab of rings) keep
  the marker semantics of the other variants: all Li is one equipotential
  region fed from the bottom, the counter electrode is the top face.

Geometry is built with OpenCASCADE in micrometres (MODEL_UNIT_M) and the mesh
scaled to metres.  Li (base fused with the fingers) and the electrolyte are
fragmented together, so the interface is conformal; the mesh is refined near
the Li | electrolyte interface with a distance/threshold size field.
:func:`build_interdigitated` is a pure gmsh builder ``(model, params) -> model``;
:func:`interdigitated_mesh` builds on rank 0 and distributes the mesh.
:func:`register_interdigitated` adds the ``lamellar``, ``pillars`` and
``concentric`` subcommands to ``python -m geometries``.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from fem.markers import CELL_MARKERS, FACET_MARKERS
from fem.validation import ParameterError, check_choice, check_positive, check_range
from geometries._build import distributed_mesh, run_cli_build
from geometries.planar import MODEL_UNIT_M

__all__ = [
    "InterdigitatedParams",
    "LamellarParams",
    "PillarParams",
    "ConcentricParams",
    "build_interdigitated",
    "mesh_info",
    "interdigitated_mesh",
    "register_interdigitated",
    "params_from_args",
    "build_from_args",
]

#: Model units per metre; multiplying (not dividing by MODEL_UNIT_M) maps 20e-6 m to exactly 20.0.
_PER_M = 1.0 / MODEL_UNIT_M
_SQRT3 = math.sqrt(3.0)


def _um(length_m: float) -> float:
    """Metres -> model units (micrometres)."""
    return length_m * _PER_M


def _check_with_reason(reason: str, name: str, value: float, low: float, high: float, **kwargs: Any) -> float:
    """check_range, with ``reason`` appended to the refusal message."""
    try:
        return check_range(name, value, low, high, **kwargs)
    except ParameterError as error:
        raise ParameterError(f"{error}: {reason}") from None


def _check_count(name: str, value: int) -> int:
    """A whole number in [1, inf)."""
    check_range(name, value, 1.0, low_inclusive=True)
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ParameterError(f"{name} = {value!r} is not a whole number")
    return int(value)


def _centred_spans(width: float, pitch: float, count: int) -> list[tuple[float, float]]:
    """(start, end) of ``count`` strips of ``width`` centred in consecutive ``pitch``-wide cells (m)."""
    half = 0.5 * width
    return [((k + 0.5) * pitch - half, (k + 0.5) * pitch + half) for k in range(count)]


# -- parameters -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class InterdigitatedParams:
    """Layers and mesh sizes shared by every interdigitated cell (SI units).

    Attributes:
        finger_height: height h of the Li fingers above the base (m).
        separator_thickness: electrolyte thickness L above the finger tips (m).
        base_thickness: thickness t_b of the Li base layer on the current collector (m).
        mesh_size_interface: element size on the Li | electrolyte interface (m);
            at most half the smallest feature (two elements across it).
        mesh_size_bulk: element size far from the interface (m).
        refinement_distance: distance over which the size grows from the
            interface to the bulk (m); 0 means 2 x mesh_size_bulk.

    Subclasses give the finger shape through ``cell_size``, ``finger_section_area``,
    ``finger_perimeter`` and ``shape_features``; from these the exact volumes and
    interface area follow.
    """

    kind: ClassVar[str] = ""

    finger_height: float
    separator_thickness: float
    base_thickness: float
    mesh_size_interface: float
    mesh_size_bulk: float
    refinement_distance: float = 0.0

    def __post_init__(self) -> None:
        check_positive("finger_height", self.finger_height, "m")
        check_positive("separator_thickness", self.separator_thickness, "m")
        check_positive("base_thickness", self.base_thickness, "m")
        self._check_shape()
        check_positive("mesh_size_interface", self.mesh_size_interface, "m")
        feature = self.smallest_feature
        _check_with_reason(
            f"two elements must fit across the smallest feature {feature:.4g} m",
            "mesh_size_interface",
            self.mesh_size_interface,
            0.0,
            0.5 * feature,
            high_inclusive=True,
            unit="m",
        )
        _check_with_reason(
            "between the interface size and the cell width",
            "mesh_size_bulk",
            self.mesh_size_bulk,
            self.mesh_size_interface,
            min(self.cell_size),
            low_inclusive=True,
            high_inclusive=True,
            unit="m",
        )
        check_range("refinement_distance", self.refinement_distance, 0.0, low_inclusive=True, unit="m")

    # -- shape hooks (subclasses) --------------------------------------------------------------
    def _check_shape(self) -> None:
        raise NotImplementedError

    @property
    def cell_size(self) -> tuple[float, float]:
        """Lateral extent (x, y) of the cell (m)."""
        raise NotImplementedError

    @property
    def footprint_area(self) -> float:
        """Area of the cell's cross-section, the planar reference area (m2)."""
        return self.cell_size[0] * self.cell_size[1]

    @property
    def finger_section_area(self) -> float:
        """Area of the fingers' cross-section inside the cell (m2)."""
        raise NotImplementedError

    @property
    def finger_perimeter(self) -> float:
        """Length of the fingers' Li | electrolyte outline in a cross-section of the cell (m)."""
        raise NotImplementedError

    def shape_features(self) -> dict[str, float]:
        """Lateral feature sizes (finger widths and gaps) by name (m)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    # -- derived, exact ------------------------------------------------------------------------
    @property
    def cell_height(self) -> float:
        """Height of the cell t_b + h + L (m)."""
        return self.base_thickness + self.finger_height + self.separator_thickness

    @property
    def smallest_feature(self) -> float:
        """Smallest finger width, gap or layer thickness (m)."""
        layers = (self.finger_height, self.separator_thickness, self.base_thickness)
        return min(*self.shape_features().values(), *layers)

    def exact_volumes(self) -> dict[str, float]:
        """Exact volumes (m3) of the cell regions "lithium" and "sse"."""
        lithium = self.footprint_area * self.base_thickness + self.finger_section_area * self.finger_height
        return {"lithium": lithium, "sse": self.footprint_area * self.cell_height - lithium}

    @property
    def exact_interface_area(self) -> float:
        """Exact Li | electrolyte area (m2): the footprint (tips + base) plus the finger walls."""
        return self.footprint_area + self.finger_perimeter * self.finger_height

    @property
    def interface_area_ratio(self) -> float:
        """Exact interface area over the planar footprint."""
        return self.exact_interface_area / self.footprint_area


def _check_pitch(params: Any, width_name: str) -> None:
    """Walls/rings: positive width and a pitch larger than the width."""
    width = check_positive(width_name, getattr(params, width_name), "m")
    _check_with_reason(
        f"the pitch must exceed {width_name} = {width!r} m",
        "pitch",
        params.pitch,
        width,
        math.inf,
        unit="m",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class LamellarParams(InterdigitatedParams):
    """Lamellar comb: Li walls of width ``finger_width`` at ``pitch`` (m), ``n_fingers`` per cell.

    The cell is ``n p x n p`` with wall k (k = 0 ... n-1) occupying
    x in ((k + 1/2) p -+ w/2), all y.  Interface area ratio 1 + 2 h / p.
    """

    kind: ClassVar[str] = "lamellar"

    finger_width: float
    pitch: float
    n_fingers: int = 1

    def _check_shape(self) -> None:
        _check_pitch(self, "finger_width")
        _check_count("n_fingers", self.n_fingers)

    @property
    def cell_size(self) -> tuple[float, float]:
        width = self.n_fingers * self.pitch
        return width, width

    @property
    def finger_section_area(self) -> float:
        return self.n_fingers * self.finger_width * self.cell_size[1]

    @property
    def finger_perimeter(self) -> float:
        return 2.0 * self.n_fingers * self.cell_size[1]

    def shape_features(self) -> dict[str, float]:
        return {"finger_width": self.finger_width, "gap": self.pitch - self.finger_width}

    def finger_spans(self) -> list[tuple[float, float]]:
        """(x_min, x_max) of each wall (m)."""
        return _centred_spans(self.finger_width, self.pitch, self.n_fingers)

    def describe(self) -> str:
        return f"{self.n_fingers} Li wall(s) {self.finger_width:.4g} m wide at pitch {self.pitch:.4g} m"


_PILLAR_NEIGHBOURS = {  # lattice vectors to the nearest neighbours, in units of the pitch
    "square": ((1.0, 0.0), (0.0, 1.0)),
    "hexagonal": ((1.0, 0.0), (0.5, 0.5 * _SQRT3)),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PillarParams(InterdigitatedParams):
    """Li pillars of radius (cylinder) or half-width (square) ``pillar_radius`` at ``pitch`` (m).

    ``lattice`` is "square" (cell p x p, one pillar) or "hexagonal" (nearest
    neighbours p apart, cell p x p sqrt(3) with two pillars); ``shape`` is
    "cylinder" or "square" (sides parallel to the cell sides).
    """

    kind: ClassVar[str] = "pillars"

    pillar_radius: float
    pitch: float
    lattice: str = "square"
    shape: str = "cylinder"

    def _check_shape(self) -> None:
        check_choice("lattice", self.lattice, tuple(_PILLAR_NEIGHBOURS))
        check_choice("shape", self.shape, ("cylinder", "square"))
        check_positive("pitch", self.pitch, "m")
        _check_with_reason(
            f"neighbouring pillars on the {self.lattice} lattice of pitch {self.pitch!r} m would overlap",
            "pillar_radius",
            self.pillar_radius,
            0.0,
            self._largest_radius(),
            unit="m",
        )

    def _neighbour_offsets(self) -> list[tuple[float, float]]:
        return [(self.pitch * dx, self.pitch * dy) for dx, dy in _PILLAR_NEIGHBOURS[self.lattice]]

    def _largest_radius(self) -> float:
        """Radius at which neighbouring pillars touch (m)."""
        if self.shape == "cylinder":
            return min(0.5 * math.hypot(dx, dy) for dx, dy in self._neighbour_offsets())
        return min(0.5 * max(dx, dy) for dx, dy in self._neighbour_offsets())

    @property
    def gap(self) -> float:
        """Smallest electrolyte gap between neighbouring pillars (m)."""
        d = 2.0 * self.pillar_radius
        if self.shape == "cylinder":
            return min(math.hypot(dx, dy) - d for dx, dy in self._neighbour_offsets())
        return min(math.hypot(max(dx - d, 0.0), max(dy - d, 0.0)) for dx, dy in self._neighbour_offsets())

    @property
    def n_pillars(self) -> int:
        return 1 if self.lattice == "square" else 2

    @property
    def cell_size(self) -> tuple[float, float]:
        return (self.pitch, self.pitch) if self.lattice == "square" else (self.pitch, _SQRT3 * self.pitch)

    def pillar_centres(self) -> list[tuple[float, float]]:
        """Pillar axes (m); corner pillars of the hexagonal cell are clipped to quarters."""
        bx, by = self.cell_size
        if self.lattice == "square":
            return [(0.5 * bx, 0.5 * by)]
        return [(0.0, 0.0), (bx, 0.0), (0.0, by), (bx, by), (0.5 * bx, 0.5 * by)]

    @property
    def finger_section_area(self) -> float:
        r = self.pillar_radius
        return self.n_pillars * (math.pi * r * r if self.shape == "cylinder" else 4.0 * r * r)

    @property
    def finger_perimeter(self) -> float:
        r = self.pillar_radius
        return self.n_pillars * (2.0 * math.pi * r if self.shape == "cylinder" else 8.0 * r)

    def shape_features(self) -> dict[str, float]:
        return {"pillar_diameter": 2.0 * self.pillar_radius, "gap": self.gap}

    def describe(self) -> str:
        return (
            f"{self.shape} Li pillars of radius {self.pillar_radius:.4g} m on a {self.lattice} lattice "
            f"of pitch {self.pitch:.4g} m"
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ConcentricParams(InterdigitatedParams):
    """Concentric Li rings of radial width ``ring_width`` at radial ``pitch`` (m), ``n_rings`` of them.

    Quarter cylinder of radius R = n p; ring k occupies radii (k + 1/2) p -+ w/2.
    Interface area ratio 1 + 2 h / p, as for the lamellar comb.
    """

    kind: ClassVar[str] = "concentric"

    ring_width: float
    pitch: float
    n_rings: int = 3

    def _check_shape(self) -> None:
        _check_pitch(self, "ring_width")
        _check_count("n_rings", self.n_rings)

    @property
    def radius(self) -> float:
        """Outer radius R of the cell (m)."""
        return self.n_rings * self.pitch

    @property
    def cell_size(self) -> tuple[float, float]:
        return self.radius, self.radius

    @property
    def footprint_area(self) -> float:
        return 0.25 * math.pi * self.radius**2

    def ring_radii(self) -> list[tuple[float, float]]:
        """(inner, outer) radius of each Li ring (m)."""
        return _centred_spans(self.ring_width, self.pitch, self.n_rings)

    @property
    def finger_section_area(self) -> float:
        return sum(0.25 * math.pi * (b * b - a * a) for a, b in self.ring_radii())

    @property
    def finger_perimeter(self) -> float:
        return sum(0.5 * math.pi * (a + b) for a, b in self.ring_radii())

    def shape_features(self) -> dict[str, float]:
        return {"ring_width": self.ring_width, "gap": self.pitch - self.ring_width}

    def describe(self) -> str:
        return (
            f"{self.n_rings} concentric Li ring(s) {self.ring_width:.4g} m wide at pitch {self.pitch:.4g} m "
            "(quarter cylinder)"
        )


# -- gmsh geometry (model units: um) --------------------------------------------------------------

DimTag = tuple[int, int]


def _box_prism(occ: Any, params: InterdigitatedParams, z0: float, height: float) -> DimTag:
    """The cell's box cross-section extruded over [z0, z0 + height] (m)."""
    bx, by = params.cell_size
    return 3, occ.addBox(0.0, 0.0, _um(z0), _um(bx), _um(by), _um(height))


def _quarter_cylinder(occ: Any, radius: float, z0: float, height: float) -> DimTag:
    """Quarter cylinder x, y >= 0 about the z axis over [z0, z0 + height] (m)."""
    return 3, occ.addCylinder(0.0, 0.0, _um(z0), 0.0, 0.0, _um(height), _um(radius), angle=0.5 * math.pi)


def _quarter_cylinder_prism(occ: Any, params: ConcentricParams, z0: float, height: float) -> DimTag:
    return _quarter_cylinder(occ, params.radius, z0, height)


def _lamellar_fingers(occ: Any, params: LamellarParams) -> list[DimTag]:
    z0, h, by = _um(params.base_thickness), _um(params.finger_height), _um(params.cell_size[1])
    return [(3, occ.addBox(_um(x0), 0.0, z0, _um(x1 - x0), by, h)) for x0, x1 in params.finger_spans()]


def _pillar_fingers(occ: Any, params: PillarParams) -> list[DimTag]:
    """Pillars on the lattice points, clipped to the cell by a taller box (no coincident faces)."""
    z0, h, r = _um(params.base_thickness), _um(params.finger_height), _um(params.pillar_radius)
    pillars = []
    for x, y in params.pillar_centres():
        x, y = _um(x), _um(y)
        if params.shape == "cylinder":
            pillars.append((3, occ.addCylinder(x, y, z0, 0.0, 0.0, h, r)))
        else:
            pillars.append((3, occ.addBox(x - r, y - r, z0, 2.0 * r, 2.0 * r, h)))
    clip = _box_prism(occ, params, params.base_thickness - params.finger_height, 3.0 * params.finger_height)
    clipped, _ = occ.intersect(pillars, [clip])
    return clipped


def _concentric_fingers(occ: Any, params: ConcentricParams) -> list[DimTag]:
    z0, h = params.base_thickness, params.finger_height
    rings = []
    for inner, outer in params.ring_radii():
        ring, _ = occ.cut([_quarter_cylinder(occ, outer, z0, h)], [_quarter_cylinder(occ, inner, z0, h)])
        rings.extend(ring)
    return rings


_Prism = Callable[[Any, Any, float, float], DimTag]
_SHAPES: dict[type, tuple[_Prism, Callable[[Any, Any], list[DimTag]]]] = {
    LamellarParams: (_box_prism, _lamellar_fingers),
    PillarParams: (_box_prism, _pillar_fingers),
    ConcentricParams: (_quarter_cylinder_prism, _concentric_fingers),
}


def _classify_surfaces(model: Any, params: InterdigitatedParams, lithium: set[int]) -> dict[str, list[int]]:
    """Boundary name of each surface from its adjacent volumes and, outside, its height."""
    top, tol = _um(params.cell_height), 1e-6 * _um(params.cell_height)
    groups: dict[str, list[int]] = {name: [] for name in ("bottom", "top", "sides", "li_sse")}
    for _, tag in model.getEntities(2):
        volumes = list(model.getAdjacencies(2, tag)[0])
        phases = {v in lithium for v in volumes}
        if len(volumes) == 2:
            if phases == {True, False}:
                groups["li_sse"].append(tag)
            continue  # a face inside one phase
        _, _, z0, _, _, z1 = model.getBoundingBox(2, tag)
        if z1 - z0 < tol and abs(z0) < tol:
            groups["bottom"].append(tag)
        elif z1 - z0 < tol and abs(z0 - top) < tol:
            groups["top"].append(tag)
        else:
            groups["sides"].append(tag)
    return groups


def _refine_near_surfaces(model: Any, params: InterdigitatedParams, surfaces: list[int]) -> None:
    """Size field: mesh_size_interface within half an element of ``surfaces``, growing to the bulk size."""
    h_min, h_max = _um(params.mesh_size_interface), _um(params.mesh_size_bulk)
    boxes = [model.getBoundingBox(2, s) for s in surfaces]
    extent = max(max(hi - lo for lo, hi in zip(box[:3], box[3:], strict=True)) for box in boxes)
    fields = model.mesh.field
    distance = fields.add("Distance")
    fields.setNumbers(distance, "SurfacesList", surfaces)
    # samples at most h_min / 2 apart along the (possibly curved, <= pi/2 x chord) surface
    fields.setNumber(distance, "Sampling", math.ceil(math.pi * extent / h_min) + 1)
    threshold = fields.add("Threshold")
    fields.setNumber(threshold, "InField", distance)
    fields.setNumber(threshold, "SizeMin", h_min)
    fields.setNumber(threshold, "SizeMax", h_max)
    fields.setNumber(threshold, "DistMin", 0.5 * h_min)
    fields.setNumber(threshold, "DistMax", _um(params.refinement_distance or 2.0 * params.mesh_size_bulk))
    fields.setAsBackgroundMesh(threshold)


def build_interdigitated(model: Any, params: InterdigitatedParams) -> Any:
    """Build, tag and mesh (3D, linear tetrahedra) the interdigitated cell in ``model``.

    The mesh nodes are in metres; the OCC geometry in micrometres (MODEL_UNIT_M).
    """
    import gmsh

    prism, fingers = _SHAPES[type(params)]
    occ = model.occ
    domain = prism(occ, params, 0.0, params.cell_height)
    lithium, _ = occ.fuse([prism(occ, params, 0.0, params.base_thickness)], fingers(occ, params))
    _, children = occ.fragment([domain], lithium)
    occ.synchronize()
    li_volumes = {tag for dimtags in children[1:] for _, tag in dimtags}
    sse_volumes = sorted({tag for _, tag in children[0]} - li_volumes)
    model.addPhysicalGroup(3, sse_volumes, CELL_MARKERS["sse"], name="sse")
    model.addPhysicalGroup(3, sorted(li_volumes), CELL_MARKERS["lithium"], name="lithium")
    groups = _classify_surfaces(model, params, li_volumes)
    for name, tags in groups.items():
        model.addPhysicalGroup(2, tags, FACET_MARKERS[name], name=name)
    _refine_near_surfaces(model, params, groups["li_sse"])
    gmsh.option.setNumber("Mesh.MeshSizeExtendFromBoundary", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromPoints", 0)
    gmsh.option.setNumber("Mesh.MeshSizeFromCurvature", 0)
    gmsh.option.setNumber("Mesh.Algorithm3D", 10)  # HXT
    model.mesh.generate(3)
    m = MODEL_UNIT_M
    model.mesh.affineTransform([m, 0, 0, 0, 0, m, 0, 0, 0, 0, m, 0])
    return model


# -- measures and info ----------------------------------------------------------------------------


def _simplex_measures(model: Any, dim: int, tags: list[int]) -> float:
    """Total volume (dim 3, m3) or area (dim 2, m2) of the linear mesh simplices on entities ``tags``."""
    node_tags, coords, _ = model.mesh.getNodes()
    xyz = np.zeros((int(node_tags.max()) + 1, 3))
    xyz[node_tags.astype(np.int64)] = coords.reshape(-1, 3)
    total = 0.0
    for tag in tags:
        for nodes in model.mesh.getElements(dim, tag)[2]:
            p = xyz[nodes.astype(np.int64).reshape(-1, dim + 1)]
            edges = p[:, 1:] - p[:, :1]
            if dim == 3:
                total += float(np.abs(np.linalg.det(edges)).sum()) / 6.0
            else:
                total += float(np.linalg.norm(np.cross(edges[:, 0], edges[:, 1]), axis=1).sum()) / 2.0
    return total


def _group_entities(model: Any, dim: int, marker: int) -> list[int]:
    return [int(t) for t in model.getEntitiesForPhysicalGroup(dim, marker)]


def _float_keys(values: dict[str, Any]) -> dict[str, Any]:
    """Parameter dict with ``_m`` appended to the lengths."""
    return {(f"{k}_m" if isinstance(v, float) else k): v for k, v in values.items()}


def mesh_info(params: InterdigitatedParams, model: Any) -> dict[str, Any]:
    """Parameters, versions, exact and measured interface area and volumes, for info.json."""
    from fem.mesh_io import package_versions

    li_sse = _group_entities(model, 2, FACET_MARKERS["li_sse"])
    geometry_area = MODEL_UNIT_M**2 * sum(model.occ.getMass(2, t) for t in li_sse)
    mesh_area = _simplex_measures(model, 2, li_sse)
    footprint = params.footprint_area
    return {
        "builder": "geometries.interdigitated.build_interdigitated",
        "kind": params.kind,
        "description": params.describe(),
        "units": "SI (m, m2, m3)",
        "parameters": _float_keys(dataclasses.asdict(params)),
        "cell_size_m": list(params.cell_size),
        "cell_height_m": params.cell_height,
        "footprint_area_m2": footprint,
        "smallest_feature_m": params.smallest_feature,
        "interface_area_exact_m2": params.exact_interface_area,
        "interface_area_geometry_m2": geometry_area,
        "interface_area_mesh_m2": mesh_area,
        "interface_area_ratio": params.interface_area_ratio,
        "interface_area_ratio_mesh": mesh_area / footprint,
        "volumes_exact_m3": params.exact_volumes(),
        "volumes_mesh_m3": {
            name: _simplex_measures(model, 3, _group_entities(model, 3, CELL_MARKERS[name]))
            for name in ("lithium", "sse")
        },
        "n_tetrahedra": int(sum(len(t) for t in model.mesh.getElements(3)[1])),
        "versions": package_versions(),
    }


def interdigitated_mesh(
    comm: Any,
    params: InterdigitatedParams,
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Build the cell on rank 0 of ``comm`` and return it distributed as fem.mesh_io.MeshData.

    ``cell_regions`` keeps only those cell regions (``("sse",)`` for the
    current problem; li_sse facets then bound it).  When ``out_dir`` is given,
    rank 0 writes mesh.msh, markers.json and info.json there.
    """
    return distributed_mesh(comm, params, build_interdigitated, mesh_info, out_dir, cell_regions)


# -- command line ---------------------------------------------------------------------------------

#: (option, default, help); options ending in -um are lengths in micrometres.
_COMMON_OPTIONS: tuple[tuple[str, Any, str], ...] = (
    ("--finger-height-um", 20.0, "height h of the Li fingers above the base, um"),
    ("--separator-thickness-um", 10.0, "electrolyte thickness L above the finger tips, um"),
    ("--base-thickness-um", 4.0, "thickness of the Li base layer on the current collector, um"),
    ("--mesh-size-interface-um", 1.0, "element size on the Li | electrolyte interface, um"),
    ("--mesh-size-bulk-um", 4.0, "element size far from the interface, um"),
    ("--refinement-distance-um", 0.0, "distance over which the size grows to the bulk size, um (0: 2 x bulk)"),
)

_VARIANTS: dict[str, tuple[type[InterdigitatedParams], str, tuple[tuple[str, Any, str], ...]]] = {
    "lamellar": (
        LamellarParams,
        "interdigitated Li: lamellar comb of Li walls in the electrolyte",
        (
            ("--finger-width-um", 4.0, "width w of each Li wall, um"),
            ("--pitch-um", 10.0, "wall pitch p (cell width n p), um"),
            ("--n-fingers", 1, "walls per cell"),
        ),
    ),
    "pillars": (
        PillarParams,
        "interdigitated Li: array of Li pillars (vertical microchannels) in the electrolyte",
        (
            ("--pillar-radius-um", 3.0, "pillar radius (cylinder) or half-width (square) r, um"),
            ("--pitch-um", 10.0, "nearest-neighbour pillar distance p, um"),
            ("--lattice", "square", "pillar lattice: square (cell p x p) or hexagonal (cell p x p sqrt 3)"),
            ("--shape", "cylinder", "pillar cross-section: cylinder or square"),
        ),
    ),
    "concentric": (
        ConcentricParams,
        "interdigitated Li: concentric Li rings (spiral-wound cross-section), quarter cylinder",
        (
            ("--ring-width-um", 4.0, "radial width w of each Li ring, um"),
            ("--pitch-um", 10.0, "radial ring pitch p (cell radius n p), um"),
            ("--n-rings", 3, "number of Li rings"),
        ),
    ),
}

_CHOICES = {"--lattice": tuple(_PILLAR_NEIGHBOURS), "--shape": ("cylinder", "square")}


def register_interdigitated(sub: argparse._SubParsersAction) -> None:
    """Add the ``lamellar``, ``pillars`` and ``concentric`` subcommands; handler :func:`build_from_args`."""
    for name, (params_class, description, options) in _VARIANTS.items():
        parser = sub.add_parser(name, help=description, description=description)
        parser.set_defaults(handler=build_from_args, params_class=params_class)
        parser.add_argument("--out", type=Path, required=True, help="output directory")
        parser.add_argument("--preview", action="store_true", help="also render a cut-away preview.png")
        for flag, default, text in options + _COMMON_OPTIONS:
            parser.add_argument(
                flag,
                type=type(default),
                default=default,
                choices=_CHOICES.get(flag),
                help=f"{text} (default {default})",
            )


def params_from_args(args: argparse.Namespace) -> InterdigitatedParams:
    """Parameters (SI) from parsed options: ``--x-um`` -> field ``x`` in m, other options as given."""
    values = vars(args)
    kwargs = {}
    for f in dataclasses.fields(args.params_class):
        if f"{f.name}_um" in values:
            kwargs[f.name] = values[f"{f.name}_um"] / 1e6  # 20 um -> 20e-6 m exactly as the literal
        elif f.name in values:
            kwargs[f.name] = values[f.name]
    return args.params_class(**kwargs)


def build_from_args(args: argparse.Namespace) -> None:
    """CLI handler: validate (ParameterError before any work), then build and write via
    geometries._build.run_cli_build."""
    params = params_from_args(args)

    def build(model: Any) -> dict[str, Any]:
        build_interdigitated(model, params)
        return mesh_info(params, model)

    def summary(info: dict[str, Any]) -> str:
        return (
            f"{params.kind}: Li | electrolyte area {info['interface_area_ratio_mesh']:.4f} x footprint "
            f"(exact {info['interface_area_ratio']:.4f})"
        )

    run_cli_build(args, build, summary)
