"""Classifiers built from hwlib.layers (dense, conv, pool): a two-layer fully-connected net and a small ConvNet.

Both follow the cs231n model contract:

* ``params``: dict of parameter name -> array (W1, b1, W2, b2, ...), all of ``dtype``;
* ``loss(X)`` -> class scores of shape (N, C);
* ``loss(X, y)`` -> ``(loss, grads)``, the softmax loss averaged over the batch plus the L2 penalty
  ``0.5·reg·Σ W²`` on the weights (not the biases), and ``grads`` with the keys and shapes of ``params``.

Weights and biases start from U(-1/√fan_in, 1/√fan_in) (PyTorch's default for Linear and Conv2d),
where fan_in is the number of inputs of one unit: D for a fully-connected layer, C·HH·WW for a
convolution. This keeps every unit's pre-activation of order 1 regardless of the layer width.
"""

import numpy as np

from hwlib.layers import conv, dense, pool
from hwlib.layers._checks import float_dtype
from hwlib.layers.composite import softmax_regression_loss

_POOL = {"pool_height": 2, "pool_width": 2, "stride": 2}


def uniform_fan_in(rng, shape, fan_in, dtype):
    """Samples of U(-1/√fan_in, 1/√fan_in) with the given shape and dtype."""
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(dtype)


class _Classifier:
    """Shared checks and the L2 penalty."""

    def __init__(self, reg, dtype):
        if reg < 0:
            raise ValueError(f"reg must be >= 0, got {reg}")
        self.dtype = float_dtype(dtype)
        self.reg = reg
        self.params = {}

    def _check_input(self, X, sample_shape):
        X = np.asarray(X)
        if X.ndim < 2 or int(np.prod(X.shape[1:])) != int(np.prod(sample_shape)):
            raise ValueError(f"{type(self).__name__} expects X of shape (N, {', '.join(map(str, sample_shape))}), "
                             f"got {X.shape}")
        if X.dtype != self.dtype:
            raise TypeError(f"X has dtype {X.dtype} but the model's parameters are {self.dtype}; "
                            f"convert with X.astype(np.{self.dtype})")
        return X

    def _add_l2(self, loss, grads, names):
        """Add 0.5·reg·ΣW² to the loss and reg·W to each weight gradient (new arrays, no in-place)."""
        for name in names if self.reg else ():
            w = self.params[name]
            loss += 0.5 * self.reg * np.sum(w * w)
            grads[name] = grads[name] + self.reg * w
        return self.dtype.type(loss), grads


class SoftmaxClassifier(_Classifier):
    """Softmax regression: scores = X W + b, then the softmax loss (a linear classifier).

    Inputs: input_dim D, num_classes C, reg, dtype, seed (as for TwoLayerNet).
    Parameters: W (D, C), b (C,).
    """

    def __init__(self, input_dim=784, num_classes=10, reg=0.0, dtype=np.float32, seed=0):
        super().__init__(reg, dtype)
        rng = np.random.default_rng(seed)
        self.input_shape = (input_dim,)
        self.params = {"W": uniform_fan_in(rng, (input_dim, num_classes), input_dim, self.dtype),
                       "b": uniform_fan_in(rng, (num_classes,), input_dim, self.dtype)}

    def loss(self, X, y=None):
        """Scores (N, C) if y is None, else (loss, grads). X: (N, D) or (N, d1, ..., dk) with Πd = D.

        Explained in chapter 3, "Softmax regression": the loss is hwlib.layers.composite.softmax_regression_loss
        plus the L2 penalty; grads has the keys 'W' and 'b'.
        """
        X = self._check_input(X, self.input_shape)
        # BEGIN SOLUTION
        if y is None:
            return dense.fc_forward(X, self.params["W"], self.params["b"])[0]
        loss, (_, dw, db) = softmax_regression_loss(X.reshape(len(X), -1), self.params["W"], self.params["b"], y)
        return self._add_l2(loss, {"W": dw, "b": db}, ("W",))
        # END SOLUTION


class TwoLayerNet(_Classifier):
    """fc → relu → fc → softmax.

    Inputs:
    - input_dim: D, the size of one (flattened) input, e.g. 784 for MNIST
    - hidden_dim: H, hidden units
    - num_classes: C
    - reg: L2 regularization strength
    - dtype: float32 (default) or float64 (for gradient checks)
    - seed: seeds the initialization

    Parameters: W1 (D, H), b1 (H,), W2 (H, C), b2 (C,).
    """

    def __init__(self, input_dim=784, hidden_dim=100, num_classes=10, reg=0.0, dtype=np.float32, seed=0):
        super().__init__(reg, dtype)
        rng = np.random.default_rng(seed)
        self.input_shape = (input_dim,)
        self.params = {
            "W1": uniform_fan_in(rng, (input_dim, hidden_dim), input_dim, self.dtype),
            "b1": uniform_fan_in(rng, (hidden_dim,), input_dim, self.dtype),
            "W2": uniform_fan_in(rng, (hidden_dim, num_classes), hidden_dim, self.dtype),
            "b2": uniform_fan_in(rng, (num_classes,), hidden_dim, self.dtype),
        }

    def loss(self, X, y=None):
        """Scores (N, C) if y is None, else (loss, grads). X: (N, D) or (N, d1, ..., dk) with Πd = D.

        The loss is the softmax loss of the scores (batch mean) plus ``0.5·reg·(ΣW1² + ΣW2²)``;
        ``grads`` has the keys 'W1', 'b1', 'W2', 'b2' with the shapes and dtype of ``params``.
        Build it from hwlib.layers.dense (fc, relu, softmax_loss and their backward passes).

        Explained in chapter 3, "A two-layer network".
        """
        # BEGIN SOLUTION
        X = self._check_input(X, self.input_shape)
        p = self.params
        h, fc1 = dense.fc_forward(X, p["W1"], p["b1"])
        a, relu = dense.relu_forward(h)
        scores, fc2 = dense.fc_forward(a, p["W2"], p["b2"])
        if y is None:
            return scores
        loss, dscores = dense.softmax_loss(scores, y)
        grads = {}
        da, grads["W2"], grads["b2"] = dense.fc_backward(dscores, fc2)
        dh = dense.relu_backward(da, relu)
        _, grads["W1"], grads["b1"] = dense.fc_backward(dh, fc1)
        return self._add_l2(loss, grads, ("W1", "W2"))
        # END SOLUTION


class ConvNet(_Classifier):
    """conv → relu → 2×2 max-pool → fc → relu → fc → softmax.

    The convolution is 'valid' with stride 1 (hwlib.layers.conv.conv_forward), so an H×W image becomes
    (H-k+1)×(W-k+1), then half that after pooling (rounded down).

    Inputs:
    - input_dim: (C, H, W) of one image
    - num_filters: F, filters of the convolution
    - filter_size: k, the filters are k×k
    - hidden_dim: units of the hidden fully-connected layer
    - num_classes, reg, dtype, seed: as for TwoLayerNet
    - init: 'uniform' (default): weights and biases from U(-1/√fan_in, 1/√fan_in); 'normal': weights
      from N(0, weight_scale²) and zero biases, the start of the previous homework (chapter 4
      compares the two)

    Parameters: W1 (F, C, k, k), b1 (F,), W2 (F·H2·W2, hidden), b2 (hidden,), W3 (hidden, classes), b3 (classes,)
    where H2 = (H-k+1)//2 and W2 = (W-k+1)//2.
    """

    def __init__(self, input_dim=(1, 28, 28), num_filters=32, filter_size=5, hidden_dim=100, num_classes=10,
                 reg=0.0, dtype=np.float32, seed=0, init="uniform", weight_scale=1e-3):
        super().__init__(reg, dtype)
        c, h, w = input_dim
        if filter_size > min(h, w) or (h - filter_size + 1) < 2 or (w - filter_size + 1) < 2:
            raise ValueError(f"a {filter_size}×{filter_size} filter and 2×2 pooling do not fit images of {input_dim}")
        if init not in ("uniform", "normal"):
            raise ValueError(f"init must be 'uniform' or 'normal', got {init!r}")
        rng = np.random.default_rng(seed)
        self.input_shape = tuple(input_dim)
        pooled = num_filters * ((h - filter_size + 1) // 2) * ((w - filter_size + 1) // 2)
        shapes = {"W1": ((num_filters, c, filter_size, filter_size), c * filter_size * filter_size),
                  "W2": ((pooled, hidden_dim), pooled), "W3": ((hidden_dim, num_classes), hidden_dim)}
        self.params = {}
        for k, (name, (shape, fan_in)) in enumerate(shapes.items(), start=1):
            if init == "uniform":
                self.params[name] = uniform_fan_in(rng, shape, fan_in, self.dtype)
                self.params[f"b{k}"] = uniform_fan_in(rng, shape[:1] if k == 1 else shape[-1:], fan_in, self.dtype)
            else:   # the previous homework's (and cs231n's) start: small Gaussian weights, zero biases
                self.params[name] = (weight_scale * rng.standard_normal(shape)).astype(self.dtype)
                self.params[f"b{k}"] = np.zeros(shape[:1] if k == 1 else shape[-1:], self.dtype)

    def loss(self, X, y=None):
        """Scores (N, classes) if y is None, else (loss, grads). X: (N, C, H, W) of the model's dtype.

        conv (``conv_forward`` + ``conv_bias_forward``) → relu → 2×2 max-pool (stride 2) → fc →
        relu → fc, then the softmax loss (batch mean) plus ``0.5·reg·(ΣW1² + ΣW2² + ΣW3²)``;
        ``grads`` has the keys 'W1', 'b1', 'W2', 'b2', 'W3', 'b3' with the shapes and dtype of
        ``params``. Build it from hwlib.layers (dense, conv, pool).

        Explained in chapter 4, "The network and its gradients".
        """
        # TwoLayerNet.loss's forward-then-backward chain, deeper, on purpose: students write both.
        # BEGIN SOLUTION
        X = self._check_input(X, self.input_shape).reshape((-1,) + self.input_shape)
        p = self.params
        filtered, conv_cache = conv.conv_forward(X, p["W1"])
        filtered, bias_cache = conv.conv_bias_forward(filtered, p["b1"])
        act, relu1 = dense.relu_forward(filtered)
        pooled, pool_cache = pool.max_pool_forward(act, _POOL)
        hid, fc2 = dense.fc_forward(pooled, p["W2"], p["b2"])
        hid_act, relu2 = dense.relu_forward(hid)
        scores, fc3 = dense.fc_forward(hid_act, p["W3"], p["b3"])
        if y is None:
            return scores
        loss, dscores = dense.softmax_loss(scores, y)
        grads = {}
        dhid_act, grads["W3"], grads["b3"] = dense.fc_backward(dscores, fc3)
        dhid = dense.relu_backward(dhid_act, relu2)
        dpooled, grads["W2"], grads["b2"] = dense.fc_backward(dhid, fc2)
        dact = pool.max_pool_backward(dpooled, pool_cache)
        dconv = dense.relu_backward(dact, relu1)
        dconv, grads["b1"] = conv.conv_bias_backward(dconv, bias_cache)
        _, grads["W1"] = conv.conv_backward(dconv, conv_cache)
        return self._add_l2(loss, grads, ("W1", "W2", "W3"))
        # END SOLUTION
