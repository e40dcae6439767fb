"""hwlib.data.splits: the fixed validation split and standardization."""

import numpy as np
import pytest

from hwlib.data.splits import split_and_scale


def test_split_is_fixed_disjoint_and_complete():
    images = np.arange(50, dtype=np.uint8).reshape(50, 1, 1, 1)     # image k has pixel value k
    labels = np.arange(50) % 10
    a = split_and_scale(images, labels, images[:5], labels[:5], 10, "0123456789")
    b = split_and_scale(images, labels, images[:5], labels[:5], 10, "0123456789", dtype=np.float64)
    train, val = set(np.round(a["X_train"].ravel() * 255)), set(np.round(a["X_val"].ravel() * 255))
    assert len(val) == 10 and not train & val and train | val == set(range(50))
    np.testing.assert_array_equal(a["y_val"], np.round(b["X_val"].ravel() * 255) % 10)   # labels follow images
    with pytest.raises(ValueError, match="num_validation"):
        split_and_scale(images, labels, images, labels, 50, "0123456789")


def test_standardize_uses_training_statistics_only():
    from hwlib.data import standardize
    rng = np.random.default_rng(0)
    data = {"X_train": rng.random((20, 3, 4, 4)).astype(np.float32) * 5 + 2,
            "X_val": rng.random((5, 3, 4, 4)).astype(np.float32), "X_test": np.zeros((2, 3, 4, 4), np.float32)}
    out = standardize(data)
    np.testing.assert_allclose(out["X_train"].mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(out["X_train"].std(axis=(0, 2, 3)), 1, atol=1e-5)
    np.testing.assert_allclose(out["X_test"], (0 - out["mean"]) / out["std"] + np.zeros((2, 3, 4, 4)))
    assert out["X_val"].dtype == np.float32 and data["X_train"].mean() > 2     # input untouched
