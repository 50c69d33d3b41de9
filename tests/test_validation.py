import math

import pytest

from fem.materials import ButlerVolmer, Electrolyte, electrolyte, interface_kinetics
from fem.validation import ParameterError, check_choice, check_range


def test_check_range_names_parameter_value_and_range():
    with pytest.raises(ParameterError, match=r"contact_fraction = 1.2 is outside the allowed range \(0, 1\)"):
        check_range("contact_fraction", 1.2, 0.0, 1.0)
    assert check_range("x", 1.0, 0.0, 1.0, high_inclusive=True) == 1.0
    with pytest.raises(ParameterError, match="nan"):
        check_range("x", math.nan, 0.0, 1.0)
    with pytest.raises(ParameterError, match="not a number"):
        check_range("x", "abc")


def test_check_choice():
    with pytest.raises(ParameterError, match="'LPS' is not one of"):
        check_choice("electrolyte", "LPS", ("LPSCl", "LLZO"))


def test_materials_refuse_bad_values():
    with pytest.raises(ParameterError, match="ionic_conductivity_S_m"):
        Electrolyte("bad", -1.0)
    with pytest.raises(ParameterError, match="alpha_anodic"):
        ButlerVolmer(10.0, alpha_anodic=1.5)
    with pytest.raises(ParameterError, match="exchange_current_density_A_m2"):
        ButlerVolmer(0.0)
    with pytest.raises(ParameterError, match="not a known parameter set"):
        electrolyte("unobtainium")


def test_parameter_sets_carry_sources():
    lpscl = electrolyte("LPSCl")
    assert 0.16 <= lpscl.ionic_conductivity_S_m <= 0.195  # 1.6-1.95 mS/cm (PARAMETERS.md)
    assert "mS/cm" in lpscl.source
    kinetics = interface_kinetics("Li_LPSCl")
    # ASR_ct = RT / (F i0 (alpha_a + alpha_c)) = 5 ohm cm2 by construction of the set
    assert kinetics.charge_transfer_asr_ohm_m2() * 1e4 == pytest.approx(5.0, rel=1e-3)
