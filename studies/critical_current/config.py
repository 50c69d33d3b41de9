"""The critical-current study's setup: configuration (with the one-at-a-time sensitivity sweep) and cases."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from fem.coupling.stripping import StrippingSettings, capacity_C_m2
from fem.validation import ParameterError, check_choice, check_positive, check_range
from geometries.spots import random_voids
from studies._cli import COMMON_HELP, check_common_fields
from studies._units import A_M2_PER_MA_CM2, UM

__all__ = [
    "ARGUMENT_HELP",
    "KINETICS",
    "SUPPLY_MODELS",
    "SENSITIVITY_PARAMETERS",
    "LI_MICROMETRE_STRENGTH_FACTOR",
    "CriticalCurrentConfig",
    "Case",
    "build_cases",
]

#: Interface kinetics per electrolyte (fem/data/materials.toml).
KINETICS = {"LPSCl": "Li_LPSCl", "LLZO": "Li_LLZO"}
#: Li-supply models: "creep" (creep-only reference, rising-current stages) and "vacancy" (vacancy voids with
#: real contact, bisection; studies.critical_current.supply).
SUPPLY_MODELS = ("creep", "vacancy")
#: Parameters a sensitivity sweep may vary (config fields).
SENSITIVITY_PARAMETERS = (
    "void_depth_um",
    "void_fraction",
    "void_radius_um",
    "i0_scale",
    "i0_log_std",
    "temperature_K",
    "li_strength_factor",
    "stress_overpotential",
)
#: Xu et al., PNAS 114 (2017) 57: micrometre-sized Li pillars reach 105 MPa at room temperature, against
#: about 0.8 MPa for bulk Li (Masias et al. 2019), i.e. about 130 times stronger at that scale.
LI_MICROMETRE_STRENGTH_FACTOR = 105.0 / 0.8


@dataclass(frozen=True)
class CriticalCurrentConfig:
    """Study parameters in the field's units (names carry them)."""

    stack_pressures_MPa: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0, 7.0, 10.0)
    electrolytes: tuple[str, ...] = ("LPSCl",)
    first_current_mA_cm2: float = 1.0
    current_factor: float = 2.0
    max_current_mA_cm2: float = 1000.0
    stage_capacity_mAh_cm2: float = 0.05
    collapse_contact_fraction: float = 0.3
    voltage_cutoff_V: float = 1.0
    temperature_K: float = 298.15
    footprint_um: float = 20.0
    li_thickness_um: float = 10.0
    sse_thickness_um: float = 10.0
    cells_xy: int = 6
    cells_z: int = 3
    void_fraction: float = 0.15
    void_radius_um: float = 3.0
    void_depth_um: float = 0.1
    i0_log_std: float = 0.5
    i0_scale: float = 1.0
    i0_wavelength_um: float = 10.0
    seed: int = 0
    li_strength_factor: float = 1.0
    stress_overpotential: bool = False
    max_depth_increment_um: float = 0.05
    groups: int = 1
    fields: bool = True
    sensitivity: str = ""
    sensitivity_pressure_MPa: float = 0.1
    sensitivity_first_current_mA_cm2: float = 8.0
    supply: tuple[str, ...] = ("creep",)
    critical_supersaturation: float = 2.0
    injection_fraction: float = 1.0
    asperity_size_um: float = 1.0
    sink_spacing_um: float = 0.0
    supply_capacity_mAh_cm2: float = 0.02
    bisection_tolerance: float = 0.25
    bisection_widenings: int = 4

    def validate(self, comm_size: int) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        if not self.stack_pressures_MPa or not self.electrolytes:
            raise ParameterError("stack_pressures_MPa and electrolytes must not be empty")
        for p in self.stack_pressures_MPa:
            check_range("stack_pressures_MPa", p, 0.0, 100.0, high_inclusive=True, unit="MPa")
        for name in self.electrolytes:
            check_choice("electrolytes", name, tuple(KINETICS))
        check_positive("first_current_mA_cm2", self.first_current_mA_cm2, "mA/cm2")
        check_range("current_factor", self.current_factor, 1.0, 10.0, high_inclusive=True)
        check_range("max_current_mA_cm2", self.max_current_mA_cm2, self.first_current_mA_cm2, unit="mA/cm2")
        check_positive("stage_capacity_mAh_cm2", self.stage_capacity_mAh_cm2, "mAh/cm2")
        check_range("void_fraction", self.void_fraction, 0.0, 0.5, low_inclusive=True)
        check_positive("void_depth_um", self.void_depth_um, "um")
        check_range("i0_log_std", self.i0_log_std, 0.0, 3.0, low_inclusive=True, high_inclusive=True)
        check_positive("i0_wavelength_um", self.i0_wavelength_um, "um")
        for name in ("cells_xy", "cells_z"):
            check_range(name, getattr(self, name), 2, 64, low_inclusive=True, high_inclusive=True)
        check_common_fields(self, comm_size)
        check_range("i0_scale", self.i0_scale, 0.0, 1e4, high_inclusive=True)
        check_range("li_strength_factor", self.li_strength_factor, 0.01, 1e3, low_inclusive=True, high_inclusive=True)
        check_range("sensitivity_pressure_MPa", self.sensitivity_pressure_MPa, 0.0, 100.0, high_inclusive=True,
                    unit="MPa")  # fmt: skip
        check_positive("sensitivity_first_current_mA_cm2", self.sensitivity_first_current_mA_cm2, "mA/cm2")
        if not self.supply:
            raise ParameterError("supply must not be empty")
        for name in self.supply:
            check_choice("supply", name, SUPPLY_MODELS)
        check_range("critical_supersaturation", self.critical_supersaturation, 1.0, 1e6)
        check_range("injection_fraction", self.injection_fraction, 0.0, 1.0, high_inclusive=True)
        check_range("asperity_size_um", self.asperity_size_um, 0.1, 1000.0, high_inclusive=True, unit="um")
        check_range("sink_spacing_um", self.sink_spacing_um, 0.0, 1e4, low_inclusive=True, unit="um")
        check_positive("supply_capacity_mAh_cm2", self.supply_capacity_mAh_cm2, "mAh/cm2")
        check_range("bisection_tolerance", self.bisection_tolerance, 1e-3, 1.0, low_inclusive=True, high_inclusive=True)
        check_range("bisection_widenings", self.bisection_widenings, 1, 20, low_inclusive=True, high_inclusive=True)
        if "vacancy" in self.supply:
            from studies.critical_current.supply import check_mesh_reach  # the supply model imports this module

            check_mesh_reach(self)
        for parameter, value in self.sensitivity_variants():
            self.varied(parameter, value).validate(comm_size)
        # the settings and the void population validate themselves on construction
        self.settings(self.first_current_mA_cm2, self.stack_pressures_MPa[0], 1)
        if self.void_fraction > 0:
            self.voids()

    def settings(self, current_mA_cm2: float, pressure_MPa: float, stages: int) -> StrippingSettings:
        return StrippingSettings(
            current_density_A_m2=current_mA_cm2 * A_M2_PER_MA_CM2,
            stack_pressure_Pa=pressure_MPa * 1e6,
            capacity_C_m2=capacity_C_m2(stages * self.stage_capacity_mAh_cm2),
            temperature_K=self.temperature_K,
            collapse_contact_fraction=self.collapse_contact_fraction,
            voltage_cutoff_V=self.voltage_cutoff_V,
            max_depth_increment_m=self.max_depth_increment_um * UM,
        )

    def voids(self) -> Any:
        b = self.footprint_um * UM
        return random_voids(
            b, self.void_fraction, self.void_radius_um * UM, 0.0, self.seed, min_feature=0.25 * b / self.cells_xy
        )

    def sensitivity_variants(self) -> list[tuple[str, float]]:
        """Parse ``sensitivity`` ("void_depth_um=0.05,0.3;temperature_K=273,333") into (parameter, value) pairs."""
        variants = []
        for item in filter(None, (part.strip() for part in self.sensitivity.split(";"))):
            name, _, values = item.partition("=")
            name = name.strip()
            check_choice("sensitivity parameter", name, SENSITIVITY_PARAMETERS)
            try:
                variants += [(name, float(v)) for v in values.split(",") if v.strip()]
            except ValueError:
                raise ParameterError(f"sensitivity: {item!r} needs numbers after '=', e.g. {name}=0.1,0.3") from None
        return variants

    def varied(self, parameter: str, value: float) -> CriticalCurrentConfig:
        """This configuration with one parameter changed, for a sensitivity case (first current
        sensitivity_first_current_mA_cm2, no further sensitivity)."""
        if parameter == "stress_overpotential":
            if value not in (0.0, 1.0):
                raise ParameterError(f"sensitivity: stress_overpotential={value:g} must be 0 (off) or 1 (on)")
            value = bool(value)
        changes = {parameter: value, "sensitivity": "", "first_current_mA_cm2": self.sensitivity_first_current_mA_cm2}
        return dataclasses.replace(self, **changes)

    def currents_mA_cm2(self) -> list[float]:
        """The stage currents: first x factor^k up to the maximum."""
        n = int(math.floor(math.log(self.max_current_mA_cm2 / self.first_current_mA_cm2, self.current_factor) + 1e-9))
        return [self.first_current_mA_cm2 * self.current_factor**k for k in range(n + 1)]


#: Help text (with units) of every config field: the --help of the command line.
ARGUMENT_HELP = {
    "stack_pressures_MPa": "stack pressures, MPa, comma-separated (each case one run)",
    "electrolytes": "electrolytes, comma-separated: LPSCl, LLZO",
    "first_current_mA_cm2": "current density of the first stage, mA/cm2",
    "current_factor": "current multiplier from one stage to the next, (1, 10]",
    "max_current_mA_cm2": "last stage's current at most, mA/cm2",
    "stage_capacity_mAh_cm2": "stripped capacity per stage, mAh/cm2",
    "collapse_contact_fraction": "contact collapse when the contact fraction falls below this, (0, 1)",
    "voltage_cutoff_V": "the run ends when the working electrode potential exceeds this, V",
    "temperature_K": "temperature (creep and kinetics), K",
    "footprint_um": "side of the square cell, um",
    "li_thickness_um": "Li thickness, um",
    "sse_thickness_um": "electrolyte thickness, um",
    "cells_xy": "boxes along x and y (6 tetrahedra each)",
    "cells_z": "boxes through each slab's thickness",
    "void_fraction": "initial void area fraction of the interface, [0, 0.5)",
    "void_radius_um": "initial void radius, um",
    "void_depth_um": "initial void depth (recessed Li), um",
    "i0_log_std": "standard deviation of ln(i0 factor), 0 for uniform i0",
    "i0_scale": "multiplies the exchange current density of the interface parameter set, > 0",
    "i0_wavelength_um": "wavelength of the i0 heterogeneity, um",
    "seed": "random seed of voids and i0 field",
    "max_depth_increment_um": "largest stripped-depth increment per step at any node, um",
    "li_strength_factor": "Li creep strength over bulk (reference stress x S; size-effect hypothesis), [0.01, 1000]",
    "stress_overpotential": "add Omega p_c / F of the contact pressure to the stripping overpotential",
    "groups": COMMON_HELP["groups"],
    "fields": COMMON_HELP["fields"],
    "sensitivity": "one-at-a-time sweep, e.g. 'void_depth_um=0.05,0.3;i0_scale=0.1,10;temperature_K=273,333' "
    "(parameters: " + ", ".join(SENSITIVITY_PARAMETERS) + ")",
    "sensitivity_pressure_MPa": "stack pressure of the sensitivity cases, MPa",
    "sensitivity_first_current_mA_cm2": "first stage current of the sensitivity cases, mA/cm2",
    "supply": "Li-supply models, comma-separated: creep (creep-only reference), vacancy (vacancy voids with real "
    "contact, bisection)",
    "critical_supersaturation": "vacancy supply: s_crit > 1 of void nucleation (unfixed; nominal 2)",
    "injection_fraction": "vacancy supply: f_inj in (0, 1] (unfixed; 1 = upper bound)",
    "asperity_size_um": "vacancy supply: asperity size a, um, of the real contact p / (3 sigma_y(a)) (unfixed; 1-10)",
    "sink_spacing_um": "vacancy supply: sink spacing L_s, um; 0 = calibrated on Kasemchainan 3 MPa, 25 C",
    "supply_capacity_mAh_cm2": "vacancy supply: capacity of each constant-current bisection run, mAh/cm2",
    "bisection_tolerance": "vacancy supply: bisection ends when highest collapsed / lowest held - 1 <= this",
    "bisection_widenings": "vacancy supply: at most this many x2 widenings of the initial bracket",
}


@dataclass(frozen=True)
class Case:
    """One run: electrolyte and stack pressure; a sensitivity case also names the varied parameter."""

    electrolyte: str
    stack_pressure_MPa: float
    parameter: str = ""
    value: float = math.nan
    supply: str = "creep"

    def label(self) -> str:
        varied = f", {self.parameter} = {self.value:g}" if self.parameter else ""
        model = f" [{self.supply} supply]" if self.supply != "creep" else ""
        return f"{self.electrolyte} at {self.stack_pressure_MPa:g} MPa{varied}{model}"

    @property
    def folder(self) -> str:
        varied = f"_{self.parameter}_{self.value:g}" if self.parameter else ""
        model = f"_{self.supply}" if self.supply != "creep" else ""
        return f"{self.electrolyte}_{self.stack_pressure_MPa:g}MPa{varied}{model}"

    def config(self, cfg: CriticalCurrentConfig) -> CriticalCurrentConfig:
        return cfg.varied(self.parameter, self.value) if self.parameter else cfg


def build_cases(cfg: CriticalCurrentConfig) -> list[Case]:
    """Per supply model: every (electrolyte, pressure), then the sensitivity cases (first electrolyte,
    sensitivity pressure)."""
    electrolyte_name, pressure = cfg.electrolytes[0], cfg.sensitivity_pressure_MPa
    cases = []
    for model in cfg.supply:
        cases += [Case(e, p, supply=model) for e in cfg.electrolytes for p in cfg.stack_pressures_MPa]
        cases += [Case(electrolyte_name, pressure, n, v, model) for n, v in cfg.sensitivity_variants()]
    return cases
