"""Benchmark: a Sand's-time run of the binary-electrolyte solver against a bare DOLFINx linear solve.

A 3D electrolyte slab (10 um x 10 um footprint, 20 um thick, graded towards
the Li) of LiPF6 (Valoen & Reimers properties) is plated galvanostatically at
2 A/cm2 (about 4 x its limiting current) until the Li surface runs dry.  For
each mesh size it reports dofs, time steps, Newton iterations, Krylov
iterations, the wall time of the run and per Newton iteration, and as the
reference one bare DOLFINx linear solve (LinearProblem, assembly + MUMPS LU)
of a linear system on the same mixed space: a Newton iteration of the
bordered galvanostatic method costs one assembly of the coupled Jacobian, one
LU factorisation and two triangular solves.  Run on 1 and then 2 ranks into
the same directory; the 2-rank table then has the speed-up over 1 rank::

    containers/run python3 -m studies.benchmarks.sand_time_solver --out results/bench
    containers/run -n 2 python3 -m studies.benchmarks.sand_time_solver --out results/bench
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import dolfinx
import ufl
from mpi4py import MPI

from fem._compat import linear_problem
from fem.solvers import unique_prefix
from fem.transport import DIRECT_SOLVER_DEFAULTS, BinaryElectrolyteProblem, TimeStepping, binary_electrolyte
from fem.validation import ParameterError
from geometries.structured import electrolyte_slab
from studies._cli import int_list, run_cli
from studies._report import environment, markdown_table
from studies._sweep import progress

FOOTPRINT, THICKNESS = 10e-6, 20e-6
CURRENT_DENSITY_A_M2 = 2e4
TEMPERATURE_K = 298.15


def _bare_solve(problem: BinaryElectrolyteProblem) -> float:
    """Seconds for one assembled and LU-solved linear system on the problem's mixed space."""
    W = problem.W
    (c, phi), (w, v) = ufl.TrialFunctions(W), ufl.TestFunctions(W)
    scale = dolfinx.fem.Constant(W.mesh, THICKNESS**-2)
    a = (scale * c * w + ufl.inner(ufl.grad(c), ufl.grad(w)) + ufl.inner(ufl.grad(phi), ufl.grad(v))) * ufl.dx
    a += scale * phi * v * ufl.dx
    L = scale * (w + v) * ufl.dx
    bare = linear_problem(a, L, [], unique_prefix("bare_mixed"), DIRECT_SOLVER_DEFAULTS)  # forms compiled here
    start = time.perf_counter()
    bare.solve()  # assembly of A and b, LU factorisation, solve
    return W.mesh.comm.allreduce(time.perf_counter() - start, op=MPI.MAX)


def run_size(comm: MPI.Comm, cells_xy: int, cells_z: int) -> dict[str, Any]:
    """One mesh: the Sand's-time run and the bare reference."""
    md = electrolyte_slab(comm, FOOTPRINT, THICKNESS, cells_xy, cells_z)
    z = md.mesh.geometry.x[:, 2]
    z[:] = z**2 / THICKNESS
    start = time.perf_counter()
    problem = BinaryElectrolyteProblem(md, binary_electrolyte("LiPF6_Valoen2005"), TEMPERATURE_K)
    setup = time.perf_counter() - start
    problem.set_current_density(CURRENT_DENSITY_A_M2)
    comm.barrier()
    start = time.perf_counter()
    stepping = TimeStepping(initial_step_s=1e-7, target_change=0.05, max_growth=1.3)
    result = problem.run(1.0, stepping, depletion_threshold_mol_m3=1.0)
    wall = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
    bare = _bare_solve(problem)
    row = {
        "cells_xy": cells_xy,
        "cells_z": cells_z,
        "num_dofs": problem.num_dofs,
        "setup_seconds": setup,
        "sand_time_s": result.event.time_s if result.event else None,
        "time_steps": result.steps,
        "rejected_steps": result.rejected_steps,
        "newton_iterations": result.newton_iterations,
        "krylov_iterations": result.krylov_iterations,
        "wall_seconds": wall,
        "seconds_per_newton_iteration": wall / result.newton_iterations,
        "bare_solve_seconds": bare,
        "newton_iteration_vs_bare_solve": wall / result.newton_iterations / bare,
        "salt_conservation_error_relative": result.max_salt_change_relative,
    }
    problem.destroy()
    return row


COLUMNS = (
    ("num_dofs", "dofs"),
    ("sand_time_s", "Sand's time (s)"),
    ("time_steps", "steps"),
    ("newton_iterations", "Newton"),
    ("krylov_iterations", "Krylov"),
    ("wall_seconds", "run (s)"),
    ("seconds_per_newton_iteration", "s per Newton iteration"),
    ("bare_solve_seconds", "bare DOLFINx LU solve (s)"),
    ("newton_iteration_vs_bare_solve", "Newton iteration / bare solve"),
    ("salt_conservation_error_relative", "salt error"),
    ("speedup_vs_1_rank", "speed-up vs 1 rank"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.benchmarks.sand_time_solver", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for sand_time_solver_np<N>.json/.md")
    parser.add_argument("--cells-xy", type=int_list, default=[6, 12, 24], help="boxes per lateral side")
    parser.add_argument("--cells-z", type=int_list, default=[40, 60, 80], help="boxes across the thickness")
    args = parser.parse_args(argv)
    if len(args.cells_xy) != len(args.cells_z):
        raise ParameterError(f"cells_xy ({len(args.cells_xy)} sizes) and cells_z ({len(args.cells_z)}) must pair up")
    comm = MPI.COMM_WORLD
    rows = []
    for n_xy, n_z in zip(args.cells_xy, args.cells_z, strict=True):
        rows.append(run_size(comm, n_xy, n_z))
        progress(
            comm,
            f"{rows[-1]['num_dofs']} dofs: {rows[-1]['wall_seconds']:.1f} s, "
            f"{rows[-1]['newton_iterations']} Newton iterations",
        )
    if comm.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        serial = args.out / "sand_time_solver_np1.json"
        if comm.size > 1 and serial.exists():
            by_dofs = {r["num_dofs"]: r["wall_seconds"] for r in json.loads(serial.read_text())["rows"]}
            for row in rows:
                if row["num_dofs"] in by_dofs:
                    row["speedup_vs_1_rank"] = by_dofs[row["num_dofs"]] / row["wall_seconds"]
        report = {"benchmark": "sand_time_solver", "environment": environment(comm), "rows": rows}
        (args.out / f"sand_time_solver_np{comm.size}.json").write_text(json.dumps(report, indent=2))
        table = markdown_table(rows, COLUMNS)
        (args.out / f"sand_time_solver_np{comm.size}.md").write_text(
            f"# Sand's-time run, {comm.size} rank(s)\n\n{table}\n"
        )
        print(table)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
