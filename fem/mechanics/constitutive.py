"""The local (quadrature-point) creep update and the pure UFL stress forms of small-strain Li mechanics.

Time integration is backward Euler with a radial return at the quadrature
points of the creeping cells.  With the deviatoric elastic trial strain
e = dev(eps(u) - eps_g) - eps_cr_n, the trial von Mises stress
q = sqrt(3/2) 2G |e| and the equivalent creep increment dp the root of::

    dp = dt A' ((q - 3 G dp) / sigma_ref)^n          (0 <= dp < q / 3G)

the stress deviator scales radially: s = z 2G e with z = 1 - 3 G dp / q, and
eps_cr = eps_cr_n + (1 - z) e.  The scalar equation is solved for all points at
once by a bracketed Newton iteration in w = ln z (:func:`norton_return_mapping`:
ln(dt A' (q/sigma_ref)^n 3G/q) + n w - ln(1 - e^w) = 0 is increasing and convex
in w, so Newton from the upper end of the bracket converges monotonically, and
a bisection safeguard catches round-off) and so stays robust at n ~ 6.5 and at
steps of hours, far beyond the explicit stability limit.  The consistent
(algorithmic) tangent is::

    C = K 1 x 1 + 2 G z I_dev - 2 G gamma n x n,
    gamma = (n - 1) z (1 - z) / (z + n (1 - z)),       n = e / |e|

(Simo & Hughes, Computational Inelasticity, 1998, sec. 3.3, for the J2 radial
return; here with a rate-dependent flow rule), so the global Newton iteration
(SNES) converges quadratically.  z, gamma and the unit direction n live in
quadrature-space Functions; the trial strain is evaluated there with
dolfinx.fem.Expression; residual and tangent are UFL forms over those fields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import ufl

from fem.validation import ParameterError

__all__ = [
    "ReturnMapping",
    "norton_return_mapping",
    "strain",
    "eigenstrain",
    "elastic_stress",
    "trial_deviatoric_strain",
    "creep_stress",
    "consistent_tangent",
]


# -- the local (quadrature-point) problem ---------------------------------------
@dataclass
class ReturnMapping:
    """Result of the radial return at each point (arrays of the shape of q_trial).

    Attributes:
        z: sigma_eq / q_trial = 1 - 3 G dp / q_trial, in (0, 1]; 1 where elastic.
        one_minus_z: 1 - z without cancellation (the creep fraction of the trial stress).
        gamma: tangent coefficient (n - 1) z (1 - z) / (z + n (1 - z)).
        iterations: Newton/bisection iterations used (max over points).
    """

    z: np.ndarray
    one_minus_z: np.ndarray
    gamma: np.ndarray
    iterations: int = 0


def norton_return_mapping(
    q_trial_Pa: np.ndarray,
    dt_rate_factor: float,
    stress_exponent: float,
    reference_stress_Pa: float,
    shear_modulus_Pa: float,
    tol: float = 1e-13,
    max_iterations: int = 200,
) -> ReturnMapping:
    """Backward-Euler radial return for Norton creep at many points at once.

    Solves dp = dt A' ((q - 3 G dp) / sigma_ref)^n for dp in [0, q / 3G) at
    every trial von Mises stress q (Pa); ``dt_rate_factor`` is dt A'
    (dimensionless).  In z = 1 - 3 G dp / q and w = ln z the equation reads
    h(w) = ln(beta) + n w - ln(1 - e^w) = 0 with beta = dt A' (q/sigma_ref)^n 3G/q;
    h is increasing and convex, the root lies in [w_lo, w_hi] with
    z_lo = max(1 - beta, min(1/2, (2 beta)^(-1/n))) and
    z_hi = min(beta^(-1/n), 1 - beta z_lo^n), and Newton from w_hi converges
    monotonically (bisection if round-off leaves the bracket).  Everything is
    computed in logarithms, so beta may range over hundreds of decades.

    Points with q = 0 or dt A' = 0 stay elastic (z = 1).  A point that does not
    converge (only non-finite input) returns NaN, so that the global residual
    is NaN on every rank and the nonlinear solver fails collectively.
    """
    q = np.asarray(q_trial_Pa, dtype=np.float64)
    n = float(stress_exponent)
    z = np.ones_like(q)
    omz = np.zeros_like(q)
    gamma = np.zeros_like(q)
    if not dt_rate_factor > 0.0:
        return ReturnMapping(z, omz, gamma, 0)
    active = (q > 0.0) | ~np.isfinite(q)  # non-finite input ends as NaN
    if not active.any():
        return ReturnMapping(z, omz, gamma, 0)
    qa = q[active]
    with np.errstate(all="ignore"):
        log_beta = math.log(dt_rate_factor) + n * np.log(qa / reference_stress_Pa) + np.log(3.0 * shear_modulus_Pa / qa)
        lower_a = np.minimum(math.log(0.5), -(math.log(2.0) + log_beta) / n)
        lower_b = np.where(log_beta < 0.0, np.log1p(-np.exp(np.minimum(log_beta, 0.0))), -np.inf)
        w_lo = np.maximum(lower_a, lower_b)
        w_hi = np.minimum(-log_beta / n, np.log1p(-np.exp(log_beta + n * w_lo)))
        w = w_hi.copy()
        todo = np.isfinite(w)
        iterations = 0
        while todo.any() and iterations < max_iterations:
            iterations += 1
            wt = w[todo]
            one_minus = -np.expm1(wt)
            h = log_beta[todo] + n * wt - np.log(one_minus)
            dh = n + np.exp(wt) / one_minus
            hi = np.where(h > 0.0, wt, w_hi[todo])
            lo = np.where(h < 0.0, wt, w_lo[todo])
            step = h / dh
            w_new = wt - step
            outside = ~((w_new > lo) & (w_new < hi))
            w_new = np.where(outside, 0.5 * (lo + hi), w_new)
            done = (np.abs(h) <= tol) | (np.abs(w_new - wt) <= 4.0 * np.finfo(float).eps * np.abs(wt))
            done |= hi - lo <= 4.0 * np.finfo(float).eps * np.abs(wt)
            w_hi[todo], w_lo[todo] = hi, lo
            w[todo] = np.where(done & outside, wt, w_new)
            todo[todo] = ~done
        w[todo] = np.nan  # not converged: only for non-finite input
        za = np.exp(w)
        omza = -np.expm1(w)
        z[active] = za
        omz[active] = omza
        gamma[active] = (n - 1.0) * za * omza / (za + n * omza)
    return ReturnMapping(z, omz, gamma, iterations)


# -- pure UFL forms -------------------------------------------------------------
def strain(u: Any) -> Any:
    """Small-strain tensor sym(grad u)."""
    return ufl.sym(ufl.grad(u))


def eigenstrain(growth: Any | None) -> Any:
    """UFL eigenstrain tensor: beta I for a scalar growth strain beta, a 3x3 tensor as given, zero for None."""
    if growth is None:
        return ufl.zero((3, 3))
    growth = ufl.as_ufl(growth)
    if growth.ufl_shape == ():
        return growth * ufl.Identity(3)
    if growth.ufl_shape != (3, 3):
        raise ParameterError(f"growth strain must be a scalar or a 3x3 tensor, got shape {growth.ufl_shape}")
    return growth


def elastic_stress(eps_el: Any, K: Any, G: Any) -> Any:
    """Isotropic Hooke's law sigma = K tr(eps_el) I + 2 G dev(eps_el) (Pa)."""
    return K * ufl.tr(eps_el) * ufl.Identity(3) + 2.0 * G * ufl.dev(eps_el)


def trial_deviatoric_strain(u: Any, creep_strain_old: Any, growth: Any) -> Any:
    """Deviatoric elastic trial strain e = dev(eps(u) - eps_g) - eps_cr_n (creep strain is deviatoric)."""
    return ufl.dev(strain(u) - growth) - creep_strain_old


def creep_stress(u: Any, K: Any, G: Any, z: Any, creep_strain_old: Any, growth: Any) -> Any:
    """Return-mapped stress K tr(eps(u) - eps_g) I + 2 G z e(u) for a given radial factor z."""
    eps = strain(u) - growth
    return K * ufl.tr(eps) * ufl.Identity(3) + 2.0 * G * z * trial_deviatoric_strain(u, creep_strain_old, growth)


def consistent_tangent(deps: Any, K: Any, G: Any, z: Any, gamma: Any, direction: Any) -> Any:
    """Algorithmic tangent applied to deps: K tr(deps) I + 2 G z dev(deps) - 2 G gamma (n:deps) n."""
    return (
        K * ufl.tr(deps) * ufl.Identity(3)
        + 2.0 * G * z * ufl.dev(deps)
        - 2.0 * G * gamma * ufl.inner(direction, deps) * direction
    )
