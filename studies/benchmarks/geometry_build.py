"""Build time and element count of every geometry family at its default and a large size.

Runs the command-line builders (``python -m geometries FAMILY``) in this process,
serially on one core, and prints a table (and writes benchmark.json with
--out).  The porous "large" cases hold 100+ particles::

    containers/run python -m studies.benchmarks.geometry_build --out .scratch/geometry-benchmark
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from geometries.__main__ import main as geometries_main

#: (family, size label, extra command-line options beyond the family's defaults).
CASES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("planar", "default", ()),
    ("planar", "large", ("--pattern", "voids", "--footprint-um", "100", "--mesh-size-edges-um", "0.4")),
    ("lamellar", "default", ()),
    ("lamellar", "large", ("--n-fingers", "8", "--mesh-size-interface-um", "0.5")),
    ("pillars", "default", ()),
    ("pillars", "large", ("--mesh-size-interface-um", "0.4", "--finger-height-um", "40")),
    ("concentric", "default", ()),
    ("concentric", "large", ("--n-rings", "8", "--mesh-size-interface-um", "0.6")),
    ("spheres", "default", ()),
    ("spheres", "large", ("--footprint-um", "40", "--host-thickness-um", "25", "--radius-um", "2.5")),
    ("fibres", "default", ()),
    ("fibres", "large", ("--footprint-um", "60", "--host-thickness-um", "20")),
    ("foam", "default", ()),
    (
        "foam",
        "large",
        ("--footprint-um", "40", "--host-thickness-um", "40", "--lattice", "voronoi", "--mesh-size-um", "0.38"),
    ),
    ("gradient-porosity", "default", ()),
    ("gradient-material", "default", ()),
)


def run_case(family: str, options: tuple[str, ...], out: Path) -> dict[str, Any]:
    """Build one case into ``out``; return wall time (s), element count and particle count."""
    start = time.perf_counter()
    status = geometries_main([family, "--out", str(out), *options])
    seconds = time.perf_counter() - start
    if status != 0:
        return {"status": status, "wall_time_s": seconds}
    info = json.loads((out / "info.json").read_text())
    return {
        "status": 0,
        "wall_time_s": seconds,
        "n_tetrahedra": info["n_tetrahedra"],
        "n_particles": info.get("n_particles"),
        "porosity_mesh": info.get("porosity_mesh"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for the meshes and benchmark.json")
    parser.add_argument("--only", default="", help="comma-separated families to run (default: all)")
    args = parser.parse_args(argv)
    selected = {f for f in args.only.split(",") if f}
    results = []
    print(f"{'family':<18} {'size':<8} {'time [s]':>9} {'tetrahedra':>11} {'particles':>9}", flush=True)
    for family, size, options in CASES:
        if selected and family not in selected:
            continue
        record = {"family": family, "size": size, "options": list(options)}
        record.update(run_case(family, options, args.out / f"{family}-{size}"))
        results.append(record)
        print(
            f"{family:<18} {size:<8} {record['wall_time_s']:9.1f} {record.get('n_tetrahedra', 'failed')!s:>11} "
            f"{record.get('n_particles') or '':>9}",
            flush=True,
        )
    (args.out / "benchmark.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
