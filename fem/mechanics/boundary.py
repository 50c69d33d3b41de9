"""Mechanical boundary conditions as data, resolved by name once the spaces exist (SI units).

Pressure (stack pressure, normal traction -p n), Roller (zero normal
displacement on axis-aligned facets) and Displacement (prescribed values) on
named facet regions of the marker table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from fem.validation import check_choice, check_range

__all__ = [
    "Pressure",
    "Roller",
    "Displacement",
]


# -- boundary conditions as data ---------------------------------------------
@dataclass(frozen=True, slots=True)
class Pressure:
    """Compressive normal traction t = -p n (Pa) on facet region ``facets`` (stack pressure)."""

    facets: str
    pressure_Pa: float

    def __post_init__(self) -> None:
        check_range(f"{self.facets}.pressure_Pa", self.pressure_Pa, 0.0, low_inclusive=True, unit="Pa")


@dataclass(frozen=True, slots=True)
class Roller:
    """Zero normal displacement on the (planar, axis-aligned) facets of ``facets``;
    free tangential sliding: a symmetry plane or a frictionless rigid wall."""

    facets: str


@dataclass(frozen=True, slots=True)
class Displacement:
    """Prescribed displacement (m) on facet region ``facets``.

    Attributes:
        component: 0, 1, 2 for u_x, u_y, u_z only, or None for all three.
        value_m: a number (m; for all components: the same number for each),
            or a callable ``x -> values`` for interpolation (x of shape (3, N);
            values of shape (N,) for one component, (3, N) for all).
    """

    facets: str
    value_m: float | Callable[[np.ndarray], np.ndarray] = 0.0
    component: int | None = None

    def __post_init__(self) -> None:
        if self.component is not None:
            check_choice(f"{self.facets}.component", self.component, (0, 1, 2))
        if not callable(self.value_m):
            check_range(f"{self.facets}.value_m", self.value_m, unit="m")


BoundaryCondition = Pressure | Roller | Displacement
