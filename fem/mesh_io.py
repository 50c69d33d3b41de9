"""Mesh loading: gmsh model (on one rank) -> distributed DOLFINx mesh with named markers.

The one helper that geometries/ shares with fem/.  Regions are referred to by
name through the marker table (fem.markers, written to markers.json).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MeshData", "gmsh_session", "model_to_meshdata", "extract_cells", "read_msh", "package_versions"]


@dataclass
class MeshData:
    """A distributed mesh with its cell and facet tags and the marker names.

    Attributes:
        mesh: dolfinx.mesh.Mesh (coordinates in m).
        cell_tags, facet_tags: dolfinx.mesh.MeshTags.
        markers: ``{"cells": {name: id}, "facets": {name: id}}``.
        info: the builder's info.json content (parameters, versions, measures).
    """

    mesh: Any
    cell_tags: Any
    facet_tags: Any
    markers: dict[str, dict[str, int]]
    info: dict[str, Any] = field(default_factory=dict)

    def facet_id(self, name: str) -> int:
        """Marker id of the facet region ``name`` (KeyError lists the known names)."""
        try:
            return self.markers["facets"][name]
        except KeyError:
            raise KeyError(f"no facet region {name!r}; known: {sorted(self.markers['facets'])}") from None

    def cell_id(self, name: str) -> int:
        try:
            return self.markers["cells"][name]
        except KeyError:
            raise KeyError(f"no cell region {name!r}; known: {sorted(self.markers['cells'])}") from None

    def facets_present(self) -> set[str]:
        """Names of facet regions with at least one facet on any rank."""
        local = set(np.unique(self.facet_tags.values).tolist())
        present = set().union(*self.mesh.comm.allgather(local))
        return {name for name, mid in self.markers["facets"].items() if mid in present}


@contextlib.contextmanager
def gmsh_session(comm: Any, rank: int = 0) -> Iterator[Any]:
    """Yield a fresh ``gmsh.model`` on ``rank`` of ``comm`` (None elsewhere) and clean up."""
    if comm.rank != rank:
        yield None
        return
    import gmsh

    started = not gmsh.isInitialized()
    if started:
        gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add(f"model_{id(comm)}")
    try:
        yield gmsh.model
    finally:
        gmsh.model.remove()
        if started:
            gmsh.finalize()


def _entity_vertex_keys(topology: Any, dim: int, entities: np.ndarray, vertex_map: np.ndarray | None) -> np.ndarray:
    """Sorted vertex indices (rows) of ``entities``, mapped through ``vertex_map`` if given."""
    topology.create_connectivity(dim, 0)
    conn = topology.connectivity(dim, 0)
    width = conn.offsets[1] - conn.offsets[0]
    rows = conn.array.reshape(-1, width)[entities]
    if vertex_map is not None:
        rows = vertex_map[rows]
    return np.sort(rows, axis=1)


def extract_cells(meshdata: MeshData, cell_regions: tuple[str, ...]) -> MeshData:
    """Return the submesh of the named cell regions with cell and facet tags carried over.

    Facet markers on the submesh's facets (exterior or interior to it) keep
    their ids; an interface between a kept and a dropped region becomes
    boundary.  Collective on the mesh's communicator.
    """
    import dolfinx.mesh

    from fem._compat import create_submesh

    mesh = meshdata.mesh
    tdim = mesh.topology.dim
    ids = [meshdata.cell_id(name) for name in cell_regions]
    cells = np.sort(np.concatenate([meshdata.cell_tags.find(i) for i in ids])).astype(np.int32)
    submesh, cell_map, vertex_map = create_submesh(mesh, tdim, cells)

    num_parent_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    parent_cell_value = np.full(num_parent_cells, -1, dtype=np.int32)
    parent_cell_value[meshdata.cell_tags.indices] = meshdata.cell_tags.values
    sub_cells = np.arange(cell_map.size, dtype=np.int32)
    cell_tags = dolfinx.mesh.meshtags(submesh, tdim, sub_cells, parent_cell_value[cell_map])

    fdim = tdim - 1
    submesh.topology.create_entities(fdim)
    num_sub_facets = submesh.topology.index_map(fdim).size_local + submesh.topology.index_map(fdim).num_ghosts
    sub_keys = _entity_vertex_keys(submesh.topology, fdim, np.arange(num_sub_facets), vertex_map)
    lookup = {tuple(row): k for k, row in enumerate(sub_keys.tolist())}
    parent_keys = _entity_vertex_keys(mesh.topology, fdim, meshdata.facet_tags.indices, None)
    found = [
        (lookup.get(tuple(row)), value)
        for row, value in zip(parent_keys.tolist(), meshdata.facet_tags.values, strict=False)
    ]
    pairs = sorted((k, v) for k, v in found if k is not None)
    facet_idx = np.array([k for k, _ in pairs], dtype=np.int32)
    facet_val = np.array([v for _, v in pairs], dtype=np.int32)
    facet_tags = dolfinx.mesh.meshtags(submesh, fdim, facet_idx, facet_val)
    submesh.topology.create_connectivity(fdim, tdim)
    return MeshData(submesh, cell_tags, facet_tags, meshdata.markers, meshdata.info)


def model_to_meshdata(
    model: Any,
    comm: Any,
    markers: dict[str, dict[str, int]],
    info: dict[str, Any] | None = None,
    cell_regions: tuple[str, ...] | None = None,
    gdim: int = 3,
) -> MeshData:
    """Distribute the meshed gmsh ``model`` (present on rank 0 only) over ``comm``.

    ``cell_regions`` keeps only those named cell regions (see :func:`extract_cells`).
    """
    from fem._compat import gmsh_model_to_mesh

    mesh, cell_tags, facet_tags = gmsh_model_to_mesh(model, comm, 0, gdim)
    mesh.topology.create_connectivity(mesh.topology.dim - 1, mesh.topology.dim)
    meshdata = MeshData(mesh, cell_tags, facet_tags, markers, info or {})
    return meshdata if cell_regions is None else extract_cells(meshdata, cell_regions)


def read_msh(path: str | Path, comm: Any, cell_regions: tuple[str, ...] | None = None, gdim: int = 3) -> MeshData:
    """Read a mesh.msh written by a builder, with markers.json and info.json beside it."""
    path = Path(path)
    markers = json.loads((path.parent / "markers.json").read_text())
    info_file = path.parent / "info.json"
    info = json.loads(info_file.read_text()) if info_file.exists() else {}
    with gmsh_session(comm) as model:
        if model is not None:
            import gmsh

            gmsh.merge(str(path))
        return model_to_meshdata(model, comm, markers, info, cell_regions=cell_regions, gdim=gdim)


def package_versions() -> dict[str, str]:
    """Versions of the stack, for info.json and reports."""
    versions: dict[str, str] = {}
    for module in ("dolfinx", "gmsh", "petsc4py", "mpi4py", "numpy", "pyvista"):
        try:
            versions[module] = str(__import__(module).__version__)
        except Exception:  # pragma: no cover - optional packages
            try:
                versions[module] = metadata.version(module)
            except metadata.PackageNotFoundError:
                versions[module] = "not installed"
    return versions
