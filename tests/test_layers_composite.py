"""hwlib.layers.composite: softmax regression and the skip connection against torch."""

import numpy as np
import pytest
import torch

from hwlib.layers.composite import residual_backward, residual_forward, softmax_regression_loss
from hwlib.gradcheck import rel_error
from hwlib.torch_autograd import autograd


def test_softmax_regression_matches_torch():
    rng = np.random.default_rng(2)
    x, w, b, y = rng.standard_normal((6, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3), rng.integers(0, 3, 6)
    loss, grads = softmax_regression_loss(x, w, b, y)
    t_loss, t_grads = autograd(lambda x, w, b, y: torch.nn.functional.cross_entropy(x @ w + b, y), x, w, b, y)
    assert abs(loss - t_loss) < 1e-12
    for ours, theirs in zip(grads, t_grads[:3]):
        assert rel_error(ours, theirs) < 1e-12


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_residual_block_gradients_dtype_and_identity_path(dtype):
    rng = np.random.default_rng(3)
    x, w1, w2 = (rng.standard_normal(s).astype(dtype) for s in ((3, 4), (6, 4), (4, 6)))
    y, cache = residual_forward(x, w1, w2)
    g = rng.standard_normal(y.shape).astype(dtype)
    grads = residual_backward(g, cache)
    assert y.dtype == dtype and all(gr.dtype == dtype for gr in grads)
    _, t_grads = autograd(lambda x, w1, w2: torch.relu(x @ w1.T) @ w2.T + x, x, w1, w2, dout=g)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for ours, theirs in zip(grads, t_grads):
        assert rel_error(ours, theirs) < tol
    dead = residual_backward(g, residual_forward(x, w1, np.zeros_like(w2))[1])[0]
    np.testing.assert_array_equal(dead, g)
    with pytest.raises(ValueError, match="do not chain"):
        residual_forward(x, w1, w2.T)
