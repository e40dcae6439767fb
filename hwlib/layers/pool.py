"""Max and average pooling in numpy, with their gradients.

Explained in chapter 2, *Convolution, derived* (section "Pooling"). Windows may overlap
(e.g. 3×3 with stride 2); the output size is ``H' = (H - pool_height) // stride + 1`` (rows
that no window reaches get zero gradient, as in ``torch.nn.functional.max_pool2d``).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hwlib.layers._checks import float_array, require_ndim, same_shape

_POOL_KEYS = ("pool_height", "pool_width", "stride")


def _pool_setup(x, pool_param):
    x = float_array("x", x)
    require_ndim("x", x, 4, "(N, C, H, W)")
    if not isinstance(pool_param, dict) or set(_POOL_KEYS) - set(pool_param):
        raise ValueError(f"pool_param must be a dict with keys {_POOL_KEYS}, got {pool_param!r}")
    ph, pw, s = (pool_param[k] for k in _POOL_KEYS)
    for key, value in zip(_POOL_KEYS, (ph, pw, s)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"pool_param[{key!r}] must be a positive integer, got {value!r}")
    if ph > x.shape[2] or pw > x.shape[3]:
        raise ValueError(f"a {ph}x{pw} pooling window does not fit in x of shape {x.shape}")
    # (N, C, H', W', ph, pw): the windows, as a strided view (no copy yet).
    windows = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::s, ::s]
    return x, windows, (int(ph), int(pw), int(s))


def _offset_view(x, p, q, s, ho, wo):
    """x[:, :, p + s·i, q + s·j] for every window (i, j): offset (p, q) of all windows, as a strided view."""
    return x[:, :, p:p + s * (ho - 1) + 1:s, q:q + s * (wo - 1) + 1:s]


def max_pool_forward(x, pool_param):
    """Forward pass of max pooling.

    Inputs:
    - x: input of shape (N, C, H, W), float32 or float64
    - pool_param: {'pool_height': ph, 'pool_width': pw, 'stride': s}

    Returns a tuple of:
    - out: shape (N, C, H', W') with H' = (H-ph)//s + 1, W' = (W-pw)//s + 1, same dtype
    - cache: (x.shape, x.dtype, arg, (ph, pw, s)) where arg, of shape (N, C, H', W') and an
      integer dtype, holds for each window the offset ``p·pw + q`` of its maximum inside the window
      (row p, column q); when several inputs tie, the first in row-major order

    Explained in chapter 2, *Convolution, derived* ("Pooling").
    """
    x, windows, (ph, pw, s) = _pool_setup(x, pool_param)
    # BEGIN SOLUTION
    ho, wo = windows.shape[2:4]
    # One pass per offset inside the window (ph·pw passes over strided views, no copies of the
    # windows): keep the running maximum and the offset where it was first reached, so ties go
    # to the first maximum in row-major order, as in the loop version and in torch.
    out = _offset_view(x, 0, 0, s, ho, wo).copy()
    arg = np.zeros(out.shape, dtype=np.uint8 if ph * pw <= 256 else np.int64)
    for k in range(1, ph * pw):
        candidate = _offset_view(x, k // pw, k % pw, s, ho, wo)
        better = candidate > out
        np.maximum(out, candidate, out=out)
        # arg = k where better, written as arithmetic (k > arg always): much faster than a masked store.
        arg += better.astype(arg.dtype) * (arg.dtype.type(k) - arg)
    return out, (x.shape, x.dtype, arg, (ph, pw, s))
    # END SOLUTION


def max_pool_backward(dout, cache):
    """Backward pass of max pooling: each window's gradient goes to the input that was its maximum.

    Inputs:
    - dout: upstream derivative of shape (N, C, H', W')
    - cache: (x.shape, x.dtype, arg, (ph, pw, s)) as max_pool_forward returns it

    Returns:
    - dx: shape (N, C, H, W), same dtype as x. Overlapping windows add their contributions.
    """
    shape, dtype, arg, (ph, pw, s) = cache
    dout = float_array("dout", dout)
    same_shape("dout", dout, arg.shape, "the shape max_pool_forward returned")
    if dout.dtype != dtype:
        raise TypeError(f"dout has dtype {dout.dtype} but the forward pass ran in {dtype}")
    # BEGIN SOLUTION
    ho, wo = arg.shape[2:]
    dx = np.zeros(shape, dtype=dtype)
    overlapping = s < ph or s < pw
    for k in range(ph * pw):
        # Windows whose maximum sat at offset k send their gradient to that pixel. Without overlap
        # each pixel belongs to one window, so it can be written instead of accumulated.
        target = _offset_view(dx, k // pw, k % pw, s, ho, wo)
        if overlapping:
            target += dout * (arg == k)
        else:
            np.multiply(dout, arg == k, out=target)
    return dx
    # END SOLUTION


def avg_pool_forward(x, pool_param):
    """Forward pass of average pooling.

    Inputs:
    - x: input of shape (N, C, H, W), float32 or float64
    - pool_param: {'pool_height': ph, 'pool_width': pw, 'stride': s}

    Returns a tuple of:
    - out: shape (N, C, H', W'), the mean of each window, same dtype
    - cache: (x shape, dtype, pool sizes)
    """
    x, windows, sizes = _pool_setup(x, pool_param)
    return windows.mean(axis=(4, 5), dtype=x.dtype), (x.shape, x.dtype, sizes)


def avg_pool_backward(dout, cache):
    """Backward pass of average pooling: each window spreads dout/(ph·pw) evenly over its inputs.

    Returns:
    - dx: shape (N, C, H, W), same dtype as x
    """
    shape, dtype, (ph, pw, s) = cache
    n, c, h, w = shape
    ho, wo = (h - ph) // s + 1, (w - pw) // s + 1
    dout = float_array("dout", dout)
    same_shape("dout", dout, (n, c, ho, wo), "the shape avg_pool_forward returned")
    share = (dout / (ph * pw)).astype(dtype, copy=False)
    dx = np.zeros(shape, dtype=dtype)
    # Loop over the ph·pw offsets inside a window (not over pixels): offset (p, q) of every
    # window lands on rows p, p+s, ..., columns q, q+s, ...
    for p in range(ph):
        for q in range(pw):
            dx[:, :, p:p + s * (ho - 1) + 1:s, q:q + s * (wo - 1) + 1:s] += share
    return dx
