"""Convolution in numpy: the three 2-D operations and the convolutional layer (cs231n's cnn_layers, conv part).

Explained in chapter 2, *Convolution, derived*. The appendix of the course defines, for an
``m×n`` array ``A`` and a ``k×l`` kernel ``B`` (1-based indices):

* filtering  ``(A ⊛filt B)[i, j]  = Σ_{p,q} A[i+p-1, j+q-1] · B[p, q]``               (no flip)
* valid      ``(A ⊛valid B)[i, j] = Σ_{p,q} A[i+p-1, j+q-1] · B[k-p+1, l-q+1]``       (flipped kernel)
* full       ``A ⊛full B`` = zero-pad ``A`` by ``k-1`` rows and ``l-1`` columns on every side, then valid.

Filtering and valid have ``(m-k+1)×(n-l+1)`` outputs, full has ``(m+k-1)×(n+l-1)``. In 0-based
code ``A[i+p-1, ...]`` becomes ``A[i+p, ...]`` and ``B[k-p+1, ...]`` becomes ``B[k-1-p, ...]``, i.e.
``B[::-1, ::-1]``.

The layer computes ``Y[n,f] = Σ_c X[n,c] ⊛filt K[f,c]``; the appendix's claim gives its gradients

* ``dL/dX[n,c] = Σ_f K[f,c] ⊛full dY[n,f]``
* ``dL/dK[f,c] = Σ_n X[n,c] ⊛filt dY[n,f]``

Everything is vectorized: the sliding windows of the input are gathered once (im2col) so the
forward pass and dL/dK are one matrix multiply each, and dL/dX is the transposed multiply followed
by col2im (which the tests check equals the full-convolution formula). The only Python loops run
over the kernel offsets.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from hwlib.layers._checks import float_array, require_ndim, same_dtype, same_shape

# ----------------------------------------------------------------------------------------------
# The three 2-D operations on single arrays
# ----------------------------------------------------------------------------------------------

def _two_d(name, a):
    arr = float_array(name, a)
    require_ndim(name, arr, 2, "(rows, cols)")
    return arr


def _require_kernel_fits(a, b):
    if b.shape[0] > a.shape[0] or b.shape[1] > a.shape[1]:
        raise ValueError(f"kernel b of shape {b.shape} does not fit inside a of shape {a.shape}; "
                         "filt2d and conv2d_valid need b no larger than a (use conv2d_full otherwise)")


def filt2d(a, b):
    """Filtering (cross-correlation, no kernel flip): ``a ⊛filt b``.

    Inputs:
    - a: array of shape (m, n), float32 or float64
    - b: kernel of shape (k, l), same dtype, with k <= m and l <= n

    Returns:
    - out: array of shape (m-k+1, n-l+1), same dtype, ``out[i, j] = Σ_{p,q} a[i+p, j+q] b[p, q]``
    """
    a, b = _two_d("a", a), _two_d("b", b)
    same_dtype(a=a, b=b)
    _require_kernel_fits(a, b)
    # BEGIN SOLUTION
    windows = sliding_window_view(a, b.shape)               # (m-k+1, n-l+1, k, l), a view
    return np.tensordot(windows, b, axes=([2, 3], [0, 1]))
    # END SOLUTION


def conv2d_valid(a, b):
    """Valid convolution (kernel flipped in both axes): ``a ⊛valid b``.

    Inputs:
    - a: array of shape (m, n), float32 or float64
    - b: kernel of shape (k, l), same dtype, with k <= m and l <= n

    Returns:
    - out: array of shape (m-k+1, n-l+1), same dtype,
      ``out[i, j] = Σ_{p,q} a[i+p, j+q] b[k-1-p, l-1-q]``
    """
    b = _two_d("b", b)
    # BEGIN SOLUTION
    return filt2d(a, b[::-1, ::-1])
    # END SOLUTION


def conv2d_full(a, b):
    """Full convolution: zero-pad ``a`` by ``k-1`` rows / ``l-1`` columns on every side, then valid.

    Inputs:
    - a: array of shape (m, n), float32 or float64
    - b: kernel of shape (k, l), same dtype (any size: b may be larger than a)

    Returns:
    - out: array of shape (m+k-1, n+l-1), same dtype
    """
    a, b = _two_d("a", a), _two_d("b", b)
    # BEGIN SOLUTION
    k, l = b.shape
    padded = np.pad(a, ((k - 1, k - 1), (l - 1, l - 1)))
    return conv2d_valid(padded, b)
    # END SOLUTION


def padded_slice(m, i, j, k, l):
    """The appendix's slice ``(m)_{i,j}^{k,l}`` (1-based, both ends included): rows i..k and columns
    j..l of ``m``, reading entries outside ``m`` as 0.

    Inputs: m of shape (H, W); i <= k and j <= l, any integers (they may lie outside m).
    Returns an array of shape (k-i+1, l-j+1), m's dtype. Chapter 2 writes the local Jacobians of
    filtering with it.
    """
    m = _two_d("m", m)
    if k < i or l < j:
        raise ValueError(f"a slice needs i <= k and j <= l, got rows {i}..{k} and columns {j}..{l}")
    out = np.zeros((k - i + 1, l - j + 1), dtype=m.dtype)
    rows = slice(max(i, 1), min(k, m.shape[0]) + 1)
    cols = slice(max(j, 1), min(l, m.shape[1]) + 1)
    if rows.start < rows.stop and cols.start < cols.stop:
        out[rows.start - i:rows.stop - i, cols.start - j:cols.stop - j] = m[rows.start - 1:rows.stop - 1,
                                                                            cols.start - 1:cols.stop - 1]
    return out


def conv1d_matrix(w, n, pad=0):
    """The matrix M with ``M @ x == filt(zero-pad(x, pad), w)`` for 1-D x of length n (filtering, no flip).

    Inputs:
    - w: 1-D kernel of length k, float32 or float64
    - n: length of x; pad: zeros added at each end of x

    Returns:
    - M: array of shape (n + 2·pad - k + 1, n), same dtype as w; ``M[i, j] = w[j + pad - i]`` where
      that index lies in 0..k-1 and 0 elsewhere (a banded Toeplitz matrix)
    """
    w = float_array("w", w)
    require_ndim("w", w, 1, "(k,)")
    rows = n + 2 * pad - w.size + 1
    if rows < 1:
        raise ValueError(f"kernel of length {w.size} is longer than the padded input ({n} + 2·{pad})")
    # BEGIN SOLUTION
    offset = np.arange(n)[None, :] + pad - np.arange(rows)[:, None]       # j + pad - i
    inside = (offset >= 0) & (offset < w.size)
    return np.where(inside, w[np.clip(offset, 0, w.size - 1)], np.zeros((), w.dtype))
    # END SOLUTION


# ----------------------------------------------------------------------------------------------
# The convolutional layer (batched, multi-channel, no bias)
# ----------------------------------------------------------------------------------------------

def im2col(x, hh, ww):
    """Gather every (hh, ww) window of x into one column ("image to columns").

    Inputs:
    - x: array of shape (N, C, H, W)
    - hh, ww: window height and width

    Returns:
    - cols: array of shape (C*hh*ww, N*H'*W') with H' = H-hh+1, W' = W-ww+1, same dtype. Column
      (n, i, j) holds the window ``x[n, :, i:i+hh, j:j+ww]`` flattened in (c, p, q) order -- the
      order of ``w.reshape(F, -1)``.
    """
    # BEGIN SOLUTION
    windows = sliding_window_view(x, (hh, ww), axis=(2, 3))  # (N, C, H', W', hh, ww), a view
    n, c, ho, wo = windows.shape[:4]
    # (c, p, q) down, (n, i, j) across; the copy reads rows of W' contiguous pixels, so it is fast.
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(c * hh * ww, n * ho * wo)
    # END SOLUTION


def col2im(cols, x_shape, hh, ww):
    """The transpose of im2col: add every window column back onto the pixels it was copied from.

    Inputs:
    - cols: array of shape (C*hh*ww, N*H'*W'), as im2col returns (here: gradients of the windows)
    - x_shape: (N, C, H, W), the shape of the image im2col read

    Returns:
    - x: array of shape (N, C, H, W), same dtype; a pixel covered by several windows receives the
      sum of their entries.
    """
    # BEGIN SOLUTION
    n, c, h, w = x_shape
    ho, wo = h - hh + 1, w - ww + 1
    blocks = cols.reshape(c, hh, ww, n, ho, wo)
    out = np.zeros((c, n, h, w), dtype=cols.dtype)
    # Loop over the hh·ww offsets inside a window, not over pixels: offset (p, q) of every
    # window lands on the block of pixels starting at (p, q).
    for p in range(hh):
        for q in range(ww):
            out[:, :, p:p + ho, q:q + wo] += blocks[:, p, q]
    return np.ascontiguousarray(out.transpose(1, 0, 2, 3))
    # END SOLUTION


def _check_conv_inputs(x, w):
    x, w = float_array("x", x), float_array("w", w)
    require_ndim("x", x, 4, "(N, C, H, W)")
    require_ndim("w", w, 4, "(F, C, HH, WW)")
    same_dtype(x=x, w=w)
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"channel mismatch: x has shape {x.shape} (C={x.shape[1]}) but w has shape "
                         f"{w.shape} (C={w.shape[1]})")
    if w.shape[2] > x.shape[2] or w.shape[3] > x.shape[3]:
        raise ValueError(f"kernel of w with shape {w.shape} is larger than the image of x with shape {x.shape}")
    return x, w


def conv_forward(x, w):
    """Forward pass of a convolutional layer without bias (stride 1, no padding).

    Inputs:
    - x: input of shape (N, C, H, W), float32 or float64
    - w: filters of shape (F, C, HH, WW), same dtype as x

    Returns a tuple of:
    - out: output of shape (N, F, H-HH+1, W-WW+1), same dtype,
      ``out[n, f] = Σ_c x[n, c] ⊛filt w[f, c]``
    - cache: (x, w, cols) for conv_backward: the inputs themselves (not copies) and
      ``cols = im2col(x, HH, WW)``, shape (C·HH·WW, N·H'·W'). A backward pass may ignore cols.

    Explained in chapter 2, *Convolution, derived* (the layer and im2col).
    """
    x, w = _check_conv_inputs(x, w)
    # BEGIN SOLUTION
    n, _, h, wd = x.shape
    f, _, hh, ww = w.shape
    cols = im2col(x, hh, ww)                                  # (C*HH*WW, N*H'*W')
    out = (w.reshape(f, -1) @ cols).reshape(f, n, h - hh + 1, wd - ww + 1)
    return np.ascontiguousarray(out.transpose(1, 0, 2, 3)), (x, w, cols)
    # END SOLUTION


def conv_backward(dout, cache):
    """Backward pass of conv_forward.

    Inputs:
    - dout: upstream derivative dL/dY of shape (N, F, H', W'), same dtype as x
    - cache: (x, w, cols) as conv_forward returns it

    Explained in chapter 2, *Convolution, derived* (the appendix's claims and the layer).

    Returns a tuple of:
    - dx: dL/dX of shape (N, C, H, W), x's dtype
    - dw: dL/dK of shape (F, C, HH, WW) (the appendix derives both as convolutions)
    """
    x, w, cols = cache
    n, c, h, wd = x.shape
    f, _, hh, ww = w.shape
    dout = float_array("dout", dout)
    same_shape("dout", dout, (n, f, h - hh + 1, wd - ww + 1), "the shape conv_forward returned")
    same_dtype(dout=dout, x=x)

    # BEGIN SOLUTION
    # Every product below uses the gradient in the (F, N*H'*W') layout of the forward output.
    dout_rows = np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(f, -1)

    # dL/dK: the columns of cols are the windows of X, so dout_rows @ cols.T sums
    # X[n,c][i+p, j+q] · dY[n,f][i, j] over n, i, j -- exactly Σ_n X[n,c] ⊛filt dY[n,f].
    dw = (dout_rows @ cols.T).reshape(w.shape)

    # dL/dX: the forward pass is y = M x with M = "im2col, then multiply by K_flat", so the
    # gradient is M^T dy: multiply by K_flat^T (each window's gradient), then col2im (add each
    # window back onto its pixels). Chapter 2 proves this equals Σ_f K[f,c] ⊛full dY[n,f]; the
    # tests check it against that formula. It avoids the big im2col of the padded gradient.
    dcols = w.reshape(f, -1).T @ dout_rows                    # (C*HH*WW, N*H'*W')
    dx = col2im(dcols, x.shape, hh, ww)
    return dx, dw
    # END SOLUTION


def conv_bias_forward(x, b):
    """Add a per-channel bias to a convolution output (kept separate from conv_forward, as in the seed).

    Inputs:
    - x: array of shape (N, F, H, W), float32 or float64
    - b: biases of shape (F,), same dtype

    Returns a tuple of:
    - out: x + b[None, :, None, None], shape (N, F, H, W)
    - cache: the shapes needed by conv_bias_backward
    """
    x, b = float_array("x", x), float_array("b", b)
    require_ndim("x", x, 4, "(N, F, H, W)")
    require_ndim("b", b, 1, "(F,)")
    same_dtype(x=x, b=b)
    if b.shape[0] != x.shape[1]:
        raise ValueError(f"b of shape {b.shape} does not match the F={x.shape[1]} channels of x with shape {x.shape}")
    return x + b[None, :, None, None], (x.shape, x.dtype)


def conv_bias_backward(dout, cache):
    """Backward pass of conv_bias_forward: the bias gradient is the sum over n, i, j.

    Returns a tuple of:
    - dx: equal to dout, shape (N, F, H, W)
    - db: shape (F,), dout summed over n, i and j
    """
    shape, dtype = cache
    dout = float_array("dout", dout)
    same_shape("dout", dout, shape, "the shape conv_bias_forward returned")
    if dout.dtype != dtype:
        raise TypeError(f"dout has dtype {dout.dtype} but the forward pass ran in {dtype}")
    return dout.copy(), dout.sum(axis=(0, 2, 3))
