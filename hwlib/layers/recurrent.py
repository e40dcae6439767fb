"""Numpy layers for sequences, in the cs231n shape: vanilla RNN, LSTM, word embeddings, a temporal
fully-connected layer and a masked temporal softmax loss.

Shapes use N = batch, T = timesteps, D = input width, H = hidden width, V = vocabulary size,
M = output width. Like ``hwlib.layers.dense``, every function keeps the input dtype (float32 or float64,
gradients included), never modifies its inputs and raises ``ValueError``/``TypeError`` naming the
offending shape or dtype. Chapter 5, *Image captioning*, derives the backward passes.
"""

import numpy as np

from hwlib.layers._checks import float_array, require_ndim, same_dtype, same_shape
from hwlib.layers.dense import log_softmax

__all__ = [
    "rnn_step_forward", "rnn_step_backward", "rnn_forward", "rnn_backward",
    "lstm_step_forward", "lstm_step_backward", "lstm_forward", "lstm_backward",
    "word_embedding_forward", "word_embedding_backward",
    "temporal_fc_forward", "temporal_fc_backward", "temporal_softmax_loss", "sigmoid",
]


def sigmoid(x):
    """Numerically stable logistic function 1 / (1 + exp(-x)), same dtype as x (no overflow warnings)."""
    x = float_array("x", x)
    z = np.exp(-np.abs(x))                        # in (0, 1]: never overflows
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


def _check_cell(x, prev_h, Wx, Wh, b, gates):
    """Validate one step's inputs; gates is 1 for the RNN and 4 for the LSTM. Returns (x, prev_h, Wx, Wh, b)."""
    x, prev_h = float_array("x", x), float_array("prev_h", prev_h)
    Wx, Wh, b = float_array("Wx", Wx), float_array("Wh", Wh), float_array("b", b)
    require_ndim("x", x, 2, "(N, D)")
    require_ndim("prev_h", prev_h, 2, "(N, H)")
    require_ndim("Wx", Wx, 2, "(D, H)" if gates == 1 else "(D, 4H)")
    same_dtype(x=x, prev_h=prev_h, Wx=Wx, Wh=Wh, b=b)
    (n, d), h = x.shape, prev_h.shape[1]
    same_shape("prev_h", prev_h, (n, h), "one hidden state per row of x")
    same_shape("Wx", Wx, (d, gates * h), f"D={d} inputs to {gates}·H={gates * h} pre-activations")
    same_shape("Wh", Wh, (h, gates * h), f"H={h} hidden units to {gates}·H pre-activations")
    same_shape("b", b, (gates * h,), f"{gates}·H biases")
    return x, prev_h, Wx, Wh, b


def _check_sequence(x, h0, Wx, Wh, b, gates):
    x, h0 = float_array("x", x), float_array("h0", h0)
    require_ndim("x", x, 3, "(N, T, D)")
    if x.shape[1] == 0:
        raise ValueError(f"x must hold at least one timestep, got shape {x.shape}")
    _check_cell(x[:, 0], h0, Wx, Wh, b, gates)
    return x, h0


# ----------------------------------------------------------------------------------------------
# Vanilla RNN: h_t = tanh(x_t Wx + h_{t-1} Wh + b)
# ----------------------------------------------------------------------------------------------

def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One timestep of a vanilla RNN with tanh.

    Inputs:
    - x: inputs of shape (N, D); prev_h: hidden state of shape (N, H)
    - Wx: (D, H), Wh: (H, H), b: (H,); all one float dtype

    Returns a tuple of:
    - next_h: ``tanh(x @ Wx + prev_h @ Wh + b)``, shape (N, H), same dtype
    - cache: (x, prev_h, Wx, Wh, next_h)
    """
    x, prev_h, Wx, Wh, b = _check_cell(x, prev_h, Wx, Wh, b, 1)
    # BEGIN SOLUTION
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)
    # END SOLUTION


def rnn_step_backward(dnext_h, cache):
    """Backward pass of rnn_step_forward.

    Inputs:
    - dnext_h: derivative of the loss with respect to next_h, shape (N, H)
    - cache: (x, prev_h, Wx, Wh, next_h) as rnn_step_forward returns it

    Returns a tuple (dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,)). With
    a = x Wx + prev_h Wh + b, da = dnext_h · (1 − next_h²) because tanh' = 1 − tanh².
    """
    x, prev_h, Wx, Wh, next_h = cache
    dnext_h = float_array("dnext_h", dnext_h)
    same_shape("dnext_h", dnext_h, next_h.shape, "the shape of next_h")
    same_dtype(dnext_h=dnext_h, x=x)
    # BEGIN SOLUTION
    da = dnext_h * (1 - next_h ** 2)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)
    # END SOLUTION


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN run over a whole sequence.

    Inputs:
    - x: inputs of shape (N, T, D); h0: initial hidden state (N, H)
    - Wx: (D, H), Wh: (H, H), b: (H,)

    Returns a tuple of:
    - h: hidden states of all timesteps, shape (N, T, H), same dtype
    - cache: the list of the T step caches of rnn_step_forward, in time order
    """
    x, h0 = _check_sequence(x, h0, Wx, Wh, b, 1)
    # BEGIN SOLUTION
    n, t_len, _ = x.shape
    h = np.empty((n, t_len, h0.shape[1]), dtype=x.dtype)
    caches, prev_h = [], h0
    for t in range(t_len):
        prev_h, cache = rnn_step_forward(x[:, t], prev_h, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(cache)
    return h, caches
    # END SOLUTION


def rnn_backward(dh, cache):
    """Backward pass of rnn_forward (backpropagation through time).

    Inputs:
    - dh: upstream derivatives of every hidden state, shape (N, T, H). (The loss reaches h_t directly
      through dh[:, t] and indirectly through h_{t+1}; the loop adds the two.)
    - cache: the list of T step caches that rnn_forward returns

    Returns a tuple (dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,)).
    """
    return _sequence_backward(dh, cache, lambda dnext, c, _: rnn_step_backward(dnext, c), cell_state=False)


# ----------------------------------------------------------------------------------------------
# LSTM: gates i, f, o = σ(·), g = tanh(·); c_t = f·c_{t-1} + i·g; h_t = o·tanh(c_t)
# ----------------------------------------------------------------------------------------------

def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One timestep of an LSTM.

    Inputs:
    - x: (N, D); prev_h, prev_c: hidden and cell state (N, H)
    - Wx: (D, 4H), Wh: (H, 4H), b: (4H,); the 4H pre-activations are the input, forget and output
      gates and the candidate g, in that order

    Returns a tuple of:
    - next_h, next_c: shape (N, H), same dtype
    - cache: (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c): the inputs, the gate activations
      i, f, o (sigmoids) and g (tanh), and tanh(next_c), each (N, H)
    """
    x, prev_h, Wx, Wh, b = _check_cell(x, prev_h, Wx, Wh, b, 4)
    prev_c = float_array("prev_c", prev_c)
    same_shape("prev_c", prev_c, prev_h.shape, "the shape of prev_h")
    same_dtype(prev_c=prev_c, x=x)
    # BEGIN SOLUTION
    h = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    i, f, o = (sigmoid(a[:, k * h:(k + 1) * h]) for k in range(3))
    g = np.tanh(a[:, 3 * h:])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    return next_h, next_c, (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c)
    # END SOLUTION


def lstm_step_backward(dnext_h, dnext_c, cache):
    """Backward pass of lstm_step_forward.

    Inputs:
    - dnext_h, dnext_c: derivatives with respect to next_h and next_c, shape (N, H)
    - cache: (x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c) as lstm_step_forward returns it

    Returns a tuple (dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)).
    """
    x, prev_h, prev_c, Wx, Wh, i, f, o, g, tanh_c = cache
    dnext_h, dnext_c = float_array("dnext_h", dnext_h), float_array("dnext_c", dnext_c)
    same_shape("dnext_h", dnext_h, prev_h.shape, "the shape of next_h")
    same_shape("dnext_c", dnext_c, prev_h.shape, "the shape of next_c")
    same_dtype(dnext_h=dnext_h, dnext_c=dnext_c, x=x)
    # BEGIN SOLUTION
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)           # next_c reaches the loss directly and via next_h
    da = np.concatenate([dc * g * i * (1 - i),                # σ' = σ(1 − σ)
                         dc * prev_c * f * (1 - f),
                         dnext_h * tanh_c * o * (1 - o),
                         dc * i * (1 - g ** 2)], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)
    # END SOLUTION


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM run over a whole sequence; the initial cell state is zero.

    Inputs:
    - x: (N, T, D); h0: (N, H); Wx: (D, 4H); Wh: (H, 4H); b: (4H,)

    Returns a tuple of:
    - h: hidden states of all timesteps, shape (N, T, H), same dtype
    - cache: the list of the T step caches of lstm_step_forward, in time order
    """
    # The time loop of rnn_forward on purpose (students write both); the LSTM also carries c.
    x, h0 = _check_sequence(x, h0, Wx, Wh, b, 4)
    # BEGIN SOLUTION
    n, t_len, _ = x.shape
    h = np.empty((n, t_len, h0.shape[1]), dtype=x.dtype)
    caches, prev_h, prev_c = [], h0, np.zeros_like(h0)
    for t in range(t_len):
        prev_h, prev_c, cache = lstm_step_forward(x[:, t], prev_h, prev_c, Wx, Wh, b)
        h[:, t] = prev_h
        caches.append(cache)
    return h, caches
    # END SOLUTION


def lstm_backward(dh, cache):
    """Backward pass of lstm_forward.

    Inputs:
    - dh: upstream derivatives of every hidden state, shape (N, T, H)
    - cache: the list of T step caches that lstm_forward returns

    Returns a tuple (dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)).
    """
    return _sequence_backward(dh, cache, lstm_step_backward, cell_state=True)


def _sequence_backward(dh, caches, step_backward, cell_state):
    """Backpropagation through time shared by the RNN and the LSTM."""
    dh = float_array("dh", dh)
    x0, h_prev0 = caches[0][0], caches[0][1]
    n, hidden = h_prev0.shape
    same_shape("dh", dh, (n, len(caches), hidden), "the shape of the hidden states h")
    same_dtype(dh=dh, x=x0)
    # BEGIN SOLUTION
    dx = np.empty((n, len(caches), x0.shape[1]), dtype=dh.dtype)
    dnext_h = np.zeros((n, hidden), dtype=dh.dtype)
    dnext_c = np.zeros((n, hidden), dtype=dh.dtype)
    dWx = dWh = db = 0
    for t in reversed(range(len(caches))):
        if cell_state:
            dx[:, t], dnext_h, dnext_c, dWx_t, dWh_t, db_t = step_backward(dh[:, t] + dnext_h, dnext_c, caches[t])
        else:
            dx[:, t], dnext_h, dWx_t, dWh_t, db_t = step_backward(dh[:, t] + dnext_h, caches[t], None)
        dWx, dWh, db = dWx + dWx_t, dWh + dWh_t, db + db_t
    return dx, dnext_h, dWx, dWh, db
    # END SOLUTION


# ----------------------------------------------------------------------------------------------
# Words in and out
# ----------------------------------------------------------------------------------------------

def word_embedding_forward(x, W):
    """Look up word vectors: out[n, t] = W[x[n, t]].

    Inputs:
    - x: integer word ids of shape (N, T), each in 0..V-1
    - W: word vectors of shape (V, D), float32 or float64

    Returns a tuple of:
    - out: shape (N, T, D), W's dtype
    - cache: (x, W.shape, W.dtype)
    """
    W = float_array("W", W)
    require_ndim("W", W, 2, "(V, D)")
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.integer):
        raise TypeError(f"x must hold integer word ids, got dtype {x.dtype}")
    require_ndim("x", x, 2, "(N, T)")
    if x.size and (x.min() < 0 or x.max() >= W.shape[0]):
        raise ValueError(f"word ids must lie in 0..{W.shape[0] - 1} for V={W.shape[0]} words, "
                         f"got values from {x.min()} to {x.max()}")
    # BEGIN SOLUTION
    return W[x], (x, W.shape, W.dtype)
    # END SOLUTION


def word_embedding_backward(dout, cache):
    """Backward pass of word_embedding_forward: each row of dW sums the dout of every position that
    used that word (a word can occur many times in a batch).

    Inputs:
    - dout: upstream derivative of shape (N, T, D)
    - cache: (x, W.shape, W.dtype) as word_embedding_forward returns it

    Returns:
    - dW: shape (V, D), same dtype as W
    """
    x, shape, dtype = cache
    dout = float_array("dout", dout)
    same_shape("dout", dout, x.shape + shape[1:], "the shape word_embedding_forward returned")
    if dout.dtype != dtype:
        raise TypeError(f"dout has dtype {dout.dtype} but W has {dtype}")
    # BEGIN SOLUTION
    dW = np.zeros(shape, dtype=dtype)
    np.add.at(dW, x, dout)
    return dW
    # END SOLUTION


def temporal_fc_forward(x, w, b):
    """A fully-connected layer applied at every timestep: out[n, t] = x[n, t] @ w + b.

    Inputs:
    - x: (N, T, D); w: (D, M); b: (M,); one float dtype

    Returns a tuple of:
    - out: shape (N, T, M), same dtype
    - cache: (x, w)
    """
    x, w, b = float_array("x", x), float_array("w", w), float_array("b", b)
    require_ndim("x", x, 3, "(N, T, D)")
    require_ndim("w", w, 2, "(D, M)")
    same_dtype(x=x, w=w, b=b)
    same_shape("w", w, (x.shape[2], w.shape[1]), f"D={x.shape[2]} rows to match x {x.shape}")
    same_shape("b", b, (w.shape[1],), "one bias per column of w")
    # BEGIN SOLUTION
    return x @ w + b, (x, w)
    # END SOLUTION


def temporal_fc_backward(dout, cache):
    """Backward pass of temporal_fc_forward.

    Inputs:
    - dout: upstream derivative of shape (N, T, M)
    - cache: (x, w) as temporal_fc_forward returns it

    Returns a tuple (dx (N, T, D), dw (D, M), db (M,)), dtypes of x and w.

    Explained in chapter 5, *Image captioning* ("The layers, and their gradients").
    """
    x, w = cache
    dout = float_array("dout", dout)
    same_shape("dout", dout, x.shape[:2] + (w.shape[1],), "the shape temporal_fc_forward returned")
    same_dtype(dout=dout, x=x)
    # BEGIN SOLUTION
    n, t, d = x.shape
    flat = dout.reshape(n * t, -1)
    return dout @ w.T, x.reshape(n * t, d).T @ flat, flat.sum(axis=0)
    # END SOLUTION


def temporal_softmax_loss(x, y, mask):
    """Softmax cross-entropy at every timestep, summed over the kept timesteps, averaged over the batch.

    Inputs:
    - x: scores of shape (N, T, V), float32 or float64
    - y: integer targets of shape (N, T), each in 0..V-1
    - mask: boolean (N, T); False timesteps (padding) contribute nothing to the loss or gradient

    Returns a tuple of:
    - loss: ``-(1/N) Σ_{n,t} mask[n,t] · log p[n, t, y[n,t]]``, a scalar of x's dtype
    - dx: shape (N, T, V), same dtype
    """
    x = float_array("x", x)
    require_ndim("x", x, 3, "(N, T, V)")
    y, mask = np.asarray(y), np.asarray(mask)
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"y must hold integer word ids, got dtype {y.dtype}")
    if mask.dtype != bool:
        raise TypeError(f"mask must be a boolean array, got dtype {mask.dtype}")
    same_shape("y", y, x.shape[:2], "one target per timestep of x")
    same_shape("mask", mask, x.shape[:2], "one flag per timestep of x")
    n, t, v = x.shape
    if y.size and (y.min() < 0 or y.max() >= v):
        raise ValueError(f"targets must lie in 0..{v - 1}, got values from {y.min()} to {y.max()}")
    # BEGIN SOLUTION
    flat, y_flat, keep = x.reshape(n * t, v), y.reshape(-1), mask.reshape(-1)
    log_probs = log_softmax(flat)
    rows = np.arange(n * t)
    loss = -(log_probs[rows, y_flat] * keep).sum() / n
    dx = np.exp(log_probs)
    dx[rows, y_flat] -= 1
    dx *= keep[:, None] / np.asarray(n, dtype=x.dtype)
    return x.dtype.type(loss), dx.reshape(n, t, v)
    # END SOLUTION
