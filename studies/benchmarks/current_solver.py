"""Benchmark: the secondary-current solver against a bare DOLFINx Poisson solve.

For a structured electrolyte slab with one circular contact spot (f = 0.2,
Butler-Volmer, potentiostatic) at several mesh sizes, it reports dofs,
Newton and Krylov iterations, assembly and solve seconds, and dofs per second;
and for the same mesh and space a bare DOLFINx linear Poisson solve
(LinearProblem, CG + BoomerAMG, same tolerance) as the reference.  The
solver assembles the linear bulk operator once per problem (then reuses it
for every Newton step, galvanostatic iteration and time step); the ratio is
given without and with that one-time assembly.  Run it on
1 and then 2 ranks into the same directory; the 2-rank table then includes
the speed-up over 1 rank::

    containers/run python3 -m studies.benchmarks.current_solver --out results/bench
    containers/run -n 2 python3 -m studies.benchmarks.current_solver --out results/bench
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from fem._compat import linear_problem
from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
from fem.materials import electrolyte, interface_kinetics
from fem.solvers import ELLIPTIC_NEWTON_DEFAULTS, unique_prefix
from geometries.structured import electrolyte_slab
from studies._cli import int_list, run_cli
from studies._report import write_benchmark_rows
from studies._sweep import progress
from studies.benchmarks._common import load_average, peak_rss_MB_per_rank

FOOTPRINT = THICKNESS = 50e-6
CONTACT_FRACTION = 0.2


def _in_spot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    radius = FOOTPRINT * np.sqrt(CONTACT_FRACTION / np.pi)
    return np.hypot(x - FOOTPRINT / 2, y - FOOTPRINT / 2) < radius


def _bare_poisson(problem: SecondaryCurrentProblem) -> dict[str, Any]:
    """Linear Poisson on the same space: phi = 0.05 V on the contact, 0 on top."""
    V, md = problem.V, problem.meshdata
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    kappa = problem.kappa
    a = kappa * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
    L = dolfinx.fem.Constant(V.mesh, 0.0) * v * ufl.dx
    fdim = V.mesh.topology.dim - 1
    bcs = [
        dolfinx.fem.dirichletbc(
            dolfinx.fem.Constant(V.mesh, value),
            dolfinx.fem.locate_dofs_topological(V, fdim, md.facet_tags.find(md.facet_id(name))),
            V,
        )
        for name, value in (("li_sse", 0.05), ("top", 0.0))
    ]
    keys = [k for k in ELLIPTIC_NEWTON_DEFAULTS if k.startswith(("ksp_", "pc_"))]
    options = {k: ELLIPTIC_NEWTON_DEFAULTS[k] for k in keys}
    lp = linear_problem(a, L, bcs, unique_prefix("bare_poisson"), options)
    V.mesh.comm.barrier()
    start = time.perf_counter()
    lp.solve()
    wall = time.perf_counter() - start
    return {"wall_seconds": wall, "krylov_iterations": lp.solver.getIterationNumber()}


def run_size(comm: MPI.Comm, cells: int) -> dict[str, Any]:
    """One mesh size: ours (Butler-Volmer, potentiostatic) and the bare reference."""
    start = time.perf_counter()
    md = electrolyte_slab(comm, FOOTPRINT, THICKNESS, cells, cells, _in_spot)
    mesh_seconds = time.perf_counter() - start
    start = time.perf_counter()
    problem = SecondaryCurrentProblem(md, electrolyte("LPSCl"), Electrode("li_sse", interface_kinetics("Li_LPSCl")))
    setup_seconds = time.perf_counter() - start
    comm.barrier()
    start = time.perf_counter()
    solution = problem.solve_potentiostatic(0.05)
    wall = time.perf_counter() - start
    bare = _bare_poisson(problem)
    dofs = solution.num_dofs
    return {
        "cells_per_side": cells,
        "num_dofs": dofs,
        "mesh_seconds": mesh_seconds,
        "setup_seconds": setup_seconds,
        "newton_iterations": solution.stats.newton_iterations,
        "krylov_iterations": solution.stats.krylov_iterations,
        "assembly_seconds": solution.stats.assembly_seconds,
        "solve_seconds": solution.stats.solve_seconds,
        "wall_seconds": wall,
        "dofs_per_second": dofs / wall,
        "bare_wall_seconds": bare["wall_seconds"],
        "bare_krylov_iterations": bare["krylov_iterations"],
        "bare_dofs_per_second": dofs / bare["wall_seconds"],
        "throughput_ratio_vs_bare": bare["wall_seconds"] / wall,
        "operator_assembly_seconds": problem.solver.setup_assembly_seconds,
        "throughput_ratio_vs_bare_incl_operator": bare["wall_seconds"] / (wall + problem.solver.setup_assembly_seconds),
        "peak_rss_MB_per_rank": peak_rss_MB_per_rank(comm),
        "load_average_after": load_average(),
    }


COLUMNS = (
    ("num_dofs", "dofs"),
    ("newton_iterations", "Newton"),
    ("krylov_iterations", "Krylov"),
    ("assembly_seconds", "assembly (s)"),
    ("solve_seconds", "solve (s)"),
    ("wall_seconds", "total (s)"),
    ("dofs_per_second", "dofs/s"),
    ("bare_wall_seconds", "bare Poisson (s)"),
    ("bare_krylov_iterations", "bare Krylov"),
    ("throughput_ratio_vs_bare", "ours / bare throughput"),
    ("operator_assembly_seconds", "bulk operator assembly, once (s)"),
    ("throughput_ratio_vs_bare_incl_operator", "ours / bare incl. that"),
    ("speedup_vs_1_rank", "speed-up vs 1 rank"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.benchmarks.current_solver", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for current_solver_np<N>.json/.md")
    parser.add_argument("--cells", type=int_list, default=[21, 46, 99], help="boxes per side (dofs ~ (n+1)^3)")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    rows = []
    for cells in args.cells:
        row = run_size(comm, cells)
        rows.append(row)
        progress(
            comm,
            f"{row['num_dofs']} dofs: ours {row['wall_seconds']:.2f} s, bare {row['bare_wall_seconds']:.2f} s",
        )
    write_benchmark_rows(
        args.out, "current_solver", "current_solver", rows, COLUMNS, "Current solver", "wall_seconds", comm
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
