"""Homogenised (Newman-type) porous-electrode model of Li plating into a 3D host.

A host layer 0 < z < H (current collector at z = 0) under a separator
H < z < H + L (counter electrode at z = H + L).  Two potentials (V), steady::

    -div(sigma_eff grad phi_s) = -a j          in the host      (electrons in the scaffold)
    -div(kappa_eff grad phi_e) =  a j          in host and separator (Li+ in the electrolyte)
    j = i0 [exp(alpha_a f eta) - exp(-alpha_c f eta)],   eta = phi_s - phi_e,   f = F / RT

with a(z) the specific interface area (1/m), i0(z) the local exchange current
density (A/m2), j the anodic-positive reaction current density per interface
area (A/m2; plating is j < 0) and a j the volumetric reaction rate (A/m3);
a = 0 in the separator.  Linear kinetics replaces the bracket by
(alpha_a + alpha_c) f eta.  Boundary conditions: phi_s = 0 on the current
collector; no electronic current through z = H (the scaffold ends under the
separator); no ionic current into the collector; the galvanostatic current
density J (anodic positive, A/m2) leaves through the counter electrode,
-kappa d phi_e/dz = J at z = H + L; zero flux on the sides of a 2D/3D box.
Newman & Tobias, J. Electrochem. Soc. 109 (1962) 1183; Newman & Thomas-Alyea,
Electrochemical Systems, 3rd ed. (2004), ch. 22.

Effective transport (default Bruggeman, exponent 1.5):
kappa_eff = kappa eps / tau_e and sigma_eff = sigma (1 - eps) / tau_s with
tau_e = eps^(-1/2), tau_s = (1 - eps)^(-1/2) unless a tortuosity profile is
given (e.g. measured on a resolved host, fem.electrochemistry.effective_properties).

Every host property is a depth profile (fem.electrochemistry.depth_profiles, re-exported
here: :class:`Uniform`, :class:`Layers`, :class:`Linear`, :class:`Continuous`).  The mesh
(:func:`porous_electrode_mesh`, an interval, rectangle or box) has a node plane at every profile breakpoint, so
piecewise-constant layers are represented exactly; the coefficients are
discontinuous Lagrange functions of the solution degree, filled layer by layer,
so a new parameter set never recompiles the forms: :meth:`PorousElectrodeProblem.set_host`
refills them in place for fast sweeps on one mesh.

Where phi_s lives.  Both potentials share one mixed P_k x P_k space on the
whole mesh, the solid terms are integrated over the host cells only, and the
solid dofs strictly inside the separator (which then carry no equation) are
eliminated by Dirichlet rows.  That is the restriction of phi_s to the host
without submesh bookkeeping: the same code runs in 1D, 2D and 3D and on any
number of ranks (dofs are located by coordinate, so a rank that sees the
interface through a vertex only cannot mistake it for separator).  An
insulating layer needs sigma > 0 (a small value), never exactly 0.

The nonlinear system is solved by SNES Newton with a direct LU factorisation
(MUMPS): the block system couples conductivities that differ by up to 20
orders of magnitude (Ni against an insulating coating), which defeats AMG,
and the homogenised meshes are small.  Butler-Volmer far in the Tafel range
makes the linearised step overshoot the overpotential by volts, so each step
is scaled to change eta by at most fem.electrochemistry.galvanostatic.MAX_OVERPOTENTIAL_STEP_V (voltage limiting,
a line-search pre-check) with full steps otherwise; a failed solve is retried
by ramping the current.  The reaction integrals of the residual and of the
reported totals share one quadrature rule, so the reported total reaction
equals the applied current to solver tolerance.  :class:`NewmanTobias` is the
exact solution for linear kinetics with uniform properties (verification);
:func:`penetration_depth_m` sizes meshes.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import basix.ufl
import dolfinx
import dolfinx.fem.petsc
import dolfinx.mesh
import numpy as np
import ufl
from mpi4py import MPI

from fem._compat import interpolation_points
from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL, ROOM_TEMPERATURE_K, thermal_voltage
from fem.electrochemistry.depth_profiles import Continuous, Layers, Linear, Profile, Uniform, as_profile, check_profile
from fem.electrochemistry.galvanostatic import OverpotentialLimiter, forget_options, ramp_current, split_potentials
from fem.electrochemistry.newman_tobias import NewmanTobias
from fem.markers import CELL_MARKERS, FACET_MARKERS, marker_table
from fem.materials import ButlerVolmer, Electrolyte
from fem.mesh_io import MeshData
from fem.solvers import NewtonSolver, NewtonStats, unique_prefix
from fem.validation import ParameterError, check_choice, check_positive, check_range

__all__ = [
    "Profile",
    "Uniform",
    "Layers",
    "Linear",
    "Continuous",
    "as_profile",
    "HomogenisedHost",
    "VolumeKinetics",
    "NewmanTobias",
    "penetration_depth_m",
    "porous_electrode_mesh",
    "PorousElectrodeProblem",
    "DepositionResult",
    "C_M2_PER_MAH_CM2",
    "DIRECT_NEWTON_OPTIONS",
]

#: Newton with a direct LU solve (MUMPS), full steps (voltage limiting guards them,
#: see fem.electrochemistry.galvanostatic).
DIRECT_NEWTON_OPTIONS: dict[str, Any] = {
    "ksp_type": "preonly",
    "ksp_norm_type": "none",
    "pc_type": "lu",
    "pc_factor_mat_solver_type": "mumps",
    "snes_lag_preconditioner": 1,
    "snes_ksp_ew": False,
    "snes_linesearch_type": "basic",
    "snes_rtol": 1e-12,
    "snes_max_it": 60,
}
#: 1 mAh/cm2 = 3.6 C / 1e-4 m2.
C_M2_PER_MAH_CM2 = 36.0e3


# ----------------------------------------------------------------------------- host and kinetics


@dataclass(frozen=True, slots=True)
class HomogenisedHost:
    """Depth profiles of a porous host (SI units); numbers are taken as uniform.

    Attributes:
        thickness_m: host thickness H (m).
        porosity: pore (electrolyte) volume fraction eps(z), in (0, 1).
        specific_area_1_m: electrochemically active interface area per host
            volume a(z) (1/m), >= 0.
        scaffold_conductivity_S_m: intrinsic electronic conductivity of the
            scaffold material sigma(z) (S/m), > 0 (Ni 1.4e7, Cu 5.96e7; an
            insulating coating a small positive value).
        exchange_current_density_A_m2: i0(z) on the scaffold surface (A/m2),
            >= 0 (0: blocked; lithiophilic coatings raise it).
        tortuosity: electrolyte tortuosity tau_e(z) >= 1, or None for
            Bruggeman eps^(1 - b).
        solid_tortuosity: scaffold tortuosity tau_s(z) >= 1, or None for
            Bruggeman (1 - eps)^(1 - b).
        bruggeman_exponent: b (1.5 for spheres; Bruggeman, Ann. Phys. 24 (1935) 636).
    """

    thickness_m: float
    porosity: Profile | float
    specific_area_1_m: Profile | float
    scaffold_conductivity_S_m: Profile | float
    exchange_current_density_A_m2: Profile | float
    tortuosity: Profile | float | None = None
    solid_tortuosity: Profile | float | None = None
    bruggeman_exponent: float = 1.5

    def __post_init__(self) -> None:
        H = check_positive("thickness_m", self.thickness_m, "m")
        for name in ("porosity", "specific_area_1_m", "scaffold_conductivity_S_m", "exchange_current_density_A_m2"):
            object.__setattr__(self, name, as_profile(getattr(self, name)))
        for name in ("tortuosity", "solid_tortuosity"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, as_profile(getattr(self, name)))
                check_profile(name, getattr(self, name), H, 1.0, low_inclusive=True)
        check_profile("porosity", self.porosity, H, 0.0, 1.0)
        check_profile("specific_area_1_m", self.specific_area_1_m, H, 0.0, low_inclusive=True, unit="1/m")
        check_profile("scaffold_conductivity_S_m", self.scaffold_conductivity_S_m, H, 0.0, unit="S/m")
        check_profile("exchange_current_density_A_m2", self.exchange_current_density_A_m2, H, 0.0,
                      low_inclusive=True, unit="A/m2")  # fmt: skip
        check_range("bruggeman_exponent", self.bruggeman_exponent, 1.0, 3.0, low_inclusive=True, high_inclusive=True)
        z = np.linspace(0.0, H, 513)
        if not np.any(self.specific_area_1_m(z, H) * self.exchange_current_density_A_m2(z, H) > 0.0):
            raise ParameterError(
                "specific_area_1_m * exchange_current_density_A_m2 is zero everywhere: no surface can react"
            )

    def breakpoints(self) -> tuple[float, ...]:
        """Interior depths (m) where some profile may jump."""
        profiles = [self.porosity, self.specific_area_1_m, self.scaffold_conductivity_S_m]
        profiles += [self.exchange_current_density_A_m2, self.tortuosity, self.solid_tortuosity]
        points = {z for p in profiles if p is not None for z in p.breakpoints(self.thickness_m)}
        return tuple(sorted(points))

    def electrolyte_tortuosity(self, z: np.ndarray) -> np.ndarray:
        eps = self.porosity(z, self.thickness_m)
        if self.tortuosity is None:
            return eps ** (1.0 - self.bruggeman_exponent)
        return self.tortuosity(z, self.thickness_m)

    def scaffold_tortuosity(self, z: np.ndarray) -> np.ndarray:
        solid = 1.0 - self.porosity(z, self.thickness_m)
        if self.solid_tortuosity is None:
            return solid ** (1.0 - self.bruggeman_exponent)
        return self.solid_tortuosity(z, self.thickness_m)

    def ionic_conductivity_S_m(self, kappa_S_m: float, z: np.ndarray) -> np.ndarray:
        """kappa_eff(z) = kappa eps / tau_e (S/m)."""
        return kappa_S_m * self.porosity(z, self.thickness_m) / self.electrolyte_tortuosity(z)

    def electronic_conductivity_S_m(self, z: np.ndarray) -> np.ndarray:
        """sigma_eff(z) = sigma (1 - eps) / tau_s (S/m)."""
        solid = 1.0 - self.porosity(z, self.thickness_m)
        return self.scaffold_conductivity_S_m(z, self.thickness_m) * solid / self.scaffold_tortuosity(z)

    def volumetric_exchange_current_A_m3(self, z: np.ndarray) -> np.ndarray:
        """a(z) i0(z) in A/m3."""
        H = self.thickness_m
        return self.specific_area_1_m(z, H) * self.exchange_current_density_A_m2(z, H)

    def pore_size_m(self, z: np.ndarray) -> np.ndarray:
        """Hydraulic radius eps / a (m): pore volume over pore surface (Carman); inf where a = 0."""
        a = self.specific_area_1_m(z, self.thickness_m)
        with np.errstate(divide="ignore"):
            return np.where(a > 0.0, self.porosity(z, self.thickness_m) / np.maximum(a, 1e-300), np.inf)


@dataclass(frozen=True, slots=True)
class VolumeKinetics:
    """Charge transfer on the host's internal surface; i0(z) comes from the host.

    ``law`` is "butler-volmer" (i0 [exp(alpha_a f eta) - exp(-alpha_c f eta)])
    or "linear" (its linearisation at eta = 0, i0 (alpha_a + alpha_c) f eta).
    Anodic (stripping) positive, as fem.materials.ButlerVolmer.
    """

    law: str = "butler-volmer"
    alpha_anodic: float = 0.5
    alpha_cathodic: float = 0.5
    temperature_K: float = ROOM_TEMPERATURE_K

    def __post_init__(self) -> None:
        check_choice("law", self.law, ("butler-volmer", "linear"))
        check_range("alpha_anodic", self.alpha_anodic, 0.0, 1.0, high_inclusive=True)
        check_range("alpha_cathodic", self.alpha_cathodic, 0.0, 1.0, high_inclusive=True)
        check_positive("temperature_K", self.temperature_K, "K")

    @classmethod
    def from_butler_volmer(cls, kinetics: ButlerVolmer, law: str = "butler-volmer") -> VolumeKinetics:
        """Transfer coefficients and temperature of a fem.materials.ButlerVolmer set."""
        return cls(law, kinetics.alpha_anodic, kinetics.alpha_cathodic, kinetics.temperature_K)

    @property
    def f(self) -> float:
        """F / RT in 1/V."""
        return 1.0 / thermal_voltage(self.temperature_K)

    def current_density(self, i0: Any, eta: Any, exp: Any) -> Any:
        """j (A/m2) at overpotential eta (V); ``exp`` is ufl.exp or numpy.exp."""
        if self.law == "linear":
            return i0 * (self.alpha_anodic + self.alpha_cathodic) * self.f * eta
        return i0 * (exp(self.alpha_anodic * self.f * eta) - exp(-self.alpha_cathodic * self.f * eta))

    def conductance_per_i0_S_m2(self) -> float:
        """dj/deta at eta = 0 per unit i0: (alpha_a + alpha_c) F / RT (1/V)."""
        return (self.alpha_anodic + self.alpha_cathodic) * self.f


def penetration_depth_m(host: HomogenisedHost, kappa_S_m: float, kinetics: VolumeKinetics) -> float:
    """Smallest linear-kinetics reaction penetration depth 1/nu(z) over the host (m).

    nu^2 = a i0 (alpha_a + alpha_c) F / RT (1/sigma_eff + 1/kappa_eff) (Newman & Tobias 1962);
    the reaction zone of the Tafel range is thinner.  Used to size meshes.
    """
    H = host.thickness_m
    sides = [point + s * 1e-9 * H for point in host.breakpoints() for s in (-1.0, 1.0)]
    z = np.union1d(np.linspace(0.0, H, 1025), sides)
    g = host.volumetric_exchange_current_A_m3(z) * kinetics.conductance_per_i0_S_m2()
    resistance = 1.0 / host.electronic_conductivity_S_m(z) + 1.0 / host.ionic_conductivity_S_m(kappa_S_m, z)
    return float(1.0 / np.sqrt(np.max(g * resistance)))


# ----------------------------------------------------------------------------- mesh


def _depth_grid(planes: list[float], cell_size: float) -> np.ndarray:
    """Node depths: every plane, each gap split into ceil(gap / cell_size) equal cells."""
    nodes = [planes[0]]
    for low, high in itertools.pairwise(planes):
        n = max(1, math.ceil((high - low) / cell_size - 1e-9))
        nodes.extend(np.linspace(low, high, n + 1)[1:])
    return np.array(nodes)


def porous_electrode_mesh(
    comm: MPI.Comm,
    host_thickness_m: float,
    separator_thickness_m: float,
    host_cells: int,
    breakpoints: tuple[float, ...] = (),
    dim: int = 1,
    footprint_m: float | None = None,
    cells_xy: int = 2,
) -> MeshData:
    """Interval (dim 1), rectangle (2) or box (3) for the homogenised model, depth along the last axis.

    Node planes at z = 0, H/3, 2H/3, H, H + L and every breakpoint (m); the host
    is split into about ``host_cells`` cells of equal size (the separator at the
    same size).  Cells: "host" below H, "sse" above.  Facets: bottom (z = 0),
    top (z = H + L), sides.  2D/3D: simplices, ``cells_xy`` across the
    footprint (default H).
    """
    H = check_positive("host_thickness_m", host_thickness_m, "m")
    L = check_positive("separator_thickness_m", separator_thickness_m, "m")
    check_range("host_cells", host_cells, 1, 1e7, low_inclusive=True)
    check_choice("dim", str(dim), ("1", "2", "3"))
    for z in breakpoints:
        check_range("breakpoints", z, 0.0, H, unit="m")
    b = check_positive("footprint_m", footprint_m or H, "m")
    planes = sorted({0.0, H / 3.0, 2.0 * H / 3.0, H, H + L, *breakpoints})
    planes = [z for k, z in enumerate(planes) if k == 0 or z - planes[k - 1] > 1e-9 * H]
    grid = _depth_grid(planes, H / host_cells)
    n = grid.size - 1
    if dim == 1:
        mesh = dolfinx.mesh.create_interval(comm, n, [0.0, 1.0])
    elif dim == 2:
        mesh = dolfinx.mesh.create_rectangle(
            comm, [np.zeros(2), np.array([b, 1.0])], [cells_xy, n], cell_type=dolfinx.mesh.CellType.triangle
        )
    else:
        mesh = dolfinx.mesh.create_box(
            comm, [np.zeros(3), np.array([b, b, 1.0])], [cells_xy, cells_xy, n],
            cell_type=dolfinx.mesh.CellType.tetrahedron,
        )  # fmt: skip
    axis = mesh.geometry.dim - 1
    mesh.geometry.x[:, axis] = np.interp(mesh.geometry.x[:, axis], np.linspace(0.0, 1.0, n + 1), grid)
    return MeshData(mesh, *_tags(mesh, H, H + L, b), marker_table(), _mesh_info(H, L, b, dim, grid))


def _tags(mesh: Any, H: float, top: float, b: float) -> tuple[Any, Any]:
    tdim = mesh.topology.dim
    axis = mesh.geometry.dim - 1
    num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
    cells = np.arange(num_cells, dtype=np.int32)
    mid = dolfinx.mesh.compute_midpoints(mesh, tdim, cells)[:, axis]
    values = np.where(mid < H, CELL_MARKERS["host"], CELL_MARKERS["sse"]).astype(np.int32)
    cell_tags = dolfinx.mesh.meshtags(mesh, tdim, cells, values)
    fdim = tdim - 1
    mesh.topology.create_connectivity(fdim, tdim)
    tol = 1e-9 * top
    groups = [
        (FACET_MARKERS["bottom"], lambda x: np.isclose(x[axis], 0.0, atol=tol)),
        (FACET_MARKERS["top"], lambda x: np.isclose(x[axis], top, atol=tol)),
    ]
    if tdim > 1:
        groups.append(
            (FACET_MARKERS["sides"], lambda x: np.any([np.isclose(x[i], v, atol=tol) for i in range(axis)
                                                        for v in (0.0, b)], axis=0))
        )  # fmt: skip
    found = [(marker, dolfinx.mesh.locate_entities_boundary(mesh, fdim, where)) for marker, where in groups]
    taken: set[int] = set()
    indices, markers = [], []
    for marker, facets in found:  # bottom and top win over sides on shared edges
        new = np.setdiff1d(facets, np.fromiter(taken, dtype=np.int32, count=len(taken)))
        taken.update(new.tolist())
        indices.append(new)
        markers.append(np.full(new.size, marker, dtype=np.int32))
    index = np.concatenate(indices).astype(np.int32)
    order = np.argsort(index)
    return cell_tags, dolfinx.mesh.meshtags(mesh, fdim, index[order], np.concatenate(markers)[order])


def _mesh_info(H: float, L: float, b: float, dim: int, grid: np.ndarray) -> dict[str, Any]:
    return {
        "builder": "fem.electrochemistry.porous_electrode.porous_electrode_mesh",
        "units": "SI (m)",
        "parameters": {"host_thickness_m": H, "separator_thickness_m": L, "footprint_m": b, "dim": dim},
        "depth_nodes_m": grid.tolist(),
    }


# ----------------------------------------------------------------------------- problem


@dataclass
class DepositionResult:
    """One steady solve (SI; identical on every rank).

    Depth profiles are sampled at the nodes of the discontinuous coefficient
    space, sorted by depth (both sides of a layer boundary appear); on a 2D/3D
    box they are averaged over each depth plane.

    Attributes:
        current_density_A_m2: applied J, anodic positive (plating < 0).
        reaction_total_A_m2: int a j dz per footprint area (equals J: charge conservation).
        fraction_bottom, fraction_middle, fraction_top: share of the reaction in
            the bottom (z < H/3), middle and top (z > 2H/3) thirds.
        bottom_up_index: 1 - 2 <z>/H with <z> the reaction-weighted mean depth:
            +1 all at the collector, -1 all under the separator, 0 uniform.
        counter_potential_V: phi_e at the counter electrode minus phi_s at the collector.
        z_m, reaction_rate_A_m3 (a j), interface_current_density_A_m2 (j),
            overpotential_V, porosity, specific_area_1_m: host depth profiles.
    """

    current_density_A_m2: float
    reaction_total_A_m2: float
    fraction_bottom: float
    fraction_middle: float
    fraction_top: float
    bottom_up_index: float
    counter_potential_V: float
    host_thickness_m: float
    z_m: np.ndarray
    reaction_rate_A_m3: np.ndarray
    interface_current_density_A_m2: np.ndarray
    overpotential_V: np.ndarray
    porosity: np.ndarray
    specific_area_1_m: np.ndarray
    num_dofs: int
    stats: NewtonStats = field(default_factory=NewtonStats)
    continuation_steps: int = 1

    @property
    def deposition_rate_A_m3(self) -> np.ndarray:
        """-a j (A/m3): positive where Li plates."""
        return -self.reaction_rate_A_m3

    @property
    def peak_interface_current_density_A_m2(self) -> float:
        """max |j| over the host surface (A/m2)."""
        return float(np.max(np.abs(self.interface_current_density_A_m2)))

    def deposited_thickness_per_charge_m3_C(self) -> np.ndarray:
        """Li thickness on the local surface per passed areal charge (m per C/m2): (a j / (a J)) Omega / F."""
        a = self.specific_area_1_m
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(a > 0.0, self.reaction_rate_A_m3 / (a * self.current_density_A_m2), 0.0)
        return share * LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL

    def fill_charge_C_m2(self) -> np.ndarray:
        """Areal charge (C/m2) at which the pores at each depth fill: the deposited
        thickness reaches the hydraulic pore radius eps/a, i.e. the local Li
        volume a j t Omega / F reaches eps (the distribution frozen at this
        solve's); inf where nothing plates."""
        rate = self.reaction_rate_A_m3 / self.current_density_A_m2  # share per unit length (1/m), > 0 if plating
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(rate > 0.0, self.porosity * FARADAY_C_PER_MOL / (LI_MOLAR_VOLUME_M3_PER_MOL * rate), np.inf)
        return q

    def capacity_to_fill_C_m2(self, z_low: float, z_high: float) -> tuple[float, float]:
        """(smallest fill charge in C/m2, its depth in m) over z_low <= z <= z_high."""
        inside = (self.z_m >= z_low - 1e-12 * self.host_thickness_m) & (
            self.z_m <= z_high + 1e-12 * self.host_thickness_m
        )
        q = self.fill_charge_C_m2()[inside]
        k = int(np.argmin(q))
        return float(q[k]), float(self.z_m[inside][k])


def _global_sum(comm: MPI.Comm, value: float) -> float:
    return comm.allreduce(value, op=MPI.SUM)


class PorousElectrodeProblem:
    """The homogenised host + separator on a mesh from :func:`porous_electrode_mesh`.

    Args:
        meshdata: the mesh; it must have a node plane at every breakpoint of ``host``.
        host: the host's depth profiles (its thickness must match the mesh).
        electrolyte: the electrolyte in the pores and the separator (kappa, S/m).
        kinetics: transfer coefficients, temperature and law (default Butler-Volmer, symmetric).
        degree: Lagrange degree of both potentials (1 or 2).
        petsc_options: overrides of the Newton/LU options.
    """

    def __init__(
        self,
        meshdata: MeshData,
        host: HomogenisedHost,
        electrolyte: Electrolyte,
        kinetics: VolumeKinetics | None = None,
        degree: int = 1,
        petsc_options: dict[str, Any] | None = None,
    ) -> None:
        check_choice("degree", str(degree), ("1", "2"))
        self.meshdata, self.host, self.electrolyte = meshdata, host, electrolyte
        self.kinetics = kinetics or VolumeKinetics()
        mesh = meshdata.mesh
        self.axis = mesh.geometry.dim - 1
        self._check_mesh()
        element = basix.ufl.element("Lagrange", mesh.basix_cell(), degree)
        self.W = dolfinx.fem.functionspace(mesh, basix.ufl.mixed_element([element, element]))
        self.w = dolfinx.fem.Function(self.W, name="potentials_V")
        self.Q = dolfinx.fem.functionspace(mesh, ("Discontinuous Lagrange", degree))
        self.coefficients = self._coefficients()
        self.current_density = dolfinx.fem.Constant(mesh, 0.0)
        self.dx = ufl.Measure("dx", domain=mesh, subdomain_data=meshdata.cell_tags)
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=meshdata.facet_tags)
        # One quadrature rule for the reaction in the residual and in the reported integrals, so the
        # reported total equals the applied current to solver tolerance (discrete charge conservation).
        self.dx_host = self.dx(meshdata.cell_id("host"), metadata={"quadrature_degree": 2 * degree + 2})
        self.bcs = self._boundary_conditions()
        prefix = unique_prefix("porous_electrode")
        self.solver = NewtonSolver(
            self._residual(), self.w, self.bcs, prefix, {**DIRECT_NEWTON_OPTIONS, **(petsc_options or {})}
        )
        forget_options(prefix)
        if self.kinetics.law == "butler-volmer":  # linear kinetics: one Newton step, nothing to limit
            OverpotentialLimiter(*self._overpotential_dof_pairs(), meshdata.mesh.comm).attach(self.solver)
        self._metrics = self._metric_forms()
        self._profile_fields, self._profile_expressions = self._profile_setup()

    # -- set-up -------------------------------------------------------------
    def _check_mesh(self) -> None:
        """Refuse a mesh whose host thickness differs or whose cells straddle a breakpoint."""
        mesh, H = self.meshdata.mesh, self.host.thickness_m
        z = mesh.geometry.x[:, self.axis]
        comm = mesh.comm
        planes = np.array([0.0, H / 3.0, 2.0 * H / 3.0, H, *self.host.breakpoints()])
        tdim = mesh.topology.dim
        nodes = dolfinx.mesh.entities_to_geometry(
            mesh, tdim, np.arange(mesh.topology.index_map(tdim).size_local, dtype=np.int32), False
        )
        low, high = z[nodes].min(axis=1), z[nodes].max(axis=1)
        tol = 1e-9 * H
        straddle = np.any((low[:, None] < planes[None, :] - tol) & (high[:, None] > planes[None, :] + tol))
        if comm.allreduce(bool(straddle), op=MPI.LOR):
            raise ParameterError(
                "the mesh has no node plane at every host breakpoint (and H/3, 2H/3, H); build it with "
                "porous_electrode_mesh(..., breakpoints=host.breakpoints())"
            )
        host_cells = self.meshdata.cell_tags.find(self.meshdata.cell_id("host"))
        local_top = (
            float(z[dolfinx.mesh.entities_to_geometry(mesh, tdim, host_cells, False)].max())
            if host_cells.size
            else -np.inf
        )
        top = comm.allreduce(local_top, op=MPI.MAX)
        if abs(top - H) > tol:
            raise ParameterError(f"host thickness_m = {H:.6g} m but the mesh's host region ends at z = {top:.6g} m")

    def _fill(
        self, function: dolfinx.fem.Function, host_values: Callable[[np.ndarray], np.ndarray], separator: float
    ) -> None:
        """Set the DG_k ``function`` to ``host_values(z)`` in each host layer and ``separator`` above H.

        Each layer is interpolated on its own cells with z clipped into it, so a
        jump at a breakpoint is represented exactly (both sides of the node)."""
        H = self.host.thickness_m
        mesh = self.Q.mesh
        tdim = mesh.topology.dim
        num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
        mid = dolfinx.mesh.compute_midpoints(mesh, tdim, np.arange(num_cells, dtype=np.int32))[:, self.axis]
        edges = [0.0, *self.host.breakpoints(), H]
        tiny = 1e-12 * H
        for low, high in itertools.pairwise(edges):
            cells = np.flatnonzero((mid > low) & (mid < high)).astype(np.int32)
            function.interpolate(
                lambda x, lo=low, hi=high: host_values(np.clip(x[self.axis], lo + tiny, hi - tiny)), cells
            )
        above = np.flatnonzero(mid > H).astype(np.int32)
        function.interpolate(lambda x: np.full(x.shape[1], separator), above)
        function.x.scatter_forward()

    def _coefficient_values(self) -> dict[str, tuple[Callable[[np.ndarray], np.ndarray], float]]:
        """Each coefficient: (its values in the host as a function of z, its value in the separator)."""
        host, kappa = self.host, self.electrolyte.ionic_conductivity_S_m
        H = host.thickness_m
        return {
            "sigma": (host.electronic_conductivity_S_m, 0.0),
            "kappa": (lambda z: host.ionic_conductivity_S_m(kappa, z), kappa),
            "i0": (lambda z: host.exchange_current_density_A_m2(z, H), 0.0),
            "a": (lambda z: host.specific_area_1_m(z, H), 0.0),
            "eps": (lambda z: host.porosity(z, H), 1.0),
        }

    def _coefficients(self) -> dict[str, dolfinx.fem.Function]:
        coefficients = {}
        for name, (values, separator) in self._coefficient_values().items():
            coefficients[name] = dolfinx.fem.Function(self.Q, name=name)
            self._fill(coefficients[name], values, separator)
        return coefficients

    def _solid_scale(self) -> float:
        """1 / (max sigma_eff RT/F H^(d-2)): the solid equation's residual scale."""
        H, d = self.host.thickness_m, self.meshdata.mesh.topology.dim
        sigma_ref = float(np.max(self.host.electronic_conductivity_S_m(np.linspace(0.0, H, 1025))))
        return 1.0 / (sigma_ref * thermal_voltage(self.kinetics.temperature_K) * H ** (d - 2))

    def set_host(self, host: HomogenisedHost) -> None:
        """Replace the host's profiles in place: same mesh, same thickness, forms not recompiled.

        For sweeps: the coefficients and the residual scale are refilled, the
        last solution stays as the initial guess.  The mesh must have a node
        plane at each of the new host's breakpoints.
        """
        if host.thickness_m != self.host.thickness_m:
            raise ParameterError(
                f"thickness_m = {host.thickness_m:.6g} m differs from this problem's {self.host.thickness_m:.6g} m"
            )
        self.host = host
        self._check_mesh()
        for name, (values, separator) in self._coefficient_values().items():
            self._fill(self.coefficients[name], values, separator)
        self._scale_s.value = self._solid_scale()

    def _boundary_conditions(self) -> list[Any]:
        md, H = self.meshdata, self.host.thickness_m
        fdim = md.mesh.topology.dim - 1
        zero = dolfinx.fem.Constant(md.mesh, 0.0)
        collector = dolfinx.fem.locate_dofs_topological(self.W.sub(0), fdim, md.facet_tags.find(md.facet_id("bottom")))
        V0, _ = self.W.sub(0).collapse()
        axis, tol = self.axis, 1e-9 * H
        separator = dolfinx.fem.locate_dofs_geometrical((self.W.sub(0), V0), lambda x: x[axis] > H + tol)[0]
        return [
            dolfinx.fem.dirichletbc(zero, collector, self.W.sub(0)),
            dolfinx.fem.dirichletbc(zero, separator, self.W.sub(0)),
        ]

    def _reaction(self, phi_s: Any, phi_e: Any) -> Any:
        """a j (A/m3) as UFL."""
        c = self.coefficients
        return c["a"] * self.kinetics.current_density(c["i0"], phi_s - phi_e, ufl.exp)

    def _residual(self) -> ufl.Form:
        """Both equations, each divided by its conductivity scale times RT/F H^(d-2) (O(1) residuals)."""
        c, mesh = self.coefficients, self.meshdata.mesh
        phi_s, phi_e = ufl.split(self.w)
        v_s, v_e = ufl.TestFunctions(self.W)
        H, d = self.host.thickness_m, mesh.topology.dim
        vt = thermal_voltage(self.kinetics.temperature_K)
        self._scale_s = dolfinx.fem.Constant(mesh, self._solid_scale())
        scale_e = dolfinx.fem.Constant(mesh, 1.0 / (self.electrolyte.ionic_conductivity_S_m * vt * H ** (d - 2)))
        reaction = self._reaction(phi_s, phi_e)
        solid = (c["sigma"] * ufl.inner(ufl.grad(phi_s), ufl.grad(v_s)) + reaction * v_s) * self.dx_host
        ionic = c["kappa"] * ufl.inner(ufl.grad(phi_e), ufl.grad(v_e)) * self.dx - reaction * v_e * self.dx_host
        ionic += self.current_density * v_e * self.ds(self.meshdata.facet_id("top"))
        return self._scale_s * solid + scale_e * ionic

    def _overpotential_dof_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Local (phi_s, phi_e) dof pairs at the same host node (owned and ghost)."""
        host = self.meshdata.cell_tags.find(self.meshdata.cell_id("host"))
        solid = self.W.sub(0).dofmap.list[host].reshape(-1)
        ionic = self.W.sub(1).dofmap.list[host].reshape(-1)
        pairs = np.unique(np.column_stack([solid, ionic]), axis=0)
        return pairs[:, 0], pairs[:, 1]

    def _third_indicator(self, low: float, high: float) -> dolfinx.fem.Function:
        """DG0 indicator of the cells with midpoints in (low, high).

        Cell-wise rather than a UFL conditional on z: some simplex quadrature
        rules (basix degree 4 on tetrahedra) have points outside the cell, where
        a conditional would read the neighbour's side of the plane."""
        mesh = self.meshdata.mesh
        space = dolfinx.fem.functionspace(mesh, ("Discontinuous Lagrange", 0))
        chi = dolfinx.fem.Function(space)
        tdim = mesh.topology.dim
        num_cells = mesh.topology.index_map(tdim).size_local + mesh.topology.index_map(tdim).num_ghosts
        mid = dolfinx.mesh.compute_midpoints(mesh, tdim, np.arange(num_cells, dtype=np.int32))[:, self.axis]
        cells = np.flatnonzero((mid > low) & (mid < high)).astype(np.int32)
        chi.x.array[space.dofmap.list[cells].reshape(-1)] = 1.0
        return chi

    def _metric_forms(self) -> dict[str, dolfinx.fem.Form]:
        mesh, H = self.meshdata.mesh, self.host.thickness_m
        phi_s, phi_e = ufl.split(self.w)
        z = ufl.SpatialCoordinate(mesh)[self.axis]
        rate = self._reaction(phi_s, phi_e)
        one = dolfinx.fem.Constant(mesh, 1.0)
        top = self.ds(self.meshdata.facet_id("top"))
        forms = {
            "total": rate * self.dx_host,
            "bottom": self._third_indicator(-np.inf, H / 3.0) * rate * self.dx_host,
            "top": self._third_indicator(2.0 * H / 3.0, H) * rate * self.dx_host,
            "moment": z * rate * self.dx_host,
            "top_potential": phi_e * top,
            "top_area": one * top,
        }
        return {key: dolfinx.fem.form(form) for key, form in forms.items()}

    def _profile_setup(self) -> tuple[dict[str, dolfinx.fem.Function], dict[str, dolfinx.fem.Expression]]:
        phi_s, phi_e = ufl.split(self.w)
        c = self.coefficients
        points = interpolation_points(self.Q)
        expressions = {
            "reaction": self._reaction(phi_s, phi_e),
            "interface": self.kinetics.current_density(c["i0"], phi_s - phi_e, ufl.exp),
            "eta": phi_s - phi_e,
        }
        fields = {key: dolfinx.fem.Function(self.Q, name=key) for key in expressions}
        return fields, {key: dolfinx.fem.Expression(e, points) for key, e in expressions.items()}

    # -- solve --------------------------------------------------------------
    def solve_galvanostatic(self, current_density_A_m2: float) -> DepositionResult:
        """Solve at the superficial current density J (A/m2, anodic positive; plating J < 0).

        Newton starts from the last solution.  If it fails (Butler-Volmer far in
        the Tafel range: the linearised first step overshoots the overpotential),
        the solve restarts from zero and ramps the current, halving a failed
        increment and doubling a converged one; the number of converged ramp
        steps is reported as ``continuation_steps``.  Raises PETSc.Error when an
        increment below 1e-4 J still fails or after MAX_RAMP_FAILURES failures.
        """
        target = float(current_density_A_m2)
        stats, steps = ramp_current(self.solver, self.w, self.current_density, target)
        return self._result(target, stats, steps)

    # -- results ------------------------------------------------------------
    def _assemble(self, key: str) -> float:
        return _global_sum(self.meshdata.mesh.comm, dolfinx.fem.assemble_scalar(self._metrics[key]))

    def _result(self, current: float, stats: NewtonStats, steps: int) -> DepositionResult:
        H = self.host.thickness_m
        values = {key: self._assemble(key) for key in self._metrics}
        area = values["top_area"]
        total = values["total"]
        profile = self._depth_profile()
        bottom, top = values["bottom"] / total, values["top"] / total
        return DepositionResult(
            current_density_A_m2=current,
            reaction_total_A_m2=total / area,
            fraction_bottom=bottom,
            fraction_middle=1.0 - bottom - top,
            fraction_top=top,
            bottom_up_index=1.0 - 2.0 * values["moment"] / (total * H),
            counter_potential_V=values["top_potential"] / area,
            host_thickness_m=H,
            num_dofs=self.W.dofmap.index_map.size_global * self.W.dofmap.index_map_bs,
            stats=stats,
            continuation_steps=steps,
            **profile,
        )

    def _depth_profile(self) -> dict[str, np.ndarray]:
        """Host depth profiles from the DG nodes: gathered, grouped by (depth, side of the node), averaged."""
        for key, expression in self._profile_expressions.items():
            self._profile_fields[key].interpolate(expression)
        Q, H = self.Q, self.host.thickness_m
        mesh = Q.mesh
        tdim = mesh.topology.dim
        owned_cells = mesh.topology.index_map(tdim).size_local
        dofs = Q.dofmap.list[:owned_cells]
        mid = dolfinx.mesh.compute_midpoints(mesh, tdim, np.arange(owned_cells, dtype=np.int32))[:, self.axis]
        z = Q.tabulate_dof_coordinates()[dofs.reshape(-1), self.axis]
        side = np.repeat(mid, dofs.shape[1]) > z
        fields = [self._profile_fields[k] for k in ("reaction", "interface", "eta")]
        fields += [self.coefficients[k] for k in ("eps", "a")]
        local = np.column_stack([z, side, *(f.x.array[dofs.reshape(-1)] for f in fields)])
        local = local[np.repeat(mid, dofs.shape[1]) < H]
        table = np.concatenate(mesh.comm.allgather(local))
        # groups sorted by depth, the side below a node plane first (np.unique sorts the keys)
        key = np.round(table[:, 0] / H, 10) + 1e-12 * table[:, 1]
        _, inverse = np.unique(key, return_inverse=True)
        counts = np.bincount(inverse)
        m = np.column_stack([np.bincount(inverse, weights=table[:, k]) / counts for k in range(table.shape[1])])
        return {
            "z_m": m[:, 0],
            "reaction_rate_A_m3": m[:, 2],
            "interface_current_density_A_m2": m[:, 3],
            "overpotential_V": m[:, 4],
            "porosity": m[:, 5],
            "specific_area_1_m": m[:, 6],
        }

    def potentials(self) -> tuple[dolfinx.fem.Function, dolfinx.fem.Function]:
        """Collapsed copies (phi_s, phi_e) of the last solution, for output and error norms."""
        return split_potentials(self.w)

    def destroy(self) -> None:
        self.solver.destroy()
