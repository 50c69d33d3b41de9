"""Unilateral contact of Li against a rigid electrolyte whose surface the Li is stripped from.

The electrolyte (LPSCl E ~ 24 GPa, LLZO ~ 150 GPa) is far stiffer than Li
creeping at a few MPa, so it is a rigid obstacle here.  Stripping removes a
layer of depth s(x) (m) from the Li surface, so the Li material point X on the
interface Gamma (outward normal n, pointing into the electrolyte) sits at
X - s n + u.  Its penetration into the electrolyte is::

    d = u . n - s          (d > 0 would overlap the electrolyte; -d is the gap)

Contact is enforced with a normal penalty (Wriggers, Computational Contact
Mechanics, 2nd ed., 2006, sec. 6.2): the electrolyte pushes back with the
contact pressure p_c = k_n <d>_+ and the virtual work adds
int_Gamma k_n <d>_+ (v . n) ds.  The penalty stiffness k_n = c E / h (c the
penalty factor, E Li's Young's modulus, h the smallest interface element size)
makes the penetration p_c / k_n at a few MPa about 1e-10 m, four orders below the
depths that matter; Newton treats <.>_+ as semismooth (its derivative is the
active-set indicator).

Alternatively (:class:`BoundContact`, for a planar interface normal to x, y or z)
the constraint is imposed exactly, as bounds on the normal displacement dofs of
the interface, u . n <= s, solved by PETSc's reduced-space active-set Newton
for variational inequalities (SNES ``vinewtonrsls``; Benson & Munson, Optim.
Methods Softw. 21 (2006) 155): each linear solve is the creep tangent on the
dofs off the active set, with no penalty stiffness in it, so its conditioning
is that of the creep problem alone.  The contact pressure is then the reaction
of the constraint (the residual at the bound dofs, tested with P1 functions and
divided by the lumped interface mass).

A node is "in contact" when its gap s - u . n is at most ``gap_tolerance_m``
(1 nm default, a few atomic layers: ions do not cross a wider gap); the
current problem then sees contact there.  The contact state is an output of
the mechanics, so voids open where creep cannot follow the receding surface
and close where it catches up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import dolfinx
import numpy as np
import ufl
from mpi4py import MPI
from petsc4py import PETSc

from fem.interface import InterfaceSpace, assemble_nodal
from fem.validation import ParameterError, check_choice, check_positive

__all__ = ["CONTACT_METHODS", "RigidContact", "PenaltyContact", "BoundContact", "planar_interface_axis"]

#: How contact is enforced: exact bounds (planar axis-aligned interfaces), a penalty, or bounds where possible.
CONTACT_METHODS = ("auto", "bounds", "penalty")


@dataclass(frozen=True, slots=True)
class RigidContact:
    """Contact settings.

    Attributes:
        facets: the Li facet region that touches the electrolyte (li_sse).
        penalty_factor: c in k_n = c E / h (dimensionless, > 0; penalty method only).
        gap_tolerance_m: largest gap (m) still counted as contact.
        method: "penalty" (:class:`PenaltyContact`, any interface; the default, with which the
            studies were verified), "bounds" (:class:`BoundContact`: exact, planar axis-aligned
            interfaces only) or "auto" (bounds where the interface allows them, else the penalty).
            Measured side by side in studies.benchmarks.stripping (README).
    """

    facets: str = "li_sse"
    penalty_factor: float = 10.0
    gap_tolerance_m: float = 1e-9
    method: str = "penalty"

    def __post_init__(self) -> None:
        check_positive("penalty_factor", self.penalty_factor)
        check_positive("gap_tolerance_m", self.gap_tolerance_m, "m")
        check_choice("method", self.method, CONTACT_METHODS)


def _min_facet_size(interface: InterfaceSpace) -> float:
    """sqrt(2 x smallest lumped mass) ~ the smallest interface element edge (m)."""
    return float(np.sqrt(2.0 * interface.min_lumped_mass()))


#: The first iterate's overshoot past the moved surface, in gap tolerances (see BoundContact.initial_guess);
#: PETSc's "on the bound" tolerance is 1e-6 gap tolerances (BoundContact.attach).
_GUESS_MARGIN = 1e-4


def planar_interface_axis(interface: InterfaceSpace) -> tuple[int, float] | None:
    """(axis, sign) when every node of ``interface`` has the outward normal sign * e_axis, else None (global)."""
    normals = interface.normals
    axes = np.argmax(np.abs(normals), axis=1) if len(normals) else np.zeros(0, dtype=int)
    signs = np.sign(normals[np.arange(len(normals)), axes]) if len(normals) else np.zeros(0)
    aligned = len(normals) == 0 or bool(np.all(np.abs(np.abs(normals[np.arange(len(normals)), axes]) - 1.0) < 1e-8))
    comm = interface.comm
    keys = {(int(a), float(sg)) for a, sg in zip(axes, signs, strict=True)}
    every = comm.allgather((aligned, keys))
    all_keys = set().union(*(k for _, k in every))
    if not all(flag for flag, _ in every) or len(all_keys) != 1:
        return None
    return all_keys.pop()


class _NodalGap:
    """Gap and contact state at the interface nodes, shared by both contact methods."""

    def __init__(self, interface: InterfaceSpace, settings: RigidContact) -> None:
        self.interface = interface
        self.settings = settings
        mesh = interface.meshdata.mesh
        self.stripped_depth = interface.function("stripped_depth_m")
        self._vertex_space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1, (mesh.geometry.dim,)))
        self._vertex_displacement = dolfinx.fem.Function(self._vertex_space)

    def nodal_gap(self, u: dolfinx.fem.Function) -> np.ndarray:
        """Gap s - u . n (m) at the interface nodes (negative: a penetration)."""
        self._vertex_displacement.interpolate(u)
        u_nodes = self._vertex_displacement.x.array.reshape(-1, 3)[self.interface.dofs]
        s = self.stripped_depth.x.array[self.interface.dofs]
        return s - np.einsum("ij,ij->i", u_nodes, self.interface.normals)

    def nodal_contact(self, u: dolfinx.fem.Function) -> np.ndarray:
        """1.0 at interface nodes in contact (gap <= tolerance), 0.0 at voided nodes."""
        return (self.nodal_gap(u) <= self.settings.gap_tolerance_m).astype(float)


class PenaltyContact(_NodalGap):
    """Penalty contact on ``interface`` (an InterfaceSpace of the Li mesh) against a rigid surface.

    ``stripped_depth`` (P1, m) is the depth s removed from the Li surface; set
    its interface values between mechanics steps.  Pass the object itself to
    fem.mechanics.MechanicsProblem(extra_residuals=[contact]) (it is the callable
    residual and supplies its tangent), and before each step call
    :meth:`predict_active_set`, with :meth:`forget_prediction` as the solver's
    on_matrix hook.
    """

    def __init__(self, interface: InterfaceSpace, youngs_modulus_Pa: float, settings: RigidContact) -> None:
        super().__init__(interface, settings)
        mesh = interface.meshdata.mesh
        stiffness = settings.penalty_factor * youngs_modulus_Pa / _min_facet_size(interface)
        self.stiffness = dolfinx.fem.Constant(mesh, stiffness)
        self.normal = ufl.FacetNormal(mesh)
        #: 1 at nodes taken as active on the first Newton iteration (see :meth:`tangent`).
        self.predicted_active = interface.function("predicted_active")

    @property
    def stiffness_Pa_m(self) -> float:
        return float(self.stiffness.value)

    def penetration(self, u: Any) -> Any:
        """UFL penetration d = u . n - s (m)."""
        return ufl.dot(u, self.normal) - self.stripped_depth

    def contact_pressure(self, u: Any) -> Any:
        """UFL contact pressure k_n <d>_+ (Pa)."""
        d = self.penetration(u)
        return self.stiffness * ufl.conditional(ufl.ge(d, 0.0), d, 0.0)

    def _active(self, u: Any) -> Any:
        """UFL condition: penetrating, or predicted active (first Newton iteration of a step only)."""
        return ufl.Or(ufl.ge(self.penetration(u), 0.0), ufl.gt(self.predicted_active, 0.5))

    def residual(self, u: Any, v: Any) -> Any:
        """Virtual work of the contact pressure (N m): int_Gamma p_c (v . n) ds.

        On the first Newton iteration of a step, nodes predicted active act as
        bilateral springs k_n d (also for d < 0), consistently with :meth:`tangent`:
        a primal-dual active-set iteration whose first active set is the last
        accepted one (Hintermueller, Ito & Kunisch, SIAM J. Optim. 13 (2002) 865).
        """
        traction = self.stiffness * ufl.conditional(self._active(u), self.penetration(u), 0.0)
        return traction * ufl.dot(v, self.normal) * self.interface.ds

    __call__ = residual

    def tangent(self, u: Any, v: Any, du: Any) -> Any:
        """Semismooth Newton tangent of :meth:`residual`, with the active set predicted on the first iteration.

        After the stripped depth grows by more than the penalty penetration
        (~1e-10 m), the previous step's displacement touches nowhere, and the
        exact tangent at that first iterate has no normal support (singular).
        Until :meth:`forget_prediction` runs (after the first Jacobian), nodes in
        contact at the last accepted state also count as active, in the residual
        as in the tangent.
        """
        normal_du = ufl.conditional(self._active(u), ufl.dot(du, self.normal), 0.0)
        return self.stiffness * normal_du * ufl.dot(v, self.normal) * self.interface.ds

    #: No overrides of the stripping loop's Newton options.
    newton_options: dict[str, Any] = {}  # noqa: RUF012 (read only)

    # -- the protocol of the stripping loop (shared with BoundContact) -------------------
    def extra_residuals(self) -> list[Any]:
        """The contact's virtual work, for MechanicsProblem(extra_residuals=...)."""
        return [self]

    def attach(self, mechanics: Any) -> None:
        """Hook the exact tangent back in after the first Jacobian of each step (see :meth:`tangent`)."""
        mechanics.solver.on_matrix = self.forget_prediction

    def begin_step(self, u: dolfinx.fem.Function, touching: np.ndarray | None = None) -> None:
        """Predict the first iteration's active set: ``touching`` (nodal 0/1) if given, else the contact at ``u``."""
        self.predict_active_set(u)
        if touching is not None:
            self.predicted_active.x.array[self.interface.dofs] = touching

    def initial_guess(self, guess: np.ndarray | None) -> np.ndarray | None:
        """Newton's first iterate: ``guess`` unchanged (the prediction is in the active set)."""
        return guess

    def set_stripped_depth(self, depth_m: np.ndarray) -> None:
        """Set s (m) at the interface dofs."""
        self.stripped_depth.x.array[self.interface.dofs] = depth_m

    def predict_active_set(self, u: dolfinx.fem.Function) -> None:
        """Take the contact state at ``u`` (the last accepted displacement) as the first iteration's active set."""
        self.predicted_active.x.array[self.interface.dofs] = self.nodal_contact(u)

    def forget_prediction(self, *_: Any) -> None:
        """Back to the exact semismooth tangent (call after the first Jacobian of a step)."""
        self.predicted_active.x.array[:] = 0.0

    def nodal_pressure(self, u: dolfinx.fem.Function) -> np.ndarray:
        """Contact pressure (Pa) at the interface nodes (lumped projection: keeps the total force)."""
        return self.interface.project(self.contact_pressure(u))


class BoundContact(_NodalGap):
    """Exact unilateral contact on a planar interface normal to an axis: bounds u . n <= s on its dofs.

    The interface's outward normal must be sign * e_axis at every node
    (:func:`planar_interface_axis`).  Then u . n <= s is a bound on one
    displacement component per interface dof (an upper bound u_axis <= s for
    sign +1, a lower bound u_axis >= -s for sign -1), imposed at every dof of the
    displacement space on the interface (for P2 also at edge midpoints, where s is
    the P1 interpolant).  :meth:`attach` makes the mechanics Newton solver a
    reduced-space active-set method (SNES ``vinewtonrsls``) with these bounds;
    :meth:`set_stripped_depth` moves them.  Same protocol as :class:`PenaltyContact`.
    """

    def __init__(self, interface: InterfaceSpace, settings: RigidContact) -> None:
        plane = planar_interface_axis(interface)
        if plane is None:
            raise ParameterError(
                f"contact method 'bounds' needs a planar interface {settings.facets!r} normal to x, y or z; "
                "use method='penalty' (or 'auto') for this geometry"
            )
        self.axis, self.sign = plane
        super().__init__(interface, settings)
        self._mechanics: Any = None
        self._touching = np.ones(len(interface.dofs), dtype=bool)

    #: Backtracking line search only: the stripping loop's switch of line search re-reads the SNES
    #: options, which a VI solver's reduced-space KSP does not survive.
    newton_options: dict[str, Any] = {"snes_linesearch_type": "bt"}  # noqa: RUF012 (read only)

    # -- the protocol of the stripping loop -------------------------------------------
    def extra_residuals(self) -> list[Any]:
        """No virtual work: the constraint is in the solver's bounds."""
        return []

    def attach(self, mechanics: Any) -> None:
        """Solve ``mechanics`` (a fem.mechanics.MechanicsProblem on the interface's mesh) with the bounds."""
        V = mechanics.V
        fdim = V.mesh.topology.dim - 1
        facets = self.interface.meshdata.facet_tags.find(self.interface.meshdata.facet_id(self.settings.facets))
        sub = V.sub(self.axis)
        collapsed, _ = sub.collapse()
        parent, child = dolfinx.fem.locate_dofs_topological((sub, collapsed), fdim, facets)
        owned = parent < V.dofmap.index_map.size_local * V.dofmap.index_map_bs
        self._bound_dofs, self._depth_dofs = parent[owned], child[owned]
        self._depth = dolfinx.fem.Function(collapsed)
        snes = mechanics.solver.snes
        options = PETSc.Options()
        options[f"{mechanics.solver.prefix}snes_type"] = "vinewtonrsls"  # kept by later setFromOptions
        # a dof is on its bound within this distance (m); PETSc's default assumes O(1) unknowns
        options[f"{mechanics.solver.prefix}snes_vi_zero_tolerance"] = 1e-6 * self.settings.gap_tolerance_m
        snes.setFromOptions()
        self._lower = mechanics.u.x.petsc_vec.duplicate()
        self._upper = mechanics.u.x.petsc_vec.duplicate()
        self._lower.set(PETSc.NINFINITY)
        self._upper.set(PETSc.INFINITY)
        self._mechanics = mechanics
        self._guess = dolfinx.fem.Function(V)  # Newton's first iterate, for its nodal gaps
        self._update_bounds()
        # internal nodal forces tested with P1 functions: the reaction of the constraint (see nodal_pressure)
        test = ufl.TestFunction(self._vertex_space)
        internal = sum(
            ufl.inner(mechanics.stress(name), ufl.sym(ufl.grad(test))) * mechanics.measure(name)
            for name in mechanics.materials
        )
        self._reaction = dolfinx.fem.form(internal)

    def begin_step(self, u: dolfinx.fem.Function, touching: np.ndarray | None = None) -> None:
        """Remember the nodes expected in contact: ``touching`` (nodal 0/1) if given, else the contact at ``u``."""
        self._touching = (self.nodal_contact(u) if touching is None else np.asarray(touching)) > 0.5

    def initial_guess(self, guess: np.ndarray | None) -> np.ndarray:
        """Newton's first iterate from ``guess`` (local displacement values; None: the present u), with the
        expected contact nodes just past the moved surface.

        The active-set solver takes a bound dof as active only if the iterate is on
        the bound and the residual pushes against it.  After the surface recedes by
        ds, the last state touches nowhere and its first Newton step would see a
        free-floating body.  Translating the guess along the normal by the largest
        gap of the expected contact nodes plus a margin (1e-4 of the gap tolerance: any
        positive margin compresses them; a larger one over-strains the creeping layer
        and its first Newton step overshoots into tension) puts them past the bound:
        projected back onto it they are compressed, hence active (a primal-dual
        active-set start from the last contact state, as the penalty method's).
        """
        u = self._mechanics.u
        values = u.x.array.copy() if guess is None else np.asarray(guess, dtype=float).copy()
        self._guess.x.array[:] = values
        gaps = self.nodal_gap(self._guess)[self._touching]
        comm = self.interface.comm
        largest = comm.allreduce(float(np.max(gaps, initial=-np.inf)), op=MPI.MAX)
        if np.isfinite(largest):
            margin = _GUESS_MARGIN * self.settings.gap_tolerance_m
            values.reshape(-1, 3)[:, self.axis] += self.sign * (max(largest, 0.0) + margin)
        return values

    def set_stripped_depth(self, depth_m: np.ndarray) -> None:
        """Set s (m) at the interface dofs and move the bounds with it."""
        self.stripped_depth.x.array[self.interface.dofs] = depth_m
        if self._mechanics is not None:
            self._update_bounds()

    def _update_bounds(self) -> None:
        self.stripped_depth.x.scatter_forward()
        self._depth.interpolate(self.stripped_depth)
        depth = self._depth.x.array[self._depth_dofs]
        bound = self._upper if self.sign > 0 else self._lower
        with bound.localForm() as local:
            local.array[self._bound_dofs] = self.sign * depth
        self._mechanics.solver.snes.setVariableBounds(self._lower, self._upper)

    def nodal_pressure(self, u: dolfinx.fem.Function) -> np.ndarray:
        """Contact pressure (Pa) at the interface nodes: the constraint's reaction, lumped.

        The internal force int sigma : eps(psi_i e_axis) dx of the converged state, tested
        with the P1 hat psi_i of an interface node, is what the constraint must supply,
        -int p_c psi_i n_axis ds (no other load acts on the interface nodes' hats: the
        interface is planar and meets only traction-free or roller facets); divided by
        m_i = int psi_i ds it is the lumped projection of p_c (the total force is kept).
        Off the active set it is the solver's residual (~0).  Evaluated with the
        accepted creep strain, as :meth:`MechanicsProblem.stress`.
        """
        nodal = assemble_nodal(self._reaction, self._vertex_space).reshape(-1, 3)[self.interface.dofs, self.axis]
        return np.maximum(-self.sign * nodal / self.interface.lumped_mass, 0.0)
