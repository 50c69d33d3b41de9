"""Cut-away picture of a tagged mesh written by a geometries builder.

``write_preview(msh_path, png_path)`` reads mesh.msh (coordinates in m), keeps
the tetrahedra with their cell region id, removes the quarter x > x_mid,
y > y_mid (the one facing the camera) and renders
each region in its own colour off-screen (the launcher provides Xvfb).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from fem.markers import marker_table

__all__ = ["write_preview"]

#: Colours by cell region name; other regions get the cycle below.
REGION_COLOURS = {"sse": "#6baed6", "lithium": "#f2c14e", "host": "#74c476", "current_collector": "#b87333"}
_OTHER_COLOURS = ("#a1d99b", "#bcbddc", "#fdd0a2", "#fa9fb5")


def _region_names(msh_path: Path) -> dict[int, str]:
    """Cell region id -> name, from markers.json beside the mesh (else the default table)."""
    markers_file = msh_path.parent / "markers.json"
    cells = json.loads(markers_file.read_text())["cells"] if markers_file.exists() else marker_table()["cells"]
    return {int(i): name for name, i in cells.items()}


def _title(msh_path: Path) -> str:
    """The builder's description from info.json beside the mesh, else the file name."""
    info_file = msh_path.parent / "info.json"
    info = json.loads(info_file.read_text()) if info_file.exists() else {}
    return str(info.get("description", msh_path.name))


def _tetrahedra(msh_path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points (um), tetrahedron connectivity and the cell region id of each tetrahedron."""
    import meshio

    mesh = meshio.read(msh_path, file_format="gmsh")
    blocks = [k for k, block in enumerate(mesh.cells) if block.type == "tetra"]
    tets = np.concatenate([mesh.cells[k].data for k in blocks])
    regions = np.concatenate([mesh.cell_data["gmsh:physical"][k] for k in blocks])
    return 1e6 * mesh.points, tets, regions


def write_preview(msh_path: Path, png_path: Path) -> None:
    """Render the cell regions of ``msh_path`` with a quarter cut away to ``png_path`` (PNG)."""
    import pyvista

    pyvista.OFF_SCREEN = True
    msh_path, png_path = Path(msh_path), Path(png_path)
    points, tets, regions = _tetrahedra(msh_path)
    grid = pyvista.UnstructuredGrid({pyvista.CellType.TETRA: tets}, points)
    grid.cell_data["region"] = regions
    x0, x1, y0, y1, z0, z1 = grid.bounds
    pad = 1.0 + max(x1 - x0, y1 - y0, z1 - z0)
    xm, ym = 0.5 * (x0 + x1), 0.5 * (y0 + y1)
    cut = grid.clip_box([xm, x1 + pad, ym, y1 + pad, z0 - pad, z1 + pad], invert=True)
    names = _region_names(msh_path)
    plotter = pyvista.Plotter(off_screen=True, window_size=(1000, 800))
    for k, region in enumerate(np.unique(regions)):
        part = cut.extract_cells(np.flatnonzero(cut.cell_data["region"] == region))
        if part.n_cells == 0:
            continue
        name = names.get(int(region), f"region {region}")
        colour = REGION_COLOURS.get(name, _OTHER_COLOURS[k % len(_OTHER_COLOURS)])
        plotter.add_mesh(
            part, color=colour, show_edges=True, edge_color="#303030", line_width=0.5, label=name, ambient=0.3
        )
    plotter.add_legend(bcolor="white", face="rectangle", size=(0.16, 0.08), loc="upper right")
    plotter.show_axes()
    plotter.view_isometric()
    plotter.add_text(f"{_title(msh_path)} (cut-away, um)", font_size=9)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    plotter.screenshot(str(png_path))
    plotter.close()
