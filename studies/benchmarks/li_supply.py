"""Cost of the Li-supply model (issue 14): one critical-current point and the studies, on 1 or N ranks.

Targets (issue 14): one critical-current point (bisection at one pressure and
temperature) within 2 minutes on 2 cores on the default mesh; the default
study within 15 minutes on 2 ranks.  Runs, with wall times:

* ``point``: studies.critical_current ``--supply vacancy`` at 3 MPa, 25 C,
  LPSCl, default mesh (6 x 6 x 3 boxes) and bisection tolerance;
* ``li_supply``: the default studies.li_supply (pressure x temperature map
  and the published points, FEM columns);
* ``supply_study`` (``--study``): studies.critical_current ``--supply
  vacancy`` at the default pressures for LPSCl and LLZO, one rank group per
  rank.

::

    containers/run -n 2 python -m studies.benchmarks.li_supply --out .scratch/bench-supply [--study]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from mpi4py import MPI

from studies.critical_current import CriticalCurrentConfig
from studies.critical_current import run_study as critical_current_study
from studies.li_supply import LiSupplyConfig
from studies.li_supply import run_study as li_supply_study

__all__ = ["main"]

POINT_TARGET_S = 120.0
STUDY_TARGET_S = 900.0


def _timed(comm: MPI.Comm, work) -> tuple[float, object]:
    comm.barrier()
    start = time.perf_counter()
    result = work()
    comm.barrier()
    return time.perf_counter() - start, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--study", action="store_true", help="also time the supply study (LPSCl + LLZO)")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    rows = {}
    point = CriticalCurrentConfig(stack_pressures_MPa=(3.0,), supply=("vacancy",), fields=False)
    seconds, report = _timed(comm, lambda: critical_current_study(point, args.out / "point", comm))
    case = report["cases"][0] if comm.rank == 0 else {}
    rows["point"] = {
        "wall_s": seconds,
        "target_s": POINT_TARGET_S,
        "runs": len(case.get("trials", [])),
        "critical_current_mA_cm2": case.get("critical_current_mA_cm2"),
    }
    seconds, _ = _timed(comm, lambda: li_supply_study(LiSupplyConfig(), args.out / "li_supply", comm))
    rows["li_supply"] = {"wall_s": seconds, "target_s": STUDY_TARGET_S}
    if args.study:
        study = CriticalCurrentConfig(electrolytes=("LPSCl", "LLZO"), supply=("vacancy",), groups=comm.size)
        seconds, _ = _timed(comm, lambda: critical_current_study(study, args.out / "supply_study", comm))
        rows["supply_study"] = {"wall_s": seconds, "target_s": STUDY_TARGET_S}
    if comm.rank == 0:
        summary = {"ranks": comm.size, **rows}
        (args.out / "li_supply_benchmark.json").write_text(json.dumps(summary, indent=2))
        for name, row in rows.items():
            verdict = "within" if row["wall_s"] <= row["target_s"] else "OVER"
            print(f"{name}: {row['wall_s']:.1f} s on {comm.size} rank(s) ({verdict} the {row['target_s']:g} s target)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
