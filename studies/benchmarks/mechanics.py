"""Benchmark: Li creep mechanics on a 3D Li | LPSCl cell, 1 vs 2 ranks.

A structured box [0, b]^2 x [0, 2b]: LPSCl below, Li above, laterally
confined (rollers on the sides and the bottom: a cell in a die), 5 MPa stack
pressure on top.  (With free sides Li at 5 MPa flows without bound, ~300 1/s
by the Masias fit, and a quasi-static step has no equilibrium.)  After the elastic
step, ``--steps`` 10-minute backward-Euler creep steps, each adding a plating
eigenstrain of 1e-3 in the Li (about 0.2 mAh/cm2 on a 10 um layer).  P1
displacement, CG + BoomerAMG (the default of fem.mechanics) or, with
``--preconditioner gamg``, CG + GAMG with the rigid-body near-nullspace; with
``--formulation mixed``, the mixed P1-P1 displacement-pressure form
(fem.mechanics.mixed: FGMRES, fieldsplit Schur with GAMG on the displacement
block; ``--preconditioner`` does not apply) and ``--degree 2`` P2 displacement.
Reports dofs, time per creep step, Newton iterations per step,
Krylov iterations per Newton step, the peak memory of the ranks and the machine
load (1-minute load average before and after: the timings are only as quiet as
the machine)::

    containers/run python3 -m studies.benchmarks.mechanics --out results/bench
    containers/run -n 2 python3 -m studies.benchmarks.mechanics --out results/bench
    containers/run python3 -m studies.benchmarks.mechanics --out results/bench --lithium Li_Anand
    containers/run python3 -m studies.benchmarks.mechanics --out results/bench --formulation mixed
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import dolfinx
import dolfinx.mesh
import numpy as np
from mpi4py import MPI

from fem.materials import mechanical_material
from fem.mechanics import MechanicsProblem, Pressure, Roller, rigid_body_modes
from fem.mechanics.mixed import MixedMechanicsProblem
from fem.mesh_io import MeshData
from fem.validation import ParameterError, check_range
from studies._cli import int_list, run_cli
from studies._report import write_benchmark_rows
from studies._sweep import progress
from studies.benchmarks._common import (
    MECHANICS_PRECONDITIONERS,
    li_elastic_forms,
    linear_options,
    peak_rss_MB_per_rank,
    timed_linear_solve,
)

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


def peak_memory_GB(comm: MPI.Comm) -> float:
    """Sum over the ranks of their peak resident memory (GB; Linux ru_maxrss is in kB)."""
    return comm.allreduce(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, op=MPI.SUM) / 1e6


def bare_elastic_seconds(problem: MechanicsProblem) -> float:
    """One bare DOLFINx linear elastic solve on the same space (Li elastic constants everywhere, 5 MPa on
    top, the bottom clamped) with the mechanics' KSP/PC options and rigid-body near-nullspace."""
    V = problem.V
    md = problem.meshdata
    a, L = li_elastic_forms(V, md.facet_tags, FACETS["top"], 5e6)
    bottom = dolfinx.fem.locate_dofs_topological(V, 2, md.facet_tags.find(FACETS["bottom"]))
    bc = dolfinx.fem.dirichletbc(dolfinx.fem.Constant(V.mesh, np.zeros(3)), bottom, V)
    options = linear_options(problem.solver.prefix)
    if isinstance(problem, MixedMechanicsProblem):  # the displacement split's AMG, as a CG preconditioner
        options = {"ksp_type": "cg", **MECHANICS_PRECONDITIONERS["gamg"], "ksp_rtol": options["ksp_rtol"]}
    return timed_linear_solve(a, L, [bc], options, rigid_body_modes(V))


def top_displacement_um(problem: MechanicsProblem) -> float:
    """Mean vertical displacement of the loaded top face (um), a global answer to compare formulations by."""
    ds = problem.ds(FACETS["top"])
    comm = problem.meshdata.mesh.comm
    area = comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(1.0 * ds)), op=MPI.SUM)
    return comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(problem.u[2] * ds)), op=MPI.SUM) / area * 1e6


def run_size(
    comm: MPI.Comm,
    n: int,
    steps: int = 3,
    lithium: str = "Li",
    preconditioner: str = "boomeramg",
    formulation: str = "displacement",
    degree: int = 1,
) -> dict[str, Any]:
    load_before = os.getloadavg()[0]
    md = bilayer(comm, n)
    growth = dolfinx.fem.Constant(md.mesh, 0.0)
    start = time.perf_counter()
    args = (
        md,
        {"lithium": mechanical_material(lithium), "sse": mechanical_material("LPSCl")},
        [*(Roller(side) for side in ("x0", "x1", "y0", "y1", "bottom")), Pressure("top", 5e6)],
    )
    if formulation == "mixed":
        problem = MixedMechanicsProblem(*args, growth_strain={"lithium": growth})
        preconditioner = "fieldsplit-schur-gamg"
    else:
        problem = MechanicsProblem(
            *args,
            growth_strain={"lithium": growth},
            degree=degree,
            petsc_options=MECHANICS_PRECONDITIONERS[preconditioner],
        )
    setup = time.perf_counter() - start
    elastic = problem.step(0.0)
    creep = []
    for k in range(1, steps + 1):
        growth.value = 1e-3 * k
        creep.append(problem.step(600.0))
    newton = sum(s.newton_iterations for s in creep)
    seconds = sum(s.seconds for s in creep) / steps
    row = {
        "num_dofs": problem.num_dofs,
        "ranks": comm.size,
        "lithium": lithium,
        "preconditioner": preconditioner,
        "formulation": formulation if formulation == "mixed" else f"displacement P{degree}",
        "mean_li_stress_zz_MPa": problem.volume_average(problem.stress("lithium")[2, 2], "lithium") / 1e6,
        "mean_li_von_mises_MPa": problem.volume_average(problem.von_mises_stress("lithium"), "lithium") / 1e6,
        "top_displacement_um": top_displacement_um(problem),
        "setup_seconds": setup,
        "elastic_step_seconds": elastic.seconds,
        "elastic_krylov": elastic.krylov_iterations,
        "creep_steps": steps,
        "creep_step_seconds": seconds,
        "creep_step_seconds_each": [s.seconds for s in creep],
        "creep_newton_iterations": newton / steps,
        "creep_newton_iterations_each": [s.newton_iterations for s in creep],
        "krylov_per_newton": sum(s.krylov_iterations for s in creep) / max(newton, 1),
        "dofs_per_second": problem.num_dofs / seconds,
        "peak_memory_GB": peak_memory_GB(comm),
        "peak_rss_MB_per_rank": peak_rss_MB_per_rank(comm),
        "bare_elastic_s": bare_elastic_seconds(problem),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg()[0],
    }
    problem.destroy()
    return row


COLUMNS = (
    ("num_dofs", "dofs"),
    ("setup_seconds", "set-up (s)"),
    ("elastic_step_seconds", "elastic step (s)"),
    ("creep_step_seconds", "10-min creep step, mean (s)"),
    ("creep_newton_iterations", "Newton per step"),
    ("krylov_per_newton", "Krylov per Newton"),
    ("top_displacement_um", "top displacement (um)"),
    ("mean_li_von_mises_MPa", "mean Li von Mises (MPa)"),
    ("dofs_per_second", "dofs/s"),
    ("bare_elastic_s", "bare linear elastic solve (s)"),
    ("peak_memory_GB", "peak memory, all ranks (GB)"),
    ("load_average_before", "load before"),
    ("load_average_after", "load after"),
    ("speedup_vs_1_rank", "speed-up vs 1 rank"),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.benchmarks.mechanics", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="directory for mechanics[_<lithium>]_np<N>.json/.md")
    parser.add_argument(
        "--cells",
        type=int_list,
        default=[25, 55],
        help="boxes per side n (n x n x 2n boxes; dofs 3 (n+1)^2 (2n+1): 25 -> 1.03e5, 55 -> 1.04e6)",
    )
    parser.add_argument("--steps", type=int, default=3, help="10-minute creep steps per size (>= 1)")
    parser.add_argument("--lithium", default="Li", help="Li parameter set: Li (Norton) or Li_Anand (Anand)")
    parser.add_argument(
        "--preconditioner", choices=sorted(MECHANICS_PRECONDITIONERS), default="boomeramg", help="mechanics AMG"
    )
    parser.add_argument(
        "--formulation", choices=("displacement", "mixed"), default="displacement", help="mechanics formulation"
    )
    parser.add_argument("--degree", type=int, choices=(1, 2), default=1, help="displacement degree (displacement only)")
    args = parser.parse_args(argv)
    if args.formulation == "mixed" and args.degree != 1:
        raise ParameterError(f"--degree {args.degree}: the mixed formulation is P1-P1 (degree 1)")
    check_range("steps", args.steps, 1, 100, low_inclusive=True, high_inclusive=True)
    for n in args.cells:
        check_range("cells", n, 1, 400, low_inclusive=True, high_inclusive=True)
    mechanical_material(args.lithium)  # refuse an unknown set before any work
    comm = MPI.COMM_WORLD
    rows = []
    for n in args.cells:
        rows.append(run_size(comm, n, args.steps, args.lithium, args.preconditioner, args.formulation, args.degree))
        row = rows[-1]
        progress(
            comm,
            f"{row['num_dofs']} dofs: creep step {row['creep_step_seconds']:.2f} s, "
            f"{row['creep_newton_iterations']:.3g} Newton, {row['krylov_per_newton']:.3g} Krylov per Newton",
        )
    stem = "mechanics" if args.lithium == "Li" else f"mechanics_{args.lithium}"
    if args.formulation == "mixed" or args.degree != 1:
        stem += "_mixed" if args.formulation == "mixed" else f"_P{args.degree}"
    title = f"Li creep mechanics ({args.lithium})"
    write_benchmark_rows(args.out, stem, "mechanics", rows, COLUMNS, title, "creep_step_seconds", comm)
    return 0


if __name__ == "__main__":
    sys.exit(run_cli(main))
