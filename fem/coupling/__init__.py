"""Coupled problems: staggered loops that pass interface fields between the physics subpackages.

* stripping: the coupled stripping cell (current on the contacting interface,
  stripped depth, Li creep with unilateral contact, voids opening and closing).

Interface fields and their transfer between the two meshes live in the core
(fem.interface), because mechanics' contact reads them too.
"""

from fem.coupling.stripping import (
    LI_MOLAR_VOLUME_M3_MOL,
    StrippingCell,
    StrippingHistory,
    StrippingSettings,
    StrippingStep,
    capacity_C_m2,
    creep_contact_options,
)
from fem.coupling.vacancy_voids import VacancyVoiding, attach_vacancy_voiding

__all__ = [
    "LI_MOLAR_VOLUME_M3_MOL",
    "StrippingCell",
    "StrippingHistory",
    "StrippingSettings",
    "StrippingStep",
    "VacancyVoiding",
    "attach_vacancy_voiding",
    "capacity_C_m2",
    "creep_contact_options",
]
