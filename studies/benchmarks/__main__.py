"""Run the solver benchmarks at chosen sizes on 1..N ranks and write one table and one figure.

Each benchmark (studies.benchmarks.current_solver, .mechanics, .stripping; on request
mechanics_mixed, the mechanics benchmark with ``--formulation mixed``) runs
as its own ``mpirun -n N`` job per rank count, writing its JSON into ``--out``;
this driver (not itself an MPI program) then collects them into
``summary.md``/``summary.json`` (dofs, Newton and Krylov iterations, set-up and
timed-phase seconds, the bare DOLFINx reference of the same size measured in
the same run and the ratio, speed-up over 1 rank, peak RSS per rank, load) and
``time_vs_dofs.png`` (log-log, with the least-squares slope of each series)::

    containers/run python3 -m studies.benchmarks --out results/bench --ranks 1,2 \\
        --current-cells 21,46 --mechanics-cells 12,25 --stripping-cells 8,12
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

from studies._cli import int_list, string_list
from studies._figures import MARKERS, line_plot, series
from studies._report import markdown_table
from studies.benchmarks._common import SUMMARY_COLUMNS, fitted_slope, summary_row

BENCHMARKS = ("current_solver", "mechanics", "mechanics_mixed", "stripping")
#: Run by default (mechanics_mixed, the mixed P1-P1 creep form at the mechanics sizes, on request).
DEFAULT_BENCHMARKS = ("current_solver", "mechanics", "stripping")
#: Benchmarks that are another benchmark module run with extra arguments.
_VARIANTS: dict[str, tuple[str, list[str]]] = {"mechanics_mixed": ("mechanics", ["--formulation", "mixed"])}


def _output_file(out: Path, benchmark: str, ranks: int) -> Path:
    if benchmark == "stripping":
        return out / f"stripping-benchmark-{ranks}.json"
    return out / f"{benchmark}_np{ranks}.json"


def _rows(out: Path, benchmark: str, ranks: int) -> list[dict[str, Any]]:
    data = json.loads(_output_file(out, benchmark, ranks).read_text())
    return data if isinstance(data, list) else data["rows"]


def collect(out: Path, benchmarks: list[str], ranks: list[int]) -> list[dict[str, Any]]:
    """Summary rows of the benchmark outputs in ``out``, with the speed-up over the 1-rank row of the same dofs."""
    rows = []
    for benchmark in benchmarks:
        serial: dict[tuple[str, int], float] = {}
        for n in ranks:
            if not _output_file(out, benchmark, n).exists():
                continue
            for raw in _rows(out, benchmark, n):
                row = summary_row(benchmark, n, raw)
                key = (row["benchmark"], row["dofs"])  # stripping rows carry their contact method and solver
                if n == 1:
                    serial[key] = row["seconds"]
                row["speedup_vs_1_rank"] = serial[key] / row["seconds"] if key in serial else math.nan
                rows.append(row)
    return rows


def write_summary(out: Path, rows: list[dict[str, Any]]) -> None:
    """summary.json, summary.md (the table and the fitted slopes) and time_vs_dofs.png."""
    curves, slopes = [], []
    groups = sorted({(r["benchmark"], r["ranks"]) for r in rows})
    for k, (benchmark, ranks) in enumerate(groups):
        group = sorted((r for r in rows if (r["benchmark"], r["ranks"]) == (benchmark, ranks)), key=lambda r: r["dofs"])
        x, y = [r["dofs"] for r in group], [r["seconds"] for r in group]
        slope = fitted_slope(x, y)
        slopes.append({"benchmark": benchmark, "ranks": ranks, "slope_log_time_log_dofs": slope})
        curves.append(series(x, y, f"{benchmark}, {ranks} rank(s): slope {slope:.2f}", MARKERS[k % len(MARKERS)]))
        bare = [(r["dofs"], r["bare_s"]) for r in group if r["bare_s"]]
        if bare:
            xb, yb = zip(*bare, strict=True)
            label = f"bare ref. of {benchmark}, {ranks} rank(s): slope {fitted_slope(xb, yb):.2f}"
            curves.append(series(list(xb), list(yb), label, MARKERS[k % len(MARKERS)].replace("-", ":")))
    line_plot(out / "time_vs_dofs.png", curves, "dofs", "seconds (timed phase)", "Time against size", True, True)
    (out / "summary.json").write_text(json.dumps({"rows": rows, "slopes": slopes}, indent=2))
    slope_rows = [("benchmark", "benchmark"), ("ranks", "ranks"), ("slope_log_time_log_dofs", "d log t / d log dofs")]
    text = (
        "# Solver benchmarks\n\n"
        + markdown_table(rows, SUMMARY_COLUMNS)
        + "\n\n## Fitted slopes\n\n"
        + markdown_table(slopes, slope_rows)
        + "\n\n![time against dofs](time_vs_dofs.png)\n"
    )
    (out / "summary.md").write_text(text)
    print(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m studies.benchmarks", description=__doc__)
    parser.add_argument(
        "--out", type=Path, required=True, help="directory for every benchmark's output and the summary"
    )
    parser.add_argument("--ranks", type=int_list, default=[1, 2], help="MPI rank counts, e.g. 1,2")
    parser.add_argument(
        "--benchmarks", type=string_list, default=list(DEFAULT_BENCHMARKS), help="subset of " + ",".join(BENCHMARKS)
    )
    parser.add_argument("--current-cells", type=int_list, default=[21, 46], help="current solver: boxes per side")
    parser.add_argument("--mechanics-cells", type=int_list, default=[12, 25], help="mechanics: boxes per side n")
    parser.add_argument("--stripping-cells", type=int_list, default=[8, 12], help="stripping: boxes per side")
    parser.add_argument("--stripping-contact", default="penalty", help="stripping: contact methods, penalty,bounds")
    parser.add_argument("--stripping-solvers", default="default", help="stripping: default,mumps,gamg,gamg-ew")
    parser.add_argument("--steps", type=int, default=2, help="creep / coupled steps per size (1 to 10)")
    parser.add_argument("--collect-only", action="store_true", help="only summarise the JSON already in --out")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.benchmarks) - set(BENCHMARKS))
    if unknown or not 1 <= args.steps <= 10 or any(not 1 <= n <= 64 for n in args.ranks):
        parser.error(f"benchmarks {unknown} unknown, or steps {args.steps} not in 1..10, or ranks not in 1..64")
    ranks = sorted(set(args.ranks))
    if not args.collect_only:
        cells = {"current_solver": args.current_cells, "mechanics": args.mechanics_cells}
        cells["mechanics_mixed"] = args.mechanics_cells
        cells["stripping"] = args.stripping_cells
        for n in ranks:  # 1 rank first: the n-rank runs read its file for the speed-up
            for benchmark in args.benchmarks:
                module, extra = _VARIANTS.get(benchmark, (benchmark, []))
                command = ["mpirun", "-n", str(n), sys.executable, "-m", f"studies.benchmarks.{module}", *extra]
                command += ["--out", str(args.out), "--cells", ",".join(map(str, cells[benchmark]))]
                if benchmark != "current_solver":
                    command += ["--steps", str(args.steps)]
                if benchmark == "stripping":
                    command += ["--contact", args.stripping_contact, "--solvers", args.stripping_solvers]
                print(" ".join(command), flush=True)
                subprocess.run(command, check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    write_summary(args.out, collect(args.out, args.benchmarks, ranks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
