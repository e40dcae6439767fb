"""Fully-connected layers, ReLU and the softmax loss, with hand-derived gradients (cs231n's layers.py).

Every layer is a pair ``foo_forward(...) -> (out, cache)`` and ``foo_backward(dout, cache) -> grads``.
All functions keep the input dtype (float32 in, float32 out, gradients included), never modify
their inputs, and raise ``ValueError`` (shapes) or ``TypeError`` (dtypes) with the offending shapes
in the message. Importing this module does not import torch.

Derivations: chapter 1, *Backpropagation by hand*. The other families live beside this module:
``hwlib.layers.conv``, ``hwlib.layers.pool``, ``hwlib.layers.recurrent``.
"""

import numpy as np

from hwlib.layers._checks import float_array, require_ndim, same_dtype, same_shape

__all__ = ["fc_forward", "fc_backward", "relu_forward", "relu_backward", "log_softmax", "softmax_loss"]


def fc_forward(x, w, b):
    """Forward pass of a fully-connected (affine) layer: ``out = x.reshape(N, D) @ w + b``.

    Inputs:
    - x: input of shape (N, D) or (N, d_1, ..., d_k) with D = d_1·…·d_k, float32 or float64
    - w: weights of shape (D, M), same dtype
    - b: biases of shape (M,), same dtype

    Returns a tuple of:
    - out: output of shape (N, M), same dtype
    - cache: (x, w)
    """
    x, w, b = float_array("x", x), float_array("w", w), float_array("b", b)
    if x.ndim < 2:
        raise ValueError(f"x must have shape (N, D) or (N, d_1, ..., d_k), got {x.shape}")
    require_ndim("w", w, 2, "(D, M)")
    require_ndim("b", b, 1, "(M,)")
    same_dtype(x=x, w=w, b=b)
    # BEGIN SOLUTION
    flat = x.reshape(x.shape[0], -1)
    if flat.shape[1] != w.shape[0]:
        raise ValueError(f"x of shape {x.shape} flattens to D={flat.shape[1]} features but w has shape {w.shape}")
    if b.shape[0] != w.shape[1]:
        raise ValueError(f"b of shape {b.shape} does not match the M={w.shape[1]} outputs of w with shape {w.shape}")
    return flat @ w + b, (x, w)
    # END SOLUTION


def fc_backward(dout, cache):
    """Backward pass of fc_forward.

    Inputs:
    - dout: upstream derivative of shape (N, M)
    - cache: (x, w) from fc_forward

    Returns a tuple of:
    - dx: dL/dx, shape of x (N, d_1, ..., d_k), x's dtype
    - dw: dL/dw, shape (D, M)
    - db: dL/db, shape (M,)

    Chapter 1 derives all three.
    """
    x, w = cache
    dout = float_array("dout", dout)
    same_shape("dout", dout, (x.shape[0], w.shape[1]), "the shape fc_forward returned")
    same_dtype(dout=dout, x=x)
    # BEGIN SOLUTION
    flat = x.reshape(x.shape[0], -1)
    return (dout @ w.T).reshape(x.shape), flat.T @ dout, dout.sum(axis=0)
    # END SOLUTION


def relu_forward(x):
    """Forward pass of the rectified linear unit, ``max(0, x)`` element-wise.

    Inputs:
    - x: array of any shape, float32 or float64

    Returns a tuple of:
    - out: same shape and dtype as x
    - cache: x
    """
    x = float_array("x", x)
    # BEGIN SOLUTION
    return np.maximum(x, 0), x
    # END SOLUTION


def relu_backward(dout, cache):
    """Backward pass of relu_forward: the gradient passes where x > 0 and is zero elsewhere.

    Returns:
    - dx: same shape and dtype as x
    """
    x = cache
    dout = float_array("dout", dout)
    same_shape("dout", dout, x.shape, "the shape of x")
    same_dtype(dout=dout, x=x)
    # BEGIN SOLUTION
    return np.where(x > 0, dout, np.zeros((), dtype=dout.dtype))
    # END SOLUTION


def log_softmax(scores):
    """Log-probabilities of the softmax over the last axis, computed stably.

    The scores are shifted by their maximum along the last axis before exponentiating, which
    leaves the softmax unchanged and never overflows (scores of size 1000 work).

    Inputs:
    - scores: array of shape (..., C), float32 or float64

    Returns:
    - log_probs: same shape and dtype, ``scores - log Σ_c exp(scores)`` along the last axis

    Explained in chapter 1, *Backpropagation by hand* (the softmax loss); ``softmax_loss`` and
    ``hwlib.layers.recurrent.temporal_softmax_loss`` both use it.
    """
    scores = float_array("scores", scores)
    # BEGIN SOLUTION
    shifted = scores - scores.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    # END SOLUTION


def softmax_loss(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient.

    Numerically stable: scores are shifted by their row maximum before exponentiating, which
    leaves the softmax unchanged.

    Inputs:
    - scores: class scores of shape (N, C), float32 or float64
    - y: integer labels of shape (N,), each in 0..C-1

    Returns a tuple of:
    - loss: scalar of the scores' dtype, ``-(1/N) Σ_n log p[n, y_n]``
    - dscores: dloss/dscores, shape (N, C), same dtype (chapter 1 derives it)
    """
    scores = float_array("scores", scores)
    require_ndim("scores", scores, 2, "(N, C)")
    y = np.asarray(y)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer class labels, got dtype {y.dtype}")
    same_shape("y", y, scores.shape[:1], "one label per row of scores")
    n, c = scores.shape
    if n and (y.min() < 0 or y.max() >= c):
        raise ValueError(f"labels must lie in 0..{c - 1} for {c} classes, got values from {y.min()} to {y.max()}")
    # BEGIN SOLUTION
    log_probs = log_softmax(scores)
    rows = np.arange(n)
    loss = -log_probs[rows, y].mean()
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1
    dscores /= n
    return scores.dtype.type(loss), dscores
    # END SOLUTION
