"""Every DOLFINx version difference, detected by feature, in one place.

The toolkit runs on DOLFINx 0.9 (Debian trixie) and 0.11 (Debian sid), both
tested (``LIANODE_STACK=sid containers/run tests/run.sh``).  Each shim detects
the feature (a signature, an attribute), never the version number.  The
version in brackets is the first tested one where the change applies (0.10
itself is not tested):

* gmsh I/O moved from ``dolfinx.io.gmshio`` to ``dolfinx.io.gmsh`` and
  ``model_to_mesh`` returns a ``MeshData`` record instead of a tuple (0.11);
* ``create_cell_partitioner`` takes ``max_facet_to_cell_links`` (0.11);
* ``fem.petsc.create_vector`` takes function spaces instead of a linear form
  (0.11);
* ``mesh.create_submesh`` returns ``EntityMap`` objects instead of index
  arrays for the cell and vertex maps (0.11);
* ``FunctionSpace.collapse`` returns its dof map as a list of index arrays
  (one entry on a single-cell-type mesh) instead of one list of indices (0.11);
* ``FiniteElement.interpolation_points`` became a property (0.11);
* ``set_bc`` renamed its ``scale`` argument to ``alpha`` (0.11);
* ``LinearProblem`` requires ``petsc_options_prefix`` (0.11);
* the nonlinear solver classes changed (0.11 wraps SNES itself), so the
  toolkit drives SNES through petsc4py directly (fem.solvers) and needs no shim.
"""

from __future__ import annotations

import inspect
from typing import Any

import dolfinx
import dolfinx.fem.petsc
import dolfinx.mesh
import numpy as np

__all__ = [
    "DOLFINX_VERSION",
    "gmsh_model_to_mesh",
    "cell_partitioner",
    "create_vector",
    "create_submesh",
    "interpolation_points",
    "collapse",
    "set_bc",
    "linear_problem",
]

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
    result = _gmsh_io_module().model_to_mesh(
        model, comm, rank, gdim=gdim, partitioner=cell_partitioner(dolfinx.mesh.GhostMode.none)
    )
    if isinstance(result, tuple):
        return result[0], result[1], result[2]
    return result.mesh, result.cell_tags, result.facet_tags


def _parameters(function: Any) -> Any:
    """The named parameters of a DOLFINx function ({} for a compiled one without a signature)."""
    try:
        return inspect.signature(function).parameters
    except (TypeError, ValueError):
        return {}


_PARTITIONER_HAS_MAX_LINKS = "max_facet_to_cell_links" in _parameters(dolfinx.mesh.create_cell_partitioner)


def cell_partitioner(ghost_mode: Any) -> Any:
    """A cell partitioner with ``ghost_mode`` for a non-branching (manifold) mesh: at most 2 cells per facet."""
    if _PARTITIONER_HAS_MAX_LINKS:  # the ghost mode is dispatched on, so it stays positional
        return dolfinx.mesh.create_cell_partitioner(ghost_mode, max_facet_to_cell_links=2)
    return dolfinx.mesh.create_cell_partitioner(ghost_mode)


_CREATE_VECTOR_TAKES_SPACE = next(iter(_parameters(dolfinx.fem.petsc.create_vector)), "L") == "V"


def create_vector(L: Any) -> Any:
    """A ghosted PETSc vector laid out for the (non-blocked) linear form ``L``; not zeroed."""
    if _CREATE_VECTOR_TAKES_SPACE:
        return dolfinx.fem.petsc.create_vector(L.function_spaces[0])
    return dolfinx.fem.petsc.create_vector(L)


def create_submesh(mesh: Any, dim: int, entities: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    """(submesh, entity map, vertex map) of ``dolfinx.mesh.create_submesh`` as int32 index arrays.

    ``entity_map[k]`` is the parent entity (dimension ``dim``) of submesh cell
    k and ``vertex_map[k]`` the parent vertex of submesh vertex k, for every
    local (owned and ghost) submesh cell or vertex.
    """
    submesh, entity_map, vertex_map, _ = dolfinx.mesh.create_submesh(msh=mesh, dim=dim, entities=entities)
    topology = submesh.topology
    return (
        submesh,
        _as_index_array(entity_map, topology.index_map(topology.dim)),
        _as_index_array(vertex_map, topology.index_map(0)),
    )


def _as_index_array(entity_map: Any, index_map: Any) -> np.ndarray:
    """Parent indices of the local submesh entities numbered by ``index_map``."""
    if not hasattr(entity_map, "sub_topology_to_topology"):  # an index array already (0.9)
        return np.asarray(entity_map, dtype=np.int32)
    local = np.arange(index_map.size_local + index_map.num_ghosts, dtype=np.int32)
    return np.asarray(entity_map.sub_topology_to_topology(local, inverse=False), dtype=np.int32)


def interpolation_points(V: Any) -> np.ndarray:
    """Reference-cell interpolation points of the function space ``V``'s element."""
    points = V.element.interpolation_points
    return points() if callable(points) else points


def collapse(subspace: Any) -> tuple[Any, np.ndarray]:
    """(collapsed space, int32 indices of its dofs in the parent space) of ``subspace.collapse()``."""
    V, dofs = subspace.collapse()
    if len(dofs) and isinstance(dofs[0], np.ndarray):  # a list of arrays (0.11): one for one cell type
        if len(dofs) != 1:
            raise NotImplementedError("collapse of a space on a mesh of several cell types")
        dofs = dofs[0]
    return V, np.asarray(dofs, dtype=np.int32)


_SET_BC_SCALE_NAME = "alpha" if "alpha" in _parameters(dolfinx.fem.petsc.set_bc) else "scale"


def set_bc(b: Any, bcs: list[Any], x0: Any = None, scale: float = 1.0) -> None:
    """``dolfinx.fem.petsc.set_bc`` with the scale keyword of this version."""
    dolfinx.fem.petsc.set_bc(b, bcs, x0=x0, **{_SET_BC_SCALE_NAME: scale})


def linear_problem(a: Any, L: Any, bcs: list[Any], prefix: str, options: dict[str, Any]) -> Any:
    """``dolfinx.fem.petsc.LinearProblem`` with a deterministic options prefix."""
    params = _parameters(dolfinx.fem.petsc.LinearProblem)
    kwargs: dict[str, Any] = {"bcs": bcs, "petsc_options": options}
    if "petsc_options_prefix" in params:
        kwargs["petsc_options_prefix"] = prefix
    return dolfinx.fem.petsc.LinearProblem(a, L, **kwargs)
