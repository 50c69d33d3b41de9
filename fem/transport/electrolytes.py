"""Binary (1:1 salt) electrolytes: property functions of concentration and temperature.

Concentrated-solution theory (Newman & Thomas-Alyea, Electrochemical Systems,
3rd ed., ch. 12) needs four properties of a binary electrolyte, each a
function of the salt concentration c (mol/m3) and the temperature T (K):

* conductivity kappa (S/m),
* salt diffusivity D (m2/s),
* cation transference number t+ (1), relative to the solvent velocity,
* thermodynamic factor 1 + dln f/dln c (1).

Each is a :class:`Property`: a named functional form with its coefficients,
read from ``fem/data/binary_electrolytes.toml`` where every value carries its
unit and source.  The same property evaluates on NumPy arrays and on UFL
expressions (``ops`` is ``numpy`` or ``ufl``), so the forms the solver
assembles and the numbers the tests check come from one expression.

The dilute binary electrolyte is the special case of constant D and t+ with a
thermodynamic factor of 1 (:meth:`BinaryElectrolyte.constant`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from types import ModuleType
from typing import Any

import numpy as np

from fem.constants import FARADAY_C_PER_MOL, GAS_CONSTANT_J_PER_MOL_K, thermal_voltage
from fem.validation import ParameterError, check_choice, check_positive, check_range

__all__ = [
    "PROPERTY_MODELS",
    "Property",
    "ConcentrationKinetics",
    "BinaryElectrolyte",
    "binary_electrolyte_parameters",
    "binary_electrolyte",
    "available_binary_electrolytes",
]

_LN10 = math.log(10.0)


def _valoen_reimers_conductivity(c_L: Any, T: Any, k: tuple, ops: ModuleType) -> Any:
    # kappa [mS/cm] = c sum_i c^i (sum_j a_ij T^j))^2  (Valoen & Reimers 2005); 1 mS/cm = 0.1 S/m
    inner = sum(c_L**i * sum(a * T**j for j, a in enumerate(row)) for i, row in enumerate(k))
    return 0.1 * c_L * inner**2


def _valoen_reimers_diffusivity(c_L: Any, T: Any, k: tuple, ops: ModuleType) -> Any:
    # log10(D [cm2/s]) = d0 + d1 / (T - (Tg0 + Tg1 c)) + d2 c;  1 cm2/s = 1e-4 m2/s
    d0, d1, tg0, tg1, d2 = k
    return 1e-4 * ops.exp(_LN10 * (d0 + d1 / (T - (tg0 + tg1 * c_L)) + d2 * c_L))


def _valoen_reimers_thermodynamic_factor(c_L: Any, T: Any, k: tuple, ops: ModuleType) -> Any:
    # (1 - t0)(1 + dln f/dln c) = p0 + p1 c^0.5 + p2 (1 + p3 (T - T0)) c^1.5
    p0, p1, p2, p3, t_ref, t0 = k
    root = ops.sqrt(c_L)
    return (p0 + p1 * root + p2 * (1.0 + p3 * (T - t_ref)) * c_L * root) / (1.0 - t0)


#: Functional forms by name: f(c in mol/L, T in K, coefficients, ops) in SI units.
PROPERTY_MODELS: dict[str, Any] = {
    "valoen_reimers_conductivity": _valoen_reimers_conductivity,
    "valoen_reimers_diffusivity": _valoen_reimers_diffusivity,
    "valoen_reimers_thermodynamic_factor": _valoen_reimers_thermodynamic_factor,
}


@dataclass(frozen=True, slots=True)
class Property:
    """One property of the electrolyte as a function of c (mol/m3) and T (K), in SI units.

    Attributes:
        model: "constant" (``value``), "proportional" (``value`` c / c_ref: the
            dilute-solution conductivity) or one of :data:`PROPERTY_MODELS`
            (``coefficients`` in the units of the source's fit).
        value: the constant, or the value at ``reference_concentration``.
        coefficients: the fit's coefficients (see the model's equation).
        reference_concentration: c_ref of "proportional" (mol/m3).
        source: where the numbers come from.
    """

    model: str = "constant"
    value: float = 0.0
    coefficients: tuple = ()
    reference_concentration: float = 1.0
    source: str = ""

    def __post_init__(self) -> None:
        check_choice("model", self.model, ("constant", "proportional", *PROPERTY_MODELS))

    def __call__(self, c: Any, T: Any, ops: ModuleType = np) -> Any:
        """Value at concentration ``c`` (mol/m3) and temperature ``T`` (K); NumPy or UFL."""
        if self.model == "constant":
            return self.value + 0.0 * c if ops is np else self.value
        if self.model == "proportional":
            return self.value * c / self.reference_concentration
        return PROPERTY_MODELS[self.model](c / 1000.0, T, self.coefficients, ops)

    @classmethod
    def from_table(cls, table: dict[str, Any]) -> Property:
        coefficients = tuple(tuple(row) if isinstance(row, list) else row for row in table.get("coefficients", ()))
        return cls(
            model=table.get("model", "constant"),
            value=float(table.get("value", 0.0)),
            coefficients=coefficients,
            reference_concentration=float(table.get("reference_concentration", 1.0)),
            source=str(table.get("source", "")),
        )


@dataclass(frozen=True, slots=True)
class ConcentrationKinetics:
    """Butler-Volmer kinetics of Li = Li+ + e- with a concentration-dependent exchange current.

    Anodic (stripping) current density positive::

        i = i0(c) [exp(alpha_a F eta / RT) - exp(-alpha_c F eta / RT)],
        i0(c) = i0_ref (c / c_ref)^gamma,        eta = E_metal - phi

    with phi the electrolyte potential measured by a Li reference electrode at
    the local concentration, so the equilibrium potential is 0 (Newman &
    Thomas-Alyea, ch. 8; gamma = alpha_a for an elementary step).

    Attributes:
        exchange_current_density_A_m2: i0_ref at c_ref (A/m2).
        reference_concentration_mol_m3: c_ref (mol/m3).
        concentration_exponent: gamma (1), 0 to 2.
        alpha_anodic, alpha_cathodic: transfer coefficients (0, 1].
    """

    exchange_current_density_A_m2: float
    reference_concentration_mol_m3: float
    concentration_exponent: float = 0.5
    alpha_anodic: float = 0.5
    alpha_cathodic: float = 0.5
    source: str = ""

    def __post_init__(self) -> None:
        check_positive("exchange_current_density_A_m2", self.exchange_current_density_A_m2, "A/m2")
        check_positive("reference_concentration_mol_m3", self.reference_concentration_mol_m3, "mol/m3")
        check_range(
            "concentration_exponent", self.concentration_exponent, 0.0, 2.0, low_inclusive=True, high_inclusive=True
        )
        check_range("alpha_anodic", self.alpha_anodic, 0.0, 1.0, high_inclusive=True)
        check_range("alpha_cathodic", self.alpha_cathodic, 0.0, 1.0, high_inclusive=True)

    def exchange_current_density(self, c: Any) -> Any:
        """i0(c) in A/m2 (``c`` in mol/m3, non-negative; NumPy or UFL)."""
        return (
            self.exchange_current_density_A_m2
            * (c / self.reference_concentration_mol_m3) ** self.concentration_exponent
        )

    def current_density(self, c: Any, eta: Any, temperature_K: float, ops: ModuleType = np) -> Any:
        """Anodic-positive current density (A/m2) at concentration ``c`` and overpotential ``eta`` (V)."""
        f = 1.0 / thermal_voltage(temperature_K)
        return self.exchange_current_density(c) * (
            ops.exp(self.alpha_anodic * f * eta) - ops.exp(-self.alpha_cathodic * f * eta)
        )


#: Sample points per range when the properties are checked for positivity.
_CHECK_POINTS = 9


@dataclass(frozen=True, slots=True)
class BinaryElectrolyte:
    """A binary 1:1 electrolyte: the four transport properties and the Li kinetics in it.

    Attributes:
        name: the set's name.
        conductivity: kappa(c, T) in S/m.
        diffusivity: D(c, T) in m2/s.
        transference_number: t+(c, T), cation, in [0, 1).
        thermodynamic_factor: 1 + dln f/dln c (1), positive.
        reference_concentration_mol_m3: the bulk (initial) concentration c0 by default.
        concentration_range_mol_m3: (low, high) where the correlations hold.
        temperature_range_K: (low, high) where the correlations hold.
        kinetics: Li | electrolyte charge transfer.
        description: one line on what the set is.

    The properties are checked on a grid of the concentration and temperature
    ranges: a non-positive conductivity, diffusivity or thermodynamic factor,
    or t+ outside [0, 1), is refused with a ParameterError.
    """

    name: str
    conductivity: Property
    diffusivity: Property
    transference_number: Property
    thermodynamic_factor: Property
    reference_concentration_mol_m3: float
    concentration_range_mol_m3: tuple[float, float]
    temperature_range_K: tuple[float, float]
    kinetics: ConcentrationKinetics
    description: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_positive("reference_concentration_mol_m3", self.reference_concentration_mol_m3, "mol/m3")
        c_low, c_high = self.concentration_range_mol_m3
        check_positive("concentration_range_mol_m3[0]", c_low, "mol/m3")
        check_range("concentration_range_mol_m3[1]", c_high, c_low, low_inclusive=True, unit="mol/m3")
        t_low, t_high = self.temperature_range_K
        check_positive("temperature_range_K[0]", t_low, "K")
        check_range("temperature_range_K[1]", t_high, t_low, low_inclusive=True, unit="K")
        c = np.linspace(c_low, c_high, _CHECK_POINTS)
        for T in np.linspace(t_low, t_high, 3):
            self._check_values(c, float(T))

    def _check_values(self, c: np.ndarray, T: float) -> None:
        for name in ("conductivity", "diffusivity", "thermodynamic_factor"):
            values = np.asarray(getattr(self, name)(c, T), dtype=float)
            bad = np.flatnonzero(~(values > 0.0))
            if bad.size:
                k = bad[0]
                raise ParameterError(
                    f"{self.name}: {name} = {values[k]:.4g} at c = {c[k]:.4g} mol/m3, T = {T:.5g} K is outside "
                    "the allowed range (0, inf)"
                )
        t_plus = np.asarray(self.transference_number(c, T), dtype=float)
        bad = np.flatnonzero(~((t_plus >= 0.0) & (t_plus < 1.0)))
        if bad.size:
            k = bad[0]
            raise ParameterError(
                f"{self.name}: transference_number = {t_plus[k]:.4g} at c = {c[k]:.4g} mol/m3 is outside the "
                "allowed range [0, 1) (cation transference number)"
            )

    def check_state(self, concentration_mol_m3: float, temperature_K: float) -> None:
        """Refuse a bulk concentration or temperature outside the set's ranges (ParameterError)."""
        c_low, c_high = self.concentration_range_mol_m3
        check_range(
            "concentration_mol_m3",
            concentration_mol_m3,
            c_low,
            c_high,
            low_inclusive=True,
            high_inclusive=True,
            unit="mol/m3",
        )
        t_low, t_high = self.temperature_range_K
        check_range("temperature_K", temperature_K, t_low, t_high, low_inclusive=True, high_inclusive=True, unit="K")

    def anion_transference_number(self, c: Any, T: Any, ops: ModuleType = np) -> Any:
        """t_a = 1 - t+ (1)."""
        return 1.0 - self.transference_number(c, T, ops)

    def diffusion_potential_conductivity(self, c: Any, T: Any, ops: ModuleType = np) -> Any:
        """kappa_D = 2 kappa (RT/F) (1 - t+)(1 + dln f/dln c) in A/m (Newman & Thomas-Alyea, ch. 12).

        The current density is i = -kappa grad(phi) + kappa_D grad(ln c) with phi
        measured by a Li reference electrode (the form used by Doyle, Fuller &
        Newman, J. Electrochem. Soc. 140 (1993) 1526).
        """
        return (
            2.0
            * self.conductivity(c, T, ops)
            * (GAS_CONSTANT_J_PER_MOL_K * T / FARADAY_C_PER_MOL)
            * (1.0 - self.transference_number(c, T, ops))
            * self.thermodynamic_factor(c, T, ops)
        )

    def properties_at(self, c: float, T: float) -> dict[str, float]:
        """The four properties at (c, T) as floats, keys with units."""
        return {
            "conductivity_S_m": float(self.conductivity(np.float64(c), T)),
            "diffusivity_m2_s": float(self.diffusivity(np.float64(c), T)),
            "transference_number": float(self.transference_number(np.float64(c), T)),
            "thermodynamic_factor": float(self.thermodynamic_factor(np.float64(c), T)),
        }

    @classmethod
    def constant(
        cls,
        diffusivity_m2_s: float,
        transference_number: float,
        conductivity_S_m: float,
        concentration_mol_m3: float,
        kinetics: ConcentrationKinetics,
        thermodynamic_factor: float = 1.0,
        name: str = "constant",
        temperature_range_K: tuple[float, float] = (200.0, 500.0),
    ) -> BinaryElectrolyte:
        """Constant properties (the dilute binary model when the thermodynamic factor is 1).

        Refuses a non-positive diffusivity, conductivity or concentration and
        t+ outside [0, 1) before anything else is built.
        """
        check_positive("diffusivity_m2_s", diffusivity_m2_s, "m2/s")
        check_positive("conductivity_S_m", conductivity_S_m, "S/m")
        check_positive("concentration_mol_m3", concentration_mol_m3, "mol/m3")
        check_range("transference_number", transference_number, 0.0, 1.0, low_inclusive=True)
        check_positive("thermodynamic_factor", thermodynamic_factor)
        return cls(
            name=name,
            conductivity=Property("constant", conductivity_S_m),
            diffusivity=Property("constant", diffusivity_m2_s),
            transference_number=Property("constant", transference_number),
            thermodynamic_factor=Property("constant", thermodynamic_factor),
            reference_concentration_mol_m3=concentration_mol_m3,
            concentration_range_mol_m3=(1e-9 * concentration_mol_m3, 1e9 * concentration_mol_m3),
            temperature_range_K=temperature_range_K,
            kinetics=kinetics,
            description="constant properties" + (" (dilute binary)" if thermodynamic_factor == 1.0 else ""),
        )


def binary_electrolyte_parameters() -> dict[str, Any]:
    """The parsed ``fem/data/binary_electrolytes.toml`` (values with units and sources)."""
    text = resources.files("fem").joinpath("data/binary_electrolytes.toml").read_text()
    return tomllib.loads(text)["binary_electrolyte"]


def available_binary_electrolytes() -> tuple[str, ...]:
    """Names of the sourced property sets."""
    return tuple(binary_electrolyte_parameters())


def binary_electrolyte(name: str) -> BinaryElectrolyte:
    """The sourced property set ``name`` (see :func:`available_binary_electrolytes`)."""
    sets = binary_electrolyte_parameters()
    check_choice("electrolyte", name, tuple(sets))
    table = sets[name]
    kin = table["kinetics"]
    kinetics = ConcentrationKinetics(
        exchange_current_density_A_m2=float(kin["exchange_current_density"]["value"]),
        reference_concentration_mol_m3=float(kin["reference_concentration"]["value"]),
        concentration_exponent=float(kin["concentration_exponent"]["value"]),
        alpha_anodic=float(kin["alpha_anodic"]["value"]),
        alpha_cathodic=float(kin["alpha_cathodic"]["value"]),
        source=kin["exchange_current_density"]["source"],
    )
    properties = ("conductivity", "diffusivity", "transference_number", "thermodynamic_factor")
    return BinaryElectrolyte(
        name=name,
        **{key: Property.from_table(table[key]) for key in properties},
        reference_concentration_mol_m3=float(table["reference_concentration"]["value"]),
        concentration_range_mol_m3=tuple(float(v) for v in table["concentration_range"]["value"]),
        temperature_range_K=tuple(float(v) for v in table["temperature_range"]["value"]),
        kinetics=kinetics,
        description=table.get("description", ""),
        sources={key: table[key]["source"] for key in properties} | {"kinetics": kinetics.source},
    )
