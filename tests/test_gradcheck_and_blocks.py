"""gradcheck itself, the chapter-1 blocks, conv1d_matrix, and the torch-free import of the numpy layers."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from hwlib import layers
from hwlib.blocks import residual_backward, residual_forward, softmax_regression_loss
from hwlib.convolution import conv1d_matrix
from hwlib.gradcheck import (compare_gradients, eval_numerical_gradient, eval_numerical_gradient_array,
                             layer_gradient_errors, rel_error)
from hwlib.reference import autograd


def test_importing_layers_does_not_import_torch():
    code = "import sys, hwlib, hwlib.layers, hwlib.gradcheck, hwlib.blocks, hwlib.data; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_numerical_gradient_is_accurate_and_leaves_x_alone():
    x = np.random.default_rng(0).standard_normal((3, 4))
    x0 = x.copy()
    grad = eval_numerical_gradient(lambda z: np.sum(z ** 3), x)
    assert rel_error(grad, 3 * x ** 2) < 1e-7
    df = np.ones((3, 4))
    assert rel_error(eval_numerical_gradient_array(np.sin, x, df), np.cos(x)) < 1e-7
    np.testing.assert_array_equal(x, x0)
    with pytest.raises(TypeError):
        eval_numerical_gradient(np.sum, np.arange(3))


def test_rel_error_and_compare_gradients_catch_a_wrong_gradient(capsys):
    assert rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        rel_error(np.zeros(2), np.zeros(3))
    good = {"dW": np.array([1.0, 2.0])}
    compare_gradients(good, {"ref": {"dW": np.array([1.0, 2.0])}}, tol=1e-7)
    assert "dW   vs ref 0.0e+00" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="dW vs ref"):
        compare_gradients(good, {"ref": {"dW": np.array([1.0, 2.1])}}, tol=1e-7)


def test_layer_gradient_errors_flags_a_wrong_backward():
    x = np.random.default_rng(1).standard_normal((3, 4))
    wrong = layer_gradient_errors(layers.relu_forward, lambda d, c: d, {"x": x})   # forgets the mask
    assert wrong["x"] > 1e-3


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


def test_conv1d_matrix_is_filtering():
    rng = np.random.default_rng(4)
    for n, k, pad in ((4, 3, 1), (7, 3, 0), (5, 5, 2), (3, 1, 0)):
        w, x = rng.standard_normal(k), rng.standard_normal(n)
        expect = layers.filt2d(np.pad(x, pad)[None], w[None])[0]
        np.testing.assert_allclose(conv1d_matrix(w, n, pad) @ x, expect, atol=1e-12)
    with pytest.raises(ValueError, match="longer"):
        conv1d_matrix(np.ones(5), 2)
