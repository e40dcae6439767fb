# student version of 02_convolution_derived cell cell-16; book cell 66a9fd4efa9b
N, C, H, W, Fn, kh, kw = 2, 3, 7, 6, 4, 3, 2
x, K = rng.standard_normal((N, C, H, W)), rng.standard_normal((Fn, C, kh, kw))
y, cache = conv.conv_forward(x, K)
dy = rng.standard_normal(y.shape)
dx, dK = conv.conv_backward(dy, cache)

numerical = {
    "dX": eval_numerical_gradient_array(lambda z: conv.conv_forward(z, K)[0], x, dy),
    "dK": eval_numerical_gradient_array(lambda z: conv.conv_forward(x, z)[0], K, dy),
}
t_y, (t_dx, t_dK) = autograd(F.conv2d, x, K, dout=dy)
assert rel_error(y, t_y) < 1e-12
# Your formulas (34) and (35) can join this comparison as a third column.
_ = compare_gradients(
    {"dX": dx, "dK": dK},
    {"numerical": numerical, "torch": {"dX": t_dx, "dK": t_dK}},
    tol=1e-7,
)
