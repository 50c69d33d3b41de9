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

from fem.interface import InterfaceSpace
from fem.validation import check_positive

__all__ = ["RigidContact", "PenaltyContact"]


@dataclass(frozen=True, slots=True)
class RigidContact:
    """Contact settings.

    Attributes:
        facets: the Li facet region that touches the electrolyte (li_sse).
        penalty_factor: c in k_n = c E / h (dimensionless, > 0).
        gap_tolerance_m: largest gap (m) still counted as contact.
    """

    facets: str = "li_sse"
    penalty_factor: float = 10.0
    gap_tolerance_m: float = 1e-9

    def __post_init__(self) -> None:
        check_positive("penalty_factor", self.penalty_factor)
        check_positive("gap_tolerance_m", self.gap_tolerance_m, "m")


def _min_facet_size(interface: InterfaceSpace) -> float:
    """sqrt(2 x smallest lumped mass) ~ the smallest interface element edge (m)."""
    return float(np.sqrt(2.0 * interface.min_lumped_mass()))


class PenaltyContact:
    """Penalty contact on ``interface`` (an InterfaceSpace of the Li mesh) against a rigid surface.

    ``stripped_depth`` (P1, m) is the depth s removed from the Li surface; set
    its interface values between mechanics steps.  Pass the object itself to
    fem.mechanics.MechanicsProblem(extra_residuals=[contact]) (it is the callable
    residual and supplies its tangent), and before each step call
    :meth:`predict_active_set`, with :meth:`forget_prediction` as the solver's
    on_matrix hook.
    """

    def __init__(self, interface: InterfaceSpace, youngs_modulus_Pa: float, settings: RigidContact) -> None:
        self.interface = interface
        self.settings = settings
        mesh = interface.meshdata.mesh
        self.stripped_depth = interface.function("stripped_depth_m")
        stiffness = settings.penalty_factor * youngs_modulus_Pa / _min_facet_size(interface)
        self.stiffness = dolfinx.fem.Constant(mesh, stiffness)
        self.normal = ufl.FacetNormal(mesh)
        self._vertex_space = dolfinx.fem.functionspace(mesh, ("Lagrange", 1, (mesh.geometry.dim,)))
        self._vertex_displacement = dolfinx.fem.Function(self._vertex_space)
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

    def predict_active_set(self, u: dolfinx.fem.Function) -> None:
        """Take the contact state at ``u`` (the last accepted displacement) as the first iteration's active set."""
        self.predicted_active.x.array[self.interface.dofs] = self.nodal_contact(u)

    def forget_prediction(self, *_: Any) -> None:
        """Back to the exact semismooth tangent (call after the first Jacobian of a step)."""
        self.predicted_active.x.array[:] = 0.0

    def nodal_gap(self, u: dolfinx.fem.Function) -> np.ndarray:
        """Gap s - u . n (m) at the interface nodes (negative: the penalty penetration)."""
        self._vertex_displacement.interpolate(u)
        u_nodes = self._vertex_displacement.x.array.reshape(-1, 3)[self.interface.dofs]
        s = self.stripped_depth.x.array[self.interface.dofs]
        return s - np.einsum("ij,ij->i", u_nodes, self.interface.normals)

    def nodal_contact(self, u: dolfinx.fem.Function) -> np.ndarray:
        """1.0 at interface nodes in contact (gap <= tolerance), 0.0 at voided nodes."""
        return (self.nodal_gap(u) <= self.settings.gap_tolerance_m).astype(float)

    def nodal_pressure(self, u: dolfinx.fem.Function) -> np.ndarray:
        """Contact pressure (Pa) at the interface nodes (lumped projection: keeps the total force)."""
        return self.interface.project(self.contact_pressure(u))
