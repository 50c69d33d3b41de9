"""The safe-zone map: failure mode at every (current density, areal capacity) point, and its picture.

A point (j, Q) is ``safe`` when Q < min_m Q_m(j) over the mechanisms m of its case; otherwise it is
labelled with argmin_m Q_m(j), the first mechanism to fail while the capacity is passed.  The grid
is log-spaced on both axes, so the safe area fraction is the fraction of the log-log map.
``failure_mode[k][i]`` is the mode at areal capacity k and current density i.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from studies.safe_zone.boundary import Boundary
from studies.safe_zone.config import MECHANISMS, MapCase

__all__ = ["SafeZoneMap", "classify", "COLOURS"]

#: Fill colour of each region (safe first).
COLOURS = {
    "safe": "#d9f2d9",
    "voiding": "#9ecae1",
    "stress": "#fdae6b",
    "dendrite": "#e377c2",
    "sand": "#bcbd22",
    "host_full": "#c7c7c7",
}


def classify(
    current_density_mA_cm2: np.ndarray,
    areal_capacity_mAh_cm2: np.ndarray,
    boundaries: list[Boundary],
    band: str = "nominal",
) -> np.ndarray:
    """failure_mode[k][i] (strings) of the grid from the boundaries' Q_m(j)."""
    j = np.asarray(current_density_mA_cm2, dtype=float)
    q = np.asarray(areal_capacity_mAh_cm2, dtype=float)
    modes = np.full((q.size, j.size), "safe", dtype=object)
    if not boundaries:
        return modes
    limits = np.array([b.capacity_at(j, band) for b in boundaries])  # (mechanism, j)
    first = np.argmin(limits, axis=0)
    lowest = limits[first, np.arange(j.size)]
    for i in range(j.size):
        failed = q >= lowest[i]
        modes[failed, i] = boundaries[first[i]].mechanism
    return modes


@dataclass
class SafeZoneMap:
    """One map: its case, axes, boundaries and the failure mode of every grid point."""

    case: MapCase
    current_density_mA_cm2: np.ndarray
    areal_capacity_mAh_cm2: np.ndarray
    boundaries: list[Boundary]
    failure_mode: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.failure_mode = classify(self.current_density_mA_cm2, self.areal_capacity_mAh_cm2, self.boundaries)

    @property
    def safe_area_fraction(self) -> float:
        """Fraction of the (log-log uniform) grid that is safe."""
        return float(np.mean(self.failure_mode == "safe"))

    def band_safe_area_fractions(self) -> dict[str, float]:
        """Safe area with every boundary at its low (pessimistic) and high (optimistic) band."""
        return {
            band: float(
                np.mean(
                    classify(self.current_density_mA_cm2, self.areal_capacity_mAh_cm2, self.boundaries, band) == "safe"
                )
            )
            for band in ("low", "high")
        }

    def boundary(self, mechanism: str) -> Boundary | None:
        return next((b for b in self.boundaries if b.mechanism == mechanism), None)

    def to_report(self) -> dict[str, Any]:
        """The report.json entry (keys as issue 16 specifies)."""
        return {
            "electrolyte": self.case.electrolyte,
            "host": self.case.host,
            "stack_pressure_MPa": self.case.stack_pressure_MPa,
            "temperature_K": self.case.temperature_K,
            "current_density_mA_cm2": [float(x) for x in self.current_density_mA_cm2],
            "areal_capacity_mAh_cm2": [float(x) for x in self.areal_capacity_mAh_cm2],
            "failure_mode": self.failure_mode.tolist(),
            "failure_mode_index_order": "failure_mode[areal_capacity index][current_density index]",
            "boundaries": [b.to_report() for b in self.boundaries],
            "safe_area_fraction": self.safe_area_fraction,
            "safe_area_fraction_band": self.band_safe_area_fractions(),
        }

    def plot(self, ax: Any, published: list[dict[str, Any]] | None = None) -> None:
        """Filled regions per mechanism, each boundary with its band, and ``published`` points
        ({current_density_mA_cm2, areal_capacity_mAh_cm2 or None, label, marker})."""
        from matplotlib.colors import ListedColormap
        from matplotlib.patches import Patch

        j, q = self.current_density_mA_cm2, self.areal_capacity_mAh_cm2
        names = ["safe", *MECHANISMS]
        index = np.vectorize(names.index)(self.failure_mode)
        edges_j, edges_q = _edges(j), _edges(q)
        ax.pcolormesh(
            edges_j,
            edges_q,
            index,
            cmap=ListedColormap([COLOURS[n] for n in names]),
            vmin=-0.5,
            vmax=len(names) - 0.5,
            shading="flat",
        )
        fine = np.geomspace(edges_j[0], edges_j[-1], 400)
        for b in self.boundaries:
            colour = _darker(COLOURS[b.mechanism])
            nominal = _clip(b.capacity_at(fine), edges_q)
            low, high = _clip(b.capacity_at(fine, "low"), edges_q), _clip(b.capacity_at(fine, "high"), edges_q)
            ax.fill_between(fine, low, high, color=colour, alpha=0.18, lw=0)
            ax.plot(fine, nominal, "-", color=colour, lw=1.6)
        present = [n for n in names if np.any(self.failure_mode == n)]
        handles = [Patch(color=COLOURS[n], label=n) for n in present]
        for point in published or []:
            y = point.get("areal_capacity_mAh_cm2")
            if y is None:
                ax.axvline(
                    point["current_density_mA_cm2"], color="k", ls=point.get("style", ":"), lw=1.2, label=point["label"]
                )
            else:
                ax.plot(point["current_density_mA_cm2"], y, point.get("marker", "k*"), ms=9, label=point["label"])
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(edges_j[0], edges_j[-1])
        ax.set_ylim(edges_q[0], edges_q[-1])
        ax.set_xlabel("current density (mA/cm2)")
        ax.set_ylabel("areal capacity (mAh/cm2)")
        ax.set_title(f"{self.case.label()}: safe {100 * self.safe_area_fraction:.0f} %", fontsize=9)
        lines, labels = ax.get_legend_handles_labels()
        ax.legend(handles=handles + lines, fontsize=7, loc="lower left")


def _edges(axis: np.ndarray) -> np.ndarray:
    """Cell edges (geometric midpoints) of a log-spaced axis."""
    log = np.log(axis)
    mid = 0.5 * (log[1:] + log[:-1])
    return np.exp(np.concatenate([[2 * log[0] - mid[0]], mid, [2 * log[-1] - mid[-1]]]))


def _clip(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Boundary values for drawing: inf above the plot, 0 below it."""
    top, bottom = edges[-1] * 10.0, edges[0] / 10.0
    return np.where(np.isinf(values), top, np.maximum(values, bottom))


def _darker(colour: str) -> tuple[float, float, float]:
    from matplotlib.colors import to_rgb

    return tuple(0.55 * c for c in to_rgb(colour))


def finite(value: float) -> bool:
    return value is not None and math.isfinite(value)
