"""Transport in electrolytes: binary (salt) electrolytes with concentration polarisation.

* :mod:`fem.transport.electrolytes` -- property sets kappa, D, t+, thermodynamic
  factor as functions of c and T, with sources (fem/data/binary_electrolytes.toml);
* :mod:`fem.transport.binary_electrolyte` -- the time-dependent c-phi problem
  (Newman's concentrated-solution theory), galvanostatic, with Sand's-time detection;
* :mod:`fem.transport.analytic` -- Sand's time and the limiting current (dilute, planar).
"""

from fem.transport.analytic import depletion_time, limiting_current_density, sand_time, surface_concentration
from fem.transport.binary_electrolyte import (
    DIRECT_SOLVER_DEFAULTS,
    ITERATIVE_SOLVER_DEFAULTS,
    LINEAR_SOLVERS,
    BinaryElectrolyteProblem,
    DepletionEvent,
    NewtonReport,
    TimeStepping,
    TransientResult,
)
from fem.transport.electrolytes import (
    BinaryElectrolyte,
    ConcentrationKinetics,
    Property,
    available_binary_electrolytes,
    binary_electrolyte,
    binary_electrolyte_parameters,
)

__all__ = [
    "BinaryElectrolyte",
    "BinaryElectrolyteProblem",
    "ConcentrationKinetics",
    "DIRECT_SOLVER_DEFAULTS",
    "DepletionEvent",
    "ITERATIVE_SOLVER_DEFAULTS",
    "LINEAR_SOLVERS",
    "NewtonReport",
    "Property",
    "TimeStepping",
    "TransientResult",
    "available_binary_electrolytes",
    "binary_electrolyte",
    "binary_electrolyte_parameters",
    "depletion_time",
    "limiting_current_density",
    "sand_time",
    "surface_concentration",
]
