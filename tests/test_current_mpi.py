"""The same global answer on any number of ranks.

Every rank also solves the whole problem alone on COMM_SELF (gmsh builds the
same mesh from the same parameters), and the distributed answer on
COMM_WORLD must match it.  Under ``mpirun -n 2`` this compares 1 and 2 ranks.
"""

import pytest
from mpi4py import MPI

from fem.electrochemistry.current import Electrode, SecondaryCurrentProblem
from fem.materials import electrolyte, interface_kinetics
from geometries.planar import PlanarInterfaceParams, planar_interface_mesh
from geometries.spots import grid_spots


def _solve(comm: MPI.Comm):
    pattern = grid_spots(10e-6, 0.2, 4, min_feature=0.1e-6)
    params = PlanarInterfaceParams(pattern, 8e-6, 0.0, mesh_size_edges=0.25e-6, mesh_size_bulk=1.5e-6)
    md = planar_interface_mesh(comm, params, cell_regions=("sse",))
    problem = SecondaryCurrentProblem(md, electrolyte("LPSCl"), Electrode("li_sse", interface_kinetics("Li_LPSCl")))
    potentiostatic = problem.solve_potentiostatic(0.03)
    galvanostatic = problem.solve_galvanostatic(10.0 * 1e-10)  # 1 mA/cm2 over 10 um x 10 um
    return potentiostatic, galvanostatic


@pytest.mark.mpi
def test_total_current_independent_of_rank_count():
    alone_p, alone_g = _solve(MPI.COMM_SELF)
    shared_p, shared_g = _solve(MPI.COMM_WORLD)
    assert shared_p.num_dofs == alone_p.num_dofs
    assert shared_p.total_current_A == pytest.approx(alone_p.total_current_A, rel=1e-8)
    assert shared_p.peak_current_density_A_m2 == pytest.approx(alone_p.peak_current_density_A_m2, rel=1e-8)
    assert shared_g.working_potential_V == pytest.approx(alone_g.working_potential_V, rel=1e-8)
    assert shared_g.asr_ohm_m2 == pytest.approx(alone_g.asr_ohm_m2, rel=1e-8)
