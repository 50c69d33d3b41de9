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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fem.validation import check_range
from geometries._build import distributed_build, run_cli_build
from geometries.porous.build import build_host_model, placement_attempt
from geometries.porous.layout import UM, HostLayout, Slab, lithium_fill_fraction
from geometries.porous.limits import check_layout, check_mesh_resolution, check_plane_spacing, check_reachable
from geometries.porous.measures import POROSITY_TOLERANCE, host_model_info, model_measures
from geometries.porous.placement import Placement, place_scaffold
from geometries.porous.scaffolds import Cylinder, FibreMat, OpenCellFoam, Scaffold, Sphere, SpherePacking
from geometries.porous.worker import build_worker

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
