"""PETSc solver plumbing: deterministic option prefixes and a SNES Newton driver.

Options are plain dicts merged ``defaults | overrides`` and set under a unique,
deterministic prefix per problem (``current_0_``, ``current_1_``, ...), so that
several problems coexist and a user can tune one from the command line.
``*_error_if_not_converged`` is on: a failed solve raises instead of returning
a wrong answer.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl
from petsc4py import PETSc

from fem._compat import create_vector, set_bc

__all__ = [
    "unique_prefix",
    "apply_options",
    "ELLIPTIC_NEWTON_DEFAULTS",
    "NewtonStats",
    "NewtonSolver",
]

_counters: defaultdict[str, itertools.count] = defaultdict(itertools.count)


def unique_prefix(name: str) -> str:
    """Return ``f"{name}_{k}_"`` with k counting problems of that name in this process.

    Every rank creates problems in the same order, so prefixes agree across ranks.
    """
    return f"{name}_{next(_counters[name])}_"


def apply_options(prefix: str, options: dict[str, Any]) -> None:
    """Write ``options`` into the global PETSc options database under ``prefix``."""
    db = PETSc.Options()
    for key, value in options.items():
        db[f"{prefix}{key}"] = "" if value is None else value


#: Newton with line search for nondimensionalised residuals; CG + BoomerAMG inner solves, preconditioner built
#: once (lag -2 means "build at the next Jacobian", after which SNES sets the
#: lag to -1, so the hierarchy is kept for the later Newton steps *and* the later
#: solves of the same solver: one PCSetUp in a whole galvanostatic iteration;
#: the Jacobian of a Poisson problem with kinetics on part of the boundary
#: differs from the first one only in the boundary term), and Eisenstat-Walker
#: inexact Newton (first linear tolerance 1e-2) so early steps are not
#: over-solved.  Measured against a bare DOLFINx CG + BoomerAMG Poisson solve
#: timed to the same energy-norm error (studies/benchmarks/current_solver.py):
#: 22-25 CG in 3 Newton steps against the bare solve's 20-23 at 1e5-1e6 dofs;
#: no tested EW variant (version 3, rtol0 0.05/0.1, alpha 2) needed fewer.
ELLIPTIC_NEWTON_DEFAULTS: dict[str, Any] = {
    "snes_type": "newtonls",
    "snes_linesearch_type": "bt",
    "snes_rtol": 1e-10,
    # for residuals scaled to O(1) by the problem (see fem.electrochemistry.current); roundoff floor ~1e-14
    "snes_atol": 1e-11,
    "snes_stol": 1e-14,
    "snes_max_it": 50,
    "snes_error_if_not_converged": True,
    "snes_lag_preconditioner": -2,
    "snes_ksp_ew": True,
    "snes_ksp_ew_rtol0": 0.01,
    "snes_lag_preconditioner_persists": False,
    "ksp_type": "cg",
    # True-residual convergence: with the preconditioned norm CG declared
    # convergence after 1-2 iterations on 2 ranks for some meshes (pillar
    # hosts), leaving a bad Newton direction and a failed line search.
    "ksp_norm_type": "unpreconditioned",
    "ksp_rtol": 1e-10,
    "ksp_atol": 1e-14,
    "ksp_max_it": 1000,
    "ksp_error_if_not_converged": True,
    "pc_type": "hypre",
    "pc_hypre_type": "boomeramg",
    "pc_hypre_boomeramg_strong_threshold": 0.7,
    "pc_hypre_boomeramg_coarsen_type": "HMIS",
    "pc_hypre_boomeramg_interp_type": "ext+i",
    "pc_hypre_boomeramg_P_max": 4,
    "pc_hypre_boomeramg_agg_nl": 1,
}


@dataclass
class NewtonStats:
    """What one nonlinear solve cost: iterations and seconds."""

    newton_iterations: int = 0
    krylov_iterations: int = 0
    assembly_seconds: float = 0.0
    solve_seconds: float = 0.0
    converged_reason: int = 0


class NewtonSolver:
    """Solve F(u; v) = 0 for ``u`` with PETSc SNES (Newton + line search).

    With ``linear_operator`` a(w, v) given, F(u; v) = a(u, v) + N(u; v) and
    ``residual`` is the nonlinear part N only: the bulk operator is assembled
    once, the residual is a matrix-vector product plus N, and each Jacobian a
    copy of a plus dN/du.  For a Poisson problem with kinetics on part of the
    boundary, N lives on boundary facets and every Newton step costs little
    more than the Krylov solve.  Iterates must satisfy the Dirichlet
    conditions (set them on ``u`` before solving); the residual is zero on
    constrained rows.

    ``on_iterate(u)``, if set, runs at every residual evaluation (line-search
    trial points included) after ``u`` holds the iterate and before assembly:
    a problem with state at quadrature points (fem.mechanics: creep return
    mapping and its consistent tangent) refreshes that state there.  SNES
    assembles each Jacobian at the iterate of the last residual evaluation.

    Args:
        residual: UFL residual form F(u; v), or N(u; v) with ``linear_operator``.
        u: the unknown dolfinx Function (its values are the initial guess).
        bcs: Dirichlet conditions on u.
        prefix: PETSc options prefix (see :func:`unique_prefix`).
        options: overrides merged into :data:`ELLIPTIC_NEWTON_DEFAULTS`.
        jacobian: UFL Jacobian form; by default the Gateaux derivative of F (or N).
        linear_operator: bilinear form a(w, v) of the linear part, or None.
    """

    def __init__(
        self,
        residual: ufl.Form,
        u: dolfinx.fem.Function,
        bcs: list[Any],
        prefix: str,
        options: dict[str, Any] | None = None,
        jacobian: ufl.Form | None = None,
        linear_operator: ufl.Form | None = None,
    ) -> None:
        self.u = u
        self.bcs = bcs
        self.prefix = prefix
        self._F = dolfinx.fem.form(residual)
        self._J = dolfinx.fem.form(jacobian if jacobian is not None else ufl.derivative(residual, u))
        self._b = create_vector(self._F)
        self._x = u.x.petsc_vec.duplicate()
        self._K_full = self._K_bc = None
        self.setup_assembly_seconds = 0.0
        if linear_operator is None:
            self._A = dolfinx.fem.petsc.create_matrix(self._J)
        else:
            start = time.perf_counter()
            a = dolfinx.fem.form(linear_operator)
            self._K_full = dolfinx.fem.petsc.assemble_matrix(a)
            self._K_full.assemble()
            self._K_bc = self._K_full.duplicate(copy=True)
            constrained = [bc.dof_indices()[0][: bc.dof_indices()[1]] for bc in bcs]
            rows = np.concatenate(constrained) if constrained else np.zeros(0, dtype=np.int32)
            self._K_bc.zeroRowsColumnsLocal(rows.astype(PETSc.IntType), diag=1.0)
            self._A = self._K_bc.duplicate(copy=True)
            self.setup_assembly_seconds = time.perf_counter() - start
        self.stats = NewtonStats()
        self._snes = PETSc.SNES().create(u.function_space.mesh.comm)
        self._snes.setOptionsPrefix(prefix)
        apply_options(prefix, {**ELLIPTIC_NEWTON_DEFAULTS, **(options or {})})
        self._snes.setFunction(self._assemble_residual, self._b)
        self._snes.setJacobian(self._assemble_jacobian, self._A, self._A)
        self._snes.setFromOptions()
        self._snes.getKSP().setFromOptions()
        #: Diagonal entry of the Jacobian's Dirichlet rows; the residual there is bc_diagonal * (u - g).
        #: 1 by default; a problem whose scaled operator has diagonal entries far from 1 sets a typical
        #: value, so that an aggregation AMG (which mixes constrained and free dofs in one aggregate)
        #: and the Krylov residual norm see the constrained rows on the scale of the others.
        self.bc_diagonal = 1.0
        self.on_matrix: Callable[[PETSc.Mat], None] | None = None
        self.on_iterate: Callable[[dolfinx.fem.Function], None] | None = None

    @property
    def snes(self) -> PETSc.SNES:
        return self._snes

    def _assemble_residual(self, snes: PETSc.SNES, x: PETSc.Vec, b: PETSc.Vec) -> None:
        start = time.perf_counter()
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        x.copy(self.u.x.petsc_vec)
        self.u.x.scatter_forward()
        if self.on_iterate is not None:
            self.on_iterate(self.u)
        with b.localForm() as b_local:
            b_local.set(0.0)
        dolfinx.fem.petsc.assemble_vector(b, self._F)
        if self._K_full is None:
            dolfinx.fem.petsc.apply_lifting(b, [self._J], bcs=[self.bcs], x0=[x], alpha=-1.0)
        b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        if self._K_full is not None:
            self._K_full.multAdd(x, b, b)
        set_bc(b, self.bcs, x0=x, scale=-self.bc_diagonal)
        self.stats.assembly_seconds += time.perf_counter() - start

    def _assemble_jacobian(self, snes: PETSc.SNES, x: PETSc.Vec, A: PETSc.Mat, P: PETSc.Mat) -> None:
        start = time.perf_counter()
        x.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        x.copy(self.u.x.petsc_vec)  # the Jacobian at x, whatever SNES evaluated last
        self.u.x.scatter_forward()
        if self._K_bc is None:
            A.zeroEntries()
        else:  # A = a (constrained) + dN/du; the facet couplings are a subset of a's pattern
            self._K_bc.copy(A, structure=PETSc.Mat.Structure.SAME_NONZERO_PATTERN)
        dolfinx.fem.petsc.assemble_matrix(A, self._J, self.bcs, self.bc_diagonal)  # keyword differs 0.9/0.11
        A.assemble()
        if self.on_matrix is not None:
            self.on_matrix(A)
        self.stats.assembly_seconds += time.perf_counter() - start

    def solve(self) -> NewtonStats:
        """Run SNES from the current ``u``; return this solve's statistics.

        Raises PETSc.Error (from ``*_error_if_not_converged``) when it fails.
        """
        before = NewtonStats(**vars(self.stats))
        self.u.x.petsc_vec.copy(self._x)
        start = time.perf_counter()
        try:
            self._snes.solve(None, self._x)
        except PETSc.Error:
            # an error raised inside SNES can leave the solution vector read-locked;
            # a fresh vector lets the caller retry (e.g. with a smaller time step)
            self._x.destroy()
            self._x = self.u.x.petsc_vec.duplicate()
            raise
        elapsed = time.perf_counter() - start
        self._x.copy(self.u.x.petsc_vec)
        self.u.x.scatter_forward()
        stats = NewtonStats(
            newton_iterations=self._snes.getIterationNumber(),
            krylov_iterations=self._snes.getLinearSolveIterations(),
            assembly_seconds=self.stats.assembly_seconds - before.assembly_seconds,
            converged_reason=self._snes.getConvergedReason(),
        )
        stats.solve_seconds = elapsed - stats.assembly_seconds
        return stats

    def destroy(self) -> None:
        """Free the PETSc objects."""
        for obj in (self._snes, self._A, self._b, self._x, self._K_full, self._K_bc):
            if obj is not None:
                obj.destroy()
