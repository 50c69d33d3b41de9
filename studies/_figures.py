"""Figure helpers: matplotlib line plots and PyVista off-screen renders (rank 0 only).

Conventions: a study's figures go to ``<out>/figures/<name>.png`` and are
listed in report.json (``figures``, paths relative to the report) and shown
by report.md (studies._report.figures_section).  A line plot is a list of
:func:`series` (x, y, label, matplotlib style); :func:`save_line_plot` writes
one there and returns its relative path.  Model results use markers
(:data:`MARKERS`, cycled per series) or line styles (:data:`LINES`),
analytic and published references black dashed or dotted lines (``"k--"``,
``"k:"``).  Axis labels carry units in parentheses, as the table headers do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "MARKERS",
    "LINES",
    "series",
    "save_line_plot",
    "line_plot",
    "render_surface_field",
    "interface_current_figure",
    "render_triangles",
    "void_growth_figure",
]

#: Marker styles cycled over the series of one figure (model results).
MARKERS = ("o-", "s-", "^-", "v-", "d-", "x-", "+-", "*-")
#: Line styles cycled over profiles (model results without markers).
LINES = ("-", "--", "-.", ":")


def outer_surface(grid: Any) -> Any:
    """``grid.extract_surface()`` with VTK's dataset-surface filter on every PyVista version.

    PyVista 0.49 warns (FutureWarning) that its default algorithm will change and takes ``algorithm``;
    0.44 has no such argument.  Naming the current default keeps the pictures identical on both.
    """
    import inspect

    if "algorithm" in inspect.signature(grid.extract_surface).parameters:
        return grid.extract_surface(algorithm="dataset_surface")
    return grid.extract_surface()


def series(x: Any, y: Any, label: str, style: str = "o-") -> dict[str, Any]:
    """One curve of a :func:`line_plot`: x and y values, legend label, matplotlib format string."""
    return {"x": x, "y": y, "label": label, "style": style}


def save_line_plot(out: Path, name: str, *plot: Any, folder: str = "figures", **options: Any) -> str:
    """:func:`line_plot` (``plot`` and ``options``: its arguments after the path) into
    ``out/folder/name``, the folder created; returns ``folder/name``, the path report.json and
    report.md use."""
    relative = f"{folder}/{name}" if folder else name
    (out / relative).parent.mkdir(parents=True, exist_ok=True)
    line_plot(out / relative, *plot, **options)
    return relative


def line_plot(
    path: Path,
    curves: Sequence[dict[str, Any]],
    xlabel: str,
    ylabel: str,
    title: str,
    logx: bool = False,
    logy: bool = False,
) -> None:
    """Save a line plot; each curve is a :func:`series` {x, y, label, style} (style a matplotlib format)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 4.2), dpi=130)
    for s in curves:
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
    title: str,
    scalar_bar: str,
    plane_z: float | None = None,
) -> None:
    """Render the boundary faces of ``grid`` on which ``scalar`` is non-zero at every vertex.

    With ``plane_z`` only faces in the plane z = plane_z are drawn, the zero
    ones (voids) in grey, seen from above; otherwise the non-zero faces (e.g.
    a 3D Li | electrolyte interface) in an isometric view.  ``grid`` is a
    pyvista.UnstructuredGrid in m with point data ``scalar``; the picture is
    in micrometres.
    """
    import pyvista

    pyvista.OFF_SCREEN = True
    surface = outer_surface(grid)
    if plane_z is not None:
        centres = surface.cell_centers().points
        tol = 1e-6 * float(np.ptp(grid.points[:, 0]))
        surface = surface.extract_cells(np.flatnonzero(np.abs(centres[:, 2] - plane_z) < tol))
    surface.points *= 1e6
    values = np.asarray(surface.point_data[scalar])
    nonzero = np.array([np.all(values[surface.get_cell(k).point_ids] != 0.0) for k in range(surface.n_cells)])
    plotter = pyvista.Plotter(off_screen=True, window_size=(900, 760))
    if plane_z is not None and np.any(~nonzero):
        plotter.add_mesh(surface.extract_cells(np.flatnonzero(~nonzero)), color="lightgrey")
    plotter.add_mesh(
        surface.extract_cells(np.flatnonzero(nonzero)),
        scalars=scalar,
        cmap="inferno",
        show_edges=False,
        scalar_bar_args={"title": scalar_bar, "vertical": True, "position_x": 0.86, "position_y": 0.2},
    )
    plotter.add_text(title, font_size=10)
    if plane_z is not None:
        plotter.view_xy()
    else:
        plotter.view_isometric()
    plotter.show_bounds(xtitle="x (um)", ytitle="y (um)", ztitle="z (um)" if plane_z is None else "", font_size=9)
    plotter.screenshot(str(path))
    plotter.close()


def interface_current_figure(comm: Any, current: Any, path: Path, title: str, plane_z: float | None = None) -> None:
    """Collective: gather the interface current density (A/m2, dolfinx Function, zero off
    the interface) to rank 0 and render it in mA/cm2 (see render_surface_field)."""
    from fem.output import gather_vtk_grid, to_pyvista
    from studies._sweep import on_root

    gathered = gather_vtk_grid(current)

    def render() -> None:
        grid = to_pyvista(gathered, "i_mA_cm2")
        grid.point_data["i_mA_cm2"] = grid.point_data["i_mA_cm2"] / 10.0  # A/m2 -> mA/cm2
        path.parent.mkdir(parents=True, exist_ok=True)
        render_surface_field(path, grid, "i_mA_cm2", title, "i (mA/cm2)", plane_z=plane_z)

    on_root(comm, render)


def render_triangles(
    path: Path, vertices: np.ndarray, values: np.ndarray, title: str, scalar_bar: str, log: bool = False
) -> None:
    """Render triangles (n, 3, 3) in m coloured by ``values`` (NaN in grey), isometric view, in micrometres.

    With ``log`` the colour scale is log10 of the values (non-positive ones grey)."""
    import pyvista

    pyvista.OFF_SCREEN = True
    n = vertices.shape[0]
    points = 1e6 * vertices.reshape(-1, 3)
    faces = np.column_stack([np.full(n, 3), np.arange(3 * n).reshape(n, 3)]).reshape(-1)
    surface = pyvista.PolyData(points, faces)
    shown = np.where(values > 0.0, np.log10(np.where(values > 0.0, values, 1.0)), np.nan) if log else values
    surface.cell_data["value"] = shown
    plotter = pyvista.Plotter(off_screen=True, window_size=(900, 760))
    plotter.add_mesh(
        surface,
        scalars="value",
        cmap="inferno",
        nan_color="lightgrey",
        show_edges=False,
        scalar_bar_args={"title": scalar_bar, "vertical": True, "position_x": 0.86, "position_y": 0.2},
    )
    plotter.add_text(title, font_size=10)
    plotter.view_isometric()
    plotter.show_bounds(xtitle="x (um)", ytitle="y (um)", ztitle="z (um)", font_size=9)
    plotter.screenshot(str(path))
    plotter.close()


def void_growth_figure(
    comm: Any, gap: Any, path: Path, title: str, plane_z: float = 0.0, exaggeration: float | None = None
) -> None:
    """Collective: a 3D view of the voids on the Li surface z = ``plane_z``.

    ``gap`` is a scalar Lagrange function on the Li mesh (m, zero off the
    interface and where Li touches the electrolyte).  The interface is drawn
    sunk by the gap times ``exaggeration`` (default: the largest gap becomes 15%
    of the footprint) and coloured by the gap in nm, so voids show as dents.
    Rendered on rank 0.
    """
    from fem.output import gather_vtk_grid, to_pyvista
    from studies._sweep import on_root

    gathered = gather_vtk_grid(gap)

    def render() -> None:
        import pyvista

        pyvista.OFF_SCREEN = True
        grid = to_pyvista(gathered, "gap_nm")
        grid.point_data["gap_nm"] = 1e9 * grid.point_data["gap_nm"]
        surface = outer_surface(grid)
        width = float(np.ptp(grid.points[:, 0]))
        centres = surface.cell_centers().points
        surface = surface.extract_cells(np.flatnonzero(np.abs(centres[:, 2] - plane_z) < 1e-6 * width))
        surface = outer_surface(surface)
        gap_m = 1e-9 * np.asarray(surface.point_data["gap_nm"])
        largest = float(gap_m.max(initial=0.0))
        scale = exaggeration if exaggeration is not None else (0.15 * width / largest if largest > 0.0 else 1.0)
        surface.points[:, 2] -= scale * gap_m
        surface.points *= 1e6
        plotter = pyvista.Plotter(off_screen=True, window_size=(900, 760))
        plotter.add_mesh(
            surface,
            scalars="gap_nm",
            cmap="viridis",
            show_edges=False,
            scalar_bar_args={"title": "gap (nm)", "vertical": True, "position_x": 0.86, "position_y": 0.2},
        )
        plotter.add_text(f"{title}\n(depth x {scale:.3g})", font_size=10)
        plotter.view_isometric()
        plotter.show_bounds(xtitle="x (um)", ytitle="y (um)", ztitle="", font_size=9)
        path.parent.mkdir(parents=True, exist_ok=True)
        plotter.screenshot(str(path))
        plotter.close()

    on_root(comm, render)
