"""The stack-pressure study's setup: configuration, cases, output times and the confined-stack reference.

The laterally confined 1D stack (Li and electrolyte in uniaxial strain in
series with the fixture) is the analytic reference of the study and of its
tests: p - p0 = delta / (h / M_Li + L / M_SSE + 1 / k).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from fem.constants import FARADAY_C_PER_MOL, LI_MOLAR_VOLUME_M3_PER_MOL
from fem.materials import CreepingSolid, LinearElastic, elastic_material, mechanical_material
from fem.validation import ParameterError, check_choice, check_range
from geometries.interdigitated import InterdigitatedParams, LamellarParams, PillarParams
from studies._cli import COMMON_HELP, check_common_fields
from studies._units import C_M2_PER_MAH_CM2, MPA, UM

__all__ = [
    "ARGUMENT_HELP",
    "FIXTURES",
    "GROWTH_MODES",
    "GEOMETRIES",
    "LINEAR_SOLVERS",
    "plated_thickness_um",
    "constrained_modulus_Pa",
    "confined_pressure_rise_MPa",
    "StackPressureConfig",
    "Case",
    "build_cases",
    "time_grid_s",
]

FIXTURES = ("rigid", "spring")
GROWTH_MODES = ("uniaxial", "isotropic")
GEOMETRIES = ("planar", "lamellar", "pillars")
#: PETSc overrides of fem.mechanics.MECHANICS_NEWTON_DEFAULTS: the strip meshes are small, and with
#: creeping (nearly incompressible) Li in P2 a sparse LU (MUMPS) is far faster than CG + AMG.
LINEAR_SOLVERS: dict[str, dict[str, Any]] = {
    "direct": {"ksp_type": "preonly", "pc_type": "lu", "pc_factor_mat_solver_type": "mumps"},
    "iterative": {},
}


def plated_thickness_um(capacity_mAh_cm2: float) -> float:
    """Plated Li thickness Q Omega / F in um (4.85 um per mAh/cm2)."""
    return capacity_mAh_cm2 * C_M2_PER_MAH_CM2 * LI_MOLAR_VOLUME_M3_PER_MOL / FARADAY_C_PER_MOL / UM


def constrained_modulus_Pa(material: LinearElastic) -> float:
    """Constrained (P-wave, oedometric) modulus M = E (1 - nu) / ((1 + nu) (1 - 2 nu)) in Pa."""
    E, nu = material.youngs_modulus_Pa, material.poisson_ratio
    return E * (1.0 - nu) / ((1.0 + nu) * (1.0 - 2.0 * nu))


def confined_pressure_rise_MPa(
    plated_um: float,
    li_thickness_um: float,
    sse_thickness_um: float,
    li: LinearElastic,
    sse: LinearElastic,
    spring_stiffness_MPa_per_um: float | None = None,
) -> float:
    """Elastic pressure rise of the laterally confined stack under uniaxial growth (MPa).

    Li (thickness h) and electrolyte (L) in series between rigid plates, both
    in uniaxial strain: sigma = M_Li (eps_Li - eps_g) = M_SSE eps_SSE, and the
    plate displacement h eps_Li + L eps_SSE = (p - p0) / k (0 for a rigid
    fixture) give p - p0 = delta / (h / M_Li + L / M_SSE + 1 / k), delta = h eps_g.
    """
    compliance_um_per_MPa = li_thickness_um / (constrained_modulus_Pa(li) / MPA) + sse_thickness_um / (
        constrained_modulus_Pa(sse) / MPA
    )
    if spring_stiffness_MPa_per_um is not None:
        compliance_um_per_MPa += 1.0 / spring_stiffness_MPa_per_um
    return plated_um / compliance_um_per_MPa


@dataclass(frozen=True)
class StackPressureConfig:
    """Study parameters in the field's units (names carry them)."""

    current_densities_mA_cm2: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0)
    initial_pressures_MPa: tuple[float, ...] = (1.0, 5.0)
    fixtures: tuple[str, ...] = ("rigid", "spring")
    spring_stiffness_MPa_per_um: float = 1.0
    areal_capacity_mAh_cm2: float = 1.5
    temperature_K: float = 298.15
    li_thickness_um: float = 20.0
    sse_thickness_um: float = 100.0
    li_half_width_um: float = 100.0
    gap_half_width_um: float = 50.0
    geometry: tuple[str, ...] = ("planar",)
    finger_height_um: float = 20.0
    finger_width_um: float = 5.0
    pillar_radius_um: float = 2.5
    pitch_um: float = 10.0
    base_thickness_um: float = 5.0
    separator_thickness_um: float = 10.0
    mesh_size_interface_um: float = 2.0
    mesh_size_bulk_um: float = 4.0
    lithium: str = "Li"
    electrolyte: str = "LPSCl"
    li_creep: bool = True
    growth: str = "uniaxial"
    degree: int = 2
    cells_li_z: int = 3
    cells_sse_z: int = 1
    cells_li_x: int = 6
    cells_gap_x: int = 2
    first_time_step_s: float = 1.0
    time_steps: int = 12
    linear_solver: str = "direct"
    groups: int = 1
    fields: bool = True

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        if not self.current_densities_mA_cm2 or not self.initial_pressures_MPa or not self.fixtures:
            raise ParameterError("current_densities_mA_cm2, initial_pressures_MPa and fixtures must not be empty")
        for i in self.current_densities_mA_cm2:
            check_range("current_densities_mA_cm2", i, 0.0, 100.0, unit="mA/cm2")
        for p in self.initial_pressures_MPa:
            check_range("initial_pressures_MPa", p, 0.0, 200.0, low_inclusive=True, unit="MPa")
        for fixture in self.fixtures:
            check_choice("fixtures", fixture, FIXTURES)
        check_range("spring_stiffness_MPa_per_um", self.spring_stiffness_MPa_per_um, 0.0, 1e6, unit="MPa/um")
        check_range("areal_capacity_mAh_cm2", self.areal_capacity_mAh_cm2, 0.0, 50.0, unit="mAh/cm2")
        check_range("temperature_K", self.temperature_K, 150.0, 453.0, high_inclusive=True, unit="K")
        check_range("li_thickness_um", self.li_thickness_um, 0.0, 1e4, unit="um")
        check_range("sse_thickness_um", self.sse_thickness_um, 0.0, 1e4, unit="um")
        check_range("li_half_width_um", self.li_half_width_um, 0.0, 1e5, unit="um")
        check_range("gap_half_width_um", self.gap_half_width_um, 0.0, 1e5, low_inclusive=True, unit="um")
        if not self.geometry:
            raise ParameterError("geometry must not be empty: planar, lamellar and/or pillars")
        for geometry in self.geometry:
            check_choice("geometry", geometry, GEOMETRIES)
            self.host_params(geometry)
        try:
            material = mechanical_material(self.lithium)
        except ParameterError as error:
            raise ParameterError(f"lithium = {self.lithium!r}: {error}") from None
        if self.li_creep and not isinstance(material, CreepingSolid):
            raise ParameterError(f"lithium = {self.lithium!r} has no creep law; use li_creep = False")
        try:
            elastic_material(self.electrolyte)
        except ParameterError as error:
            raise ParameterError(f"electrolyte = {self.electrolyte!r}: {error}") from None
        check_choice("growth", self.growth, GROWTH_MODES)
        for name in ("cells_li_z", "cells_sse_z", "cells_li_x"):
            check_range(name, getattr(self, name), 1, 200, low_inclusive=True, high_inclusive=True)
        low = 1 if self.gap_half_width_um > 0 else 0
        high = 200 if self.gap_half_width_um > 0 else 0
        if not low <= self.cells_gap_x <= high:
            raise ParameterError(
                f"cells_gap_x = {self.cells_gap_x} is outside the allowed range [{low}, {high}] "
                f"for gap_half_width_um = {self.gap_half_width_um:g} (0 exactly when there is no gap)"
            )
        check_range("first_time_step_s", self.first_time_step_s, 0.0, 1e5, unit="s")
        check_range("time_steps", self.time_steps, 2, 1000, low_inclusive=True, high_inclusive=True)
        check_choice("linear_solver", self.linear_solver, tuple(LINEAR_SOLVERS))
        check_common_fields(self, comm_size)

    def host_params(self, geometry: str) -> InterdigitatedParams | None:
        """The interdigitated cell of a host geometry (SI, geometries.interdigitated); None for planar."""
        if geometry == "planar":
            return None
        for name in _HOST_LENGTHS[geometry]:
            check_range(name, getattr(self, name), 0.0, 1e4, unit="um")
        common = {
            "finger_height": self.finger_height_um * UM,
            "separator_thickness": self.separator_thickness_um * UM,
            "base_thickness": self.base_thickness_um * UM,
            "mesh_size_interface": self.mesh_size_interface_um * UM,
            "mesh_size_bulk": self.mesh_size_bulk_um * UM,
        }
        try:
            if geometry == "lamellar":
                return LamellarParams(finger_width=self.finger_width_um * UM, pitch=self.pitch_um * UM, **common)
            return PillarParams(pillar_radius=self.pillar_radius_um * UM, pitch=self.pitch_um * UM, **common)
        except ParameterError as error:  # the builder speaks SI: say which geometry and that lengths are in m
            raise ParameterError(f"geometry {geometry} (lengths in m): {error}") from None

    @property
    def li_material(self) -> CreepingSolid | LinearElastic:
        return mechanical_material(self.lithium) if self.li_creep else elastic_material(self.lithium)

    @property
    def sse_material(self) -> LinearElastic:
        return elastic_material(self.electrolyte)


#: Help text (with units) of every config field: the --help of the command line.
ARGUMENT_HELP = {
    **COMMON_HELP,
    "current_densities_mA_cm2": "plating current densities, mA/cm2, in (0, 100)",
    "initial_pressures_MPa": "initial stack pressures p0, MPa, in [0, 200)",
    "fixtures": "rigid (plate held after p0) and/or spring (plate on a stack spring)",
    "spring_stiffness_MPa_per_um": "stack spring stiffness per electrode area, MPa per um of plate travel",
    "areal_capacity_mAh_cm2": "plated areal capacity per case, mAh/cm2, in (0, 50)",
    "temperature_K": "temperature, K, in (150, 453] (Arrhenius factor of the creep law)",
    "li_thickness_um": "Li layer thickness h, um",
    "sse_thickness_um": "electrolyte layer thickness L, um",
    "li_half_width_um": "half-width w of a Li strip (symmetry plane to free edge), um",
    "gap_half_width_um": "half-width of the free gap between Li strips, um (0: laterally confined Li)",
    "lithium": "Li mechanical parameter set (fem/data/materials.toml): Li (Norton creep) or Li_Anand (Anand)",
    "geometry": "planar (Li strip with free gaps) and/or lamellar, pillars (3D hosts: Li fingers in the electrolyte)",
    "finger_height_um": "hosts: height of the Li fingers above the Li base, um",
    "finger_width_um": "lamellar host: width of the Li walls, um",
    "pillar_radius_um": "pillars host: radius of the (cylindrical, square lattice) Li pillars, um",
    "pitch_um": "hosts: finger pitch (cell width), um",
    "base_thickness_um": "hosts: Li base layer on the current collector, um",
    "separator_thickness_um": "hosts: electrolyte above the finger tips, um",
    "mesh_size_interface_um": "hosts: element size at the Li | electrolyte interface, um",
    "mesh_size_bulk_um": "hosts: element size away from the interface, um",
    "electrolyte": "electrolyte mechanical parameter set (fem/data/materials.toml)",
    "li_creep": "switch off Li creep (linear-elastic Li)",
    "growth": "growth eigenstrain: uniaxial (through thickness) or isotropic",
    "cells_li_z": "boxes through the Li thickness",
    "cells_sse_z": "boxes through the electrolyte thickness",
    "cells_li_x": "boxes across the Li half-width",
    "cells_gap_x": "boxes across the gap half-width (0 exactly when there is no gap)",
    "first_time_step_s": "first time step after loading, s (steps double until uniform)",
    "time_steps": "uniform time steps over the plating, 2 to 1000",
    "linear_solver": "direct (MUMPS LU, default: small meshes) or iterative (CG + BoomerAMG)",
}


#: Lengths (config fields, um) that define each host geometry.
_HOST_LENGTHS = {
    "lamellar": ("finger_height_um", "finger_width_um", "pitch_um", "base_thickness_um", "separator_thickness_um"),
    "pillars": ("finger_height_um", "pillar_radius_um", "pitch_um", "base_thickness_um", "separator_thickness_um"),
}


@dataclass(frozen=True)
class Case:
    """One geometry, fixture, initial stack pressure and current density."""

    fixture: str
    initial_pressure_MPa: float
    current_density_mA_cm2: float
    fields: bool = False
    geometry: str = "planar"

    def label(self) -> str:
        text = f"{self.fixture}, p0 = {self.initial_pressure_MPa:g} MPa, i = {self.current_density_mA_cm2:g} mA/cm2"
        return text if self.geometry == "planar" else f"{self.geometry}, {text}"

    @property
    def case_id(self) -> str:
        text = f"{self.fixture}_p{self.initial_pressure_MPa:g}_i{self.current_density_mA_cm2:g}"
        text = text if self.geometry == "planar" else f"{self.geometry}_{text}"
        return text.replace(".", "p")


def build_cases(cfg: StackPressureConfig) -> list[Case]:
    """Every geometry x fixture x initial pressure x current density; fields for the fastest rigid
    case of each geometry."""
    cases = [
        Case(fixture, p0, i, geometry=geometry)
        for geometry in cfg.geometry
        for fixture in cfg.fixtures
        for p0 in cfg.initial_pressures_MPa
        for i in cfg.current_densities_mA_cm2
    ]
    pictures = [
        Case(cfg.fixtures[0], cfg.initial_pressures_MPa[0], max(cfg.current_densities_mA_cm2), geometry=geometry)
        for geometry in cfg.geometry
    ]
    return [replace(c, fields=cfg.fields and c in pictures) for c in cases]


def time_grid_s(t_end: float, first_step: float, uniform_steps: int) -> np.ndarray:
    """Output times: doubling steps from ``first_step`` (the fast creep transient after loading)
    until they reach t_end / uniform_steps, then uniform steps to t_end."""
    dt_uniform = t_end / uniform_steps
    times = list(dt_uniform * np.arange(1, uniform_steps + 1))
    t = first_step
    while t < 0.75 * dt_uniform:
        times.append(t)
        t *= 2.0
    return np.array(sorted(times))
