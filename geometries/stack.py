"""A Li strip on an electrolyte layer between two plates, from DOLFINx's box mesh (no gmsh).

Plane-strain periodic strip for the stack-pressure study: the electrolyte
occupies [0, W] x [0, b] x [0, L], the Li [0, w] x [0, b] x [L, L + h] with
w <= W, so that for w < W the Li has a free lateral face at x = w and a gap
above the electrolyte for x in (w, W) to creep into.  x = 0 and x = W are
symmetry planes (the strip repeats with Li width 2w and gap 2(W - w)); y = 0
and y = b are symmetry planes too (plane strain, one box layer in y).

Facet regions (fem.markers): ``bottom`` z = 0 (lower plate), ``top``
z = L + h over the Li (upper plate), ``sides`` the four symmetry planes
(axis-aligned, for rollers), ``li_sse`` the interior Li | electrolyte
interface, ``void`` the free Li side and the exposed electrolyte top.
Cell regions ``sse`` and ``lithium``.  The grid is graded piecewise
uniformly so that z = L and x = w are grid planes.
"""

from __future__ import annotations

import dolfinx.mesh
import numpy as np
from mpi4py import MPI

from fem.markers import CELL_MARKERS, FACET_MARKERS, marker_table
from fem.mesh_io import MeshData
from fem.validation import ParameterError, check_positive, check_range

__all__ = ["li_strip_stack"]


def _piecewise(s: np.ndarray, split: float, first: float, total: float) -> np.ndarray:
    """Map s in [0, 1] to [0, total] with s = split going to ``first`` (both pieces linear)."""
    if split >= 1.0:
        return s * total
    return np.where(s <= split, s / split * first, first + (s - split) / (1.0 - split) * (total - first))


def li_strip_stack(
    comm: MPI.Comm,
    sse_thickness: float,
    li_thickness: float,
    li_width: float,
    cell_width: float,
    depth: float,
    cells_sse_z: int,
    cells_li_z: int,
    cells_li_x: int,
    cells_gap_x: int,
) -> MeshData:
    """Return the tagged strip mesh (lengths in m; ``cells_*`` boxes per piece, 6 tetrahedra each).

    ``li_width`` <= ``cell_width``; with equality there is no gap and
    ``cells_gap_x`` must be 0 (a laterally confined, 1D stack).
    """
    check_positive("sse_thickness", sse_thickness, "m")
    check_positive("li_thickness", li_thickness, "m")
    check_positive("cell_width", cell_width, "m")
    check_range("li_width", li_width, 0.0, cell_width, high_inclusive=True, unit="m")
    check_positive("depth", depth, "m")
    for name, value in (("cells_sse_z", cells_sse_z), ("cells_li_z", cells_li_z), ("cells_li_x", cells_li_x)):
        check_range(name, value, 1, 1000, low_inclusive=True, high_inclusive=True)
    gap = li_width < cell_width
    if gap != (cells_gap_x > 0):
        raise ParameterError(
            f"cells_gap_x = {cells_gap_x} must be > 0 exactly when li_width ({li_width:g} m) < cell_width "
            f"({cell_width:g} m)"
        )
    nx, nz = cells_li_x + cells_gap_x, cells_sse_z + cells_li_z
    height = sse_thickness + li_thickness
    base = dolfinx.mesh.create_box(
        comm, [np.zeros(3), np.ones(3)], [nx, 1, nz], cell_type=dolfinx.mesh.CellType.tetrahedron
    )
    x = base.geometry.x
    x[:, 0] = _piecewise(x[:, 0], cells_li_x / nx, li_width, cell_width)
    x[:, 1] *= depth
    x[:, 2] = _piecewise(x[:, 2], cells_sse_z / nz, sse_thickness, height)
    tdim, fdim = 3, 2
    num_local = base.topology.index_map(tdim).size_local
    local = np.arange(num_local, dtype=np.int32)
    mid = dolfinx.mesh.compute_midpoints(base, tdim, local)
    keep = ~((mid[:, 2] > sse_thickness) & (mid[:, 0] > li_width))
    mesh = dolfinx.mesh.create_submesh(base, tdim, local[keep])[0] if gap else base

    mesh.topology.create_connectivity(fdim, tdim)
    tol = 1e-9 * max(height, cell_width)
    boundary = dolfinx.mesh.exterior_facet_indices(mesh.topology)
    fmid = dolfinx.mesh.compute_midpoints(mesh, fdim, boundary)
    close = np.isclose
    values = np.full(boundary.size, FACET_MARKERS["void"], dtype=np.int32)  # free surfaces by default
    is_side = (
        close(fmid[:, 0], 0.0, atol=tol)
        | close(fmid[:, 0], cell_width, atol=tol)
        | close(fmid[:, 1], 0.0, atol=tol)
        | close(fmid[:, 1], depth, atol=tol)
    )
    values[is_side] = FACET_MARKERS["sides"]
    values[close(fmid[:, 2], 0.0, atol=tol)] = FACET_MARKERS["bottom"]
    values[close(fmid[:, 2], height, atol=tol)] = FACET_MARKERS["top"]
    interface = dolfinx.mesh.locate_entities(
        mesh, fdim, lambda y: close(y[2], sse_thickness, atol=tol) & (y[0] <= li_width + tol)
    )
    interface = np.setdiff1d(interface, boundary)
    indices = np.concatenate([boundary, interface]).astype(np.int32)
    values = np.concatenate([values, np.full(interface.size, FACET_MARKERS["li_sse"], dtype=np.int32)])
    order = np.argsort(indices)
    facet_tags = dolfinx.mesh.meshtags(mesh, fdim, indices[order], values[order])

    num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    cells = np.arange(num_cells, dtype=np.int32)
    cmid = dolfinx.mesh.compute_midpoints(mesh, tdim, cells)
    cell_values = np.where(cmid[:, 2] > sse_thickness, CELL_MARKERS["lithium"], CELL_MARKERS["sse"])
    cell_tags = dolfinx.mesh.meshtags(mesh, tdim, cells, cell_values.astype(np.int32))
    info = {
        "builder": "geometries.stack.li_strip_stack",
        "parameters": {
            "sse_thickness_m": sse_thickness,
            "li_thickness_m": li_thickness,
            "li_width_m": li_width,
            "cell_width_m": cell_width,
            "depth_m": depth,
            "cells": [cells_sse_z, cells_li_z, cells_li_x, cells_gap_x],
        },
    }
    return MeshData(mesh, cell_tags, facet_tags, marker_table(), info)
