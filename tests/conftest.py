"""Shared fixtures.  Every test asserts only global quantities, so the suite
passes unchanged on any number of MPI ranks (tests/run.sh runs it on 1 and 2)."""

from __future__ import annotations

from pathlib import Path

import dolfinx.mesh
import numpy as np
import pytest
from mpi4py import MPI


@pytest.fixture
def comm() -> MPI.Comm:
    return MPI.COMM_WORLD


@pytest.fixture
def shared_tmp_path(tmp_path: Path, comm: MPI.Comm) -> Path:
    """Rank 0's pytest tmp_path, the same on every rank (outputs are written by rank 0)."""
    return Path(comm.bcast(str(tmp_path), root=0))


def convergence_rates(sizes: list[float], errors: list[float]) -> list[float]:
    """Observed orders log(e_k / e_k+1) / log(h_k / h_k+1)."""
    import math

    return [math.log(errors[k] / errors[k + 1]) / math.log(sizes[k] / sizes[k + 1]) for k in range(len(errors) - 1)]


def mms_rates(meshes: list[int], errors: list[tuple[float, float]], label: str) -> tuple[list[float], list[float]]:
    """Observed (L2, H1) orders for errors on unit domains with ``meshes`` cells a side; printed."""
    sizes = [1.0 / n for n in meshes]
    l2 = convergence_rates(sizes, [e[0] for e in errors])
    h1 = convergence_rates(sizes, [e[1] for e in errors])
    print(f"{label} L2 errors {[f'{e[0]:.3e}' for e in errors]} rates {[round(r, 3) for r in l2]}")
    print(f"{label} H1 errors {[f'{e[1]:.3e}' for e in errors]} rates {[round(r, 3) for r in h1]}")
    return l2, h1


def facet_area(md, name):
    """Global area of the facets tagged ``name`` (interior or boundary), summed over owned facets.

    Works on any partition (dS integrals need a shared-facet ghost mode that the meshes do not use).
    """
    mesh = md.mesh
    facets = md.facet_tags.find(md.facet_id(name))
    facets = facets[facets < mesh.topology.index_map(2).size_local]
    if facets.size == 0:  # entities_to_geometry divides by the entity count
        return mesh.comm.allreduce(0.0, op=MPI.SUM)
    nodes = dolfinx.mesh.entities_to_geometry(mesh, 2, facets, False)
    p = mesh.geometry.x[nodes]
    local = 0.5 * np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1).sum()
    return mesh.comm.allreduce(float(local), op=MPI.SUM)


def assert_refused_before_work(main, out: Path, arguments: list[str], message: str, comm: MPI.Comm, capsys) -> None:
    """A study's CLI ``main`` refuses ``arguments`` with exit code 2, writes nothing at ``out`` and names
    ``message`` on stderr (rank 0)."""
    from studies._cli import run_cli

    assert run_cli(main, ["--out", str(out), *arguments]) == 2
    assert not out.exists()
    if comm.rank == 0:
        assert message in capsys.readouterr().err
