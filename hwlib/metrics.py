"""Classification metrics (numpy)."""

import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    """Counts ``cm[i, j]`` of examples with true class i predicted as class j.

    Inputs:
    - y_true, y_pred: integer arrays of shape (N,), values in 0..num_classes-1
    - num_classes: C

    Returns:
    - cm: int64 array of shape (C, C); rows sum to the class counts, the diagonal counts the hits
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true and y_pred must be 1-D of the same length, got {y_true.shape} and {y_pred.shape}")
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.issubdtype(y.dtype, np.integer):
            raise TypeError(f"{name} must hold integer labels, got dtype {y.dtype}")
        if len(y) and (y.min() < 0 or y.max() >= num_classes):
            raise ValueError(f"{name} has labels outside 0..{num_classes - 1}")
    return np.bincount(y_true * num_classes + y_pred, minlength=num_classes ** 2).reshape(num_classes, num_classes)
