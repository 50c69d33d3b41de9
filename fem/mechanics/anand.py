"""Anand viscoplasticity for Li metal, small strain, with a backward-Euler local update.

The rate-dependent model of Anand & Narayan, J. Electrochem. Soc. 166 (2019)
A1092 (after Anand, J. Eng. Mater. Technol. 104 (1982) 12), J2 flow::

    nu_p   = A exp(-Q/RT) [sinh(sigma_bar / S)]^(1/m)            equivalent plastic strain rate (1/s)
    S_dot  = H0 |1 - S/S*|^a sign(1 - S/S*) nu_p                  deformation resistance S (Pa)
    S*     = S_tilde [nu_p exp(Q/RT) / A]^n                       its saturation value (Pa)
    eps_dot_p = (3/2) nu_p s / sigma_bar                          s the stress deviator, sigma_bar = sqrt(3/2 s:s)

Backward Euler at a quadrature point (deviatoric elastic trial strain e,
trial von Mises stress q = sqrt(3/2) 2G |e|, resistance S_n at the start of the
step, kappa = dt A exp(-Q/RT)) is a radial return like the Norton one
(fem.mechanics.norton_return_mapping): sigma_bar = z q, dp = (1 - z) q / 3G,
s = z 2G e, with the two unknowns z and S of::

    dp = kappa [sinh(z q / S)]^(1/m)                                           (flow rule)
    S  = S_n + H0 dp g(1 - S/S*),  g(x) = |x|^a sign(x),  S* = S_tilde (dp/kappa)^n   (evolution)

The system is reduced to one scalar equation in w = ln z.  For a given dp the
evolution equation F(S) = S - S_n - H0 dp g(1 - S/S*) = 0 is increasing in S,
with its root between S_n and S* where 1 - S/S* keeps one sign: F is concave
(hardening, S_n < S*) or convex (softening) there, so Newton from S_n converges
monotonically (:func:`deformation_resistance`).  The flow rule in logarithms,

    h(w) = ln(1 - e^w) + ln(q / 3G) - ln(kappa) - (1/m) ln sinh(e^w q / S(dp(w))) = 0,

goes from +inf (w -> -inf) to -inf (w -> 0) and is decreasing as long as
H0 << 3G (always for metals); it is solved by Newton inside a bracket with
bisection as the safeguard (:func:`anand_return_mapping`).  Logarithms keep
1 - z and z accurate from dp ~ 1e-300 (tiny steps) to z ~ 1e-300 (steps of
hours at high stress).  The derivative of S with dp enters h and the tangent
through the implicit function theorem::

    S' = dS/d(dp) = H0 [g(x) + n g'(x) S/S*] / (1 + H0 dp g'(x) / S*),   x = 1 - S/S*.

Consistent tangent.  As for Norton, s = 2G z(q) e gives
C = K 1 x 1 + 2G z I_dev - 2G gamma N x N with N = e/|e| and gamma = -q dz/dq
at fixed S_n and dt; from h(w(q), q) = 0::

    gamma = q z (dh/dq) / (dh/dw),
    dh/dw = -z/(1-z) - (u coth u / m) (1 + S' z q / (3G S)),
    dh/dq = 1/q - (u coth u / m) (1/q - S' (1-z) / (3G S)),     u = z q / S.

With S' = 0 and (1/m) ln sinh u replaced by N ln u this is the Norton
coefficient (N - 1) z (1 - z) / (z + N (1 - z)).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fem.materials import AnandViscoplasticity, log_sinh

__all__ = [
    "AnandReturnMapping",
    "deformation_resistance",
    "anand_return_mapping",
]

_EPS = np.finfo(float).eps


@dataclass
class AnandReturnMapping:
    """Backward-Euler update at each point (arrays of the shape of q_trial).

    Attributes:
        z: sigma_bar / q_trial in (0, 1]; 1 where no flow.
        one_minus_z: 1 - z without cancellation.
        gamma: coefficient of the consistent tangent, gamma = -q dz/dq.
        resistance_Pa: deformation resistance S at the end of the step (Pa).
        iterations: outer (flow-rule) iterations, bracketing included (max over points).
    """

    z: np.ndarray
    one_minus_z: np.ndarray
    gamma: np.ndarray
    resistance_Pa: np.ndarray
    iterations: int = 0


def _u_coth_u(u: np.ndarray) -> np.ndarray:
    """u coth(u) (1 at u = 0), the logarithmic derivative d ln sinh(u) / d ln u."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(u < 1e-6, 1.0 + u * u / 3.0, u / np.tanh(u))


def deformation_resistance(
    dp: np.ndarray,
    log_dp: np.ndarray,
    resistance_old_Pa: np.ndarray,
    log_kappa: float,
    law: AnandViscoplasticity,
    tol: float = 1e-15,
    max_iterations: int = 100,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve S = S_n + H0 dp g(1 - S/S*), S* = S_tilde (dp / kappa)^n, for S; return (S, dS/d(dp)).

    ``log_dp`` = ln(dp) (may be -inf) is passed so that S* stays accurate when dp
    underflows; ``log_kappa`` = ln(dt A exp(-Q/RT)).  Newton from S_n, kept in
    the bracket [min(S_n, S*), max(S_n, S*)] (monotone there, see the module
    docstring).  Vectorised over points.
    """
    H0, a, n = law.hardening_modulus_Pa, law.hardening_exponent, law.saturation_exponent
    s_old = np.asarray(resistance_old_Pa, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        s_star = law.saturation_coefficient_Pa * np.exp(n * (log_dp - log_kappa))
    lo, hi = np.minimum(s_old, s_star), np.maximum(s_old, s_star)
    s = s_old.copy()
    todo = (dp > 0.0) & (H0 > 0.0) & (s_star != s_old) & np.isfinite(s_star)
    for _ in range(max_iterations):
        if not todo.any():
            break
        st, ss, d = s[todo], s_star[todo], dp[todo]
        x = 1.0 - st / ss
        ax = np.abs(x)
        F = st - s_old[todo] - H0 * d * ax**a * np.sign(x)
        dF = 1.0 + H0 * d * a * ax ** (a - 1.0) / ss
        s_new = np.clip(st - F / dF, lo[todo], hi[todo])
        converged = np.abs(s_new - st) <= tol * np.maximum(st, ss)
        s[todo] = s_new
        todo[todo] = ~converged
    s[todo] = np.nan  # not converged: only for non-finite input
    x = 1.0 - s / s_star
    ax = np.abs(x)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        g = ax**a * np.sign(x)
        dg = a * ax ** (a - 1.0)
        dF_dS = 1.0 + H0 * dp * dg / s_star
        slope = np.where(dp > 0.0, H0 * (g + n * dg * s / s_star) / dF_dS, 0.0)
    return s, np.where(np.isfinite(slope), slope, 0.0)


@dataclass
class _Flow:
    """h(w) and its derivatives at one set of w values (see the module docstring)."""

    h: np.ndarray
    dh_dw: np.ndarray
    dh_dq: np.ndarray
    resistance: np.ndarray


def _flow_residual(
    w: np.ndarray,
    q: np.ndarray,
    s_old: np.ndarray,
    log_kappa: float,
    G3: float,
    law: AnandViscoplasticity,
) -> _Flow:
    """Evaluate h(w) = ln(1-z) + ln(q/3G) - ln(kappa) - (1/m) ln sinh(z q / S) with S = S(dp(w))."""
    m = law.rate_sensitivity
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.exp(w)
        y = -np.expm1(w)
        log_dp = np.log(y) + np.log(q / G3)
        dp = np.exp(log_dp)
        s, ds = deformation_resistance(dp, log_dp, s_old, log_kappa, law)
        u = z * q / s
        h = np.log(y) + np.log(q / G3) - log_kappa - log_sinh(u) / m
        ucoth = _u_coth_u(u) / m
        dh_dw = -z / y - ucoth * (1.0 + ds * z * q / (G3 * s))
        dh_dq = 1.0 / q - ucoth * (1.0 / q - ds * y / (G3 * s))
    return _Flow(h, dh_dw, dh_dq, s)


def _initial_guess(q: np.ndarray, s_old: np.ndarray, log_kappa: float, G3: float, m: float) -> np.ndarray:
    """w = ln z from the explicit step at S_n (small steps) or the relaxed stress (large steps)."""
    with np.errstate(divide="ignore", over="ignore"):
        log_y = log_kappa + np.log(G3 / q) + log_sinh(q / s_old) / m
        z_relaxed = s_old / q * np.arcsinh(np.exp(m * (np.log(q / G3) - log_kappa)))
        return np.where(
            log_y < math.log(0.5),
            np.log1p(-np.exp(np.minimum(log_y, 0.0))),
            np.log(np.clip(z_relaxed, 1e-300, 0.5)),
        )


def _bracket(
    w0: np.ndarray, h0: np.ndarray, evaluate: Any, max_doublings: int = 12
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Bracket the root of the decreasing h: (w_lo, w_hi, h_lo, h_hi, evaluations) with h_lo > 0 > h_hi.

    From w0, the missing end is searched with doubling steps in ln z (towards
    z -> 0) or in ln(1 - z) (towards z -> 1), which covers 300 decades in 12 steps.
    """
    w_lo, w_hi = np.full_like(w0, -np.inf), np.zeros_like(w0)
    h_lo, h_hi = np.full_like(w0, np.inf), np.full_like(w0, -np.inf)
    positive = h0 > 0.0
    w_lo[positive], h_lo[positive] = w0[positive], h0[positive]
    w_hi[~positive], h_hi[~positive] = w0[~positive], h0[~positive]
    calls = 0
    step = 1.0
    missing_lo, missing_hi = ~positive, positive.copy()
    for _ in range(max_doublings):
        if not (missing_lo.any() or missing_hi.any()):
            break
        trial = w0.copy()
        trial[missing_lo] = w0[missing_lo] - step
        with np.errstate(divide="ignore"):
            log_y = np.log(-np.expm1(w0[missing_hi])) - step
        trial[missing_hi] = np.log1p(-np.exp(log_y))
        search = missing_lo | missing_hi
        h = np.full_like(w0, np.nan)
        h[search] = evaluate(trial[search], search).h
        calls += 1
        found_lo = missing_lo & (h > 0.0)
        found_hi = missing_hi & (h < 0.0)
        w_lo[found_lo], h_lo[found_lo] = trial[found_lo], h[found_lo]
        w_hi[found_hi], h_hi[found_hi] = trial[found_hi], h[found_hi]
        # a trial on the wrong side tightens the other end
        tighter_hi = missing_lo & (h <= 0.0)
        tighter_lo = missing_hi & (h >= 0.0)
        w_hi[tighter_hi], h_hi[tighter_hi] = trial[tighter_hi], h[tighter_hi]
        w_lo[tighter_lo], h_lo[tighter_lo] = trial[tighter_lo], h[tighter_lo]
        missing_lo &= ~found_lo
        missing_hi &= ~found_hi
        step *= 2.0
    return w_lo, w_hi, h_lo, h_hi, calls


def anand_return_mapping(
    q_trial_Pa: np.ndarray,
    resistance_old_Pa: np.ndarray,
    dt_s: float,
    law: AnandViscoplasticity,
    temperature_K: float,
    shear_modulus_Pa: float,
    tol: float = 1e-13,
    max_iterations: int = 100,
) -> AnandReturnMapping:
    """Backward-Euler radial return for Anand viscoplasticity at many points at once.

    Args:
        q_trial_Pa: trial von Mises stresses q (Pa), any shape.
        resistance_old_Pa: deformation resistance S_n at the start of the step (Pa), same shape.
        dt_s: time step (s, >= 0; 0 is elastic).
        law: the Anand parameters.
        temperature_K: temperature (K).
        shear_modulus_Pa: G (Pa).
        tol: tolerance on the logarithmic flow-rule residual h (relative error of dp and z).

    Newton on h(w) from the end of a bracket where h < 0, bisection when a
    step leaves the bracket.  A point that does not converge (only non-finite
    input) returns NaN, so that the global residual is NaN on every rank and
    the nonlinear solver fails collectively.
    """
    q = np.asarray(q_trial_Pa, dtype=float)
    s_old = np.broadcast_to(np.asarray(resistance_old_Pa, dtype=float), q.shape)
    z, omz, gamma = np.ones_like(q), np.zeros_like(q), np.zeros_like(q)
    resistance = np.array(s_old, dtype=float)
    kappa = dt_s * law.rate_factor_1_s(temperature_K)
    if not kappa > 0.0:
        return AnandReturnMapping(z, omz, gamma, resistance, 0)
    active = (q > 0.0) | ~np.isfinite(q)
    if not active.any():
        return AnandReturnMapping(z, omz, gamma, resistance, 0)
    qa, sa = q[active], s_old[active]
    log_kappa, G3, m = math.log(kappa), 3.0 * shear_modulus_Pa, law.rate_sensitivity

    def evaluate(w: np.ndarray, mask: np.ndarray) -> _Flow:
        return _flow_residual(w, qa[mask], sa[mask], log_kappa, G3, law)

    everywhere = np.ones(qa.shape, dtype=bool)
    w0 = _initial_guess(qa, sa, log_kappa, G3, m)
    w_lo, w_hi, h_lo, h_hi, iterations = _bracket(w0, evaluate(w0, everywhere).h, evaluate)
    # Newton from the upper end (h < 0): monotone for a concave h (S fixed); safeguarded otherwise
    todo = np.isfinite(w_lo)
    w = np.where(np.isfinite(h_hi), w_hi, 0.5 * (w_lo + w_hi))  # w_hi = 0 (z = 1) is the limit h = -inf
    w[~todo] = np.nan
    while todo.any() and iterations < max_iterations:
        iterations += 1
        flow = evaluate(w[todo], todo)
        wt, h = w[todo], flow.h
        lo = np.where(h > 0.0, wt, w_lo[todo])
        hi = np.where(h < 0.0, wt, w_hi[todo])
        w_new = wt - h / flow.dh_dw
        outside = ~((w_new > lo) & (w_new < hi))
        w_new = np.where(outside, 0.5 * (lo + hi), w_new)
        done = (np.abs(h) <= tol) | (np.abs(w_new - wt) <= 4.0 * _EPS * np.abs(wt))
        done |= hi - lo <= 4.0 * _EPS * np.abs(wt)
        w_lo[todo], w_hi[todo] = lo, hi
        w[todo] = np.where(done & outside, wt, w_new)
        todo[todo] = ~done
    w[todo] = np.nan
    flow = evaluate(w, everywhere)  # state and tangent at the converged w
    with np.errstate(invalid="ignore"):
        za = np.exp(w)
        z[active] = za
        omz[active] = -np.expm1(w)
        gamma[active] = qa * za * flow.dh_dq / flow.dh_dw
        resistance[active] = flow.resistance
    return AnandReturnMapping(z, omz, gamma, resistance, iterations)
