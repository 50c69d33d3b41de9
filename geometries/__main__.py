"""Build a tagged mesh from the command line: ``python -m geometries FAMILY --help``.

Writes mesh.msh (gmsh, coordinates in m), markers.json and info.json into --out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from fem.validation import ParameterError
from geometries._build import run_cli_build
from geometries.gradient import register_gradient
from geometries.image_contact import register_image_contact
from geometries.image_volume import register_image_volume
from geometries.interdigitated import register_interdigitated
from geometries.planar import PlanarInterfaceParams, build_planar_interface, mesh_info
from geometries.porous import register_porous
from geometries.spots import grid_spots, random_voids

UM = 1e-6


def register_planar(sub: argparse._SubParsersAction) -> None:
    """Add the ``planar`` subcommand; its handler is ``build_planar``."""
    p = sub.add_parser("planar", help="planar Li | electrolyte interface with contact spots or voids")
    p.set_defaults(handler=build_planar)
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--preview", action="store_true", help="also render a cut-away preview.png")
    p.add_argument("--footprint-um", type=float, default=50.0, help="periodic cell side b, um")
    p.add_argument("--sse-thickness-um", type=float, default=50.0, help="electrolyte thickness L, um")
    p.add_argument("--lithium-thickness-um", type=float, default=10.0, help="Li thickness, um (0: no Li region)")
    p.add_argument(
        "--pattern", choices=("spots", "voids"), default="spots", help="contact spots on a grid, or random voids"
    )
    p.add_argument("--contact-fraction", type=float, default=0.2, help="spots: contact area / footprint, in (0, 1)")
    p.add_argument("--n-spots", type=int, default=1, help="spots: number of spots, a perfect square")
    p.add_argument("--void-fraction", type=float, default=0.3, help="voids: void area / footprint, in (0, 1)")
    p.add_argument("--void-radius-um", type=float, default=4.0, help="voids: mean radius, um")
    p.add_argument("--void-radius-std-um", type=float, default=1.0, help="voids: radius standard deviation, um")
    p.add_argument("--seed", type=int, default=0, help="voids: random seed")
    p.add_argument("--mesh-size-edges-um", type=float, default=0.5, help="element size at spot/void edges, um")
    p.add_argument("--mesh-size-bulk-um", type=float, default=5.0, help="element size far from the interface, um")


def build_planar(args: argparse.Namespace) -> None:
    edge = args.mesh_size_edges_um * UM
    if args.pattern == "spots":
        pattern = grid_spots(args.footprint_um * UM, args.contact_fraction, args.n_spots, min_feature=edge)
    else:
        pattern = random_voids(
            args.footprint_um * UM,
            args.void_fraction,
            args.void_radius_um * UM,
            args.void_radius_std_um * UM,
            seed=args.seed,
            min_feature=edge,
        )
    params = PlanarInterfaceParams(
        pattern, args.sse_thickness_um * UM, args.lithium_thickness_um * UM, edge, args.mesh_size_bulk_um * UM
    )

    def build(model: object) -> dict:
        build_planar_interface(model, params)
        return mesh_info(params, model)

    run_cli_build(args, build, lambda info: f"contact fraction {info['contact_fraction_geometry']:.4f}")


#: One registration function per family: it adds a subcommand whose
#: ``handler`` default builds the mesh from the parsed arguments.
FAMILIES = [
    register_planar,
    register_interdigitated,
    register_porous,
    register_gradient,
    register_image_contact,
    register_image_volume,
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geometries", description=__doc__)
    sub = parser.add_subparsers(dest="family", required=True)
    for register in FAMILIES:
        register(sub)
    args = parser.parse_args(argv)
    try:
        args.handler(args)
    except ParameterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
