"""Effective (homogenised) parameters of a pore-resolved host: porosity, interface area, tortuosity.

For a slab z_bottom < z < z_top of a tagged host mesh (geometries.porous,
geometries.gradient or any MeshData with the marker table):

* porosity eps: volume of the pore cells (default the electrolyte, "sse")
  in the slab over the slab volume A (z_top - z_bottom), A the footprint;
* specific interface area a (1/m): area of the named interface facets
  (default host_sse) in the slab over the slab volume;
* tortuosity tau of the pore phase from a steady conduction problem on the
  pore cells of the slab, -div(grad u) = 0, u = 1 on z = z_bottom, u = 0 on
  z = z_top, zero flux on the pore walls and the sides.  The effective
  conductivity (relative to the bulk electrolyte) is
  kappa_eff / kappa = (z_top - z_bottom) int |grad u|^2 dx / A and
  tau = eps kappa / kappa_eff (Epstein, Chem. Eng. Sci. 44 (1989) 777;
  Tjaden et al., Curr. Opin. Chem. Eng. 12 (2016) 44).  By the Dirichlet
  principle the discrete energy is an upper bound, so the computed tau is a
  lower bound that converges from below under refinement.

The slab faces must be mesh planes (z = 0 and the host top z = H always are;
gradient hosts are cut at their sublayer boundaries).  Pore pockets that touch
neither face carry no current; a vanishing zeroth-order term (1e-12 of the
stiffness scale) keeps the operator definite there without changing the
connected solution beyond 1e-12.

References for the comparisons: Maxwell, Treatise on Electricity and
Magnetism (1873), art. 314: insulating spheres at volume fraction 1 - eps,
kappa_eff / kappa = 2 eps / (3 - eps), tau = (3 - eps) / 2; Bruggeman,
Ann. Phys. 24 (1935) 636: kappa_eff / kappa = eps^1.5, tau = eps^-0.5.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dolfinx
import dolfinx.fem.petsc
import dolfinx.mesh
import numpy as np
import ufl
from mpi4py import MPI

from fem._compat import linear_problem
from fem.electrochemistry.porous_electrode import HomogenisedHost, Layers
from fem.mesh_io import MeshData
from fem.solvers import ELLIPTIC_NEWTON_DEFAULTS, unique_prefix
from fem.validation import ParameterError, check_positive, check_range

__all__ = [
    "EffectiveProperties",
    "host_thickness_m",
    "footprint_area_m2",
    "region_volume_m3",
    "interface_area_m2",
    "pore_conductivity_ratio",
    "effective_properties",
    "layer_properties",
    "homogenised_host",
    "maxwell_tortuosity",
    "bruggeman_tortuosity",
]

#: Krylov options of the conduction solve: CG + BoomerAMG from the shared elliptic defaults.
_KSP_KEYS = ("ksp_type", "ksp_norm_type", "ksp_rtol", "ksp_atol", "ksp_max_it", "ksp_error_if_not_converged")
CONDUCTION_OPTIONS: dict[str, Any] = {
    **{key: value for key, value in ELLIPTIC_NEWTON_DEFAULTS.items() if key.startswith("pc_") or key in _KSP_KEYS},
    "ksp_rtol": 1e-12,  # the effective conductivity to ~1e-10 whatever the partition (AMG differs per rank count)
    "ksp_atol": 1e-30,
}
#: Relative zeroth-order term that keeps isolated pore pockets definite (see module docstring).
_POCKET_REGULARISATION = 1e-12


def maxwell_tortuosity(porosity: float) -> float:
    """(3 - eps) / 2: dilute insulating spheres (Maxwell 1873; Hashin-Shtrikman bound)."""
    return (3.0 - porosity) / 2.0


def bruggeman_tortuosity(porosity: float, exponent: float = 1.5) -> float:
    """eps^(1 - b): Bruggeman's effective-medium law kappa_eff = kappa eps^b."""
    return porosity ** (1.0 - exponent)


@dataclass(frozen=True, slots=True)
class EffectiveProperties:
    """Homogenised parameters of one slab (SI units).

    Attributes:
        z_bottom_m, z_top_m: the slab (m).
        porosity: pore (conducting-phase) volume fraction.
        specific_area_1_m: interface area per slab volume (1/m).
        conductivity_ratio: kappa_eff / kappa of the pore phase (through-plane).
        tortuosity: eps kappa / kappa_eff.
        num_dofs: unknowns of the conduction solve.
    """

    z_bottom_m: float
    z_top_m: float
    porosity: float
    specific_area_1_m: float
    conductivity_ratio: float
    tortuosity: float
    num_dofs: int

    @property
    def thickness_m(self) -> float:
        return self.z_top_m - self.z_bottom_m

    @property
    def hydraulic_radius_m(self) -> float:
        """eps / a (m): pore volume over pore surface."""
        return self.porosity / self.specific_area_1_m if self.specific_area_1_m > 0 else float("inf")


# ----------------------------------------------------------------------------- geometry measures


def _depth_axis(md: MeshData) -> int:
    return md.mesh.geometry.dim - 1


def host_thickness_m(md: MeshData) -> float:
    """The host thickness H (m) recorded by the builder in info["parameters"]["host_thickness_m"]."""
    try:
        return float(md.info["parameters"]["host_thickness_m"])
    except (KeyError, TypeError):
        raise ParameterError("the mesh info has no parameters.host_thickness_m: pass z_top_m explicitly") from None


def footprint_area_m2(md: MeshData) -> float:
    """Area (m2) of the footprint: the bounding box of the mesh across the depth axis (1 in 1D)."""
    mesh, axis = md.mesh, _depth_axis(md)
    x = mesh.geometry.x[:, :axis]
    low = np.full(axis, np.inf) if x.size == 0 else x.min(axis=0)
    high = np.full(axis, -np.inf) if x.size == 0 else x.max(axis=0)
    mesh.comm.Allreduce(MPI.IN_PLACE, low, op=MPI.MIN)
    mesh.comm.Allreduce(MPI.IN_PLACE, high, op=MPI.MAX)
    return float(np.prod(high - low)) if axis else 1.0


def _cell_midpoint_depths(md: MeshData, cells: np.ndarray) -> np.ndarray:
    tdim = md.mesh.topology.dim
    return dolfinx.mesh.compute_midpoints(md.mesh, tdim, cells)[:, _depth_axis(md)]


def _slab_cells(md: MeshData, regions: Sequence[str], z_bottom: float, z_top: float, owned: bool) -> np.ndarray:
    """Cells of the named regions whose midpoint lies in (z_bottom, z_top); owned only if asked."""
    ids = [md.cell_id(name) for name in regions]
    cells = np.unique(np.concatenate([md.cell_tags.find(i) for i in ids])).astype(np.int32)
    if owned:
        cells = cells[cells < md.mesh.topology.index_map(md.mesh.topology.dim).size_local]
    if cells.size == 0:
        return cells
    z = _cell_midpoint_depths(md, cells)
    return cells[(z > z_bottom) & (z < z_top)]


def _simplex_measures(points: np.ndarray) -> np.ndarray:
    """Measures of simplices given as (n, k + 1, gdim) vertex arrays (Gram determinant / k!)."""
    edges = points[:, 1:, :] - points[:, :1, :]
    k = edges.shape[1]
    if k == 0:
        return np.ones(points.shape[0])
    gram = np.einsum("nid,njd->nij", edges, edges)
    return np.sqrt(np.abs(np.linalg.det(gram))) / float(np.prod(np.arange(1, k + 1)))


def _entity_measures(md: MeshData, dim: int, entities: np.ndarray) -> np.ndarray:
    if entities.size == 0:
        return np.zeros(0)
    nodes = dolfinx.mesh.entities_to_geometry(md.mesh, dim, entities, False)
    gdim = md.mesh.geometry.dim
    return _simplex_measures(md.mesh.geometry.x[nodes][:, :, :gdim])


def region_volume_m3(md: MeshData, regions: Sequence[str], z_bottom: float, z_top: float) -> float:
    """Volume (m3) of the named cell regions between z_bottom and z_top (collective)."""
    cells = _slab_cells(md, regions, z_bottom, z_top, owned=True)
    local = float(_entity_measures(md, md.mesh.topology.dim, cells).sum())
    return md.mesh.comm.allreduce(local, op=MPI.SUM)


def interface_area_m2(md: MeshData, facets: Sequence[str], z_bottom: float, z_top: float) -> float:
    """Area (m2) of the named facet regions with midpoints in z_bottom < z <= z_top (collective).

    Owned facets only, so each is counted once on any partition; interior
    (host | pore) and boundary facets alike.  The half-open slab counts the
    scaffold's flat top face under the separator (z = H) in the host and
    never counts a facet in two stacked slabs.
    """
    mesh = md.mesh
    fdim = mesh.topology.dim - 1
    mesh.topology.create_entities(fdim)
    owned = mesh.topology.index_map(fdim).size_local
    selected = []
    for name in facets:
        found = md.facet_tags.find(md.facet_id(name))
        selected.append(found[found < owned])
    entities = np.unique(np.concatenate(selected)).astype(np.int32) if selected else np.zeros(0, np.int32)
    if entities.size:
        z = dolfinx.mesh.compute_midpoints(mesh, fdim, entities)[:, _depth_axis(md)]
        tol = 1e-9 * (z_top - z_bottom)
        entities = entities[(z > z_bottom + tol) & (z < z_top + tol)]
    local = float(_entity_measures(md, fdim, entities).sum())
    return mesh.comm.allreduce(local, op=MPI.SUM)


def _check_slab_planes(md: MeshData, regions: Sequence[str], z_bottom: float, z_top: float) -> None:
    """Refuse a slab whose faces cut through pore cells (the faces must be mesh planes)."""
    cells = _slab_cells(md, regions, -np.inf, np.inf, owned=True)
    tdim = md.mesh.topology.dim
    straddle = False
    if cells.size:
        z = md.mesh.geometry.x[dolfinx.mesh.entities_to_geometry(md.mesh, tdim, cells, False)][:, :, _depth_axis(md)]
        tol = 1e-9 * (z_top - z_bottom)
        low, high = z.min(axis=1), z.max(axis=1)
        straddle = bool(
            np.any(((low < z_bottom - tol) & (high > z_bottom + tol)) | ((low < z_top - tol) & (high > z_top + tol)))
        )
    if md.mesh.comm.allreduce(straddle, op=MPI.LOR):
        raise ParameterError(
            f"the slab {z_bottom:.6g} m < z < {z_top:.6g} m cuts through pore cells: its faces must be mesh planes "
            "(the host top, or a sublayer boundary of a gradient host)"
        )


# ----------------------------------------------------------------------------- conduction problem


def pore_conductivity_ratio(
    md: MeshData,
    z_bottom_m: float,
    z_top_m: float,
    pore_regions: Sequence[str] = ("sse",),
    degree: int = 1,
    petsc_options: dict[str, Any] | None = None,
) -> tuple[float, int]:
    """(kappa_eff / kappa through the slab, number of dofs) from the conduction problem on its pore cells."""
    check_range("degree", degree, 1, 3, low_inclusive=True, high_inclusive=True)
    _check_slab_planes(md, pore_regions, z_bottom_m, z_top_m)
    mesh = md.mesh
    cells = _slab_cells(md, pore_regions, z_bottom_m, z_top_m, owned=False)
    tdim = mesh.topology.dim
    sub = dolfinx.mesh.create_submesh(mesh, tdim, np.sort(cells))[0]
    if sub.topology.index_map(tdim).size_global == 0:
        raise ParameterError(f"no cells of {list(pore_regions)} between z = {z_bottom_m:.6g} m and {z_top_m:.6g} m")
    V = dolfinx.fem.functionspace(sub, ("Lagrange", degree))
    axis = _depth_axis(md)
    tol = 1e-9 * (z_top_m - z_bottom_m)
    bottom = dolfinx.fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[axis], z_bottom_m, atol=tol))
    top = dolfinx.fem.locate_dofs_geometrical(V, lambda x: np.isclose(x[axis], z_top_m, atol=tol))
    bcs = [
        dolfinx.fem.dirichletbc(dolfinx.fem.Constant(sub, 1.0), bottom, V),
        dolfinx.fem.dirichletbc(dolfinx.fem.Constant(sub, 0.0), top, V),
    ]
    u, v = ufl.TrialFunction(V), ufl.TestFunction(V)
    thickness = z_top_m - z_bottom_m
    pocket = dolfinx.fem.Constant(sub, _POCKET_REGULARISATION / thickness**2)
    a = (ufl.inner(ufl.grad(u), ufl.grad(v)) + pocket * u * v) * ufl.dx
    L = dolfinx.fem.Constant(sub, 0.0) * v * ufl.dx
    options = {**CONDUCTION_OPTIONS, **(petsc_options or {})}
    problem = linear_problem(a, L, bcs, unique_prefix("tortuosity"), options)
    solution = problem.solve()
    energy = dolfinx.fem.form(ufl.inner(ufl.grad(solution), ufl.grad(solution)) * ufl.dx)
    total = mesh.comm.allreduce(dolfinx.fem.assemble_scalar(energy), op=MPI.SUM)
    dofs = V.dofmap.index_map.size_global
    return float(total * thickness / footprint_area_m2(md)), int(dofs)


def effective_properties(
    md: MeshData,
    z_bottom_m: float = 0.0,
    z_top_m: float | None = None,
    pore_regions: Sequence[str] = ("sse",),
    interfaces: Sequence[str] = ("host_sse",),
    degree: int = 1,
    petsc_options: dict[str, Any] | None = None,
) -> EffectiveProperties:
    """Porosity, specific area and tortuosity of the slab (default the whole host, 0 < z < H).

    Args:
        md: a tagged host mesh (whole cell, or only its pore regions).
        z_bottom_m, z_top_m: the slab (m); z_top_m defaults to the host thickness in md.info.
        pore_regions: cell regions of the conducting pore phase ("sse"; "lithium" for Li-filled pores).
        interfaces: facet regions counted as reacting interface (host_sse, host_li, li_sse).
        degree: Lagrange degree of the conduction solve.
    """
    top = host_thickness_m(md) if z_top_m is None else check_positive("z_top_m", z_top_m, "m")
    check_range("z_bottom_m", z_bottom_m, -np.inf, top, low_inclusive=True, unit="m")
    volume = footprint_area_m2(md) * (top - z_bottom_m)
    porosity = region_volume_m3(md, pore_regions, z_bottom_m, top) / volume
    if not 0.0 < porosity < 1.0 + 1e-9:
        raise ParameterError(f"porosity = {porosity:.4g} of {list(pore_regions)} in the slab is outside (0, 1]")
    area = interface_area_m2(md, interfaces, z_bottom_m, top) / volume
    ratio, dofs = pore_conductivity_ratio(md, z_bottom_m, top, pore_regions, degree, petsc_options)
    return EffectiveProperties(z_bottom_m, top, porosity, area, ratio, porosity / ratio, dofs)


def layer_properties(md: MeshData, z_edges_m: Sequence[float], **kwargs: Any) -> list[EffectiveProperties]:
    """:func:`effective_properties` of each slab between consecutive ``z_edges_m`` (bottom to top)."""
    edges = list(z_edges_m)
    if len(edges) < 2 or any(b <= a for a, b in itertools.pairwise(edges)):
        raise ParameterError(f"z_edges_m = {edges} must increase, with at least two values")
    return [effective_properties(md, a, b, **kwargs) for a, b in itertools.pairwise(edges)]


def homogenised_host(
    layers: Sequence[EffectiveProperties],
    scaffold_conductivity_S_m: float | Any,
    exchange_current_density_A_m2: float | Any,
    solid_tortuosity: float | Any | None = None,
) -> HomogenisedHost:
    """A fem.electrochemistry.porous_electrode.HomogenisedHost whose porosity, specific area and
    electrolyte tortuosity are the measured layer values (piecewise constant)."""
    if not layers or abs(layers[0].z_bottom_m) > 1e-12 * layers[-1].z_top_m:
        raise ParameterError("layers must start at z = 0 (the current collector)")
    thicknesses = tuple(layer.thickness_m for layer in layers)
    H = layers[-1].z_top_m

    def profile(values: list[float]) -> Layers:
        return Layers(thicknesses, tuple(values))

    return HomogenisedHost(
        thickness_m=H,
        porosity=profile([layer.porosity for layer in layers]),
        specific_area_1_m=profile([layer.specific_area_1_m for layer in layers]),
        scaffold_conductivity_S_m=scaffold_conductivity_S_m,
        exchange_current_density_A_m2=exchange_current_density_A_m2,
        # the discrete tau is >= 1 up to solver round-off (the FE space holds the linear potential,
        # which bounds the discrete energy by the Wiener limit kappa_eff <= eps kappa)
        tortuosity=profile([max(1.0, layer.tortuosity) for layer in layers]),
        solid_tortuosity=solid_tortuosity,
    )
