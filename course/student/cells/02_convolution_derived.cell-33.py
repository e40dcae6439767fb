# student version of 02_convolution_derived cell cell-33; book cell fa17a21fd589
n, k = 7, 3
x, w = rng.standard_normal(n), rng.standard_normal(k)
forward = lambda x, w: conv.filt2d(x[None], w[None])[0]
dy = rng.standard_normal(n - k + 1)
M0 = conv1d_matrix(w, n)  # the unpadded filtering's matrix
assert rel_error(M0 @ x, forward(x, w)) < 1e-12
numerical = {
    "dx": eval_numerical_gradient_array(lambda z: forward(z, w), x, dy),
    "dw": eval_numerical_gradient_array(lambda z: forward(x, z), w, dy),
}
_, (t_dx, t_dw) = autograd(
    lambda x, w: F.conv1d(x[None, None], w[None, None])[0, 0], x, w, dout=dy
)
# Your answers for dx and dw can join this comparison as a third column.
_ = compare_gradients(
    {"dx": t_dx, "dw": t_dw}, {"numerical": numerical}, tol=1e-7
)
print("M_0 x equals the valid filtering of x by w")
