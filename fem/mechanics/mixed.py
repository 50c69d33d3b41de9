"""Mixed displacement-pressure mechanics: locking-free creep of Li on P1 tetrahedra.

In a long backward-Euler creep step the deviatoric tangent 2 G z of Li is
tiny next to its bulk modulus K (z = sigma_eq / q_trial << 1, see
fem.mechanics.constitutive): the increment is nearly incompressible and
displacement-only P1 tetrahedra lock.  Here a pressure is a second unknown,
equal-order P1-P1, stabilised by the polynomial pressure projection of
Dohrmann & Bochev (Int. J. Numer. Meth. Fluids 46 (2004) 183; Bochev, Dohrmann
& Gunzburger, SIAM J. Numer. Anal. 44 (2006) 82).  With theta = tr(eps(u) - eps_g),
mu the cell's deviatoric modulus G z and lambda = K - 2 mu / 3 (Herrmann's split:
the displacement keeps the shear-like part 2 mu / 3 of the bulk stiffness, the
pressure p = -lambda theta the rest)::

    int s(u) : eps(v) + (2 mu / 3) theta div v - p div v                       = loads(v)
    int (theta + p / lambda) q + int (1/mu) (p - Pi0 p)(q - Pi0 q)             = 0

s is the return-mapped stress deviator of fem.mechanics.constitutive (2 G z e in
creeping cells, 2 G dev(eps - eps_g) in elastic ones), independent of p, so the
radial return and its state are exactly those of MechanicsProblem; the Cauchy
stress is s + (2 mu / 3) theta I - p I = K theta I + s whenever the constraint
holds pointwise.  Pi0 is the cellwise mean: for P1 the cell mean of p is its
centroid value, so int_K Pi0p Pi0q is the one-point (centroid) rule of int_K p q
and the stabilisation is int p q exactly minus the same at quadrature degree 1.
It is weakly consistent (O(h) on the pressure), parameter-free and scaled like
the Stokes one, so it holds for K / (G z) -> infinity.

mu (cellwise: G times the cell mean of z, clipped below at G min_radial_factor)
is a discretisation weight, not a state: it follows the Newton iterate for the
first ``modulus_updates`` residual evaluations of a step and is then frozen, so
that the rest of the iteration sees an exact (symmetric) Jacobian and converges
quadratically.  Following it to convergence converged only linearly (factor
~0.1 per Newton step, measured); differentiating it made the Jacobian
non-symmetric with a pressure-displacement block ~ 1/z^2 that the block
preconditioner below could not handle (no convergence, measured).  Without the
split (lambda = K, displacement block 2 mu dev only) the block preconditioner
needed up to 14 Newton steps on the benchmark (measured): the displacement block
is then not elliptic enough for the split's AMG.

Linear algebra: the symmetric saddle-point Jacobian [[A, B^T], [B, -C]] is
solved by FGMRES (modified Gram-Schmidt: classical Gram-Schmidt stagnated at a
relative residual ~1e-8) with a PETSc fieldsplit Schur factorisation (upper):
GAMG V-cycles on the displacement block (block size 3, rigid-body near-nullspace)
and for the Schur complement -(C + B A^-1 B^T) the pressure mass matrix weighted by
-(1/mu + 1/lambda) (spectrally equivalent for Stokes-like blocks; Elman,
Silvester & Wathen, Finite Elements and Fast Iterative Solvers, 2014, ch. 4),
a few Jacobi-CG iterations (:data:`MIXED_NEWTON_DEFAULTS`).  The pressure unknown
is scaled by E_max and all rows by 1 / (E_max L^2) so that the blocks are O(1) and
the Jacobian symmetric.

Limitation: the pressure is continuous over the whole mesh, but the pressure
p = -(K - 2 mu / 3) theta jumps across an interface between regions (Li | LPSCl):
there the answers converge at first order only (the layered benchmark's top
displacement: 1.4 % from the exact P1 displacement answer at 2 boxes per side,
0.7 % at 4, 0.24 % at 12; tests/test_mechanics_mixed.py).  A pressure
discontinuous across regions (or mixed only in the creeping regions) would
remove that; not done.

Not supported (refused): Anand regions (not verified here), extra residuals
(penalty contact), degree other than 1, materials with Poisson ratio <= 0
(lambda must stay positive).  ``save_state`` keeps the displacement and creep
state; the pressure is recomputed by the next step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import basix.ufl
import dolfinx
import dolfinx.fem.petsc
import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem._compat import collapse
from fem.materials import AnandViscoplasticity, CreepingSolid, MechanicalMaterial
from fem.mechanics.boundary import BoundaryCondition
from fem.mechanics.constitutive import consistent_tangent, creep_stress, elastic_stress, strain
from fem.mechanics.problem import MechanicsProblem
from fem.mechanics.solver_setup import GAMG_ELASTICITY, MECHANICS_NEWTON_DEFAULTS, rigid_body_modes
from fem.mesh_io import MeshData
from fem.validation import ParameterError, check_range

__all__ = ["MIXED_NEWTON_DEFAULTS", "MixedMechanicsProblem"]

#: Newton as MECHANICS_NEWTON_DEFAULTS; FGMRES (right preconditioning, true residual) with an
#: upper-triangular fieldsplit Schur factorisation: three GAMG V-cycles
#: (fem.mechanics.solver_setup.GAMG_ELASTICITY) on the displacement block and, for the Schur
#: complement, at most 5 Jacobi-CG iterations (rtol 1e-3) on the weighted pressure mass matrix
#: (PCKSP on the preconditioning matrix, not on the Schur complement itself).  Measured on
#: studies/benchmarks/mechanics.py (1.7e4 dofs, FGMRES iterations per Newton step of a creep step /
#: V-cycles per Newton step): full factorisation, one V-cycle, one Jacobi sweep 26 / 52; these
#: defaults 14.5 / 44 and the fastest of: full with 1 or 2 V-cycles and the mass-matrix CG 18 / 36,
#: 15.5 / 62; upper with 2 V-cycles 17 / 34; a Schur solve by CG on the Schur complement itself
#: 7 FGMRES iterations but ~14 V-cycles each (at 1.4e5 dofs its creep step took 21 bare elastic
#: solves of the same run against 12 with these defaults; wall times on the loaded machine, load
#: 4-7 on 2 cores, were too noisy to rank the others); exact (LU) blocks 10.
#: Unsmoothed aggregation (fieldsplit_u_pc_gamg_agg_nsmooths 0) was 1.7x faster at 1.7e4 dofs with
#: 15.75 iterations per Newton step (GAMG's Galerkin products are a third of the time); not adopted
#: to keep the 15-iteration target, not measured at 1e5.
MIXED_NEWTON_DEFAULTS: dict[str, Any] = {
    **{key: value for key, value in MECHANICS_NEWTON_DEFAULTS.items() if not key.startswith("pc_")},
    "ksp_type": "fgmres",
    "ksp_gmres_restart": 200,
    "ksp_gmres_modifiedgramschmidt": None,  # classical Gram-Schmidt stagnated at a relative residual ~1e-8
    "pc_type": "fieldsplit",
    "pc_fieldsplit_type": "schur",
    "pc_fieldsplit_schur_fact_type": "upper",
    "fieldsplit_u_ksp_type": "richardson",
    "fieldsplit_u_ksp_max_it": 3,
    "fieldsplit_u_ksp_norm_type": "none",
    **{f"fieldsplit_u_{key}": value for key, value in GAMG_ELASTICITY.items()},
    "fieldsplit_p_ksp_type": "preonly",
    "fieldsplit_p_pc_type": "ksp",
    "fieldsplit_p_ksp_ksp_type": "cg",
    "fieldsplit_p_ksp_ksp_max_it": 5,
    "fieldsplit_p_ksp_ksp_rtol": 1e-3,
    "fieldsplit_p_ksp_pc_type": "jacobi",
}


class MixedMechanicsProblem(MechanicsProblem):
    """:class:`~fem.mechanics.problem.MechanicsProblem` in the mixed P1-P1 displacement-pressure form.

    Same arguments, loads, state, stepping and results as MechanicsProblem
    (``u`` is the displacement Function on its own P1 space, kept in step with
    the mixed unknown; temperature_K, growth_strain, tractions, body_force and
    quadrature_degree by keyword); further:

    Args:
        min_radial_factor: lower clip of z in the modulus mu = G z of the split and the
            stabilisation (dimensionless, (0, 1]); only guards against underflow.
        modulus_updates: residual evaluations per step during which mu follows the
            iterate (>= 1); frozen afterwards.

    Attributes:
        W: the mixed space (P1^3 x P1); ``w`` its Function (u, p / E_max).
        pressure: the pressure unknown p = -(K - 2 mu / 3) tr(eps - eps_g) (Pa) on the
            collapsed P1 pressure space (the mean stress is -p + (2 mu / 3) tr(eps - eps_g)).
    """

    def __init__(
        self,
        meshdata: MeshData,
        materials: Mapping[str, MechanicalMaterial],
        boundary_conditions: Sequence[BoundaryCondition] = (),
        *,
        degree: int = 1,
        petsc_options: dict[str, Any] | None = None,
        extra_residuals: Sequence[Callable[[Any, Any], Any]] = (),
        min_radial_factor: float = 1e-12,
        modulus_updates: int = 3,
        **kwargs: Any,
    ) -> None:
        if degree != 1:
            raise ParameterError(f"degree = {degree}: the mixed P1-P1 formulation supports degree 1 only")
        if extra_residuals:
            raise ParameterError("extra_residuals (e.g. penalty contact) are not supported by the mixed formulation")
        for name, material in materials.items():
            elastic = material.elastic if isinstance(material, CreepingSolid) else material
            if elastic.poisson_ratio <= 0.0:
                raise ParameterError(
                    f"region {name!r}: Poisson ratio {elastic.poisson_ratio} <= 0; the mixed formulation needs (0, 0.5)"
                )
            if isinstance(material, CreepingSolid) and isinstance(material.creep, AnandViscoplasticity):
                raise ParameterError(
                    f"region {name!r}: Anand viscoplasticity is not supported by the mixed formulation"
                )
        self._modulus_updates_left = 0
        self.modulus_updates = int(
            check_range("modulus_updates", modulus_updates, 1, 50, low_inclusive=True, high_inclusive=True)
        )
        self._min_z = check_range("min_radial_factor", min_radial_factor, 0.0, 1.0, high_inclusive=True)
        options = {**MIXED_NEWTON_DEFAULTS, **(petsc_options or {})}
        if options.get("pc_type") != "fieldsplit":  # e.g. a direct solve: no split reads these
            options = {key: value for key, value in options.items() if not key.startswith("fieldsplit_")}
        self._fieldsplit_is: list[PETSc.IS] = []
        self._schur_pre: PETSc.Mat | None = None
        self._split_nullspace: PETSc.NullSpace | None = None
        super().__init__(meshdata, materials, boundary_conditions, degree=1, petsc_options=options, **kwargs)

    # -- spaces and forms -------------------------------------------------
    def _make_spaces(self, degree: int) -> None:
        mesh = self.meshdata.mesh
        cell = mesh.basix_cell()
        element_u = basix.ufl.element("Lagrange", cell, 1, shape=(3,))
        element_p = basix.ufl.element("Lagrange", cell, 1)
        self.W = dolfinx.fem.functionspace(mesh, basix.ufl.mixed_element([element_u, element_p]))
        self.w = dolfinx.fem.Function(self.W, name="displacement_pressure")
        self.V, self._u_map = collapse(self.W.sub(0))
        self.P, self._p_map = collapse(self.W.sub(1))
        self.u = dolfinx.fem.Function(self.V, name="displacement_m")
        self._u_old = dolfinx.fem.Function(self.V)
        self.pressure = dolfinx.fem.Function(self.P, name="pressure_Pa")
        self._p_old = np.zeros(self._p_map.size)  # scaled pressure p / E_max, accepted
        self._modulus = dolfinx.fem.Function(
            dolfinx.fem.functionspace(mesh, ("DG", 0)), name="stabilisation_modulus_Pa"
        )
        self._unknown = self.w
        self._bc_space = self.W.sub(0)

    def _test_and_trial(self) -> tuple[Any, Any]:
        v, self._q = ufl.TestFunctions(self.W)
        du, self._p_trial = ufl.TrialFunctions(self.W)
        return v, du

    def _pressure_measures(self) -> tuple[ufl.Measure, ufl.Measure]:
        """Exact (degree 2, at least the state's) and centroid (degree 1) cell measures with the region tags.

        Same metadata keys as the state's measure: integrals over one region whose metadata differ only
        in keys (not in the rule) lost one of them in assembly (DOLFINx 0.9, measured).
        """
        mesh, tags = self.meshdata.mesh, self.meshdata.cell_tags

        def measure(degree: int) -> ufl.Measure:
            metadata = {"quadrature_degree": degree, "quadrature_scheme": "default"}
            return ufl.Measure("dx", domain=mesh, subdomain_data=tags, metadata=metadata)

        return measure(max(2, self.quadrature_degree)), measure(1)

    def _bulk_forms(self, v: Any, du: Any, e_max: float) -> tuple[Any, Any]:
        u, p = ufl.split(self.w)  # p is scaled: pressure / e_max
        q, dp = self._q, self._p_trial
        self._e_max = float(e_max)
        E = dolfinx.fem.Constant(self.meshdata.mesh, self._e_max)
        mu = self._modulus
        exact, centroid = self._pressure_measures()
        residual = 0
        jacobian = 0
        schur = 0
        P_trial, P_test = ufl.TrialFunction(self.P), ufl.TestFunction(self.P)
        for region in self.regions:
            dx, dxe, dx1 = self._dx(region.tag), exact(region.tag), centroid(region.tag)
            if region.creep is None:
                s = elastic_stress(strain(u) - region.growth, 0.0, region.G)
                ds = elastic_stress(strain(du), 0.0, region.G)
            else:
                s = creep_stress(u, 0.0, region.G, self.z, self._creep_strain_old, region.growth)
                ds = consistent_tangent(strain(du), 0.0, region.G, self.z, self.gamma, self.direction)
            theta = ufl.tr(strain(u) - region.growth)
            lam = region.K - 2.0 * mu / 3.0  # the pressure carries K - 2 mu / 3, the displacement 2 mu / 3
            compliance = E * E / lam  # E^2 / lambda and E^2 / mu: the scaled pressure's weights
            stab = E * E / mu
            residual += (
                ufl.inner(s, strain(v)) * dx
                + 2.0 * mu / 3.0 * theta * ufl.div(v) * dx
                - E * p * ufl.div(v) * dx
                - E * theta * q * dxe
                - (compliance + stab) * p * q * dxe
                + stab * p * q * dx1
            )
            jacobian += (
                ufl.inner(ds, strain(v)) * dx
                + 2.0 * mu / 3.0 * ufl.div(du) * ufl.div(v) * dx
                - E * dp * ufl.div(v) * dx
                - E * ufl.div(du) * q * dx
                - (compliance + stab) * dp * q * dxe
                + stab * dp * q * dx1
            )
            schur -= (compliance + stab) * P_trial * P_test * dxe
        self._schur_form = schur
        return residual, jacobian

    # -- linear algebra ---------------------------------------------------
    def _configure_linear_solver(self, options: Mapping[str, Any], volume: float) -> None:
        comm = self.meshdata.mesh.comm
        cells = comm.allreduce(self.meshdata.mesh.topology.index_map(3).size_local, op=MPI.SUM)
        # Dirichlet rows on the scale of the scaled elastic stiffness (~ h / L^2), as for GAMG in MechanicsProblem
        self.solver.bc_diagonal = (volume / cells) ** (1.0 / 3.0) / volume ** (2.0 / 3.0)
        self._nullspace = rigid_body_modes(self.V)
        self._update_modulus()
        if options.get("pc_type") != "fieldsplit":
            return
        index_map = self.W.dofmap.index_map
        owned = index_map.size_local * self.W.dofmap.index_map_bs
        first = index_map.local_range[0] * self.W.dofmap.index_map_bs
        for name, space, dofs in (("u", self.V, self._u_map), ("p", self.P, self._p_map)):
            local = dofs[: space.dofmap.index_map.size_local * space.dofmap.index_map_bs]
            if local.size and local.max() >= owned:
                raise RuntimeError("a collapsed subspace owns a dof its parent does not: fieldsplit needs owned rows")
            order = np.argsort(local, kind="stable")  # PCFieldSplit wants sorted index sets
            index_set = PETSc.IS().createGeneral((first + local[order]).astype(PETSc.IntType), comm=comm)
            if name == "u":
                self._attach_rigid_body_modes(index_set, order)
            elif not np.array_equal(order, np.arange(order.size)):
                raise RuntimeError("the pressure dofs of the mixed space are not in the collapsed space's order")
            self._fieldsplit_is.append(index_set)
        pc = self.solver.snes.getKSP().getPC()
        pc.setFieldSplitIS(("u", self._fieldsplit_is[0]), ("p", self._fieldsplit_is[1]))
        scale = 1.0 / (self._e_max * volume ** (2.0 / 3.0))
        self._schur_compiled = dolfinx.fem.form(scale * self._schur_form)
        self._schur_pre = dolfinx.fem.petsc.create_matrix(self._schur_compiled)
        pc.setFieldSplitSchurPreType(PETSc.PC.FieldSplitSchurPreType.USER, self._schur_pre)
        self.solver.on_matrix = self._assemble_schur_preconditioner

    def _attach_rigid_body_modes(self, index_set: PETSc.IS, order: np.ndarray) -> None:
        """Block size 3 and the rigid-body modes (permuted to the split's order) for the displacement split.

        The dofs of one vertex are consecutive in the mixed space (checked on every rank together); the
        modes of the collapsed space V, permuted like the sorted index set, become the split matrix's
        near-nullspace through the index set ("nearnullspace", read by PCFieldSplit).
        """
        comm = self.meshdata.mesh.comm
        triples = order.reshape(-1, 3)
        blocked = bool(
            np.all(
                (triples[:, 0] % 3 == 0) & (triples[:, 1] == triples[:, 0] + 1) & (triples[:, 2] == triples[:, 0] + 2)
            )
        )
        if not comm.allreduce(blocked, op=MPI.LAND):
            return  # unblocked: the split's AMG runs without block size and modes
        index_set.setBlockSize(3)
        vectors = []
        for mode in self._nullspace.getVecs():
            vector = mode.duplicate()
            vector.setArray(mode.getArray(readonly=True)[order])
            vectors.append(vector)
        self._split_nullspace = PETSc.NullSpace().create(vectors=vectors, comm=comm)
        index_set.compose("nearnullspace", self._split_nullspace)

    def _assemble_schur_preconditioner(self, _jacobian: PETSc.Mat) -> None:
        """-(1/mu + 1/(K - 2 mu / 3)) times the pressure mass matrix (scaled), at the Jacobian's iterate."""
        self._schur_pre.zeroEntries()
        dolfinx.fem.petsc.assemble_matrix(self._schur_pre, self._schur_compiled)
        self._schur_pre.assemble()

    # -- state ------------------------------------------------------------
    def _update_state(self, u: dolfinx.fem.Function | None = None) -> None:
        """Displacement and pressure from the mixed iterate, the radial return, then mu = G z per cell."""
        self._split_unknown()
        super()._update_state(self.u)
        if self._modulus_updates_left > 0:  # then frozen for the rest of the step (see the module docstring)
            self._modulus_updates_left -= 1
            self._update_modulus()

    def _split_unknown(self) -> None:
        self.u.x.array[:] = self.w.x.array[self._u_map]
        self.pressure.x.array[:] = self._e_max * self.w.x.array[self._p_map]

    def _update_modulus(self) -> None:
        """mu = G z (cell mean of z over the state's points, clipped below at G min_radial_factor)."""
        dofmap = self._modulus.function_space.dofmap.list
        for region in self.regions:
            G = float(region.G.value)
            cells = dofmap[region.cells, 0]
            if region.creep is None or region.cells.size == 0:
                self._modulus.x.array[cells] = G
            else:
                z = self.z.x.array[region.dofs].mean(axis=1)
                self._modulus.x.array[cells] = G * np.maximum(z, self._min_z)
        self._modulus.x.scatter_forward()

    def _set_initial_guess(self, displacement: np.ndarray) -> None:
        self._modulus_updates_left = self.modulus_updates
        self.w.x.array[self._u_map] = displacement
        self.w.x.array[self._p_map] = self._p_old
        for bc in self.bcs:
            bc.set(self.w.x.array)
        self.w.x.scatter_forward()

    def _accept(self) -> None:
        super()._accept()
        self._p_old[:] = self.w.x.array[self._p_map]

    def _restore(self) -> None:
        super()._restore()
        self.w.x.array[self._u_map] = self.u.x.array
        self.w.x.array[self._p_map] = self._p_old
        self._split_unknown()
        self._update_modulus()  # z = 1 after a restore: mu = G

    # -- results ----------------------------------------------------------
    def stress(self, region: str) -> Any:
        """UFL Cauchy stress (Pa): deviator from the displacement and creep state, (2 mu / 3) theta I - p I."""
        reg = self._region(region)
        eps = strain(self.u) - reg.growth
        deviator = elastic_stress(eps - (0 if reg.creep is None else self.creep_strain), 0.0, reg.G)
        return deviator + (2.0 * self._modulus / 3.0 * ufl.tr(eps) - self.pressure) * ufl.Identity(3)

    @property
    def num_dofs(self) -> int:
        return self.W.dofmap.index_map.size_global * self.W.dofmap.index_map_bs

    def destroy(self) -> None:
        super().destroy()
        for index_set in self._fieldsplit_is:
            index_set.destroy()
        for obj in (self._schur_pre, self._split_nullspace):
            if obj is not None:
                obj.destroy()
