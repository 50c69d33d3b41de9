import math

import pytest

from fem.validation import ParameterError
from geometries.spots import clipped_disk_area, grid_spots, random_voids

B = 10e-6


def test_clipped_disk_area_limits():
    assert clipped_disk_area(0.3, 1.0) == pytest.approx(math.pi * 0.09)
    assert clipped_disk_area(0.8, 1.0) == pytest.approx(1.0)
    # continuous at the tangent radius, monotone beyond it
    assert clipped_disk_area(0.5 + 1e-12, 1.0) == pytest.approx(math.pi / 4, rel=1e-9)
    assert clipped_disk_area(0.6, 1.0) > clipped_disk_area(0.55, 1.0) > math.pi / 4


@pytest.mark.parametrize(("fraction", "n_spots"), [(0.05, 1), (0.3, 4), (0.3, 64), (0.9, 1), (0.9, 16)])
def test_grid_spots_hit_contact_fraction(fraction, n_spots):
    pattern = grid_spots(B, fraction, n_spots, min_feature=0.02e-6)
    assert len(pattern.disks) == n_spots
    assert pattern.contact_fraction == pytest.approx(fraction, rel=1e-12)
    if fraction < math.pi / 4:
        a = pattern.disks[0].radius
        assert a == pytest.approx(B * math.sqrt(fraction / (math.pi * n_spots)))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"contact_fraction": 0.0, "n_spots": 1}, "contact_fraction = 0.0 is outside"),
        ({"contact_fraction": 1.0, "n_spots": 1}, "contact_fraction = 1.0 is outside"),
        ({"contact_fraction": 0.3, "n_spots": 3}, "perfect square"),
        ({"contact_fraction": math.pi / 4, "n_spots": 1}, "near-tangent"),
        ({"contact_fraction": 0.01, "n_spots": 64}, "smaller than twice the mesh size"),
    ],
)
def test_grid_spots_refuse_impossible(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        grid_spots(B, min_feature=0.1e-6, **kwargs)


def test_random_voids_are_seeded_disjoint_and_inside():
    first = random_voids(B, 0.3, 1e-6, 0.3e-6, seed=7, min_feature=0.1e-6)
    again = random_voids(B, 0.3, 1e-6, 0.3e-6, seed=7, min_feature=0.1e-6)
    other = random_voids(B, 0.3, 1e-6, 0.3e-6, seed=8, min_feature=0.1e-6)
    assert first == again
    assert first != other
    assert first.contact_fraction == pytest.approx(0.7, abs=1e-3)
    for i, d in enumerate(first.disks):
        assert d.radius + 0.1e-6 <= d.x <= B - d.radius - 0.1e-6
        assert d.radius + 0.1e-6 <= d.y <= B - d.radius - 0.1e-6
        for e in first.disks[i + 1 :]:
            assert math.hypot(d.x - e.x, d.y - e.y) >= d.radius + e.radius + 0.1e-6 * (1 - 1e-9)


def test_random_voids_refuse_unreachable_fraction():
    with pytest.raises(ParameterError, match="unreachable by random sequential addition"):
        random_voids(B, 0.8, 1e-6, 0.0, seed=1, min_feature=0.1e-6, max_attempts=200)
