"""Small-strain solid mechanics: elastic regions and Li metal with power-law creep or Anand viscoplasticity.

Displacement u (m) on the whole mesh; each cell region (by name) is either
linear elastic (electrolyte, host) or elastic with Norton creep (Li), or
elastic-viscoplastic after Anand (fem.mechanics.anand, selected per region through the
material's creep law)::

    eps(u) = eps_el + eps_cr + eps_g,      sigma = K tr(eps_el) I + 2 G dev(eps_el)
    eps_dot_cr = (3/2) p_dot s / sigma_eq,  p_dot = A' (sigma_eq / sigma_ref)^n,
    A' = A exp(-Q/R (1/T - 1/T_ref))       (fem.materials.NortonCreep)

with eps_g an eigenstrain (isotropic growth beta I, e.g. from plating, or a
given tensor field).  Loads: stack pressure (normal traction -p n) and
general tractions on named facet regions, body force; Dirichlet data and
rollers (zero normal displacement on axis-aligned facets) on named regions
(fem.mechanics.boundary).  Backward Euler with a radial return at the
quadrature points and the consistent tangent: fem.mechanics.constitutive.

Anand regions use the same radial return structure (z, gamma, n) with the
deformation resistance S as a further state variable at the quadrature points
(fem.mechanics.anand.anand_return_mapping: a safeguarded Newton on one scalar equation,
its own tangent coefficient gamma).

Elastic cells have z = 1 and gamma = 0; their integrals carry no history.
:meth:`MechanicsProblem.save_state` / :meth:`MechanicsProblem.restore_state`
copy the accepted state (displacement, creep strain, accumulated creep strain,
S, time), e.g. to re-solve an interval with other loads.
Limitation: with P1 tetrahedra, long creep steps of confined Li (z << 1 makes
the increment nearly incompressible) lock volumetrically; use degree=2 there, or the
mixed P1-P1 form of fem.mechanics.mixed (MixedMechanicsProblem, a subclass).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import basix
import basix.ufl
import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem.constants import ROOM_TEMPERATURE_K
from fem.materials import AnandViscoplasticity, CreepingSolid, CreepLaw, LinearElastic, MechanicalMaterial
from fem.mechanics.anand import anand_return_mapping
from fem.mechanics.boundary import BoundaryCondition, Displacement, Pressure, Roller
from fem.mechanics.constitutive import (
    ReturnMapping,
    consistent_tangent,
    creep_stress,
    eigenstrain,
    elastic_stress,
    norton_return_mapping,
    strain,
    trial_deviatoric_strain,
)
from fem.mechanics.solver_setup import MECHANICS_NEWTON_DEFAULTS, rigid_body_modes, solver_options
from fem.mesh_io import MeshData
from fem.solvers import ELLIPTIC_NEWTON_DEFAULTS, NewtonSolver, unique_prefix
from fem.validation import ParameterError, check_choice, check_positive, check_range

__all__ = [
    "MechanicsStep",
    "StepFailure",
    "TimeHistory",
    "MechanicsState",
    "MechanicsConvergenceError",
    "MechanicsProblem",
]


# -- results --------------------------------------------------------------------
@dataclass
class MechanicsStep:
    """One accepted time step (global values, identical on every rank)."""

    time_s: float
    dt_s: float
    newton_iterations: int
    krylov_iterations: int
    residual_norms: list[float] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class StepFailure:
    """A rejected step attempt: when, how long, why."""

    time_s: float
    dt_s: float
    reason: str


@dataclass
class TimeHistory:
    """Accepted steps and rejected attempts of :meth:`MechanicsProblem.advance`."""

    steps: list[MechanicsStep] = field(default_factory=list)
    failures: list[StepFailure] = field(default_factory=list)

    @property
    def newton_iterations(self) -> int:
        return sum(step.newton_iterations for step in self.steps)


@dataclass(frozen=True)
class MechanicsState:
    """A copy of the accepted state of a :class:`MechanicsProblem` (:meth:`MechanicsProblem.save_state`).

    The arrays are this process's part (owned and ghost values) of the
    problem's Functions, so a state restores only into the problem (same mesh
    partition and spaces) that saved it.  Loads (pressures, prescribed
    displacements, growth strains, temperature) are inputs, not state.

    Attributes:
        time_s: time of the state (s).
        displacement_m: displacement dofs (m).
        creep_strain: creep (viscoplastic) strain tensor at the quadrature points (dimensionless).
        accumulated_creep_strain: accumulated equivalent creep strain p at the quadrature points.
        deformation_resistance_Pa: Anand deformation resistance S at the quadrature points
            (Pa; zero outside Anand regions).
    """

    time_s: float
    displacement_m: np.ndarray
    creep_strain: np.ndarray
    accumulated_creep_strain: np.ndarray
    deformation_resistance_Pa: np.ndarray


class MechanicsConvergenceError(RuntimeError):
    """The global Newton iteration of a step failed; the state is back at the step's start."""

    def __init__(self, message: str, time_s: float, dt_s: float, reason: int) -> None:
        super().__init__(message)
        self.time_s = time_s
        self.dt_s = dt_s
        self.reason = reason


# -- the problem ------------------------------------------------------------------
@dataclass
class _Region:
    name: str
    tag: int
    material: MechanicalMaterial
    cells: np.ndarray  # owned cells
    K: dolfinx.fem.Constant
    G: dolfinx.fem.Constant
    growth: Any
    creep: CreepLaw | None = None
    trial_expression: dolfinx.fem.Expression | None = None
    dofs: np.ndarray | None = None  # (cells, points) quadrature dofs


def _elastic(material: MechanicalMaterial) -> LinearElastic:
    return material.elastic if isinstance(material, CreepingSolid) else material


class MechanicsProblem:
    """Quasi-static small-strain mechanics with creeping and elastic cell regions.

    Args:
        meshdata: 3D mesh with cell and facet tags; every cell must belong to a
            region named in ``materials``.
        materials: cell region name -> LinearElastic or CreepingSolid
            (fem.materials.mechanical_material("Li"), ("LPSCl"), ...).
        boundary_conditions: Pressure, Roller and Displacement entries by facet region name.
        temperature_K: temperature for the Arrhenius factor of the creep law (K).
        growth_strain: cell region name -> eigenstrain (UFL scalar beta for beta I,
            or a 3x3 tensor; dimensionless), e.g. a Function updated between steps.
        tractions: facet region name -> UFL traction vector (Pa), e.g. for verification.
        body_force: UFL body-force vector (N/m3), or None.
        degree: Lagrange degree of the displacement.
        quadrature_degree: quadrature of the bulk integrals and of the creep
            state; default 2 (degree - 1), at least 1: exact for the stiffness.
        petsc_options: overrides of :data:`MECHANICS_NEWTON_DEFAULTS`.
        extra_residuals: callables ``(u, v) -> UFL form`` (N m, the virtual work of
            further loads, e.g. a penalty contact traction); their Jacobian is
            derived with ufl.derivative, unless the callable has a method
            ``tangent(u, v, du)`` that gives it (fem.mechanics.contact.PenaltyContact).
    """

    def __init__(
        self,
        meshdata: MeshData,
        materials: Mapping[str, MechanicalMaterial],
        boundary_conditions: Sequence[BoundaryCondition] = (),
        temperature_K: float = ROOM_TEMPERATURE_K,
        growth_strain: Mapping[str, Any] | None = None,
        tractions: Mapping[str, Any] | None = None,
        body_force: Any | None = None,
        degree: int = 1,
        quadrature_degree: int | None = None,
        petsc_options: dict[str, Any] | None = None,
        extra_residuals: Sequence[Callable[[Any, Any], Any]] = (),
    ) -> None:
        mesh = meshdata.mesh
        if mesh.geometry.dim != 3 or mesh.topology.dim != 3:
            raise ParameterError(f"mechanics needs a 3D mesh, got dimension {mesh.topology.dim}")
        check_choice("degree", degree, (1, 2, 3))
        if not materials:
            raise ParameterError("materials is empty: give a material for every cell region")
        for name, material in materials.items():
            if not isinstance(material, LinearElastic | CreepingSolid):
                raise ParameterError(f"material of region {name!r} is {material!r}, not LinearElastic/CreepingSolid")
        growth_strain = dict(growth_strain or {})
        for name in growth_strain:
            if name not in materials:
                raise ParameterError(f"growth strain given for region {name!r}, which has no material")
        self.meshdata = meshdata
        self.materials = dict(materials)
        self.temperature_K = temperature_K
        self.time_s = 0.0
        self.degree = degree
        qd = quadrature_degree if quadrature_degree is not None else max(1, 2 * (degree - 1))
        self.quadrature_degree = int(
            check_range("quadrature_degree", qd, 1, 20, low_inclusive=True, high_inclusive=True)
        )

        self._make_spaces(degree)
        cell = mesh.basix_cell()
        scalar_q = basix.ufl.quadrature_element(cell, value_shape=(), degree=self.quadrature_degree)
        tensor_q = basix.ufl.quadrature_element(cell, value_shape=(3, 3), degree=self.quadrature_degree)
        self.Q = dolfinx.fem.functionspace(mesh, scalar_q)
        self.QT = dolfinx.fem.functionspace(mesh, tensor_q)
        self._points = basix.make_quadrature(cell, self.quadrature_degree)[0]
        #: Radial factor z = sigma_eq / q_trial (1 in elastic cells) and tangent coefficient gamma.
        self.z = dolfinx.fem.Function(self.Q, name="radial_factor")
        self.gamma = dolfinx.fem.Function(self.Q, name="tangent_gamma")
        self.direction = dolfinx.fem.Function(self.QT, name="flow_direction")
        #: Creep strain (accepted, then at the current iterate) and accumulated equivalent creep strain p.
        self.creep_strain = dolfinx.fem.Function(self.QT, name="creep_strain")
        self._creep_strain_old = dolfinx.fem.Function(self.QT)
        self.accumulated_creep_strain = dolfinx.fem.Function(self.Q, name="accumulated_creep_strain")
        #: Anand deformation resistance S (Pa; zero outside Anand regions): current iterate and accepted.
        self.deformation_resistance = dolfinx.fem.Function(self.Q, name="deformation_resistance_Pa")
        self._deformation_resistance_old = dolfinx.fem.Function(self.Q)
        self.z.x.array[:] = 1.0
        self._dt = 0.0
        self._dp: dict[str, np.ndarray] = {}

        self._dx = ufl.Measure(
            "dx",
            domain=mesh,
            subdomain_data=meshdata.cell_tags,
            metadata={"quadrature_degree": self.quadrature_degree, "quadrature_scheme": "default"},
        )
        self.ds = ufl.Measure("ds", domain=mesh, subdomain_data=meshdata.facet_tags)
        self.regions = self._make_regions(growth_strain)

        # Residual and tangent, nondimensionalised by E_max L^2 (see MECHANICS_NEWTON_DEFAULTS).
        comm = mesh.comm
        volume = comm.allreduce(
            dolfinx.fem.assemble_scalar(dolfinx.fem.form(dolfinx.fem.Constant(mesh, 1.0) * ufl.dx(domain=mesh))),
            op=MPI.SUM,
        )
        self.volume_m3 = volume
        e_max = max(_elastic(m).youngs_modulus_Pa for m in self.materials.values())
        scale = dolfinx.fem.Constant(mesh, 1.0 / (e_max * volume ** (2.0 / 3.0)))
        v, du = self._test_and_trial()
        residual, jacobian = self._bulk_forms(v, du, e_max)

        self.pressures: dict[str, dolfinx.fem.Constant] = {}
        self._displacement_values: dict[tuple[str, int | None], Any] = {}
        self.bcs: list[Any] = []
        normal = ufl.FacetNormal(mesh)
        for bc in boundary_conditions:
            if isinstance(bc, Pressure):
                if bc.facets in self.pressures:
                    raise ParameterError(f"two pressures on facet region {bc.facets!r}")
                p = dolfinx.fem.Constant(mesh, float(bc.pressure_Pa))
                self.pressures[bc.facets] = p
                residual += p * ufl.inner(normal, v) * self.ds(meshdata.facet_id(bc.facets))
            elif isinstance(bc, Roller):
                self.bcs.extend(self._roller(bc.facets))
            elif isinstance(bc, Displacement):
                self.bcs.append(self._displacement(bc))
            else:
                raise ParameterError(f"unknown boundary condition {bc!r}")
        for facets, traction in (tractions or {}).items():
            residual -= ufl.inner(traction, v) * self.ds(meshdata.facet_id(facets))
        for term in extra_residuals:
            form = term(self.u, v)
            residual += form
            tangent = getattr(term, "tangent", None)
            jacobian += tangent(self.u, v, du) if tangent is not None else ufl.derivative(form, self.u, du)
        if body_force is not None:  # estimated quadrature degree (the bulk measure's is for the stiffness)
            dx_load = ufl.Measure("dx", domain=mesh, subdomain_data=meshdata.cell_tags)
            residual -= ufl.inner(body_force, v) * dx_load
        self.residual = scale * residual
        self.jacobian = scale * jacobian

        options, _ = solver_options({**MECHANICS_NEWTON_DEFAULTS, **(petsc_options or {})})
        prefix = unique_prefix("mechanics")
        self.solver = NewtonSolver(self.residual, self._unknown, self.bcs, prefix, options, jacobian=self.jacobian)
        # NewtonSolver merges fem.solvers.ELLIPTIC_NEWTON_DEFAULTS under the options: drop what this KSP/PC ignores
        _, unused = solver_options({**ELLIPTIC_NEWTON_DEFAULTS, **options})
        if options.get("pc_type") == "gamg" and self.V.dofmap.index_map.size_global * 3 <= int(
            options.get("pc_gamg_coarse_eq_limit", 50)
        ):  # one level (only the coarse solve): no smoother reads the mg_levels_* options
            unused += [key for key in options if key.startswith("mg_levels_")]
        for key in unused:
            PETSc.Options().delValue(f"{prefix}{key}")
        self.solver.on_iterate = self._update_state
        self._configure_linear_solver(options, volume)
        self.solver.snes.setConvergenceHistory(length=200, reset=True)

    # -- set-up helpers ---------------------------------------------------
    def _make_spaces(self, degree: int) -> None:
        """The displacement space V, u and the accepted u; the solver's unknown and the space of its Dirichlet data."""
        self.V = dolfinx.fem.functionspace(self.meshdata.mesh, ("Lagrange", degree, (3,)))
        self.u = dolfinx.fem.Function(self.V, name="displacement_m")
        self._u_old = dolfinx.fem.Function(self.V)
        self._unknown = self.u
        self._bc_space = self.V

    def _test_and_trial(self) -> tuple[Any, Any]:
        """Displacement test and trial functions (those the loads act on)."""
        return ufl.TestFunction(self.V), ufl.TrialFunction(self.V)

    def _bulk_forms(self, v: Any, du: Any, e_max: float) -> tuple[Any, Any]:
        """Unscaled bulk residual and tangent: return-mapped stress and consistent tangent per region."""
        residual = 0
        jacobian = 0
        for region in self.regions:
            dx = self._dx(region.tag)
            if region.creep is None:
                sigma = elastic_stress(strain(self.u) - region.growth, region.K, region.G)
                tangent = elastic_stress(strain(du), region.K, region.G)
            else:
                sigma = creep_stress(self.u, region.K, region.G, self.z, self._creep_strain_old, region.growth)
                tangent = consistent_tangent(strain(du), region.K, region.G, self.z, self.gamma, self.direction)
            residual += ufl.inner(sigma, strain(v)) * dx
            jacobian += ufl.inner(tangent, strain(v)) * dx
        return residual, jacobian

    def _configure_linear_solver(self, options: Mapping[str, Any], volume: float) -> None:
        """Near-nullspace (and with GAMG the Dirichlet-row scale) of the displacement Jacobian."""
        comm = self.meshdata.mesh.comm
        # Dirichlet rows on the scale of the scaled stiffness (~ h / L^2, h the mean cell size): with a unit
        # diagonal, GAMG's aggregates leak ~1e-18 m into prescribed displacements of ~1e-9 m, which the
        # residual norm cannot see (a 5e-9 relative stress error on a one-cell test).
        if options.get("pc_type") == "gamg":  # BoomerAMG (the default) is left exactly as verified
            cells = comm.allreduce(self.meshdata.mesh.topology.index_map(3).size_local, op=MPI.SUM)
            self.solver.bc_diagonal = (volume / cells) ** (1.0 / 3.0) / volume ** (2.0 / 3.0)
        self._nullspace = rigid_body_modes(self.V)
        self.solver.snes.getJacobian()[0].setNearNullSpace(self._nullspace)

    def _make_regions(self, growth_strain: dict[str, Any]) -> list[_Region]:
        md = self.meshdata
        mesh = md.mesh
        tdim = mesh.topology.dim
        num_owned = mesh.topology.index_map(tdim).size_local
        covered = np.zeros(num_owned, dtype=bool)
        regions = []
        for name, material in self.materials.items():
            tag = md.cell_id(name)
            cells = md.cell_tags.find(tag)
            cells = cells[cells < num_owned].astype(np.int32)
            covered[cells] = True
            elastic = _elastic(material)
            region = _Region(
                name=name,
                tag=tag,
                material=material,
                cells=cells,
                K=dolfinx.fem.Constant(mesh, elastic.bulk_modulus_Pa),
                G=dolfinx.fem.Constant(mesh, elastic.shear_modulus_Pa),
                growth=eigenstrain(growth_strain.get(name)),
            )
            if isinstance(material, CreepingSolid):
                region.creep = material.creep
                e_trial = trial_deviatoric_strain(self.u, self._creep_strain_old, region.growth)
                region.trial_expression = dolfinx.fem.Expression(e_trial, self._points)
                region.dofs = self.Q.dofmap.list[cells]
                if isinstance(region.creep, AnandViscoplasticity):
                    for resistance in (self.deformation_resistance, self._deformation_resistance_old):
                        resistance.x.array[region.dofs] = region.creep.initial_resistance_Pa
            regions.append(region)
        missing = mesh.comm.allreduce(int(np.count_nonzero(~covered)), op=MPI.SUM)
        if missing:
            raise ParameterError(
                f"{missing} cells belong to no region in materials ({sorted(self.materials)}); "
                f"cell regions: {sorted(md.markers['cells'])}"
            )
        return regions

    def _facets(self, name: str) -> np.ndarray:
        return self.meshdata.facet_tags.find(self.meshdata.facet_id(name))

    def _roller(self, facets_name: str) -> list[Any]:
        """u . e_i = 0 on the facets of the region whose normal is +-e_i (axis-aligned planes only)."""
        mesh = self.meshdata.mesh
        fdim = mesh.topology.dim - 1
        facets = self._facets(facets_name)
        normals = np.zeros((facets.size, 3))
        if facets.size:  # entities_to_geometry of no entities divides by zero (DOLFINx 0.9)
            xyz = mesh.geometry.x[dolfinx.mesh.entities_to_geometry(mesh, fdim, facets)]
            normals = np.cross(xyz[:, 1] - xyz[:, 0], xyz[:, 2] - xyz[:, 0])
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), np.finfo(float).tiny)
        axis = np.argmax(np.abs(normals), axis=1)
        tilted = np.abs(np.abs(normals[np.arange(facets.size), axis]) - 1.0) > 1e-8
        if mesh.comm.allreduce(int(np.count_nonzero(tilted)), op=MPI.SUM):
            raise ParameterError(f"Roller on {facets_name!r}: only planar facets normal to x, y or z are supported")
        bcs = []
        for i in range(3):
            sub = self._bc_space.sub(i)
            dofs = dolfinx.fem.locate_dofs_topological(sub, fdim, facets[axis == i])
            if mesh.comm.allreduce(len(dofs), op=MPI.SUM) == 0:
                continue
            bcs.append(dolfinx.fem.dirichletbc(dolfinx.fem.Constant(mesh, 0.0), dofs, sub))
        return bcs

    def _displacement(self, spec: Displacement) -> Any:
        mesh = self.meshdata.mesh
        fdim = mesh.topology.dim - 1
        facets = self._facets(spec.facets)
        key = (spec.facets, spec.component)
        if key in self._displacement_values:
            raise ParameterError(f"two displacement conditions on {spec.facets!r}, component {spec.component}")
        space = self._bc_space  # V, or the displacement subspace of a mixed space
        if spec.component is None:
            if callable(spec.value_m):
                value = dolfinx.fem.Function(self.V)
                value.interpolate(spec.value_m)
                if space is self.V:
                    bc = dolfinx.fem.dirichletbc(value, dolfinx.fem.locate_dofs_topological(self.V, fdim, facets))
                else:
                    dofs = dolfinx.fem.locate_dofs_topological((space, self.V), fdim, facets)
                    bc = dolfinx.fem.dirichletbc(value, dofs, space)
            else:
                dofs = dolfinx.fem.locate_dofs_topological(space, fdim, facets)
                value = dolfinx.fem.Constant(mesh, np.full(3, float(spec.value_m)))
                bc = dolfinx.fem.dirichletbc(value, dofs, space)
        else:
            sub = space.sub(spec.component)
            if callable(spec.value_m):
                collapsed, _ = sub.collapse()
                dofs = dolfinx.fem.locate_dofs_topological((sub, collapsed), fdim, facets)
                value = dolfinx.fem.Function(collapsed)
                value.interpolate(spec.value_m)
                bc = dolfinx.fem.dirichletbc(value, dofs, sub)
            else:
                dofs = dolfinx.fem.locate_dofs_topological(sub, fdim, facets)
                value = dolfinx.fem.Constant(mesh, float(spec.value_m))
                bc = dolfinx.fem.dirichletbc(value, dofs, sub)
        self._displacement_values[key] = value
        return bc

    # -- inputs -----------------------------------------------------------
    @property
    def temperature_K(self) -> float:
        return self._temperature_K

    @temperature_K.setter
    def temperature_K(self, value: float) -> None:
        self._temperature_K = check_positive("temperature_K", value, "K")

    @property
    def dt_s(self) -> float:
        """Time step (s) of the return mapping: that of the current or last step (set by :meth:`step`)."""
        return self._dt

    @dt_s.setter
    def dt_s(self, value: float) -> None:
        self._dt = check_range("dt_s", value, 0.0, low_inclusive=True, unit="s")

    def set_pressure(self, facets: str, pressure_Pa: float) -> None:
        """Set the stack pressure (Pa, >= 0) on a facet region declared with :class:`Pressure`."""
        if facets not in self.pressures:
            raise ParameterError(f"no Pressure on facet region {facets!r}; pressures on: {sorted(self.pressures)}")
        self.pressures[facets].value = Pressure(facets, pressure_Pa).pressure_Pa

    def set_displacement(
        self, facets: str, value_m: float | Callable[[np.ndarray], np.ndarray], component: int | None = None
    ) -> None:
        """Change the prescribed displacement of a :class:`Displacement` condition (m)."""
        key = (facets, component)
        if key not in self._displacement_values:
            raise ParameterError(f"no Displacement on {facets!r} with component {component}")
        target = self._displacement_values[key]
        spec = Displacement(facets, value_m, component)
        if isinstance(target, dolfinx.fem.Function):
            if callable(spec.value_m):
                target.interpolate(spec.value_m)
            else:
                target.x.array[:] = float(spec.value_m)
        else:
            if callable(spec.value_m):
                raise ParameterError(f"displacement on {facets!r} was declared constant; give a number")
            target.value = float(spec.value_m) if component is not None else np.full(3, float(spec.value_m))

    # -- the local problem ------------------------------------------------
    def _update_state(self, u: dolfinx.fem.Function | None = None) -> None:
        """Radial return at the quadrature points of the creeping cells for the current u and dt."""
        for region in self.regions:
            if region.creep is None or region.cells.size == 0:
                continue
            shape = (region.cells.size, self._points.shape[0], 3, 3)
            e = region.trial_expression.eval(self.meshdata.mesh, region.cells).reshape(shape)
            norm = np.sqrt(np.einsum("cpij,cpij->cp", e, e))
            G = float(region.G.value)
            q = math.sqrt(1.5) * 2.0 * G * norm
            result = self._return_mapping(region, q, G)
            with np.errstate(invalid="ignore", divide="ignore"):
                direction = np.where(norm[..., None, None] > 0.0, e / norm[..., None, None], 0.0)
            self.z.x.array[region.dofs] = result.z
            self.gamma.x.array[region.dofs] = result.gamma
            self.direction.x.array.reshape(-1, 9)[region.dofs] = direction.reshape(*region.dofs.shape, 9)
            region_creep = self._creep_strain_old.x.array.reshape(-1, 9)[region.dofs] + (
                result.one_minus_z[..., None] * e.reshape(*region.dofs.shape, 9)
            )
            self.creep_strain.x.array.reshape(-1, 9)[region.dofs] = region_creep
            # dp = (1 - z) q / 3G = (1 - z) sqrt(2/3) |e|
            self._dp[region.name] = result.one_minus_z * math.sqrt(2.0 / 3.0) * norm

    def _return_mapping(self, region: _Region, q: np.ndarray, G: float) -> ReturnMapping:
        """The region's local update at trial von Mises stresses q (Pa); Anand also updates S."""
        creep = region.creep
        if isinstance(creep, AnandViscoplasticity):
            old = self._deformation_resistance_old.x.array[region.dofs]
            result = anand_return_mapping(q, old, self._dt, creep, self.temperature_K, G)
            self.deformation_resistance.x.array[region.dofs] = result.resistance_Pa
            return ReturnMapping(result.z, result.one_minus_z, result.gamma, result.iterations)
        dt_rate = self._dt * creep.rate_factor_1_s(self.temperature_K)
        return norton_return_mapping(q, dt_rate, creep.stress_exponent, creep.reference_stress_Pa, G)

    # -- time stepping ----------------------------------------------------
    def step(self, dt_s: float, initial_guess: np.ndarray | None = None) -> MechanicsStep:
        """Advance by ``dt_s`` (s, >= 0; 0 is the instantaneous elastic response) with backward Euler.

        Loads are those set now (at the end of the step).  Newton starts from
        the displacement at the start of the step, or from ``initial_guess``
        (local displacement values, e.g. extrapolated from the previous steps).
        Raises MechanicsConvergenceError (state restored to the start of the
        step) if the global Newton iteration fails.
        """
        self.dt_s = dt_s
        dt = self._dt
        start = time.perf_counter()
        self._set_initial_guess(self._u_old.x.array if initial_guess is None else initial_guess)
        try:
            stats = self.solver.solve()
        except PETSc.Error as error:
            reason = self.solver.snes.getConvergedReason()
            self._restore()
            raise MechanicsConvergenceError(
                f"mechanics Newton failed at t = {self.time_s:.6g} s, dt = {dt:.6g} s (SNES reason {reason})",
                self.time_s,
                dt,
                reason,
            ) from error
        self._update_state(self.u)  # the state at the converged iterate
        history = [float(r) for r in self.solver.snes.getConvergenceHistory()[0]]
        self._accept()
        self.time_s += dt
        return MechanicsStep(
            time_s=self.time_s,
            dt_s=dt,
            newton_iterations=stats.newton_iterations,
            krylov_iterations=stats.krylov_iterations,
            residual_norms=history,
            seconds=time.perf_counter() - start,
        )

    def _set_initial_guess(self, displacement: np.ndarray) -> None:
        """Newton's start: the given local displacement values with the Dirichlet data set."""
        self.u.x.array[:] = displacement
        for bc in self.bcs:
            bc.set(self.u.x.array)
        self.u.x.scatter_forward()

    def _accept(self) -> None:
        self._u_old.x.array[:] = self.u.x.array
        self._creep_strain_old.x.array[:] = self.creep_strain.x.array
        self._deformation_resistance_old.x.array[:] = self.deformation_resistance.x.array
        for region in self.regions:
            if region.creep is not None and region.cells.size:
                self.accumulated_creep_strain.x.array[region.dofs] += self._dp[region.name]

    def _restore(self) -> None:
        self.u.x.array[:] = self._u_old.x.array
        self.creep_strain.x.array[:] = self._creep_strain_old.x.array
        self.deformation_resistance.x.array[:] = self._deformation_resistance_old.x.array
        self.z.x.array[:] = 1.0
        self.gamma.x.array[:] = 0.0

    def save_state(self) -> MechanicsState:
        """Copy the accepted state: time, displacement, creep strain, accumulated creep strain and S."""
        return MechanicsState(
            time_s=self.time_s,
            displacement_m=self._u_old.x.array.copy(),
            creep_strain=self._creep_strain_old.x.array.copy(),
            accumulated_creep_strain=self.accumulated_creep_strain.x.array.copy(),
            deformation_resistance_Pa=self._deformation_resistance_old.x.array.copy(),
        )

    def restore_state(self, state: MechanicsState) -> None:
        """Return to a state from :meth:`save_state` of this problem (loads are left as they are now)."""
        pairs = (
            (state.displacement_m, self._u_old),
            (state.creep_strain, self._creep_strain_old),
            (state.accumulated_creep_strain, self.accumulated_creep_strain),
            (state.deformation_resistance_Pa, self._deformation_resistance_old),
        )
        misfits = [(saved.shape, function) for saved, function in pairs if saved.shape != function.x.array.shape]
        if self.meshdata.mesh.comm.allreduce(len(misfits), op=MPI.SUM):  # refuse on every rank together
            detail = f"{misfits[0][0]} for {misfits[0][1].x.array.shape}" if misfits else "on another rank"
            raise ParameterError(
                f"state arrays do not fit this problem (shape {detail}): "
                "a state restores only into the problem that saved it"
            )
        for saved, function in pairs:
            function.x.array[:] = saved
        self.time_s = float(state.time_s)
        self._restore()

    def advance(
        self,
        duration_s: float,
        dt_s: float,
        min_dt_s: float | None = None,
        before_step: Callable[[float], None] | None = None,
        grow_after: int = 2,
        verbose: bool = False,
    ) -> TimeHistory:
        """Step to ``time_s + duration_s`` with steps of ``dt_s``, halving a step whose Newton fails.

        ``before_step(t)`` sets the loads for the end time t of each attempt.
        After a halving the step grows back (doubling, at most ``dt_s``) once
        ``grow_after`` steps in a row have succeeded.  Raises
        MechanicsConvergenceError once a step below ``min_dt_s`` (default
        dt_s / 1024) fails.  Returns the accepted steps and the failures.
        """
        duration = check_range("duration_s", duration_s, 0.0, low_inclusive=True, unit="s")
        dt_max = check_positive("dt_s", dt_s, "s")
        min_dt = check_positive("min_dt_s", min_dt_s if min_dt_s is not None else dt_max / 1024, "s")
        history = TimeHistory()
        end = self.time_s + duration
        dt = dt_max
        successes = 0
        comm = self.meshdata.mesh.comm
        while end - self.time_s > 1e-12 * max(duration, dt_max):
            h = min(dt, end - self.time_s)
            if before_step is not None:
                before_step(self.time_s + h)
            try:
                record = self.step(h)
            except MechanicsConvergenceError as error:
                history.failures.append(StepFailure(self.time_s, h, str(error)))
                if verbose and comm.rank == 0:
                    print(f"[mechanics] step of {h:.4g} s failed at t = {self.time_s:.6g} s: halving", flush=True)
                if h / 2 < min_dt:
                    raise
                dt = h / 2
                successes = 0
                continue
            history.steps.append(record)
            if verbose and comm.rank == 0:
                print(
                    f"[mechanics] t = {self.time_s:.6g} s  dt = {h:.4g} s  "
                    f"newton {record.newton_iterations}  krylov {record.krylov_iterations}",
                    flush=True,
                )
            successes += 1
            if successes >= grow_after and dt < dt_max:
                dt = min(dt_max, 2.0 * dt)
                successes = 0
        return history

    # -- results ----------------------------------------------------------
    def _region(self, name: str) -> _Region:
        for region in self.regions:
            if region.name == name:
                return region
        raise ParameterError(f"no region {name!r}; regions: {[r.name for r in self.regions]}")

    def stress(self, region: str) -> Any:
        """UFL Cauchy stress (Pa) in ``region`` at the current state (use with :meth:`volume_average`):
        Hooke's law on eps(u) - eps_g - eps_cr, eps_cr the creep strain at the current iterate."""
        reg = self._region(region)
        if reg.creep is None:
            return elastic_stress(strain(self.u) - reg.growth, reg.K, reg.G)
        return elastic_stress(strain(self.u) - reg.growth - self.creep_strain, reg.K, reg.G)

    def von_mises_stress(self, region: str) -> Any:
        """UFL von Mises stress sqrt(3/2 s:s) (Pa) in ``region``."""
        s = ufl.dev(self.stress(region))
        return ufl.sqrt(1.5 * ufl.inner(s, s))

    def measure(self, region: str | None = None) -> ufl.Measure:
        """Cell measure (with the state's quadrature) over ``region`` or the whole mesh."""
        return self._dx if region is None else self._dx(self._region(region).tag)

    def volume_average(self, expression: Any, region: str | None = None) -> float:
        """Volume average of a scalar UFL expression over ``region`` (or everything); global."""
        dx = self.measure(region)
        comm = self.meshdata.mesh.comm
        one = dolfinx.fem.Constant(self.meshdata.mesh, 1.0)
        integral = comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(expression * dx)), op=MPI.SUM)
        volume = comm.allreduce(dolfinx.fem.assemble_scalar(dolfinx.fem.form(one * dx)), op=MPI.SUM)
        return integral / volume

    @property
    def num_dofs(self) -> int:
        return self.V.dofmap.index_map.size_global * self.V.dofmap.index_map_bs

    def destroy(self) -> None:
        """Free the PETSc objects."""
        self.solver.destroy()
        self._nullspace.destroy()
