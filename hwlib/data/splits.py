"""Turning raw uint8 images into the float arrays the chapters train on, with a fixed validation split."""

import numpy as np

from hwlib.layers._checks import float_dtype


def split_and_scale(images, labels, test_images, test_labels, num_validation, class_names, dtype=np.float32):
    """A dict with X_train, y_train, X_val, y_val, X_test, y_test and class_names.

    Images (uint8, N×C×H×W) become ``dtype`` in [0, 1]; labels become int64. The validation set is
    ``num_validation`` training images chosen by a fixed permutation (seed 0), so every run and
    every machine gets the same split, and no image is in two splits.
    """
    dtype = float_dtype(dtype)
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


def standardize(data, axis=(0, 2, 3)):
    """Subtract the training set's mean and divide by its standard deviation, per channel.

    Inputs:
    - data: dict with X_train, X_val, X_test (as load_mnist/load_cifar10 return); not modified
    - axis: the axes statistics are taken over; the default keeps one mean and std per channel

    Returns a new dict with the same keys, standardized X arrays (same dtype) and the statistics
    under 'mean' and 'std' (to undo it for display: ``x * std + mean``). Only training images are
    used for the statistics, so nothing about the validation or test images leaks into training.
    """
    x = data["X_train"]
    mean = x.mean(axis=axis, keepdims=True, dtype=np.float64).astype(x.dtype)
    std = x.std(axis=axis, keepdims=True, dtype=np.float64).astype(x.dtype)
    out = dict(data)
    for split in ("train", "val", "test"):
        if f"X_{split}" in data:
            out[f"X_{split}"] = (data[f"X_{split}"] - mean) / std
    out["mean"], out["std"] = mean, std
    return out
