"""Benchmark: effective properties of a voxelised host against the gmsh-built host and a TauFactor-equivalent.

One random dilute sphere host (r = 1.5 um, porosity 0.9, 10 x 10 x 8 um under
a 4 um separator, seed 1: the host of tests/test_effective_properties.py) is
built with gmsh (geometries.porous) and rendered into voxels of 0.5, 0.25 and
0.125 um.  Side by side, with wall times:

* gmsh host: fem.electrochemistry.effective_properties at P1 and P2;
* voxel mesh (geometries.image_volume, six tetrahedra per voxel, P1 FE): porosity,
  staircase specific area, tortuosity;
* the TauFactor method on the same voxels (studies.benchmarks.voxel_tortuosity:
  cell-centred finite volumes, SciPy CG; TauFactor itself needs PyTorch, which
  the rootfs does not carry);
* the smoothed interface area (marching cubes of the indicator blurred by one voxel).

Writes report.json and report.md into --out::

    containers/run python3 -m studies.benchmarks.image_effective_properties --out results/bench_image_props
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from mpi4py import MPI

from fem.electrochemistry.effective_properties import effective_properties
from geometries.image_volume import MAX_VOXELS, VoxelVolumeParams, voxel_volume_mesh
from geometries.porous import PorousHostParams, SpherePacking, place_scaffold, porous_host_mesh
from geometries.porous.layout import UM
from studies._report import environment
from studies.benchmarks.voxel_tortuosity import rasterize_spheres, smoothed_interface_area, voxel_properties

B, H, L = 10 * UM, 8 * UM, 4 * UM


def _timed(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - start


def _row(method: str, voxel_um: float | None, props: Any, seconds: float, dofs: int | None) -> dict[str, Any]:
    return {
        "method": method,
        "voxel_um": voxel_um,
        "porosity": props.porosity,
        "specific_area_1_um": props.specific_area_1_m * UM,
        "tortuosity": props.tortuosity,
        "unknowns": dofs,
        "time_s": seconds,
    }


def run(comm: MPI.Comm, voxels_um: list[float]) -> list[dict[str, Any]]:
    """All rows of the table (every rank; the voxel FV and areas on every rank, they are cheap)."""
    params = PorousHostParams(SpherePacking(1.5 * UM), 0.9, B, H, L, mesh_size=0.45 * UM, seed=1)
    md, build_s = _timed(porous_host_mesh, comm, params)
    spheres = place_scaffold(params.scaffold, params.layout(), 1, md.info["placement_attempt"]).primitives
    rows = []
    for degree in (1, 2):
        props, seconds = _timed(effective_properties, md, degree=degree)
        rows.append(_row(f"gmsh host, P{degree} FE (mesh {build_s:.1f} s)", None, props, seconds, props.num_dofs))
    for voxel_um in voxels_um:
        voxel = voxel_um * UM
        nz, n = round(H / voxel), round(B / voxel)
        solid = rasterize_spheres(spheres, (nz, n, n), voxel)
        labels = np.zeros((nz + round(L / voxel), n, n), dtype=np.int8)
        labels[:nz] = solid
        if labels.size <= MAX_VOXELS:
            cell = VoxelVolumeParams(labels, voxel, {0: "sse", 1: "host"})
            vmd, mesh_s = _timed(voxel_volume_mesh, comm, cell, cell_regions=("sse",))
            props, seconds = _timed(effective_properties, vmd, 0.0, H)
            rows.append(_row(f"voxel mesh, P1 FE (mesh {mesh_s:.1f} s)", voxel_um, props, seconds, props.num_dofs))
        fv, seconds = _timed(voxel_properties, ~solid, voxel)
        rows.append(_row("voxels, TauFactor method (FV)", voxel_um, fv, seconds, fv.unknowns))
        area, seconds = _timed(smoothed_interface_area, labels == 1, voxel, 1.0)
        rows.append(
            {
                "method": "voxels, smoothed surface (area only)",
                "voxel_um": voxel_um,
                "specific_area_1_um": area / (B * B * H) * UM,
                "time_s": seconds,
            }
        )
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| method | voxel (um) | porosity | specific area (1/um) | tortuosity | unknowns | time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:

        def cell(key: str, fmt: str, r: dict[str, Any] = r) -> str:
            return format(r[key], fmt) if r.get(key) is not None else "-"

        lines.append(
            f"| {r['method']} | {cell('voxel_um', 'g')} | {cell('porosity', '.4f')} | "
            f"{cell('specific_area_1_um', '.4f')} | {cell('tortuosity', '.4f')} | {cell('unknowns', 'd')} | "
            f"{r['time_s']:.2f} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for report.json and report.md")
    parser.add_argument("--voxels-um", default="0.5,0.25,0.125", help="voxel sizes, um, comma-separated")
    args = parser.parse_args(argv)
    comm = MPI.COMM_WORLD
    rows = run(comm, [float(v) for v in args.voxels_um.split(",")])
    if comm.rank == 0:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "report.json").write_text(json.dumps({"environment": environment(comm), "rows": rows}, indent=2))
        (args.out / "report.md").write_text(markdown(rows))
        print(markdown(rows), flush=True)


if __name__ == "__main__":
    main()
