"""Shared report helpers: the report skeleton, markdown tables, environment block, figure list.

Every study writes report.json (stable keys, units in names), report.md (for
people) and figures through these, so reports look alike and no study copies
another's formatting loop:

* :func:`study_report` opens report.json with the keys every study has
  (``study``, ``parameters``, the study's own sections, ``environment``,
  ``wall_time_s``);
* :func:`write_report_files` writes report.json and report.md (rank 0);
* :func:`markdown_table` renders rows under (key, header) columns; the key
  carries the unit in its name and the header says it in parentheses,
  ``("peak_current_density_mA_cm2", "peak i (mA/cm2)")``;
* :func:`figures_section` and :func:`run_note` are the closing lines of
  report.md;
* :func:`write_benchmark_rows` is the output of the scaling benchmarks
  (studies.benchmarks): json, markdown table, speed-up over 1 rank.
"""

from __future__ import annotations

import dataclasses
import json
import math
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mpi4py import MPI

from fem.mesh_io import package_versions
from studies._output import write_json

__all__ = [
    "markdown_table",
    "environment",
    "format_number",
    "percent_error",
    "study_report",
    "write_report_files",
    "figures_section",
    "run_note",
    "yes_no",
    "write_benchmark_rows",
]


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


def yes_no(flag: bool) -> str:
    """'yes' or 'no' (report.md verdicts)."""
    return "yes" if flag else "no"


def study_report(
    study: str, cfg: Any, comm: MPI.Comm, wall: float, parameters_key: str = "parameters", **sections: Any
) -> dict[str, Any]:
    """The report.json dictionary every study writes: ``study``, the config dataclass under
    ``parameters_key``, the study's own ``sections`` in order, ``environment`` (ranks, rank groups
    ``cfg.groups``, versions) and ``wall_time_s``."""
    return {
        "study": study,
        parameters_key: dataclasses.asdict(cfg),
        **sections,
        "environment": environment(comm, cfg.groups),
        "wall_time_s": wall,
    }


def write_report_files(out: Path, report: dict[str, Any], markdown: str) -> dict[str, Any]:
    """Write ``report`` as out/report.json and ``markdown`` as out/report.md (rank 0); return the report."""
    write_json(out / "report.json", report)
    (out / "report.md").write_text(markdown)
    return report


def figures_section(figures: Sequence[str], heading: str = "## Figures") -> list[str]:
    """report.md lines that show every figure (paths relative to the report); none without figures."""
    if not figures:
        return []
    return [heading, "", *(f"![{Path(f).stem}]({f})" for f in figures), ""]


def run_note(report: dict[str, Any]) -> str:
    """'N MPI rank(s), wall time T s.' from report.json's environment and wall time."""
    return f"{report['environment']['mpi_ranks']} MPI rank(s), wall time {report['wall_time_s']:.1f} s."


def write_benchmark_rows(
    out: Path,
    stem: str,
    benchmark: str,
    rows: list[dict[str, Any]],
    columns: Sequence[tuple[str, str]],
    title: str,
    seconds_key: str,
    comm: MPI.Comm,
) -> None:
    """A scaling benchmark's output (rank 0 writes, the table is printed): out/<stem>_np<N>.json
    ({benchmark, environment, rows}) and out/<stem>_np<N>.md (``# title, N rank(s)`` and the table).
    On more than one rank each row whose ``num_dofs`` the 1-rank file also has gains
    ``speedup_vs_1_rank``: the 1-rank ``seconds_key`` over this run's."""
    if comm.rank != 0:
        return
    out.mkdir(parents=True, exist_ok=True)
    serial = out / f"{stem}_np1.json"
    if comm.size > 1 and serial.exists():
        reference = {r["num_dofs"]: r for r in json.loads(serial.read_text())["rows"]}
        for row in rows:
            if row["num_dofs"] in reference:
                row["speedup_vs_1_rank"] = reference[row["num_dofs"]][seconds_key] / row[seconds_key]
    report = {"benchmark": benchmark, "environment": environment(comm), "rows": rows}
    (out / f"{stem}_np{comm.size}.json").write_text(json.dumps(report, indent=2))
    table = markdown_table(rows, columns)
    (out / f"{stem}_np{comm.size}.md").write_text(f"# {title}, {comm.size} rank(s)\n\n{table}\n")
    print(table)
