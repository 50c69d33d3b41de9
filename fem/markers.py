"""The one table of region and boundary markers (see shared DESIGN.md).

Code refers to regions by name; every builder writes this table to
``markers.json`` beside its mesh so that a mesh file is self-describing.
"""

from __future__ import annotations

__all__ = ["CELL_MARKERS", "FACET_MARKERS", "HOST_LAYER_MARKERS", "marker_table"]

CELL_MARKERS: dict[str, int] = {
    "sse": 1,  # solid or polymer electrolyte
    "lithium": 2,
    "host": 3,
    "current_collector": 4,
}

#: Graded host sublayers 30-39 (host_layer_0 ... host_layer_9).
HOST_LAYER_MARKERS: dict[str, int] = {f"host_layer_{k}": 30 + k for k in range(10)}

FACET_MARKERS: dict[str, int] = {
    "bottom": 10,  # current-collector side
    "top": 11,  # counter electrode / stack-pressure face
    "sides": 12,  # periodic or symmetry faces
    "li_sse": 20,  # Li-electrolyte contact
    "void": 21,  # Li-electrolyte gap, no contact
    "host_sse": 22,
    "host_li": 23,
}


def marker_table() -> dict[str, dict[str, int]]:
    """Return ``{"cells": {...}, "facets": {...}}`` as written to markers.json."""
    return {"cells": {**CELL_MARKERS, **HOST_LAYER_MARKERS}, "facets": dict(FACET_MARKERS)}
