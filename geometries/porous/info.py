"""info.json of a host cell: parameters with unit suffixes, a one-line description, seed, versions and measures.

Shared by the porous and gradient hosts (:func:`host_info`).
"""

from __future__ import annotations

from typing import Any

from geometries.porous.build import placement_attempt
from geometries.porous.layout import UM, HostLayout
from geometries.porous.measures import host_model_info
from geometries.porous.placement import Placement, place_scaffold
from geometries.porous.scaffolds import OpenCellFoam, Scaffold

__all__ = ["scaffold_parameters", "layout_parameters", "describe_host", "host_info"]


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
