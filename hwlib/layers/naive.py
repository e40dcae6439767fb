"""Loop-by-loop versions of ``hwlib.layers.conv`` and ``hwlib.layers.pool``, written straight from the definitions.

They are slow on purpose: they are the independent reference that the tests compare the vectorized
layers with, and the baseline that ``bench/conv_bench.py`` and chapter 4 measure the speed-up
against. Each loop body is one line of the appendix's definitions (0-based indices). Being working
versions of graded functions, their bodies are solution regions: the student version has none.
"""

import numpy as np


def filt2d_loops(a, b):
    """``out[i, j] = Σ_{p,q} a[i+p, j+q] · b[p, q]`` with explicit loops; shape (m-k+1, n-l+1)."""
    # BEGIN SOLUTION
    (m, n), (k, l) = a.shape, b.shape
    out = np.zeros((m - k + 1, n - l + 1), dtype=np.result_type(a, b))
    for i in range(m - k + 1):
        for j in range(n - l + 1):
            for p in range(k):
                for q in range(l):
                    out[i, j] += a[i + p, j + q] * b[p, q]
    return out
    # END SOLUTION


def conv2d_valid_loops(a, b):
    """``out[i, j] = Σ_{p,q} a[i+p, j+q] · b[k-1-p, l-1-q]`` (the 1-based b[k-p+1, l-q+1])."""
    # BEGIN SOLUTION
    (m, n), (k, l) = a.shape, b.shape
    out = np.zeros((m - k + 1, n - l + 1), dtype=np.result_type(a, b))
    for i in range(m - k + 1):
        for j in range(n - l + 1):
            for p in range(k):
                for q in range(l):
                    out[i, j] += a[i + p, j + q] * b[k - 1 - p, l - 1 - q]
    return out
    # END SOLUTION


def conv2d_full_loops(a, b):
    """Zero-pad a by (k-1, l-1) on every side, then valid-convolve; shape (m+k-1, n+l-1)."""
    # BEGIN SOLUTION
    k, l = b.shape
    padded = np.zeros((a.shape[0] + 2 * (k - 1), a.shape[1] + 2 * (l - 1)), dtype=a.dtype)
    padded[k - 1:k - 1 + a.shape[0], l - 1:l - 1 + a.shape[1]] = a
    return conv2d_valid_loops(padded, b)
    # END SOLUTION


def conv_forward_loops(x, w):
    """The cs231n naive convolution: one window sum per (n, f, i, j); shape (N, F, H', W')."""
    # BEGIN SOLUTION
    n_, _, h, wd = x.shape
    f_, _, hh, ww = w.shape
    out = np.zeros((n_, f_, h - hh + 1, wd - ww + 1), dtype=x.dtype)
    for n in range(n_):
        for f in range(f_):
            for i in range(h - hh + 1):
                for j in range(wd - ww + 1):
                    out[n, f, i, j] = np.sum(x[n, :, i:i + hh, j:j + ww] * w[f])
    return out
    # END SOLUTION


def conv_backward_loops(dout, x, w):
    """The gradients of conv_forward_loops, scattered window by window; returns (dx, dw)."""
    # BEGIN SOLUTION
    n_, _, h, wd = x.shape
    f_, _, hh, ww = w.shape
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for n in range(n_):
        for f in range(f_):
            for i in range(h - hh + 1):
                for j in range(wd - ww + 1):
                    dx[n, :, i:i + hh, j:j + ww] += w[f] * dout[n, f, i, j]
                    dw[f] += x[n, :, i:i + hh, j:j + ww] * dout[n, f, i, j]
    return dx, dw
    # END SOLUTION


def pool_forward_loops(x, ph, pw, s, reduce=np.max):
    """Max (or, with reduce=np.mean, average) pooling one window at a time; shape (N, C, H', W')."""
    # BEGIN SOLUTION
    n_, c_, h, w = x.shape
    ho, wo = (h - ph) // s + 1, (w - pw) // s + 1
    out = np.zeros((n_, c_, ho, wo), dtype=x.dtype)
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                for j in range(wo):
                    out[n, c, i, j] = reduce(x[n, c, i * s:i * s + ph, j * s:j * s + pw])
    return out
    # END SOLUTION


def max_pool_backward_loops(dout, x, ph, pw, s):
    """Route each window's gradient to its (first) maximum; overlapping windows add up."""
    # BEGIN SOLUTION
    dx = np.zeros_like(x)
    n_, c_, ho, wo = dout.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                for j in range(wo):
                    window = x[n, c, i * s:i * s + ph, j * s:j * s + pw]
                    p, q = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, i * s + p, j * s + q] += dout[n, c, i, j]
    return dx
    # END SOLUTION


def avg_pool_backward_loops(dout, x, ph, pw, s):
    """Spread each window's gradient evenly over its ph·pw inputs."""
    # The same loops as max_pool_backward_loops on purpose: each loop version is its definition.
    # BEGIN SOLUTION
    dx = np.zeros_like(x)
    n_, c_, ho, wo = dout.shape
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                for j in range(wo):
                    dx[n, c, i * s:i * s + ph, j * s:j * s + pw] += dout[n, c, i, j] / (ph * pw)
    return dx
    # END SOLUTION
