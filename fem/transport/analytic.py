"""Closed-form results for a binary electrolyte at a planar Li electrode (dilute, constant D and t+).

Galvanostatic plating at current density J into a semi-infinite electrolyte
(Sand, Philos. Mag. 1 (1901) 45; Bard & Faulkner, Electrochemical Methods,
2nd ed., section 8.2): the surface concentration falls as::

    c_s(t) = c0 - 2 t_a J sqrt(t) / (z F sqrt(pi D))

and reaches zero at Sand's time t_s = pi D (z F c0)^2 / (4 J^2 t_a^2), with
t_a = 1 - t+ the anion transference number.  Between two Li electrodes a
distance L apart the steady salt profile is linear and the plating side runs
dry at the limiting current i_lim = 2 z F D c0 / (t_a L).  SI units.
"""

from __future__ import annotations

import math

from fem.constants import FARADAY_C_PER_MOL
from fem.validation import check_positive, check_range

__all__ = ["sand_time", "depletion_time", "surface_concentration", "limiting_current_density"]


def _check(diffusivity_m2_s: float, concentration_mol_m3: float, transference_number: float) -> float:
    check_positive("diffusivity_m2_s", diffusivity_m2_s, "m2/s")
    check_positive("concentration_mol_m3", concentration_mol_m3, "mol/m3")
    check_range("transference_number", transference_number, 0.0, 1.0, low_inclusive=True)
    return 1.0 - transference_number


def sand_time(
    current_density_A_m2: float,
    diffusivity_m2_s: float,
    concentration_mol_m3: float,
    transference_number: float,
    charge_number: int = 1,
) -> float:
    """Sand's time t_s = pi D (z F c0)^2 / (4 J^2 t_a^2) in s (t_a = 1 - t+)."""
    t_a = _check(diffusivity_m2_s, concentration_mol_m3, transference_number)
    check_positive("current_density_A_m2", current_density_A_m2, "A/m2")
    zfc = charge_number * FARADAY_C_PER_MOL * concentration_mol_m3
    return math.pi * diffusivity_m2_s * zfc**2 / (4.0 * current_density_A_m2**2 * t_a**2)


def depletion_time(
    threshold_mol_m3: float,
    current_density_A_m2: float,
    diffusivity_m2_s: float,
    concentration_mol_m3: float,
    transference_number: float,
    charge_number: int = 1,
) -> float:
    """Time (s) at which c_s falls to ``threshold_mol_m3``: t_s (1 - threshold/c0)^2."""
    t_s = sand_time(current_density_A_m2, diffusivity_m2_s, concentration_mol_m3, transference_number, charge_number)
    check_range("threshold_mol_m3", threshold_mol_m3, 0.0, concentration_mol_m3, low_inclusive=True, unit="mol/m3")
    return t_s * (1.0 - threshold_mol_m3 / concentration_mol_m3) ** 2


def surface_concentration(
    time_s: float,
    current_density_A_m2: float,
    diffusivity_m2_s: float,
    concentration_mol_m3: float,
    transference_number: float,
    charge_number: int = 1,
) -> float:
    """c_s(t) = c0 - 2 t_a J sqrt(t) / (z F sqrt(pi D)) in mol/m3 (may be negative past t_s)."""
    t_a = _check(diffusivity_m2_s, concentration_mol_m3, transference_number)
    check_range("time_s", time_s, 0.0, low_inclusive=True, unit="s")
    drop = 2.0 * t_a * current_density_A_m2 * math.sqrt(time_s / (math.pi * diffusivity_m2_s))
    return concentration_mol_m3 - drop / (charge_number * FARADAY_C_PER_MOL)


def limiting_current_density(
    thickness_m: float,
    diffusivity_m2_s: float,
    concentration_mol_m3: float,
    transference_number: float,
    charge_number: int = 1,
) -> float:
    """Steady limiting current density i_lim = 2 z F D c0 / (t_a L) (A/m2) of a symmetric Li | Li cell."""
    t_a = _check(diffusivity_m2_s, concentration_mol_m3, transference_number)
    check_positive("thickness_m", thickness_m, "m")
    if t_a == 0.0:
        return math.inf
    return 2.0 * charge_number * FARADAY_C_PER_MOL * diffusivity_m2_s * concentration_mol_m3 / (t_a * thickness_m)
