"""Solid mechanics: small-strain Li creep under stack pressure, elastic electrolytes and hosts (SI units).

* problem: MechanicsProblem (quasi-static, backward Euler, SNES Newton with the
  consistent tangent), its steps, state and failures.
* mixed: MixedMechanicsProblem, the locking-free P1-P1 displacement-pressure form
  (stabilised, fieldsplit Schur preconditioner) for nearly incompressible creep.
* boundary: Pressure, Roller, Displacement as data on named facet regions.
* constitutive: the Norton radial return and the UFL stress and tangent forms.
* anand: Anand viscoplasticity's local update (the material itself is in fem.materials).
* contact: unilateral contact of Li against a rigid or receding interface.
* solver_setup: rigid-body near-nullspace and the default solver options.
* output: VTX fields, cell averages and facet tractions for ParaView and reports.
"""

from fem.mechanics.anand import anand_return_mapping
from fem.mechanics.boundary import BoundaryCondition, Displacement, Pressure, Roller
from fem.mechanics.constitutive import (
    ReturnMapping,
    consistent_tangent,
    creep_stress,
    eigenstrain,
    elastic_stress,
    norton_return_mapping,
    strain,
    trial_deviatoric_strain,
)
from fem.mechanics.contact import PenaltyContact, RigidContact
from fem.mechanics.mixed import MIXED_NEWTON_DEFAULTS, MixedMechanicsProblem
from fem.mechanics.output import CellAverages, FacetSide, FacetTractions, MechanicsFieldWriter, cell_averages
from fem.mechanics.problem import (
    MechanicsConvergenceError,
    MechanicsProblem,
    MechanicsState,
    MechanicsStep,
    StepFailure,
    TimeHistory,
)
from fem.mechanics.solver_setup import MECHANICS_NEWTON_DEFAULTS, rigid_body_modes, solver_options

__all__ = [
    "anand_return_mapping",
    "BoundaryCondition",
    "Displacement",
    "Pressure",
    "Roller",
    "ReturnMapping",
    "consistent_tangent",
    "creep_stress",
    "eigenstrain",
    "elastic_stress",
    "norton_return_mapping",
    "strain",
    "trial_deviatoric_strain",
    "PenaltyContact",
    "RigidContact",
    "CellAverages",
    "FacetSide",
    "FacetTractions",
    "MechanicsFieldWriter",
    "cell_averages",
    "MechanicsConvergenceError",
    "MechanicsProblem",
    "MixedMechanicsProblem",
    "MIXED_NEWTON_DEFAULTS",
    "MechanicsState",
    "MechanicsStep",
    "StepFailure",
    "TimeHistory",
    "MECHANICS_NEWTON_DEFAULTS",
    "rigid_body_modes",
    "solver_options",
]
