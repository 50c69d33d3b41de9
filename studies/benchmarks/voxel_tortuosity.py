"""A TauFactor-equivalent reference: porosity, specific area and tortuosity factor straight from the voxels.

TauFactor (Cooper et al., SoftwareX 5 (2016) 203; ``taufactor`` on PyPI) is
not in the project's rootfs: it depends on PyTorch (a CPU wheel of several
hundred MB), which the project's package lists do not carry for one
benchmark.  This module implements the same method on the CPU with SciPy, as
the reference that the image meshes (geometries.image_volume) are checked
against in tests/test_image_effective_properties.py and
studies/benchmarks/image_effective_properties.py:

* unknowns at the centres of the conducting (pore) voxels; a two-point flux
  between face neighbours (conductance 1 in voxel units); the inlet and outlet
  planes (z = 0 and z = nz voxels) held at u = 1 and 0, half a voxel from the
  first and last voxel centres (conductance 2); zero flux elsewhere (pore walls,
  sides);
* pore clusters touching neither plane carry no current and are dropped
  (TauFactor's treatment of isolated pores);
* conductivity ratio kappa_eff / kappa = Q nz / (nx ny) with Q the outlet flux,
  tortuosity factor tau = eps / (kappa_eff / kappa), eps the pore voxel fraction
  (isolated pores included, as TauFactor does);
* specific area: voxel faces between pore and solid (box faces excluded) times
  h^2 over the box volume.

This is the finite-volume discretisation of the same staircase geometry that
the voxel tetrahedra mesh: both converge to the staircase's tau, the FE P1
value from below (Dirichlet principle), so the two should agree to the
discretisation error.  Test/benchmark code: not part of the library.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["VoxelProperties", "voxel_properties", "rasterize_spheres"]


@dataclass(frozen=True, slots=True)
class VoxelProperties:
    """Voxel-based properties of the pore phase through z (SI units where dimensional)."""

    porosity: float
    specific_area_1_m: float
    conductivity_ratio: float
    tortuosity: float
    unknowns: int


def _pore_faces(pore: np.ndarray) -> int:
    """Number of voxel faces between a pore and a solid voxel (inside the box)."""
    count = 0
    for axis in range(3):
        a = np.take(pore, range(pore.shape[axis] - 1), axis=axis)
        b = np.take(pore, range(1, pore.shape[axis]), axis=axis)
        count += int(np.sum(a != b))
    return count


def voxel_properties(pore: np.ndarray, voxel_size: float, rtol: float = 1e-11) -> VoxelProperties:
    """Porosity, specific area (1/m) and through-z tortuosity of the True voxels of ``pore`` (z, y, x)."""
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla
    from scipy import ndimage

    pore = np.asarray(pore, dtype=bool)
    nz, ny, nx = pore.shape
    porosity = float(pore.mean())
    area = _pore_faces(pore) * voxel_size**2 / (pore.size * voxel_size**3)
    labels, _ = ndimage.label(pore)  # 6-connected clusters
    live = np.setdiff1d(np.union1d(labels[0], labels[-1]), [0])
    active = np.isin(labels, live)
    index = np.full(pore.shape, -1, dtype=np.int64)
    index[active] = np.arange(int(active.sum()))
    n = int(active.sum())
    rows, cols = [], []
    for axis in range(3):
        a = np.take(index, range(pore.shape[axis] - 1), axis=axis)
        b = np.take(index, range(1, pore.shape[axis]), axis=axis)
        both = (a >= 0) & (b >= 0)
        rows.append(a[both])
        cols.append(b[both])
    i, j = np.concatenate(rows), np.concatenate(cols)
    inlet, outlet = index[0][index[0] >= 0], index[-1][index[-1] >= 0]
    diagonal = (np.bincount(i, minlength=n) + np.bincount(j, minlength=n)).astype(float)
    diagonal[inlet] += 2.0
    diagonal[outlet] += 2.0  # (nz = 1: both planes on one voxel)
    off = -np.ones(len(i))
    matrix = sp.coo_matrix(
        (
            np.concatenate([diagonal, off, off]),
            (np.concatenate([np.arange(n), i, j]), np.concatenate([np.arange(n), j, i])),
        ),
        shape=(n, n),
    ).tocsr()
    rhs = np.zeros(n)
    rhs[inlet] += 2.0
    jacobi = sp.diags(1.0 / diagonal)
    u, info = spla.cg(matrix, rhs, rtol=rtol, atol=0.0, M=jacobi, maxiter=20 * n)
    if info != 0:
        raise RuntimeError(f"voxel conduction CG did not converge (info = {info})")
    flux = float(np.sum(2.0 * u[outlet]))
    ratio = flux * nz / (nx * ny)
    return VoxelProperties(porosity, area, ratio, porosity / ratio if ratio > 0 else float("inf"), n)


def rasterize_spheres(spheres: object, shape: tuple[int, int, int], voxel_size: float) -> np.ndarray:
    """Solid voxels (z, y, x): centres inside any sphere (``.centre`` (x, y, z), ``.radius``, m)."""
    nz, ny, nx = shape
    z, y, x = ((np.arange(k) + 0.5) * voxel_size for k in (nz, ny, nx))
    solid = np.zeros(shape, dtype=bool)
    for s in spheres:  # type: ignore[attr-defined]
        (cx, cy, cz), r = s.centre, s.radius
        ks, js, is_ = (
            slice(max(0, int((c - r) / voxel_size)), min(k, int((c + r) / voxel_size) + 1))
            for c, k in ((cz, nz), (cy, ny), (cx, nx))
        )
        if ks.start >= ks.stop or js.start >= js.stop or is_.start >= is_.stop:
            continue
        d2 = (z[ks, None, None] - cz) ** 2 + (y[None, js, None] - cy) ** 2 + (x[None, None, is_] - cx) ** 2
        solid[ks, js, is_] |= d2 <= r * r
    return solid


def smoothed_interface_area(phase: np.ndarray, voxel_size: float, smoothing: float = 0.7) -> float:
    """Area (m2) of the 0.5 level set of the Gaussian-blurred indicator of ``phase`` (z, y, x), in the box.

    The smoothed route for interface areas (the 3D analogue of the traced contact
    contours of geometries.image_contact): a staircase's area does not converge
    to a curved interface's (a voxelised sphere keeps ~3/2 of its area at any
    voxel size), the marching-cubes surface of the blurred indicator does.  The
    field is sampled at the voxel centres and extended by its edge values to
    the box faces (mirror sides), so interfaces are traced up to the box.
    """
    import pyvista
    from scipy import ndimage

    field = np.asarray(phase, dtype=float)
    if smoothing > 0.0:
        field = ndimage.gaussian_filter(field, smoothing, mode="reflect")
    field = np.pad(field, 1, mode="edge")
    axes = [np.concatenate(([0.0], (np.arange(k) + 0.5) * voxel_size, [k * voxel_size])) for k in phase.shape]
    grid = pyvista.RectilinearGrid(axes[2], axes[1], axes[0])  # x, y, z; point order x fastest
    grid.point_data["f"] = field.ravel()  # (z, y, x) C order: x fastest
    surface = grid.contour([0.5], scalars="f")
    return float(surface.area) if surface.n_points else 0.0
