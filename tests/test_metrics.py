"""hwlib.metrics.confusion_matrix."""

import numpy as np
import pytest


def test_confusion_matrix_counts_and_checks():
    from hwlib.metrics import confusion_matrix
    cm = confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 2, 1, 2]), 3)
    np.testing.assert_array_equal(cm, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)
    with pytest.raises(TypeError):
        confusion_matrix(np.array([0.0]), np.array([0]), 3)
