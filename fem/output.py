"""Field output for ParaView (VTX .bp, XDMF mesh + tags) and gathering for figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dolfinx
import dolfinx.io
import dolfinx.plot
import numpy as np

from fem.mesh_io import MeshData

__all__ = ["write_fields_vtx", "write_mesh_xdmf", "gather_vtk_grid"]


def write_fields_vtx(path: Path, functions: list[dolfinx.fem.Function], t: float = 0.0) -> None:
    """Write each function to its own ``<path>/<name>.bp`` (collective; ParaView reads .bp)."""
    path.mkdir(parents=True, exist_ok=True) if functions[0].function_space.mesh.comm.rank == 0 else None
    functions[0].function_space.mesh.comm.barrier()
    for function in functions:
        mesh = function.function_space.mesh
        with dolfinx.io.VTXWriter(mesh.comm, path / f"{function.name}.bp", [function]) as writer:
            writer.write(t)


def write_mesh_xdmf(path: Path, meshdata: MeshData) -> None:
    """Write the mesh with its cell and facet tags to ``path`` (.xdmf + .h5), collectively."""
    mesh = meshdata.mesh
    meshdata.cell_tags.name = "cell_tags"
    meshdata.facet_tags.name = "facet_tags"
    with dolfinx.io.XDMFFile(mesh.comm, path, "w") as xdmf:
        xdmf.write_mesh(mesh)
        xdmf.write_meshtags(meshdata.cell_tags, mesh.geometry)
        xdmf.write_meshtags(meshdata.facet_tags, mesh.geometry)


def gather_vtk_grid(
    function: dolfinx.fem.Function,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
    """Gather a scalar Lagrange function's VTK grid to rank 0.

    Returns (topology, cell_types, points, values) on rank 0 and None
    elsewhere; points are the function's dof coordinates (m), so P1 and P2
    both work.  Only owned cells are gathered, so no cell appears twice.
    """
    V = function.function_space
    mesh = V.mesh
    num_owned_cells = mesh.topology.index_map(mesh.topology.dim).size_local
    topology, cell_types, points = dolfinx.plot.vtk_mesh(V, np.arange(num_owned_cells, dtype=np.int32))
    values = function.x.array[: points.shape[0]].real.copy()
    comm = mesh.comm
    parts = comm.gather((topology, cell_types, points, values), root=0)
    if comm.rank != 0:
        return None
    topo_all, types_all, points_all, values_all = [], [], [], []
    offset = 0
    for topo, types, pts, vals in parts:
        # VTK layout [n, i0 .. in-1, n, ...] with one cell type: shift the indices.
        width = int(topo[0]) + 1 if topo.size else 1
        topo = topo.reshape(-1, width).copy()
        topo[:, 1:] += offset
        topo_all.append(topo.reshape(-1))
        types_all.append(types)
        points_all.append(pts)
        values_all.append(vals)
        offset += pts.shape[0]
    return (
        np.concatenate(topo_all),
        np.concatenate(types_all),
        np.concatenate(points_all),
        np.concatenate(values_all),
    )


def to_pyvista(gathered: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], name: str) -> Any:
    """Build a pyvista.UnstructuredGrid from :func:`gather_vtk_grid` output (rank 0)."""
    import pyvista

    topology, cell_types, points, values = gathered
    grid = pyvista.UnstructuredGrid(topology, cell_types, points)
    grid.point_data[name] = values
    return grid
