"""The size-dependent creep law (fem.size_effect): Xu et al.'s strength law and uniaxial creep at two length scales.

The FEM check runs fem.mechanics' Norton creep with the law's equivalent
NortonCreep under uniaxial stress: the axial creep rate must equal
A (sigma / (sigma_ref S(l)/S_bulk))^n at each length scale, and the two rates
must differ by the factor (S(l2)/S(l1))^n.
"""

from __future__ import annotations

import math

import pytest
from mpi4py import MPI
from test_mechanics import box, symmetry_rollers

from fem.materials import CreepingSolid, creep_law, elastic_material
from fem.mechanics import MechanicsProblem, Pressure
from fem.size_effect import SizeDependentNortonCreep, SizeStrength, size_strength, size_strength_at
from fem.validation import ParameterError

A_1_S, N, SIGMA_REF = 7.7e-3, 6.56, 1.0e6  # Masias et al. 2019, typed in independently of the data file


def test_xu_strength_law():
    rt, hot = size_strength("Li_Xu2017_RT"), size_strength("Li_Xu2017_90C")
    assert rt.strength_Pa(1e-6) == pytest.approx(105e6)
    assert rt.strength_Pa(10e-6) == pytest.approx(105e6 * 10**-0.68)
    assert hot.strength_Pa(10e-6) == pytest.approx(35e6 / 10)
    assert rt.strength_Pa(1.0e-2) == pytest.approx(0.77e6)  # bulk floor above the crossover
    assert rt.strength_Pa(rt.crossover_size_m) == pytest.approx(0.77e6, rel=1e-12)
    assert rt.crossover_size_m == pytest.approx(1e-6 * (105 / 0.77) ** (1 / 0.68))
    mid = size_strength_at(0.5 * (298.15 + 363.15))
    assert mid.size_exponent == pytest.approx(0.84)
    assert mid.strength_at_reference_size_Pa == pytest.approx(math.sqrt(105e6 * 35e6))
    assert size_strength_at(250.0).size_exponent == pytest.approx(0.68)


def test_bad_input_refused():
    with pytest.raises(ParameterError, match="length_scale_m"):
        SizeDependentNortonCreep(creep_law(), size_strength(), -1e-6)
    with pytest.raises(ParameterError, match="size_exponent"):
        SizeStrength(105e6, 1e-6, -0.5, 0.77e6, 298.15)
    with pytest.raises(ParameterError, match="bulk_strength_Pa"):
        SizeStrength(105e6, 1e-6, 0.68, 200e6, 298.15)
    with pytest.raises(ParameterError, match="strength set"):
        size_strength("Li_nowhere")


@pytest.mark.parametrize("length_scales_m", [(3e-6, 30e-6)])
def test_uniaxial_creep_rate_at_two_length_scales(length_scales_m):
    stress = 20e6  # Pa: a small feature needs tens of MPa to creep measurably
    rates = []
    for length in length_scales_m:
        law = SizeDependentNortonCreep(creep_law("Li_Masias2019"), size_strength("Li_Xu2017_RT"), length)
        factor = 105.0 * (length / 1e-6) ** -0.68 / 0.77
        expected = A_1_S * (stress / (SIGMA_REF * factor)) ** N
        assert law.creep_rate_1_s(stress, 298.15) == pytest.approx(expected, rel=1e-12)
        material = CreepingSolid("Li", elastic_material("Li"), law.as_norton())
        problem = MechanicsProblem(
            box(MPI.COMM_WORLD, 10e-6, 2), {"lithium": material}, [*symmetry_rollers(), Pressure("top", stress)]
        )
        problem.step(0.0)
        dt = 0.05 / expected  # 5 % creep strain: well inside one backward-Euler step at constant stress
        problem.step(dt)
        rate = -problem.volume_average(problem.creep_strain[2, 2]) / dt
        print(f"l = {length:g} m: FEM creep rate {rate:.6e} 1/s, analytic {expected:.6e} 1/s")
        assert rate == pytest.approx(expected, rel=1e-8)
        rates.append(rate)
    ratio = (length_scales_m[1] / length_scales_m[0]) ** (0.68 * N)
    assert rates[1] / rates[0] == pytest.approx(ratio, rel=1e-8)
