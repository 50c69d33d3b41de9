"""Refuse bad input before work starts, naming the parameter, value and range.

Pure Python (no DOLFINx), so geometries/ and studies/ use it too.
"""

from __future__ import annotations

import math

__all__ = ["ParameterError", "check_range", "check_positive", "check_choice"]


class ParameterError(ValueError):
    """A parameter value outside its allowed range; the message says which."""


def _bound(value: float, inclusive: bool) -> str:
    return f"{value:g}" if math.isfinite(value) else ("inf" if value > 0 else "-inf")


def check_range(
    name: str,
    value: float,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    low_inclusive: bool = False,
    high_inclusive: bool = False,
    unit: str = "",
) -> float:
    """Return ``value`` if it lies in the interval, else raise ParameterError.

    The message names ``name``, the value and the interval, e.g.
    ``contact_fraction = 1.2 is outside the allowed range (0, 1)``.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParameterError(f"{name} = {value!r} is not a number") from None
    too_low = number < low or (number == low and not low_inclusive)
    too_high = number > high or (number == high and not high_inclusive)
    if math.isnan(number) or too_low or too_high:
        left = "[" if low_inclusive else "("
        right = "]" if high_inclusive else ")"
        suffix = f" {unit}" if unit else ""
        raise ParameterError(
            f"{name} = {value!r}{suffix} is outside the allowed range "
            f"{left}{_bound(low, low_inclusive)}, {_bound(high, high_inclusive)}{right}{suffix}"
        )
    return number


def check_positive(name: str, value: float, unit: str = "") -> float:
    """Return ``value`` if it is a finite number > 0, else raise ParameterError."""
    return check_range(name, value, 0.0, math.inf, unit=unit)


def check_choice(name: str, value: str, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise ParameterError."""
    if value not in choices:
        raise ParameterError(f"{name} = {value!r} is not one of {', '.join(map(repr, choices))}")
    return value
