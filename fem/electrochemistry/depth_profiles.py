"""Depth profiles of a layered host: uniform, piecewise-constant layers, linear, or any function of z.

A profile is called as ``profile(z, thickness_m)`` with depths z (m, 0 at the
current collector) and returns the values there; ``breakpoints(thickness_m)``
lists the interior depths where it may jump, so meshes can put node planes
there (fem.electrochemistry.porous_electrode).  :func:`check_profile` refuses a profile that
leaves the host or a value outside its allowed range, naming the parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from fem.validation import ParameterError, check_positive, check_range

__all__ = ["Profile", "Uniform", "Layers", "Linear", "Continuous", "as_profile", "check_profile"]



@dataclass(frozen=True, slots=True)
class Uniform:
    """The same value at every depth."""

    value: float

    def breakpoints(self, thickness_m: float) -> tuple[float, ...]:
        return ()

    def __call__(self, z: np.ndarray, thickness_m: float) -> np.ndarray:
        return np.full(np.shape(z), float(self.value))


@dataclass(frozen=True, slots=True)
class Layers:
    """Piecewise-constant layers, bottom (current collector) to top (separator).

    Attributes:
        thicknesses_m: layer thicknesses (m); they must sum to the host thickness.
        values: the value in each layer.
    """

    thicknesses_m: tuple[float, ...]
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.thicknesses_m) != len(self.values) or not self.values:
            raise ParameterError(
                f"Layers: {len(self.values)} values for {len(self.thicknesses_m)} thicknesses_m (need equal, >= 1)"
            )
        for k, t in enumerate(self.thicknesses_m):
            check_positive(f"thicknesses_m[{k}]", t, "m")

    def edges(self, thickness_m: float) -> np.ndarray:
        """Layer boundaries 0 ... H (m), the last one exactly H."""
        z = np.concatenate([[0.0], np.cumsum(self.thicknesses_m)])
        z[-1] = thickness_m
        return z

    def breakpoints(self, thickness_m: float) -> tuple[float, ...]:
        return tuple(float(z) for z in self.edges(thickness_m)[1:-1])

    def __call__(self, z: np.ndarray, thickness_m: float) -> np.ndarray:
        index = np.searchsorted(self.edges(thickness_m), z, side="right") - 1
        return np.asarray(self.values, dtype=float)[np.clip(index, 0, len(self.values) - 1)]


@dataclass(frozen=True, slots=True)
class Linear:
    """Linear in depth from ``bottom`` (z = 0) to ``top`` (z = H)."""

    bottom: float
    top: float

    def breakpoints(self, thickness_m: float) -> tuple[float, ...]:
        return ()

    def __call__(self, z: np.ndarray, thickness_m: float) -> np.ndarray:
        s = np.asarray(z) / thickness_m
        return self.bottom + (self.top - self.bottom) * s


@dataclass(frozen=True, slots=True)
class Continuous:
    """Any smooth profile: ``function(z)`` with z the height above the collector (m), vectorised."""

    function: Callable[[np.ndarray], np.ndarray]
    description: str = ""

    def breakpoints(self, thickness_m: float) -> tuple[float, ...]:
        return ()

    def __call__(self, z: np.ndarray, thickness_m: float) -> np.ndarray:
        return np.broadcast_to(np.asarray(self.function(np.asarray(z)), dtype=float), np.shape(z)).copy()


Profile = Uniform | Layers | Linear | Continuous


def as_profile(value: float | Profile) -> Profile:
    """A number becomes :class:`Uniform`; a profile is returned unchanged."""
    if isinstance(value, Uniform | Layers | Linear | Continuous):
        return value
    return Uniform(float(value))


def _sample_depths(profile: Profile, thickness_m: float) -> np.ndarray:
    """Depths where a profile is checked: a fine grid and both sides of every breakpoint."""
    tiny = 1e-9 * thickness_m
    sides = [z + s for z in profile.breakpoints(thickness_m) for s in (-tiny, tiny)]
    return np.unique(np.concatenate([np.linspace(0.0, thickness_m, 257), sides]))


def check_profile(
    name: str, profile: Profile, thickness_m: float, low: float, high: float = math.inf, **bounds: Any
) -> None:
    """Refuse a profile that leaves the host or takes a value outside [low, high] (bounds as check_range)."""
    if isinstance(profile, Layers):
        total = math.fsum(profile.thicknesses_m)
        if abs(total - thickness_m) > 1e-9 * thickness_m:
            raise ParameterError(
                f"{name}: layer thicknesses sum to {total:.6g} m, not the host thickness {thickness_m:.6g} m: the "
                f"profile {'leaves' if total > thickness_m else 'does not fill'} the host"
            )
    z = _sample_depths(profile, thickness_m)
    values = profile(z, thickness_m)
    bad = ~np.isfinite(values)
    if bad.any():
        raise ParameterError(f"{name} is not finite at z = {z[bad][0]:.6g} m")
    for k in (int(np.argmin(values)), int(np.argmax(values))):
        check_range(f"{name} at z = {z[k]:.4g} m", float(values[k]), low, high, **bounds)
