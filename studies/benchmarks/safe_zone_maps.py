"""Benchmark: the cost of safe-zone maps per mechanism, and what the per-mechanism cache saves.

Four 20 x 20 maps of Li | LPSCl (default studies.safe_zone configuration, bands on) computed in one
in-memory cache, in this order: planar at 3 MPa (nothing cached), planar at 7 MPa (the same host and
electrolyte: dendrite and the host response are reused, voiding and stress depend on the pressure
and are re-run), lamellar at 3 MPa (a new host) and lamellar at 7 MPa.  For each map: the wall time,
the seconds and computations of each mechanism, the safe area fraction (out/safe_zone_maps_np<N>.json
and .md)::

    containers/run python3 -m studies.benchmarks.safe_zone_maps --out results/bench
    containers/run -n 2 python3 -m studies.benchmarks.safe_zone_maps --out results/bench
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from mpi4py import MPI

from studies._cli import run_cli
from studies._report import environment, markdown_table
from studies.safe_zone import MapCase, MechanismCache, SafeZoneConfig, compute_map
from studies.safe_zone.config import MECHANISMS

__all__ = ["main", "run"]

CASES = (
    MapCase("LPSCl", "planar", 3.0, 298.15),
    MapCase("LPSCl", "planar", 7.0, 298.15),
    MapCase("LPSCl", "lamellar", 3.0, 298.15),
    MapCase("LPSCl", "lamellar", 7.0, 298.15),
)


def run(comm: MPI.Comm) -> list[dict]:
    """One row per map (see module text)."""
    cfg = SafeZoneConfig()
    cfg.validate(comm.size)
    cache = MechanismCache(None, comm)
    rows = []
    for case in CASES:
        before = cache.statistics()
        start = time.perf_counter()
        result = compute_map(cfg, case, cache, comm)
        wall = time.perf_counter() - start
        after = cache.statistics()
        row = {"map": case.label(), "wall_s": wall, "safe_area_fraction": result.safe_area_fraction}
        for name in ("host", *MECHANISMS):
            if name in after:
                old = before.get(name, {"seconds": 0.0, "computed": 0})
                row[f"{name}_s"] = after[name]["seconds"] - old["seconds"]
                row[f"{name}_computed"] = after[name]["computed"] - old["computed"]
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.benchmarks.safe_zone_maps", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    rows = run(comm)
    columns = [("map", "map"), ("wall_s", "wall (s)"), ("safe_area_fraction", "safe area")]
    columns += [(f"{name}_s", f"{name} (s)") for name in ("host", *MECHANISMS)]
    columns += [(f"{name}_computed", f"{name} runs") for name in ("host", *MECHANISMS)]
    if comm.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        stem = args.out / f"safe_zone_maps_np{comm.size}"
        report = {"benchmark": "safe_zone_maps", "environment": environment(comm), "rows": rows}
        stem.with_suffix(".json").write_text(json.dumps(report, indent=2))
        table = markdown_table(rows, columns)
        stem.with_suffix(".md").write_text(f"# Safe-zone maps: cost per mechanism, {comm.size} rank(s)\n\n{table}\n")
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
