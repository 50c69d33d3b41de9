"""Benchmark: the secondary-current solver against a bare DOLFINx Poisson solve, at equal accuracy.

For a structured electrolyte slab with one circular contact spot (f = 0.2,
Butler-Volmer, potentiostatic) at several mesh sizes it times our solve and a
bare DOLFINx linear Poisson solve (LinearProblem, CG + BoomerAMG with the same
AMG options, phi = 0.05 V on the spot and 0 on top) on the same mesh, and
reports dofs, Newton and Krylov iterations, seconds per phase and the ratio.

Fair comparison (the criterion): both solves are timed to the *same accuracy*,
the relative error in the energy norm, ``|u - u_ref|_H1 / |u_ref|_H1`` (H1
seminorm), where ``u_ref`` is a much tighter solve of the *same discrete
problem* (ours: further Newton steps with CG to 1e-12; bare: CG run to
roundoff).  Ours runs with its defaults and its error is measured; the bare
solve is then given exactly the fewest CG iterations at which its error is
no larger (read off the reference run's iterates; no stopping test): the
most favourable configuration of the bare solve, an oracle no user has.
The bare solve at the usual ``ksp_rtol`` of the defaults is timed too, with
its error, to show what a relative residual tolerance means for each.

Phases: *setup* is everything between the mesh and the first solve (function
space, forms, matrix creation; ours also assembles its bulk operator once),
*solve* the solve itself (the bare one assembles its matrix and vector
there).  Ratios bare/ours are given for setup + solve (everything but mesh
creation) and for the solve alone.  ``--repeats`` times both solves several
times and reports the best and median.  Run it on 1 and then 2 ranks into the
same directory; the 2-rank table then includes the speed-up over 1 rank::

    containers/run python3 -m studies.benchmarks.current_solver --out results/bench
    containers/run -n 2 python3 -m studies.benchmarks.current_solver --out results/bench
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem._compat import linear_problem
from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
from fem.materials import electrolyte, interface_kinetics
from fem.solvers import ELLIPTIC_NEWTON_DEFAULTS, apply_options, unique_prefix
from geometries.structured import electrolyte_slab
from studies._cli import int_list, run_cli
from studies._report import write_benchmark_rows
from studies._sweep import progress
from studies.benchmarks._common import load_average, peak_rss_MB_per_rank

FOOTPRINT = THICKNESS = 50e-6
CONTACT_FRACTION = 0.2
WORKING_POTENTIAL_V = 0.05
#: Reference solves: CG to this relative true residual (ours, per Newton step) or this many CG
#: iterations (bare, far past its roundoff floor).
REFERENCE_KSP_RTOL = 1e-12
REFERENCE_BARE_ITERATIONS = 40


def _in_spot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    radius = FOOTPRINT * np.sqrt(CONTACT_FRACTION / np.pi)
    return np.hypot(x - FOOTPRINT / 2, y - FOOTPRINT / 2) < radius


def _timed(comm: MPI.Comm, work: Callable[[], Any]) -> tuple[Any, float]:
    comm.barrier()
    start = time.perf_counter()
    result = work()
    return result, comm.allreduce(time.perf_counter() - start, op=MPI.MAX)


def _energy_error(u: dolfinx.fem.Function, reference: dolfinx.fem.Function) -> float:
    """|u - reference|_H1 / |reference|_H1 (global)."""
    e = dolfinx.fem.Function(reference.function_space)
    e.x.array[:] = u.x.array - reference.x.array
    comm = reference.function_space.mesh.comm

    def seminorm(f: dolfinx.fem.Function) -> float:
        local = dolfinx.fem.assemble_scalar(dolfinx.fem.form(ufl.inner(ufl.grad(f), ufl.grad(f)) * ufl.dx))
        return float(np.sqrt(comm.allreduce(local, op=MPI.SUM)))

    return seminorm(e) / seminorm(reference)


def _ours(md: Any) -> tuple[SecondaryCurrentProblem, Any, float, float]:
    comm = md.mesh.comm
    kinetics = Electrode("li_sse", interface_kinetics("Li_LPSCl"))
    problem, setup = _timed(comm, lambda: SecondaryCurrentProblem(md, electrolyte("LPSCl"), kinetics))
    solution, solve = _timed(comm, lambda: problem.solve_potentiostatic(WORKING_POTENTIAL_V))
    return problem, solution, setup, solve


def _our_reference(problem: SecondaryCurrentProblem) -> dolfinx.fem.Function:
    """Further exact-Jacobian Newton steps from our solution with CG to REFERENCE_KSP_RTOL (4 steps at most)."""
    solver = problem.solver
    apply_options(
        solver.prefix,
        {
            "snes_ksp_ew": False,
            "snes_lag_preconditioner": 1,
            "snes_linesearch_type": "basic",
            "snes_rtol": 0.0,
            "snes_atol": 0.0,
            "snes_stol": 0.0,
            "snes_max_it": 4,
            "snes_error_if_not_converged": False,
            "ksp_rtol": REFERENCE_KSP_RTOL,
            "ksp_atol": 0.0,
            "ksp_error_if_not_converged": False,
        },
    )
    solver.snes.setFromOptions()
    solver.snes.getKSP().setFromOptions()
    solver.solve()
    reference = problem.phi.copy()
    return reference


def _bare_forms(V: Any, md: Any, kappa: float) -> tuple[Any, Any, list[Any]]:
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    a = dolfinx.fem.Constant(V.mesh, kappa) * ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
    L = dolfinx.fem.Constant(V.mesh, 0.0) * v * ufl.dx
    fdim = V.mesh.topology.dim - 1
    bcs = [
        dolfinx.fem.dirichletbc(
            dolfinx.fem.Constant(V.mesh, value),
            dolfinx.fem.locate_dofs_topological(V, fdim, md.facet_tags.find(md.facet_id(name))),
            V,
        )
        for name, value in (("li_sse", WORKING_POTENTIAL_V), ("top", 0.0))
    ]
    return a, L, bcs


def _bare_options(**overrides: Any) -> dict[str, Any]:
    """The KSP/PC options of ELLIPTIC_NEWTON_DEFAULTS (same CG + BoomerAMG), with overrides."""
    options = {k: v for k, v in ELLIPTIC_NEWTON_DEFAULTS.items() if k.startswith(("ksp_", "pc_"))}
    return {**options, **overrides}


def _bare(md: Any, kappa: float, options: dict[str, Any], monitor: Callable | None = None) -> tuple[Any, float, float]:
    """A bare DOLFINx solve from scratch: (LinearProblem, setup seconds, solve seconds)."""
    comm = md.mesh.comm

    def setup() -> Any:
        V = dolfinx.fem.functionspace(md.mesh, ("Lagrange", 1))
        lp = linear_problem(*_bare_forms(V, md, kappa), unique_prefix("bare_poisson"), options)
        if monitor is not None:
            lp.solver.setMonitor(monitor)
        return lp

    lp, setup_seconds = _timed(comm, setup)
    _, solve_seconds = _timed(comm, lp.solve)
    return lp, setup_seconds, solve_seconds


def _bare_error_history(md: Any, kappa: float) -> tuple[list[float], dolfinx.fem.Function]:
    """Energy-norm error of every CG iterate of a bare solve run far past roundoff, against its last
    iterate; and that last iterate (the bare reference solution)."""
    iterates: list[PETSc.Vec] = []

    def monitor(ksp: PETSc.KSP, its: int, rnorm: float) -> None:
        iterates.append(ksp.buildSolution().copy())

    options = _bare_options(
        ksp_rtol=1e-30, ksp_atol=0.0, ksp_max_it=REFERENCE_BARE_ITERATIONS, ksp_error_if_not_converged=False
    )
    lp, _, _ = _bare(md, kappa, options, monitor)
    V = lp.u.function_space
    reference = lp.u.copy()
    trial = dolfinx.fem.Function(V)
    errors = []
    for vec in iterates:
        vec.copy(trial.x.petsc_vec)
        trial.x.scatter_forward()
        errors.append(_energy_error(trial, reference))
        vec.destroy()
    lp.solver.destroy()
    return errors, reference


def _fewest_iterations(errors: list[float], target: float) -> int:
    """Fewest CG iterations whose iterate's error is at most ``target`` (iterate k after k iterations)."""
    for k, error in enumerate(errors):
        if error <= target:
            return k
    raise RuntimeError(f"the bare solve never reached the error {target:.3g} in {len(errors) - 1} iterations")


def run_size(comm: MPI.Comm, cells: int, repeats: int = 1) -> dict[str, Any]:
    """One mesh size: ours (Butler-Volmer, potentiostatic) and the bare reference, at equal accuracy."""
    md, mesh_seconds = _timed(comm, lambda: electrolyte_slab(comm, FOOTPRINT, THICKNESS, cells, cells, _in_spot))
    kappa = electrolyte("LPSCl").ionic_conductivity_S_m
    ours_setup, ours_solve, ours_stats = [], [], []
    for attempt in range(repeats):
        problem, solution, setup, solve = _ours(md)
        ours_setup.append(setup)
        ours_solve.append(solve)
        ours_stats.append(solution.stats)
        if attempt + 1 < repeats:
            problem.solver.destroy()
    ours_phi = problem.phi.copy()
    ours_error = _energy_error(ours_phi, _our_reference(problem))
    problem.solver.destroy()

    errors, _ref = _bare_error_history(md, kappa)
    bare_iterations = _fewest_iterations(errors, ours_error)
    matched = _bare_options(ksp_max_it=max(bare_iterations, 1), ksp_convergence_test="skip", ksp_norm_type="none")
    bare_setup, bare_solve = [], []
    for _ in range(repeats):
        lp, setup, solve = _bare(md, kappa, matched)
        bare_setup.append(setup)
        bare_solve.append(solve)
        lp.solver.destroy()
    # the bare solve as it is usually configured: relative true residual ksp_rtol of the defaults
    lp, rtol_setup, rtol_solve = _bare(md, kappa, _bare_options())
    rtol_iterations = lp.solver.getIterationNumber()
    rtol_error = errors[min(rtol_iterations, len(errors) - 1)]
    lp.solver.destroy()

    def best(values: list[float]) -> float:
        return min(values)

    stats = ours_stats[0]
    ours_total = [s + t for s, t in zip(ours_setup, ours_solve, strict=True)]
    bare_total = [s + t for s, t in zip(bare_setup, bare_solve, strict=True)]
    dofs = solution.num_dofs
    return {
        "cells_per_side": cells,
        "num_dofs": dofs,
        "ranks": comm.size,
        "repeats": repeats,
        "mesh_seconds": mesh_seconds,
        "newton_iterations": stats.newton_iterations,
        "krylov_iterations": stats.krylov_iterations,
        "setup_seconds": best(ours_setup),
        "assembly_seconds": stats.assembly_seconds,
        "solve_seconds": best(ours_solve),
        "wall_seconds": best(ours_total),
        "wall_seconds_median": statistics.median(ours_total),
        "energy_error": ours_error,
        "dofs_per_second": dofs / best(ours_total),
        "bare_krylov_iterations": bare_iterations,
        "bare_setup_seconds": best(bare_setup),
        "bare_solve_seconds": best(bare_solve),
        "bare_wall_seconds": best(bare_total),
        "bare_wall_seconds_median": statistics.median(bare_total),
        "bare_energy_error": errors[bare_iterations],
        "throughput_ratio_vs_bare": best(bare_total) / best(ours_total),
        "throughput_ratio_vs_bare_median": statistics.median(bare_total) / statistics.median(ours_total),
        "throughput_ratio_vs_bare_solve_only": best(bare_solve) / best(ours_solve),
        "bare_rtol": ELLIPTIC_NEWTON_DEFAULTS["ksp_rtol"],
        "bare_rtol_krylov_iterations": rtol_iterations,
        "bare_rtol_wall_seconds": rtol_setup + rtol_solve,
        "bare_rtol_energy_error": rtol_error,
        "peak_rss_MB_per_rank": peak_rss_MB_per_rank(comm),
        "load_average_after": load_average(),
    }


COLUMNS = (
    ("num_dofs", "dofs"),
    ("newton_iterations", "Newton"),
    ("krylov_iterations", "Krylov"),
    ("setup_seconds", "setup (s)"),
    ("solve_seconds", "solve (s)"),
    ("wall_seconds", "setup + solve (s)"),
    ("wall_seconds_median", "median (s)"),
    ("energy_error", "energy error"),
    ("bare_krylov_iterations", "bare CG (matched)"),
    ("bare_setup_seconds", "bare setup (s)"),
    ("bare_solve_seconds", "bare solve (s)"),
    ("bare_wall_seconds", "bare total (s)"),
    ("bare_energy_error", "bare energy error"),
    ("throughput_ratio_vs_bare", "bare / ours (total)"),
    ("throughput_ratio_vs_bare_median", "bare / ours (medians)"),
    ("throughput_ratio_vs_bare_solve_only", "bare / ours (solve only)"),
    ("bare_rtol_krylov_iterations", "bare CG at ksp_rtol"),
    ("bare_rtol_energy_error", "its energy error"),
    ("speedup_vs_1_rank", "speed-up vs 1 rank"),
    ("load_average_after", "load (1 min)"),
)


def _warm_up(comm: MPI.Comm) -> None:
    """Compile (or load from the JIT cache) every form of both solves on a tiny mesh, so that no timing
    includes form compilation."""
    md = electrolyte_slab(comm, FOOTPRINT, THICKNESS, 4, 4, _in_spot)
    problem, *_ = _ours(md)
    _energy_error(problem.phi, problem.phi)
    problem.solver.destroy()
    lp, *_ = _bare(md, electrolyte("LPSCl").ionic_conductivity_S_m, _bare_options())
    lp.solver.destroy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.benchmarks.current_solver", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for current_solver_np<N>.json/.md")
    parser.add_argument("--cells", type=int_list, default=[21, 46, 99], help="boxes per side (dofs ~ (n+1)^3)")
    parser.add_argument("--repeats", type=int, default=1, help="timed repetitions per size (best and median)")
    args = parser.parse_args(argv)
    if not 1 <= args.repeats <= 10:
        parser.error(f"--repeats {args.repeats} not in 1..10")
    comm = MPI.COMM_WORLD
    _warm_up(comm)
    rows = []
    for cells in args.cells:
        row = run_size(comm, cells, args.repeats)
        rows.append(row)
        progress(
            comm,
            f"{row['num_dofs']} dofs: ours {row['wall_seconds']:.2f} s (error {row['energy_error']:.1e}), "
            f"bare {row['bare_wall_seconds']:.2f} s (error {row['bare_energy_error']:.1e}), "
            f"ratio {row['throughput_ratio_vs_bare']:.2f}",
        )
    write_benchmark_rows(
        args.out, "current_solver", "current_solver", rows, COLUMNS, "Current solver", "wall_seconds", comm
    )
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
