"""Figure helpers: matplotlib line plots and PyVista off-screen renders (rank 0 only)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["line_plot", "render_surface_field"]


def line_plot(
    path: Path,
    series: Sequence[dict[str, Any]],
    xlabel: str,
    ylabel: str,
    title: str,
    logx: bool = False,
    logy: bool = False,
) -> None:
    """Save a line plot; each series is {x, y, label, style} (style a matplotlib format)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 4.2), dpi=130)
    for s in series:
        ax.plot(s["x"], s["y"], s.get("style", "o-"), label=s["label"], ms=4)
    ax.set_xscale("log" if logx else "linear")
    ax.set_yscale("log" if logy else "linear")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def render_surface_field(
    path: Path,
    grid: Any,
    scalar: str,
    surface_z: float,
    title: str,
    scalar_bar: str,
) -> None:
    """Render the mesh faces lying in the plane z = surface_z, coloured by ``scalar``
    where it is non-zero (the contact) and grey elsewhere (voids).

    ``grid`` is a pyvista.UnstructuredGrid with point data ``scalar`` (m
    coordinates); the picture is in micrometres, seen from the Li side.
    """
    import pyvista

    pyvista.OFF_SCREEN = True
    surface = grid.extract_surface()
    centres = surface.cell_centers().points
    tol = 1e-6 * float(np.ptp(grid.points[:, 0]))
    plane = surface.extract_cells(np.flatnonzero(np.abs(centres[:, 2] - surface_z) < tol))
    plane.points *= 1e6
    # Faces with a zero vertex value are off the contact (voids): drawn grey.
    values = np.asarray(plane.point_data[scalar])
    on_contact = np.array([np.all(values[plane.get_cell(k).point_ids] != 0.0) for k in range(plane.n_cells)])
    plotter = pyvista.Plotter(off_screen=True, window_size=(900, 760))
    if np.any(~on_contact):
        plotter.add_mesh(plane.extract_cells(np.flatnonzero(~on_contact)), color="lightgrey")
    plotter.add_mesh(
        plane.extract_cells(np.flatnonzero(on_contact)),
        scalars=scalar,
        cmap="inferno",
        show_edges=False,
        scalar_bar_args={"title": scalar_bar, "vertical": True, "position_x": 0.86, "position_y": 0.2},
    )
    plotter.add_text(title, font_size=10)
    plotter.view_xy()
    plotter.show_bounds(xtitle="x (um)", ytitle="y (um)", ztitle="", font_size=9)
    plotter.screenshot(str(path))
    plotter.close()
