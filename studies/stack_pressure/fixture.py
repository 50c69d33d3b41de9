"""The fixture model of the stack-pressure study: the mechanics problem of one case, its plates,
the plating growth strain, the exact pressure read-out, the stack-spring iteration and the field output."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dolfinx
import ufl
from mpi4py import MPI

from fem.mechanics import Displacement, MechanicsConvergenceError, MechanicsProblem, MechanicsState, Roller
from fem.mechanics.output import FacetSide, MechanicsFieldWriter
from fem.output import write_mesh_xdmf
from geometries.interdigitated import interdigitated_mesh
from geometries.stack import li_strip_stack
from studies._units import UM
from studies.stack_pressure.config import LINEAR_SOLVERS, StackPressureConfig

__all__ = ["Stack", "spring_interval", "field_writer"]


# ----------------------------------------------------------------------------- one case


class Stack:
    """The mechanics problem of one case with its plate, growth and pressure read-out."""

    def __init__(self, cfg: StackPressureConfig, comm: MPI.Comm, geometry: str = "planar") -> None:
        self.cfg = cfg
        self.geometry = geometry
        host = cfg.host_params(geometry)
        if host is None:
            h, L = cfg.li_thickness_um * UM, cfg.sse_thickness_um * UM
            w, gap = cfg.li_half_width_um * UM, cfg.gap_half_width_um * UM
            depth = w / cfg.cells_li_x  # one box layer in y (plane strain)
            self.md = li_strip_stack(
                comm, L, h, w, w + gap, depth, cfg.cells_sse_z, cfg.cells_li_z, cfg.cells_li_x, cfg.cells_gap_x
            )
            # lower plate frictionless under the electrolyte; upper plate bonded to the Li, displacement-controlled
            bcs = [Roller("bottom"), Roller("sides"), *(Displacement("top", 0.0, component=i) for i in range(3))]
            height, area = L + h, w * depth
        else:
            self.md = interdigitated_mesh(comm, host)
            # lower plate = current collector bonded to the Li base; upper plate (counter electrode) frictionless
            # on the electrolyte, displacement-controlled
            bcs = [Displacement("bottom", 0.0), Roller("sides"), Displacement("top", 0.0, component=2)]
            height, area = host.cell_height, host.footprint_area
        mesh = self.md.mesh
        self.growth = dolfinx.fem.Constant(mesh, 0.0)
        e_z = ufl.as_vector((0.0, 0.0, 1.0))
        uniaxial = cfg.growth == "uniaxial"
        eigen = self.growth * ufl.outer(e_z, e_z) if uniaxial else self.growth / 3.0 * ufl.Identity(3)
        self.problem = MechanicsProblem(
            self.md,
            {"sse": cfg.sse_material, "lithium": cfg.li_material},
            bcs,
            temperature_K=cfg.temperature_K,
            growth_strain={"lithium": eigen},
            degree=cfg.degree,
            petsc_options=LINEAR_SOLVERS[cfg.linear_solver],
        )
        p = self.problem
        scale = dolfinx.fem.Constant(mesh, -1.0 / (height * area))
        #: p = -(1/(H A)) int sigma_zz: the plate reaction tested with w = (z/H) e_z (exact for the discrete problem).
        self._pressure_form = dolfinx.fem.form(
            scale * p.stress("sse")[2, 2] * p.measure("sse") + scale * p.stress("lithium")[2, 2] * p.measure("lithium")
        )
        one = dolfinx.fem.Constant(mesh, 1.0)
        self._li_volume = self._assemble(dolfinx.fem.form(one * p.measure("lithium")))
        sse_volume = self._assemble(dolfinx.fem.form(one * p.measure("sse")))
        #: Plate contact area A (m2) and the Li and electrolyte volumes per unit A (m): the thicknesses of the
        #: equivalent planar layers.  Plated thickness delta adds the volume delta A as growth strain delta A / V_Li.
        self.area_m2, self.height_m = area, height
        self.li_thickness = self._li_volume / area
        self.sse_thickness = sse_volume / area
        self._creep_form = dolfinx.fem.form(p.accumulated_creep_strain * p.measure("lithium"))
        self.plate_m = 0.0
        self.failures = 0
        self.newton_iterations = 0
        self.plate_rate_m_s = 0.0  # spring fixture: last plate velocity and secant slope (predictors)
        self.spring_slope: float | None = None

    def _assemble(self, form: Any) -> float:
        return self.md.mesh.comm.allreduce(dolfinx.fem.assemble_scalar(form), op=MPI.SUM)

    def pressure_Pa(self) -> float:
        return self._assemble(self._pressure_form)

    def mean_creep_strain(self) -> float:
        return self._assemble(self._creep_form) / self._li_volume

    def set_plate(self, displacement_m: float) -> None:
        self.plate_m = displacement_m
        self.problem.set_displacement("top", displacement_m, component=2)

    def set_plated(self, thickness_m: float) -> None:
        self.growth.value = thickness_m / self.li_thickness

    def elastic_response(self) -> tuple[float, float]:
        """(a, b): plate stiffness dp/d(-d) and growth stiffness dp/d(delta) in Pa/m of the
        creep-free model, by two elastic (dt = 0) solves; the state is returned to zero."""
        probe = 1e-3 * self.li_thickness
        self.set_plate(-probe)
        self.problem.step(0.0)
        a = self.pressure_Pa() / probe
        self.set_plate(0.0)
        self.set_plated(probe)
        self.problem.step(0.0)
        b = self.pressure_Pa() / probe
        self.set_plated(0.0)
        return a, b

    # -- state snapshots for the spring iteration (re-solving one interval) --
    def snapshot(self) -> MechanicsState:
        return self.problem.save_state()

    def restore(self, state: MechanicsState) -> None:
        self.problem.restore_state(state)

    def advance_to(self, t_end: float, rate_m_s: float) -> int:
        """Advance the (fixed-plate) problem to t_end, halving failed steps; returns steps taken."""
        p = self.problem
        history = p.advance(t_end - p.time_s, t_end - p.time_s, before_step=lambda t: self.set_plated(rate_m_s * t))
        self.failures += len(history.failures)
        self.newton_iterations += history.newton_iterations
        return len(history.steps)


def spring_interval(
    stack: Stack, t_end: float, rate: float, p0: float, d0: float, k: float, a: float, tol_Pa: float
) -> int:
    """One output interval with the plate on the spring: find d with d = d0 + (p(d) - p0) / k.

    Secant iteration on r(d) = k (d - d0) - (p(d) - p0); the first iterate
    extrapolates the previous interval's plate rate, the second uses the previous
    interval's converged secant slope (at first the creep-free dr/dd = k + a);
    each iterate re-solves the interval from the saved state.  Returns the solves.
    """
    start = stack.snapshot()
    t0, d_start = stack.problem.time_s, stack.plate_m
    d = d_start + stack.plate_rate_m_s * (t_end - t0)
    d_prev = r_prev = None
    slope = stack.spring_slope if stack.spring_slope is not None else k + a
    for iteration in range(1, 40):
        if iteration > 1:
            stack.restore(start)
        stack.set_plate(d)
        stack.advance_to(t_end, rate)
        r = k * (d - d0) - (stack.pressure_Pa() - p0)
        if abs(r) <= tol_Pa:
            stack.plate_rate_m_s = (d - d_start) / (t_end - t0)
            return iteration
        if d_prev is not None and d != d_prev:
            slope = (r - r_prev) / (d - d_prev)
            stack.spring_slope = slope
        d_prev, r_prev = d, r
        d = d - r / slope
    raise MechanicsConvergenceError(
        f"stack spring iteration did not converge at t = {t_end:.6g} s (residual {r:.3g} Pa)", t_end, 0.0, 0
    )


def field_writer(path: Path, stack: Stack) -> MechanicsFieldWriter:
    """VTX time series (fem.mechanics.output): displacement, DG0 von Mises and hydrostatic stress,
    sigma_zz, accumulated creep strain, stress tensor, and the normal traction on the Li side of
    the Li | electrolyte interface and on the upper plate; mesh and tags as XDMF."""
    p = stack.problem
    tractions = [FacetSide("li_sse", "lithium"), FacetSide("top")]
    writer = MechanicsFieldWriter(p, path, tractions, extra={"stress_zz_Pa": lambda region: p.stress(region)[2, 2]})
    write_mesh_xdmf(path / "mesh_tags.xdmf", stack.md)
    return writer
