"""Galvanostatic Newton solves of a (phi_s, phi_e) potential pair with Butler-Volmer kinetics.

Shared by the homogenised porous electrode (fem.electrochemistry.porous_electrode) and the
pore-resolved host (fem.electrochemistry.pore_resolved):

* :class:`OverpotentialLimiter`: a SNES line-search pre-check that scales the
  Newton step so that no overpotential eta = phi_s - phi_e changes by more
  than ``MAX_OVERPOTENTIAL_STEP_V`` (voltage limiting).  Far in the Tafel
  range the linearised step overshoots eta by volts, where the exponential is
  astronomically large; limiting keeps the iterates where Newton converges.
* :func:`ramp_current`: solve at the target current from the last solution;
  if that fails, restart from zero and ramp the current, halving a failed
  increment and doubling a converged one.
"""

from __future__ import annotations

import dolfinx
import numpy as np
from mpi4py import MPI
from petsc4py import PETSc

from fem.solvers import NewtonSolver, NewtonStats

__all__ = [
    "MAX_OVERPOTENTIAL_STEP_V",
    "MAX_RAMP_FAILURES",
    "OverpotentialLimiter",
    "accumulate_stats",
    "forget_options",
    "ramp_current",
    "split_potentials",
]

#: Largest change of the overpotential (V) in one Newton step.
MAX_OVERPOTENTIAL_STEP_V = 0.1
#: Failed Newton solves allowed while ramping the current before giving up.
MAX_RAMP_FAILURES = 12


class OverpotentialLimiter:
    """Line-search pre-check: scale the step so that max |d(phi_s - phi_e)| <= ``max_step_V``.

    Args:
        solid_dofs, ionic_dofs: local indices (owned and ghost) of the phi_s and
            phi_e dofs at the same nodes, pairwise.
        comm: the problem's communicator (the scale is global).
    """

    def __init__(
        self,
        solid_dofs: np.ndarray,
        ionic_dofs: np.ndarray,
        comm: MPI.Comm,
        max_step_V: float = MAX_OVERPOTENTIAL_STEP_V,
    ) -> None:
        self.solid_dofs, self.ionic_dofs = solid_dofs, ionic_dofs
        self.comm, self.max_step_V = comm, max_step_V

    def __call__(self, x: PETSc.Vec, y: PETSc.Vec) -> None:
        y.ghostUpdate(addv=PETSc.InsertMode.INSERT, mode=PETSc.ScatterMode.FORWARD)
        with y.localForm() as local:
            values = local.array_r
            change = float(np.max(np.abs(values[self.solid_dofs] - values[self.ionic_dofs]), initial=0.0))
        change = self.comm.allreduce(change, op=MPI.MAX)
        if change > self.max_step_V:
            y.scale(self.max_step_V / change)

    def attach(self, solver: NewtonSolver) -> None:
        """Install as ``solver``'s line-search pre-check."""
        solver.snes.setLineSearchPreCheck(self)


def forget_options(prefix: str, keep: str | None = None) -> None:
    """Drop ``prefix``'s entries from the PETSc options database once a solver has read them.

    The shared elliptic defaults (AMG, Krylov tolerances) do not apply to an LU
    solve and would otherwise be reported as unused at exit.  Entries starting
    with ``prefix + keep`` stay (e.g. "fieldsplit_": the split solvers read
    theirs at the first solve)."""
    db = PETSc.Options()
    for key in list(db.getAll()):
        if key.startswith(prefix) and not (keep and key.startswith(prefix + keep)):
            db.delValue(key)


def accumulate_stats(total: NewtonStats, step: NewtonStats) -> None:
    """Add ``step``'s iterations and seconds to ``total`` in place."""
    for key in ("newton_iterations", "krylov_iterations", "assembly_seconds", "solve_seconds"):
        setattr(total, key, getattr(total, key) + getattr(step, key))


def ramp_current(
    solver: NewtonSolver, unknown: dolfinx.fem.Function, current: dolfinx.fem.Constant, target: float
) -> tuple[NewtonStats, int]:
    """Solve at ``current = target`` (A/m2), ramping from zero if the direct solve fails.

    Newton starts from the last solution in ``unknown``.  On failure the solve
    restarts from the zero solution with a quarter of the target, halving a
    failed increment and doubling a converged one.

    Returns:
        (accumulated statistics, number of converged ramp steps).

    Raises:
        PETSc.Error: when an increment below 1e-4 of the target still fails, or
            after MAX_RAMP_FAILURES failures.
    """
    stats = NewtonStats()
    saved = unknown.x.array.copy()
    done, increment, steps, failures = 0.0, 1.0, 0, 0
    while done < 1.0:
        trial = min(1.0, done + increment)
        current.value = target * trial
        try:
            accumulate_stats(stats, solver.solve())
        except PETSc.Error:
            failures += 1
            if increment < 1e-4 or failures > MAX_RAMP_FAILURES:
                raise
            if steps == 0 and done == 0.0 and np.any(saved != 0.0):
                saved[:] = 0.0  # the warm start failed: ramp from the zero solution
            unknown.x.array[:] = saved
            increment *= 0.25 if steps == 0 and increment == 1.0 else 0.5
            continue
        saved[:] = unknown.x.array
        done, steps = trial, steps + 1
        increment *= 2.0
    return stats, steps


def split_potentials(unknown: dolfinx.fem.Function) -> tuple[dolfinx.fem.Function, dolfinx.fem.Function]:
    """Collapsed copies (phi_s, phi_e) of a two-field (solid, electrolyte) potential, named for output."""
    phi_s = unknown.sub(0).collapse()
    phi_e = unknown.sub(1).collapse()
    phi_s.name, phi_e.name = "solid_potential_V", "electrolyte_potential_V"
    return phi_s, phi_e
