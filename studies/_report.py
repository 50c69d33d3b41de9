"""Shared report helpers: markdown tables, environment block, figure files.

Every study writes report.json (stable keys, units in names), report.md (for
people) and figures through these, so reports look alike and no study copies
another's formatting loop.
"""

from __future__ import annotations

import math
import platform
from collections.abc import Sequence
from typing import Any

from mpi4py import MPI

from fem.mesh_io import package_versions

__all__ = ["markdown_table", "environment", "format_number", "percent_error"]


def format_number(value: Any, digits: int = 4) -> str:
    """Human formatting: ``g`` with ``digits`` significant digits, '-' for None/NaN."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.{digits}g}"
    return str(value)


def markdown_table(rows: Sequence[dict[str, Any]], columns: Sequence[tuple[str, str]]) -> str:
    """Render ``rows`` as a markdown table; ``columns`` are (key, header) pairs."""
    header = "| " + " | ".join(h for _, h in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(format_number(row.get(k)) for k, _ in columns) + " |" for row in rows]
    return "\n".join([header, rule, *body])


def environment(comm: MPI.Comm, n_groups: int = 1) -> dict[str, Any]:
    """Versions and parallel layout, for report.json."""
    return {
        "mpi_ranks": comm.size,
        "sweep_groups": n_groups,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "versions": package_versions(),
    }


def percent_error(value: float, reference: float) -> float:
    """100 (value - reference) / reference."""
    return 100.0 * (value - reference) / reference
