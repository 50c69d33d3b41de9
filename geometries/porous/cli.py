"""Command line of the porous hosts: the ``spheres``, ``fibres`` and ``foam`` subcommands and their shared options.

The option helpers (cell, scaffold family, pore fill) and the summary line are
shared with :mod:`geometries.gradient`.
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from geometries._build import run_cli_build
from geometries.porous.host import PorousHostParams, build_porous_host, porous_host_info
from geometries.porous.layout import UM, lithium_fill_fraction
from geometries.porous.scaffolds import FibreMat, OpenCellFoam, Scaffold, SpherePacking

__all__ = [
    "add_cell_arguments",
    "add_scaffold_arguments",
    "scaffold_from_args",
    "pore_fill_from_text",
    "particles_text",
    "porosity_summary",
    "register_porous",
    "build_porous_cli",
]


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
