"""Every DOLFINx version difference, detected by feature, in one place.

The toolkit targets DOLFINx 0.9 (Debian trixie) and keeps these shims so the
same code runs on 0.10 and later:

* gmsh I/O moved from ``dolfinx.io.gmshio`` to ``dolfinx.io.gmsh`` and
  ``model_to_mesh`` now returns a ``MeshData`` record instead of a tuple;
* ``set_bc`` renamed its ``scale`` argument to ``alpha``;
* ``LinearProblem`` requires ``petsc_options_prefix`` from 0.10;
* the nonlinear solver classes changed (0.10 wraps SNES itself), so the
  toolkit drives SNES through petsc4py directly (fem.solvers) and needs no shim.
"""

from __future__ import annotations

import inspect
from typing import Any

import dolfinx
import dolfinx.fem.petsc
import dolfinx.mesh

__all__ = ["DOLFINX_VERSION", "gmsh_model_to_mesh", "set_bc", "linear_problem"]

DOLFINX_VERSION: str = dolfinx.__version__


def _gmsh_io_module() -> Any:
    try:
        from dolfinx.io import gmsh as gmsh_io  # DOLFINx >= 0.10

        if hasattr(gmsh_io, "model_to_mesh"):
            return gmsh_io
    except ImportError:
        pass
    from dolfinx.io import gmshio  # DOLFINx 0.9

    return gmshio


def gmsh_model_to_mesh(model: Any, comm: Any, rank: int, gdim: int) -> tuple[Any, Any, Any]:
    """Return (mesh, cell_tags, facet_tags) from a gmsh model that lives on ``rank``.

    No ghost cells (GhostMode.none): with shared_facet ghosting, the electrolyte
    submesh extracted by fem.mesh_io.extract_cells gave an inconsistent problem
    on 2 ranks in DOLFINx 0.9 (Newton stalled).  Interior-facet (dS) integrals
    therefore fail on facets between ranks; measure interfaces on an extracted
    region with ds instead.
    """
    partitioner = dolfinx.mesh.create_cell_partitioner(dolfinx.mesh.GhostMode.none)
    result = _gmsh_io_module().model_to_mesh(model, comm, rank, gdim=gdim, partitioner=partitioner)
    if isinstance(result, tuple):
        return result[0], result[1], result[2]
    return result.mesh, result.cell_tags, result.facet_tags


_SET_BC_SCALE_NAME = "alpha" if "alpha" in inspect.signature(dolfinx.fem.petsc.set_bc).parameters else "scale"


def set_bc(b: Any, bcs: list[Any], x0: Any = None, scale: float = 1.0) -> None:
    """``dolfinx.fem.petsc.set_bc`` with the scale keyword of this version."""
    dolfinx.fem.petsc.set_bc(b, bcs, x0=x0, **{_SET_BC_SCALE_NAME: scale})


def linear_problem(a: Any, L: Any, bcs: list[Any], prefix: str, options: dict[str, Any]) -> Any:
    """``dolfinx.fem.petsc.LinearProblem`` with a deterministic options prefix."""
    params = inspect.signature(dolfinx.fem.petsc.LinearProblem).parameters
    kwargs: dict[str, Any] = {"bcs": bcs, "petsc_options": options}
    if "petsc_options_prefix" in params:
        kwargs["petsc_options_prefix"] = prefix
    return dolfinx.fem.petsc.LinearProblem(a, L, **kwargs)
