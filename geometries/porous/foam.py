"""Open-cell foam: strut networks on a cubic or periodic Voronoi lattice, with the strut radius solved for the porosity.

:class:`StrutGraph` is a strut network periodic in x and y; the lattices are
built, short Voronoi struts collapsed, node spheres sized so that struts meet
inside them, and :func:`foam_struts` returns the node spheres and strut
cylinders whose voxel solid fraction meets the porosity.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fem.validation import ParameterError
from geometries.porous.layout import UM, HostLayout
from geometries.porous.limits import MIN_CROSSING_ANGLE_DEG
from geometries.porous.scaffolds import Cylinder, OpenCellFoam, Primitive, Sphere
from geometries.porous.voxels import VoxelGrid

__all__ = ["StrutGraph", "foam_struts"]


@dataclass(frozen=True)
class StrutGraph:
    """A strut network periodic in x and y with period ``period`` (m).

    ``nodes`` (n, 3) are positions (m) of one image of each node; ``edges``
    (m, 4) integer rows (i, j, sx, sy) are struts from nodes[i] to
    nodes[j] + (sx, sy, 0) * period.
    """

    nodes: np.ndarray
    edges: np.ndarray
    period: float

    def vectors(self) -> np.ndarray:
        """Strut vectors (m, 3) in m."""
        e = self.edges
        shift = np.column_stack([e[:, 2], e[:, 3], np.zeros(len(e))]) * self.period
        return self.nodes[e[:, 1]] + shift - self.nodes[e[:, 0]]

    def smallest_angles(self) -> np.ndarray:
        """Smallest angle (rad) between the struts meeting at each node (pi / 2 where fewer than two)."""
        vectors = self.vectors()
        units = vectors / np.linalg.norm(vectors, axis=1)[:, None]
        directions: dict[int, list[np.ndarray]] = {}
        for (i, j, _, _), u in zip(self.edges, units, strict=True):
            directions.setdefault(int(i), []).append(u)
            directions.setdefault(int(j), []).append(-u)
        angles = np.full(len(self.nodes), math.pi / 2.0)
        for node, dirs in directions.items():
            cosines = [float(dirs[k] @ dirs[m]) for k in range(len(dirs)) for m in range(k + 1, len(dirs))]
            if cosines:
                angles[node] = min(angles[node], math.acos(min(max(cosines), 1.0)))
        return angles


def _canonical_edges(rows: Sequence[Sequence[int]]) -> np.ndarray:
    """Drop zero-length self loops, orient each strut one way and remove duplicates."""
    unique = set()
    for i, j, sx, sy in rows:
        if i == j and sx == 0 and sy == 0:
            continue
        forward, backward = (int(i), int(j), int(sx), int(sy)), (int(j), int(i), -int(sx), -int(sy))
        unique.add(min(forward, backward))  # both name the same strut
    return np.array(sorted(unique), dtype=np.int64).reshape(-1, 4)


def _cubic_graph(a: float, n: int, nz: int) -> StrutGraph:
    """Cubic lattice of constant a: n x n cells in x, y (periodic), nz cells in z, nodes at z = k a."""
    index = {(i, j, k): (i * n + j) * (nz + 1) + k for i in range(n) for j in range(n) for k in range(nz + 1)}
    nodes = np.array([(i * a, j * a, k * a) for (i, j, k) in index])
    rows = []
    for (i, j, k), node in index.items():
        rows.append((node, index[(i + 1) % n, j, k], int(i + 1 == n), 0))
        rows.append((node, index[i, (j + 1) % n, k], 0, int(j + 1 == n)))
        if k < nz:
            rows.append((node, index[i, j, k + 1], 0, 0))
    return StrutGraph(nodes, _canonical_edges(rows), n * a)


def _cubic_lattice(scaffold: OpenCellFoam, layout: HostLayout) -> StrutGraph:
    """The cubic lattice filling [0, b]^2 x [0, H]; b and H must be whole multiples of the cell size."""
    a, b, H = scaffold.cell_size, layout.footprint, layout.host_thickness
    counts = []
    for name, extent in (("footprint", b), ("host_thickness", H)):
        n = round(extent / a)
        if n < 1 or abs(n * a - extent) > 1e-9 * extent:
            raise ParameterError(
                f"cell_size = {a:.4g} m: the cubic foam needs the {name} {extent:.4g} m to be a whole "
                f"multiple of the cell size (e.g. cell_size = {extent / max(n, 1):.4g} m)"
            )
        counts.append(n)
    return _cubic_graph(a, counts[0], counts[1])


def _periodic_seeds(n_cells: int, b: float, H: float, hard_core: float, rng: np.random.Generator) -> np.ndarray:
    """Up to n_cells points in [0, b)^2 x [0, H], at least ``hard_core`` apart (periodic in x, y)."""
    seeds: list[np.ndarray] = []
    for _ in range(200 * n_cells):
        if len(seeds) == n_cells:
            break
        p = rng.uniform([0.0, 0.0, 0.0], [b, b, H])
        if seeds:
            disp = np.array(seeds) - p
            disp[:, :2] -= b * np.round(disp[:, :2] / b)
            if np.min(np.linalg.norm(disp, axis=1)) < hard_core:
                continue
        seeds.append(p)
    return np.array(seeds)


def _voronoi_lattice(scaffold: OpenCellFoam, layout: HostLayout, rng: np.random.Generator) -> StrutGraph:
    """Edges of a Voronoi tessellation periodic in x, y and mirrored at z = 0 and z = H.

    Seeds by random sequential addition with a hard core of 0.6 cell sizes
    (more regular cells); the tessellation of the seeds' 3 x 3 periodic images
    (and their mirror images) is reduced to one image of each vertex and
    strut, and struts shorter than a fifth of a cell are collapsed.
    """
    from scipy.spatial import Voronoi

    a, b, H = scaffold.cell_size, layout.footprint, layout.host_thickness
    base = _periodic_seeds(max(1, round(b * b * H / a**3)), b, H, 0.6 * a, rng)
    points = []
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            shifted = base + np.array([i * b, j * b, 0.0])
            points += [
                shifted,
                shifted * np.array([1, 1, -1]),
                shifted * np.array([1, 1, -1]) + np.array([0, 0, 2 * H]),
            ]
    vor = Voronoi(np.concatenate(points))
    tol = 1e-7 * a
    vertices = vor.vertices
    wrapped = vertices.copy()
    wrapped[:, :2] = np.mod(vertices[:, :2], b)
    wrapped[:, :2] -= b * (wrapped[:, :2] > b - tol)
    shifts = np.rint((vertices[:, :2] - wrapped[:, :2]) / b).astype(np.int64)
    keys = [tuple(k) for k in np.rint(wrapped / tol).astype(np.int64)]
    fundamental: dict[tuple[int, ...], int] = {}
    positions: list[np.ndarray] = []
    node_of = np.empty(len(vertices), dtype=np.int64)
    for v, key in enumerate(keys):
        if key not in fundamental:
            fundamental[key] = len(positions)
            positions.append(wrapped[v])
        node_of[v] = fundamental[key]
    inside = (vertices[:, 2] > -tol) & (vertices[:, 2] < H + tol)
    rows = []
    for ridge in vor.ridge_vertices:
        if -1 in ridge:
            continue
        for u, v in zip(ridge, [*ridge[1:], ridge[0]], strict=True):
            middle = 0.5 * (vertices[u, :2] + vertices[v, :2])
            if inside[u] and inside[v] and np.all(middle >= -tol) and np.all(middle < b - tol):
                sx, sy = shifts[v] - shifts[u]
                rows.append((node_of[u], node_of[v], sx, sy))
    nodes = np.array(positions)
    nodes[np.abs(nodes[:, 2]) < tol, 2] = 0.0
    nodes[np.abs(nodes[:, 2] - H) < tol, 2] = H
    return _collapse_short_struts(StrutGraph(nodes, _canonical_edges(rows), b), a / 5.0, H)


def _collapse_short_struts(graph: StrutGraph, min_length: float, H: float) -> StrutGraph:
    """Merge the two ends of the shortest strut while it is shorter than ``min_length``.

    The merged node sits at the midpoint (on the mirror plane z = 0 or H if
    either end was), so every periodic image is treated alike.
    """
    nodes, edges, b = graph.nodes.copy(), graph.edges.copy(), graph.period
    while len(edges):
        lengths = np.linalg.norm(StrutGraph(nodes, edges, b).vectors(), axis=1)
        lengths[edges[:, 0] == edges[:, 1]] = np.inf
        k = int(np.argmin(lengths))
        if lengths[k] >= min_length:
            break
        i, j, sx, sy = (int(v) for v in edges[k])
        merged = 0.5 * (nodes[i] + nodes[j] + np.array([sx * b, sy * b, 0.0]))
        for z in (0.0, H):
            if nodes[i][2] == z or nodes[j][2] == z:
                merged[2] = z
        nodes[i] = merged
        rows = []
        for p, q, tx, ty in edges.tolist():  # nodes[j] + s b is now nodes[i]
            if p == j:
                p, tx, ty = i, tx + sx, ty + sy
            if q == j:
                q, tx, ty = i, tx - sx, ty - sy
            rows.append((p, q, tx, ty))
        edges = _canonical_edges(rows)
    used = np.unique(edges[:, :2])
    renumber = np.full(len(nodes), -1)
    renumber[used] = np.arange(len(used))
    edges = np.column_stack([renumber[edges[:, 0]], renumber[edges[:, 1]], edges[:, 2:]])
    return StrutGraph(nodes[used], edges, b)


def _strut_primitives(graph: StrutGraph, footprint: float, radius: float, node_radii: np.ndarray) -> list[Primitive]:
    """Node spheres and strut cylinders (m) of every periodic image that reaches [0, footprint]^2."""
    b = graph.period
    reach = float(np.max(node_radii)) + radius
    low, high = -reach, footprint + reach
    offsets = [(ox, oy) for ox in range(-2, 3) for oy in range(-2, 3)]
    prims: list[Primitive] = []
    for (ox, oy), (i, node) in itertools.product(offsets, enumerate(graph.nodes)):
        p = node + np.array([ox * b, oy * b, 0.0])
        if low <= p[0] <= high and low <= p[1] <= high:
            prims.append(Sphere(tuple(p.tolist()), float(node_radii[i])))
    vectors = graph.vectors()
    for (ox, oy), (edge, vector) in itertools.product(offsets, zip(graph.edges, vectors, strict=True)):
        start = graph.nodes[edge[0]] + np.array([ox * b, oy * b, 0.0])
        end = start + vector
        lo, hi = np.minimum(start, end), np.maximum(start, end)
        if hi[0] >= low and lo[0] <= high and hi[1] >= low and lo[1] <= high:
            prims.append(Cylinder(tuple(start.tolist()), tuple(end.tolist()), radius))
    return prims


def _node_radii(scaffold: OpenCellFoam, angles: np.ndarray, radius: float, gap: float) -> np.ndarray:
    """Node sphere radii: node_factor r, and large enough that struts meeting at a node at the
    angle theta intersect inside it (up to r / sin(theta / 2) from the node), plus the gap; at
    most 3 r (Voronoi nodes with sharper angles keep part of the strut-strut intersection outside)."""
    needed = np.maximum(scaffold.node_factor * radius, radius / np.sin(0.5 * angles) + gap)
    return np.minimum(needed, max(3.0 * radius, scaffold.node_factor * radius))


def _solve_strut_radius(solid_fraction: Callable[[float], float], target: float, high: float) -> float:
    """Bisection for the strut radius whose solid fraction is ``target`` (monotone in the radius)."""
    low = 0.0
    while high - low > 1e-3 * high:
        mid = 0.5 * (low + high)
        low, high = (mid, high) if solid_fraction(mid) < target else (low, mid)
    return 0.5 * (low + high)


def foam_struts(
    scaffold: OpenCellFoam, layout: HostLayout, rng: np.random.Generator
) -> tuple[list[Primitive], dict[str, Any]]:
    """Struts with the radius that meets the porosity (voxel estimate; cubic: on one periodic cell)."""
    if len(layout.slabs) > 1:
        raise ParameterError("a porosity gradient is not available for foams; use spheres or fibres")
    g, a = layout.min_gap, scaffold.cell_size
    if scaffold.lattice == "cubic":
        graph = _cubic_lattice(scaffold, layout)
        cell, cell_box = _cubic_graph(a, 1, 1), (a, ((0.0, a),), a / 96.0)
    else:
        graph = _voronoi_lattice(scaffold, layout, rng)
        cell, cell_box = graph, (layout.footprint, ((0.0, layout.host_thickness),), 0.0)
    cell_angles = cell.smallest_angles()

    def solid_fraction(radius: float) -> float:
        footprint, slabs, spacing = cell_box
        grid = VoxelGrid(footprint, slabs, spacing or max(radius / 3.0, 0.02 * a))
        grid.add(_strut_primitives(cell, footprint, radius, _node_radii(scaffold, cell_angles, radius, g)))
        return float(grid.solid.sum() / (footprint**2 * slabs[0][1]))

    porosity = layout.slabs[0].porosity
    thickest = 0.2 * float(np.median(np.linalg.norm(graph.vectors(), axis=1)))
    densest = solid_fraction(thickest)
    if densest < 1.0 - porosity:
        raise ParameterError(
            f"porosity = {porosity:g} is unreachable with a {scaffold.lattice} foam of cell_size = {a:.3g} m: "
            f"struts thicker than a fifth of the median edge ({thickest:.3g} m) close the cells "
            f"(porosity >= {1 - densest:.2f}); raise the porosity"
        )
    radius = _solve_strut_radius(solid_fraction, 1.0 - porosity, thickest)
    if layout.mesh_size > 0.5 * radius:
        raise ParameterError(
            f"mesh_size = {layout.mesh_size:.3g} m is larger than half the strut radius {radius:.3g} m that "
            f"porosity = {porosity:g} needs; refine the mesh (mesh_size <= {0.5 * radius:.3g} m)"
        )
    node_radii = _node_radii(scaffold, graph.smallest_angles(), radius, g)
    _check_foam_planes(layout, graph, radius, node_radii)
    details = {
        "strut_radius_m": radius,
        "node_radius_m": float(np.max(node_radii)),
        "n_struts": len(graph.edges),
        "n_nodes": len(graph.nodes),
    }
    return _strut_primitives(graph, layout.footprint, radius, node_radii), details


def _check_foam_planes(layout: HostLayout, graph: StrutGraph, r: float, node_radii: np.ndarray) -> None:
    """Refuse cut planes (fill height, sublayer boundaries) nearly tangent to nodes or struts."""
    g = layout.min_gap
    sin_min = math.sin(math.radians(MIN_CROSSING_ANGLE_DEG))
    vectors = graph.vectors()
    for z in layout.cut_planes:
        for node, R in zip(graph.nodes, node_radii, strict=True):
            s = abs(z - node[2])
            entry = math.sqrt(R * R - r * r)  # height of the circle where a vertical strut enters the node
            if any(abs(s - level) < g for level in (R, r, entry)):
                raise ParameterError(
                    f"the cut plane z = {z / UM:.4g} um (Li fill height or sublayer boundary) grazes the foam "
                    f"node at z = {node[2] / UM:.4g} um (node radius {R / UM:.3g} um, strut radius "
                    f"{r / UM:.3g} um); move it by more than {g / UM:.3g} um"
                )
        for edge, vector in zip(graph.edges, vectors, strict=True):
            z0 = graph.nodes[edge[0]][2]
            z1 = z0 + vector[2]
            crosses = min(z0, z1) - r - g < z < max(z0, z1) + r + g
            if crosses and 1e-9 < abs(vector[2]) / np.linalg.norm(vector) < sin_min:
                raise ParameterError(
                    f"the cut plane z = {z / UM:.4g} um meets a foam strut at less than "
                    f"{MIN_CROSSING_ANGLE_DEG:g} deg; use another seed or fill fraction, or a cubic foam"
                )
