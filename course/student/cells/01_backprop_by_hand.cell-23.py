# student version of 01_backprop_by_hand cell cell-23; book cell c7c670cc8f79
N, D, H = 3, 5, 7
x, w1, w2 = (
    rng.standard_normal((N, D)),
    rng.standard_normal((H, D)),
    rng.standard_normal((D, H)),
)
y, cache = residual_forward(x, w1, w2)
g = rng.standard_normal(y.shape)
dx, dw1, dw2 = residual_backward(g, cache)

numerical = {
    "dx": eval_numerical_gradient_array(lambda z: residual_forward(z, w1, w2)[0], x, g),
    "dW1": eval_numerical_gradient_array(lambda z: residual_forward(x, z, w2)[0], w1, g),
    "dW2": eval_numerical_gradient_array(lambda z: residual_forward(x, w1, z)[0], w2, g),
}
_, (tx, tw1, tw2) = autograd(
    lambda x, w1, w2: torch.relu(x @ w1.T) @ w2.T + x, x, w1, w2, dout=g
)
_ = compare_gradients(
    {"dx": dx, "dW1": dw1, "dW2": dw2},
    {"numerical": numerical, "torch": {"dx": tx, "dW1": tw1, "dW2": tw2}},
    tol=1e-7,
)
