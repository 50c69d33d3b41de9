"""The isolated build worker: one draw's booleans and mesh in a separate Python process.

An OpenCASCADE hang, a crash, or the HXT mesher terminating the process on a
bad surface mesh then costs only that draw.  The parent
(:func:`build_in_worker`) and the child (:func:`build_worker`) talk through a
temporary folder: job.pickle (layout, placement) in; mesh.msh and result.json
({"measures": ...}, {"build_error": ...} or {"parameter_error": ...}) out.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from fem.validation import ParameterError
from geometries.planar import MODEL_UNIT_M
from geometries.porous.layout import HostLayout
from geometries.porous.measures import check_porosity, host_volume, occ_measures
from geometries.porous.occ import BuildError, build_volumes, classify_surfaces, mesh_cell, tag_regions
from geometries.porous.placement import Placement

__all__ = ["build_in_worker", "build_worker"]


def _build_timeout(placement: Placement) -> float:
    """Seconds a worker may take for one draw (normal builds take well under this)."""
    return 120.0 + 0.5 * len(placement.primitives)


def build_in_worker(model: Any, layout: HostLayout, placement: Placement) -> dict[str, Any]:
    """Booleans, tags and mesh of one draw in a separate Python process; merge its mesh into ``model``.

    Raises BuildError when the worker reports one, dies, or exceeds
    :func:`_build_timeout` (it is then killed); ParameterError when the OCC
    porosity misses the target.  Returns the OCC measures.
    """
    import gmsh

    with tempfile.TemporaryDirectory(prefix="porous-host-") as tmp:
        folder = Path(tmp)
        (folder / "job.pickle").write_bytes(pickle.dumps((layout, placement)))
        command = [sys.executable, "-c", "from geometries.porous.worker import build_worker; build_worker()", tmp]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        timeout = _build_timeout(placement)
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise BuildError(f"booleans / meshing did not finish in {timeout:.0f} s") from None
        result = folder / "result.json"
        if not result.exists():
            last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
            raise BuildError(f"the build worker stopped with exit status {done.returncode} ({last})")
        outcome = json.loads(result.read_text())
        if "build_error" in outcome:
            raise BuildError(outcome["build_error"])
        if "parameter_error" in outcome:
            raise ParameterError(outcome["parameter_error"])
        gmsh.merge(str(folder / "mesh.msh"))
    return outcome["measures"]


def build_worker() -> None:
    """Entry point of the worker process: ``python -c '...build_worker()' FOLDER``.

    Reads (layout, placement) from FOLDER/job.pickle, builds, tags and meshes in
    micrometres, scales the mesh to metres and writes FOLDER/mesh.msh and
    FOLDER/result.json ({"measures": ...}, {"build_error": ...} or {"parameter_error": ...}).
    """
    import gmsh

    folder = Path(sys.argv[-1])
    layout, placement = pickle.loads((folder / "job.pickle").read_bytes())
    gmsh.initialize(interruptible=False)
    gmsh.option.setNumber("General.Terminal", 0)
    gmsh.model.add("porous_host")
    model = gmsh.model
    try:
        regions = build_volumes(model, layout, placement)
        tag_regions(model, regions, classify_surfaces(model, layout, regions))
        measures = occ_measures(model, layout)
        check_porosity("OCC geometry", 1.0 - host_volume(measures["volume_m3"]) / layout.host_layer_volume, layout)
        mesh_cell(model, layout, regions)
        m = MODEL_UNIT_M
        model.mesh.affineTransform([m, 0, 0, 0, 0, m, 0, 0, 0, 0, m, 0])
        gmsh.option.setNumber("Mesh.Binary", 1)
        gmsh.write(str(folder / "mesh.msh"))
        outcome: dict[str, Any] = {"measures": measures}
    except BuildError as error:
        outcome = {"build_error": str(error)}
    except ParameterError as error:
        outcome = {"parameter_error": str(error)}
    (folder / "result.json").write_text(json.dumps(outcome))
    gmsh.finalize()
