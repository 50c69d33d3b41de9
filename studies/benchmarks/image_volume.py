"""Benchmark: labelled voxel stacks (geometries.image_volume) meshed at 50^3 to 200^3 voxels.

A synthetic XCT-like stack: overlapping spheres (host, label 1) at ~30 % solid
in electrolyte (label 0), a Li layer at the bottom (label 2) and a few empty
pores (label 3, void), in cubes of N^3 voxels of 0.1 um.  For each N it times

* the NumPy meshing (:func:`geometries.image_volume.voxel_mesh_arrays`: six
  tetrahedra per voxel, conformal by construction, facets tagged from voxel
  adjacency) and writing the arrays to an ``.npz``;
* for N^3 <= ``--dolfinx-max`` voxels, the full route to a distributed DOLFINx
  mesh (:func:`~geometries.image_volume.voxel_volume_mesh`: gmsh discrete
  entities, then DOLFINx), with the P1 dofs of the result.

Run on 1 and then 2 ranks into the same directory (the NumPy part runs on rank 0)::

    containers/run python3 -m studies.benchmarks.image_volume --out results/bench_image_volume
    containers/run -n 2 python3 -m studies.benchmarks.image_volume --out results/bench_image_volume
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from geometries.image_volume import MAX_VOXELS, VoxelVolumeParams, voxel_mesh_arrays, voxel_volume_mesh
from studies._report import environment

VOXEL_M = 1e-7
REGIONS = {0: "sse", 1: "host", 2: "lithium", 3: "void"}


def synthetic_stack(n: int, seed: int = 0) -> np.ndarray:
    """N^3 labels: overlapping spheres of radius N/12 voxels to ~30 % solid, Li below N/10, 4 empty pores."""
    rng = np.random.default_rng(seed)
    labels = np.zeros((n, n, n), dtype=np.int8)
    radius = n / 12.0
    axis = np.arange(n) + 0.5
    solid = 0.0
    while solid < 0.3:
        c = rng.uniform(0, n, 3)
        lo = np.maximum(0, np.floor(c - radius).astype(int))
        hi = np.minimum(n, np.ceil(c + radius).astype(int) + 1)
        z, y, x = np.ix_(axis[lo[2] : hi[2]], axis[lo[1] : hi[1]], axis[lo[0] : hi[0]])
        inside = (x - c[0]) ** 2 + (y - c[1]) ** 2 + (z - c[2]) ** 2 <= radius**2
        labels[lo[2] : hi[2], lo[1] : hi[1], lo[0] : hi[0]][inside] = 1
        solid = float(np.mean(labels == 1))
    for c in rng.uniform(0.3 * n, 0.7 * n, (4, 3)):
        lo, hi = (c - radius / 2).astype(int), (c + radius / 2).astype(int)
        labels[lo[2] : hi[2], lo[1] : hi[1], lo[0] : hi[0]] = 3
    labels[: max(1, n // 10)] = 2
    return labels


def run(n: int, comm: MPI.Comm, out: Path, dolfinx_max: int) -> dict[str, Any]:
    """Mesh the N^3 stack; return counts and seconds."""
    labels = synthetic_stack(n)
    params = VoxelVolumeParams(labels, VOXEL_M, REGIONS, f"synthetic {n}^3")
    record: dict[str, Any] = {"voxels_per_side": n, "voxels": int(labels.size), "mpi_ranks": comm.size}
    if comm.rank == 0:
        start = time.perf_counter()
        mesh = voxel_mesh_arrays(params)
        record["numpy_mesh_s"] = time.perf_counter() - start
        start = time.perf_counter()
        np.savez(out / f"voxels-{n}.npz", nodes=mesh.nodes, tetrahedra=mesh.tetrahedra, tet_region=mesh.tet_region)
        record["npz_write_s"] = time.perf_counter() - start
        record["tetrahedra"] = int(len(mesh.tetrahedra))
        record["nodes_p1_dofs"] = int(len(mesh.nodes))
        record["facet_triangles"] = {name: int(len(t)) for name, t in mesh.facets.items()}
        del mesh
        (out / f"voxels-{n}.npz").unlink()
    record = comm.bcast(record, root=0)
    if labels.size <= min(dolfinx_max, MAX_VOXELS):
        comm.Barrier()
        start = time.perf_counter()
        md = voxel_volume_mesh(comm, params)
        record["dolfinx_mesh_s"] = comm.allreduce(time.perf_counter() - start, op=MPI.MAX)
        record["dolfinx_cells"] = md.mesh.topology.index_map(3).size_global
        record["dolfinx_vertices"] = md.mesh.topology.index_map(0).size_global
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for benchmark-<ranks>.json")
    parser.add_argument("--sizes", default="50,100,200", help="voxels per side, comma-separated")
    parser.add_argument("--dolfinx-max", type=int, default=1_000_000, help="largest stack taken into DOLFINx")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    if comm.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
    comm.Barrier()
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        record = run(n, comm, args.out, args.dolfinx_max)
        results.append(record)
        if comm.rank == 0:
            print(json.dumps(record), flush=True)
    if comm.rank == 0:
        report = {"environment": environment(comm), "voxel_size_m": VOXEL_M, "cases": results}
        (args.out / f"benchmark-{comm.size}.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
