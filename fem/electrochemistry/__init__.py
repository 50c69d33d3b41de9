"""Electrochemistry: where the current goes and where Li plates or strips (SI units).

* current: secondary current distribution (Butler-Volmer or ideal contacts) in a
  single-ion conductor, potentiostatic or galvanostatic.
* galvanostatic: current ramps, overpotential limiting and potential splitting
  shared by the deposition models.
* porous_electrode (+ depth_profiles, newman_tobias): the homogenised porous-host
  deposition model and its exact solution.
* pore_resolved: Butler-Volmer on every solid | electrolyte facet of a resolved host.
* effective_properties: porosity, area and tortuosity measured on a resolved mesh.
* analytic: closed-form references (Holm spreading resistance, planar ASR).
"""

from fem.electrochemistry import analytic
from fem.electrochemistry.current import (
    CurrentSolution,
    Electrode,
    SecondaryCurrentProblem,
    electrode_flux,
    electrolyte_residual,
)
from fem.electrochemistry.depth_profiles import Continuous, Layers, Linear, Profile, Uniform, as_profile, check_profile
from fem.electrochemistry.effective_properties import (
    EffectiveProperties,
    bruggeman_tortuosity,
    effective_properties,
    homogenised_host,
    layer_properties,
    maxwell_tortuosity,
)
from fem.electrochemistry.galvanostatic import OverpotentialLimiter, ramp_current, split_potentials
from fem.electrochemistry.newman_tobias import NewmanTobias
from fem.electrochemistry.pore_resolved import ResolvedDepositionProblem, ResolvedDepositionResult, SolidRegion
from fem.electrochemistry.porous_electrode import (
    DepositionResult,
    HomogenisedHost,
    PorousElectrodeProblem,
    VolumeKinetics,
    penetration_depth_m,
    porous_electrode_mesh,
)

__all__ = [
    "analytic",
    "CurrentSolution",
    "Electrode",
    "SecondaryCurrentProblem",
    "electrode_flux",
    "electrolyte_residual",
    "Continuous",
    "Layers",
    "Linear",
    "Profile",
    "Uniform",
    "as_profile",
    "check_profile",
    "EffectiveProperties",
    "bruggeman_tortuosity",
    "effective_properties",
    "homogenised_host",
    "layer_properties",
    "maxwell_tortuosity",
    "OverpotentialLimiter",
    "ramp_current",
    "split_potentials",
    "NewmanTobias",
    "ResolvedDepositionProblem",
    "ResolvedDepositionResult",
    "SolidRegion",
    "DepositionResult",
    "HomogenisedHost",
    "PorousElectrodeProblem",
    "VolumeKinetics",
    "penetration_depth_m",
    "porous_electrode_mesh",
]
