"""Exact steady solution of the homogenised porous electrode for linear kinetics (verification).

Newman & Tobias, J. Electrochem. Soc. 109 (1962) 1183; used by
tests/test_porous_electrode.py and the deposition study's verification case.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NewmanTobias"]



@dataclass(frozen=True, slots=True)
class NewmanTobias:
    """Exact steady solution for linear kinetics and uniform properties.

    Host 0 < z < H with sigma_eff, kappa_eff and volumetric conductance
    g = a i0 (alpha_a + alpha_c) F / RT (S/m3); separator of conductivity
    kappa_sep; superficial current density I (A/m2, upward positive: I = J
    anodic positive).  With nu^2 = g (1/sigma + 1/kappa) (1/nu is the
    penetration depth)::

        eta(z)  = I / (nu sinh(nu H)) [cosh(nu z) / kappa + cosh(nu (H - z)) / sigma]
        i_e(z)  = I sigma kappa / ((sigma + kappa) sinh(nu H))
                  [sinh(nu z) / kappa + (sinh(nu H) - sinh(nu (H - z))) / sigma]
        phi_s   = -(I z - int_0^z i_e) / sigma,   phi_e = phi_s - eta,
        phi_e   = phi_e(H) - I (z - H) / kappa_sep  in the separator.

    Newman & Tobias, J. Electrochem. Soc. 109 (1962) 1183; Euler &
    Nonnenmacher, Electrochim. Acta 2 (1960) 268.  Every method takes
    ``mod`` = numpy or ufl (the same formula serves the error integrals).
    """

    thickness_m: float
    sigma_eff_S_m: float
    kappa_eff_S_m: float
    kappa_separator_S_m: float
    conductance_S_m3: float
    current_density_A_m2: float

    @property
    def nu_1_m(self) -> float:
        return math.sqrt(self.conductance_S_m3 * (1.0 / self.sigma_eff_S_m + 1.0 / self.kappa_eff_S_m))

    def overpotential(self, z: Any, mod: Any = np) -> Any:
        nu, H, s, k, current = (
            self.nu_1_m,
            self.thickness_m,
            self.sigma_eff_S_m,
            self.kappa_eff_S_m,
            self.current_density_A_m2,
        )
        return current / (nu * math.sinh(nu * H)) * (mod.cosh(nu * z) / k + mod.cosh(nu * (H - z)) / s)

    def ionic_current(self, z: Any, mod: Any = np) -> Any:
        nu, H, s, k, current = (
            self.nu_1_m,
            self.thickness_m,
            self.sigma_eff_S_m,
            self.kappa_eff_S_m,
            self.current_density_A_m2,
        )
        S = math.sinh(nu * H)
        return current * s * k / ((s + k) * S) * (mod.sinh(nu * z) / k + (S - mod.sinh(nu * (H - z))) / s)

    def _ionic_charge(self, z: Any, mod: Any) -> Any:
        """int_0^z i_e dz' (A/m)."""
        nu, H, s, k, current = (
            self.nu_1_m,
            self.thickness_m,
            self.sigma_eff_S_m,
            self.kappa_eff_S_m,
            self.current_density_A_m2,
        )
        S = math.sinh(nu * H)
        c = current * s * k / ((s + k) * S)
        return c * (
            (mod.cosh(nu * z) - 1.0) / (nu * k) + (S * z + (mod.cosh(nu * (H - z)) - math.cosh(nu * H)) / nu) / s
        )

    def solid_potential(self, z: Any, mod: Any = np) -> Any:
        return -(self.current_density_A_m2 * z - self._ionic_charge(z, mod)) / self.sigma_eff_S_m

    def electrolyte_potential(self, z: Any, mod: Any = np) -> Any:
        """phi_e in the host (0 <= z <= H)."""
        return self.solid_potential(z, mod) - self.overpotential(z, mod)

    def separator_potential(self, z: Any) -> Any:
        """phi_e in the separator (z >= H); linear, so the same for numpy and ufl."""
        top = float(self.electrolyte_potential(np.array(self.thickness_m)))
        return top - self.current_density_A_m2 * (z - self.thickness_m) / self.kappa_separator_S_m

    def reaction_rate_A_m3(self, z: Any, mod: Any = np) -> Any:
        """a j = g eta (A/m3), anodic positive."""
        return self.conductance_S_m3 * self.overpotential(z, mod)

    def mean_depth_m(self) -> float:
        """Reaction-weighted mean height <z> = int z a j dz / I = H - int_0^H i_e dz / I (m)."""
        return self.thickness_m - float(self._ionic_charge(np.array(self.thickness_m), np) / self.current_density_A_m2)

    def fraction(self, z_low: float, z_high: float) -> float:
        """Share of the total reaction between z_low and z_high: (i_e(z_high) - i_e(z_low)) / I."""
        return float(
            (self.ionic_current(np.array(z_high)) - self.ionic_current(np.array(z_low))) / self.current_density_A_m2
        )
