"""hwlib.layers.pool: max and average pooling against loops and torch on random shapes, and ties."""

import numpy as np
import pytest
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from hwlib.layers import naive, pool
from hwlib.torch_autograd import autograd


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 2), c=st.integers(1, 3), h=st.integers(2, 9), w=st.integers(2, 9),
       ph=st.integers(1, 3), pw=st.integers(1, 3), s=st.integers(1, 3), seed=st.integers(0, 99))
def test_pooling_random_shapes_match_loops_and_torch(n, c, h, w, ph, pw, s, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, c, h, w))
    param = {"pool_height": ph, "pool_width": pw, "stride": s}
    if ph > h or pw > w:
        with pytest.raises(ValueError, match="does not fit"):
            pool.max_pool_forward(x, param)
        return
    for fwd, bwd, reduce, t_pool, loops_bwd in (
            (pool.max_pool_forward, pool.max_pool_backward, np.max, F.max_pool2d, naive.max_pool_backward_loops),
            (pool.avg_pool_forward, pool.avg_pool_backward, np.mean, F.avg_pool2d, naive.avg_pool_backward_loops)):
        out, cache = fwd(x, param)
        dout = rng.standard_normal(out.shape)
        dx = bwd(dout, cache)
        np.testing.assert_allclose(out, naive.pool_forward_loops(x, ph, pw, s, reduce), atol=1e-12)
        np.testing.assert_allclose(dx, loops_bwd(dout, x, ph, pw, s), atol=1e-12)
        t_out, (t_dx,) = autograd(lambda t: t_pool(t, (ph, pw), s), x, dout=dout)
        np.testing.assert_allclose(out, t_out, atol=1e-12)
        np.testing.assert_allclose(dx, t_dx, atol=1e-12)


@pytest.mark.parametrize("param", [{"pool_height": 2, "pool_width": 2, "stride": 2},
                                   {"pool_height": 3, "pool_width": 3, "stride": 2}])
def test_max_pool_ties_go_to_the_first_maximum_like_the_loops(param):
    x = np.maximum(np.round(np.random.default_rng(3).standard_normal((2, 3, 7, 7))), 0)     # many equal maxima (0 and 1)
    out, cache = pool.max_pool_forward(x, param)
    dout = np.random.default_rng(4).standard_normal(out.shape)
    args = (param["pool_height"], param["pool_width"], param["stride"])
    np.testing.assert_array_equal(pool.max_pool_backward(dout, cache), naive.max_pool_backward_loops(dout, x, *args))
