"""hwlib.layers: dense (fc, ReLU, softmax) against torch, and the contract of every family (conv, pool), finite
differences and the seed autograder's failure classes: wrong values, shape or dtype (float32 and
float64 in both passes), an input mutated, and a clear error on bad shapes or dtypes."""

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from hwlib.layers import conv, dense, pool
from hwlib.gradcheck import layer_gradient_errors, rel_error
from hwlib.torch_autograd import autograd

POOL = {"pool_height": 3, "pool_width": 3, "stride": 2}   # overlapping windows


def test_fc_relu_softmax_match_torch():
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((5, 2, 3)), rng.standard_normal((6, 4)), rng.standard_normal(4)
    dout = rng.standard_normal((5, 4))
    out, cache = dense.fc_forward(x, w, b)
    t_out, t_grads = autograd(lambda x, w, b: x.reshape(5, -1) @ w + b, x, w, b, dout=dout)
    assert rel_error(out, t_out) < 1e-12
    for ours, theirs in zip(dense.fc_backward(dout, cache), t_grads):
        assert rel_error(ours, theirs) < 1e-12

    out, cache = dense.relu_forward(x)
    t_out, (t_dx,) = autograd(torch.relu, x, dout=x)
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_array_equal(dense.relu_backward(x, cache), t_dx)

    scores, y = rng.standard_normal((7, 5)) * 3, rng.integers(0, 5, 7)
    loss, dscores = dense.softmax_loss(scores, y)
    t_loss, (t_ds, _) = autograd(F.cross_entropy, scores, y)
    assert abs(loss - t_loss) < 1e-12 and rel_error(dscores, t_ds) < 1e-12


def test_softmax_is_numerically_stable():
    scores = np.array([[1000., 0., -1000.], [-1e4, 1e4, 0.]])
    loss, dscores = dense.softmax_loss(scores, np.array([0, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(dscores))
    assert loss == pytest.approx(0.0, abs=1e-12)
    loss32, _ = dense.softmax_loss(np.array([[100., 0.]], np.float32), np.array([1]))
    assert loss32 == pytest.approx(100.0, rel=1e-6)


def test_numerical_gradients_of_every_layer():
    rng = np.random.default_rng(5)
    cases = {
        "conv": (conv.conv_forward, conv.conv_backward, {"x": rng.standard_normal((2, 2, 5, 5)),
                                                   "w": rng.standard_normal((3, 2, 3, 3))}),
        "conv_bias": (conv.conv_bias_forward, conv.conv_bias_backward, {"x": rng.standard_normal((2, 3, 2, 2)),
                                                                  "b": rng.standard_normal(3)}),
        "fc": (dense.fc_forward, dense.fc_backward, {"x": rng.standard_normal((3, 4)), "w": rng.standard_normal((4, 5)),
                                             "b": rng.standard_normal(5)}),
        "relu": (dense.relu_forward, dense.relu_backward, {"x": rng.standard_normal((4, 5))}),
        "max_pool": (lambda x: pool.max_pool_forward(x, POOL), pool.max_pool_backward,
                     {"x": rng.standard_normal((2, 2, 7, 7))}),
        "avg_pool": (lambda x: pool.avg_pool_forward(x, POOL), pool.avg_pool_backward,
                     {"x": rng.standard_normal((2, 2, 7, 7))}),
    }
    for name, (fwd, bwd, inputs) in cases.items():
        for arg, err in layer_gradient_errors(fwd, bwd, inputs).items():
            assert err < 1e-7, f"{name}: d/d{arg} relative error {err:.1e}"


def _layer_cases(dtype):
    rng = np.random.default_rng(6)
    r = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    return {
        "conv": (conv.conv_forward, conv.conv_backward, (r(2, 3, 6, 6), r(4, 3, 3, 3))),
        "conv_bias": (conv.conv_bias_forward, conv.conv_bias_backward, (r(2, 4, 3, 3), r(4))),
        "fc": (dense.fc_forward, dense.fc_backward, (r(3, 2, 2), r(4, 5), r(5))),
        "relu": (dense.relu_forward, dense.relu_backward, (r(3, 4),)),
        "max_pool": (lambda x: pool.max_pool_forward(x, POOL), pool.max_pool_backward, (r(2, 3, 7, 7),)),
        "avg_pool": (lambda x: pool.avg_pool_forward(x, POOL), pool.avg_pool_backward, (r(2, 3, 7, 7),)),
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(_layer_cases(np.float64)))
def test_layer_keeps_dtype_and_never_mutates(name, dtype):
    fwd, bwd, inputs = _layer_cases(dtype)[name]
    before = [a.copy() for a in inputs]
    out, cache = fwd(*inputs)
    assert out.dtype == dtype
    dout = np.random.default_rng(7).standard_normal(out.shape).astype(dtype)
    dout_before = dout.copy()
    grads = bwd(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    assert len(grads) == len(inputs)
    for g, a in zip(grads, inputs):
        assert g.dtype == dtype and g.shape == a.shape
    for a, a0 in zip(inputs, before):
        np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(dout, dout_before)
    # a second backward pass on the same cache gives the same answer (the cache was not consumed)
    again = bwd(dout, cache)
    again = again if isinstance(again, tuple) else (again,)
    for g1, g2 in zip(grads, again):
        np.testing.assert_array_equal(g1, g2)


def test_softmax_keeps_dtype_and_never_mutates():
    for dtype in (np.float32, np.float64):
        scores, y = np.random.default_rng(0).standard_normal((4, 3)).astype(dtype), np.array([0, 2, 1, 2])
        s0, y0 = scores.copy(), y.copy()
        loss, dscores = dense.softmax_loss(scores, y)
        assert np.asarray(loss).dtype == dtype and dscores.dtype == dtype
        np.testing.assert_array_equal(scores, s0)
        np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("call, message", [
    (lambda: conv.conv_forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 2, 3, 3))), r"channel mismatch.*\(2, 3, 5, 5\)"),
    (lambda: conv.conv_forward(np.zeros((3, 5, 5)), np.zeros((4, 3, 3, 3))), r"\(N, C, H, W\).*\(3, 5, 5\)"),
    (lambda: conv.conv_forward(np.zeros((1, 3, 2, 2)), np.zeros((4, 3, 3, 3))), "larger than the image"),
    (lambda: conv.conv_backward(np.zeros((2, 4, 2, 2)), conv.conv_forward(np.zeros((2, 3, 5, 5)),
                                                                    np.zeros((4, 3, 3, 3)))[1]),
     r"dout must have shape \(2, 4, 3, 3\)"),
    (lambda: conv.conv_bias_forward(np.zeros((2, 3, 4, 4)), np.zeros(4)), r"\(4,\).*F=3"),
    (lambda: dense.fc_forward(np.zeros((2, 5)), np.zeros((4, 3)), np.zeros(3)), r"D=5.*\(4, 3\)"),
    (lambda: dense.fc_forward(np.zeros((2, 4)), np.zeros((4, 3)), np.zeros(2)), r"\(2,\).*M=3"),
    (lambda: dense.fc_forward(np.zeros(4), np.zeros((4, 3)), np.zeros(3)), r"\(N, D\)"),
    (lambda: dense.relu_backward(np.zeros((2, 3)), np.zeros((3, 2))), r"\(3, 2\)"),
    (lambda: dense.softmax_loss(np.zeros((3, 4)), np.array([0, 1])), r"\(3,\)"),
    (lambda: dense.softmax_loss(np.zeros((2, 4)), np.array([0, 4])), r"0\.\.3"),
    (lambda: dense.softmax_loss(np.zeros(4), np.array([0])), r"\(N, C\)"),
    (lambda: pool.max_pool_forward(np.zeros((1, 1, 2, 2)), POOL), "does not fit"),
    (lambda: pool.max_pool_forward(np.zeros((1, 1, 4, 4)), {"pool_height": 2, "stride": 2}), "pool_width"),
    (lambda: pool.avg_pool_forward(np.zeros((1, 1, 4, 4)), {"pool_height": 2, "pool_width": 2, "stride": 0}), "stride"),
    (lambda: pool.max_pool_backward(np.zeros((1, 1, 2, 2)), pool.max_pool_forward(np.zeros((1, 1, 7, 7)), POOL)[1]),
     r"\(1, 1, 3, 3\)"),
])
def test_bad_shapes_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call", [
    lambda: conv.conv_forward(np.zeros((1, 1, 3, 3), np.float32), np.zeros((1, 1, 2, 2))),
    lambda: dense.fc_forward(np.zeros((2, 3)), np.zeros((3, 2), np.float32), np.zeros(2)),
    lambda: dense.relu_forward(np.zeros((2, 3), dtype=int)),
    lambda: dense.softmax_loss(np.zeros((2, 3)), np.array([0.0, 1.0])),
    lambda: pool.max_pool_forward(np.zeros((1, 1, 4, 4), dtype=int), POOL),
])
def test_bad_dtypes_raise_type_errors(call):
    with pytest.raises(TypeError):
        call()


def test_importing_layers_does_not_import_torch():
    code = "import sys, hwlib, hwlib.layers, hwlib.gradcheck, hwlib.data; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
