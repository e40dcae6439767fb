"""Comparing a student's output with the recorded one, reporting every property that fails.

``compare(label, actual, expected)`` returns a list of Problems (empty when it matches): the type
(50), dtype (51), shape (52), and, when the shapes agree, the values — off by exactly 1.0 (54) or
otherwise different (53). A boolean array compared with integers (or the other way round) is a
value mismatch (53), never "off by one". Float64 outputs are compared to float64 precision.
"""

import numpy as np

from hwgrade.codes import Code, Problem

TOLERANCES = {np.dtype(np.float32): (1e-4, 1e-5), np.dtype(np.float64): (1e-9, 1e-11)}


def compare(label, actual, expected, rtol=None, atol=None):
    """Problems with ``actual`` as an answer whose recorded value is ``expected`` (an ndarray)."""
    expected = np.asarray(expected)
    if not isinstance(actual, (np.ndarray, np.generic)):
        if isinstance(actual, (bool, int, float)) and expected.ndim == 0:
            actual = np.asarray(actual)
        else:
            got = getattr(actual, "type_name", type(actual).__name__)     # an Opaque from the child
            return [Problem(Code.WRONG_OUTPUT, f"{label}: expected a numpy array, got {got}")]
    actual = np.asarray(actual)
    problems = []
    if actual.dtype != expected.dtype:
        problems.append(Problem(Code.DTYPE, f"{label}: dtype {actual.dtype}, expected {expected.dtype}"))
    if actual.shape != expected.shape:
        problems.append(Problem(Code.SHAPE, f"{label}: shape {actual.shape}, expected {expected.shape}"))
        return problems
    problems += _values(label, actual, expected, rtol, atol)
    return problems


def _values(label, actual, expected, rtol, atol):
    kinds = {_kind(actual.dtype), _kind(expected.dtype)}
    if kinds == {"bool", "number"}:
        same = np.array_equal(actual.astype(np.float64), expected.astype(np.float64))
        what = "booleans" if expected.dtype == bool else "numbers"
        return [] if same else [Problem(Code.VALUES, f"{label}: expected {what}, got other values "
                                                     f"({_sample(actual, expected)})")]
    if kinds == {"bool"}:
        wrong = int((actual != expected).sum())
        return [] if not wrong else [Problem(Code.VALUES, f"{label}: {wrong} of {actual.size} booleans differ "
                                                          f"({_sample(actual, expected)})")]
    if "other" in kinds:
        return [] if np.array_equal(actual, expected) else [Problem(Code.VALUES, f"{label}: values differ")]
    a, e = actual.astype(np.float64), expected.astype(np.float64)
    if np.issubdtype(expected.dtype, np.floating):
        default = TOLERANCES.get(np.dtype(expected.dtype), TOLERANCES[np.dtype(np.float32)])
        rtol = default[0] if rtol is None else rtol
        atol = default[1] if atol is None else atol
        wrong = ~np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    else:
        wrong = a != e
    if not wrong.any():
        return []
    finite = np.isfinite(a[wrong])
    if not finite.all():
        return [Problem(Code.VALUES, f"{label}: {int((~finite).sum())} of {wrong.size} values are inf or nan "
                                     "where finite values were expected")]
    diff = np.abs(a[wrong] - e[wrong])
    if "bool" not in kinds and np.allclose(diff, 1.0, rtol=0, atol=1e-3):
        return [Problem(Code.OFF_BY_ONE, f"{label}: {int(wrong.sum())} of {wrong.size} values are off by exactly 1.0")]
    return [Problem(Code.VALUES, f"{label}: {int(wrong.sum())} of {wrong.size} values differ "
                                 f"(largest difference {diff.max():.3g})")]


def _kind(dtype):
    if dtype == bool:
        return "bool"
    if np.issubdtype(dtype, np.number):
        return "number"
    return "other"


def _sample(actual, expected):
    flat_a, flat_e = actual.ravel(), expected.ravel()
    i = int(np.argmax(flat_a.astype(np.float64) != flat_e.astype(np.float64))) if flat_a.size else 0
    return f"e.g. {flat_a[i]!r} where {flat_e[i]!r} was expected" if flat_a.size else "empty"
