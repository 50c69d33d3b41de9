"""Exact 1D solutions of the vacancy equation, for verification and closed-form estimates.

The excess site fraction theta = x - x_eq in Li occupying z >= 0 (z = 0 the
stripping interface), with a constant injection flux J (site fraction x m/s)
into z = 0 and first-order sinks of rate k::

    d theta/dt = D theta'' - k theta,   -D theta'(0) = J,   theta(z, 0) = 0.

Semi-infinite, transient (Carslaw & Jaeger, Conduction of Heat in Solids,
2nd ed. 1959, section 2.9 and the analogous reacting case; Danckwerts 1951)::

    theta(z, t) = J / (2 sqrt(D k)) [exp(-z/l) erfc(z/(2 sqrt(D t)) - sqrt(k t))
                                      - exp(z/l) erfc(z/(2 sqrt(D t)) + sqrt(k t))],  l = sqrt(D/k)
    theta(0, t) = J / sqrt(D k) erf(sqrt(k t))        ->  2 J sqrt(t / (pi D)) as k -> 0

and, without sinks, theta = (J/D) [2 sqrt(D t/pi) exp(-z^2/(4 D t)) - z erfc(z/(2 sqrt(D t)))].
Steady, slab 0 <= z <= H with no flux at z = H::

    theta(z) = J l cosh((H - z)/l) / (D sinh(H/l))    ->  (J l / D) exp(-z/l) for H >> l.

Transient, same slab (separation of variables, cosine series; :func:`slab_surface_excess`).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.validation import check_positive, check_range

__all__ = [
    "transient_excess",
    "surface_excess",
    "steady_excess",
    "slab_surface_excess",
    "time_to_supersaturation_s",
    "slab_time_to_supersaturation_s",
    "steady_critical_current_A_m2",
]


def _erfc(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erfc, otypes=[float])(x)


def transient_excess(z: np.ndarray, t: float, flux: float, diffusivity: float, sink_rate: float) -> np.ndarray:
    """theta(z, t) of the semi-infinite problem (see module text); z in m, t in s, flux in m/s."""
    z = np.asarray(z, dtype=float)
    D, k = diffusivity, sink_rate
    if t <= 0.0:
        return np.zeros_like(z)
    root = 2.0 * math.sqrt(D * t)
    if k == 0.0:
        return (flux / D) * (root / math.sqrt(math.pi) * np.exp(-(z**2) / root**2) - z * _erfc(z / root))
    length, kt = math.sqrt(D / k), math.sqrt(k * t)
    # exp(z/l) erfc(z/root + kt) overflows only where erfc underflows: combine in log space
    tail = _erfc(z / root + kt)
    growing = np.where(tail > 0.0, np.exp(z / length + np.log(np.maximum(tail, 1e-300))), 0.0)
    return flux / (2.0 * math.sqrt(D * k)) * (np.exp(-z / length) * _erfc(z / root - kt) - growing)


def surface_excess(t: float, flux: float, diffusivity: float, sink_rate: float) -> float:
    """theta(0, t) = J / sqrt(D k) erf(sqrt(k t)), or 2 J sqrt(t / (pi D)) without sinks."""
    if sink_rate == 0.0:
        return 2.0 * flux * math.sqrt(t / (math.pi * diffusivity))
    return flux / math.sqrt(diffusivity * sink_rate) * math.erf(math.sqrt(sink_rate * t))


def steady_excess(z: np.ndarray, flux: float, diffusivity: float, sink_rate: float, thickness: float) -> np.ndarray:
    """Steady theta(z) in the slab 0 <= z <= H (no flux at H); ``thickness`` = inf for a half-space."""
    check_positive("sink_rate", sink_rate, "1/s")
    z = np.asarray(z, dtype=float)
    length = math.sqrt(diffusivity / sink_rate)
    if math.isinf(thickness) or thickness > 40.0 * length:
        return flux * length / diffusivity * np.exp(-z / length)
    return flux * length * np.cosh((thickness - z) / length) / (diffusivity * math.sinh(thickness / length))


def time_to_supersaturation_s(
    supersaturation: float, equilibrium: float, flux: float, diffusivity: float, sink_rate: float
) -> float:
    """First time at which the surface reaches x / x_eq = ``supersaturation`` (inf if it never does).

    erf(sqrt(k t)) = (s - 1) x_eq sqrt(D k) / J; without sinks t = pi D ((s - 1) x_eq / (2 J))^2.
    """
    check_range("supersaturation", supersaturation, 1.0, math.inf)
    if flux <= 0.0:
        return math.inf
    excess = (supersaturation - 1.0) * equilibrium
    if sink_rate == 0.0:
        return math.pi * diffusivity * (excess / (2.0 * flux)) ** 2
    ratio = excess * math.sqrt(diffusivity * sink_rate) / flux
    if ratio >= 1.0:
        return math.inf
    return (_erfinv(ratio)) ** 2 / sink_rate


def slab_surface_excess(t: Any, flux: float, diffusivity: float, sink_rate: float, thickness: float) -> np.ndarray:
    """Excess site fraction at the stripping surface of a Li slab 0 <= z <= H (no flux at H), injected
    at ``flux`` from t = 0, with sinks k: the steady value J l coth(H/l) / D (fem.vacancy.analytic) minus
    the cosine series of the transient::

        theta(0, t) = theta_ss(0) - (J / H) [exp(-k t) / k + 2 sum_n exp(-lambda_n t) / lambda_n],
        lambda_n = k + D (n pi / H)^2
    """
    t = np.atleast_1d(np.asarray(t, dtype=float))
    steady = float(steady_excess(np.zeros(1), flux, diffusivity, sink_rate, thickness)[0])
    # terms with (n pi / H)^2 D t > 40 are below exp(-40): keep only those the smallest t needs
    shortest = float(np.min(t))
    terms = (
        20000
        if shortest <= 0.0
        else min(20000, 10 + int(7.0 * thickness / (math.pi * math.sqrt(diffusivity * shortest))))
    )
    rates = sink_rate + diffusivity * (np.arange(1, terms + 1) * math.pi / thickness) ** 2
    series = np.exp(-sink_rate * t) / sink_rate + 2.0 * np.sum(np.exp(-np.outer(t, rates)) / rates, axis=1)
    return steady - flux / thickness * series


def slab_time_to_supersaturation_s(
    supersaturation: float, equilibrium: float, flux: float, diffusivity: float, sink_rate: float, thickness: float
) -> float:
    """First time (s) at which the slab's surface reaches x / x_eq = ``supersaturation`` (inf: never), by
    bisection on :func:`slab_surface_excess`."""
    target = (supersaturation - 1.0) * equilibrium
    steady = float(steady_excess(np.zeros(1), flux, diffusivity, sink_rate, thickness)[0])
    if flux <= 0.0 or steady <= target:
        return math.inf
    lo, hi = 0.0, 1.0 / sink_rate
    while slab_surface_excess(hi, flux, diffusivity, sink_rate, thickness)[0] < target:
        lo, hi = hi, 2.0 * hi
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if slab_surface_excess(mid, flux, diffusivity, sink_rate, thickness)[0] < target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-10 * hi:
            break
    return 0.5 * (lo + hi)


def _erfinv(y: float) -> float:
    """Inverse error function on [0, 1) by Newton's method (to round-off)."""
    x = 0.0 if y < 0.5 else math.sqrt(-math.log(1.0 - y))
    for _ in range(100):
        step = (math.erf(x) - y) / (2.0 / math.sqrt(math.pi) * math.exp(-x * x))
        x -= step
        if abs(step) <= 1e-15 * max(1.0, abs(x)):
            break
    return x


def steady_critical_current_A_m2(
    supersaturation: float,
    equilibrium: float,
    diffusivity: float,
    sink_rate: float,
    injection_fraction: float,
    thickness: float = math.inf,
) -> float:
    """Stripping current (A/m2) whose steady injection f_inj i Omega / F holds the surface at ``supersaturation``.

    i = (s - 1) x_eq D / (f_inj l coth(H / l)) F / Omega, l = sqrt(D / k); inf when f_inj = 0.
    """
    check_range("injection_fraction", injection_fraction, 0.0, 1.0, low_inclusive=True, high_inclusive=True)
    if injection_fraction == 0.0:
        return math.inf
    unit_flux_excess = float(steady_excess(np.zeros(1), 1.0, diffusivity, sink_rate, thickness)[0])
    flux = (supersaturation - 1.0) * equilibrium / unit_flux_excess
    return flux / injection_fraction * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL
