"""Current constriction on a measured contact map, against the single spot of equal contact area.

The contact image (binary PNG/TIFF/.npy, white = contact unless ``--invert``)
becomes the Li | electrolyte interface of the planar cell
(geometries.image_contact); the study solves the secondary current distribution
(Butler-Volmer on the contact, galvanostatic) and the primary one (ideal
contact) on it and on one centred spot of the same contact fraction (the
equal-area spot of studies.constriction), and reports for both: total ASR,
constriction ASR (total - perfect contact L/kappa + eta(J)/J), its spreading
(ohmic) part, the hot-spot factor and the contact fractions (pixels, mesh).

Run ``python -m studies.image_constriction --contact-image map.png --pixel-size-um 0.2 --out DIR``.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mpi4py import MPI

from fem.electrochemistry import analytic
from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
from fem.materials import IdealContact, electrolyte, interface_kinetics, parameter_sets
from fem.validation import ParameterError, check_choice, check_positive, check_range
from geometries.image_contact import (
    image_contact_mesh,
    image_contact_params,
    image_contact_pattern,
    read_contact_image,
)
from geometries.planar import PlanarInterfaceParams, planar_interface_mesh
from geometries.spots import grid_spots
from studies._cli import COMMON_HELP, check_common_fields, run_cli
from studies._figures import interface_current_figure
from studies._report import figures_section, markdown_table, run_note, study_report, write_report_files
from studies._study import Study
from studies._units import A_M2_PER_MA_CM2, OHM_CM2_PER_OHM_M2, UM

__all__ = ["ImageConstrictionConfig", "Case", "build_cases", "run_study", "main"]

CASES = ("image", "equal_area_spot")


@dataclass(frozen=True)
class ImageConstrictionConfig:
    """Study parameters in the field's units (names carry them)."""

    contact_image: str = ""
    pixel_size_um: float = 0.0
    invert: bool = False
    min_region_pixels: int = 9
    smoothing_pixels: float = 0.7
    mesh_size_edges_um: float = 0.0
    current_density_mA_cm2: float = 1.0
    sse_thickness_um: float = 50.0
    electrolyte: str = "LPSCl"
    interface: str = "Li_LPSCl"
    degree: int = 1
    bulk_cells: float = 12.0
    groups: int = 1
    fields: bool = True

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any meshing (reads and traces the image: cheap)."""
        if not self.contact_image:
            raise ParameterError("contact_image = '' : give the contact map (PNG, TIFF or .npy)")
        check_positive("pixel_size_um", self.pixel_size_um, "um")
        if self.mesh_size_edges_um < 0.0:
            raise ParameterError(f"mesh_size_edges_um = {self.mesh_size_edges_um} um must be >= 0 (0: automatic)")
        check_range("current_density_mA_cm2", self.current_density_mA_cm2, 0.0, 100.0, unit="mA/cm2")
        check_range("sse_thickness_um", self.sse_thickness_um, 0.0, 1e4, unit="um")
        check_choice("electrolyte", self.electrolyte, sorted(parameter_sets()["electrolyte"]))
        check_choice("interface", self.interface, sorted(parameter_sets()["interface"]))
        check_range("bulk_cells", self.bulk_cells, 2.0, 200.0, low_inclusive=True, high_inclusive=True)
        check_common_fields(self, comm_size)
        for case in build_cases(self):  # geometric feasibility of both cells
            cell_params(self, case.cell)


@dataclass(frozen=True)
class Case:
    """One cell: the traced image ("image") or its equal-area single spot ("equal_area_spot")."""

    cell: str

    def label(self) -> str:
        return self.cell.replace("_", " ")


def build_cases(cfg: ImageConstrictionConfig) -> list[Case]:
    return [Case(cell) for cell in CASES]


def _pattern(cfg: ImageConstrictionConfig) -> Any:
    contact = read_contact_image(cfg.contact_image, invert=cfg.invert)
    edge = cfg.mesh_size_edges_um * UM or None
    return image_contact_pattern(
        contact,
        cfg.pixel_size_um * UM,
        edge,
        cfg.min_region_pixels,
        cfg.smoothing_pixels,
        source=Path(cfg.contact_image).name,
    )


def cell_params(cfg: ImageConstrictionConfig, case: str) -> PlanarInterfaceParams:
    """The planar cell of the image, or of its equal-area spot (same edge and bulk sizes)."""
    traced = _pattern(cfg)
    edge = traced.vertex_spacing
    bulk = max(edge, traced.footprint / cfg.bulk_cells)
    L = cfg.sse_thickness_um * UM
    if case == "image":
        return image_contact_params(traced, L, 0.0, edge, bulk)
    spot = grid_spots(traced.footprint, traced.pixel_contact_fraction, 1, min_feature=edge)
    return PlanarInterfaceParams(spot, L, 0.0, edge, bulk)


def run_case(cfg: ImageConstrictionConfig, case: Case, comm: MPI.Comm, out: Path) -> dict[str, Any]:
    """Mesh one cell, solve Butler-Volmer and ideal contact, post-process."""
    case = case.cell
    params = cell_params(cfg, case)
    start = time.perf_counter()
    build = image_contact_mesh if case == "image" else planar_interface_mesh
    md = build(comm, params, cell_regions=("sse",))
    mesh_seconds = time.perf_counter() - start
    b, L = params.footprint, params.sse_thickness
    ely, kinetics = electrolyte(cfg.electrolyte), interface_kinetics(cfg.interface)
    J = cfg.current_density_mA_cm2 * A_M2_PER_MA_CM2
    start = time.perf_counter()
    problem = SecondaryCurrentProblem(md, ely, Electrode("li_sse", kinetics), degree=cfg.degree)
    bv = problem.solve_galvanostatic(J * b * b)
    ideal = SecondaryCurrentProblem(md, ely, Electrode("li_sse", IdealContact()), degree=cfg.degree)
    primary = ideal.solve_galvanostatic(J * b * b)
    solve_seconds = time.perf_counter() - start
    perfect = analytic.planar_cell_asr_ohm_m2(ely.ionic_conductivity_S_m, L, kinetics, J)
    result = {
        "case": case,
        "contact_fraction_pixels": params.pattern.contact_fraction,
        "contact_fraction_mesh": bv.contact_area_m2 / (b * b),
        "footprint_um": b / UM,
        "mesh_size_edges_um": params.mesh_size_edges / UM,
        "num_cells": int(md.mesh.topology.index_map(3).size_global),
        "num_dofs": bv.num_dofs,
        "asr_total_ohm_cm2": OHM_CM2_PER_OHM_M2 * bv.asr_ohm_m2,
        "asr_perfect_contact_ohm_cm2": OHM_CM2_PER_OHM_M2 * perfect,
        "asr_constriction_ohm_cm2": OHM_CM2_PER_OHM_M2 * (bv.asr_ohm_m2 - perfect),
        "asr_spreading_ohm_cm2": OHM_CM2_PER_OHM_M2 * (primary.asr_ohm_m2 - L / ely.ionic_conductivity_S_m),
        "hotspot_factor": bv.hotspot_factor,
        "peak_current_density_mA_cm2": bv.peak_current_density_A_m2 / A_M2_PER_MA_CM2,
        "mesh_seconds": mesh_seconds,
        "solve_seconds": solve_seconds,
    }
    name = f"interface_current_{case}.png"
    interface_current_figure(
        comm,
        problem.local_current_density(),
        out / "figures" / name,
        f"Normal current density on the Li|SSE contact ({case.replace('_', ' ')}), "
        f"{cfg.current_density_mA_cm2:g} mA/cm2 applied",
        plane_z=0.0,
    )
    result["figure"] = f"figures/{name}"
    if cfg.fields:
        from fem.output import write_fields_vtx

        write_fields_vtx(out / "fields" / case, [problem.phi, problem.local_current_density()])
    return result


def write_report(
    out: Path, cfg: ImageConstrictionConfig, results: list[dict[str, Any]], comm: MPI.Comm, wall: float
) -> dict[str, Any]:
    """report.json and report.md (rank 0)."""
    by_case = {r["case"]: r for r in results}
    image, spot = by_case["image"], by_case["equal_area_spot"]
    ratio = {
        key: image[key] / spot[key] for key in ("asr_constriction_ohm_cm2", "asr_spreading_ohm_cm2", "hotspot_factor")
    }
    figures = [r["figure"] for r in results]
    report = study_report(
        "image_constriction", cfg, comm, wall, cases=results, image_over_equal_area_spot=ratio, figures=figures
    )
    columns = [
        ("case", "cell"),
        ("contact_fraction_pixels", "f pixels"),
        ("contact_fraction_mesh", "f mesh"),
        ("asr_total_ohm_cm2", "ASR total (ohm cm2)"),
        ("asr_constriction_ohm_cm2", "constriction (ohm cm2)"),
        ("asr_spreading_ohm_cm2", "spreading (ohm cm2)"),
        ("hotspot_factor", "hot-spot factor"),
        ("num_dofs", "dofs"),
        ("solve_seconds", "solve (s)"),
    ]
    lines = [
        f"# Current constriction on the contact image {Path(cfg.contact_image).name}",
        "",
        f"{cfg.current_density_mA_cm2:g} mA/cm2 through {cfg.sse_thickness_um:g} um of {cfg.electrolyte}, "
        f"{cfg.interface} kinetics; pixels of {cfg.pixel_size_um:g} um.",
        "",
        markdown_table(results, columns),
        "",
        f"Image over equal-area spot: constriction ASR x{ratio['asr_constriction_ohm_cm2']:.3g}, spreading ASR "
        f"x{ratio['asr_spreading_ohm_cm2']:.3g}, hot-spot factor x{ratio['hotspot_factor']:.3g}.",
        "",
        *figures_section(figures),
        run_note(report),
        "",
    ]
    return write_report_files(out, report, "\n".join(lines))


ARGUMENT_HELP = {
    **COMMON_HELP,
    "contact_image": "binary contact map: PNG, TIFF, ... or .npy (white = contact)",
    "pixel_size_um": "side of one pixel, um",
    "invert": "the darker value is contact",
    "min_region_pixels": "contact islands / void holes below this many pixels are removed / filled",
    "smoothing_pixels": "Gaussian blur before tracing the contours, pixels (0 to 3)",
    "mesh_size_edges_um": "element size at the contact edges, um (0: 2 pixels or finer for small features)",
    "current_density_mA_cm2": "applied (stripping) current density, mA/cm2, in (0, 100)",
    "sse_thickness_um": "electrolyte thickness L, um",
    "electrolyte": "electrolyte parameter set (fem/data/materials.toml)",
    "interface": "interface kinetics parameter set (fem/data/materials.toml)",
    "bulk_cells": "elements across the footprint far from the interface, 2 to 200",
}


STUDY = Study(
    "image_constriction", __doc__, ImageConstrictionConfig, ARGUMENT_HELP, build_cases, run_case, write_report
)
run_study, main = STUDY.run, STUDY.main

if __name__ == "__main__":
    sys.exit(run_cli(main))
