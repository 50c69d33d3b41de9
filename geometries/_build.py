"""Shared plumbing of every builder: build on rank 0, write files atomically, distribute."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fem.markers import marker_table

__all__ = ["distributed_build", "distributed_mesh", "run_cli_build", "write_mesh_files"]

#: ``build(model) -> info``: builds, tags and meshes into the gmsh model, returns the info dict.
Build = Callable[[Any], dict[str, Any]]


def write_mesh_files(model: Any, out_dir: Path, info: dict[str, Any]) -> None:
    """Rank 0 only: write mesh.msh, markers.json and info.json into ``out_dir``."""
    import gmsh

    out_dir.mkdir(parents=True, exist_ok=True)
    gmsh.write(str(out_dir / "mesh.msh"))
    (out_dir / "markers.json").write_text(json.dumps(marker_table(), indent=2))
    (out_dir / "info.json").write_text(json.dumps(info, indent=2))


def distributed_build(
    comm: Any, build: Build, out_dir: str | Path | None = None, cell_regions: tuple[str, ...] | None = None
) -> Any:
    """Run ``build(model) -> info`` on rank 0 of ``comm``; return fem.mesh_io.MeshData on every rank.

    ``cell_regions`` keeps only those named cell regions; their boundary facets
    keep their markers.  With ``out_dir``, rank 0 writes mesh.msh, markers.json
    and info.json there.  A failure on rank 0 is re-raised on every rank.
    DOLFINx (and with it PETSc, whose initialisation is collective) is imported
    on every rank first: the info's package_versions() would otherwise import
    it on rank 0 alone and hang.
    """
    import dolfinx  # noqa: F401

    from fem.mesh_io import gmsh_session, model_to_meshdata

    with gmsh_session(comm) as model:
        info: dict[str, Any] = {}
        error: Exception | None = None
        if model is not None:
            try:
                info = build(model)
                if out_dir is not None:
                    write_mesh_files(model, Path(out_dir), info)
            except Exception as caught:  # re-raised on every rank below, not left hanging in bcast
                error = caught
        error = comm.bcast(error, root=0)
        if error is not None:
            raise error
        info = comm.bcast(info, root=0)
        return model_to_meshdata(model, comm, marker_table(), info, cell_regions=cell_regions)


def distributed_mesh(
    comm: Any,
    params: Any,
    build: Callable[[Any, Any], Any],
    describe: Callable[[Any, Any], dict[str, Any]],
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """:func:`distributed_build` for a pure builder ``build(model, params)`` and ``describe(params, model) -> info``."""

    def build_and_describe(model: Any) -> dict[str, Any]:
        build(model, params)
        return describe(params, model)

    return distributed_build(comm, build_and_describe, out_dir, cell_regions)


def run_cli_build(args: argparse.Namespace, build: Build, summary: Callable[[dict[str, Any]], str]) -> None:
    """Command-line build: on MPI.COMM_SELF, write mesh.msh, markers.json, info.json (and preview.png
    with ``args.preview``) into ``args.out`` via a sibling temporary directory, so that an interrupted
    build leaves no half-written output; print ``summary(info)`` with the element count and time."""
    from mpi4py import MPI

    from fem.mesh_io import gmsh_session

    out = Path(args.out)
    partial = out.parent / f".{out.name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    start = time.perf_counter()
    try:
        with gmsh_session(MPI.COMM_SELF) as model:
            info = build(model)
            write_mesh_files(model, partial, info)
        seconds = time.perf_counter() - start
        if getattr(args, "preview", False):
            from geometries.preview import write_preview

            write_preview(partial / "mesh.msh", partial / "preview.png")
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    out.mkdir(parents=True, exist_ok=True)
    for path in sorted(partial.iterdir()):
        os.replace(path, out / path.name)
    partial.rmdir()
    print(f"{summary(info)}, {info['n_tetrahedra']} tetrahedra in {seconds:.1f} s -> {out}")
