"""hwlib.layers against loops, torch.autograd and the seed autograder's failure classes.

Failure classes covered for every public layer: wrong values (vs explicit loops and vs torch),
wrong shape, wrong dtype (float32 and float64 in both passes), an input mutated, and a clear
ValueError on bad shapes. Conv and pooling are also checked on random shapes with hypothesis.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from hwlib import layers as L
from hwlib import naive
from hwlib.gradcheck import layer_gradient_errors, rel_error
from hwlib.reference import autograd

POOL = {"pool_height": 3, "pool_width": 3, "stride": 2}   # overlapping windows


def _rng(seed=0):
    return np.random.default_rng(seed)


# ----------------------------------------------------------------------------------------------
# The 2-D operations
# ----------------------------------------------------------------------------------------------

def test_worked_example_3x3_by_2x2():
    # The example of chapter 2, computed by hand from the 1-based definitions.
    a = np.array([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]])
    b = np.array([[1., 2.], [3., 4.]])
    np.testing.assert_array_equal(L.filt2d(a, b), [[37., 47.], [67., 77.]])
    np.testing.assert_array_equal(L.conv2d_valid(a, b), [[23., 33.], [53., 63.]])
    # full: every a[i, j]·b stamped at (i, j) and summed; its centre is the valid result
    np.testing.assert_array_equal(L.conv2d_full(a, b), [[1., 4., 7., 6.],
                                                        [7., 23., 33., 24.],
                                                        [19., 53., 63., 42.],
                                                        [21., 52., 59., 36.]])


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 7), n=st.integers(1, 7), k=st.integers(1, 4), l=st.integers(1, 4), seed=st.integers(0, 99))
def test_2d_ops_match_loops(m, n, k, l, seed):
    rng = _rng(seed)
    a, b = rng.standard_normal((m, n)), rng.standard_normal((k, l))
    np.testing.assert_allclose(L.conv2d_full(a, b), naive.conv2d_full_loops(a, b), atol=1e-12)
    if k <= m and l <= n:
        np.testing.assert_allclose(L.filt2d(a, b), naive.filt2d_loops(a, b), atol=1e-12)
        np.testing.assert_allclose(L.conv2d_valid(a, b), naive.conv2d_valid_loops(a, b), atol=1e-12)
    else:
        with pytest.raises(ValueError, match="does not fit"):
            L.filt2d(a, b)


def test_2d_ops_match_torch():
    rng = _rng(1)
    a, b = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))
    ta, tb = torch.from_numpy(a)[None, None], torch.from_numpy(b)[None, None]
    np.testing.assert_allclose(L.filt2d(a, b), F.conv2d(ta, tb)[0, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(L.conv2d_valid(a, b), F.conv2d(ta, tb.flip(2, 3))[0, 0].numpy(), atol=1e-12)
    full = F.conv2d(F.pad(ta, (1, 1, 2, 2)), tb.flip(2, 3))[0, 0].numpy()
    np.testing.assert_allclose(L.conv2d_full(a, b), full, atol=1e-12)


@pytest.mark.parametrize("op", [L.filt2d, L.conv2d_valid, L.conv2d_full])
def test_2d_ops_contract(op):
    for dtype in (np.float32, np.float64):
        a, b = _rng().standard_normal((5, 4)).astype(dtype), _rng(2).standard_normal((2, 3)).astype(dtype)
        a0, b0 = a.copy(), b.copy()
        assert op(a, b).dtype == dtype
        np.testing.assert_array_equal(a, a0)
        np.testing.assert_array_equal(b, b0)
    with pytest.raises(ValueError, match=r"\(rows, cols\)"):
        op(np.zeros((2, 3, 4)), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="dtype"):
        op(np.zeros((4, 4), np.float32), np.zeros((2, 2)))
    with pytest.raises(TypeError, match="floating"):
        op(np.zeros((4, 4), int), np.zeros((2, 2), int))


# ----------------------------------------------------------------------------------------------
# Values of the layers against loops and torch
# ----------------------------------------------------------------------------------------------

def _conv_case(rng, n=2, c=3, h=7, w=6, f=4, hh=3, ww=2):
    x, k = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, hh, ww))
    dout = rng.standard_normal((n, f, h - hh + 1, w - ww + 1))
    return x, k, dout


def test_conv_matches_loops_and_torch():
    x, w, dout = _conv_case(_rng())
    out, cache = L.conv_forward(x, w)
    dx, dw = L.conv_backward(dout, cache)
    np.testing.assert_allclose(out, naive.conv_forward_loops(x, w), atol=1e-12)
    for ours, loops in zip((dx, dw), naive.conv_backward_loops(dout, x, w)):
        np.testing.assert_allclose(ours, loops, atol=1e-12)
    t_out, (t_dx, t_dw) = autograd(F.conv2d, x, w, dout=dout)
    assert rel_error(out, t_out) < 1e-12 and rel_error(dx, t_dx) < 1e-12 and rel_error(dw, t_dw) < 1e-12


def test_conv_backward_is_the_appendix_formula():
    # dL/dX[n,c] = Σ_f K[f,c] ⊛full dY[n,f] and dL/dK[f,c] = Σ_n X[n,c] ⊛filt dY[n,f], channel by channel.
    x, w, dout = _conv_case(_rng(3), n=2, c=2, f=3)
    dx, dw = L.conv_backward(dout, L.conv_forward(x, w)[1])
    for n in range(2):
        for c in range(2):
            expect = sum(L.conv2d_full(w[f, c], dout[n, f]) for f in range(3))
            np.testing.assert_allclose(dx[n, c], expect, atol=1e-12)
    for f in range(3):
        for c in range(2):
            np.testing.assert_allclose(dw[f, c], sum(L.filt2d(x[n, c], dout[n, f]) for n in range(2)), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), f=st.integers(1, 3), h=st.integers(1, 8), w=st.integers(1, 8),
       hh=st.integers(1, 4), ww=st.integers(1, 4), seed=st.integers(0, 99))
def test_conv_random_shapes_match_torch(n, c, f, h, w, hh, ww, seed):
    rng = _rng(seed)
    x, k = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, hh, ww))
    if hh > h or ww > w:
        with pytest.raises(ValueError, match="larger than the image"):
            L.conv_forward(x, k)
        return
    out, cache = L.conv_forward(x, k)
    dout = rng.standard_normal(out.shape)
    t_out, (t_dx, t_dw) = autograd(F.conv2d, x, k, dout=dout)
    dx, dw = L.conv_backward(dout, cache)
    np.testing.assert_allclose(out, t_out, atol=1e-10)
    np.testing.assert_allclose(dx, t_dx, atol=1e-10)
    np.testing.assert_allclose(dw, t_dw, atol=1e-10)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(2, 9), w=st.integers(2, 9),
       ph=st.integers(1, 3), pw=st.integers(1, 3), s=st.integers(1, 3), seed=st.integers(0, 99))
def test_pooling_random_shapes_match_loops_and_torch(n, c, h, w, ph, pw, s, seed):
    rng = _rng(seed)
    x = rng.standard_normal((n, c, h, w))
    param = {"pool_height": ph, "pool_width": pw, "stride": s}
    if ph > h or pw > w:
        with pytest.raises(ValueError, match="does not fit"):
            L.max_pool_forward(x, param)
        return
    for fwd, bwd, reduce, t_pool, loops_bwd in (
            (L.max_pool_forward, L.max_pool_backward, np.max, F.max_pool2d, naive.max_pool_backward_loops),
            (L.avg_pool_forward, L.avg_pool_backward, np.mean, F.avg_pool2d, naive.avg_pool_backward_loops)):
        out, cache = fwd(x, param)
        dout = rng.standard_normal(out.shape)
        dx = bwd(dout, cache)
        np.testing.assert_allclose(out, naive.pool_forward_loops(x, ph, pw, s, reduce), atol=1e-12)
        np.testing.assert_allclose(dx, loops_bwd(dout, x, ph, pw, s), atol=1e-12)
        t_out, (t_dx,) = autograd(lambda t: t_pool(t, (ph, pw), s), x, dout=dout)
        np.testing.assert_allclose(out, t_out, atol=1e-12)
        np.testing.assert_allclose(dx, t_dx, atol=1e-12)


def test_fc_relu_softmax_match_torch():
    rng = _rng(4)
    x, w, b = rng.standard_normal((5, 2, 3)), rng.standard_normal((6, 4)), rng.standard_normal(4)
    dout = rng.standard_normal((5, 4))
    out, cache = L.fc_forward(x, w, b)
    t_out, t_grads = autograd(lambda x, w, b: x.reshape(5, -1) @ w + b, x, w, b, dout=dout)
    assert rel_error(out, t_out) < 1e-12
    for ours, theirs in zip(L.fc_backward(dout, cache), t_grads):
        assert rel_error(ours, theirs) < 1e-12

    out, cache = L.relu_forward(x)
    t_out, (t_dx,) = autograd(torch.relu, x, dout=x)
    np.testing.assert_array_equal(out, t_out)
    np.testing.assert_array_equal(L.relu_backward(x, cache), t_dx)

    scores, y = rng.standard_normal((7, 5)) * 3, rng.integers(0, 5, 7)
    loss, dscores = L.softmax_loss(scores, y)
    t_loss, (t_ds, _) = autograd(F.cross_entropy, scores, y)
    assert abs(loss - t_loss) < 1e-12 and rel_error(dscores, t_ds) < 1e-12


def test_softmax_is_numerically_stable():
    scores = np.array([[1000., 0., -1000.], [-1e4, 1e4, 0.]])
    loss, dscores = L.softmax_loss(scores, np.array([0, 1]))
    assert np.isfinite(loss) and np.all(np.isfinite(dscores))
    assert loss == pytest.approx(0.0, abs=1e-12)
    loss32, _ = L.softmax_loss(np.array([[100., 0.]], np.float32), np.array([1]))
    assert loss32 == pytest.approx(100.0, rel=1e-6)


def test_numerical_gradients_of_every_layer():
    rng = _rng(5)
    cases = {
        "conv": (L.conv_forward, L.conv_backward, {"x": rng.standard_normal((2, 2, 5, 5)),
                                                   "w": rng.standard_normal((3, 2, 3, 3))}),
        "conv_bias": (L.conv_bias_forward, L.conv_bias_backward, {"x": rng.standard_normal((2, 3, 2, 2)),
                                                                  "b": rng.standard_normal(3)}),
        "fc": (L.fc_forward, L.fc_backward, {"x": rng.standard_normal((3, 4)), "w": rng.standard_normal((4, 5)),
                                             "b": rng.standard_normal(5)}),
        "relu": (L.relu_forward, L.relu_backward, {"x": rng.standard_normal((4, 5))}),
        "max_pool": (lambda x: L.max_pool_forward(x, POOL), L.max_pool_backward,
                     {"x": rng.standard_normal((2, 2, 7, 7))}),
        "avg_pool": (lambda x: L.avg_pool_forward(x, POOL), L.avg_pool_backward,
                     {"x": rng.standard_normal((2, 2, 7, 7))}),
    }
    for name, (fwd, bwd, inputs) in cases.items():
        for arg, err in layer_gradient_errors(fwd, bwd, inputs).items():
            assert err < 1e-7, f"{name}: d/d{arg} relative error {err:.1e}"


# ----------------------------------------------------------------------------------------------
# The contract: dtype kept, inputs untouched, clear errors
# ----------------------------------------------------------------------------------------------

def _layer_cases(dtype):
    rng = _rng(6)
    r = lambda *shape: rng.standard_normal(shape).astype(dtype)  # noqa: E731
    return {
        "conv": (L.conv_forward, L.conv_backward, (r(2, 3, 6, 6), r(4, 3, 3, 3))),
        "conv_bias": (L.conv_bias_forward, L.conv_bias_backward, (r(2, 4, 3, 3), r(4))),
        "fc": (L.fc_forward, L.fc_backward, (r(3, 2, 2), r(4, 5), r(5))),
        "relu": (L.relu_forward, L.relu_backward, (r(3, 4),)),
        "max_pool": (lambda x: L.max_pool_forward(x, POOL), L.max_pool_backward, (r(2, 3, 7, 7),)),
        "avg_pool": (lambda x: L.avg_pool_forward(x, POOL), L.avg_pool_backward, (r(2, 3, 7, 7),)),
    }


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(_layer_cases(np.float64)))
def test_layer_keeps_dtype_and_never_mutates(name, dtype):
    fwd, bwd, inputs = _layer_cases(dtype)[name]
    before = [a.copy() for a in inputs]
    out, cache = fwd(*inputs)
    assert out.dtype == dtype
    dout = _rng(7).standard_normal(out.shape).astype(dtype)
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
        scores, y = _rng().standard_normal((4, 3)).astype(dtype), np.array([0, 2, 1, 2])
        s0, y0 = scores.copy(), y.copy()
        loss, dscores = L.softmax_loss(scores, y)
        assert np.asarray(loss).dtype == dtype and dscores.dtype == dtype
        np.testing.assert_array_equal(scores, s0)
        np.testing.assert_array_equal(y, y0)


@pytest.mark.parametrize("call, message", [
    (lambda: L.conv_forward(np.zeros((2, 3, 5, 5)), np.zeros((4, 2, 3, 3))), r"channel mismatch.*\(2, 3, 5, 5\)"),
    (lambda: L.conv_forward(np.zeros((3, 5, 5)), np.zeros((4, 3, 3, 3))), r"\(N, C, H, W\).*\(3, 5, 5\)"),
    (lambda: L.conv_forward(np.zeros((1, 3, 2, 2)), np.zeros((4, 3, 3, 3))), "larger than the image"),
    (lambda: L.conv_backward(np.zeros((2, 4, 2, 2)), L.conv_forward(np.zeros((2, 3, 5, 5)),
                                                                    np.zeros((4, 3, 3, 3)))[1]),
     r"dout must have shape \(2, 4, 3, 3\)"),
    (lambda: L.conv_bias_forward(np.zeros((2, 3, 4, 4)), np.zeros(4)), r"\(4,\).*F=3"),
    (lambda: L.fc_forward(np.zeros((2, 5)), np.zeros((4, 3)), np.zeros(3)), r"D=5.*\(4, 3\)"),
    (lambda: L.fc_forward(np.zeros((2, 4)), np.zeros((4, 3)), np.zeros(2)), r"\(2,\).*M=3"),
    (lambda: L.fc_forward(np.zeros(4), np.zeros((4, 3)), np.zeros(3)), r"\(N, D\)"),
    (lambda: L.relu_backward(np.zeros((2, 3)), np.zeros((3, 2))), r"\(3, 2\)"),
    (lambda: L.softmax_loss(np.zeros((3, 4)), np.array([0, 1])), r"\(3,\)"),
    (lambda: L.softmax_loss(np.zeros((2, 4)), np.array([0, 4])), r"0\.\.3"),
    (lambda: L.softmax_loss(np.zeros(4), np.array([0])), r"\(N, C\)"),
    (lambda: L.max_pool_forward(np.zeros((1, 1, 2, 2)), POOL), "does not fit"),
    (lambda: L.max_pool_forward(np.zeros((1, 1, 4, 4)), {"pool_height": 2, "stride": 2}), "pool_width"),
    (lambda: L.avg_pool_forward(np.zeros((1, 1, 4, 4)), {"pool_height": 2, "pool_width": 2, "stride": 0}), "stride"),
    (lambda: L.max_pool_backward(np.zeros((1, 1, 2, 2)), L.max_pool_forward(np.zeros((1, 1, 7, 7)), POOL)[1]),
     r"\(1, 1, 3, 3\)"),
])
def test_bad_shapes_raise_clear_value_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("call", [
    lambda: L.conv_forward(np.zeros((1, 1, 3, 3), np.float32), np.zeros((1, 1, 2, 2))),
    lambda: L.fc_forward(np.zeros((2, 3)), np.zeros((3, 2), np.float32), np.zeros(2)),
    lambda: L.relu_forward(np.zeros((2, 3), dtype=int)),
    lambda: L.softmax_loss(np.zeros((2, 3)), np.array([0.0, 1.0])),
    lambda: L.max_pool_forward(np.zeros((1, 1, 4, 4), dtype=int), POOL),
])
def test_bad_dtypes_raise_type_errors(call):
    with pytest.raises(TypeError):
        call()


def test_col2im_is_the_transpose_of_im2col():
    """<im2col(x), c> == <x, col2im(c)> for every x and c: col2im is M^T."""
    from hwlib.convolution import col2im, im2col
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 6, 5))
    c = rng.standard_normal((3 * 3 * 2, 2 * 4 * 4))
    assert im2col(x, 3, 2).shape == c.shape
    assert np.isclose(np.sum(im2col(x, 3, 2) * c), np.sum(x * col2im(c, x.shape, 3, 2)))
    assert col2im(c.astype(np.float32), x.shape, 3, 2).dtype == np.float32


@pytest.mark.parametrize("param", [{"pool_height": 2, "pool_width": 2, "stride": 2},
                                   {"pool_height": 3, "pool_width": 3, "stride": 2}])
def test_max_pool_ties_go_to_the_first_maximum_like_the_loops(param):
    x = np.maximum(np.round(_rng(3).standard_normal((2, 3, 7, 7))), 0)     # many equal maxima (0 and 1)
    out, cache = L.max_pool_forward(x, param)
    dout = _rng(4).standard_normal(out.shape)
    args = (param["pool_height"], param["pool_width"], param["stride"])
    np.testing.assert_array_equal(L.max_pool_backward(dout, cache), naive.max_pool_backward_loops(dout, x, *args))
