"""Benchmark: a Sand's-time run of the binary-electrolyte solver against bare DOLFINx solves of the same size.

A 3D electrolyte slab (10 um x 10 um footprint, 20 um thick, graded towards
the Li) of LiPF6 (Valoen & Reimers properties) is plated galvanostatically at
2 A/cm2 (about 4 x its limiting current) until the Li surface runs dry.  For
each mesh size and each linear solver of fem.transport ("direct": MUMPS LU;
"iterative": GMRES with a c-phi fieldsplit and BoomerAMG) it reports dofs,
time steps, Newton iterations, Krylov iterations, the wall time of the run,
per time step and per Newton iteration.  A Newton iteration of the bordered
galvanostatic method costs one assembly of the coupled Jacobian, one
preconditioner set-up (LU factorisation or AMG) and two linear solves.

References measured in the same run on the same mesh:

* ``bare_step``: one bare DOLFINx CG + BoomerAMG Poisson solve plus one
  backward-Euler diffusion step (mass / dt + stiffness, CG + BoomerAMG), each on
  the scalar P1 space, so together they have the dofs of the c-phi system
  (LinearProblem: assembly, AMG set-up and solve; forms compiled beforehand);
* ``bare_lu``: one bare DOLFINx MUMPS LU solve of a linear system on the
  problem's own mixed space.

``--max-steps`` ends each run after that many steps (no Sand's time then): the
per-step and per-iteration costs of a large mesh without the whole run.  Run on 1
and then 2 ranks into the same directory; the 2-rank table then has the
speed-up over 1 rank::

    containers/run python3 -m studies.benchmarks.sand_time_solver --out results/bench
    containers/run -n 2 python3 -m studies.benchmarks.sand_time_solver --out results/bench
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import dolfinx
import ufl
from mpi4py import MPI

from fem._compat import linear_problem
from fem.solvers import unique_prefix
from fem.transport import (
    DIRECT_SOLVER_DEFAULTS,
    LINEAR_SOLVERS,
    BinaryElectrolyteProblem,
    TimeStepping,
    binary_electrolyte,
)
from fem.validation import ParameterError, check_choice
from geometries.structured import electrolyte_slab
from studies._cli import int_list, run_cli, string_list
from studies._report import write_benchmark_rows
from studies._sweep import progress

FOOTPRINT, THICKNESS = 10e-6, 20e-6
CURRENT_DENSITY_A_M2 = 2e4
TEMPERATURE_K = 298.15
AMG_OPTIONS: dict[str, Any] = {"ksp_type": "cg", "ksp_rtol": 1e-10, "pc_type": "hypre", "pc_hypre_type": "boomeramg"}


def _timed_solve(problem: Any, comm: MPI.Comm) -> tuple[float, int]:
    comm.barrier()
    start = time.perf_counter()
    problem.solve()  # assembly of A and b, preconditioner set-up, solve
    return comm.allreduce(time.perf_counter() - start, op=MPI.MAX), problem.solver.getIterationNumber()


def bare_references(problem: BinaryElectrolyteProblem) -> dict[str, Any]:
    """Seconds of the bare DOLFINx solves on the problem's mesh (see the module text)."""
    mesh, comm = problem.W.mesh, problem.comm
    V = problem.V
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    inv_dt = dolfinx.fem.Constant(mesh, 1e9)  # 1 / (1 ns): a step of the size taken near depletion
    stiffness = ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
    one = dolfinx.fem.Constant(mesh, 1.0)
    facets = problem.meshdata.facet_tags.find(problem.meshdata.facet_id(problem.counter))
    bc = dolfinx.fem.dirichletbc(
        dolfinx.fem.Constant(mesh, 0.0), dolfinx.fem.locate_dofs_topological(V, mesh.topology.dim - 1, facets), V
    )
    poisson = linear_problem(stiffness, one * v * ufl.dx, [bc], unique_prefix("bare_poisson"), AMG_OPTIONS)
    diffusion = linear_problem(
        inv_dt * u * v * ufl.dx + stiffness, inv_dt * v * ufl.dx, [], unique_prefix("bare_diffusion"), AMG_OPTIONS
    )
    poisson_s, poisson_its = _timed_solve(poisson, comm)
    diffusion_s, diffusion_its = _timed_solve(diffusion, comm)
    (c, phi), (w, q) = ufl.TrialFunctions(problem.W), ufl.TestFunctions(problem.W)
    scale = dolfinx.fem.Constant(mesh, THICKNESS**-2)
    a = scale * (c * w + phi * q) * ufl.dx
    a += (ufl.inner(ufl.grad(c), ufl.grad(w)) + ufl.inner(ufl.grad(phi), ufl.grad(q))) * ufl.dx
    lu = linear_problem(a, scale * (w + q) * ufl.dx, [], unique_prefix("bare_mixed_lu"), DIRECT_SOLVER_DEFAULTS)
    lu_s, _ = _timed_solve(lu, comm)
    return {
        "bare_poisson_seconds": poisson_s,
        "bare_poisson_krylov_iterations": poisson_its,
        "bare_diffusion_step_seconds": diffusion_s,
        "bare_diffusion_step_krylov_iterations": diffusion_its,
        "bare_step_seconds": poisson_s + diffusion_s,
        "bare_lu_seconds": lu_s,
    }


def run_size(
    comm: MPI.Comm, cells_xy: int, cells_z: int, linear_solver: str, max_steps: int = 100000
) -> dict[str, Any]:
    """One mesh and linear solver: the Sand's-time run (at most ``max_steps`` steps) and the bare references."""
    md = electrolyte_slab(comm, FOOTPRINT, THICKNESS, cells_xy, cells_z)
    z = md.mesh.geometry.x[:, 2]
    z[:] = z**2 / THICKNESS
    start = time.perf_counter()
    problem = BinaryElectrolyteProblem(
        md, binary_electrolyte("LiPF6_Valoen2005"), TEMPERATURE_K, linear_solver=linear_solver
    )
    setup = time.perf_counter() - start
    problem.set_current_density(CURRENT_DENSITY_A_M2)
    comm.barrier()
    start = time.perf_counter()
    stepping = TimeStepping(initial_step_s=1e-7, target_change=0.05, max_growth=1.3, max_steps=max_steps)
    result = problem.run(1.0, stepping, depletion_threshold_mol_m3=1.0)
    wall = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
    bare = bare_references(problem)
    newton = result.newton_iterations
    row = {
        "linear_solver": linear_solver,
        "cells_xy": cells_xy,
        "cells_z": cells_z,
        "num_dofs": problem.num_dofs,
        "setup_seconds": setup,
        "sand_time_s": result.event.time_s if result.event else None,
        "time_steps": result.steps,
        "rejected_steps": result.rejected_steps,
        "newton_iterations": newton,
        "krylov_iterations": result.krylov_iterations,
        "newton_iterations_per_step": newton / max(result.steps, 1),
        "krylov_iterations_per_newton_iteration": result.krylov_iterations / newton,
        "wall_seconds": wall,
        "seconds_per_time_step": wall / max(result.steps, 1),
        "seconds_per_newton_iteration": wall / newton,
        **bare,
        "newton_iteration_vs_bare_step": wall / newton / bare["bare_step_seconds"],
        "newton_iteration_vs_bare_lu": wall / newton / bare["bare_lu_seconds"],
        "salt_conservation_error_relative": result.max_salt_change_relative,
    }
    problem.destroy()
    return row


COLUMNS = (
    ("num_dofs", "dofs"),
    ("sand_time_s", "Sand's time (s)"),
    ("time_steps", "steps"),
    ("newton_iterations_per_step", "Newton / step"),
    ("krylov_iterations_per_newton_iteration", "Krylov / Newton"),
    ("wall_seconds", "run (s)"),
    ("seconds_per_time_step", "s / step"),
    ("seconds_per_newton_iteration", "s / Newton"),
    ("bare_step_seconds", "bare Poisson + diffusion step, AMG (s)"),
    ("newton_iteration_vs_bare_step", "Newton / bare AMG"),
    ("bare_lu_seconds", "bare mixed LU (s)"),
    ("newton_iteration_vs_bare_lu", "Newton / bare LU"),
    ("salt_conservation_error_relative", "salt error"),
    ("speedup_vs_1_rank", "speed-up vs 1 rank"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.benchmarks.sand_time_solver", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for sand_time_solver_<solver>_np<N>.*")
    parser.add_argument("--cells-xy", type=int_list, default=[6, 12, 24], help="boxes per lateral side")
    parser.add_argument("--cells-z", type=int_list, default=[40, 60, 80], help="boxes across the thickness")
    parser.add_argument(
        "--max-steps", type=int, default=100000, help="stop each run after this many steps (timing only)"
    )
    parser.add_argument("--solvers", type=string_list, default=["direct", "iterative"], help="direct,iterative")
    args = parser.parse_args(argv)
    if len(args.cells_xy) != len(args.cells_z):
        raise ParameterError(f"cells_xy ({len(args.cells_xy)} sizes) and cells_z ({len(args.cells_z)}) must pair up")
    for solver in args.solvers:
        check_choice("solvers", solver, LINEAR_SOLVERS)
    comm = MPI.COMM_WORLD
    for solver in args.solvers:
        rows = []
        for n_xy, n_z in zip(args.cells_xy, args.cells_z, strict=True):
            row = run_size(comm, n_xy, n_z, solver, args.max_steps)
            rows.append(row)
            progress(
                comm,
                f"{solver}, {row['num_dofs']} dofs: {row['wall_seconds']:.1f} s, {row['time_steps']} steps, "
                f"{row['newton_iterations']} Newton, {row['krylov_iterations']} Krylov iterations; "
                f"bare AMG step {row['bare_step_seconds']:.3f} s, bare LU {row['bare_lu_seconds']:.3f} s",
            )
        title = f"Sand's-time run, {solver} linear solver"
        stem = f"sand_time_solver_{solver}"
        write_benchmark_rows(args.out, stem, "sand_time_solver", rows, COLUMNS, title, "wall_seconds", comm)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
