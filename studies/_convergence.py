"""Mesh-refinement checks shared by the studies: Richardson extrapolation and a verdict."""

from __future__ import annotations

import math
from typing import Any

from studies._report import markdown_table, percent_error

__all__ = ["richardson", "convergence_summary", "convergence_markdown", "reference_convergence"]


def richardson(values: list[float], ratio: float) -> tuple[float, float]:
    """(extrapolated value, observed order) from three levels refined by ``ratio``.

    Non-monotone or stagnant sequences return the finest value and NaN order.
    """
    d1, d2 = values[1] - values[0], values[2] - values[1]
    if d1 == 0.0 or d2 == 0.0 or d1 * d2 < 0.0:
        return values[-1], float("nan")
    order = math.log(abs(d1 / d2)) / math.log(ratio)
    return values[-1] + d2 / (ratio**order - 1.0), order


def convergence_summary(
    levels: list[dict[str, Any]], quantities: tuple[str, ...], ratio: float, tolerance_percent: float
) -> dict[str, Any]:
    """Compare the coarsest level (the one the sweep uses) with the extrapolated values.

    ``levels`` are case results ordered from coarse to fine, each with
    ``refinement``, ``num_dofs`` and the ``quantities``.  With three or more
    levels the reference is the Richardson value of the finest three, else the
    finest value.  ``converged`` says whether every quantity is within
    ``tolerance_percent``.
    """
    summary: dict[str, Any] = {
        "refinement": [r["refinement"] for r in levels],
        "num_dofs": [r["num_dofs"] for r in levels],
        "tolerance_percent": tolerance_percent,
        "quantities": {},
    }
    converged = True
    for key in quantities:
        values = [r[key] for r in levels]
        entry: dict[str, Any] = {"values": values}
        reference = values[-1]
        if len(values) >= 3:
            reference, order = richardson(values[-3:], ratio)
            entry.update({"extrapolated": reference, "observed_order": order})
        entry["sweep_level_error_percent"] = abs(percent_error(values[0], reference))
        converged &= entry["sweep_level_error_percent"] <= tolerance_percent
        summary["quantities"][key] = entry
    summary["converged"] = converged
    return summary


def reference_convergence(
    cfg: Any, results: list[dict[str, Any]], reference: dict[str, Any], sweep: str, quantities: tuple[str, ...]
) -> dict[str, Any] | None:
    """The mesh check of a study's reference case: None without one (``cfg.refinement_levels`` < 2),
    else :func:`convergence_summary` (``cfg.refinement_ratio``, ``cfg.convergence_tolerance_percent``)
    over the results that match every item of ``reference`` and belong to the reference case's
    ``sweep`` (the coarsest level, run by the sweep) or to the ``refinement`` cases, ordered by
    refinement; ``reference`` heads the returned dictionary."""
    if cfg.refinement_levels < 2:
        return None
    levels = sorted(
        (
            r
            for r in results
            if all(r[key] == value for key, value in reference.items()) and r["sweep"] in (sweep, "refinement")
        ),
        key=lambda r: r["refinement"],
    )
    summary = convergence_summary(levels, quantities, cfg.refinement_ratio, cfg.convergence_tolerance_percent)
    return {**reference, **summary}


def convergence_markdown(summary: dict[str, Any], case_description: str) -> list[str]:
    """Report lines: verdict sentence and a table of the levels."""
    rows = [
        {
            "quantity": key,
            **{f"level {i}": v for i, v in enumerate(q["values"])},
            "extrapolated": q.get("extrapolated"),
            "order": q.get("observed_order"),
            "error": q["sweep_level_error_percent"],
        }
        for key, q in summary["quantities"].items()
    ]
    columns = [("quantity", "quantity")]
    columns += [
        (f"level {i}", f"x{r:.3g} ({d} dofs)")
        for i, (r, d) in enumerate(zip(summary["refinement"], summary["num_dofs"], strict=True))
    ]
    columns += [("extrapolated", "Richardson"), ("order", "observed order"), ("error", "sweep-level error (%)")]
    verdict = "within" if summary["converged"] else "NOT within"
    return [
        "## Mesh convergence",
        "",
        f"Reference case {case_description}, every element size divided by the refinement factor. The sweep's "
        f"resolution is {verdict} the stated tolerance of {summary['tolerance_percent']:g}% of the "
        "Richardson-extrapolated values.",
        "",
        markdown_table(rows, columns),
        "",
    ]
