"""Measured contact maps (SEM / optical images of a Li | electrolyte interface) as planar-cell contact patterns.

A binary image (PNG, TIFF, ... through Pillow, or a NumPy ``.npy`` array) of
``n x n`` pixels of side ``pixel_size`` becomes the contact pattern of the
planar cell of :mod:`geometries.planar` (footprint ``n * pixel_size``): the
same slab, markers (li_sse 20 where in contact, void 21 elsewhere), edge
refinement and info.json as the spot-built cells.  Only the contact faces
differ: polygons with holes instead of disks (:class:`ContactImagePattern`,
which :func:`geometries.planar.build_planar_interface` accepts in place of a
:class:`geometries.spots.InterfacePattern`).

Pipeline (lengths in pixels unless stated, image row 0 at the top, i.e. at
y = footprint; x along columns):

1. read and check: exactly two grey values (the brighter one is contact unless
   ``invert``), or a grey-scale image with an explicit ``threshold`` (an
   ambiguous grey image without one is refused); colour images only if their
   channels agree; square images only (the planar cell is square: crop first);
2. clean: 8-connected contact islands and void holes of fewer than
   ``min_region_pixels`` pixels are removed (islands become void, holes become
   contact); their counts and the pixel fraction before and after are reported;
3. sub-pixel contours: the mask is blurred with a Gaussian of ``smoothing``
   pixels (mirror boundary, the cell's symmetric sides) and the 0.5 level set
   traced by marching squares (contourpy, matplotlib's contouring engine) as
   filled polygons with holes, on a grid extended to the image border so that
   contours touching the border are clipped to the footprint exactly;
4. resample: every ring is resampled by arc length to a vertex spacing of about
   the edge mesh size (border anchors kept, border runs straight);
5. keep the pixel area: every region is offset along its normals by one common
   distance so that it encloses the area of the contact pixels it contains (or,
   for pixels the blur eroded, is nearest to).  The blur shrinks a convex
   feature of radius R by ~ smoothing^2 / (2 R) and the resampling chords by
   ~ spacing^2 / (8 R); the offsets undo both.  The offset fades where a ring
   nears another ring or the border (:func:`_clearance_weights`), and crossing
   edges are refused before OCC sees them.  An offset above
   :data:`MAX_OFFSET_PIXELS` means the blur erased a feature (with the default
   smoothing of 0.7 pixel: islands of 1-2 pixels, lines of 1 pixel by 4 or
   less; at smoothing 1 also 2x2 holes and any 1-pixel line), and is refused;
   the default ``min_region_pixels`` = 9 (3x3) removes small islands and holes
   first.

The meshed contact fraction (polygon area over footprint, exact for a polygon)
is reported next to the pixel fraction; :func:`image_contact_pattern` refuses a
result further apart than :data:`FRACTION_TOLERANCE` (relative).  The sides of
the cell are symmetry planes, as for the spot cells: the image is one period
of a mirror-periodic interface.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fem.validation import ParameterError, check_positive, check_range
from geometries._build import distributed_mesh
from geometries.planar import PlanarInterfaceParams, build_planar_interface, mesh_info
from geometries.porous.layout import UM

__all__ = [
    "FRACTION_TOLERANCE",
    "MAX_OFFSET_PIXELS",
    "ContactPolygon",
    "ContactImagePattern",
    "load_array",
    "read_contact_image",
    "clean_contact_map",
    "contact_polygons",
    "image_contact_pattern",
    "rasterize_disks",
    "image_contact_params",
    "image_mesh_info",
    "image_contact_mesh",
    "register_image_contact",
    "build_image_contact_cli",
]

#: Largest relative difference between the polygon (meshed) and pixel contact fractions.
FRACTION_TOLERANCE = 0.01

#: Largest normal offset (pixels) of a traced region to its pixel area.  The
#: blur erases features narrower than about 1.5 x smoothing (a 2x2 hole, a
#: 1-pixel line at smoothing = 1); their area then goes to the nearest region,
#: which would have to move further than this: refused rather than distorted.
MAX_OFFSET_PIXELS = 0.5


@dataclass(frozen=True, slots=True)
class ContactPolygon:
    """One contact region: an outer ring and its holes, (k, 2) vertex arrays in m (not closed)."""

    outer: np.ndarray
    holes: tuple[np.ndarray, ...] = ()

    @property
    def area(self) -> float:
        return abs(_signed_area(self.outer)) - sum(abs(_signed_area(h)) for h in self.holes)

    @property
    def rings(self) -> tuple[np.ndarray, ...]:
        return (self.outer, *self.holes)


@dataclass(frozen=True, slots=True)
class ContactImagePattern:
    """Contact polygons in a square interface of side ``footprint`` (m), traced from a pixel image.

    Duck-types :class:`geometries.spots.InterfacePattern` for the planar builder:
    ``footprint``, ``disks_are_contact`` (the polygons are the contact),
    ``contact_fraction`` (the target: the cleaned pixel fraction),
    ``smallest_radius`` and :meth:`occ_surfaces`.
    """

    footprint: float
    polygons: tuple[ContactPolygon, ...]
    pixel_size: float
    pixels: int
    pixel_contact_fraction: float
    raw_pixel_contact_fraction: float
    islands_removed: int
    holes_filled: int
    min_region_pixels: int
    smoothing_pixels: float
    vertex_spacing: float
    max_offset_pixels: float
    source: str = ""

    disks_are_contact = True  # class constant: the faces built are the contact

    @property
    def contact_fraction(self) -> float:
        """Target contact fraction: contact pixels (after cleaning) over all pixels."""
        return self.pixel_contact_fraction

    @property
    def polygon_contact_fraction(self) -> float:
        """Area of the contact polygons over the footprint area (what is meshed)."""
        return sum(p.area for p in self.polygons) / self.footprint**2

    @property
    def smallest_radius(self) -> float:
        """Smallest 2 A / P over all rings (m): the radius for a disk, half the width for a strip.

        Border segments do not count towards P (they are symmetry planes, not edges).
        """
        return self.smallest_feature(self.polygons, self.footprint)

    @staticmethod
    def smallest_feature(polygons: Any, footprint: float) -> float:
        """Smallest 2 A / P over the rings of ``polygons`` in a footprint of side ``footprint`` (m)."""
        sizes = []
        for polygon in polygons:
            for ring in polygon.rings:
                perimeter = _free_length(ring, footprint)
                if perimeter > 0.0:
                    sizes.append(2.0 * abs(_signed_area(ring)) / perimeter)
        return min(sizes, default=footprint)

    @property
    def description(self) -> str:
        return (
            f"{len(self.polygons)} contact region(s) traced from {self.source or 'an image'} "
            f"({self.pixels}x{self.pixels} pixels of {self.pixel_size:.4g} m)"
        )

    def occ_surfaces(self, occ: Any, z: float, scale: float) -> list[int]:
        """Add the contact polygons as OCC plane surfaces at model height z (coordinates x ``scale``)."""
        surfaces = []
        for polygon in self.polygons:
            loops = []
            for ring in polygon.rings:
                points = [occ.addPoint(scale * x, scale * y, z) for x, y in ring]
                lines = [occ.addLine(points[i], points[(i + 1) % len(points)]) for i in range(len(points))]
                loops.append(occ.addCurveLoop(lines))
            surfaces.append(occ.addPlaneSurface(loops))
        return surfaces

    def summary(self) -> dict[str, Any]:
        """What info.json records of the pattern (not the vertices: mesh.msh has them)."""
        return {
            "kind": "contact image",
            "source": self.source,
            "pixels": self.pixels,
            "pixel_size_m": self.pixel_size,
            "footprint_m": self.footprint,
            "raw_pixel_contact_fraction": self.raw_pixel_contact_fraction,
            "pixel_contact_fraction": self.pixel_contact_fraction,
            "polygon_contact_fraction": self.polygon_contact_fraction,
            "min_region_pixels": self.min_region_pixels,
            "islands_removed": self.islands_removed,
            "holes_filled": self.holes_filled,
            "smoothing_pixels": self.smoothing_pixels,
            "vertex_spacing_m": self.vertex_spacing,
            "max_area_offset_pixels": self.max_offset_pixels,
            "n_regions": len(self.polygons),
            "n_holes": sum(len(p.holes) for p in self.polygons),
            "n_vertices": sum(len(r) for p in self.polygons for r in p.rings),
            "smallest_feature_radius_m": self.smallest_radius,
            "description": self.description,
        }


# ---------------------------------------------------------------------------- reading and cleaning


def load_array(path: Path, what: str, pages: bool = False) -> np.ndarray:
    """The array of a ``.npy`` file (no pickles) or an image read by Pillow (every page with ``pages``).

    Any failure is the user's file: ParameterError naming ``what`` and the path.
    """
    if not path.is_file():
        raise ParameterError(f"{what} = '{path}' is not a readable file")
    try:
        if path.suffix.lower() == ".npy":
            return np.load(path, allow_pickle=False)
        from PIL import Image, ImageSequence

        with Image.open(path) as image:
            if pages:
                return np.stack([np.asarray(page) for page in ImageSequence.Iterator(image)])
            return np.asarray(image)
    except Exception as error:  # any reader failure
        raise ParameterError(f"{what} = '{path}' could not be read as an image or .npy array: {error}") from None


def read_contact_image(path: str | Path, invert: bool = False, threshold: float | None = None) -> np.ndarray:
    """Read a contact map; return a boolean array, True where in contact.

    ``.npy`` files are read with NumPy (no pickles), anything else with Pillow
    (PNG, TIFF, BMP, ...).  Without ``threshold`` the image must be binary
    (exactly two distinct values; the larger one is contact, white on black, or
    the smaller with ``invert``): a grey-scale image is ambiguous and refused.
    With ``threshold`` (in the image's own grey values) pixels >= threshold are
    contact (< threshold with ``invert``); both classes must be present.
    Raises ParameterError for an unreadable file, a non-square image, a
    non-binary image without a threshold, or no contact or no void.
    """
    path = Path(path)
    array = load_array(path, "contact image")
    if array.ndim == 3:  # colour: accept only grey content (all channels but alpha equal)
        channels = array[..., : min(array.shape[2], 3)]
        if not np.all(channels == channels[..., :1]):
            raise ParameterError(f"contact image = '{path}' is a colour image; give a binary (black/white) map")
        array = channels[..., 0]
    if array.ndim != 2:
        raise ParameterError(f"contact image = '{path}' has shape {array.shape}; a 2D image is needed")
    check_square(array.shape, str(path))
    values = np.unique(array)
    if threshold is not None:
        low, high = float(values[0]), float(values[-1])
        if not low < float(threshold) <= high:
            raise ParameterError(
                f"threshold = {threshold:g} leaves one class empty: the grey values of '{path}' span "
                f"[{low:g}, {high:g}]; give low < threshold <= high"
            )
        contact = array >= threshold
        return ~contact if invert else contact
    if values.size != 2:
        raise ParameterError(
            f"contact image = '{path}' has {values.size} distinct value(s); a binary contact map has exactly 2 "
            "(give a threshold for a grey-scale image)"
        )
    return array == (values[0] if invert else values[1])


def check_square(shape: tuple[int, ...], what: str) -> None:
    """The planar cell is square: refuse other image shapes (crop the image first)."""
    if len(shape) != 2 or shape[0] != shape[1] or shape[0] < 4:
        raise ParameterError(
            f"contact image = '{what}' has shape {tuple(shape)}; the planar cell needs a square image of at least "
            "4x4 pixels (crop it)"
        )


def clean_contact_map(contact: np.ndarray, min_region_pixels: int) -> tuple[np.ndarray, int, int]:
    """Remove contact islands and fill void holes of fewer than ``min_region_pixels`` pixels (8-connected).

    Returns (cleaned mask, islands removed, holes filled).  Islands go first, so a
    hole that an island sat in is then judged by its full size.
    """
    from scipy import ndimage

    check_range("min_region_pixels", min_region_pixels, 0, contact.size, low_inclusive=True)
    mask = np.array(contact, dtype=bool)
    counts = []
    for value in (True, False):
        labels, n = ndimage.label(mask == value, structure=np.ones((3, 3), dtype=int))
        sizes = np.bincount(labels.ravel(), minlength=n + 1)
        small = np.flatnonzero(sizes < min_region_pixels)
        small = small[small > 0]
        mask[np.isin(labels, small)] = not value
        counts.append(int(small.size))
    return mask, counts[0], counts[1]


# ---------------------------------------------------------------------------- contours


def _signed_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def _border_edges(ring: np.ndarray, side: float) -> np.ndarray:
    """Which edges (v[i] -> v[i+1]) run along a side of the footprint (exact: the traced grid ends there)."""
    following = np.roll(ring, -1, axis=0)
    along = [(ring[:, k] == following[:, k]) & np.isin(ring[:, k], (0.0, side)) for k in (0, 1)]
    return along[0] | along[1]


def _free_length(ring: np.ndarray, side: float) -> float:
    """Length of the ring's edges that do not run along the footprint border."""
    edges = np.roll(ring, -1, axis=0) - ring
    return float(np.linalg.norm(edges[~_border_edges(ring, side)], axis=1).sum())


def _resample_open(points: np.ndarray, spacing: float) -> np.ndarray:
    """Resample a polyline by arc length to about ``spacing``; both ends kept; returns interior points."""
    steps = np.linalg.norm(np.diff(points, axis=0), axis=1)
    s = np.concatenate(([0.0], np.cumsum(steps)))
    n = max(1, round(s[-1] / spacing), min(4, int(s[-1] // 0.5)))  # short arcs: up to 4 edges >= 0.5 pixel
    t = np.linspace(0.0, s[-1], n + 1)[1:-1]
    return np.column_stack([np.interp(t, s, points[:, 0]), np.interp(t, s, points[:, 1])])


def _resample_ring(ring: np.ndarray, side: float, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Resample a closed ring (no repeated end point); return (vertices, free-vertex mask).

    Edges along the footprint border stay straight: a run of them is reduced to
    its end points and the square's corners (anchors, not moved later); the free
    arcs between runs are resampled by arc length with their ends kept.  A ring
    without border edges is resampled as a whole (at least 8 vertices).
    """
    m = len(ring)
    border_edge = _border_edges(ring, side)
    if not border_edge.any():
        closed = np.vstack([ring, ring[:1]])
        s = np.concatenate(([0.0], np.cumsum(np.linalg.norm(np.diff(closed, axis=0), axis=1))))
        n = max(8, round(s[-1] / spacing))
        t = np.linspace(0.0, s[-1], n + 1)[:-1]
        return np.column_stack([np.interp(t, s, closed[:, 0]), np.interp(t, s, closed[:, 1])]), np.ones(n, bool)
    corner = np.all(np.isin(ring, (0.0, side)), axis=1)
    if border_edge.all():
        return ring[corner], np.zeros(int(corner.sum()), dtype=bool)
    start = int(np.flatnonzero(border_edge & ~np.roll(border_edge, -1))[0]) + 1  # first edge of a free run
    ring = np.roll(ring, -start, axis=0)
    border_edge, corner = np.roll(border_edge, -start), np.roll(corner, -start)
    closed = np.vstack([ring, ring[:1]])
    cuts = [0, *(np.flatnonzero(np.diff(border_edge.astype(int))) + 1).tolist(), m]
    vertices: list[np.ndarray] = []
    free: list[np.ndarray] = []
    for a, b in itertools.pairwise(cuts):
        vertices.append(closed[a : a + 1])
        free.append(np.zeros(1, dtype=bool))
        inner = closed[a + 1 : b][corner[a + 1 : b]] if border_edge[a] else _resample_open(closed[a : b + 1], spacing)
        vertices.append(inner)
        free.append(np.full(len(inner), not border_edge[a]))
    return np.vstack(vertices), np.concatenate(free)


def _offset_to_area(rings: list[np.ndarray], weight: list[np.ndarray], target: float) -> tuple[list[np.ndarray], float]:
    """Offset a region's vertices along its outward normals so that its area is ``target``.

    ``rings[0]`` is the outer ring, the rest are holes; "outward" is out of the
    region (into a hole for a hole ring).  Vertex i moves by w_i d along its unit
    normal (perpendicular to the chord v[i+1] - v[i-1]), which changes the area
    by w_i d |v[i+1] - v[i-1]| / 2: a few Newton steps for the common offset d.
    ``weight`` (w_i in [0, 1], 0 for anchors) comes from :func:`_clearance_weights`.
    Returns the rings and d (in the rings' units).
    """
    rings = [r.copy() for r in rings]
    total = 0.0
    for _ in range(4):
        area = abs(_signed_area(rings[0])) - sum(abs(_signed_area(h)) for h in rings[1:])
        moves, gain = [], 0.0
        for k, ring in enumerate(rings):
            sign = (1.0 if _signed_area(ring) > 0.0 else -1.0) * (1.0 if k == 0 else -1.0)
            chord = np.roll(ring, -1, axis=0) - np.roll(ring, 1, axis=0)
            length = np.linalg.norm(chord, axis=1)
            normal = sign * np.column_stack([chord[:, 1], -chord[:, 0]]) / np.maximum(length, 1e-300)[:, None]
            moves.append(weight[k][:, None] * normal)
            gain += 0.5 * float(np.dot(weight[k], length))
        if gain <= 0.0:
            break
        step = (target - area) / gain
        total += step
        for ring, move in zip(rings, moves, strict=True):
            ring += step * move
    return rings, total


def _vertex_counts(rings: list[np.ndarray]) -> list[int]:
    return [len(r) for r in rings]


def _clearance_weights(
    regions: list[list[np.ndarray]], free: list[list[np.ndarray]], side: float, spacing: float
) -> list[list[np.ndarray]]:
    """Offset weights w = min(1, c / (3 MAX_OFFSET_PIXELS)) of every vertex (pixel units).

    c is the vertex's clearance: the distance to the nearest vertex of another
    ring, of a part of its own ring more than 3 pixels away along it, or to the
    footprint border.  With offsets of at most MAX_OFFSET_PIXELS, two facing
    vertices then close at most 2/3 of their gap: near-touching rings (pixel
    saddles, thin necks) cannot be pushed across each other or the border.
    """
    from scipy.spatial import cKDTree

    rings = [ring for region in regions for ring in region]
    vertices = np.vstack(rings)
    ring_id = np.concatenate([np.full(len(r), k) for k, r in enumerate(rings)])
    index = np.concatenate([np.arange(len(r)) for r in rings])
    length = np.array(_vertex_counts(rings))[ring_id]
    gap = max(2, math.ceil(3.0 / spacing))
    k = min(len(vertices), 2 * gap + 8)
    distance, neighbour = cKDTree(vertices).query(vertices, k=k)
    separation = np.abs(index[neighbour] - index[:, None])
    separation = np.minimum(separation, length[:, None] - separation)
    other = (ring_id[neighbour] != ring_id[:, None]) | (separation > gap)
    clearance = np.minimum(np.where(other, distance, np.inf).min(axis=1), np.minimum(vertices, side - vertices).min(1))
    movable = np.concatenate([m for region in free for m in region])
    w = np.split(
        movable * np.minimum(1.0, clearance / (3.0 * MAX_OFFSET_PIXELS)), np.cumsum(_vertex_counts(rings))[:-1]
    )
    counts = np.cumsum([0, *(len(region) for region in regions)])
    return [w[a:b] for a, b in itertools.pairwise(counts)]


def _pixel_targets(regions: list[list[np.ndarray]], contact: np.ndarray) -> np.ndarray:
    """Contact pixel count of each traced region (rings in pixel units, y up).

    A contact pixel counts for the region that contains its centre; one that no
    region contains (eroded by the smoothing: thin necks, sharp corners) for the
    region with the nearest vertex.  The counts add up to all contact pixels.
    """
    from matplotlib.path import Path as MplPath
    from scipy.spatial import cKDTree

    rows, cols = np.nonzero(contact)
    centres = np.column_stack([cols + 0.5, rows + 0.5])
    owner = np.full(len(centres), -1)
    for index, rings in enumerate(regions):
        low, high = rings[0].min(axis=0), rings[0].max(axis=0)
        candidates = np.flatnonzero(np.all((centres >= low) & (centres <= high), axis=1) & (owner < 0))
        inside = MplPath(rings[0]).contains_points(centres[candidates])
        for hole in rings[1:]:
            inside &= ~MplPath(hole).contains_points(centres[candidates])
        owner[candidates[inside]] = index
    stray = np.flatnonzero(owner < 0)
    if stray.size:
        vertices = np.vstack([np.vstack(rings) for rings in regions])
        region_of = np.concatenate([np.full(sum(len(r) for r in rings), k) for k, rings in enumerate(regions)])
        owner[stray] = region_of[cKDTree(vertices).query(centres[stray])[1]]
    return np.bincount(owner, minlength=len(regions)).astype(float)


def contact_polygons(
    contact: np.ndarray, pixel_size: float, smoothing: float, spacing: float
) -> tuple[list[ContactPolygon], float]:
    """Trace the contact regions of a square boolean mask as polygons with holes (m).

    ``smoothing``: Gaussian blur radius in pixels before tracing the 0.5 level (0:
    trace the raw staircase); ``spacing``: target vertex spacing in m.  Each
    region is then offset to the area of its contact pixels (:func:`_pixel_targets`).
    Returns the polygons and the largest offset in pixels.
    """
    import contourpy
    from scipy import ndimage

    n = contact.shape[0]
    mask = np.flipud(contact)  # row 0 of the image is the top: y = footprint
    field = mask.astype(float)
    if smoothing > 0.0:
        field = ndimage.gaussian_filter(field, smoothing, mode="reflect")
    # grid: the image border, the pixel centres, the image border (values mirrored: zero normal gradient)
    field = np.pad(field, 1, mode="edge")
    x = np.concatenate(([0.0], np.arange(n) + 0.5, [float(n)]))
    generator = contourpy.contour_generator(x, x, field, fill_type=contourpy.FillType.OuterOffset)
    points, offsets = generator.filled(0.5, 2.0)
    regions: list[list[np.ndarray]] = []
    free: list[list[np.ndarray]] = []
    for pts, offs in zip(points, offsets, strict=True):
        rings, flags = [], []
        for a, b in itertools.pairwise(offs.tolist()):
            ring = np.asarray(pts[a : b - 1], dtype=float)  # drop the repeated end point
            if abs(_signed_area(ring)) > 0.0:
                vertices, movable = _resample_ring(ring, float(n), spacing / pixel_size)
                rings.append(vertices)
                flags.append(movable)
        if rings:
            regions.append(rings)
            free.append(flags)
    if not regions:
        raise ParameterError(
            f"no contact region is wider than the smoothing = {smoothing:g} pixels: lower the smoothing"
        )
    weights = _clearance_weights(regions, free, float(n), spacing / pixel_size)
    polygons, largest = [], 0.0
    for rings, weight, target in zip(regions, weights, _pixel_targets(regions, mask), strict=True):
        rings, offset = _offset_to_area(rings, weight, target)
        largest = max(largest, abs(offset))
        polygons.append(ContactPolygon(pixel_size * rings[0], tuple(pixel_size * h for h in rings[1:])))
    return polygons, largest


def _crossing(polygons: list[ContactPolygon]) -> np.ndarray | None:
    """A point where two traced edges cross properly (m), or None: OCC and gmsh need simple, disjoint rings."""
    from scipy.spatial import cKDTree

    rings = [ring for polygon in polygons for ring in polygon.rings]
    start = np.vstack(rings)
    end = np.vstack([np.roll(ring, -1, axis=0) for ring in rings])
    ring_id = np.concatenate([np.full(len(r), k) for k, r in enumerate(rings)])
    index = np.concatenate([np.arange(len(r)) for r in rings])
    count = np.array(_vertex_counts(rings))[ring_id]
    reach = float(np.linalg.norm(end - start, axis=1).max())
    pairs = cKDTree(0.5 * (start + end)).query_pairs(reach, output_type="ndarray")
    if not len(pairs):
        return None
    a, b = pairs[:, 0], pairs[:, 1]
    step = np.abs(index[a] - index[b])
    adjacent = (ring_id[a] == ring_id[b]) & ((step == 1) | (step == count[a] - 1))
    a, b = a[~adjacent], b[~adjacent]

    def side(o: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
        return (p[:, 0] - o[:, 0]) * (q[:, 1] - o[:, 1]) - (p[:, 1] - o[:, 1]) * (q[:, 0] - o[:, 0])

    cross = (side(start[a], end[a], start[b]) * side(start[a], end[a], end[b]) < 0.0) & (
        side(start[b], end[b], start[a]) * side(start[b], end[b], end[a]) < 0.0
    )
    hits = np.flatnonzero(cross)
    return start[a[hits[0]]] if hits.size else None


def image_contact_pattern(
    contact: np.ndarray,
    pixel_size: float,
    mesh_size_edges: float | None = None,
    min_region_pixels: int = 9,
    smoothing: float = 0.7,
    source: str = "",
) -> ContactImagePattern:
    """Contact pattern of a boolean contact map (True = contact) with pixels of side ``pixel_size`` (m).

    ``mesh_size_edges`` (m) is the vertex spacing of the traced contours (the
    element size at the contact edges); None chooses 2 pixels.  Rings get at
    least 8 vertices (free arcs on the border up to 4), so features smaller than
    the spacing are still resolved by their own, shorter edges.  Raises ParameterError for a non-positive
    pixel size, a non-square mask, a map without contact or without void after
    cleaning, or a traced fraction more than FRACTION_TOLERANCE (relative) off
    the pixel fraction (features too small for the mesh size).
    """
    check_positive("pixel_size", pixel_size, "m")
    if mesh_size_edges is not None:
        check_positive("mesh_size_edges", mesh_size_edges, "m")
    check_range("smoothing", smoothing, 0.0, 3.0, low_inclusive=True, high_inclusive=True, unit="pixels")
    contact = np.asarray(contact, dtype=bool)
    check_square(contact.shape, source or "array")
    cleaned, islands, holes = clean_contact_map(contact, min_region_pixels)
    fraction = float(cleaned.mean())
    if fraction in (0.0, 1.0):
        raise ParameterError(
            f"contact image = '{source or 'array'}' has a contact fraction of {fraction:g} after removing regions "
            f"below min_region_pixels = {min_region_pixels}: there is no contact edge to mesh"
        )
    n = contact.shape[0]
    spacing = mesh_size_edges or 2.0 * pixel_size
    polygons, max_offset = contact_polygons(cleaned, pixel_size, smoothing, spacing)
    pattern = ContactImagePattern(
        footprint=n * pixel_size,
        polygons=tuple(polygons),
        max_offset_pixels=max_offset,
        pixel_size=pixel_size,
        pixels=n,
        pixel_contact_fraction=fraction,
        raw_pixel_contact_fraction=float(contact.mean()),
        islands_removed=islands,
        holes_filled=holes,
        min_region_pixels=min_region_pixels,
        smoothing_pixels=smoothing,
        vertex_spacing=spacing,
        source=source,
    )
    if max_offset > MAX_OFFSET_PIXELS:
        raise ParameterError(
            f"a traced contact edge had to move {max_offset:.2f} pixels (> {MAX_OFFSET_PIXELS}) to keep its pixel "
            f"area: features narrower than the smoothing = {smoothing:g} pixels were erased; raise "
            f"min_region_pixels = {min_region_pixels} or lower the smoothing"
        )
    where = _crossing(polygons)
    if where is not None:
        raise ParameterError(
            f"traced contact edges cross or touch near ({where[0]:.4g}, {where[1]:.4g}) m (regions closer than "
            f"the mesh_size_edges = {spacing:.3g} m can resolve): lower mesh_size_edges or the smoothing"
        )
    error = abs(pattern.polygon_contact_fraction / fraction - 1.0)
    if error > FRACTION_TOLERANCE:
        raise ParameterError(
            f"the traced contact fraction {pattern.polygon_contact_fraction:.4f} differs from the pixel fraction "
            f"{fraction:.4f} by {100 * error:.2f}% (> {100 * FRACTION_TOLERANCE:g}%): features are too small for "
            f"mesh_size_edges = {spacing:.3g} m; lower it or raise min_region_pixels"
        )
    return pattern


def rasterize_disks(footprint: float, disks: Any, pixels: int, clip_cell: float = 0.0) -> np.ndarray:
    """Render disks (``.x, .y, .radius`` in m) into a ``pixels x pixels`` mask (pixel centres inside; row 0 on top).

    With ``clip_cell`` each disk is clipped to its own square sub-cell of that side
    (the merged periodic spots of geometries.spots.grid_spots).
    """
    check_range("pixels", pixels, 1, math.inf)
    h = footprint / pixels
    centres = (np.arange(pixels) + 0.5) * h
    X, Y = np.meshgrid(centres, centres[::-1])  # row 0 at the top (y = footprint)
    mask = np.zeros((pixels, pixels), dtype=bool)
    for d in disks:
        inside = (X - d.x) ** 2 + (Y - d.y) ** 2 <= d.radius**2
        if clip_cell > 0.0:
            inside &= (np.abs(X - d.x) <= 0.5 * clip_cell) & (np.abs(Y - d.y) <= 0.5 * clip_cell)
        mask |= inside
    return mask


# ---------------------------------------------------------------------------- the planar cell


def _mesh_contact_fraction(model: Any, footprint: float) -> float:
    """Area of the meshed li_sse triangles (m2, the mesh is already in m) over the footprint area."""
    from fem.markers import FACET_MARKERS

    area = 0.0
    for surface in model.getEntitiesForPhysicalGroup(2, FACET_MARKERS["li_sse"]):
        _, _, nodes = model.mesh.getElements(2, surface)
        if not len(nodes):
            continue
        tags, coords, _ = model.mesh.getNodes(2, surface, includeBoundary=True)
        xyz = np.empty((int(tags.max()) + 1, 3))
        xyz[tags.astype(int)] = coords.reshape(-1, 3)
        p = xyz[np.asarray(nodes[0], dtype=int).reshape(-1, 3)]
        area += 0.5 * float(np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1).sum())
    return area / footprint**2


def image_mesh_info(params: PlanarInterfaceParams, model: Any) -> dict[str, Any]:
    """geometries.planar.mesh_info plus the pixel, polygon and meshed contact fractions."""
    info = mesh_info(params, model)
    pattern = params.pattern
    info["builder"] = "geometries.image_contact.image_contact_mesh"
    info["contact_fraction_pixels"] = pattern.pixel_contact_fraction
    info["contact_fraction_mesh"] = _mesh_contact_fraction(model, params.footprint)
    info["contact_fraction_mesh_vs_pixels_percent"] = 100.0 * (
        info["contact_fraction_mesh"] / pattern.pixel_contact_fraction - 1.0
    )
    return info


def image_contact_params(
    pattern: ContactImagePattern,
    sse_thickness: float,
    lithium_thickness: float,
    mesh_size_edges: float,
    mesh_size_bulk: float,
) -> PlanarInterfaceParams:
    """The planar cell parameters for a traced contact image (edge size: the contour vertex spacing)."""
    return PlanarInterfaceParams(pattern, sse_thickness, lithium_thickness, mesh_size_edges, mesh_size_bulk)


def image_contact_mesh(
    comm: Any,
    params: PlanarInterfaceParams,
    out_dir: str | Path | None = None,
    cell_regions: tuple[str, ...] | None = None,
) -> Any:
    """Build the planar cell of a contact image on rank 0 of ``comm``; fem.mesh_io.MeshData on every rank.

    As geometries.planar.planar_interface_mesh, with :func:`image_mesh_info` (the
    pixel, polygon and meshed contact fractions) in info.json.
    """
    return distributed_mesh(comm, params, build_planar_interface, image_mesh_info, out_dir, cell_regions)


# ---------------------------------------------------------------------------- command line


def register_image_contact(sub: Any) -> None:
    """Add the ``image-contact`` subcommand; its handler is :func:`build_image_contact_cli`."""
    p = sub.add_parser(
        "image-contact",
        help="planar Li | electrolyte cell whose contact pattern is a binary image (PNG, TIFF, .npy)",
        description="Planar Li | electrolyte cell whose contact pattern is traced from a binary contact map "
        "(white = contact unless --invert; row 0 of the image at y = footprint).",
    )
    p.set_defaults(handler=build_image_contact_cli)
    p.add_argument("image", type=Path, help="binary contact map: PNG, TIFF, ... (Pillow) or a NumPy .npy array")
    p.add_argument("--pixel-size-um", type=float, required=True, help="side of one pixel, um")
    p.add_argument("--out", type=Path, required=True, help="output directory")
    p.add_argument("--preview", action="store_true", help="also render a cut-away preview.png")
    p.add_argument("--invert", action="store_true", help="the darker value is contact")
    p.add_argument(
        "--threshold", type=float, default=None, help="grey value: pixels >= it are contact (needed for grey-scale)"
    )
    p.add_argument("--min-region-pixels", type=int, default=9, help="islands/holes below this are removed/filled")
    p.add_argument("--smoothing-pixels", type=float, default=0.7, help="Gaussian blur before tracing, pixels")
    p.add_argument("--sse-thickness-um", type=float, default=50.0, help="electrolyte thickness L, um")
    p.add_argument("--lithium-thickness-um", type=float, default=10.0, help="Li thickness, um (0: no Li region)")
    p.add_argument(
        "--mesh-size-edges-um",
        type=float,
        default=None,
        help="element size at contact edges, um (default: 2 pixels)",
    )
    p.add_argument(
        "--mesh-size-bulk-um",
        type=float,
        default=None,
        help="element size far from the interface, um " "(default footprint / 10)",
    )


def build_image_contact_cli(args: Any) -> None:
    """Handler of ``image-contact``: every input is checked before any meshing."""
    from geometries._build import run_cli_build

    pixel = check_positive("pixel_size_um", args.pixel_size_um, "um") * UM
    contact = read_contact_image(args.image, invert=args.invert, threshold=args.threshold)
    footprint = contact.shape[0] * pixel
    edge = None if args.mesh_size_edges_um is None else args.mesh_size_edges_um * UM
    pattern = image_contact_pattern(
        contact, pixel, edge, args.min_region_pixels, args.smoothing_pixels, source=Path(args.image).name
    )
    edge = pattern.vertex_spacing
    bulk = (args.mesh_size_bulk_um * UM) if args.mesh_size_bulk_um is not None else max(edge, footprint / 10.0)
    params = image_contact_params(pattern, args.sse_thickness_um * UM, args.lithium_thickness_um * UM, edge, bulk)
    run_cli_build(
        args,
        lambda model: image_mesh_info(params, build_planar_interface(model, params)),
        lambda info: f"contact fraction {info['contact_fraction_mesh']:.4f} meshed, "
        f"{info['contact_fraction_pixels']:.4f} in the pixels",
    )
