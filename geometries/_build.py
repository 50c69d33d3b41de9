"""Shared plumbing of every builder: build on rank 0, write files, distribute."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from geometries.markers import marker_table

__all__ = ["distributed_mesh", "write_mesh_files"]


def write_mesh_files(model: Any, out_dir: Path, info: dict[str, Any]) -> None:
    """Rank 0 only: write mesh.msh, markers.json and info.json into ``out_dir``."""
    import gmsh

    out_dir.mkdir(parents=True, exist_ok=True)
    gmsh.write(str(out_dir / "mesh.msh"))
    (out_dir / "markers.json").write_text(json.dumps(marker_table(), indent=2))
    (out_dir / "info.json").write_text(json.dumps(info, indent=2))


def distributed_mesh(
    comm: Any,
    params: Any,
    build: Callable[[Any, Any], Any],
    describe: Callable[[Any, Any], dict[str, Any]],
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Run ``build(model, params)`` on rank 0 of ``comm`` and return fem.mesh_io.MeshData.

    ``describe(params, model)`` gives the info dict (identical on every rank).
    ``cell_regions`` keeps only those named cell regions; their boundary facets
    keep their markers.  With ``out_dir``, rank 0 writes mesh.msh, markers.json
    and info.json there.
    """
    from fem.mesh_io import gmsh_session, model_to_meshdata

    with gmsh_session(comm) as model:
        info: dict[str, Any] = {}
        if model is not None:
            build(model, params)
            info = describe(params, model)
            if out_dir is not None:
                write_mesh_files(model, Path(out_dir), info)
        info = comm.bcast(info, root=0)
        return model_to_meshdata(model, comm, marker_table(), info, cell_regions=cell_regions)
