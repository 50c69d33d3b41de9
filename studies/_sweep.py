"""Parameter sweeps farmed over groups of MPI ranks.

``run_sweep(cases, run_case, comm, n_groups)`` splits ``comm`` into
``n_groups`` sub-communicators (``comm.Split``), runs case k on group
k mod n_groups, and returns every case's result on every rank, in case
order.  One group (the default) runs each case on all ranks; more groups
finish more cases at once.  The same script scales from a laptop to a Slurm
allocation through mpirun/srun.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mpi4py import MPI

from fem.validation import check_range

__all__ = ["run_sweep", "progress", "on_root", "run_cases_to_report"]

Case = TypeVar("Case")


def progress(comm: MPI.Comm, message: str) -> None:
    """Print a progress line on rank 0 of ``comm`` (flushed at once)."""
    if comm.rank == 0:
        print(message, flush=True)


def on_root(comm: MPI.Comm, work: Callable[[], Any]) -> Any:
    """Run ``work()`` on rank 0 only; if it raises, raise on every rank (no deadlock).

    Returns work()'s result on rank 0 and None elsewhere.
    """
    result, error = None, None
    if comm.rank == 0:
        try:
            result = work()
        except Exception as exc:  # re-raised below, on every rank
            error = exc
    failed = comm.bcast(None if error is None else f"{type(error).__name__}: {error}", root=0)
    if error is not None:
        raise error
    if failed is not None:
        raise RuntimeError(f"rank 0 failed: {failed}")
    return result


def run_sweep(
    cases: Sequence[Case],
    run_case: Callable[[Case, MPI.Comm], dict[str, Any]],
    comm: MPI.Comm,
    n_groups: int = 1,
    label: Callable[[Case], str] = str,
) -> list[dict[str, Any]]:
    """Run ``run_case(case, group_comm)`` for every case; results in case order on all ranks."""
    check_range("n_groups", n_groups, 1, comm.size, low_inclusive=True, high_inclusive=True)
    group = comm.rank % n_groups
    group_comm = comm.Split(color=group, key=comm.rank)
    mine: dict[int, dict[str, Any]] = {}
    start = time.perf_counter()
    for index, case in enumerate(cases):
        if index % n_groups != group:
            continue
        result = run_case(case, group_comm)
        if group_comm.rank == 0:
            mine[index] = result
            elapsed = time.perf_counter() - start
            print(f"[{index + 1}/{len(cases)}] {label(case)}  ({elapsed:.1f} s elapsed)", flush=True)
    group_comm.Free()
    merged: dict[int, dict[str, Any]] = {}
    for part in comm.allgather(mine):
        merged.update(part)
    return [merged[i] for i in range(len(cases))]


def run_cases_to_report(
    name: str,
    cases: Sequence[Case],
    run_case: Callable[[Case, MPI.Comm, Any], dict[str, Any]],
    write_report: Callable[[Any, list[dict[str, Any]], float], dict[str, Any]],
    out: Any,
    comm: MPI.Comm,
    n_groups: int = 1,
    label: Callable[[Case], str] = str,
) -> dict[str, Any] | None:
    """The body of every study: run the cases into a temporary directory, write the report
    there on rank 0 (``write_report(tmp, results, wall_seconds)``), move it to ``out``.

    ``run_case(case, group_comm, tmp)`` returns the case's result.  The report is
    returned on rank 0, None elsewhere.
    """
    from studies._output import atomic_output_dir

    progress(comm, f"{name}: {len(cases)} cases on {comm.size} rank(s) in {n_groups} group(s) -> {out}")
    start = time.perf_counter()
    with atomic_output_dir(out, comm) as tmp:
        results = run_sweep(cases, lambda case, c: run_case(case, c, tmp), comm, n_groups, label)
        report = write_report(tmp, results, time.perf_counter() - start) if comm.rank == 0 else None
    progress(comm, f"done in {time.perf_counter() - start:.1f} s: {out}/report.md")
    return report


def run_config_study(
    name: str,
    cfg: Any,
    build_cases: Callable[[Any], Sequence[Case]],
    run_case: Callable[[Any, Case, MPI.Comm, Any], dict[str, Any]],
    write_report: Callable[[Any, Any, list[dict[str, Any]], MPI.Comm, float], dict[str, Any]],
    out: Any,
    comm: MPI.Comm,
    label: Callable[[Case], str] = str,
) -> dict[str, Any] | None:
    """run_study of a config-driven study: ``cfg.validate(comm.size)`` (bad input refused before any
    work), then :func:`run_cases_to_report` over ``build_cases(cfg)`` in ``cfg.groups`` rank groups,
    with ``run_case(cfg, case, group_comm, tmp)`` and ``write_report(tmp, cfg, results, comm, wall)``."""
    cfg.validate(comm.size)
    return run_cases_to_report(
        name,
        build_cases(cfg),
        lambda case, c, tmp: run_case(cfg, case, c, tmp),
        lambda tmp, results, wall: write_report(tmp, cfg, results, comm, wall),
        out,
        comm,
        cfg.groups,
        label,
    )
