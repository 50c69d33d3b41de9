"""What the two deposition studies share (studies.deposition, homogenised; studies.deposition_resolved,
pore-resolved): the kinetics on the scaffold, the case naming, the shared help texts and the capacity
conversion.  The comparison with Pu et al. 2019 both make is in studies._literature."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fem.electrochemistry.porous_electrode import C_M2_PER_MAH_CM2, VolumeKinetics
from fem.materials import interface_kinetics
from studies._cli import COMMON_HELP
from studies._units import A_M2_PER_MA_CM2

__all__ = ["HostKinetics", "Case", "HOST_HELP", "capacity_or_none_mAh_cm2"]


class HostKinetics:
    """Kinetics on the scaffold surface of a deposition config (fields ``interface`` and
    ``exchange_current_density_mA_cm2``, the override of the set's i0): a base of both configs."""

    interface: str
    exchange_current_density_mA_cm2: float | None

    @property
    def i0_A_m2(self) -> float:
        """Exchange current density on the scaffold, A/m2 (the override or the interface set's)."""
        if self.exchange_current_density_mA_cm2 is not None:
            return self.exchange_current_density_mA_cm2 * A_M2_PER_MA_CM2
        return interface_kinetics(self.interface).exchange_current_density_A_m2

    @property
    def kinetics(self) -> VolumeKinetics:
        """Butler-Volmer of the interface set as a volumetric law (fem.electrochemistry.porous_electrode)."""
        return VolumeKinetics.from_butler_volmer(interface_kinetics(self.interface))


@dataclass(frozen=True)
class Case:
    """One host: ``sweep`` is conductivity, host, porosity or verification; ``name`` the variant."""

    sweep: str
    name: str
    sigma_ratio: float = float("nan")

    def label(self) -> str:
        ratio = f", sigma/kappa = {self.sigma_ratio:g}" if self.sweep in ("conductivity", "verification") else ""
        return f"{self.sweep}: {self.name}{ratio}"

    @property
    def case_id(self) -> str:
        suffix = f"_{self.sigma_ratio:g}" if self.sweep in ("conductivity", "verification") else ""
        return f"{self.sweep}_{self.name}{suffix}".replace(".", "p").replace("+", "")


def capacity_or_none_mAh_cm2(charge_C_m2: float) -> float | None:
    """Charge per area (C/m2) in mAh/cm2; None for an infinite charge (the pores never fill)."""
    return None if not math.isfinite(charge_C_m2) else charge_C_m2 / C_M2_PER_MAH_CM2


#: Help texts of the fields both deposition studies have.
HOST_HELP = {
    **COMMON_HELP,
    "degree": "Lagrange degree of both potentials, 1 or 2",
    "sigma_ratios": "scaffold / electrolyte conductivity ratios of the sweep, comma-separated, in [1e-8, 1e8]",
    "current_density_mA_cm2": "plating current density, mA/cm2, in (0, 100)",
    "interface": "interface kinetics parameter set for alpha and i0 (fem/data/materials.toml)",
    "lithiophilic_i0_factor": "i0 on the lithiophilic (Au) bottom layer over i0 on Ni, >= 1",
}
