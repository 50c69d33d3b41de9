"""Helpers the benchmarks share: peak memory per rank, machine load, one summary row per run.

Timings on a shared machine are only as quiet as the machine: every row carries
the 1-minute load average, and every benchmark times a bare DOLFINx reference
of the same size in the same run, so that the ratio survives the noise.
"""

from __future__ import annotations

import math
import os
import resource
import time
from collections.abc import Sequence
from typing import Any

import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem._compat import linear_problem
from fem.materials import mechanical_material
from fem.mechanics.solver_setup import GAMG_ELASTICITY
from fem.solvers import unique_prefix

__all__ = [
    "peak_rss_MB_per_rank",
    "load_average",
    "linear_options",
    "timed_linear_solve",
    "li_elastic_forms",
    "fitted_slope",
    "summary_row",
    "SUMMARY_COLUMNS",
]


#: Mechanics preconditioners a benchmark can compare (``--preconditioner``): the default CG + BoomerAMG of
#: fem.mechanics (no override) or CG + GAMG with the rigid-body near-nullspace at its tighter CG tolerance.
MECHANICS_PRECONDITIONERS: dict[str, dict[str, Any]] = {
    "boomeramg": {},
    "gamg": {"ksp_type": "cg", **GAMG_ELASTICITY, "ksp_rtol": 1e-11},
}


def peak_rss_MB_per_rank(comm: MPI.Comm) -> float:
    """Largest peak resident memory (MB) over the ranks (Linux ru_maxrss is in kB)."""
    return comm.allreduce(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, op=MPI.MAX) / 1e3


def load_average() -> float:
    """The machine's 1-minute load average."""
    return os.getloadavg()[0]


def linear_options(prefix: str) -> dict[str, Any]:
    """The KSP/PC options (multigrid levels included) the solver with options ``prefix`` uses, from the database."""
    options = PETSc.Options().getAll()
    return {
        k[len(prefix) :]: v
        for k, v in options.items()
        if k.startswith(prefix) and k[len(prefix) :].startswith(("ksp_", "pc_", "mg_"))
    }


def timed_linear_solve(a: Any, L: Any, bcs: list, options: dict[str, Any], nullspace: Any = None) -> float:
    """Wall seconds of one bare DOLFINx LinearProblem solve (operator assembly and PC set-up included;
    form compilation and matrix creation excluded)."""
    problem = linear_problem(a, L, bcs, unique_prefix("bare"), options)
    if nullspace is not None:
        problem.A.setNearNullSpace(nullspace)
    problem.A.getComm().barrier()
    start = time.perf_counter()
    problem.solve()
    return time.perf_counter() - start


def li_elastic_forms(V: Any, facet_tags: Any, loaded_facets: int, pressure_Pa: float) -> tuple[Any, Any]:
    """Bilinear and linear forms of linear elasticity with Li's elastic constants on the vector space V
    and a pressure (Pa) on the facets tagged ``loaded_facets``: the bare reference of a creep solve."""
    elastic = mechanical_material("Li").elastic
    mu, lam = elastic.shear_modulus_Pa, elastic.bulk_modulus_Pa - 2.0 * elastic.shear_modulus_Pa / 3.0
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    eps = ufl.sym(ufl.grad(u))
    a = ufl.inner(2.0 * mu * eps + lam * ufl.tr(eps) * ufl.Identity(3), ufl.sym(ufl.grad(v))) * ufl.dx
    ds = ufl.Measure("ds", domain=V.mesh, subdomain_data=facet_tags)
    return a, -pressure_Pa * ufl.inner(ufl.FacetNormal(V.mesh), v) * ds(loaded_facets)


def fitted_slope(x: Sequence[float], y: Sequence[float]) -> float:
    """Least-squares slope of log y against log x (nan with fewer than two points)."""
    if len(x) < 2:
        return math.nan
    lx = [math.log(v) for v in x]
    ly = [math.log(v) for v in y]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sxx if sxx > 0 else math.nan


#: Columns of the one table ``python -m studies.benchmarks`` writes (key, header).
SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("benchmark", "benchmark"),
    ("ranks", "ranks"),
    ("dofs", "dofs"),
    ("newton", "Newton (per solve/step)"),
    ("krylov_per_newton", "Krylov per Newton"),
    ("setup_s", "set-up (s)"),
    ("seconds", "timed phase (s)"),
    ("phase", "timed phase"),
    ("bare_s", "bare DOLFINx, same size (s)"),
    ("ratio_bare_over_ours", "bare / ours"),
    ("speedup_vs_1_rank", "speed-up vs 1 rank"),
    ("peak_rss_MB_per_rank", "peak RSS per rank (MB)"),
    ("load", "load (1 min)"),
)


def summary_row(benchmark: str, ranks: int, row: dict[str, Any]) -> dict[str, Any]:
    """The summary row of one row of a benchmark's own output (keys as each benchmark writes them)."""
    if benchmark == "current_solver":
        newton = row["newton_iterations"]
        values = (row["num_dofs"], newton, row["krylov_iterations"], row["setup_seconds"], row["wall_seconds"])
        phase = f"set-up + potentiostatic solve (bare at the same energy error, {row['energy_error']:.0e})"
        bare = row["bare_wall_seconds"]
    elif benchmark.startswith("mechanics"):  # mechanics, mechanics_mixed
        newton = row["creep_newton_iterations"]
        krylov = row["krylov_per_newton"] * newton
        values = (row["num_dofs"], newton, krylov, row["setup_seconds"], row["creep_step_seconds"])
        phase, bare = "10-min creep step", row.get("bare_elastic_s")
    else:  # stripping, one row per contact method and linear solver
        benchmark = f"stripping/{row.get('contact', 'penalty')}/{row.get('solver', 'default')}"
        newton = row["mechanics_newton_per_step"]
        krylov = row.get("mechanics_krylov_per_step", math.nan)
        values = (row["mechanics_dofs"], newton, krylov, row["setup_s"], row["seconds_per_step"])
        phase, bare = "coupled step", row["bare_step_s"]
    dofs, newton, krylov, setup, seconds = values
    return {
        "benchmark": benchmark,
        "ranks": ranks,
        "dofs": dofs,
        "newton": newton,
        "krylov_per_newton": krylov / newton if newton else math.nan,
        "setup_s": setup,
        "seconds": seconds,
        "phase": phase,
        "bare_s": bare,
        "ratio_bare_over_ours": bare / seconds if bare else math.nan,
        "peak_rss_MB_per_rank": row.get("peak_rss_MB_per_rank", math.nan),
        "load": row.get("load_average_after", row.get("load_average", math.nan)),
    }
