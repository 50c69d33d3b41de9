"""Long verification runs (``tests/run.sh --slow``)."""

from __future__ import annotations

import json
import math

import pytest
from conftest import convergence_rates

from fem.electrochemistry import analytic
from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
from fem.materials import IdealContact, electrolyte
from geometries.planar import PlanarInterfaceParams, planar_interface_mesh
from geometries.spots import grid_spots
from studies.constriction import ConstrictionConfig, run_study

pytestmark = pytest.mark.slow

B = L = 50e-6


def _spreading_asr(comm, fraction: float, edge_resolution: float, bulk_cells: float) -> float:
    pattern = grid_spots(B, fraction, 1, min_feature=0.05e-6)
    a = pattern.disks[0].radius
    params = PlanarInterfaceParams(pattern, L, 0.0, mesh_size_edges=a / edge_resolution, mesh_size_bulk=B / bulk_cells)
    md = planar_interface_mesh(comm, params, cell_regions=("sse",))
    problem = SecondaryCurrentProblem(md, electrolyte("LPSCl"), Electrode("li_sse", IdealContact()), degree=2)
    return problem.solve_potentiostatic(0.01).asr_ohm_m2 - L / electrolyte("LPSCl").ionic_conductivity_S_m


def test_spreading_resistance_converges_to_holm_finite_cell(comm):
    """Three meshes refined by 1.5: monotone convergence and a Richardson value within
    2.5% of Holm x flux-tube factor (itself an equal-area approximation of the square cell)."""
    values = [_spreading_asr(comm, 0.2, 18 * 1.5**k, 12 * 1.5**k) for k in range(3)]  # asymptotic range
    d1, d2 = values[1] - values[0], values[2] - values[1]
    assert d1 > 0 and d2 > 0 and d2 < d1  # converges from below (discrete energy bound), monotonically
    order = math.log(d1 / d2) / math.log(1.5)
    extrapolated = values[2] + d2 / (1.5**order - 1)
    reference = analytic.spot_spreading_asr_ohm_m2(electrolyte("LPSCl").ionic_conductivity_S_m, B, 0.2, 1)
    print(f"spreading ASR {values} order {order:.2f} extrapolated {extrapolated:.5e} Holm {reference:.5e}")
    assert order > 0.8
    assert extrapolated == pytest.approx(reference, rel=0.025)


def test_mms_rates_in_3d():
    """The manufactured solution of test_current_verification on a unit cube (P1)."""
    import dolfinx.mesh
    from mpi4py import MPI
    from test_current_verification import _mms_errors

    errors = [_mms_errors(n, 1, lambda n: dolfinx.mesh.create_unit_cube(MPI.COMM_WORLD, n, n, n)) for n in (6, 12, 24)]
    l2 = convergence_rates([1 / 6, 1 / 12, 1 / 24], [e[0] for e in errors])
    h1 = convergence_rates([1 / 6, 1 / 12, 1 / 24], [e[1] for e in errors])
    print(f"3D P1 L2 rates {l2}, H1 rates {h1}")
    assert l2[-1] == pytest.approx(2.0, abs=0.15)
    assert h1[-1] == pytest.approx(1.0, abs=0.1)


def test_default_constriction_study_is_converged_and_matches_holm(comm, shared_tmp_path):
    out = shared_tmp_path / "constriction"
    run_study(ConstrictionConfig(fields=False), out, comm)
    if comm.rank != 0:
        return
    report = json.loads((out / "report.json").read_text())
    assert report["mesh_convergence"]["converged"]
    for row in report["analytic_comparison"]:
        if row["contact_fraction"] <= 0.3:
            assert abs(row["error_vs_finite_cell_percent"]) < 3.0, row
