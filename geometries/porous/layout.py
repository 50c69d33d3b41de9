"""The cell around the scaffold: footprint, host layer, separator, porosity slabs, Li fill, mesh sizes.

:class:`HostLayout` is everything the placement and the OCC build need besides
the scaffold (SI units); :class:`Slab` is one porosity sublayer of the host
layer.  :func:`lithium_fill_fraction` turns the user's ``pore_fill`` into the
height fraction of the pores filled with Li.
"""

from __future__ import annotations

from dataclasses import dataclass

from fem.validation import ParameterError, check_range

__all__ = ["UM", "Slab", "HostLayout", "lithium_fill_fraction"]

#: One micrometre in m (messages and the command line give lengths in um).
UM = 1e-6


@dataclass(frozen=True, slots=True)
class Slab:
    """A sublayer [z_bottom, z_top] (m) of the host layer with its target porosity."""

    z_bottom: float
    z_top: float
    porosity: float

    @property
    def thickness(self) -> float:
        return self.z_top - self.z_bottom


@dataclass(frozen=True, slots=True)
class HostLayout:
    """Everything the OCC builder needs besides the scaffold (SI units).

    Attributes:
        footprint: cell side b (m).
        host_thickness: H (m).
        separator_thickness: L (m).
        slabs: porosity sublayers covering [0, H] bottom to top.
        lithium_fill: height fraction of the pores filled with Li, in [0, 1].
        host_layers: boundaries z (m) of tagged host sublayers (bottom 0 ... top H);
            empty for a single "host" region.
        mesh_size: element size at the scaffold surfaces (m).
        mesh_size_bulk: element size away from the scaffold: pore interiors, separator (m).
        min_gap: clearance between nearly touching surfaces (m).
    """

    footprint: float
    host_thickness: float
    separator_thickness: float
    slabs: tuple[Slab, ...]
    lithium_fill: float
    host_layers: tuple[float, ...]
    mesh_size: float
    mesh_size_bulk: float
    min_gap: float

    @property
    def fill_height(self) -> float:
        return self.lithium_fill * self.host_thickness

    @property
    def cut_planes(self) -> tuple[float, ...]:
        """Interior z (m) where the host layer is cut: slab and host-layer boundaries, fill height."""
        H = self.host_thickness
        tol = 1e-9 * H
        cuts = [s.z_top for s in self.slabs[:-1]] + list(self.host_layers[1:-1])
        if 0.0 < self.lithium_fill < 1.0:
            cuts.append(self.fill_height)
        unique: list[float] = []
        for z in sorted(cuts):
            if tol < z < H - tol and (not unique or z - unique[-1] > tol):
                unique.append(z)
        return tuple(unique)

    @property
    def z_planes(self) -> tuple[float, ...]:
        """All horizontal planes that surfaces must stay clear of: z = 0, cuts, H."""
        return (0.0, *self.cut_planes, self.host_thickness)

    @property
    def host_layer_volume(self) -> float:
        return self.footprint**2 * self.host_thickness


def lithium_fill_fraction(pore_fill: str | float) -> float:
    """Height fraction of the pores filled with Li: "electrolyte" 0, "lithium" 1, or a number in [0, 1]."""
    if isinstance(pore_fill, str):
        named = {"electrolyte": 0.0, "lithium": 1.0}
        if pore_fill in named:
            return named[pore_fill]
        try:
            pore_fill = float(pore_fill)
        except ValueError:
            raise ParameterError(
                f"pore_fill = {pore_fill!r} is not 'electrolyte', 'lithium' or a Li fill fraction in [0, 1]"
            ) from None
    return check_range("pore_fill", pore_fill, 0.0, 1.0, low_inclusive=True, high_inclusive=True)
