"""The uniform porous host: its parameters, the gmsh builder, its info.json and the distributed mesh.

:func:`build_porous_host` is a pure gmsh builder ``(model, params) -> model``;
:func:`porous_host_mesh` builds on rank 0 and distributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fem.validation import check_range
from geometries._build import distributed_build
from geometries.porous.build import build_host_model
from geometries.porous.info import host_info
from geometries.porous.layout import HostLayout, Slab, lithium_fill_fraction
from geometries.porous.limits import check_layout, check_mesh_resolution, check_reachable
from geometries.porous.scaffolds import Scaffold

__all__ = ["PorousHostParams", "build_porous_host", "porous_host_info", "porous_host_mesh"]


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
