"""Graded porous hosts: porosity gradients and material (host sublayer) gradients.

Porosity gradient (:class:`GradientPorosityParams`): the host layer is a stack
of sublayers, bottom (current collector) to top (separator), each with its own
target porosity.  One random sequential addition fills them all with the
placement machinery of :mod:`geometries.porous` (a particle may cross a
sublayer boundary, so the scaffold stays continuous, but never overfills a
neighbour); the sublayer boundaries are cut planes of the geometry, so each
sublayer's porosity is measured exactly on the mesh.

Material gradient (:class:`GradientMaterialParams`): a porous host (uniform or
porosity-graded) whose scaffold cells are split by height into tagged sublayers
``host_layer_k`` (cell ids 30 + k, k = 0 at the bottom; fem.markers),
e.g. the dual-gradient host of Pu et al., Nat. Commun. 10 (2019) 1896: a
lithiophilic bottom layer, the conductive scaffold, an insulating top coating.
The scaffold cells carry only their sublayer id (not "host" = 3); interfaces
with the pore phase stay host_sse (22) / host_li (23), and info.json gives
their areas per sublayer.

Geometry (lengths in m, z up)::

    z = H + L  +-----------------------+  top (11)
               |       separator       |  sse (1)
    z = H      +-----------------------+
               |  host_layer_2 (32)    |  e.g. insulating coating / porosity 0.8
    z_2        +- - - - - - - - - - - -+
               |  host_layer_1 (31)    |  conductive scaffold / porosity 0.6
    z_1        +- - - - - - - - - - - -+
               |  host_layer_0 (30)    |  lithiophilic / porosity 0.4
    z = 0      +-----------------------+  bottom (10)

Builders are pure gmsh functions ``(model, params) -> model``; the ``*_mesh``
wrappers build on rank 0 and distribute.  Lengths in m.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fem.markers import HOST_LAYER_MARKERS
from fem.validation import ParameterError, check_positive, check_range
from geometries._build import distributed_build, run_cli_build
from geometries.porous import (
    FibreMat,
    HostLayout,
    PorousHostParams,
    Slab,
    SpherePacking,
    add_cell_arguments,
    add_scaffold_arguments,
    build_host_model,
    check_layout,
    check_mesh_resolution,
    check_plane_spacing,
    check_reachable,
    host_info,
    lithium_fill_fraction,
    model_measures,
    particles_text,
    pore_fill_from_text,
    scaffold_from_args,
)

__all__ = [
    "GradientPorosityParams",
    "GradientMaterialParams",
    "check_profile",
    "build_gradient_porosity",
    "gradient_porosity_info",
    "gradient_porosity_mesh",
    "build_gradient_material",
    "gradient_material_info",
    "gradient_material_mesh",
    "register_gradient",
]

_UM = 1e-6
#: Sublayers available in the marker table (host_layer_0 ... host_layer_9).
MAX_LAYERS = len(HOST_LAYER_MARKERS)


def check_profile(name: str, thicknesses: Sequence[float], host_thickness: float, min_thickness: float) -> None:
    """Refuse sublayer thicknesses that do not stack exactly to the host thickness.

    Args:
        name: parameter name for the messages.
        thicknesses: sublayer thicknesses bottom to top (m).
        host_thickness: H (m).
        min_thickness: smallest allowed sublayer (m): cut planes closer than
            this cannot be meshed cleanly.
    """
    if not 1 <= len(thicknesses) <= MAX_LAYERS:
        raise ParameterError(f"{name} has {len(thicknesses)} layers; between 1 and {MAX_LAYERS} are allowed")
    for k, t in enumerate(thicknesses):
        check_positive(f"{name}[{k}]", t, "m")
        if t < min_thickness:
            raise ParameterError(f"{name}[{k}] = {t:.3g} m is thinner than twice the mesh size ({min_thickness:.3g} m)")
    total = math.fsum(thicknesses)
    if abs(total - host_thickness) > 1e-9 * host_thickness:
        raise ParameterError(
            f"{name} sum to {total:.6g} m, not host_thickness = {host_thickness:.6g} m: the profile "
            f"{'leaves' if total > host_thickness else 'does not fill'} the host layer"
        )


def _boundaries(thicknesses: Sequence[float], host_thickness: float) -> tuple[float, ...]:
    """z of the sublayer boundaries, 0 ... H (the last one exactly H)."""
    z = np.concatenate([[0.0], np.cumsum(thicknesses)])
    z[-1] = host_thickness
    return tuple(float(v) for v in z)


# --------------------------------------------------------------------------
# porosity gradient


@dataclass(frozen=True, slots=True)
class GradientPorosityParams:
    """A host whose porosity varies layer by layer through the thickness (SI units).

    Attributes:
        scaffold: SpherePacking or FibreMat (random sequential addition).
        layer_thicknesses: sublayer thicknesses, bottom to top (m); sum = host_thickness.
        porosities: target porosity of each sublayer, in (0, 1).
        footprint: cell side b (m).
        host_thickness: H (m).
        separator_thickness: L (m).
        mesh_size: element size at the scaffold surfaces (m).
        mesh_size_bulk: element size away from the scaffold (m); 0: 3 mesh_size.
        pore_fill: "electrolyte", "lithium" or the Li fill height fraction.
        seed: random seed.
        min_gap: clearance between nearly touching surfaces (m); 0: mesh_size / 2.
    """

    scaffold: SpherePacking | FibreMat
    layer_thicknesses: tuple[float, ...]
    porosities: tuple[float, ...]
    footprint: float
    host_thickness: float
    separator_thickness: float
    mesh_size: float
    mesh_size_bulk: float = 0.0
    pore_fill: str | float = "electrolyte"
    seed: int = 0
    min_gap: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.scaffold, SpherePacking | FibreMat):
            raise ParameterError(
                f"scaffold = {type(self.scaffold).__name__}: a porosity gradient is built by random sequential "
                "addition; use SpherePacking or FibreMat"
            )
        if len(self.porosities) != len(self.layer_thicknesses):
            raise ParameterError(
                f"porosities has {len(self.porosities)} values for {len(self.layer_thicknesses)} layer_thicknesses"
            )
        for k, porosity in enumerate(self.porosities):
            check_range(f"porosities[{k}]", porosity, 0.0, 1.0)
        check_positive("host_thickness", self.host_thickness, "m")
        check_positive("mesh_size", self.mesh_size, "m")
        check_profile("layer_thicknesses", self.layer_thicknesses, self.host_thickness, 2.0 * self.mesh_size)
        lithium_fill_fraction(self.pore_fill)
        layout = self.layout()
        check_layout(layout, self.scaffold)
        for porosity in self.porosities:
            check_reachable(self.scaffold, porosity, layout.min_gap)
        check_mesh_resolution(layout, self.scaffold)

    def layout(self) -> HostLayout:
        z = _boundaries(self.layer_thicknesses, self.host_thickness)
        slabs = tuple(Slab(z[k], z[k + 1], p) for k, p in enumerate(self.porosities))
        return HostLayout(
            footprint=self.footprint,
            host_thickness=self.host_thickness,
            separator_thickness=self.separator_thickness,
            slabs=slabs,
            lithium_fill=lithium_fill_fraction(self.pore_fill),
            host_layers=(),
            mesh_size=self.mesh_size,
            mesh_size_bulk=self.mesh_size_bulk or 3.0 * self.mesh_size,
            min_gap=self.min_gap or 0.5 * self.mesh_size,
        )


def build_gradient_porosity(model: Any, params: GradientPorosityParams) -> Any:
    """Build, tag and mesh the porosity-graded host cell in ``model`` (mesh in m)."""
    build_host_model(model, params.layout(), params.scaffold, params.seed)
    return model


def gradient_porosity_info(params: GradientPorosityParams, model: Any) -> dict[str, Any]:
    """Parameters, seed, versions, measured porosity per sublayer and interface areas."""
    parameters = {
        "layer_thicknesses_m": list(params.layer_thicknesses),
        "porosities": list(params.porosities),
        "pore_fill": params.pore_fill,
    }
    return host_info("geometries.gradient.build_gradient_porosity", params, model, parameters)


def gradient_porosity_mesh(
    comm: Any,
    params: GradientPorosityParams,
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Build on rank 0 of ``comm`` and return the distributed fem.mesh_io.MeshData (files when asked)."""
    return distributed_build(
        comm,
        lambda model: gradient_porosity_info(params, build_gradient_porosity(model, params)),
        out_dir,
        cell_regions,
    )


# --------------------------------------------------------------------------
# material gradient


@dataclass(frozen=True, slots=True)
class GradientMaterialParams:
    """A porous host whose scaffold is split by height into tagged sublayers (SI units).

    Attributes:
        host: the porous host (uniform, or porosity-graded).
        layer_thicknesses: scaffold sublayer thicknesses, bottom to top (m);
            sum = host thickness, at most 10 layers (ids 30-39).
        layer_labels: optional description of each sublayer's material, e.g.
            ("lithiophilic Au", "Ni", "Al2O3 coating"); written to info.json.
    """

    host: PorousHostParams | GradientPorosityParams
    layer_thicknesses: tuple[float, ...]
    layer_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        H = self.host.host_thickness
        check_profile("layer_thicknesses", self.layer_thicknesses, H, 2.0 * self.host.mesh_size)
        if self.layer_labels and len(self.layer_labels) != len(self.layer_thicknesses):
            raise ParameterError(
                f"layer_labels has {len(self.layer_labels)} entries for {len(self.layer_thicknesses)} layers"
            )
        check_plane_spacing(self.layout())

    @property
    def scaffold(self) -> Any:
        return self.host.scaffold

    @property
    def seed(self) -> int:
        return self.host.seed

    def layout(self) -> HostLayout:
        layers = _boundaries(self.layer_thicknesses, self.host.host_thickness)
        return dataclasses.replace(self.host.layout(), host_layers=layers)


def build_gradient_material(model: Any, params: GradientMaterialParams) -> Any:
    """Build, tag (host_layer_k cells) and mesh the material-graded host cell in ``model`` (mesh in m)."""
    build_host_model(model, params.layout(), params.scaffold, params.seed)
    return model


def gradient_material_info(params: GradientMaterialParams, model: Any) -> dict[str, Any]:
    """The host's info plus the sublayers: ids, z ranges, labels, volumes, interface areas."""
    host = params.host
    porosity = (
        {"porosity": host.porosity}
        if isinstance(host, PorousHostParams)
        else {"layer_thicknesses_porosity_m": list(host.layer_thicknesses), "porosities": list(host.porosities)}
    )
    parameters = {
        **porosity,
        "pore_fill": host.pore_fill,
        "layer_thicknesses_m": list(params.layer_thicknesses),
        "layer_labels": list(params.layer_labels),
    }
    info = host_info("geometries.gradient.build_gradient_material", params, model, parameters)
    layout = params.layout()
    by_layer = model_measures(model)["interface_area_by_host_region_m2"]
    info["host_layers"] = [
        {
            "name": name,
            "id": HOST_LAYER_MARKERS[name],
            "label": params.layer_labels[k] if params.layer_labels else "",
            "z_bottom_m": layout.host_layers[k],
            "z_top_m": layout.host_layers[k + 1],
            "volume_m3": info["volume_m3"].get(name, 0.0),
            "interface_area_m2": by_layer.get(name, {"host_sse": 0.0, "host_li": 0.0}),
        }
        for k, name in ((k, f"host_layer_{k}") for k in range(len(params.layer_thicknesses)))
    ]
    return info


def gradient_material_mesh(
    comm: Any,
    params: GradientMaterialParams,
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Build on rank 0 of ``comm`` and return the distributed fem.mesh_io.MeshData (files when asked)."""
    return distributed_build(
        comm,
        lambda model: gradient_material_info(params, build_gradient_material(model, params)),
        out_dir,
        cell_regions,
    )


# --------------------------------------------------------------------------
# command line


def _float_list(text: str) -> tuple[float, ...]:
    """'10,5.5' -> (10.0, 5.5) (argparse type)."""
    try:
        return tuple(float(item) for item in text.split(",") if item.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def _string_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


_CELL_DEFAULTS = {"footprint": 20.0, "host": 20.0, "separator": 10.0, "mesh": 0.7}


def register_gradient(sub: argparse._SubParsersAction) -> None:
    """Add the ``gradient-porosity`` and ``gradient-material`` subcommands (handlers build on COMM_SELF)."""
    p = sub.add_parser(
        "gradient-porosity",
        help="host whose porosity changes layer by layer (spheres or fibres)",
        description="Stacked sublayers with their own target porosity, bottom (current collector) first.",
    )
    p.set_defaults(handler=build_gradient_porosity_cli)
    add_cell_arguments(p, _CELL_DEFAULTS)
    p.add_argument(
        "--layer-thicknesses-um",
        type=_float_list,
        default=(10.0, 10.0),
        help="sublayer thicknesses bottom to top, um, comma-separated; must sum to --host-thickness-um",
    )
    p.add_argument(
        "--porosities",
        type=_float_list,
        default=(0.75, 0.85),
        help="target porosity of each sublayer, bottom to top, comma-separated, each in (0, 1)",
    )
    add_scaffold_arguments(p, ("spheres", "fibres"), radius_um=2.5)

    p = sub.add_parser(
        "gradient-material",
        help="host whose scaffold is split into tagged sublayers 30-39 (e.g. lithiophilic bottom, insulating top)",
        description="Scaffold cells tagged host_layer_k (30 + k, k = 0 at the bottom) by height.",
    )
    p.set_defaults(handler=build_gradient_material_cli)
    add_cell_arguments(p, _CELL_DEFAULTS)
    p.add_argument("--porosity", type=float, default=0.8, help="pore fraction of the host layer, (0, 1)")
    p.add_argument(
        "--layer-thicknesses-um",
        type=_float_list,
        default=(5.0, 10.0, 5.0),
        help="scaffold sublayer thicknesses bottom to top, um, comma-separated; must sum to --host-thickness-um",
    )
    p.add_argument(
        "--layer-labels",
        type=_string_list,
        default=(),
        help="material of each sublayer, comma-separated (e.g. 'Au,Ni,Al2O3'); written to info.json",
    )
    add_scaffold_arguments(p, ("spheres", "fibres", "foam"), radius_um=2.5)


def _cell_lengths(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "footprint": args.footprint_um * _UM,
        "host_thickness": args.host_thickness_um * _UM,
        "separator_thickness": args.separator_thickness_um * _UM,
        "mesh_size": args.mesh_size_um * _UM,
        "mesh_size_bulk": args.mesh_size_bulk_um * _UM,
        "pore_fill": pore_fill_from_text(args.pore_fill),
        "seed": args.seed,
        "min_gap": args.min_gap_um * _UM,
    }


def _summary(info: dict[str, Any]) -> str:
    slabs = info.get("slab_porosity_geometry")
    porosity = ", ".join(f"{p:.3f}" for p in slabs) if slabs else f"{info['porosity_mesh']:.4f}"
    layers = info.get("host_layers")
    tagged = f", host layers {[layer['id'] for layer in layers]}" if layers else ""
    return f"{particles_text(info)}, porosity {porosity}{tagged}"


def build_gradient_porosity_cli(args: argparse.Namespace) -> None:
    """Handler of ``gradient-porosity``: parameters are checked before any work."""
    params = GradientPorosityParams(
        scaffold=scaffold_from_args(args.scaffold, args),
        layer_thicknesses=tuple(t * _UM for t in args.layer_thicknesses_um),
        porosities=tuple(args.porosities),
        **_cell_lengths(args),
    )
    run_cli_build(args, lambda model: gradient_porosity_info(params, build_gradient_porosity(model, params)), _summary)


def build_gradient_material_cli(args: argparse.Namespace) -> None:
    """Handler of ``gradient-material``: parameters are checked before any work."""
    host = PorousHostParams(
        scaffold=scaffold_from_args(args.scaffold, args), porosity=args.porosity, **_cell_lengths(args)
    )
    params = GradientMaterialParams(host, tuple(t * _UM for t in args.layer_thicknesses_um), tuple(args.layer_labels))
    run_cli_build(args, lambda model: gradient_material_info(params, build_gradient_material(model, params)), _summary)
