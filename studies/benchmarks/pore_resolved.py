"""Benchmark: the pore-resolved deposition model (fem.electrochemistry.pore_resolved) on a foam host,
against a bare DOLFINx solve.

Builds the cubic Ni-foam analogue of studies.deposition_resolved at a chosen
footprint and element degree, solves one galvanostatic plating step (bare Ni,
Butler-Volmer, 1 mA/cm2) and reports dofs (all and active), Newton
iterations, set-up and solve seconds, dofs per second; and, on the same mesh
and the same mixed space size, a bare DOLFINx linear Poisson solve with the
same linear solver (MUMPS LU by default) as the reference.  Run it on 1 and
then 2 ranks into the same directory::

    containers/run python3 -m studies.benchmarks.pore_resolved --out results/bench_resolved
    containers/run -n 2 python3 -m studies.benchmarks.pore_resolved --out results/bench_resolved
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import basix.ufl
import dolfinx
import ufl
from mpi4py import MPI

from fem._compat import linear_problem
from fem.electrochemistry.pore_resolved import ITERATIVE_OPTIONS, ResolvedDepositionProblem
from fem.electrochemistry.porous_electrode import DIRECT_NEWTON_OPTIONS
from fem.materials import electrolyte
from fem.solvers import ELLIPTIC_NEWTON_DEFAULTS, unique_prefix
from geometries.gradient import gradient_material_mesh
from studies._cli import run_cli
from studies._report import environment
from studies._sweep import progress
from studies.deposition_resolved import Case, ResolvedDepositionConfig, case_solids


def _bare_poisson(md: Any, degree: int, iterative: bool) -> dict[str, Any]:
    """Linear Poisson on the same mixed space (two fields, same dofs): MUMPS, or CG + AMG for the iterative run."""
    mesh = md.mesh
    element = basix.ufl.element("Lagrange", mesh.basix_cell(), degree)
    W = dolfinx.fem.functionspace(mesh, basix.ufl.mixed_element([element, element]))
    u, v = ufl.TrialFunction(W), ufl.TestFunction(W)
    a = ufl.inner(ufl.grad(u), ufl.grad(v)) * ufl.dx
    L = ufl.inner(dolfinx.fem.Constant(mesh, (1.0, 1.0)), v) * ufl.dx
    fdim = mesh.topology.dim - 1
    bottom = md.facet_tags.find(md.facet_id("bottom"))
    bcs = [
        dolfinx.fem.dirichletbc(
            dolfinx.fem.Constant(mesh, 0.0), dolfinx.fem.locate_dofs_topological(W.sub(k), fdim, bottom), W.sub(k)
        )
        for k in (0, 1)
    ]
    if iterative:
        amg = {key: value for key, value in ELLIPTIC_NEWTON_DEFAULTS.items() if key.startswith("pc_")}
        linear = {"ksp_type": "cg", "ksp_rtol": 1e-10, **amg}  # the same AMG settings as each split
    else:
        linear = {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"}
    start = time.perf_counter()
    problem = linear_problem(a, L, bcs, unique_prefix("bare_poisson"), linear)
    problem.solve()
    seconds = time.perf_counter() - start
    return {"dofs": W.dofmap.index_map.size_global * W.dofmap.index_map_bs, "seconds": seconds}


def run(comm: MPI.Comm, footprint_um: float, degree: int, iterative: bool) -> dict[str, Any]:
    cfg = ResolvedDepositionConfig(footprint_um=footprint_um, host_thickness_um=20.0, degree=degree)
    start = time.perf_counter()
    md = gradient_material_mesh(comm, cfg.foam_params())
    build = time.perf_counter() - start
    cells = md.mesh.topology.index_map(3).size_global
    progress(comm, f"foam {footprint_um:g} um: {cells} tetrahedra in {build:.1f} s")
    options = ITERATIVE_OPTIONS if iterative else DIRECT_NEWTON_OPTIONS
    start = time.perf_counter()
    problem = ResolvedDepositionProblem(
        md, case_solids(cfg, Case("host", "bare_Ni"), md), electrolyte(cfg.electrolyte), cfg.kinetics,
        degree=degree, petsc_options=options if iterative else None,
    )  # fmt: skip
    setup = time.perf_counter() - start
    start = time.perf_counter()
    result = problem.solve_galvanostatic(-cfg.current_density_mA_cm2 * 10.0)
    solve = time.perf_counter() - start
    problem.destroy()
    bare = _bare_poisson(md, degree, iterative)
    row = {
        "ranks": comm.size,
        "footprint_um": footprint_um,
        "degree": degree,
        "solver": "gmres+fieldsplit(amg)" if iterative else "mumps",
        "tetrahedra": cells,
        "dofs": result.num_dofs,
        "active_dofs": result.active_dofs,
        "mesh_build_s": build,
        "setup_s": setup,
        "solve_s": solve,
        "newton_iterations": result.stats.newton_iterations,
        "krylov_iterations": result.stats.krylov_iterations,
        "dofs_per_s": result.num_dofs / solve,
        "bare_poisson_s": bare["seconds"],
        "ratio_to_bare": bare["seconds"] / solve,
        "bottom_up_index": result.bottom_up_index,
        "charge_conservation_error": abs(result.reaction_total_A_m2 / (-10.0) - 1.0),
    }
    progress(comm, json.dumps(row))
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m studies.benchmarks.pore_resolved", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory (results.json is appended to)")
    parser.add_argument("--footprint-um", type=float, default=20.0, help="foam footprint, a multiple of 5 um")
    parser.add_argument("--degree", type=int, default=2, choices=(1, 2), help="Lagrange degree")
    parser.add_argument("--iterative", action="store_true", help="GMRES + field split (AMG) instead of MUMPS")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    row = run(comm, args.footprint_um, args.degree, args.iterative)
    if comm.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / "results.json"
        rows = json.loads(path.read_text()) if path.exists() else []
        rows.append({**row, "environment": environment(comm)})
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(rows, indent=2))
        tmp.replace(path)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
