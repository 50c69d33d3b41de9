"""Benchmark: Li creep mechanics on a 3D Li | LPSCl cell, 1 vs 2 ranks.

A structured box [0, b]^2 x [0, 2b]: LPSCl below, Li above, laterally
confined (rollers on the sides and the bottom: a cell in a die), 5 MPa stack
pressure on top.  (With free sides Li at 5 MPa flows without bound, ~300 1/s
by the Masias fit, and a quasi-static step has no equilibrium.)  After the elastic
step, one 10-minute backward-Euler creep step with a plating eigenstrain in the
Li (1e-3, about 0.2 mAh/cm2 on a 10 um layer).  Reports dofs, time per step,
Newton iterations per step and Krylov iterations per Newton step::

    containers/run python3 -m studies.benchmarks.mechanics --out results/bench
    containers/run -n 2 python3 -m studies.benchmarks.mechanics --out results/bench
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import dolfinx
import dolfinx.mesh
import numpy as np
from mpi4py import MPI

from fem.materials import mechanical_material
from fem.mechanics import MechanicsProblem, Pressure, Roller
from fem.mesh_io import MeshData
from studies._cli import int_list, run_cli
from studies._report import environment, markdown_table
from studies._sweep import progress

SIDE = 10e-6  # m
FACETS = {"x0": 101, "x1": 102, "y0": 103, "y1": 104, "bottom": 10, "top": 11}
CELLS = {"sse": 1, "lithium": 2}


def bilayer(comm: MPI.Comm, n: int) -> MeshData:
    """n x n x 2n boxes of 6 tetrahedra; Li in the upper half."""
    mesh = dolfinx.mesh.create_box(
        comm, [np.zeros(3), np.array([SIDE, SIDE, 2 * SIDE])], [n, n, 2 * n], dolfinx.mesh.CellType.tetrahedron
    )
    planes = {
        "x0": (0, 0.0),
        "x1": (0, SIDE),
        "y0": (1, 0.0),
        "y1": (1, SIDE),
        "bottom": (2, 0.0),
        "top": (2, 2 * SIDE),
    }
    indices, values = [], []
    for name, (axis, c) in planes.items():
        found = dolfinx.mesh.locate_entities_boundary(mesh, 2, lambda x, a=axis, c=c: np.isclose(x[a], c))
        indices.append(found)
        values.append(np.full(found.size, FACETS[name], dtype=np.int32))
    idx, first = np.unique(np.concatenate(indices), return_index=True)
    facet_tags = dolfinx.mesh.meshtags(mesh, 2, idx.astype(np.int32), np.concatenate(values)[first])
    num_cells = mesh.topology.index_map(3).size_local + mesh.topology.index_map(3).num_ghosts
    cells = np.arange(num_cells, dtype=np.int32)
    is_li = dolfinx.mesh.compute_midpoints(mesh, 3, cells)[:, 2] > SIDE
    cell_tags = dolfinx.mesh.meshtags(mesh, 3, cells, np.where(is_li, CELLS["lithium"], CELLS["sse"]).astype(np.int32))
    return MeshData(mesh, cell_tags, facet_tags, {"cells": dict(CELLS), "facets": dict(FACETS)})


def run_size(comm: MPI.Comm, n: int) -> dict[str, Any]:
    md = bilayer(comm, n)
    growth = dolfinx.fem.Constant(md.mesh, 0.0)
    start = time.perf_counter()
    problem = MechanicsProblem(
        md,
        {"lithium": mechanical_material("Li"), "sse": mechanical_material("LPSCl")},
        [*(Roller(side) for side in ("x0", "x1", "y0", "y1", "bottom")), Pressure("top", 5e6)],
        growth_strain={"lithium": growth},
    )
    setup = time.perf_counter() - start
    elastic = problem.step(0.0)
    growth.value = 1e-3
    creep = problem.step(600.0)
    row = {
        "num_dofs": problem.num_dofs,
        "setup_seconds": setup,
        "elastic_step_seconds": elastic.seconds,
        "creep_step_seconds": creep.seconds,
        "creep_newton_iterations": creep.newton_iterations,
        "krylov_per_newton": creep.krylov_iterations / max(creep.newton_iterations, 1),
        "dofs_per_second": problem.num_dofs / creep.seconds,
    }
    problem.destroy()
    return row


COLUMNS = (
    ("num_dofs", "dofs"),
    ("setup_seconds", "set-up (s)"),
    ("elastic_step_seconds", "elastic step (s)"),
    ("creep_step_seconds", "10-min creep step (s)"),
    ("creep_newton_iterations", "Newton"),
    ("krylov_per_newton", "Krylov per Newton"),
    ("dofs_per_second", "dofs/s"),
    ("speedup_vs_1_rank", "speed-up vs 1 rank"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.benchmarks.mechanics", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for mechanics_np<N>.json/.md")
    parser.add_argument(
        "--cells", type=int_list, default=[31, 68], help="boxes per side (dofs ~ 6 (n+1)^3: 1e5 and 1e6)"
    )
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    rows = []
    for n in args.cells:
        rows.append(run_size(comm, n))
        progress(comm, f"{rows[-1]['num_dofs']} dofs: creep step {rows[-1]['creep_step_seconds']:.2f} s")
    if comm.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        serial = args.out / "mechanics_np1.json"
        if comm.size > 1 and serial.exists():
            reference = {r["num_dofs"]: r for r in json.loads(serial.read_text())["rows"]}
            for row in rows:
                if row["num_dofs"] in reference:
                    row["speedup_vs_1_rank"] = (
                        reference[row["num_dofs"]]["creep_step_seconds"] / row["creep_step_seconds"]
                    )
        (args.out / f"mechanics_np{comm.size}.json").write_text(
            json.dumps({"benchmark": "mechanics", "environment": environment(comm), "rows": rows}, indent=2)
        )
        table = markdown_table(rows, COLUMNS)
        (args.out / f"mechanics_np{comm.size}.md").write_text(f"# Li creep mechanics, {comm.size} rank(s)\n\n{table}\n")
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
