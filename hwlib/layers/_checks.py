"""Input validation shared by the numpy layers (and the numpy code that takes their arrays).

Every public layer calls these first, so that a wrong shape, a channel mismatch or an
integer array fails loudly with the shapes in the message, instead of broadcasting into a
silently wrong answer.
"""

import numpy as np


def float_array(name, a):
    """Return ``a`` as an ndarray (no copy for arrays) and require a floating dtype."""
    arr = np.asarray(a)
    if not np.issubdtype(arr.dtype, np.floating):
        raise TypeError(f"{name} must be a floating-point array (float32 or float64), got dtype {arr.dtype}")
    return arr


def require_ndim(name, a, ndim, layout):
    """Require ``a.ndim == ndim``; ``layout`` names the axes for the message, e.g. '(N, C, H, W)'."""
    if a.ndim != ndim:
        raise ValueError(f"{name} must have shape {layout}, got an array of shape {a.shape}")


def same_dtype(**arrays):
    """Require all named arrays to share one dtype and return it.

    Mixing float32 and float64 would silently promote the result to float64, breaking the
    "float32 in, float32 out" promise, so it is refused instead.
    """
    dtypes = {name: a.dtype for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{name} {dt}" for name, dt in dtypes.items())
        raise TypeError(f"all inputs must share one dtype, got {listed}; convert them with .astype() first")
    return next(iter(dtypes.values()))


def same_shape(name, a, expected, what):
    """Require ``a.shape == expected``; ``what`` says where the expected shape comes from."""
    if a.shape != tuple(expected):
        raise ValueError(f"{name} must have shape {tuple(expected)} ({what}), got {a.shape}")


def float_dtype(dtype):
    """``np.dtype(dtype)``, required to be float32 or float64 (the two dtypes hwlib's numpy models run in)."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"dtype must be float32 or float64, got {dtype}")
    return dtype
