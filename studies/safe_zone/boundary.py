"""A failure boundary Q_m(j): the areal capacity (mAh/cm2) at which mechanism m ends a cell run at
nominal current density j (mA/cm2); inf where it never does, 0 where it fails at once.

A boundary is stored as samples (j_k, Q_k) with a low and a high band (the envelope over the
parameters' literature ranges) and, for mechanisms that switch on above a current, the threshold
current density j_c: Q = inf for j < j_c.  Between samples Q is interpolated in log-log; a sample
that is inf makes its neighbourhood inf (the transition is resolved to the sample spacing).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

__all__ = ["Boundary", "BAND_KEYS"]

#: Which capacity list each band uses: nominal, low (pessimistic envelope), high (optimistic envelope).
BAND_KEYS = {"nominal": "capacity_mAh_cm2", "low": "capacity_low_mAh_cm2", "high": "capacity_high_mAh_cm2"}
_HUGE = 1e30


@dataclass
class Boundary:
    """Samples of one mechanism's failure capacity against current density, with its band."""

    mechanism: str
    current_density_mA_cm2: list[float]
    capacity_mAh_cm2: list[float]
    capacity_low_mAh_cm2: list[float]
    capacity_high_mAh_cm2: list[float]
    threshold_mA_cm2: float | None = None
    threshold_low_mA_cm2: float | None = None
    threshold_high_mA_cm2: float | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def _threshold(self, band: str) -> float | None:
        return {"nominal": self.threshold_mA_cm2, "low": self.threshold_low_mA_cm2, "high": self.threshold_high_mA_cm2}[
            band
        ]

    def capacity_at(self, current_density_mA_cm2: Any, band: str = "nominal") -> np.ndarray:
        """Q_m(j) in mAh/cm2 at the given current densities (inf: never fails there)."""
        j = np.atleast_1d(np.asarray(current_density_mA_cm2, dtype=float))
        samples_j = np.asarray(self.current_density_mA_cm2, dtype=float)
        samples_q = np.asarray(getattr(self, BAND_KEYS[band]), dtype=float)
        order = np.argsort(samples_j)
        samples_j, samples_q = samples_j[order], samples_q[order]
        finite_q = np.clip(np.where(np.isinf(samples_q), _HUGE, samples_q), 1e-30, _HUGE)
        q = np.exp(np.interp(np.log(j), np.log(samples_j), np.log(finite_q)))
        q = np.where(q >= 1e-3 * _HUGE, math.inf, q)
        q = np.where(q <= 1e-29, 0.0, q)
        threshold = self._threshold(band)
        if threshold is not None:
            q = np.where(j < threshold, math.inf, q)
        return q

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Boundary:
        return cls(**data)

    def to_report(self) -> dict[str, Any]:
        """report.json form: inf ('never fails') as null; capacities named areal_capacity_*_mAh_cm2."""

        def clean(values: Any) -> Any:
            if isinstance(values, list):
                return [clean(v) for v in values]
            if isinstance(values, float) and (math.isinf(values) or math.isnan(values)):
                return None
            return values

        names = {
            "capacity_mAh_cm2": "areal_capacity_mAh_cm2",
            "capacity_low_mAh_cm2": "areal_capacity_low_mAh_cm2",
            "capacity_high_mAh_cm2": "areal_capacity_high_mAh_cm2",
            "threshold_mA_cm2": "threshold_current_density_mA_cm2",
            "threshold_low_mA_cm2": "threshold_current_density_low_mA_cm2",
            "threshold_high_mA_cm2": "threshold_current_density_high_mA_cm2",
        }
        return {names.get(key, key): clean(value) for key, value in asdict(self).items()}
