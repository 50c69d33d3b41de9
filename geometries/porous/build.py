"""Building the host cell into a gmsh model: place, build in a worker, redraw failed draws.

:func:`build_host_model` is the entry point shared by the porous and gradient
hosts; it records the draw that was meshed and the OCC measures on the model
(:func:`placement_attempt`, :func:`geometries.porous.measures.model_measures`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from geometries.porous.layout import HostLayout
from geometries.porous.measures import check_mesh_porosity
from geometries.porous.occ import BuildError
from geometries.porous.placement import Placement, place_scaffold
from geometries.porous.scaffolds import Scaffold
from geometries.porous.worker import build_in_worker

__all__ = ["MAX_BUILD_ATTEMPTS", "build_host_model", "placement_attempt"]

#: Builds redrawn (deterministic sub-streams of the seed) when OCC leaves a sliver or meshing fails.
MAX_BUILD_ATTEMPTS = 4
_LOG = logging.getLogger(__name__)


def build_host_model(model: Any, layout: HostLayout, scaffold: Scaffold, seed: int) -> Placement:
    """Place, build, tag and mesh the cell into ``model`` (mesh in m).

    Each draw's booleans and meshing run in a worker process (:func:`build_in_worker`),
    so that an OpenCASCADE hang, a crash or the HXT mesher terminating on a bad
    surface mesh costs only that draw; failed draws are redrawn (attempts 1, 2, ...
    of the seed).  The model receives the worker's mesh (discrete entities with
    the physical groups) and the attributes "placement_attempt" and
    "occ_measures" (exact OCC volumes and areas, JSON).  Returns the placement.
    """
    errors = []
    for attempt in range(MAX_BUILD_ATTEMPTS):
        placement = place_scaffold(scaffold, layout, seed, attempt)
        try:
            measures = build_in_worker(model, layout, placement)
        except BuildError as error:
            errors.append(str(error))
            _LOG.warning("seed %d, attempt %d: %s; redrawing", seed, attempt, error)
            continue
        model.setAttribute("placement_attempt", [str(attempt)])
        model.setAttribute("occ_measures", [json.dumps(measures)])
        check_mesh_porosity(model, layout)
        return placement
    raise RuntimeError(f"no meshable geometry in {MAX_BUILD_ATTEMPTS} draws of seed {seed}: {'; '.join(errors)}")


def placement_attempt(model: Any) -> int:
    """The draw that was meshed (model attribute set by build_host_model; 0 for a model it did not build)."""
    values = model.getAttribute("placement_attempt")  # gmsh returns [] for an attribute never set
    return int(values[0]) if values else 0
