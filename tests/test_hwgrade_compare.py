"""Comparing an output with the recorded one (hwgrade.compare)."""

import numpy as np

from hwgrade import compare as cmp
from hwgrade.child import Opaque
from hwgrade.codes import Code


def test_compare_reports_every_property_with_its_code():
    expected = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert cmp.compare("x", expected.copy(), expected) == []
    for actual, codes in ((expected.tolist(), [50]), (expected.astype(np.float64), [51]), (expected.T.copy(), [52]),
                          (expected * 1.5, [53]), (expected - 1, [54]),
                          ((expected - 1).astype(np.float64), [51, 54])):
        assert [p.code for p in cmp.compare("x", actual, expected)] == codes, actual


def test_a_bool_int_mismatch_is_a_value_mismatch_not_off_by_one():
    flags = np.array([True, False, True])
    problems = cmp.compare("requires_grad", np.array([True, True, True]), flags)
    assert [p.code for p in problems] == [Code.VALUES] and "booleans" in problems[0].message
    problems = cmp.compare("count", np.array(True), np.array(2))
    assert [p.code for p in problems] == [Code.DTYPE, Code.VALUES]


def test_float64_outputs_are_judged_to_float64_precision():
    expected = np.linspace(0.1, 1, 7)
    assert cmp.compare("y", expected * (1 + 1e-12), expected) == []
    roundoff32 = expected.astype(np.float32).astype(np.float64)
    assert [p.code for p in cmp.compare("y", roundoff32, expected)] == [Code.VALUES]


def test_an_opaque_value_from_the_child_is_a_wrong_output():
    problems = cmp.compare("out", Opaque("Liar (an ndarray subclass)"), np.zeros(3))
    assert [p.code for p in problems] == [Code.WRONG_OUTPUT] and "ndarray subclass" in problems[0].message
