"""Cost of the coupled stripping model (fem.coupling.stripping) against mesh size, on 1 or N ranks.

A planar Li | LPSCl cell with one central void (0.3 um deep) under 1 MPa at
10 mA/cm2: a fixed number of coupled steps per mesh; prints and writes the
wall time per coupled step, the creep Newton iterations per step and the
current/mechanics dof counts.  The reference is a bare DOLFINx step of the same
size: one linear elastic solve on the same Li displacement space with the same
linear solver (stack pressure on the collector, the interface clamped) plus one
linear Poisson solve on the same electrolyte space (CG + BoomerAMG); the ratio
bare / coupled says what the coupling (galvanostatic Butler-Volmer Newton,
semismooth creep-contact Newton, transfers) costs over two plain solves.  ``--contact`` and
``--solvers`` put contact methods (penalty, bounds) and linear solvers side by side::

    containers/run python -m studies.benchmarks.stripping --out .scratch/bench-strip
    containers/run python -m studies.benchmarks.stripping --out .scratch/bench-strip --cells 4,6,8 \
        --contact penalty,bounds --solvers default,mumps,gamg-ew
    containers/run -n 2 python -m studies.benchmarks.stripping --out .scratch/bench-strip
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI

from fem.coupling.stripping import INEXACT_GAMG_NEWTON, StrippingCell, StrippingSettings, capacity_C_m2
from fem.materials import electrolyte, interface_kinetics, mechanical_material
from fem.mechanics import rigid_body_modes
from fem.mechanics.contact import RigidContact
from fem.solvers import ELLIPTIC_NEWTON_DEFAULTS
from geometries.structured import electrolyte_slab, lithium_slab
from studies._cli import int_list, string_list
from studies.benchmarks._common import (
    MECHANICS_PRECONDITIONERS,
    li_elastic_forms,
    linear_options,
    load_average,
    peak_rss_MB_per_rank,
    timed_linear_solve,
)

FOOTPRINT = 20e-6


def _void(x: np.ndarray) -> np.ndarray:
    return np.where(np.hypot(x[:, 0] - FOOTPRINT / 2, x[:, 1] - FOOTPRINT / 2) < 6e-6, 0.3e-6, 0.0)


def _dirichlet(V: dolfinx.fem.FunctionSpace, meshdata: object, facets: str, value: object) -> object:
    fdim = V.mesh.topology.dim - 1
    dofs = dolfinx.fem.locate_dofs_topological(V, fdim, meshdata.facet_tags.find(meshdata.facet_id(facets)))
    return dolfinx.fem.dirichletbc(value, dofs, V)


def bare_step_seconds(cell: StrippingCell) -> dict[str, float]:
    """One linear elastic solve on the Li displacement space and one Poisson solve on the electrolyte space."""
    V = cell.mechanics.V
    li = cell.mechanics.meshdata
    a, L = li_elastic_forms(V, li.facet_tags, li.facet_id("bottom"), 1e6)
    zero = dolfinx.fem.Constant(V.mesh, np.zeros(3))
    mechanics_options = linear_options(cell.mechanics.solver.prefix)
    elastic_s = timed_linear_solve(a, L, [_dirichlet(V, li, "li_sse", zero)], mechanics_options, rigid_body_modes(V))
    W = cell.current.V
    sse = cell.current.meshdata
    phi, w = ufl.TrialFunction(W), ufl.TestFunction(W)
    poisson = ufl.inner(ufl.grad(phi), ufl.grad(w)) * ufl.dx
    source = dolfinx.fem.Constant(W.mesh, 0.0) * w * ufl.dx
    bcs = [
        _dirichlet(W, sse, name, dolfinx.fem.Constant(W.mesh, value))
        for name, value in (("li_sse", 0.05), ("top", 0.0))
    ]
    keys = [k for k in ELLIPTIC_NEWTON_DEFAULTS if k.startswith(("ksp_", "pc_"))]
    poisson_s = timed_linear_solve(poisson, source, bcs, {k: ELLIPTIC_NEWTON_DEFAULTS[k] for k in keys})
    return {"bare_elastic_s": elastic_s, "bare_poisson_s": poisson_s}


#: Contact methods compared (fem.mechanics.contact.CONTACT_METHODS without "auto").
CONTACT_METHODS = ("penalty", "bounds")
#: Linear solvers of the creep-contact Newton compared (mechanics PETSc overrides): "default" (MUMPS below
#: fem.coupling.stripping.DIRECT_SOLVER_MAX_DOFS, CG + BoomerAMG above), "mumps" (always direct), "gamg"
#: (CG + GAMG with the rigid-body modes) and "gamg-ew" (the same with Eisenstat-Walker inexact Newton).
SOLVERS: dict[str, dict[str, object]] = {
    "default": {},
    "mumps": {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"},
    "gamg": MECHANICS_PRECONDITIONERS["gamg"],
    "gamg-ew": INEXACT_GAMG_NEWTON,
}


def measure(
    comm: MPI.Comm, cells_xy: int, steps: int, contact: str = "penalty", solver: str = "default"
) -> dict[str, float]:
    """Set-up time and per-step cost of ``steps`` coupled steps on a cells_xy^2 x cells_xy/2 mesh, with the
    contact method ``contact`` and the linear solver ``solver`` (:data:`SOLVERS`)."""
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
        contact=RigidContact(gap_tolerance_m=0.5 * settings.max_depth_increment_m, method=contact),
        initial_recession_m=_void,
        mechanics_options=dict(SOLVERS[solver]),
    )
    setup = time.perf_counter() - start
    krylov = []
    mechanics_step = cell.mechanics.step

    def counted_step(*args: object, **kwargs: object) -> object:  # the Krylov iterations of each creep solve
        record = mechanics_step(*args, **kwargs)
        krylov.append(record.krylov_iterations)
        return record

    cell.mechanics.step = counted_step
    history = cell.run(max_steps=steps)
    seconds = [s.seconds for s in history.steps]
    newton = [s.mechanics_newton_iterations for s in history.steps]
    bare = bare_step_seconds(cell)
    bare_total = bare["bare_elastic_s"] + bare["bare_poisson_s"]
    gaps = [s.max_void_gap_m for s in history.steps]
    return {
        "ranks": comm.size,
        "contact": contact,
        "solver": solver,
        "cells_xy": cells_xy,
        "mechanics_dofs": cell.mechanics.num_dofs,
        "current_dofs": cell.current.V.dofmap.index_map.size_global,
        "setup_s": setup,
        "steps": len(seconds),
        "seconds_per_step": float(np.mean(seconds)),
        "mechanics_newton_per_step": float(np.mean(newton)),
        "mechanics_krylov_per_step": sum(krylov) / len(seconds),
        "mechanics_dofs_per_second": cell.mechanics.num_dofs / float(np.mean(seconds)),
        "halvings": sum(s.halvings for s in history.steps),
        "contact_fraction_last": history.steps[-1].contact_fraction,
        "max_void_gap_um_last": gaps[-1] * 1e6,
        "mean_contact_pressure_MPa_last": history.steps[-1].mean_contact_pressure_Pa / 1e6,
        **bare,
        "bare_step_s": bare_total,
        "ratio_bare_to_coupled_step": bare_total / float(np.mean(seconds)),
        "peak_rss_MB_per_rank": peak_rss_MB_per_rank(comm),
        "load_average_after": load_average(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for stripping-benchmark-<ranks>.json")
    parser.add_argument("--cells", type=int_list, default=[4, 8, 12], help="boxes per side, comma-separated")
    parser.add_argument("--steps", type=int, default=4, help="coupled steps per mesh")
    parser.add_argument("--contact", type=string_list, default=["penalty"], help="contact methods: penalty,bounds")
    parser.add_argument("--solvers", type=string_list, default=["default"], help="of " + ",".join(SOLVERS))
    args = parser.parse_args(argv)
    bad = sorted(set(args.contact) - set(CONTACT_METHODS)) + sorted(set(args.solvers) - set(SOLVERS))
    if bad:
        parser.error(f"unknown contact method or solver {bad}: contact {CONTACT_METHODS}, solvers {tuple(SOLVERS)}")
    comm = MPI.COMM_WORLD
    rows = []
    for cells, contact, solver in itertools.product(args.cells, args.contact, args.solvers):
        row = measure(comm, cells, args.steps, contact, solver)
        rows.append(row)
        if comm.rank == 0:
            print(json.dumps(row), flush=True)
    if comm.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / f"stripping-benchmark-{comm.size}.json").write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
