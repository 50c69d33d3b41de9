"""Linear algebra of the mechanics solve: rigid-body near-nullspace, default SNES/KSP options, option pruning."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dolfinx
import dolfinx.fem.petsc
import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

__all__ = [
    "rigid_body_modes",
    "GAMG_ELASTICITY",
    "MECHANICS_NEWTON_DEFAULTS",
    "solver_options",
]


# -- linear algebra ---------------------------------------------------------------
def rigid_body_modes(V: dolfinx.fem.FunctionSpace) -> PETSc.NullSpace:
    """The six rigid-body modes of a 3D vector space, orthonormalised, as a PETSc near-nullspace."""
    comm = V.mesh.comm
    n_local = V.dofmap.index_map.size_local
    bs = V.dofmap.index_map_bs
    x = V.tabulate_dof_coordinates()[:n_local]
    count = comm.allreduce(n_local, op=MPI.SUM)
    centre = comm.allreduce(x.sum(axis=0), op=MPI.SUM) / count
    xc = x - centre
    scale = comm.allreduce(float(np.max(np.abs(xc))) if n_local else 0.0, op=MPI.MAX) or 1.0
    xc /= scale
    modes = np.zeros((6, n_local, bs))
    for i in range(3):
        modes[i, :, i] = 1.0
    modes[3, :, 0], modes[3, :, 1] = -xc[:, 1], xc[:, 0]
    modes[4, :, 0], modes[4, :, 2] = xc[:, 2], -xc[:, 0]
    modes[5, :, 1], modes[5, :, 2] = -xc[:, 2], xc[:, 1]
    vectors = []
    for mode in modes:
        vec = PETSc.Vec().createMPI((n_local * bs, PETSc.DECIDE), bsize=bs, comm=comm)
        vec.setArray(mode.ravel())
        for other in vectors:  # modified Gram-Schmidt
            vec.axpy(-vec.dot(other), other)
        vec.normalize()
        vectors.append(vec)
    return PETSc.NullSpace().create(vectors=vectors, comm=comm)


#: Smoothed-aggregation AMG (PETSc GAMG) for the displacement block, set up
#: as for elasticity: the matrix carries block size 3 (dolfinx's blocked
#: vector space) and the six rigid-body modes as near-nullspace (set by
#: fem.mechanics.MechanicsProblem), one prolongator smoothing step, a drop
#: threshold of 0.05 on the strength graph and Chebyshev(3)/SOR smoothing.
#: Measured on creeping, nearly incompressible Li (studies/benchmarks/mechanics.py,
#: P1, CG to rtol 1e-10): 33 CG iterations per Newton step at 1.3e4 dofs against
#: 49 for BoomerAMG with the same block size (at this default's rtol 1e-11: 37 / 43 / 49
#: at 1.3e4 / 2.9e4 / 1.0e5 dofs against BoomerAMG's 49 / 52 / 58, creep steps 1.9x /
#: 1.35x / 1.0x faster in the same runs); BoomerAMG with nodal coarsening
#: (nodal_coarsen 6, vec_interp_variant 2, i.e. the rigid-body modes as
#: interpolation vectors) needed 155 and was 8x slower.  The threshold and
#: smoother were chosen from 0.01-0.05 and Jacobi/SOR, 2-4 sweeps by that benchmark.
#: Caveat, measured last on a quiet machine: on P2 creep without contact (9.2e4 dofs) GAMG
#: needed 76 CG per Newton against BoomerAMG's 69 and was 1.6x slower (72 vs 46 s per creep
#: step); with penalty contact (studies.benchmarks.stripping, 7.8k P2 dofs) 1.6x faster.
#: An option, not the default (see MECHANICS_NEWTON_DEFAULTS): pass {**GAMG_ELASTICITY, "ksp_rtol": 1e-11}.
GAMG_ELASTICITY: dict[str, Any] = {
    "pc_type": "gamg",
    "pc_gamg_type": "agg",
    "pc_gamg_agg_nsmooths": 1,
    "pc_gamg_threshold": 0.05,
    "pc_gamg_coarse_eq_limit": 1000,
    "mg_levels_ksp_type": "chebyshev",
    "mg_levels_pc_type": "sor",
    "mg_levels_ksp_max_it": 3,
}

#: Newton with line search and the consistent tangent; CG + BoomerAMG (strong
#: threshold 0.5, HMIS coarsening, ext+i interpolation) with the preconditioner
#: rebuilt at every Newton step (the creep tangent changes by orders of magnitude
#: within a step) and exact-enough inner solves (no Eisenstat-Walker) so that the
#: outer convergence is quadratic.  The residual is scaled by 1 / (E_max L^2), L
#: the cube root of the volume: the tolerances are on a dimensionless, strain-like
#: residual.  BoomerAMG stays the default although GAMG (:data:`GAMG_ELASTICITY`,
#: pass it as petsc_options) needs fewer CG iterations on P1 and was 1.6x faster on
#: the coupled stripping step with contact: on P2 creep without contact (the stack-
#: pressure studies) GAMG was 1.6x slower (measured above), and the studies' answers
#: have not been re-verified with it.
MECHANICS_NEWTON_DEFAULTS: dict[str, Any] = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "bt",
    "snes_rtol": 1e-10,
    "snes_atol": 1e-15,
    "snes_stol": 1e-14,
    "snes_max_it": 25,
    "snes_error_if_not_converged": True,
    "snes_lag_preconditioner": 1,
    "snes_ksp_ew": False,
    "ksp_type": "cg",
    "ksp_rtol": 1e-10,  # with GAMG use 1e-11: at 1e-10 its elastic step misses 1e-10 stress checks (3e-11..8e-11)
    "ksp_atol": 1e-30,
    "ksp_max_it": 1000,
    "ksp_error_if_not_converged": True,
    "pc_type": "hypre",
    "pc_hypre_type": "boomeramg",
    "pc_hypre_boomeramg_strong_threshold": 0.5,
    "pc_hypre_boomeramg_coarsen_type": "HMIS",
    "pc_hypre_boomeramg_interp_type": "ext+i",
    "pc_hypre_boomeramg_P_max": 4,
    "pc_hypre_boomeramg_agg_nl": 0,
}

#: Options that a direct solve (ksp_type preonly) never reads.
_KRYLOV_ONLY = ("ksp_rtol", "ksp_atol", "ksp_divtol", "ksp_max_it", "ksp_norm_type")
_FACTOR_PCS = ("lu", "cholesky", "ilu", "icc")


def solver_options(options: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Split PETSc options into those the chosen KSP/PC read and those it never reads.

    A MUMPS override (ksp_type preonly, pc_type lu) of the CG + BoomerAMG defaults
    leaves the Krylov tolerances and the ``pc_gamg_*``/``mg_levels_*`` options
    unused (a GAMG override, the ``pc_hypre_*`` ones; BoomerAMG, the ``pc_gamg_*`` ones);
    PETSc would list them as "Option left" at exit.  Returns (kept, dropped keys).
    """
    pc_type = options.get("pc_type")
    dropped = [
        key
        for key in options
        if (options.get("ksp_type") == "preonly" and key in _KRYLOV_ONLY)
        or (key.startswith("pc_hypre_") and pc_type != "hypre")
        or (key.startswith(("pc_gamg_", "mg_levels_")) and pc_type != "gamg")
        or (key.startswith("pc_factor_") and pc_type not in _FACTOR_PCS)
    ]
    return {key: value for key, value in options.items() if key not in dropped}, dropped
