"""Published numbers the studies put their results next to, in one place, with their sources.

Each study's report has a literature comparison: the published finding as
the report quotes it (the constants here), then the model's numbers.  Several
studies compare with the same paper (Pu et al. 2019: the homogenised and the
pore-resolved deposition studies), so the finding and the verdict on it live
here and not in either study.  Values are as summarised in PARAMETERS.md
(review seed); each names its paper.
"""

from __future__ import annotations

import math
from typing import Any

from studies._report import yes_no

__all__ = [
    "PU_2019",
    "plating_direction_verdict",
    "plating_direction_lines",
    "YANG_2023",
    "KASEMCHAINAN_2019_LPSCL",
    "KASEMCHAINAN_2019_EXPONENT",
    "ILI_SPE_REDUCTION_PERCENT",
    "ILI_SPE_SOURCE",
]

#: Pu et al. 2019 (review Fig. 5a): where Li plates in bare and gradient Ni scaffolds.
PU_2019 = (
    "Pu et al., Nat. Commun. 10 (2019) 1896 (review Fig. 5a): bare Ni plated on its top surface at about "
    "3 mAh/cm2; the Al2O3-top / Au-bottom dual-gradient Ni scaffold plated bottom-up at 3-8 mAh/cm2."
)

#: Yang et al. 2023 as summarised in PARAMETERS.md (review seed, section 2.2.1).
YANG_2023 = (
    "Yang et al. 2023 (LTO | SSE | Li, in-situ stack-pressure measurement): when Li is deposited faster than it "
    "can creep away, stress accumulates; the cell failed after 4 cycles at 1.5 mAh."
)

#: Kasemchainan et al., Nat. Mater. 18 (2019) 1105, Li | Li6PS5Cl | Li: (stack pressure MPa, critical
#: stripping current mA/cm2).
KASEMCHAINAN_2019_LPSCL = ((3.0, 0.2), (7.0, 1.0))


#: m in i_c ~ p^m through the two published points.
KASEMCHAINAN_2019_EXPONENT = math.log(KASEMCHAINAN_2019_LPSCL[1][1] / KASEMCHAINAN_2019_LPSCL[0][1]) / math.log(
    KASEMCHAINAN_2019_LPSCL[1][0] / KASEMCHAINAN_2019_LPSCL[0][0]
)

#: Reported reduction of the local current density by spiral-wound interdigitated Li | polymer
#: electrolyte vs planar Li (COMSOL; review seed, I-Li@SPE, Cui et al.).
ILI_SPE_REDUCTION_PERCENT = 60.0
ILI_SPE_SOURCE = "review seed: I-Li@SPE spiral-wound Li | polymer electrolyte, Cui et al. (COMSOL)"


def plating_direction_verdict(bare: dict[str, Any], dual: dict[str, Any]) -> dict[str, Any]:
    """Pu et al.'s contrast in a model's numbers: bare Ni plates on its top (bottom-up index below 0,
    more in the top third than in the bottom third) and the dual gradient bottom-up (the reverse).
    ``bare`` and ``dual`` hold ``bottom_up_index``, ``fraction_top`` and ``fraction_bottom``; the
    ``reference`` is :data:`PU_2019`."""
    return {
        "bare_Ni_plates_on_top": bare["bottom_up_index"] < 0.0 and bare["fraction_top"] > bare["fraction_bottom"],
        "dual_gradient_plates_bottom_up": dual["bottom_up_index"] > 0.0
        and dual["fraction_bottom"] > dual["fraction_top"],
        "reference": PU_2019,
    }


def plating_direction_lines(
    model: str, verdict: dict[str, Any], bare_note: str, dual_note: str, caveat: str
) -> list[str]:
    """report.md lines: Pu et al.'s finding, then ``model``'s yes/no on both hosts with the notes in
    parentheses and the caveat of the comparison."""
    return [
        f"Literature: {PU_2019}",
        "",
        f"{model}: bare Ni plates on top: **{yes_no(verdict['bare_Ni_plates_on_top'])}** ({bare_note}); dual "
        f"gradient plates bottom-up: **{yes_no(verdict['dual_gradient_plates_bottom_up'])}** ({dual_note}). " + caveat,
        "",
    ]
