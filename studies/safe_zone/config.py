"""The safe-zone study's setup: the configuration (field's units in every name), its validation
before any work, the map cases and the parameters with a literature range (the uncertainty bands).

Electrolytes are named by their study name:

* ``LPSCl``, ``LLZO``: single-ion ceramics (fem/data/materials.toml): voiding, stress, dendrite,
  host_full; no Sand limit (t_a ~ 0).
* ``PEO_LiTFSI``: the binary polymer set ``PEO_LiTFSI_90C`` of fem.transport (90 C only): voiding,
  sand, host_full; no stress (no elastic constants, and Doux's limit is for LPSCl) and no
  flaw-fracture criterion (no fracture toughness of a soft polymer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from fem.validation import ParameterError, check_choice, check_range
from studies.stack_pressure.config import FIXTURES

__all__ = [
    "ELECTROLYTES",
    "HOSTS",
    "MECHANISMS",
    "RANGES",
    "SafeZoneConfig",
    "MapCase",
    "ARGUMENT_HELP",
]

#: Study electrolyte -> (kind, parameter set names): mechanical/ionic set in materials.toml, interface
#: kinetics set (ceramics), binary-electrolyte set (fem.transport) and its fixed temperature in K.
ELECTROLYTES: dict[str, dict[str, Any]] = {
    "LPSCl": {"kind": "ceramic", "material": "LPSCl", "interface": "Li_LPSCl", "fracture": "LPSCl"},
    "LLZO": {"kind": "ceramic", "material": "LLZO", "interface": "Li_LLZO", "fracture": "LLZO"},
    "PEO_LiTFSI": {"kind": "binary", "binary_set": "PEO_LiTFSI_90C", "temperature_K": 363.15},
}
HOSTS = ("planar", "lamellar", "pillars")
MECHANISMS = ("voiding", "stress", "dendrite", "sand", "host_full")

#: Parameters with a literature (or plausible) range: nominal, (low, high), unit, source.  The band of a
#: boundary is the envelope of the boundaries at the low and high value of each parameter it reads.
RANGES: dict[str, dict[str, Any]] = {
    "fracture_toughness_LPSCl": {
        "value": 0.23,
        "range": (0.19, 0.27),
        "unit": "MPa m^0.5",
        "source": "0.23 +- 0.04 MPa m^0.5 for Li2S-P2S5 glass (McGrogan et al., Adv. Energy Mater. 2017; "
        "PARAMETERS.md): not measured on Li6PS5Cl itself (check)",
    },
    "fracture_toughness_LLZO": {
        "value": 1.25,
        "range": (0.86, 1.63),
        "unit": "MPa m^0.5",
        "source": "about 1.25 MPa m^0.5 (PARAMETERS.md); range from memory of indentation values for Al/Ta-doped LLZO "
        "(check)",
    },
    "flaw_size_um": {
        "value": 1.0,
        "range": (0.3, 3.0),
        "unit": "um",
        "source": "not fixed by a source: surface flaw / pore depth of a pressed sulfide pellet or polished garnet, "
        "sub-micrometre to a few micrometres (Porz et al. 2017 discuss 1-10 um flaws; check)",
    },
    "exchange_current_factor": {
        "value": 1.0,
        "range": (0.2, 2.0),
        "unit": "x i0",
        "source": "charge-transfer ASR 1-10 ohm cm2 (PARAMETERS.md) around the nominal 5 ohm cm2: i0 x0.5-x5; the "
        "band uses x0.2-x2 (ASR 2.5-25 ohm cm2) because poor contact raises it (check)",
    },
    "pressure_limit_MPa": {
        "value": 75.0,
        "range": (50.0, 100.0),
        "unit": "MPa",
        "source": "75 MPa shorts Li | Li6PS5Cl | Li before cycling (Doux et al., Adv. Energy Mater. 10 (2020) "
        "1903253); the threshold between 5 MPa (cycles) and 75 MPa is not fixed: band 50-100 MPa (unfixed)",
    },
    "sink_spacing_factor": {
        "value": 1.0,
        "range": (1.0 / 3.0, 3.0),
        "unit": "x calibrated L_s",
        "source": "vacancy sink spacing L_s, calibrated on Kasemchainan 3 MPa (studies.li_supply); x1/3 and x3 as in "
        "that study's sensitivity table (unfixed: 1 um - 1 mm)",
    },
    "critical_supersaturation": {
        "value": 2.0,
        "range": (1.5, 4.0),
        "unit": "1",
        "source": "not fixed (fem/data/li_supply.toml, plausible 1.01-100); band 1.5-4 with L_s recalibrated to the "
        "same published point, so the band shows what the calibration does not pin down",
    },
    "host_free_fraction": {
        "value": 0.5,
        "range": (0.25, 0.75),
        "unit": "1",
        "source": "not fixed: fraction of the host's Li-finger (pore) volume that is empty when the cell is built "
        "(a Li-infused host is partly filled); a design choice",
    },
    "diffusivity_factor": {
        "value": 1.0,
        "range": (0.5, 3.0),
        "unit": "x D",
        "source": "PEO-LiTFSI salt diffusivity 0.5e-11 to 3e-11 m2/s around 1e-11 (fem/data/binary_electrolytes.toml, "
        "Pesko et al. 2017, check)",
    },
}


@dataclass(frozen=True)
class SafeZoneConfig:
    """Study parameters in the field's units (names carry them)."""

    electrolytes: tuple[str, ...] = ("LPSCl", "PEO_LiTFSI")
    hosts: tuple[str, ...] = ("planar", "lamellar", "pillars")
    stack_pressures_MPa: tuple[float, ...] = (3.0, 7.0)
    mechanisms: tuple[str, ...] = MECHANISMS
    temperature_K: float = 298.15
    fixture: str = "rigid"
    spring_stiffness_MPa_per_um: float = 1.0
    current_density_min_mA_cm2: float = 0.01
    current_density_max_mA_cm2: float = 10.0
    current_density_points: int = 20
    areal_capacity_min_mAh_cm2: float = 0.1
    areal_capacity_max_mAh_cm2: float = 10.0
    areal_capacity_points: int = 20
    li_thickness_um: float = 20.0
    separator_thickness_um: float = 100.0
    li_half_width_um: float = 100.0
    gap_half_width_um: float = 50.0
    finger_height_um: float = 20.0
    pitch_um: float = 10.0
    finger_width_um: float = 5.0
    base_thickness_um: float = 5.0
    host_mesh_size_um: float = 1.25
    stress_current_points: int = 4
    stress_time_steps: int = 12
    hotspot_current_points: int = 3
    bands: bool = True
    cache_dir: str = ""

    def validate(self, comm_size: int = 1) -> None:
        """Refuse impossible input before any work (ParameterError names the parameter)."""
        for name, choices in (("electrolytes", tuple(ELECTROLYTES)), ("hosts", HOSTS), ("mechanisms", MECHANISMS)):
            values = getattr(self, name)
            if not values:
                raise ParameterError(f"{name} must name at least one of {', '.join(choices)}")
            for value in values:
                check_choice(name, value, choices)
        if not self.stack_pressures_MPa:
            raise ParameterError("stack_pressures_MPa must hold at least one pressure")
        for p in self.stack_pressures_MPa:
            check_range("stack_pressures_MPa", p, 0.0, 200.0, unit="MPa")
        check_range("temperature_K", self.temperature_K, 250.0, 453.0, high_inclusive=True, unit="K")
        check_choice("fixture", self.fixture, FIXTURES)
        check_range("spring_stiffness_MPa_per_um", self.spring_stiffness_MPa_per_um, 0.0, 1e6, unit="MPa/um")
        for axis, unit, top in (("current_density", "mA/cm2", 100.0), ("areal_capacity", "mAh/cm2", 50.0)):
            low, high = getattr(self, f"{axis}_min_{unit_key(unit)}"), getattr(self, f"{axis}_max_{unit_key(unit)}")
            check_range(f"{axis}_min_{unit_key(unit)}", low, 0.0, top, unit=unit)
            check_range(f"{axis}_max_{unit_key(unit)}", high, low, top, high_inclusive=True, unit=unit)
            check_range(
                f"{axis}_points", getattr(self, f"{axis}_points"), 2, 200, low_inclusive=True, high_inclusive=True
            )
        for name in ("li_thickness_um", "separator_thickness_um", "li_half_width_um", "finger_height_um", "pitch_um"):
            check_range(name, getattr(self, name), 0.0, 1e4, unit="um")
        check_range("gap_half_width_um", self.gap_half_width_um, 0.0, 1e4, low_inclusive=True, unit="um")
        check_range("finger_width_um", self.finger_width_um, 0.0, self.pitch_um, unit="um")
        check_range("base_thickness_um", self.base_thickness_um, 0.0, 1e3, unit="um")
        check_range("host_mesh_size_um", self.host_mesh_size_um, 0.0, 0.5 * self.finger_width_um, high_inclusive=True)
        check_range("stress_current_points", self.stress_current_points, 2, 20, low_inclusive=True, high_inclusive=True)
        check_range("stress_time_steps", self.stress_time_steps, 2, 1000, low_inclusive=True, high_inclusive=True)
        check_range(
            "hotspot_current_points", self.hotspot_current_points, 1, 10, low_inclusive=True, high_inclusive=True
        )
        for host in self.hosts:  # the geometry's own checks, before any meshing
            self.host_params(host)

    # -- axes and cases --
    @property
    def current_density_mA_cm2(self) -> np.ndarray:
        """Map axis of current density (log-spaced, mA/cm2)."""
        return np.geomspace(
            self.current_density_min_mA_cm2, self.current_density_max_mA_cm2, self.current_density_points
        )

    @property
    def areal_capacity_mAh_cm2(self) -> np.ndarray:
        """Map axis of areal capacity (log-spaced, mAh/cm2)."""
        return np.geomspace(
            self.areal_capacity_min_mAh_cm2, self.areal_capacity_max_mAh_cm2, self.areal_capacity_points
        )

    def temperature_of(self, electrolyte: str) -> float:
        """The map temperature in K: the binary set's own temperature for a polymer, else ``temperature_K``."""
        return ELECTROLYTES[electrolyte].get("temperature_K", self.temperature_K)

    def cases(self) -> list[MapCase]:
        return [
            MapCase(e, h, p, self.temperature_of(e))
            for e in self.electrolytes
            for h in self.hosts
            for p in self.stack_pressures_MPa
        ]

    def host_params(self, host: str) -> Any:
        """The interdigitated cell of a 3D host (SI, geometries.interdigitated); None for planar."""
        if host == "planar":
            return None
        from geometries.interdigitated import LamellarParams, PillarParams
        from studies._units import UM

        common = {
            "finger_height": self.finger_height_um * UM,
            "separator_thickness": self.separator_thickness_um * UM,
            "base_thickness": self.base_thickness_um * UM,
            "mesh_size_interface": self.host_mesh_size_um * UM,
            "mesh_size_bulk": max(self.host_mesh_size_um, 0.5 * self.pitch_um) * UM,
            "pitch": self.pitch_um * UM,
        }
        try:
            if host == "lamellar":
                return LamellarParams(finger_width=self.finger_width_um * UM, **common)
            return PillarParams(pillar_radius=0.5 * self.finger_width_um * UM, **common)
        except ParameterError as error:
            raise ParameterError(f"host {host} (lengths in m): {error}") from None


def unit_key(unit: str) -> str:
    """'mA/cm2' -> 'mA_cm2' (the unit as it appears in field names)."""
    return unit.replace("/", "_")


@dataclass(frozen=True)
class MapCase:
    """One map: electrolyte, host, stack pressure and temperature."""

    electrolyte: str
    host: str
    stack_pressure_MPa: float
    temperature_K: float

    def label(self) -> str:
        return f"{self.electrolyte}, {self.host}, {self.stack_pressure_MPa:g} MPa, {self.temperature_K:.0f} K"

    @property
    def kind(self) -> str:
        return ELECTROLYTES[self.electrolyte]["kind"]

    @property
    def case_id(self) -> str:
        return f"{self.electrolyte}_{self.host}_p{self.stack_pressure_MPa:g}_T{self.temperature_K:.0f}".replace(
            ".", "p"
        )


#: Help text (with units) of every config field: the --help of the command line.
ARGUMENT_HELP = {
    "electrolytes": f"electrolytes, comma-separated: {', '.join(ELECTROLYTES)} (PEO_LiTFSI at its set's 90 C)",
    "hosts": f"anode architectures, comma-separated: {', '.join(HOSTS)}",
    "stack_pressures_MPa": "stack pressures, MPa, comma-separated, in (0, 200)",
    "mechanisms": f"failure mechanisms to map, comma-separated: {', '.join(MECHANISMS)} (each where it applies)",
    "temperature_K": "temperature of the ceramic-electrolyte maps, K, in (250, 453]",
    "fixture": "cell fixture during plating: rigid (plate held) or spring (stack spring)",
    "spring_stiffness_MPa_per_um": "stack spring stiffness per electrode area (fixture spring), MPa/um",
    "current_density_min_mA_cm2": "lowest current density of the map, mA/cm2",
    "current_density_max_mA_cm2": "highest current density of the map, mA/cm2",
    "current_density_points": "log-spaced current densities of the map, 2 to 200",
    "areal_capacity_min_mAh_cm2": "lowest areal capacity of the map, mAh/cm2",
    "areal_capacity_max_mAh_cm2": "highest areal capacity of the map, mAh/cm2",
    "areal_capacity_points": "log-spaced areal capacities of the map, 2 to 200",
    "li_thickness_um": "Li layer thickness (planar; vacancy layer and fixture model), um",
    "separator_thickness_um": "electrolyte thickness (planar) or above the finger tips (hosts), um",
    "li_half_width_um": "fixture model, planar: half-width of the Li strip (free edge into a gap), um",
    "gap_half_width_um": "fixture model, planar: half-width of the free gap beside the Li strip, um",
    "finger_height_um": "hosts: height of the Li fingers above the base, um",
    "pitch_um": "hosts: finger pitch, um",
    "finger_width_um": "hosts: lamella width or pillar diameter, um",
    "base_thickness_um": "hosts: Li base under the fingers, um",
    "host_mesh_size_um": "hosts: element size on the Li surface, um (at most half the finger width)",
    "stress_current_points": "current densities at which the fixture model is run (log-spaced over the axis)",
    "stress_time_steps": "uniform time steps of each fixture-model run (after the doubling start-up steps)",
    "hotspot_current_points": "current densities at which the hosts' current distribution is solved",
    "bands": "skip the uncertainty bands (low/high parameter values)",
    "cache_dir": "cache of mechanism results (default: <out>.cache beside the output directory)",
}


def finite_or_none(value: float) -> float | None:
    """JSON has no infinity: inf ('never fails') becomes None."""
    return None if math.isinf(value) or math.isnan(value) else float(value)
