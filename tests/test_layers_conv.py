"""hwlib.layers.conv: the three 2-D operations, the layer against loops, torch and the appendix's
formulas, im2col/col2im, conv1d_matrix; random shapes with hypothesis."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from hwlib.layers import conv, naive
from hwlib.layers.conv import conv1d_matrix
from hwlib.gradcheck import rel_error
from hwlib.torch_autograd import autograd


def test_worked_example_3x3_by_2x2():
    # The example of chapter 2, computed by hand from the 1-based definitions.
    a = np.array([[1., 2., 3.], [4., 5., 6.], [7., 8., 9.]])
    b = np.array([[1., 2.], [3., 4.]])
    np.testing.assert_array_equal(conv.filt2d(a, b), [[37., 47.], [67., 77.]])
    np.testing.assert_array_equal(conv.conv2d_valid(a, b), [[23., 33.], [53., 63.]])
    # full: every a[i, j]·b stamped at (i, j) and summed; its centre is the valid result
    np.testing.assert_array_equal(conv.conv2d_full(a, b), [[1., 4., 7., 6.],
                                                        [7., 23., 33., 24.],
                                                        [19., 53., 63., 42.],
                                                        [21., 52., 59., 36.]])


@settings(max_examples=40, deadline=None)
@given(m=st.integers(1, 7), n=st.integers(1, 7), k=st.integers(1, 4), l=st.integers(1, 4), seed=st.integers(0, 99))
def test_2d_ops_match_loops(m, n, k, l, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((m, n)), rng.standard_normal((k, l))
    np.testing.assert_allclose(conv.conv2d_full(a, b), naive.conv2d_full_loops(a, b), atol=1e-12)
    if k <= m and l <= n:
        np.testing.assert_allclose(conv.filt2d(a, b), naive.filt2d_loops(a, b), atol=1e-12)
        np.testing.assert_allclose(conv.conv2d_valid(a, b), naive.conv2d_valid_loops(a, b), atol=1e-12)
    else:
        with pytest.raises(ValueError, match="does not fit"):
            conv.filt2d(a, b)


def test_2d_ops_match_torch():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((6, 5)), rng.standard_normal((3, 2))
    ta, tb = torch.from_numpy(a)[None, None], torch.from_numpy(b)[None, None]
    np.testing.assert_allclose(conv.filt2d(a, b), F.conv2d(ta, tb)[0, 0].numpy(), atol=1e-12)
    np.testing.assert_allclose(conv.conv2d_valid(a, b), F.conv2d(ta, tb.flip(2, 3))[0, 0].numpy(), atol=1e-12)
    full = F.conv2d(F.pad(ta, (1, 1, 2, 2)), tb.flip(2, 3))[0, 0].numpy()
    np.testing.assert_allclose(conv.conv2d_full(a, b), full, atol=1e-12)


@pytest.mark.parametrize("op", [conv.filt2d, conv.conv2d_valid, conv.conv2d_full])
def test_2d_ops_contract(op):
    for dtype in (np.float32, np.float64):
        a, b = np.random.default_rng(0).standard_normal((5, 4)).astype(dtype), np.random.default_rng(2).standard_normal((2, 3)).astype(dtype)
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


def _conv_case(rng, n=2, c=3, h=7, w=6, f=4, hh=3, ww=2):
    x, k = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, hh, ww))
    dout = rng.standard_normal((n, f, h - hh + 1, w - ww + 1))
    return x, k, dout


def test_conv_matches_loops_and_torch():
    x, w, dout = _conv_case(np.random.default_rng(0))
    out, cache = conv.conv_forward(x, w)
    dx, dw = conv.conv_backward(dout, cache)
    np.testing.assert_allclose(out, naive.conv_forward_loops(x, w), atol=1e-12)
    for ours, loops in zip((dx, dw), naive.conv_backward_loops(dout, x, w)):
        np.testing.assert_allclose(ours, loops, atol=1e-12)
    t_out, (t_dx, t_dw) = autograd(F.conv2d, x, w, dout=dout)
    assert rel_error(out, t_out) < 1e-12 and rel_error(dx, t_dx) < 1e-12 and rel_error(dw, t_dw) < 1e-12


def test_conv_backward_is_the_appendix_formula():
    # dL/dX[n,c] = Σ_f K[f,c] ⊛full dY[n,f] and dL/dK[f,c] = Σ_n X[n,c] ⊛filt dY[n,f], channel by channel.
    x, w, dout = _conv_case(np.random.default_rng(3), n=2, c=2, f=3)
    dx, dw = conv.conv_backward(dout, conv.conv_forward(x, w)[1])
    for n in range(2):
        for c in range(2):
            expect = sum(conv.conv2d_full(w[f, c], dout[n, f]) for f in range(3))
            np.testing.assert_allclose(dx[n, c], expect, atol=1e-12)
    for f in range(3):
        for c in range(2):
            np.testing.assert_allclose(dw[f, c], sum(conv.filt2d(x[n, c], dout[n, f]) for n in range(2)), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), f=st.integers(1, 3), h=st.integers(1, 8), w=st.integers(1, 8),
       hh=st.integers(1, 4), ww=st.integers(1, 4), seed=st.integers(0, 99))
def test_conv_random_shapes_match_torch(n, c, f, h, w, hh, ww, seed):
    rng = np.random.default_rng(seed)
    x, k = rng.standard_normal((n, c, h, w)), rng.standard_normal((f, c, hh, ww))
    if hh > h or ww > w:
        with pytest.raises(ValueError, match="larger than the image"):
            conv.conv_forward(x, k)
        return
    out, cache = conv.conv_forward(x, k)
    dout = rng.standard_normal(out.shape)
    t_out, (t_dx, t_dw) = autograd(F.conv2d, x, k, dout=dout)
    dx, dw = conv.conv_backward(dout, cache)
    np.testing.assert_allclose(out, t_out, atol=1e-10)
    np.testing.assert_allclose(dx, t_dx, atol=1e-10)
    np.testing.assert_allclose(dw, t_dw, atol=1e-10)


def test_col2im_is_the_transpose_of_im2col():
    """<im2col(x), c> == <x, col2im(c)> for every x and c: col2im is M^T."""
    from hwlib.layers.conv import col2im, im2col
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 6, 5))
    c = rng.standard_normal((3 * 3 * 2, 2 * 4 * 4))
    assert im2col(x, 3, 2).shape == c.shape
    assert np.isclose(np.sum(im2col(x, 3, 2) * c), np.sum(x * col2im(c, x.shape, 3, 2)))
    assert col2im(c.astype(np.float32), x.shape, 3, 2).dtype == np.float32


def test_conv1d_matrix_is_filtering():
    rng = np.random.default_rng(4)
    for n, k, pad in ((4, 3, 1), (7, 3, 0), (5, 5, 2), (3, 1, 0)):
        w, x = rng.standard_normal(k), rng.standard_normal(n)
        expect = conv.filt2d(np.pad(x, pad)[None], w[None])[0]
        np.testing.assert_allclose(conv1d_matrix(w, n, pad) @ x, expect, atol=1e-12)
    with pytest.raises(ValueError, match="longer"):
        conv1d_matrix(np.ones(5), 2)


def test_padded_slice_is_the_appendix_notation():
    from hwlib.layers.conv import padded_slice
    m = np.arange(1.0, 13.0).reshape(3, 4)
    np.testing.assert_array_equal(padded_slice(m, 2, 2, 3, 3), [[6, 7], [10, 11]])      # inside
    np.testing.assert_array_equal(padded_slice(m, 0, 4, 1, 5), [[0, 0], [4, 0]])        # zero outside
    assert padded_slice(m, -5, -5, -4, -4).tolist() == [[0, 0], [0, 0]]                 # wholly outside
    with pytest.raises(ValueError, match="i <= k"):
        padded_slice(m, 3, 1, 2, 1)
