"""Unit factors between SI (fem/, geometries/) and the field's units the studies speak.

Every study converts at its edges with these (``x_um * UM`` into a builder,
``i_A_m2 / A_M2_PER_MA_CM2`` into a report), so no study defines its own.
"""

from __future__ import annotations

__all__ = [
    "UM",
    "MPA",
    "A_M2_PER_MA_CM2",
    "OHM_CM2_PER_OHM_M2",
    "C_M2_PER_MAH_CM2",
    "S_M_PER_MS_CM",
    "PER_M_PER_PER_CM",
]

#: m per micrometre.
UM = 1e-6
#: Pa per MPa.
MPA = 1e6
#: A/m2 per mA/cm2.
A_M2_PER_MA_CM2 = 10.0
#: ohm cm2 per ohm m2.
OHM_CM2_PER_OHM_M2 = 1e4
#: C/m2 per mAh/cm2 (1 mAh/cm2 = 3.6 C/cm2 = 3.6e4 C/m2).
C_M2_PER_MAH_CM2 = 36.0e3
#: S/m per mS/cm.
S_M_PER_MS_CM = 0.1
#: 1/m per 1/cm.
PER_M_PER_PER_CM = 100.0
