"""Vacancy transport in Li: diffusion, annihilation at sinks, injection at the stripping interface.

The vacancy site fraction x (dimensionless) in the Li region Omega_Li::

    dx/dt = div(D_v grad x) - k (x - x_eq(T, p)) + g          in Omega_Li
    D_v grad x . n = J = f_inj max(i - i_creep, 0) Omega / F     on the injection facets (inflow)
    D_v grad x . n = 0                                         elsewhere

(fem.vacancy.parameters for D_v, k, x_eq and the injection law; g an optional
volumetric source, used by the manufactured-solution test).  Backward Euler in
time, Lagrange P1/P2 in space; ``solve_steady`` drops the time derivative
(needs sinks).  The unknown is x / x_ref with x_ref = x_eq(T0, 0) at
construction, so the system is O(1).  Temperature, the injected current
density, the creep supply and a uniform pressure are dolfinx Constants,
updated in place; a local pressure or current density field (a UFL expression
on the Li mesh, e.g. the contact pressure or the stripping current of
fem.coupling.stripping) may be passed instead.

Accounting (global, in m3 of vacancy volume: site fraction x volume): the
injected amount equals the annihilated amount plus the change of content to
the linear-solver tolerance, because backward Euler with Lagrange test
functions (which sum to one) conserves exactly.

Void nucleation: where the interfacial supersaturation x / x_eq exceeds
s_crit (``VacancyTransport.critical_supersaturation``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import dolfinx
import dolfinx.fem.petsc
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem._compat import create_vector, interpolation_points
from fem.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, LI_MOLAR_VOLUME_M3_PER_MOL, ROOM_TEMPERATURE_K
from fem.mesh_io import MeshData, extract_cells
from fem.solvers import apply_options, unique_prefix
from fem.vacancy.parameters import BOLTZMANN_EV_PER_K, VacancyTransport
from fem.validation import ParameterError, check_choice, check_positive, check_range

__all__ = ["VACANCY_SOLVER_DEFAULTS", "VacancyStep", "VacancyProblem"]

#: CG + BoomerAMG (symmetric positive definite: mass + stiffness + sink), tight tolerance so that the
#: balance injected = annihilated + stored holds to ~1e-10 relative.
VACANCY_SOLVER_DEFAULTS: dict[str, Any] = {
    "ksp_type": "cg",
    "ksp_rtol": 1e-13,
    "ksp_atol": 1e-50,
    "ksp_max_it": 2000,
    "ksp_norm_type": "unpreconditioned",
    "ksp_error_if_not_converged": True,
    "pc_type": "hypre",
    "pc_hypre_type": "boomeramg",
}

Scalar = float | dolfinx.fem.Constant | ufl.core.expr.Expr


def _solver_options(overrides: dict[str, Any] | None) -> dict[str, Any]:
    """Defaults merged with ``overrides``; a direct solve (``ksp_type: preonly``) replaces them (no unused options)."""
    overrides = overrides or {}
    if overrides.get("ksp_type") == "preonly":
        return dict(overrides)
    return {**VACANCY_SOLVER_DEFAULTS, **overrides}


@dataclass(frozen=True, slots=True)
class VacancyStep:
    """Global state after a solve (SI; amounts in m3 of vacancy volume = site fraction x m3)."""

    time_s: float
    dt_s: float
    max_interface_supersaturation: float
    mean_interface_supersaturation: float
    nucleating_area_fraction: float
    injected_m3: float
    annihilated_m3: float
    sourced_m3: float
    stored_m3: float
    balance_error_m3: float
    krylov_iterations: int


def _as_constant(mesh: dolfinx.mesh.Mesh, value: Scalar, name: str) -> tuple[Any, dolfinx.fem.Constant | None]:
    """A float becomes an updatable Constant; a Constant or UFL expression is used as it is."""
    if isinstance(value, dolfinx.fem.Constant):
        return value, value
    if isinstance(value, int | float):
        constant = dolfinx.fem.Constant(mesh, PETSc.ScalarType(float(value)))
        return constant, constant
    if isinstance(value, ufl.core.expr.Expr):
        return value, None
    raise ParameterError(f"{name} must be a number, a dolfinx Constant or a UFL expression, got {type(value)}")


class VacancyProblem:
    """Vacancy site fraction in the Li region of a tagged mesh (see module text).

    Args:
        meshdata: tagged mesh (coordinates in m).
        transport: vacancy parameters (D*, E_f, S_f, sinks, injection, s_crit).
        injection_facet: name of the facet region where vacancies are injected (the stripping interface).
        cell_region: keep only this cell region (e.g. "lithium") when the mesh holds others; None: whole mesh.
        temperature_K: uniform temperature (updatable with :meth:`set_temperature`).
        pressure_Pa: local pressure entering x_eq: a number (a Constant, ``self.pressure``) or a UFL field.
        current_density_A_m2: local stripping current density on the injection facets (anodic > 0):
            a number (``self.current_density``) or a UFL field on this mesh.
        creep_supply_A_m2: the part of the stripping current that creep supplies (injects nothing).
        degree: Lagrange degree, 1 or 2.
        source: optional volumetric source g of the site fraction (1/s), a UFL expression.
        initial_supersaturation: x / x_eq at t = 0 (uniform).
        options: PETSc KSP options merged into :data:`VACANCY_SOLVER_DEFAULTS`.
    """

    def __init__(
        self,
        meshdata: MeshData,
        transport: VacancyTransport,
        *,
        injection_facet: str = "li_sse",
        cell_region: str | None = None,
        temperature_K: float = ROOM_TEMPERATURE_K,
        pressure_Pa: Scalar = 0.0,
        current_density_A_m2: Scalar = 0.0,
        creep_supply_A_m2: float = 0.0,
        degree: int = 1,
        source: ufl.core.expr.Expr | None = None,
        initial_supersaturation: float = 1.0,
        options: dict[str, Any] | None = None,
    ) -> None:
        check_choice("degree", degree, (1, 2))
        check_range("temperature_K", temperature_K, 0.0, 453.69, unit="K")  # below the melting point of Li
        check_range("creep_supply_A_m2", creep_supply_A_m2, 0.0, math.inf, low_inclusive=True, unit="A/m2")
        check_positive("initial_supersaturation", initial_supersaturation)
        if isinstance(pressure_Pa, int | float):
            check_range("pressure_Pa", pressure_Pa, -1e9, 1e9, unit="Pa")
        facet_id = meshdata.facet_id(injection_facet)
        if cell_region is not None:
            meshdata = extract_cells(meshdata, (cell_region,))
        self.meshdata = meshdata
        self.transport = transport
        mesh = meshdata.mesh
        self.mesh = mesh
        self.comm: MPI.Comm = mesh.comm
        self.time_s = 0.0
        self.x_ref = transport.equilibrium_site_fraction(temperature_K)

        self.V = dolfinx.fem.functionspace(mesh, ("Lagrange", degree))
        self.u = dolfinx.fem.Function(self.V, name="vacancy_site_fraction_scaled")
        self.u_old = dolfinx.fem.Function(self.V)
        self.temperature = dolfinx.fem.Constant(mesh, PETSc.ScalarType(temperature_K))
        self.diffusivity = dolfinx.fem.Constant(mesh, PETSc.ScalarType(0.0))
        self.sink_rate = dolfinx.fem.Constant(mesh, PETSc.ScalarType(0.0))
        self.inv_dt = dolfinx.fem.Constant(mesh, PETSc.ScalarType(0.0))
        pressure, self.pressure = _as_constant(mesh, pressure_Pa, "pressure_Pa")
        current, self.current_density = _as_constant(mesh, current_density_A_m2, "current_density_A_m2")
        self.creep_supply = dolfinx.fem.Constant(mesh, PETSc.ScalarType(creep_supply_A_m2))
        self._set_coefficients(temperature_K)

        T = self.temperature
        thermal = transport.formation_entropy_k - transport.formation_energy_eV / (BOLTZMANN_EV_PER_K * T)
        mechanical = pressure * transport.formation_volume_m3_mol / (GAS_CONSTANT_J_PER_MOL_K * T)
        #: x_eq(T, p) / x_ref (UFL)
        self.equilibrium = ufl.exp(thermal - mechanical) / self.x_ref
        #: injection flux J / x_ref (m/s): the site-fraction flux into Li over x_ref
        excess = ufl.max_value(current - self.creep_supply, 0.0)
        self.injection = transport.injection_fraction * excess * LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL
        self.injection = self.injection / self.x_ref
        self.supersaturation = self.u / self.equilibrium

        ds = ufl.Measure("ds", domain=mesh, subdomain_data=meshdata.facet_tags)
        self._ds = ds(facet_id)
        self._facet_id = facet_id
        u, w = ufl.TrialFunction(self.V), ufl.TestFunction(self.V)
        D, k = self.diffusivity, self.sink_rate
        a = self.inv_dt * u * w * ufl.dx + D * ufl.inner(ufl.grad(u), ufl.grad(w)) * ufl.dx + k * u * w * ufl.dx
        rhs = self.inv_dt * self.u_old * w * ufl.dx + k * self.equilibrium * w * ufl.dx + self.injection * w * self._ds
        self._source = None if source is None else source / self.x_ref
        if self._source is not None:
            rhs += self._source * w * ufl.dx
        self._a, self._L = dolfinx.fem.form(a), dolfinx.fem.form(rhs)
        self._A = dolfinx.fem.petsc.create_matrix(self._a)
        self._b = create_vector(self._L)
        self._matrix_key: tuple[float, ...] | None = None
        self.prefix = unique_prefix("vacancy")
        self._ksp = PETSc.KSP().create(self.comm)
        self._ksp.setOptionsPrefix(self.prefix)
        apply_options(self.prefix, _solver_options(options))
        self._ksp.setOperators(self._A)
        self._ksp.setFromOptions()

        x_ref = self.x_ref
        zero = dolfinx.fem.Constant(mesh, PETSc.ScalarType(0.0))
        self._rates = {
            "injected": dolfinx.fem.form(x_ref * self.injection * self._ds),
            "annihilated": dolfinx.fem.form(x_ref * k * (self.u - self.equilibrium) * ufl.dx),
            "sourced": dolfinx.fem.form(x_ref * (self._source if self._source is not None else zero) * ufl.dx),
        }
        self._content = dolfinx.fem.form(x_ref * self.u * ufl.dx)
        self._facet_area = self._assemble(dolfinx.fem.form(1.0 * self._ds))
        if self._facet_area <= 0.0:
            raise ParameterError(f"injection_facet {injection_facet!r} has no facets on the Li mesh")
        s_crit = transport.critical_supersaturation
        self._mean_s = dolfinx.fem.form(self.supersaturation * self._ds)
        self._nucleating = dolfinx.fem.form(ufl.conditional(ufl.gt(self.supersaturation, s_crit), 1.0, 0.0) * self._ds)
        self._s_field = dolfinx.fem.Function(self.V, name="vacancy_supersaturation")
        self._s_expr = dolfinx.fem.Expression(self.supersaturation, interpolation_points(self.V))
        fdim = mesh.topology.dim - 1
        facets = meshdata.facet_tags.find(facet_id)
        self._facet_dofs = dolfinx.fem.locate_dofs_topological(self.V, fdim, facets)

        self.set_initial_supersaturation(initial_supersaturation)

    # -- inputs ---------------------------------------------------------------------------------------
    def _set_coefficients(self, temperature_K: float) -> None:
        self.temperature.value = temperature_K
        self.diffusivity.value = self.transport.vacancy_diffusivity(temperature_K)
        self.sink_rate.value = self.transport.sink_rate(temperature_K)

    def set_temperature(self, temperature_K: float) -> None:
        """Change the (uniform) temperature: D_v, k and x_eq follow."""
        check_range("temperature_K", temperature_K, 0.0, 453.69, unit="K")
        self._set_coefficients(temperature_K)

    def set_initial_supersaturation(self, supersaturation: float) -> None:
        """x = s x_eq(T, p) everywhere; resets time and the accounting."""
        init = dolfinx.fem.Expression(supersaturation * self.equilibrium, interpolation_points(self.V))
        self.u.interpolate(init)
        self.u.x.scatter_forward()
        self.u_old.x.array[:] = self.u.x.array
        self.time_s = 0.0
        self._initial_content = self._assemble(self._content)
        self._totals = dict.fromkeys(self._rates, 0.0)

    # -- solves ---------------------------------------------------------------------------------------
    def _assemble(self, form: dolfinx.fem.Form) -> float:
        return self.comm.allreduce(float(dolfinx.fem.assemble_scalar(form)), op=MPI.SUM)

    def _solve(self) -> int:
        key = (float(self.inv_dt.value), float(self.diffusivity.value), float(self.sink_rate.value))
        if key != self._matrix_key:
            self._A.zeroEntries()
            dolfinx.fem.petsc.assemble_matrix(self._A, self._a)
            self._A.assemble()
            self._ksp.setOperators(self._A)
            self._matrix_key = key
        with self._b.localForm() as local:
            local.set(0.0)
        dolfinx.fem.petsc.assemble_vector(self._b, self._L)
        self._b.ghostUpdate(addv=PETSc.InsertMode.ADD, mode=PETSc.ScatterMode.REVERSE)
        self._ksp.solve(self._b, self.u.x.petsc_vec)
        self.u.x.scatter_forward()
        return self._ksp.getIterationNumber()

    def step(self, dt_s: float) -> VacancyStep:
        """Advance one backward-Euler step of ``dt_s`` seconds with the current inputs."""
        check_positive("dt_s", dt_s, "s")
        self.inv_dt.value = 1.0 / dt_s
        iterations = self._solve()
        for name, rate in self._rates.items():
            self._totals[name] += dt_s * self._assemble(rate)
        self.u_old.x.array[:] = self.u.x.array
        self.time_s += dt_s
        return self.state(dt_s, iterations)

    def solve_steady(self) -> VacancyStep:
        """The steady state for the current inputs (needs sinks: refused without)."""
        if self.transport.sink_spacing_m is None:
            raise ParameterError("sink_spacing_m = None: the steady state needs sinks (no steady state without)")
        self.inv_dt.value = 0.0
        iterations = self._solve()
        self.u_old.x.array[:] = self.u.x.array
        return self.state(math.inf, iterations)

    # -- results --------------------------------------------------------------------------------------
    def supersaturation_field(self) -> dolfinx.fem.Function:
        """x / x_eq(T, p) interpolated into the solution space."""
        self._s_field.interpolate(self._s_expr)
        self._s_field.x.scatter_forward()
        return self._s_field

    def site_fraction(self) -> dolfinx.fem.Function:
        """The vacancy site fraction x as a new Function (the unknown times x_ref)."""
        x = dolfinx.fem.Function(self.V, name="vacancy_site_fraction")
        x.x.array[:] = self.u.x.array * self.x_ref
        return x

    def fields(self) -> list[dolfinx.fem.Function]:
        """Output fields (VTX): the site fraction x and the supersaturation x / x_eq."""
        return [self.site_fraction(), self.supersaturation_field()]

    def max_interface_supersaturation(self) -> float:
        """Largest x / x_eq at the injection-facet dofs (global)."""
        values = self.supersaturation_field().x.array[self._facet_dofs]
        local = float(values.max()) if values.size else -math.inf
        return self.comm.allreduce(local, op=MPI.MAX)

    def state(self, dt_s: float = 0.0, krylov_iterations: int = 0) -> VacancyStep:
        """Global state now (see :class:`VacancyStep`)."""
        stored = self._assemble(self._content) - self._initial_content
        injected, annihilated, sourced = (self._totals[k] for k in ("injected", "annihilated", "sourced"))
        return VacancyStep(
            time_s=self.time_s,
            dt_s=dt_s,
            max_interface_supersaturation=self.max_interface_supersaturation(),
            mean_interface_supersaturation=self._assemble(self._mean_s) / self._facet_area,
            nucleating_area_fraction=self._assemble(self._nucleating) / self._facet_area,
            injected_m3=injected,
            annihilated_m3=annihilated,
            sourced_m3=sourced,
            stored_m3=stored,
            balance_error_m3=injected + sourced - annihilated - stored,
            krylov_iterations=krylov_iterations,
        )

    @property
    def interface_area_m2(self) -> float:
        """Area (m2; length in 2D) of the injection facets."""
        return self._facet_area

    def destroy(self) -> None:
        """Free the PETSc objects."""
        for obj in (self._ksp, self._A, self._b):
            obj.destroy()
