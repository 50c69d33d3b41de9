"""Safe-zone maps: which (current density, areal capacity) a Li-metal anode survives, and what ends it.

For each electrolyte, host architecture (planar Li, lamellar or pillar 3D hosts), stack pressure and
temperature, every point of a log-log map of current density x areal capacity is labelled ``safe``
or with the first mechanism that fails there (Ashby-Frost-style mechanism maps; review seed section
2.2.1, Yang et al. 2023): ``voiding`` (stripping outruns the Li supply: fem.vacancy),
``stress`` (plating raises the fixture pressure to the Doux et al. 2020 limit: studies.stack_pressure),
``dendrite`` (the plating overpotential cracks a surface flaw: Porz et al. 2017), ``sand`` (binary
electrolytes run out of salt: fem.transport) and ``host_full`` (the host's pores are full).

Each mechanism is a boundary Q_m(j), the capacity at which it fails at nominal current density j,
computed by the models at as few points as it needs (studies.safe_zone.mechanisms), with a band from
the literature ranges of its parameters; results are cached per (mechanism, case), keyed by the
inputs each reads, so adding a pressure or a host re-runs only what changed.

Run ``python -m studies.safe_zone --out results/safe_zone`` (``--help`` for the options); the Python
API is :func:`compute_map` (a :class:`SafeZoneMap` that plots itself) and :func:`run_study`.

The package: ``config`` (parameters, ranges, cases), ``hosts`` (hot-spot factor and pore volume),
``mechanisms`` (one boundary per mechanism), ``boundary``, ``cache``, ``map`` (classification,
plot), ``report`` (report.json, report.md, figures).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from mpi4py import MPI

from studies._cli import study_command
from studies._output import atomic_output_dir
from studies._sweep import progress
from studies.safe_zone.boundary import Boundary
from studies.safe_zone.cache import MechanismCache
from studies.safe_zone.config import ARGUMENT_HELP, MECHANISMS, MapCase, SafeZoneConfig
from studies.safe_zone.hosts import host_inputs, host_response
from studies.safe_zone.map import SafeZoneMap
from studies.safe_zone.mechanisms import MECHANISM_FUNCTIONS, applicable

__all__ = ["SafeZoneConfig", "MapCase", "SafeZoneMap", "MechanismCache", "compute_map", "run_study", "main"]


def compute_map(cfg: SafeZoneConfig, case: MapCase, cache: MechanismCache, comm: MPI.Comm) -> SafeZoneMap:
    """The map of one case: the host's response, then every applicable mechanism's boundary (cached)."""
    host = cache.get(
        "host",
        host_inputs(cfg, case.electrolyte, case.host, case.temperature_K),
        lambda: host_response(cfg, case.electrolyte, case.host, case.temperature_K, comm),
    )
    boundaries = []
    for name in MECHANISMS:
        if name not in cfg.mechanisms or not applicable(name, case):
            continue
        inputs, boundary = MECHANISM_FUNCTIONS[name]
        progress(comm, f"  {case.label()}: {name}")
        data = cache.get(name, inputs(cfg, case), lambda b=boundary: b(cfg, case, host, comm))
        boundaries.append(Boundary.from_dict(data))
    return SafeZoneMap(case, cfg.current_density_mA_cm2, cfg.areal_capacity_mAh_cm2, boundaries)


def default_cache_dir(cfg: SafeZoneConfig, out: Path) -> Path:
    return Path(cfg.cache_dir) if cfg.cache_dir else Path(out).resolve().parent / f"{Path(out).name}.cache"


def run_study(
    cfg: SafeZoneConfig, out: Path, comm: MPI.Comm = MPI.COMM_WORLD, cache: MechanismCache | None = None
) -> dict[str, Any] | None:
    """Validate (bad input refused before any work), compute every map, write report.json, report.md and
    figures into ``out`` atomically; the report on rank 0, None elsewhere."""
    from studies.safe_zone.report import write_report

    cfg.validate(comm.size)
    start = time.perf_counter()
    cache = cache or MechanismCache(default_cache_dir(cfg, out), comm)
    maps = []
    cases = cfg.cases()
    for n, case in enumerate(cases, 1):
        progress(comm, f"safe-zone map {n}/{len(cases)}: {case.label()}")
        maps.append(compute_map(cfg, case, cache, comm))
    with atomic_output_dir(out, comm) as tmp:
        report = write_report(tmp, cfg, maps, cache, comm, time.perf_counter() - start) if comm.rank == 0 else None
    return report


main = study_command("studies.safe_zone", __doc__, SafeZoneConfig, ARGUMENT_HELP, run_study)
