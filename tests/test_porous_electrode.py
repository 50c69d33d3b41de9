"""Homogenised porous-electrode model: exact linear-kinetics solution (Newman & Tobias 1962) with
observed convergence rates, the sigma >> kappa / sigma << kappa limits, 1D = 2D = 3D, 1 vs 2 ranks,
layered profiles, Butler-Volmer robustness and the pore-filling capacity, and refusals."""

import math

import dolfinx
import numpy as np
import pytest
import ufl
from conftest import convergence_rates
from mpi4py import MPI

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.electrochemistry.porous_electrode import (
    C_M2_PER_MAH_CM2,
    Continuous,
    HomogenisedHost,
    Layers,
    Linear,
    NewmanTobias,
    PorousElectrodeProblem,
    VolumeKinetics,
    porous_electrode_mesh,
)
from fem.materials import Electrolyte
from fem.validation import ParameterError

UM = 1e-6
H, L = 30 * UM, 15 * UM  # host and separator thickness
KAPPA = 1.0  # S/m, bulk electrolyte
J = -10.0  # A/m2 (1 mA/cm2 plating)
LINEAR = VolumeKinetics("linear")
ELECTROLYTE = Electrolyte("test", KAPPA)


def _uniform_host(scaffold_sigma: float = 1.0, area: float = 4e6) -> HomogenisedHost:
    """eps = 0.5 (Bruggeman: sigma_eff = 0.354 sigma, kappa_eff = 0.354 kappa), i0 = 10 A/m2."""
    return HomogenisedHost(H, 0.5, area, scaffold_sigma, 10.0)


def _exact(host: HomogenisedHost, current: float = J) -> NewmanTobias:
    z = np.array([0.5 * H])
    return NewmanTobias(
        thickness_m=H,
        sigma_eff_S_m=float(host.electronic_conductivity_S_m(z)[0]),
        kappa_eff_S_m=float(host.ionic_conductivity_S_m(KAPPA, z)[0]),
        kappa_separator_S_m=KAPPA,
        conductance_S_m3=float(host.volumetric_exchange_current_A_m3(z)[0]) * LINEAR.conductance_per_i0_S_m2(),
        current_density_A_m2=current,
    )


def _solve(host, n, comm=MPI.COMM_WORLD, dim=1, degree=1, kinetics=LINEAR, current=J, **mesh_args):
    md = porous_electrode_mesh(comm, H, L, n, host.breakpoints(), dim=dim, **mesh_args)
    problem = PorousElectrodeProblem(md, host, ELECTROLYTE, kinetics, degree=degree)
    return problem, problem.solve_galvanostatic(current)


def _l2_errors(problem: PorousElectrodeProblem, exact: NewmanTobias) -> tuple[float, float]:
    """L2 errors of phi_s (host) and phi_e (host and separator), quadrature degree k + 3."""
    phi_s, phi_e = ufl.split(problem.w)
    z = ufl.SpatialCoordinate(problem.meshdata.mesh)[0]
    degree = problem.W.sub(0).element.basix_element.degree + 3
    dx = problem.dx(metadata={"quadrature_degree": degree})
    host, separator = dx(problem.meshdata.cell_id("host")), dx(problem.meshdata.cell_id("sse"))
    solid = (phi_s - exact.solid_potential(z, ufl)) ** 2 * host
    ionic = (phi_e - exact.electrolyte_potential(z, ufl)) ** 2 * host + (
        phi_e - exact.separator_potential(z)
    ) ** 2 * separator
    comm = problem.meshdata.mesh.comm
    return tuple(
        math.sqrt(comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(f)), op=MPI.SUM)) for f in (solid, ionic)
    )


def test_exact_solution_satisfies_the_model():
    """The closed form obeys its own ODE and boundary conditions (finite differences, numpy)."""
    exact = _exact(_uniform_host())
    z = np.linspace(0.0, H, 2001)
    dz = z[1] - z[0]
    i_e = exact.ionic_current(z)
    assert i_e[0] == pytest.approx(0.0, abs=1e-12 * abs(J)) and i_e[-1] == pytest.approx(J, rel=1e-12)
    # d i_e / dz = a j = g eta ; d phi_e / dz = -i_e / kappa_eff ; d phi_s / dz = -(I - i_e) / sigma_eff
    # (central differences: error O(dz^2) ~ 1e-7 of the largest value)
    pairs = [
        (np.gradient(i_e, dz), exact.reaction_rate_A_m3(z)),
        (np.gradient(exact.electrolyte_potential(z), dz), -i_e / exact.kappa_eff_S_m),
        (np.gradient(exact.solid_potential(z), dz), -(J - i_e) / exact.sigma_eff_S_m),
    ]
    for derivative, expected in pairs:
        assert derivative[1:-1] == pytest.approx(expected[1:-1], abs=1e-6 * np.max(np.abs(expected)))
    assert exact.nu_1_m * H == pytest.approx(2.82, abs=0.01)  # a non-trivial profile (1/nu ~ H/3)


@pytest.mark.parametrize("degree", [1, 2])
def test_linear_kinetics_converges_to_newman_tobias(degree):
    """Observed L2 rates of both potentials: k + 1 (meshes nested, node planes at H/3, 2H/3, H)."""
    host = _uniform_host()
    exact = _exact(host)
    meshes = [12, 24, 48, 96]
    errors, fraction_errors = [], []
    for n in meshes:
        problem, result = _solve(host, n, degree=degree)
        errors.append(_l2_errors(problem, exact))
        fraction_errors.append(abs(result.fraction_top - exact.fraction(2 * H / 3, H)))
        assert result.reaction_total_A_m2 == pytest.approx(J, rel=1e-10)  # charge conservation
    sizes = [H / n for n in meshes]
    for field in (0, 1):
        rates = convergence_rates(sizes, [e[field] for e in errors])
        print(f"P{degree} field {field} L2 errors {[f'{e[field]:.3e}' for e in errors]} rates {rates}")
        assert min(rates) == pytest.approx(degree + 1, abs=0.1)
    # the share of the top third converges at least as fast as the potentials
    assert min(convergence_rates(sizes, fraction_errors)) > degree + 0.8
    exact_mean = 1.0 - 2.0 * exact.mean_depth_m() / H
    assert result.bottom_up_index == pytest.approx(exact_mean, abs=10 * fraction_errors[-1] + 1e-12)


@pytest.mark.parametrize(
    ("scaffold_sigma", "where"),
    [(1e3, "top"), (1e-3, "bottom"), (1.0, "symmetric")],
)
def test_conductivity_limits_put_the_reaction_at_the_separator_or_the_collector(scaffold_sigma, where):
    """sigma >> kappa: reaction next to the separator; sigma << kappa: at the current collector;
    sigma_eff = kappa_eff: eta(z) symmetric about H/2, bottom-up index 0.  Each against the exact shares."""
    host = _uniform_host(scaffold_sigma, area=4e7)  # nu H = 6.3 at sigma = kappa
    exact = _exact(host)
    _, result = _solve(host, 96, degree=2)
    assert result.fraction_bottom == pytest.approx(exact.fraction(0.0, H / 3), abs=1e-7)
    assert result.fraction_top == pytest.approx(exact.fraction(2 * H / 3, H), abs=1e-7)
    if where == "top":
        assert result.fraction_top > 0.6 > 0.05 > result.fraction_bottom and result.bottom_up_index < -0.5
    elif where == "bottom":
        assert result.fraction_bottom > 0.6 > 0.05 > result.fraction_top and result.bottom_up_index > 0.5
    else:
        assert result.fraction_bottom == pytest.approx(result.fraction_top, abs=1e-9)
        assert result.bottom_up_index == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("dim", [2, 3])
def test_box_reproduces_the_interval(dim):
    """The same code on a rectangle / box (zero flux on the sides): same shares and cell potential,
    within the interval's own discretisation error, converging at the same rate."""
    host = _uniform_host()
    exact = _exact(host)
    top_exact = exact.fraction(2 * H / 3, H)
    potential_exact = exact.separator_potential(H + L)
    for n in (12, 24):
        _, line = _solve(host, n)
        _, box = _solve(host, n, dim=dim, cells_xy=2)
        line_error = abs(line.counter_potential_V - potential_exact)
        assert abs(box.counter_potential_V - potential_exact) <= 1.5 * line_error
        assert abs(box.fraction_top - top_exact) <= 1.5 * abs(line.fraction_top - top_exact)
        assert box.reaction_total_A_m2 == pytest.approx(J, rel=1e-10)
    assert line_error < 1e-6  # V, P1 at 24 cells across the host (cell potential ~ 20 mV)


def _dual_gradient_host() -> HomogenisedHost:
    """Au-like bottom (10 x i0), Ni, blocked insulating top (sigma 1e-8 S/m, i0 ~ 0)."""
    layers = (6 * UM, 14 * UM, 10 * UM)
    return HomogenisedHost(
        thickness_m=H,
        porosity=0.7,
        specific_area_1_m=2e5,
        scaffold_conductivity_S_m=Layers(layers, (1.4e7, 1.4e7, 1e-8)),
        exchange_current_density_A_m2=Layers(layers, (100.0, 10.0, 0.0)),
    )


def test_blocked_layer_carries_no_reaction_and_layers_are_exact():
    """i0 = 0 in the top layer: zero reaction there (to round-off), and the profile jumps at the node."""
    host = _dual_gradient_host()
    _, result = _solve(host, 60, kinetics=VolumeKinetics())
    inside_blocked_layer = result.z_m > 20 * UM * (1 + 1e-9)
    assert np.all(result.reaction_rate_A_m3[inside_blocked_layer] == 0.0)
    assert result.fraction_top < 1e-12  # the top third (z > 20 um) is the blocked layer
    at_jump = np.flatnonzero(np.isclose(result.z_m, 6 * UM))
    assert at_jump.size == 2  # both sides of the Au | Ni boundary
    below, above = result.interface_current_density_A_m2[at_jump]
    # same overpotential on both sides, i0 differs tenfold: so does j
    assert below / above == pytest.approx(10.0, rel=1e-9)
    assert result.reaction_total_A_m2 == pytest.approx(J, rel=1e-10)


@pytest.mark.mpi
@pytest.mark.parametrize(("dim", "degree"), [(1, 2), (3, 1)])
def test_same_answer_on_one_and_two_ranks(dim, degree):
    """Butler-Volmer, layered host: every global result identical on COMM_SELF and COMM_WORLD."""
    host = _dual_gradient_host()
    results = [
        _solve(host, 60 if dim == 1 else 15, comm=comm, dim=dim, degree=degree, kinetics=VolumeKinetics())[1]
        for comm in (MPI.COMM_SELF, MPI.COMM_WORLD)
    ]
    keys = ("fraction_bottom", "fraction_top", "bottom_up_index", "counter_potential_V", "reaction_total_A_m2")
    for key in keys:
        assert getattr(results[1], key) == pytest.approx(getattr(results[0], key), rel=1e-9, abs=1e-12)
    assert results[1].z_m == pytest.approx(results[0].z_m, rel=1e-12)
    assert results[1].reaction_rate_A_m3 == pytest.approx(results[0].reaction_rate_A_m3, rel=1e-8, abs=1e-6)


def test_butler_volmer_tends_to_linear_kinetics_at_small_current():
    """BV = linear + O(f eta) : at |eta| ~ 1e-4 V the shares agree to ~1e-4 relative."""
    host = _uniform_host()
    small = 1e-3 * J
    _, bv = _solve(host, 48, kinetics=VolumeKinetics(), current=small)
    _, lin = _solve(host, 48, current=small)
    assert np.max(np.abs(bv.overpotential_V)) < 1e-3
    assert bv.fraction_top == pytest.approx(lin.fraction_top, rel=2e-3)
    assert bv.counter_potential_V == pytest.approx(lin.counter_potential_V, rel=2e-3)


def test_butler_volmer_far_in_the_tafel_range_converges():
    """A poorly conducting scaffold at 10 mA/cm2: overpotential of several hundred mV at the collector;
    Newton with step limiting (and ramping if needed) converges, charge is conserved and the
    reaction sits at the collector."""
    host = HomogenisedHost(H, 0.7, 2e5, 1e-4, 10.0)
    _, result = _solve(host, 600, kinetics=VolumeKinetics(), current=10 * J)
    assert np.min(result.overpotential_V) < -0.2
    assert result.reaction_total_A_m2 == pytest.approx(10 * J, rel=1e-9)
    assert result.fraction_bottom > 0.99 and result.bottom_up_index > 0.95


def test_capacity_to_fill_uniform_host_is_its_pore_volume():
    """Uniform reaction (nu H << 1): the pores fill everywhere at Q = eps H F / Omega,
    i.e. 4.85 um of Li per mAh/cm2 (PARAMETERS.md)."""
    host = HomogenisedHost(H, 0.5, 1e3, 1e3, 1e-2)
    nonuniformity = (_exact(host).nu_1_m * H) ** 2  # eta(z) varies by O((nu H)^2) ~ 1e-6 relative
    _, result = _solve(host, 24)
    expected = 0.5 * H * FARADAY_C_PER_MOL / LI_MOLAR_VOLUME_M3_PER_MOL  # C/m2
    charge, _ = result.capacity_to_fill_C_m2(2 * H / 3, H)
    assert charge == pytest.approx(expected, rel=nonuniformity)
    assert expected / C_M2_PER_MAH_CM2 == pytest.approx(0.5 * 30 / 4.85, rel=2e-3)  # mAh/cm2
    assert result.bottom_up_index == pytest.approx(0.0, abs=nonuniformity)
    # local Li thickness per passed charge on the host surface equals Omega / (F a H)
    per_charge = result.deposited_thickness_per_charge_m3_C()
    assert per_charge == pytest.approx(LI_MOLAR_VOLUME_M3_PER_MOL / (FARADAY_C_PER_MOL * 1e3 * H), rel=nonuniformity)


def test_continuous_profiles_and_custom_tortuosity():
    """Linear and Continuous profiles equal to a uniform host give the uniform answer."""
    base = _uniform_host()
    _, reference = _solve(base, 24)
    tau = float(base.electrolyte_tortuosity(np.array([0.0]))[0])
    graded = HomogenisedHost(H, Linear(0.5, 0.5), Continuous(lambda z: 4e6 + 0 * z), 1.0, 10.0, tortuosity=tau)
    _, result = _solve(graded, 24)
    assert result.fraction_top == pytest.approx(reference.fraction_top, rel=1e-12)


def test_set_host_reuses_the_problem(comm):
    """A problem refilled with another host (same mesh) gives the fresh problem's answer; forms are reused."""
    first, second = _dual_gradient_host(), _uniform_host(scaffold_sigma=1e-2)
    problem, _ = _solve(first, 60, comm=comm, kinetics=VolumeKinetics())
    problem.set_host(second)
    reused = problem.solve_galvanostatic(J)
    _, fresh = _solve(second, 60, comm=comm, kinetics=VolumeKinetics())
    for key in ("fraction_bottom", "fraction_top", "bottom_up_index", "counter_potential_V"):
        assert getattr(reused, key) == pytest.approx(getattr(fresh, key), rel=1e-9)
    with pytest.raises(ParameterError, match="thickness_m = 4e-05 m differs"):
        problem.set_host(HomogenisedHost(40 * UM, 0.5, 1e5, 1.0, 10.0))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"porosity": 1.2}, "porosity at z = 0 m = 1.2 is outside the allowed range (0, 1)"),
        ({"porosity": Linear(0.5, 1.0)}, "porosity at z = 3e-05 m = 1.0 is outside the allowed range (0, 1)"),
        ({"scaffold_conductivity_S_m": -1.0}, "scaffold_conductivity_S_m at z = 0 m = -1.0 S/m is outside"),
        ({"specific_area_1_m": Layers((10 * UM, 25 * UM), (1e5, 1e5))}, "the profile leaves the host"),
        ({"exchange_current_density_A_m2": 0.0}, "no surface can react"),
        ({"tortuosity": 0.8}, "tortuosity at z = 0 m = 0.8 is outside the allowed range [1, inf)"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    values = {"thickness_m": H, "porosity": 0.5, "specific_area_1_m": 1e5}
    values |= {"scaffold_conductivity_S_m": 1.0, "exchange_current_density_A_m2": 10.0} | kwargs
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        HomogenisedHost(**values)


def test_mesh_without_the_layer_planes_is_refused(comm):
    host = _dual_gradient_host()
    md = porous_electrode_mesh(comm, H, L, 7)  # no breakpoints given: 6 um and 20 um are not node planes
    with pytest.raises(ParameterError, match="no node plane at every host breakpoint"):
        PorousElectrodeProblem(md, host, ELECTROLYTE)
    with pytest.raises(ParameterError, match="host_cells = 0"):
        porous_electrode_mesh(comm, H, L, 0)
