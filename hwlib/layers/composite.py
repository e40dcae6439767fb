"""Composite layers assembled from ``hwlib.layers.dense``, with their gradients (cs231n's layer_utils).

Explained in chapter 1, *Backpropagation by hand*: multiclass logistic (softmax) regression (the
loss of ``hwlib.models.SoftmaxClassifier``, chapter 3) and the skip connection
``y = W2 σ(W1 x) + x``. Each backward pass is the chain rule applied to the layer backward passes,
in reverse order of the forward pass.
"""

import numpy as np

from hwlib.layers._checks import float_array, require_ndim, same_dtype
from hwlib.layers.dense import (
    fc_backward,
    fc_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
)


def softmax_regression_loss(x, w, b, y):
    """Multiclass logistic regression: scores ``s = x w + b``, softmax cross-entropy, batch mean.

    Inputs:
    - x: inputs of shape (N, D), float32 or float64
    - w: weights of shape (D, K); b: biases of shape (K,), same dtype
    - y: integer labels of shape (N,), in 0..K-1

    Returns a tuple of:
    - loss: scalar of x's dtype
    - grads: (dx, dw, db), the loss's gradients with respect to x, w, b: shapes and dtype of x, w, b
      (chapter 1 derives them)
    """
    # BEGIN SOLUTION
    scores, cache = fc_forward(x, w, b)
    loss, dscores = softmax_loss(scores, y)
    return loss, fc_backward(dscores, cache)
    # END SOLUTION


def residual_forward(x, w1, w2):
    """A skip connection around a two-layer ReLU branch: ``y = W2 relu(W1 x) + x`` for each row x.

    Inputs:
    - x: inputs of shape (N, D), float32 or float64 (one example per row)
    - w1: weights of shape (H, D); w2: weights of shape (D, H) — column-vector convention, as in
      the chapter's formula, so a row computes ``x @ w1.T`` and ``h @ w2.T``

    Returns a tuple of:
    - y: shape (N, D), same dtype
    - cache: for residual_backward
    """
    x, w1, w2 = float_array("x", x), float_array("w1", w1), float_array("w2", w2)
    require_ndim("x", x, 2, "(N, D)")
    require_ndim("w1", w1, 2, "(H, D)")
    require_ndim("w2", w2, 2, "(D, H)")
    same_dtype(x=x, w1=w1, w2=w2)
    d, (hid, d1), (d2, hid2) = x.shape[1], w1.shape, w2.shape
    if d1 != d or d2 != d or hid2 != hid:
        raise ValueError(f"shapes do not chain: x {x.shape}, w1 {w1.shape} (needs (H, {d})), "
                         f"w2 {w2.shape} (needs ({d}, H))")
    # the block has no biases: the fc layers get zero ones
    a, cache1 = fc_forward(x, w1.T, np.zeros(hid, x.dtype))      # a = W1 x   (N, H)
    h, cache_relu = relu_forward(a)                              # h = σ(a)   (N, H)
    branch, cache2 = fc_forward(h, w2.T, np.zeros(d, x.dtype))   # W2 h       (N, D)
    return branch + x, (cache1, cache_relu, cache2)


def residual_backward(dy, cache):
    """Backward pass of residual_forward.

    Inputs:
    - dy: upstream derivative of shape (N, D), y's dtype
    - cache: as residual_forward returns it

    Returns a tuple of:
    - dx: dL/dx, shape (N, D); dw1: dL/dw1, shape (H, D); dw2: dL/dw2, shape (D, H); dtype of x.
      Chapter 1 derives them (the skip connection).
    """
    cache1, cache_relu, cache2 = cache
    # BEGIN SOLUTION
    dh, dw2_t, _ = fc_backward(dy, cache2)
    da = relu_backward(dh, cache_relu)
    dx_branch, dw1_t, _ = fc_backward(da, cache1)
    return dx_branch + dy, dw1_t.T, dw2_t.T
    # END SOLUTION
