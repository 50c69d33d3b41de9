"""Physical constants and lithium kinematics (SI units).

Sources: CODATA 2018 for F and R; Li molar mass and density from the CRC
handbook, as collected in shared PARAMETERS.md.
"""

from __future__ import annotations

__all__ = [
    "FARADAY_C_PER_MOL",
    "GAS_CONSTANT_J_PER_MOL_K",
    "LI_MOLAR_MASS_KG_PER_MOL",
    "LI_DENSITY_KG_PER_M3",
    "LI_MOLAR_VOLUME_M3_PER_MOL",
    "ROOM_TEMPERATURE_K",
    "thermal_voltage",
]

FARADAY_C_PER_MOL = 96485.33212
GAS_CONSTANT_J_PER_MOL_K = 8.314462618
LI_MOLAR_MASS_KG_PER_MOL = 6.941e-3
LI_DENSITY_KG_PER_M3 = 534.0
LI_MOLAR_VOLUME_M3_PER_MOL = LI_MOLAR_MASS_KG_PER_MOL / LI_DENSITY_KG_PER_M3
ROOM_TEMPERATURE_K = 298.15


def thermal_voltage(temperature_K: float) -> float:
    """Return RT/F in volts at ``temperature_K`` (K)."""
    return GAS_CONSTANT_J_PER_MOL_K * temperature_K / FARADAY_C_PER_MOL
