"""Turning raw uint8 images into the float arrays the chapters train on, with a fixed validation split."""

import numpy as np


def split_and_scale(images, labels, test_images, test_labels, num_validation, class_names, dtype=np.float32):
    """A dict with X_train, y_train, X_val, y_val, X_test, y_test and class_names.

    Images (uint8, N×C×H×W) become ``dtype`` in [0, 1]; labels become int64. The validation set is
    ``num_validation`` training images chosen by a fixed permutation (seed 0), so every run and
    every machine gets the same split, and no image is in two splits.
    """
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    if not 0 <= num_validation < len(images):
        raise ValueError(f"num_validation must be between 0 and {len(images) - 1}, got {num_validation}")
    order = np.random.default_rng(0).permutation(len(images))
    val, train = np.sort(order[:num_validation]), np.sort(order[num_validation:])

    def scale(x):
        return x.astype(dtype) / dtype.type(255)

    return {
        "X_train": scale(images[train]), "y_train": labels[train].astype(np.int64),
        "X_val": scale(images[val]), "y_val": labels[val].astype(np.int64),
        "X_test": scale(test_images), "y_test": test_labels.astype(np.int64),
        "class_names": list(class_names),
    }
