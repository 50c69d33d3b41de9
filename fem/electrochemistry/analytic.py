"""Closed-form reference solutions used by verification tests and study reports.

Units SI.  Sources:
* Holm, Electric Contacts (4th ed., 1967); Newman, J. Electrochem. Soc. 113
  (1966) 501: spreading resistance of an equipotential disk of radius a on a
  half-space of conductivity kappa, R = 1 / (4 kappa a), and its primary
  current distribution i(r) / i_avg = 1 / (2 sqrt(1 - r^2/a^2)).
* Finite cell (flux tube): R = psi(eps) / (4 kappa a), eps = a / r_tube.
  Roess / Gibson series for the equivalent-isothermal disk and the simpler
  Cooper-Mikic-Yovanovich fit (1 - eps)^1.5, both as given by Yovanovich &
  Marotta, Heat Transfer Handbook (Wiley 2003), ch. 4.  A square cell of side
  b is taken as the circular tube of equal area, r_tube = b / sqrt(pi), so
  eps = sqrt(f) with f the contact fraction.
"""

from __future__ import annotations

import math

import numpy as np

from fem.materials import ButlerVolmer

__all__ = [
    "holm_spreading_resistance_ohm",
    "flux_tube_factor_series",
    "flux_tube_factor_cmy",
    "spot_spreading_asr_ohm_m2",
    "primary_spot_current_ratio",
    "butler_volmer_overpotential_V",
    "planar_cell_asr_ohm_m2",
]

_ROESS_GIBSON = (
    1.0,
    -1.40925,
    0.0,
    0.29591,
    0.0,
    0.05254,
    0.0,
    0.02105,
    0.0,
    0.01107,
    0.0,
    0.00671,
    0.0,
    0.00445,
)


def holm_spreading_resistance_ohm(kappa_S_m: float, radius_m: float) -> float:
    """R = 1 / (4 kappa a) in ohm: equipotential disk on a half-space."""
    return 1.0 / (4.0 * kappa_S_m * radius_m)


def flux_tube_factor_series(eps: float) -> float:
    """Roess/Gibson series psi(eps) for an equipotential disk in a circular flux tube."""
    return float(sum(c * eps**k for k, c in enumerate(_ROESS_GIBSON)))


def flux_tube_factor_cmy(eps: float) -> float:
    """Cooper-Mikic-Yovanovich fit psi(eps) = (1 - eps)^1.5."""
    return (1.0 - eps) ** 1.5


def spot_spreading_asr_ohm_m2(
    kappa_S_m: float, footprint_m: float, contact_fraction: float, n_spots: int = 1, finite_cell: bool = True
) -> float:
    """Spreading ASR (ohm m2) of n equal spots covering ``contact_fraction`` of a b x b cell.

    Each spot feeds its own sub-cell of side b / sqrt(n); the n resistances
    act in parallel and the ASR refers to the whole footprint b^2.
    """
    radius = footprint_m * math.sqrt(contact_fraction / (math.pi * n_spots))
    factor = flux_tube_factor_series(math.sqrt(contact_fraction)) if finite_cell else 1.0
    resistance = factor * holm_spreading_resistance_ohm(kappa_S_m, radius) / n_spots
    return resistance * footprint_m**2


def primary_spot_current_ratio(r_over_a: np.ndarray) -> np.ndarray:
    """i(r) / i_avg = 1 / (2 sqrt(1 - (r/a)^2)) on an equipotential disk (Newman 1966)."""
    return 0.5 / np.sqrt(1.0 - np.asarray(r_over_a) ** 2)


def butler_volmer_overpotential_V(kinetics: ButlerVolmer, current_density_A_m2: float) -> float:
    """Overpotential eta (V) at which Butler-Volmer gives ``current_density_A_m2`` (bisection)."""
    low, high = -2.0, 2.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if kinetics.current_density(mid, np.exp) < current_density_A_m2:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def planar_cell_asr_ohm_m2(
    kappa_S_m: float, thickness_m: float, kinetics: ButlerVolmer | None, current_density_A_m2: float
) -> float:
    """ASR (ohm m2) of a perfectly contacted planar cell: L / kappa + eta(J) / J."""
    asr = thickness_m / kappa_S_m
    if kinetics is not None:
        asr += butler_volmer_overpotential_V(kinetics, current_density_A_m2) / current_density_A_m2
    return asr
