"""Cost of the coupled stripping model (fem.stripping) against mesh size, on 1 or N ranks.

A planar Li | LPSCl cell with one central void (0.3 um deep) under 1 MPa at
10 mA/cm2: a fixed number of coupled steps per mesh; prints and writes the
wall time per coupled step, the creep Newton iterations per step and the
current/mechanics dof counts::

    containers/run python -m studies.benchmarks.stripping --out .scratch/bench-strip
    containers/run -n 2 python -m studies.benchmarks.stripping --out .scratch/bench-strip
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from mpi4py import MPI

from fem.materials import electrolyte, interface_kinetics, mechanical_material
from fem.stripping import StrippingCell, StrippingSettings, capacity_C_m2
from geometries.structured import electrolyte_slab, lithium_slab
from studies._cli import int_list

FOOTPRINT = 20e-6


def _void(x: np.ndarray) -> np.ndarray:
    return np.where(np.hypot(x[:, 0] - FOOTPRINT / 2, x[:, 1] - FOOTPRINT / 2) < 6e-6, 0.3e-6, 0.0)


def measure(comm: MPI.Comm, cells_xy: int, steps: int) -> dict[str, float]:
    """Set-up time and per-step cost of ``steps`` coupled steps on a cells_xy^2 x cells_xy/2 mesh."""
    start = time.perf_counter()
    cells_z = max(2, cells_xy // 2)
    settings = StrippingSettings(
        current_density_A_m2=100.0, stack_pressure_Pa=1e6, capacity_C_m2=capacity_C_m2(1.0), max_step_s=5.0
    )
    cell = StrippingCell(
        electrolyte_slab(comm, FOOTPRINT, 10e-6, cells_xy, cells_z),
        lithium_slab(comm, FOOTPRINT, 10e-6, cells_xy, cells_z),
        electrolyte("LPSCl"),
        interface_kinetics("Li_LPSCl"),
        mechanical_material("Li"),
        settings,
        initial_recession_m=_void,
    )
    setup = time.perf_counter() - start
    history = cell.run(max_steps=steps)
    seconds = [s.seconds for s in history.steps]
    newton = [s.mechanics_newton_iterations for s in history.steps]
    return {
        "ranks": comm.size,
        "cells_xy": cells_xy,
        "mechanics_dofs": cell.mechanics.num_dofs,
        "current_dofs": cell.current.V.dofmap.index_map.size_global,
        "setup_s": setup,
        "steps": len(seconds),
        "seconds_per_step": float(np.mean(seconds)),
        "mechanics_newton_per_step": float(np.mean(newton)),
        "mechanics_dofs_per_second": cell.mechanics.num_dofs / float(np.mean(seconds)),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for stripping-benchmark-<ranks>.json")
    parser.add_argument("--cells", type=int_list, default=[4, 8, 12], help="boxes per side, comma-separated")
    parser.add_argument("--steps", type=int, default=4, help="coupled steps per mesh")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    rows = []
    for cells in args.cells:
        row = measure(comm, cells, args.steps)
        rows.append(row)
        if comm.rank == 0:
            print(json.dumps(row), flush=True)
    if comm.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"stripping-benchmark-{comm.size}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
