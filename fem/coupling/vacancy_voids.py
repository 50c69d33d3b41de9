"""Voids nucleated by vacancy supersaturation, fed into the stripping cell's contact state.

fem.coupling.stripping opens voids only where creep cannot keep the Li
against the receding interface (a geometric gap).  This adds the vacancy
route of issue 14 (fem.vacancy): each coupled step, the local stripping
current of that step (``StrippingCell.local_current``, the nodal current on
the Li side of the interface) injects vacancies into the Li mesh
(f_inj max(i - i_creep, 0) Omega / F), which diffuse and annihilate at sinks
(backward Euler over the step's dt, at the cell's temperature and stack
pressure).  Interface nodes where x / x_eq exceeds s_crit nucleate a void:
their contact weight is set to zero from then on, so the next step's current
avoids them and concentrates on the remaining contact (the cascade that
collapses the contact above the critical current).

Stated simplifications: a nucleated void is permanent (creep does not heal
it: it is a decohesion, not a gap the mechanics sees); the vacancy field does
not move with the Li (no advection by the creep velocity, small over a
stripping run: the Li moves by the stripped depth); the Li mesh does not
change.  Use :func:`attach_vacancy_voiding` to enable it on a cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import dolfinx
import numpy as np

from fem.coupling.stripping import StrippingCell
from fem.vacancy import VacancyProblem, VacancyStep, VacancyTransport
from fem.validation import check_range

__all__ = ["VacancyVoiding", "attach_vacancy_voiding"]


@dataclass
class VacancyVoiding:
    """The vacancy problem on a stripping cell's Li mesh and the nucleated-void mask (see module text).

    Attributes:
        cell: the stripping cell whose contact state it modifies.
        problem: the vacancy problem on the Li mesh (injection on the cell's contact facets).
        nucleated: bool per Li-interface dof: a void has nucleated there.
        history: the vacancy state after every coupled step.
    """

    cell: StrippingCell
    problem: VacancyProblem
    nucleated: np.ndarray
    history: list[VacancyStep]

    def __call__(self, dt_s: float) -> np.ndarray:
        """Advance the vacancies over ``dt_s``; return the contact keep-factors at the electrolyte interface dofs."""
        self.history.append(self.problem.step(dt_s))
        li = self.cell.li_interface
        s = dolfinx.fem.Function(li.V)
        s.interpolate(self.problem.supersaturation_field())
        self.nucleated |= s.x.array[li.dofs] > self.problem.transport.critical_supersaturation
        voided = self.cell.to_electrolyte.transfer(self.nucleated.astype(float))
        return np.where(voided > 0.5, 0.0, 1.0)

    def nucleated_fraction(self) -> float:
        """Area fraction of the interface where voids have nucleated (global)."""
        li = self.cell.li_interface
        return li.integral(self.nucleated.astype(float)) / li.area_m2


def attach_vacancy_voiding(
    cell: StrippingCell,
    transport: VacancyTransport,
    creep_supply_A_m2: float = 0.0,
    options: dict | None = None,
) -> VacancyVoiding:
    """Enable vacancy-nucleated voids on ``cell`` (sets ``cell.void_nucleation``); returns the coupling.

    ``creep_supply_A_m2``: the part of the local stripping current that creep supplies without leaving
    vacancies (fem.vacancy.supply); 0 injects f_inj of all of it.
    """
    check_range("creep_supply_A_m2", creep_supply_A_m2, 0.0, float("inf"), low_inclusive=True, unit="A/m2")
    li = cell.li_interface
    problem = VacancyProblem(
        li.meshdata,
        transport,
        injection_facet=li.facets,
        temperature_K=cell.settings.temperature_K,
        pressure_Pa=cell.settings.stack_pressure_Pa,
        current_density_A_m2=cell.local_current,
        creep_supply_A_m2=creep_supply_A_m2,
        degree=1,
        options=options,
    )
    coupling = VacancyVoiding(cell, problem, np.zeros(len(li.dofs), dtype=bool), [])
    cell.void_nucleation = coupling
    return coupling
