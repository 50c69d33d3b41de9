"""Atomic study output: write into a temporary directory, rename into place when complete.

An interrupted run leaves no half-written report: the partial directory is
``.<name>.partial-<pid>`` beside the target and is removed on failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mpi4py import MPI

__all__ = ["atomic_output_dir", "write_json"]


@contextlib.contextmanager
def atomic_output_dir(out: str | Path, comm: MPI.Comm) -> Iterator[Path]:
    """Yield a fresh temporary directory (same path on every rank) that becomes ``out``.

    Rank 0 creates it and, when the block finishes without error on every
    rank, replaces ``out`` with it; on error it is removed and ``out`` is left
    as it was.
    """
    out = Path(out).resolve()
    tmp = None
    if comm.rank == 0:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    tmp = Path(comm.bcast(str(tmp), root=0))
    ok = False
    try:
        yield tmp
        ok = True
    finally:
        all_ok = comm.allreduce(ok, op=MPI.LAND)
        if comm.rank == 0:
            if all_ok:
                old = out.parent / f".{out.name}.old-{os.getpid()}"
                if out.exists():
                    out.rename(old)
                tmp.rename(out)
                shutil.rmtree(old, ignore_errors=True)
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        comm.barrier()


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as indented JSON (rank 0's job; call it on rank 0 only)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=float) + "\n")
