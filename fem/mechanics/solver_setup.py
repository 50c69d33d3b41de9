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


#: Newton with line search and the consistent tangent; CG + BoomerAMG (systems
#: AMG, nodal coarsening, rigid-body modes as interpolation vectors) with the
#: preconditioner rebuilt at every Newton step (the creep tangent changes by
#: orders of magnitude within a step) and exact-enough inner solves (no
#: Eisenstat-Walker) so that the outer convergence is quadratic.  The residual
#: is scaled by 1 / (E_max L^2), L the cube root of the volume: the tolerances
#: are on a dimensionless, strain-like residual.
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
    "ksp_rtol": 1e-10,
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

    A MUMPS override (ksp_type preonly, pc_type lu) of the CG + BoomerAMG
    defaults leaves the Krylov tolerances and the ``pc_hypre_*`` options unused;
    PETSc would list them as "Option left" at exit.  Returns (kept, dropped keys).
    """
    pc_type = options.get("pc_type")
    dropped = [
        key
        for key in options
        if (options.get("ksp_type") == "preonly" and key in _KRYLOV_ONLY)
        or (key.startswith("pc_hypre_") and pc_type != "hypre")
        or (key.startswith("pc_factor_") and pc_type not in _FACTOR_PCS)
    ]
    return {key: value for key, value in options.items() if key not in dropped}, dropped
